//! `/admin/inventory`: stock levels, counts, adjustments with a reason, the audit trail of
//! movements, and reservations. Stock is kept by variant id (`var_…`); the inventory does
//! not ask the catalog whether a variant exists, and neither does this API.

use crate::fail::Fail;
use crate::sales::idempotency_key;
use crate::{actor, json, listing_query, no_query, no_route, output, page};
use api_kit::{At, JsonChecker, Problem, allow};
use commerce_bindings::inventory::inventory::{self, Error};
use commerce_bindings::inventory::inventory_admin::{
    self as admin, MovementFilter, MovementReason, NewAdjustment, NewCount, ReservationFilter,
    StockFilter,
};
use serde_json::json;
use spin_sdk::http::{Method, Request, Response};

/// `/admin/inventory/...`, `rest` being the segments after `inventory`.
pub fn route(req: &Request, rest: &[&str]) -> Result<Response, Fail> {
    match rest {
        ["stock"] => {
            allow(req, &[Method::Get])?;
            list_stock(req)
        }
        ["stock", variant_id] => {
            allow(req, &[Method::Get, Method::Put])?;
            if *req.method() == Method::Get {
                no_query(req)?;
                json(200, &output::stock(&level(variant_id)?))
            } else {
                no_query(req)?;
                set_on_hand(req, variant_id)
            }
        }
        ["stock", variant_id, "adjustments"] => {
            allow(req, &[Method::Post])?;
            no_query(req)?;
            adjust(req, variant_id)
        }
        ["movements"] => {
            allow(req, &[Method::Get])?;
            list_movements(req)
        }
        ["reservations"] => {
            allow(req, &[Method::Get])?;
            list_reservations(req)
        }
        ["reservations", id] => {
            allow(req, &[Method::Get])?;
            no_query(req)?;
            json(200, &output::reservation(&inventory::get_reservation(id)?))
        }
        _ => Err(no_route()),
    }
}

/// The stock of one variant. A variant the inventory has not seen has zero of everything,
/// so only an id that cannot name a variant is a 404.
fn level(variant_id: &str) -> Result<inventory::StockLevel, Fail> {
    if !variant_id.starts_with("var_") {
        return Err(no_variant());
    }
    inventory::availability(&[variant_id.to_owned()])
        .map_err(not_a_variant)?
        .pop()
        .ok_or_else(|| Problem::internal("availability answered nothing").into())
}

fn no_variant() -> Fail {
    Problem::not_found("There is no such variant: variant ids start with var_.").into()
}

/// The inventory's refusal of the variant id in the URL is a 404, not a bad field.
fn not_a_variant(e: Error) -> Fail {
    match e {
        Error::InvalidInput(errors)
            if errors.iter().any(|e| {
                e.path.starts_with("/variant_id") || e.path.starts_with("/variant_ids")
            }) =>
        {
            no_variant()
        }
        e => e.into(),
    }
}

/// `GET /admin/inventory/stock?available_below=&limit=&after=`: by variant id.
fn list_stock(req: &Request) -> Result<Response, Fail> {
    let mut q = listing_query(req, &["available_below"]);
    let filter = StockFilter {
        available_below: q.u32("available_below"),
    };
    let page = page(&mut q);
    crate::page_response(
        q,
        admin::list_stock(filter, &page).map(|p| (p.items, p.page.next)),
        output::stock,
    )
}

/// A name of `names`, read from a query parameter.
fn named<T: Copy>(q: &mut api_kit::Query, name: &str, names: &[(&str, T)]) -> Option<T> {
    let raw = q.text(name)?;
    let found = names.iter().find(|(n, _)| *n == raw).map(|(_, v)| *v);
    if found.is_none() {
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        q.reject(name, format!("must be one of: {}", list.join(", ")));
    }
    found
}

