//! The stock ledger: `/api/v1/inventory/movements` and each item's `…/movements`. Movements are
//! never edited or deleted; a mistake is undone by a reversing movement. Stock never goes
//! negative: every take is one conditional statement, and a CHECK constraint backs it.
//!
//! `posting.rs` posts any movement on its locked item (and books what it costs); the handlers
//! are `new_movement.rs` (receipts, issues, transfers, adjustments), `reversal.rs`,
//! `returns.rs` (goods sent back to their vendor, for procurement) and `reading.rs`; `views.rs` holds what the API shows and takes.

mod new_movement;
mod posting;
mod reading;
mod returns;
mod reversal;
mod views;

pub use new_movement::{create, record};
pub use posting::{book_existing, post_existing};
pub(crate) use posting::{post, Posting};
pub use reading::{get, list, of_item};
pub use returns::{return_to_vendor, VendorReturn};
pub use reversal::reverse;
pub use views::*;
