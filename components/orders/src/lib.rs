//! The orders capability component: the glue between the WIT exports
//! (`commerce:orders/orders`, `commerce:orders/orders-admin`) and the orders' rules
//! ([`validate`], [`state`]), secrets ([`token`]) and tables ([`store`], [`schema`]).
//!
//! Every Spin request gets a fresh instance and the SQLite database is shared, so nothing
//! here keeps state between calls: correctness comes from transactions in [`store`].

mod schema;
mod state;
mod store;
mod token;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
/// The snapshot is stored as the JSON of its WIT record, hence the serde derives.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "orders-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
        additional_derives: [PartialEq, serde::Serialize, serde::Deserialize],
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::{clock, ids};
use commerce_types::types::{FieldError, Money, PageInfo, PageRequest};
use exports::commerce::orders::orders::{
    CreatedOrder, Error, Guest as OrdersGuest, Order, OrderPage, OrderRefundStatus, OrderSnapshot,
};
use exports::commerce::orders::orders_admin::{
    Guest as AdminGuest, NewOrderRefund, OrderEventPage, OrderFilter, Tracking,
};
use state::Action;

pub(crate) const ORDER_PREFIX: &str = "ord";

/// The tags of the listings' cursors; a new cursor format gets a new tag.
const ORDERS_CURSOR: &str = "orders.list.v1";
const CUSTOMER_CURSOR: &str = "orders.customer.v1";
const EVENTS_CURSOR: &str = "orders.events.v1";

/// The actor of what the system does on its own (creation, `mark-paid`, `cancel-unpaid`).
pub(crate) const SYSTEM_ACTOR: &str = "system";

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("orders sqlite: {e}"))
    }
}

pub(crate) fn invalid(errors: Vec<(String, String)>) -> Error {
    Error::InvalidInput(
        errors
            .into_iter()
            .map(|(path, message)| FieldError { path, message })
            .collect(),
    )
}

fn check(errors: Vec<(String, String)>) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors))
    }
}

/// The order id, or `not-found` without a lookup when it is not shaped like one.
fn order_id(id: &str) -> Result<&str, Error> {
    if ids::is_id_of(id, ORDER_PREFIX) {
        Ok(id)
    } else {
        Err(Error::NotFound)
    }
}

/// An order number as stored, or `not-found` for one no order can have.
fn number(n: u64) -> Result<i64, Error> {
    i64::try_from(n).map_err(|_| Error::NotFound)
}

fn page_info(tag: &str, next: Option<(i64, String)>) -> PageInfo {
    PageInfo {
        next: next.map(|(key, id)| capability_kit::cursor::encode(tag, key, &id)),
    }
}

impl OrdersGuest for Component {
    fn max_page_size() -> u32 {
        validate::MAX_PAGE_SIZE
    }

    fn create_order(
        idempotency_key: String,
        snapshot: OrderSnapshot,
    ) -> Result<CreatedOrder, Error> {
        check(validate::create_order(&idempotency_key, &snapshot))?;
        store::Store::open()?.create(&idempotency_key, snapshot, clock::now_ms())
    }

    fn get_guest_order(number: u64, guest_token: String) -> Result<Order, Error> {
        let number = self::number(number)?;
        store::Store::open()?.guest_order(number, &guest_token)
    }

    fn get_customer_order(customer_id: String, number: u64) -> Result<Order, Error> {
        let number = self::number(number)?;
        let order = store::Store::open()?
            .order_by_number(number)?
            .ok_or(Error::NotFound)?;
        if order.snapshot.customer_id.as_deref() == Some(customer_id.as_str()) {
            Ok(order)
        } else {
            Err(Error::NotFound)
        }
    }

    fn erase_customer(customer_id: String) -> Result<u32, Error> {
        store::Store::open()?.erase_customer(&customer_id, clock::now_ms())
    }

    fn list_customer_orders(customer_id: String, page: PageRequest) -> Result<OrderPage, Error> {
        let page = validate::page(&page, CUSTOMER_CURSOR).map_err(invalid)?;
        let filter = OrderFilter {
            statuses: Vec::new(),
            created_after: None,
            created_before: None,
            customer_id: Some(customer_id),
            search: None,
        };
        let (items, next) = store::Store::open()?.list(&filter, None, &page)?;
        Ok(OrderPage {
            items,
            page: page_info(CUSTOMER_CURSOR, next),
        })
    }

