//! Finance's answer to inventory's questions about bills (`inventory::bills`): which bill a line
//! received into stock belongs to, and booking the bill again once stock came in against it.

use super::model::{InvoiceKind, InvoiceStatus};
use super::repo;
use crate::db::DbConn;
use crate::error::ApiError;

pub struct BillsForStock;

impl crate::inventory::bills::Bills for BillsForStock {
    fn issued_bill_of_line(&self, conn: &mut DbConn, line_id: i64) -> Result<Option<i64>, ApiError> {
        Ok(repo::line_with_invoice(conn, line_id)?.and_then(|(line, kind, status)| {
            let payable = InvoiceKind::from_stored(&kind) == Some(InvoiceKind::Payable);
            let issued =
                !matches!(InvoiceStatus::from_stored(&status), Some(InvoiceStatus::Draft | InvoiceStatus::Void) | None);
            (payable && issued).then_some(line.invoice_id)
        }))
    }

    fn rebook_bill_of_line(&self, conn: &mut DbConn, line_id: i64) -> Result<(), ApiError> {
        let (line, _, _) = repo::line_with_invoice(conn, line_id)?.ok_or(ApiError::NotFound)?;
        repo::book(conn, line.invoice_id)
    }
}
