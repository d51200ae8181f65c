//! `POST /inventory/movements/{id}/reversal`: a movement undone by its opposite.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::super::model::MovementKind;
use super::super::permissions;
use super::super::repo::{self};
use super::new_movement::created;
use super::posting::occurred_on;
use super::*;
use crate::auth::principal::Principal;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::reply::{self};
use crate::state::AppState;

/// Undoes a movement with an opposite one at the same value (ops, admin). A movement is reversed
/// at most once; a reversal is not reversed. Taking back stock that is gone is 409.
#[utoipa::path(
    operation_id = "reverse_movement",
    tag = "inventory",
    params(("id" = i64, Path, description = "Movement id")),
    request_body = ReverseMovement,
    responses(
        (status = 201, description = "The reversing movement", body = Movement, headers(("Location" = String))),
        (status = 409, description = "Reversed already, a reversal, or the stock is gone", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/inventory/movements/{id}/reversal")]
pub async fn reverse(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<ReverseMovement>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_STOCK)?;
    let id = id.into_inner();
    let mut v = Validator::new();
    let input = body.into_inner();
    let reason = v.required_lines("/reason", input.reason, 500);
    let on = occurred_on(&mut v, input.occurred_on);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let original = repo::movement(conn, id)?.ok_or(ApiError::NotFound)?;
        // The item first: billing holds it too, so a movement is billed or reversed, never both.
        repo::lock_item(conn, original.item_id)?;
        let original = repo::movement(conn, id)?.ok_or(ApiError::NotFound)?;
        if let Some(invoice) = original.billed_invoice_id {
            return Err(ApiError::Conflict(format!(
                "movement {id} is billed on invoice {invoice}: void the invoice or change its draft first"
            )));
        }
        if original.reverses_id.is_some() {
            return Err(ApiError::Conflict("a reversal is not reversed; post a new movement instead".into()));
        }
        if let Some(by) = repo::reversal_of(conn, id)? {
            return Err(ApiError::Conflict(format!("movement {id} is reversed already (by {by})")));
        }
        if on < original.occurred_on {
            return Err(ApiError::invalid(
                "/occurred_on",
                format!("must not be before the day of the movement it reverses ({})", original.occurred_on),
            ));
        }
        let posting = Posting {
            kind: MovementKind::from_stored(&original.kind),
            quantity: original.quantity,
            from: original.to_location_id,
            to: original.from_location_id,
            value: Some(original.value),
            unit_cost: Some(original.unit_cost),
            ticket_id: original.ticket_id,
            department_id: original.department_id,
            invoice_line_id: original.invoice_line_id,
            reason: Some(&reason),
            reverses_id: Some(original.id),
            budget_override: None,
            occurred_on: on,
        };
        let (movement, currency, _) = post(conn, &actor, original.item_id, posting)?;
        created(&Movement::new(&movement, currency))
    })
    .await
}
