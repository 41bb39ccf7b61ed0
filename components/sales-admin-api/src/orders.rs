//! `/admin/orders`: finding orders and moving them through fulfilment. Cancelling and
//! refunding, which also move stock and money, are in [`crate::sales`].

use crate::fail::Fail;
use crate::{actor, json, listing_query, no_body, no_query, no_route, output, page};
use api_kit::{FieldError, JsonChecker, Problem, allow};
use commerce_bindings::orders::orders::{self, Order, OrderStatus, Tracking};
use commerce_bindings::orders::orders_admin::{self as admin, OrderFilter};
use commerce_bindings::payments::payments;
use commerce_bindings::payments::payments_admin;
use commerce_types::types::PageRequest;
use serde_json::Value;
use spin_sdk::http::{Method, Request, Response};

/// `/admin/orders/...`, `rest` being the segments after `orders`.
pub fn route(req: &Request, rest: &[&str]) -> Result<Response, Fail> {
    match rest {
        [] => {
            allow(req, &[Method::Get])?;
            list(req)
        }
        [key] => {
            allow(req, &[Method::Get])?;
            no_query(req)?;
            json(200, &output::order(&find(key)?))
        }
        [key, "events"] => {
            allow(req, &[Method::Get])?;
            events(req, key)
        }
        [key, "payments"] => {
            allow(req, &[Method::Get])?;
            no_query(req)?;
            order_payments(key)
        }
        [key, action @ ("fulfil" | "deliver")] => {
            allow(req, &[Method::Post])?;
            no_query(req)?;
            no_body(req)?;
            let order = find(key)?;
            let order = if *action == "fulfil" {
                admin::fulfil(&order.id, &actor())?
            } else {
                admin::deliver(&order.id, &actor())?
            };
            json(200, &output::order(&order))
        }
        [key, "ship"] => {
            allow(req, &[Method::Post])?;
            no_query(req)?;
            ship(req, key)
        }
        [key, "notes"] => {
            allow(req, &[Method::Post])?;
            no_query(req)?;
            note(req, key)
        }
        [key, "cancel"] => {
            allow(req, &[Method::Post])?;
            no_query(req)?;
            crate::sales::cancel(req, key)
        }
        [key, "refunds"] => {
            allow(req, &[Method::Post])?;
            no_query(req)?;
            crate::sales::refund(req, key)
        }
        _ => Err(no_route()),
    }
}

/// The order at `key`: an id (`ord_…`) or a number (`1001`, or `#1001` written `%231001`).
/// Anything else is a 404, as an unknown order is.
pub fn find(key: &str) -> Result<Order, Fail> {
    if key.starts_with("ord_") {
        return Ok(admin::get_order(key)?);
    }
    let digits = key.strip_prefix("%23").unwrap_or(key);
    match digits.parse::<u64>() {
        Ok(number) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(admin::get_order_by_number(number)?)
        }
        _ => Err(orders::Error::NotFound.into()),
    }
}

