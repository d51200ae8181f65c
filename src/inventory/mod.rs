//! Inventory: locations, items, the append-only stock ledger that never goes negative, the
//! moving weighted average cost, valuation as of a day, reorder, and parts issued to tickets and
//! departments, booked as materials in the cost book (`crate::ledger`) on the day they were used.

pub mod api;
pub mod bills;
pub mod items;
pub mod locations;
pub mod model;
pub mod movements;
pub mod permissions;
pub mod reorder;
pub mod repo;
pub mod reports;
pub mod verify;

/// Bulk import (`crate::imports`) records items and opening stock through the endpoints' own code.
pub use items::{change as change_item, create as create_item};
pub use movements::{record as record_movement, return_to_vendor, VendorReturn};
pub use repo::{hold_items, item, item_by_sku, location, location_by_code, received_against_lines};

/// What finance needs of inventory to bill the parts used on customers' tickets: the issues not
/// billed yet, holding their items against a parallel reversal, and marking or releasing them.
pub mod billing {
    pub use super::repo::{hold_items, items_by_id, mark_parts_billed, release_billed_parts, unbilled_parts};
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(locations::create_location)
        .service(locations::list_locations)
        .service(locations::get_location)
        .service(locations::update_location)
        .service(items::create_item)
        .service(items::list_items)
        .service(items::get_item)
        .service(items::update_item)
        .service(movements::of_item)
        .service(movements::create)
        .service(movements::list)
        .service(movements::get)
        .service(movements::reverse)
        .service(reports::stock_valuation)
        .service(reports::low_stock);
}
