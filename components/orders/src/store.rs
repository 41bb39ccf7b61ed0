//! The orders' SQL. Every value reaches SQLite as a parameter; the only text assembled at run
//! time joins constant fragments and `?` placeholders.
//!
//! Concurrency: Spin runs each request in a fresh instance over one shared database, so all
//! correctness comes from SQLite. Every write runs in one `BEGIN IMMEDIATE` transaction
//! (writers queue on the database's write lock) that reads the order, asks [`state::next`]
//! and writes with an update conditional on the status it read (`… WHERE id = ? AND status
//! = ?`), so two racing calls cannot both move an order. Order numbers come from a counter
//! row bumped in the creating transaction, so they are sequential, never shared, and a
//! rolled-back creation leaves no gap.

use capability_kit::db::{self, i, int, opt_int, opt_t, opt_text, t, text};
use capability_kit::ids;
use spin_sdk::sqlite::{Connection, RowResult, Value};

use crate::exports::commerce::orders::orders::{
    CreatedOrder, Error, Order, OrderRefund, OrderRefundStatus, OrderSnapshot, OrderStatus,
    OrderSummary, Tracking,
};
use crate::exports::commerce::orders::orders_admin::{
    NewOrderRefund, OrderEvent, OrderEventKind, OrderFilter,
};
use crate::state::{self, Action, Move, Outcome, Progress, Stamp};
use crate::token;
use crate::validate::{Page, Search};
use crate::{ORDER_PREFIX, SYSTEM_ACTOR, invalid, schema};
use commerce_types::types::Money;

const ORDER_COLUMNS: &str = "id, number, status, snapshot, payment_id, tracking_carrier, \
     tracking_number, tracking_url, refunded_total, created_at, paid_at, fulfilled_at, \
     shipped_at, delivered_at, cancelled_at, cancel_reason, updated_at, currency, grand_total, \
     reservation_id, refund_pending_total";

const SUMMARY_COLUMNS: &str =
    "id, number, status, email, name, grand_total, currency, item_count, created_at";

/// One page of a listing, and the (key, id) of its last item when a next page follows.
pub type Listed<T> = (Vec<T>, Option<(i64, String)>);

/// An open orders database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

fn status_text(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "pending_payment",
        OrderStatus::Paid => "paid",
        OrderStatus::Fulfilled => "fulfilled",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Refunded => "refunded",
        OrderStatus::PartiallyRefunded => "partially_refunded",
    }
}

fn status_from(text: &str) -> Result<OrderStatus, Error> {
    Ok(match text {
        "pending_payment" => OrderStatus::PendingPayment,
        "paid" => OrderStatus::Paid,
        "fulfilled" => OrderStatus::Fulfilled,
        "shipped" => OrderStatus::Shipped,
        "delivered" => OrderStatus::Delivered,
        "cancelled" => OrderStatus::Cancelled,
        "refunded" => OrderStatus::Refunded,
        "partially_refunded" => OrderStatus::PartiallyRefunded,
        other => return Err(broken(format!("unknown order status {other:?}"))),
    })
}

fn refund_status_text(status: OrderRefundStatus) -> &'static str {
    match status {
        OrderRefundStatus::Pending => "pending",
        OrderRefundStatus::Succeeded => "succeeded",
        OrderRefundStatus::Failed => "failed",
    }
}

fn refund_status_from(text: &str) -> Result<OrderRefundStatus, Error> {
    Ok(match text {
        "pending" => OrderRefundStatus::Pending,
        "succeeded" => OrderRefundStatus::Succeeded,
        "failed" => OrderRefundStatus::Failed,
        other => return Err(broken(format!("unknown refund status {other:?}"))),
    })
}

/// What erased personal fields read.
const ERASED: &str = "erased";

/// An address without what names or finds a person; the country stays.
fn erase_address(a: &mut crate::exports::commerce::orders::orders::Address) {
    a.name = ERASED.to_owned();
    a.company = None;
    a.line1 = ERASED.to_owned();
    a.line2 = None;
    a.city = ERASED.to_owned();
    a.region = None;
    a.postal_code = None;
    a.phone = None;
}

fn broken(what: String) -> Error {
    Error::Storage(format!("orders: stored state is inconsistent: {what}"))
}

fn query(conn: &Connection, sql: &str, params: &[Value]) -> Result<Vec<RowResult>, Error> {
    Ok(conn.execute(sql, params)?.rows)
}

fn u64_from(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn money(amount: i64, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.to_owned(),
    }
}