/// A status by its API name.
fn parse_status(name: &str) -> Option<OrderStatus> {
    output::ORDER_STATUSES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

/// `GET /admin/orders?status=paid,fulfilled&created_after=&created_before=&customer_id=&q=`
fn list(req: &Request) -> Result<Response, Fail> {
    let mut q = listing_query(
        req,
        &[
            "status",
            "created_after",
            "created_before",
            "customer_id",
            "q",
        ],
    );
    let mut statuses = Vec::new();
    if let Some(raw) = q.text("status") {
        for name in raw.split(',') {
            match parse_status(name) {
                Some(s) if !statuses.contains(&s) => statuses.push(s),
                Some(_) => {}
                None => {
                    let names: Vec<&str> = output::ORDER_STATUSES.iter().map(|(n, _)| *n).collect();
                    q.reject(
                        "status",
                        format!("must be a comma-separated list of: {}", names.join(", ")),
                    );
                    break;
                }
            }
        }
    }
    let filter = OrderFilter {
        statuses,
        created_after: crate::timestamp(&mut q, "created_after"),
        created_before: crate::timestamp(&mut q, "created_before"),
        customer_id: q.text("customer_id"),
        search: q.text("q"),
    };
    let page = page(&mut q);
    // The orders component names the text `search`; this API calls it `q`.
    let result = admin::list_orders(&filter, &page)
        .map(|p| (p.items, p.page.next))
        .map_err(|e| match e {
            orders::Error::InvalidInput(errors) => orders::Error::InvalidInput(
                errors
                    .into_iter()
                    .map(|mut e| {
                        if e.path == "/search" {
                            e.path = "/q".into();
                        }
                        e
                    })
                    .collect(),
            ),
            e => e,
        });
    crate::page_response(q, result, output::order_summary)
}

/// `GET /admin/orders/{key}/events?limit=&after=`: the history, oldest first.
fn events(req: &Request, key: &str) -> Result<Response, Fail> {
    let mut q = listing_query(req, &[]);
    let page = page(&mut q);
    let order = find(key)?;
    crate::page_response(
        q,
        admin::list_order_events(&order.id, &page).map(|p| (p.items, p.page.next)),
        output::order_event,
    )
}

/// Every page of a listing, read with `next_page` (which gets the cursor to continue from).
pub fn all_pages<T, E>(
    mut next_page: impl FnMut(PageRequest) -> Result<(Vec<T>, Option<String>), E>,
) -> Result<Vec<T>, E> {
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let (mut found, next) = next_page(PageRequest { after, limit: 100 })?;
        items.append(&mut found);
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(items),
        }
    }
}

/// The payments made for order `order_id`, newest first.
pub fn payments_of(order_id: &str) -> Result<Vec<payments::Payment>, payments::Error> {
    let filter = payments_admin::PaymentFilter {
        status: None,
        order_id: Some(order_id.to_owned()),
    };
    all_pages(|page| payments_admin::list_payments(&filter, &page).map(|p| (p.items, p.page.next)))
}

/// The refunds of a payment, oldest first.
pub fn refunds_of(payment_id: &str) -> Result<Vec<payments::Refund>, payments::Error> {
    all_pages(|page| {
        payments_admin::list_refunds(payment_id, &page).map(|p| (p.items, p.page.next))
    })
}

/// `GET /admin/orders/{key}/payments`: the order's payments with their refunds.
fn order_payments(key: &str) -> Result<Response, Fail> {
    let order = find(key)?;
    let mut items: Vec<Value> = Vec::new();
    for p in payments_of(&order.id)? {
        let refunds = refunds_of(&p.id)?;
        items.push(output::payment(&p, &refunds));
    }
    json(200, &serde_json::json!({ "items": items }))
}

/// The body of `ship`: the tracking details, or none at all.
fn tracking(c: &mut JsonChecker, at: &api_kit::At) -> Tracking {
    let o = c.object(at, &["carrier", "number", "url"]);
    Tracking {
        carrier: c.string(&o.field("carrier")),
        number: c.string(&o.field("number")),
        url: c.opt_string(&o.field("url")),
    }
}

/// `POST /admin/orders/{key}/ship` with `{carrier, number, url?}` or no body.
fn ship(req: &Request, key: &str) -> Result<Response, Fail> {
    let tracking = crate::opt_body(req, tracking)?;
    let order = find(key)?;
    let shipped = admin::ship(&order.id, tracking.as_ref(), &actor()).map_err(|e| match e {
        // The orders component names the fields of its `tracking` record.
        orders::Error::InvalidInput(errors) => Problem::invalid_input(
            errors
                .into_iter()
                .map(|e| {
                    let path = e.path.strip_prefix("/tracking").unwrap_or(&e.path);
                    FieldError::new(path, e.message)
                })
                .collect(),
        )
        .into(),
        e => Fail::from(e),
    })?;
    json(200, &output::order(&shipped))
}

/// `POST /admin/orders/{key}/notes` with `{"note": "…"}`: 204; the note is in the
/// order's history (`…/events`).
fn note(req: &Request, key: &str) -> Result<Response, Fail> {
    let note = crate::body(req, |c, at| {
        let o = c.object(at, &["note"]);
        c.string(&o.field("note"))
    })?;
    let order = find(key)?;
    admin::add_note(&order.id, &note, &actor())?;
    crate::no_content()
}