/// `GET /admin/inventory/movements?variant_id=&reason=&since=&limit=&after=`: newest first.
fn list_movements(req: &Request) -> Result<Response, Fail> {
    let mut q = listing_query(req, &["variant_id", "reason", "since"]);
    let filter = MovementFilter {
        variant_id: q.text("variant_id"),
        reason: named(&mut q, "reason", output::MOVEMENT_REASONS),
        since: crate::timestamp(&mut q, "since"),
    };
    let page = page(&mut q);
    crate::page_response(
        q,
        admin::list_movements(&filter, &page).map(|p| (p.items, p.page.next)),
        output::movement,
    )
}

/// `GET /admin/inventory/reservations?status=&variant_id=&limit=&after=`: newest first.
fn list_reservations(req: &Request) -> Result<Response, Fail> {
    let mut q = listing_query(req, &["status", "variant_id"]);
    let filter = ReservationFilter {
        status: named(&mut q, "status", output::RESERVATION_STATUSES),
        variant_id: q.text("variant_id"),
    };
    let page = page(&mut q);
    crate::page_response(
        q,
        admin::list_reservations(&filter, &page).map(|p| (p.items, p.page.next)),
        output::reservation,
    )
}

/// The reasons an adjustment may give: every reason but `sale` (written by commits) and
/// `recount` (written by counts).
const ADJUSTMENT_REASONS: &[&str] = &[
    "received",
    "damaged",
    "lost",
    "returned",
    "cancellation",
    "correction",
];

/// An adjustment body: `{"delta": -3, "reason": "damaged", "note"?: "…"}`.
fn adjustment(c: &mut JsonChecker, at: &At) -> (i32, MovementReason, Option<String>) {
    let o = c.object(at, &["delta", "reason", "note"]);
    let delta = c.integer(&o.field("delta"), i64::from(i32::MIN), i64::from(i32::MAX));
    let reason = c.one_of(&o.field("reason"), ADJUSTMENT_REASONS);
    let reason = output::MOVEMENT_REASONS
        .iter()
        .find(|(n, _)| *n == reason)
        .map_or(MovementReason::Correction, |(_, r)| *r);
    (
        i32::try_from(delta).unwrap_or(0),
        reason,
        c.opt_string(&o.field("note")),
    )
}

/// `POST /admin/inventory/stock/{variant_id}/adjustments`: 201 `{movement, stock}`. With an
/// `Idempotency-Key` header, a repeat returns the first movement and changes nothing.
fn adjust(req: &Request, variant_id: &str) -> Result<Response, Fail> {
    let key = idempotency_key(req)?;
    let (delta, reason, note) = crate::body(req, adjustment)?;
    if !variant_id.starts_with("var_") {
        return Err(no_variant());
    }
    let movement = admin::adjust(&NewAdjustment {
        variant_id: variant_id.to_owned(),
        delta,
        reason,
        note,
        actor: actor(),
        idempotency_key: key,
    })
    .map_err(not_a_variant)?;
    moved(201, &movement)
}

/// A count body: `{"on_hand": 12, "note"?: "…"}`.
fn count(c: &mut JsonChecker, at: &At) -> (u32, Option<String>) {
    let o = c.object(at, &["on_hand", "note"]);
    (c.u32(&o.field("on_hand")), c.opt_string(&o.field("note")))
}

/// `PUT /admin/inventory/stock/{variant_id}`: sets on-hand to a counted number (a `recount`
/// movement with the difference). 200 `{movement, stock}`.
fn set_on_hand(req: &Request, variant_id: &str) -> Result<Response, Fail> {
    let key = idempotency_key(req)?;
    let (on_hand, note) = crate::body(req, count)?;
    if !variant_id.starts_with("var_") {
        return Err(no_variant());
    }
    let movement = admin::set_on_hand(&NewCount {
        variant_id: variant_id.to_owned(),
        on_hand,
        note,
        actor: actor(),
        idempotency_key: key,
    })
    .map_err(not_a_variant)?;
    moved(200, &movement)
}

/// The answer to a stock change: the movement and the stock as it now is.
fn moved(status: u16, movement: &admin::StockMovement) -> Result<Response, Fail> {
    let stock = level(&movement.variant_id)?;
    json(
        status,
        &json!({"movement": output::movement(movement), "stock": output::stock(&stock)}),
    )
}