fn progress(order: &Order) -> Progress {
    Progress {
        fulfilled: order.fulfilled_at.is_some(),
        shipped: order.shipped_at.is_some(),
        delivered: order.delivered_at.is_some(),
    }
}

fn illegal(t: crate::exports::commerce::orders::orders::Transition) -> Error {
    Error::IllegalTransition(t)
}

/// The order of `row`, selected with [`ORDER_COLUMNS`], and its refunds.
fn order_from(conn: &Connection, row: &RowResult) -> Result<Order, Error> {
    let id = text(row, 0)?;
    let snapshot: OrderSnapshot = serde_json::from_str(&text(row, 3)?)
        .map_err(|e| broken(format!("the snapshot of {id} does not decode: {e}")))?;
    let currency = text(row, 17)?;
    let tracking = match (opt_text(row, 5)?, opt_text(row, 6)?) {
        (Some(carrier), Some(number)) => Some(Tracking {
            carrier,
            number,
            url: opt_text(row, 7)?,
        }),
        _ => None,
    };
    let refunds = query(
        conn,
        "SELECT amount, refund_id, reason, actor, created_at, status, settled_at \
         FROM orders_refunds WHERE order_id = ? ORDER BY seq",
        &[t(id.as_str())],
    )?
    .iter()
    .map(|r| {
        Ok(OrderRefund {
            amount: money(int(r, 0)?, &currency),
            refund_id: opt_text(r, 1)?,
            status: refund_status_from(&text(r, 5)?)?,
            reason: opt_text(r, 2)?,
            actor: text(r, 3)?,
            created_at: int(r, 4)?,
            settled_at: opt_int(r, 6)?,
        })
    })
    .collect::<Result<Vec<_>, Error>>()?;
    let refunded_total = int(row, 8)?;
    let pending_total = int(row, 20)?;
    let sum = |status| {
        refunds
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.amount.amount)
            .sum::<i64>()
    };
    if sum(OrderRefundStatus::Succeeded) != refunded_total
        || sum(OrderRefundStatus::Pending) != pending_total
    {
        return Err(broken(format!("the refunds of {id} do not add up")));
    }
    let reservation_id = opt_text(row, 19)?.or_else(|| snapshot.reservation_id.clone());
    Ok(Order {
        number: u64_from(int(row, 1)?),
        reservation_id,
        status: status_from(&text(row, 2)?)?,
        snapshot,
        payment_id: opt_text(row, 4)?,
        tracking,
        refunds,
        refunded_total: money(refunded_total, &currency),
        refund_pending_total: money(pending_total, &currency),
        created_at: int(row, 9)?,
        paid_at: opt_int(row, 10)?,
        fulfilled_at: opt_int(row, 11)?,
        shipped_at: opt_int(row, 12)?,
        delivered_at: opt_int(row, 13)?,
        cancelled_at: opt_int(row, 14)?,
        cancel_reason: opt_text(row, 15)?,
        updated_at: int(row, 16)?,
        id,
    })
}

/// The order whose `column` (`id` or `number`) is `value`.
fn order_where(
    conn: &Connection,
    column: &'static str,
    value: Value,
) -> Result<Option<Order>, Error> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders_orders WHERE {column} = ?");
    match query(conn, &sql, &[value])?.first() {
        Some(row) => order_from(conn, row).map(Some),
        None => Ok(None),
    }
}

fn load(conn: &Connection, id: &str) -> Result<Order, Error> {
    order_where(conn, "id", t(id))?.ok_or(Error::NotFound)
}

/// An event to append to an order's history.
enum Event {
    Created,
    StatusChanged(OrderStatus),
    RefundRecorded(i64),
    RefundRequested(i64),
    RefundFailed(i64),
    Note,
}