    fn mark_paid(order_id: String, payment_id: String, amount: Money) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::mark_paid(&payment_id, &amount))?;
        store::Store::open()?.mark_paid(id, &payment_id, &amount, clock::now_ms())
    }

    fn cancel_unpaid(order_id: String, reason: String) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::reason(&reason))?;
        store::Store::open()?.cancel(
            id,
            Action::CancelUnpaid,
            &reason,
            SYSTEM_ACTOR,
            clock::now_ms(),
        )
    }

    fn replace_reservation(
        order_id: String,
        previous: String,
        next: String,
    ) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::replace_reservation(&previous, &next))?;
        store::Store::open()?.replace_reservation(id, &previous, &next, clock::now_ms())
    }
}

impl AdminGuest for Component {
    fn get_order(order_id: String) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        store::Store::open()?.order(id)?.ok_or(Error::NotFound)
    }

    fn get_order_by_number(number: u64) -> Result<Order, Error> {
        let number = self::number(number)?;
        store::Store::open()?
            .order_by_number(number)?
            .ok_or(Error::NotFound)
    }

    fn list_orders(filter: OrderFilter, page: PageRequest) -> Result<OrderPage, Error> {
        let mut errors = Vec::new();
        let search = validate::order_filter(&filter).unwrap_or_else(|e| {
            errors.extend(e);
            None
        });
        let page = validate::page(&page, ORDERS_CURSOR).unwrap_or_else(|e| {
            errors.extend(e);
            validate::Page {
                after: None,
                limit: 0,
            }
        });
        check(errors)?;
        let (items, next) = store::Store::open()?.list(&filter, search.as_ref(), &page)?;
        Ok(OrderPage {
            items,
            page: page_info(ORDERS_CURSOR, next),
        })
    }

    fn list_order_events(order_id: String, page: PageRequest) -> Result<OrderEventPage, Error> {
        let id = self::order_id(&order_id)?;
        let page = validate::page(&page, EVENTS_CURSOR).map_err(invalid)?;
        if page.after.as_ref().is_some_and(|(_, of)| of != id) {
            return Err(invalid(vec![(
                "/after".into(),
                "is a cursor of another order's history".into(),
            )]));
        }
        let (items, next) = store::Store::open()?.events(id, &page)?;
        Ok(OrderEventPage {
            items,
            page: page_info(EVENTS_CURSOR, next),
        })
    }

    fn fulfil(order_id: String, actor: String) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        store::Store::open()?.fulfilment(id, Action::Fulfil, None, &actor, clock::now_ms())
    }

    fn ship(order_id: String, tracking: Option<Tracking>, actor: String) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::tracking(tracking.as_ref()))?;
        store::Store::open()?.fulfilment(id, Action::Ship, tracking, &actor, clock::now_ms())
    }

    fn deliver(order_id: String, actor: String) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        store::Store::open()?.fulfilment(id, Action::Deliver, None, &actor, clock::now_ms())
    }

    fn cancel(order_id: String, reason: String, actor: String) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::reason(&reason))?;
        store::Store::open()?.cancel(id, Action::Cancel, &reason, &actor, clock::now_ms())
    }

    fn record_refund(order_id: String, refund: NewOrderRefund) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::new_refund(&refund))?;
        store::Store::open()?.record_refund(id, &refund, clock::now_ms())
    }

    fn settle_refund(
        order_id: String,
        refund_id: String,
        outcome: OrderRefundStatus,
        actor: String,
    ) -> Result<Order, Error> {
        let id = self::order_id(&order_id)?;
        check(validate::settle_refund(&refund_id, outcome, &actor))?;
        store::Store::open()?.settle_refund(id, &refund_id, outcome, &actor, clock::now_ms())
    }

    fn add_note(order_id: String, note: String, actor: String) -> Result<(), Error> {
        let id = self::order_id(&order_id)?;
        check(validate::note(&note))?;
        store::Store::open()?.add_note(id, &note, &actor, clock::now_ms())
    }
}