fn insert_event(
    conn: &Connection,
    order_id: &str,
    event: Event,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<(), Error> {
    let (kind, status, amount) = match event {
        Event::Created => ("created", None, None),
        Event::StatusChanged(s) => ("status_changed", Some(status_text(s)), None),
        Event::RefundRecorded(a) => ("refund_recorded", None, Some(a)),
        Event::RefundRequested(a) => ("refund_requested", None, Some(a)),
        Event::RefundFailed(a) => ("refund_failed", None, Some(a)),
        Event::Note => ("note", None, None),
    };
    conn.execute(
        "INSERT INTO orders_events (seq, order_id, kind, status, amount, actor, note, created_at) \
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM orders_events), ?, ?, ?, ?, ?, ?, ?)",
        &[
            t(order_id),
            t(kind),
            opt_t(status),
            opt_i(amount),
            t(actor),
            opt_t(note),
            i(now),
        ],
    )?;
    Ok(())
}

fn opt_i(n: Option<i64>) -> Value {
    db::opt_i(n)
}

/// The statement that moves an order from the status `?4` to `?1` at time `?2`, setting the
/// stamp's column to `?2` too; `?3` is the order id.
fn move_sql(stamp: Option<Stamp>) -> &'static str {
    match stamp {
        None => {
            "UPDATE orders_orders SET status = ?1, updated_at = ?2 \
             WHERE id = ?3 AND status = ?4 RETURNING id"
        }
        Some(Stamp::Paid) => {
            "UPDATE orders_orders SET status = ?1, updated_at = ?2, paid_at = ?2 \
             WHERE id = ?3 AND status = ?4 RETURNING id"
        }
        Some(Stamp::Fulfilled) => {
            "UPDATE orders_orders SET status = ?1, updated_at = ?2, fulfilled_at = ?2 \
             WHERE id = ?3 AND status = ?4 RETURNING id"
        }
        Some(Stamp::Shipped) => {
            "UPDATE orders_orders SET status = ?1, updated_at = ?2, shipped_at = ?2 \
             WHERE id = ?3 AND status = ?4 RETURNING id"
        }
        Some(Stamp::Delivered) => {
            "UPDATE orders_orders SET status = ?1, updated_at = ?2, delivered_at = ?2 \
             WHERE id = ?3 AND status = ?4 RETURNING id"
        }
        Some(Stamp::Cancelled) => {
            "UPDATE orders_orders SET status = ?1, updated_at = ?2, cancelled_at = ?2 \
             WHERE id = ?3 AND status = ?4 RETURNING id"
        }
    }
}

/// Applies `mv` to `order` (read in this transaction) and records its event.
fn apply(
    conn: &Connection,
    order: &Order,
    mv: Move,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<(), Error> {
    let moved = query(
        conn,
        move_sql(mv.stamp),
        &[
            t(status_text(mv.to)),
            i(now),
            t(order.id.as_str()),
            t(status_text(order.status)),
        ],
    )?;
    if moved.is_empty() {
        return Err(broken(format!(
            "{} changed status inside a transaction",
            order.id
        )));
    }
    if let Some(status) = mv.event {
        insert_event(
            conn,
            &order.id,
            Event::StatusChanged(status),
            actor,
            note,
            now,
        )?;
    }
    Ok(())
}

/// Moves refund `refund_id` of `order` (read in this transaction) forward to `outcome` and
/// the order's books and status with it; a refund already there, or failed, is left as it
/// is. `not-found` when the order has no such refund.
fn settle(
    conn: &Connection,
    order: &Order,
    refund_id: &str,
    outcome: OrderRefundStatus,
    actor: &str,
    now: i64,
) -> Result<Order, Error> {
    use OrderRefundStatus as R;
    let dedupe = format!("ref:{refund_id}");
    let row = query(
        conn,
        "SELECT amount, status FROM orders_refunds WHERE dedupe_key = ? AND order_id = ?",
        &[t(dedupe.as_str()), t(order.id.as_str())],
    )?;
    let Some(row) = row.first() else {
        return Err(Error::NotFound);
    };
    let amount = int(row, 0)?;
    let from = refund_status_from(&text(row, 1)?)?;
    // (change of the pending total, change of the refunded total, history)
    let (pending, refunded, event, note) = match (from, outcome) {
        (R::Pending, R::Succeeded) => (
            -amount,
            amount,
            Event::RefundRecorded(amount),
            format!("refund {refund_id} succeeded at the payment provider"),
        ),
        (R::Pending, R::Failed) => (
            -amount,
            0,
            Event::RefundFailed(amount),
            format!("refund {refund_id} failed at the payment provider: nothing went back"),
        ),
        (R::Succeeded, R::Failed) => (
            0,
            -amount,
            Event::RefundFailed(amount),
            format!("refund {refund_id} failed at the payment provider after it had succeeded"),
        ),
        _ => return Ok(order.clone()),
    };
    let moved = query(
        conn,
        "UPDATE orders_refunds SET status = ?, settled_at = ? \
         WHERE dedupe_key = ? AND status = ? RETURNING seq",
        &[
            t(refund_status_text(outcome)),
            i(now),
            t(dedupe.as_str()),
            t(refund_status_text(from)),
        ],
    )?;
    // The CHECKs keep both totals within 0 and the grand total.
    let booked = query(
        conn,
        "UPDATE orders_orders SET refund_pending_total = refund_pending_total + ?, \
         refunded_total = refunded_total + ?, updated_at = ? WHERE id = ? RETURNING id",
        &[i(pending), i(refunded), i(now), t(order.id.as_str())],
    )?;
    if moved.is_empty() || booked.is_empty() {
        return Err(broken(format!(
            "{}'s refund {refund_id} changed inside a transaction",
            order.id
        )));
    }
    insert_event(conn, &order.id, event, actor, Some(&note), now)?;
    if refunded != 0 {
        let to = state::after_refunds(
            order.status,
            progress(order),
            order.refunded_total.amount + refunded,
            order.snapshot.grand_total.amount,
        );
        if let Some(mv) = state::refund_move(order.status, to) {
            apply(conn, order, mv, actor, None, now)?;
        }
    }
    load(conn, &order.id)
}

impl Store {
    /// Opens the default database, creating or migrating the orders tables if needed.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    /// Erases the personal data of every order of `customer_id`, in one transaction; how
    /// many orders it changed (0 once erased: idempotent).
    pub fn erase_customer(&self, customer_id: &str, now: i64) -> Result<u32, Error> {
        db::transaction(&self.conn, |conn| {
            let rows = conn.execute(
                "SELECT id, snapshot FROM orders_orders WHERE customer_id = ? AND email <> ?",
                &[t(customer_id), t(ERASED)],
            )?;
            let mut erased = 0;
            for row in &rows.rows {
                let id = text(row, 0)?;
                let mut snapshot: OrderSnapshot = serde_json::from_str(&text(row, 1)?)
                    .map_err(|e| broken(format!("the snapshot of {id} does not decode: {e}")))?;
                snapshot.email = ERASED.to_owned();
                erase_address(&mut snapshot.shipping_address);
                if let Some(billing) = snapshot.billing_address.as_mut() {
                    erase_address(billing);
                }
                let json = serde_json::to_string(&snapshot).map_err(|e| {
                    Error::Other(format!("orders: the snapshot does not encode: {e}"))
                })?;
                conn.execute(
                    "UPDATE orders_orders SET snapshot = ?, email = ?, email_lc = ?, name = ?, \
                     name_lc = ?, updated_at = ? WHERE id = ?",
                    &[
                        t(json),
                        t(ERASED),
                        t(ERASED),
                        t(ERASED),
                        t(ERASED),
                        i(now),
                        t(&id),
                    ],
                )?;
                erased += 1;
            }
            Ok(erased)
        })
    }

    /// Creates the order of a validated snapshot, or answers the first one created with
    /// `key`.
    pub fn create(
        &self,
        key: &str,
        snapshot: OrderSnapshot,
        now: i64,
    ) -> Result<CreatedOrder, Error> {
        let key_hash = token::key_hash(key);
        let json = serde_json::to_string(&snapshot)
            .map_err(|e| Error::Other(format!("orders: the snapshot does not encode: {e}")))?;
        db::transaction(&self.conn, |conn| {
            let first = query(
                conn,
                "SELECT id, number, snapshot, token_salt FROM orders_orders WHERE key_hash = ?",
                &[t(key_hash.as_str())],
            )?;
            if let Some(row) = first.first() {
                let id = text(row, 0)?;
                if text(row, 2)? != json {
                    return Err(Error::Conflict(format!(
                        "the idempotency key was used for order #{} with another snapshot",
                        int(row, 1)?
                    )));
                }
                let salt = token::unhex(&text(row, 3)?)
                    .ok_or_else(|| broken(format!("the token salt of {id} is not hex")))?;
                return Ok(CreatedOrder {
                    order: load(conn, &id)?,
                    guest_token: token::guest_token(&salt, key),
                });
            }

            let number = query(
                conn,
                "UPDATE orders_sequence SET last_number = last_number + 1 WHERE id = 1 \
                 RETURNING last_number",
                &[],
            )?
            .first()
            .map(|r| int(r, 0))
            .transpose()?
            .ok_or_else(|| broken("the order number counter is missing".into()))?;

            let id = ids::new_id(ORDER_PREFIX);
            let salt = token::new_salt();
            let guest_token = token::guest_token(&salt, key);
            let item_count: i64 = snapshot.lines.iter().map(|l| i64::from(l.quantity)).sum();
            let name = snapshot.shipping_address.name.as_str();
            conn.execute(
                "INSERT INTO orders_orders (id, number, key_hash, token_salt, token_hash, \
                 status, snapshot, currency, grand_total, email, email_lc, name, name_lc, \
                 customer_id, item_count, payment_id, refunded_total, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, 'pending_payment', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                &[
                    t(id.as_str()),
                    i(number),
                    t(key_hash.as_str()),
                    t(token::hex(&salt)),
                    t(token::token_hash(&guest_token)),
                    t(json.as_str()),
                    t(snapshot.currency.as_str()),
                    i(snapshot.grand_total.amount),
                    t(snapshot.email.as_str()),
                    t(snapshot.email.to_lowercase()),
                    t(name),
                    t(name.to_lowercase()),
                    opt_t(snapshot.customer_id.as_deref()),
                    i(item_count),
                    opt_t(snapshot.payment_id.as_deref()),
                    i(now),
                    i(now),
                ],
            )?;
            for (position, line) in snapshot.lines.iter().enumerate() {
                conn.execute(
                    "INSERT INTO orders_lines (order_id, position, sku_lc) VALUES (?, ?, ?)",
                    &[
                        t(id.as_str()),
                        i(position as i64),
                        t(line.sku.to_lowercase()),
                    ],
                )?;
            }
            insert_event(conn, &id, Event::Created, SYSTEM_ACTOR, None, now)?;
            Ok(CreatedOrder {
                order: load(conn, &id)?,
                guest_token,
            })
        })
    }

    /// The order numbered `number`, if `guest_token` is its token. Every failure is the same
    /// `not-found`, and the work done is the same whether the number exists or not.
    pub fn guest_order(&self, number: i64, guest_token: &str) -> Result<Order, Error> {
        let row = query(
            &self.conn,
            "SELECT id, token_hash FROM orders_orders WHERE number = ?",
            &[i(number)],
        )?;
        let (id, stored) = match row.first() {
            Some(r) => (Some(text(r, 0)?), token::unhex(&text(r, 1)?)),
            None => (None, None),
        };
        let given = token::sha256(guest_token.as_bytes());
        let expected = stored.unwrap_or_else(|| vec![0u8; 32]);
        let matches = token::constant_time_eq(&given, &expected);
        match id {
            Some(id) if matches && guest_token.starts_with(token::GUEST_PREFIX) => {
                db::snapshot(&self.conn, |conn| load(conn, &id))
            }
            _ => Err(Error::NotFound),
        }
    }

    /// The order `id`. The order row and its refunds are read in one snapshot: read one
    /// after the other, a refund committed in between made them disagree (a torn read,
    /// answered as "stored state is inconsistent" to concurrent refunds).
    pub fn order(&self, id: &str) -> Result<Option<Order>, Error> {
        db::snapshot(&self.conn, |conn| order_where(conn, "id", t(id)))
    }

    /// The order numbered `number`, read in one snapshot as [`Store::order`].
    pub fn order_by_number(&self, number: i64) -> Result<Option<Order>, Error> {
        db::snapshot(&self.conn, |conn| order_where(conn, "number", i(number)))
    }

    /// One page of orders matching `filter` (and the validated `search`), newest first.
    pub fn list(
        &self,
        filter: &OrderFilter,
        search: Option<&Search>,
        page: &Page,
    ) -> Result<Listed<OrderSummary>, Error> {
        let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM orders_orders o WHERE 1 = 1");
        let mut params = Vec::new();
        if !filter.statuses.is_empty() {
            sql.push_str(&format!(
                " AND o.status IN ({})",
                db::placeholders(filter.statuses.len())
            ));
            params.extend(filter.statuses.iter().map(|s| t(status_text(*s))));
        }
        if let Some(after) = filter.created_after {
            sql.push_str(" AND o.created_at >= ?");
            params.push(i(after));
        }
        if let Some(before) = filter.created_before {
            sql.push_str(" AND o.created_at < ?");
            params.push(i(before));
        }
        if let Some(customer) = &filter.customer_id {
            sql.push_str(" AND o.customer_id = ?");
            params.push(t(customer.as_str()));
        }
        if let Some(s) = search {
            let n = i(s.prefix.chars().count() as i64);
            let p = t(s.prefix.as_str());
            sql.push_str(
                " AND (o.number = ? OR substr(o.email_lc, 1, ?) = ? \
                 OR substr(o.name_lc, 1, ?) = ? OR EXISTS (SELECT 1 FROM orders_lines l \
                 WHERE l.order_id = o.id AND substr(l.sku_lc, 1, ?) = ?))",
            );
            // An impossible number when the search is not one.
            params.push(i(s.number.unwrap_or(-1)));
            params.extend([n.clone(), p.clone(), n.clone(), p.clone(), n, p]);
        }
        if let Some((number, _)) = &page.after {
            sql.push_str(" AND o.number < ?");
            params.push(i(*number));
        }
        sql.push_str(" ORDER BY o.number DESC LIMIT ?");
        params.push(i(page.limit + 1));
        let rows = query(&self.conn, &sql, &params)?;
        let more = rows.len() > page.limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(page.limit as usize));
        for row in rows.iter().take(page.limit as usize) {
            let currency = text(row, 6)?;
            items.push(OrderSummary {
                id: text(row, 0)?,
                number: u64_from(int(row, 1)?),
                status: status_from(&text(row, 2)?)?,
                email: text(row, 3)?,
                name: text(row, 4)?,
                grand_total: money(int(row, 5)?, &currency),
                item_count: u32::try_from(int(row, 7)?).unwrap_or(u32::MAX),
                created_at: int(row, 8)?,
            });
        }
        let next = items
            .last()
            .filter(|_| more)
            .map(|o| (o.number as i64, o.id.clone()));
        Ok((items, next))
    }

    /// One page of the history of order `id`, oldest first.
    pub fn events(&self, id: &str, page: &Page) -> Result<Listed<OrderEvent>, Error> {
        let order = query(
            &self.conn,
            "SELECT currency FROM orders_orders WHERE id = ?",
            &[t(id)],
        )?;
        let currency = match order.first() {
            Some(r) => text(r, 0)?,
            None => return Err(Error::NotFound),
        };
        let after = page.after.as_ref().map_or(0, |(seq, _)| *seq);
        let rows = query(
            &self.conn,
            "SELECT seq, kind, status, amount, actor, note, created_at FROM orders_events \
             WHERE order_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            &[t(id), i(after), i(page.limit + 1)],
        )?;
        let more = rows.len() > page.limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(page.limit as usize));
        let mut last = None;
        for row in rows.iter().take(page.limit as usize) {
            let kind = match text(row, 1)?.as_str() {
                "created" => OrderEventKind::Created,
                "status_changed" => OrderEventKind::StatusChanged(status_from(
                    &opt_text(row, 2)?
                        .ok_or_else(|| broken("a status event without a status".into()))?,
                )?),
                kind @ ("refund_recorded" | "refund_requested" | "refund_failed") => {
                    let amount = money(
                        opt_int(row, 3)?
                            .ok_or_else(|| broken("a refund event without an amount".into()))?,
                        &currency,
                    );
                    match kind {
                        "refund_recorded" => OrderEventKind::RefundRecorded(amount),
                        "refund_requested" => OrderEventKind::RefundRequested(amount),
                        _ => OrderEventKind::RefundFailed(amount),
                    }
                }
                "note" => OrderEventKind::Note,
                other => return Err(broken(format!("unknown event kind {other:?}"))),
            };
            last = Some(int(row, 0)?);
            items.push(OrderEvent {
                kind,
                actor: text(row, 4)?,
                note: opt_text(row, 5)?,
                created_at: int(row, 6)?,
            });
        }
        let next = last.filter(|_| more).map(|seq| (seq, id.to_owned()));
        Ok((items, next))
    }

    /// pending-payment → paid, by payment `payment_id` of `amount`.
    pub fn mark_paid(
        &self,
        id: &str,
        payment_id: &str,
        amount: &Money,
        now: i64,
    ) -> Result<Order, Error> {
        db::transaction(&self.conn, |conn| {
            let order = load(conn, id)?;
            let total = &order.snapshot.grand_total;
            if amount.amount != total.amount || amount.currency != total.currency {
                return Err(Error::AmountMismatch(total.clone()));
            }
            if let Some(snapshot_payment) = &order.snapshot.payment_id
                && snapshot_payment != payment_id
            {
                return Err(Error::Conflict(format!(
                    "the order's snapshot names payment {snapshot_payment}"
                )));
            }
            if let Some(paid_by) = &order.payment_id
                && order.paid_at.is_some()
                && paid_by != payment_id
            {
                return Err(Error::Conflict(format!(
                    "the order is already paid by payment {paid_by}"
                )));
            }
            match state::next(order.status, progress(&order), Action::MarkPaid).map_err(illegal)? {
                Outcome::Unchanged => Ok(order),
                Outcome::Move(mv) => {
                    conn.execute(
                        "UPDATE orders_orders SET payment_id = ? WHERE id = ?",
                        &[t(payment_id), t(id)],
                    )?;
                    apply(conn, &order, mv, SYSTEM_ACTOR, None, now)?;
                    load(conn, id)
                }
            }
        })
    }

    /// → cancelled, by `cancel` (admin) or `cancel-unpaid` (system).
    pub fn cancel(
        &self,
        id: &str,
        action: Action,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<Order, Error> {
        db::transaction(&self.conn, |conn| {
            let order = load(conn, id)?;
            match state::next(order.status, progress(&order), action).map_err(illegal)? {
                Outcome::Unchanged => Ok(order),
                Outcome::Move(mv) => {
                    let reason = (!reason.trim().is_empty()).then_some(reason);
                    conn.execute(
                        "UPDATE orders_orders SET cancel_reason = ? WHERE id = ?",
                        &[opt_t(reason), t(id)],
                    )?;
                    apply(conn, &order, mv, actor, reason, now)?;
                    load(conn, id)
                }
            }
        })
    }

    /// fulfil, ship (with `tracking`) or deliver.
    pub fn fulfilment(
        &self,
        id: &str,
        action: Action,
        tracking: Option<Tracking>,
        actor: &str,
        now: i64,
    ) -> Result<Order, Error> {
        db::transaction(&self.conn, |conn| {
            let order = load(conn, id)?;
            match state::next(order.status, progress(&order), action).map_err(illegal)? {
                Outcome::Unchanged => {
                    if action == Action::Ship && order.tracking != tracking {
                        return Err(Error::Conflict(
                            "the order already shipped with other tracking".into(),
                        ));
                    }
                    Ok(order)
                }
                Outcome::Move(mv) => {
                    if action == Action::Ship {
                        conn.execute(
                            "UPDATE orders_orders SET tracking_carrier = ?, \
                             tracking_number = ?, tracking_url = ? WHERE id = ?",
                            &[
                                opt_t(tracking.as_ref().map(|t| t.carrier.as_str())),
                                opt_t(tracking.as_ref().map(|t| t.number.as_str())),
                                opt_t(tracking.as_ref().and_then(|t| t.url.as_deref())),
                                t(id),
                            ],
                        )?;
                    }
                    apply(conn, &order, mv, actor, None, now)?;
                    load(conn, id)
                }
            }
        })
    }

    /// Records a validated refund: a succeeded one in the books (moving the status), a
    /// pending one beside them, taking its share of the room left.
    pub fn record_refund(
        &self,
        id: &str,
        refund: &NewOrderRefund,
        now: i64,
    ) -> Result<Order, Error> {
        let dedupe = match &refund.refund_id {
            Some(refund_id) => format!("ref:{refund_id}"),
            None => format!("key:{}", refund.idempotency_key),
        };
        db::transaction(&self.conn, |conn| {
            let order = load(conn, id)?;
            let currency = order.snapshot.currency.clone();
            let first = query(
                conn,
                "SELECT order_id, amount, refund_id, status FROM orders_refunds \
                 WHERE dedupe_key = ?",
                &[t(dedupe.as_str())],
            )?;
            if let Some(row) = first.first() {
                let same = text(row, 0)? == id
                    && int(row, 1)? == refund.amount.amount
                    && refund.amount.currency == currency
                    && opt_text(row, 2)? == refund.refund_id;
                if !same {
                    return Err(Error::Conflict(match &refund.refund_id {
                        Some(r) => format!("refund {r} was recorded with other details"),
                        None => "the idempotency key was used for another refund".into(),
                    }));
                }
                // Recorded pending, told succeeded now: the provider settled it meanwhile.
                return match (refund_status_from(&text(row, 3)?)?, &refund.refund_id) {
                    (OrderRefundStatus::Pending, Some(refund_id))
                        if refund.status == OrderRefundStatus::Succeeded =>
                    {
                        settle(conn, &order, refund_id, refund.status, &refund.actor, now)
                    }
                    _ => Ok(order),
                };
            }
            if refund.amount.currency != currency {
                return Err(invalid(vec![(
                    "/amount/currency".into(),
                    format!("must be the order's currency, {currency}"),
                )]));
            }
            let grand_total = order.snapshot.grand_total.amount;
            let refunded = order.refunded_total.amount;
            // Only what was paid can go back: nothing for an order cancelled unpaid. Pending
            // refunds hold their share until they settle.
            let room = if order.paid_at.is_some() {
                grand_total - refunded - order.refund_pending_total.amount
            } else {
                0
            };
            let full = refunded + refund.amount.amount == grand_total;
            state::next(order.status, progress(&order), Action::Refund { full })
                .map_err(illegal)?;
            if refund.amount.amount > room {
                return Err(Error::RefundExceeds(money(room, &currency)));
            }
            let succeeded = refund.status == OrderRefundStatus::Succeeded;
            conn.execute(
                "INSERT INTO orders_refunds (seq, order_id, amount, refund_id, dedupe_key, \
                 reason, actor, created_at, status, settled_at) \
                 VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM orders_refunds), \
                 ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    t(id),
                    i(refund.amount.amount),
                    opt_t(refund.refund_id.as_deref()),
                    t(dedupe.as_str()),
                    opt_t(refund.reason.as_deref()),
                    t(refund.actor.as_str()),
                    i(now),
                    t(refund_status_text(refund.status)),
                    opt_i(succeeded.then_some(now)),
                ],
            )?;
            // The rule, stated where it is enforced: refunds, pending or not, never pass the
            // grand total.
            let booked = query(
                conn,
                if succeeded {
                    "UPDATE orders_orders SET refunded_total = refunded_total + ?1, \
                     updated_at = ?2 WHERE id = ?3 \
                     AND refunded_total + refund_pending_total + ?1 <= grand_total RETURNING id"
                } else {
                    "UPDATE orders_orders SET refund_pending_total = refund_pending_total + ?1, \
                     updated_at = ?2 WHERE id = ?3 \
                     AND refunded_total + refund_pending_total + ?1 <= grand_total RETURNING id"
                },
                &[i(refund.amount.amount), i(now), t(id)],
            )?;
            if booked.is_empty() {
                return Err(broken(format!(
                    "{id}'s refunds changed inside a transaction"
                )));
            }
            let event = if succeeded {
                Event::RefundRecorded(refund.amount.amount)
            } else {
                Event::RefundRequested(refund.amount.amount)
            };
            insert_event(
                conn,
                id,
                event,
                &refund.actor,
                refund.reason.as_deref(),
                now,
            )?;
            if succeeded {
                let to = state::after_refunds(
                    order.status,
                    progress(&order),
                    refunded + refund.amount.amount,
                    grand_total,
                );
                if let Some(mv) = state::refund_move(order.status, to) {
                    apply(conn, &order, mv, &refund.actor, None, now)?;
                }
            }
            load(conn, id)
        })
    }

    /// Settles refund `refund_id` of order `id` with `outcome` (see the WIT's
    /// `settle-refund`), in one transaction.
    pub fn settle_refund(
        &self,
        id: &str,
        refund_id: &str,
        outcome: OrderRefundStatus,
        actor: &str,
        now: i64,
    ) -> Result<Order, Error> {
        db::transaction(&self.conn, |conn| {
            let order = load(conn, id)?;
            settle(conn, &order, refund_id, outcome, actor, now)
        })
    }

    /// Moves order `id` from reservation `previous` to `next` (see the WIT's
    /// `replace-reservation`): a compare-and-set checked against the stored order in one
    /// transaction, with a note in the history.
    pub fn replace_reservation(
        &self,
        id: &str,
        previous: &str,
        next: &str,
        now: i64,
    ) -> Result<Order, Error> {
        db::transaction(&self.conn, |conn| {
            let order = load(conn, id)?;
            let current = order.reservation_id.as_deref();
            if current == Some(next) {
                return Ok(order);
            }
            if order.status == OrderStatus::Cancelled {
                return Err(Error::Conflict(
                    "the order is cancelled: its stock went back with the cancellation".into(),
                ));
            }
            if current != Some(previous) {
                return Err(Error::Conflict(format!(
                    "the order stands on reservation {}, not {previous}",
                    current.unwrap_or("(none)")
                )));
            }
            // The condition restates what was just read, so the rule holds where it is written.
            let applied = query(
                conn,
                "UPDATE orders_orders SET reservation_id = ?, updated_at = ? \
                 WHERE id = ? AND status <> 'cancelled' RETURNING id",
                &[t(next), i(now), t(id)],
            )?;
            if applied.is_empty() {
                return Err(broken(format!("{id} changed inside a transaction")));
            }
            let note = format!(
                "stock reserved again: reservation {next} replaces {previous}, which lapsed or \
                 was released before it was committed"
            );
            insert_event(conn, id, Event::Note, SYSTEM_ACTOR, Some(&note), now)?;
            load(conn, id)
        })
    }

    /// Appends a note to the history of order `id`.
    pub fn add_note(&self, id: &str, note: &str, actor: &str, now: i64) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            let exists = query(conn, "SELECT 1 FROM orders_orders WHERE id = ?", &[t(id)])?;
            if exists.is_empty() {
                return Err(Error::NotFound);
            }
            insert_event(conn, id, Event::Note, actor, Some(note), now)
        })
    }
}
