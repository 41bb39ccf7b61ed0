//! Upgrading a shop's orders database: a database left at schema version 2 by an older
//! release, with a paid and partially refunded order, a pending one and their histories, is
//! migrated to version 3 (refund statuses; `orders_events` rebuilt) on the first call of the
//! new component. Every order, refund and history entry must come through unchanged, and
//! the upgraded tables must take what only the new code writes (pending and failed refunds).
//!
//! The version-2 tables are made by the orders component's own migrations 1 and 2 (its
//! `schema.rs`, compiled here natively), so there is one definition of them; the rows are
//! inserted in the shapes the version-2 store wrote them.

#[path = "../components/orders/src/schema.rs"]
mod orders_schema;

use commerce_tests::orders::{
    Money, NewOrderRefund, OrderEvent, OrderEventKind, OrderRefund, OrderRefundStatus, OrderStatus,
    OrdersHandle,
};
use commerce_tests::spawn_app;
use rusqlite::{Connection, params};
use serde_json::json;
use std::path::Path;

const OWNER: &str = "owner@example.com";
const SYSTEM: &str = "system";
/// Times (ms) of the old release's writes, in 2026.
const T0: i64 = 1_790_000_000_000;

fn eur(amount: i64) -> Money {
    Money {
        amount,
        currency: "EUR".into(),
    }
}

/// An order snapshot as the version-2 store kept it: the serde JSON of the WIT record.
/// 2 × 10.00 + 1 × 5.00, 4.90 shipping, VAT 19 % included: 29.90.
fn snapshot_json(email: &str, name: &str, reservation: &str) -> String {
    let money = |amount: i64| json!({ "amount": amount, "currency": "EUR" });
    let line = |sku: &str, unit: i64, quantity: i64, tax: i64| {
        json!({
            "product_id": "prod_P1",
            "variant_id": format!("var_{}", sku.replace('-', "")),
            "sku": sku,
            "product_title": "Shirt",
            "variant_title": "M",
            "quantity": quantity,
            "unit_price": money(unit),
            "subtotal": money(unit * quantity),
            "discount": money(0),
            "tax": money(tax),
        })
    };
    json!({
        "currency": "EUR",
        "lines": [line("SHIRT-M", 1000, 2, 319), line("SOCKS-1", 500, 1, 80)],
        "discounts": [],
        "shipping": {
            "method_id": "ship_STD", "name": "Standard", "amount": money(490), "tax": money(78),
        },
        "taxes": [{
            "label": "VAT 19%", "country": "DE", "rate_ppm": 190_000,
            "taxable_amount": money(2990), "amount": money(477),
        }],
        "tax_mode": "Inclusive",
        "subtotal": money(2500),
        "discount_total": money(0),
        "shipping_total": money(490),
        "tax_total": money(477),
        "grand_total": money(2990),
        "shipping_address": {
            "name": name, "company": null, "line1": "Hauptstraße 1", "line2": null,
            "city": "Berlin", "region": null, "postal_code": "10115", "country": "DE",
            "phone": null,
        },
        "billing_address": null,
        "email": email,
        "customer_id": null,
        "reservation_id": reservation,
        "payment_id": null,
    })
    .to_string()
}

/// Creates the orders tables at version 2 with the component's migrations 1 and 2, as an
/// older release's `capability_kit::db::migrate` left them.
fn create_v2_schema(conn: &mut Connection) {
    let tx = conn.transaction().unwrap();
    tx.execute_batch(&format!(
        "CREATE TABLE {} (id INTEGER PRIMARY KEY CHECK (id = 1), \
         version INTEGER NOT NULL, migrated_at INTEGER NOT NULL)",
        orders_schema::VERSION_TABLE
    ))
    .unwrap();
    let old: Vec<_> = orders_schema::MIGRATIONS
        .iter()
        .take_while(|m| m.version <= 2)
        .collect();
    assert_eq!(old.len(), 2, "migrations 1 and 2 are the first two");
    for statement in old.iter().flat_map(|m| m.statements) {
        tx.execute(statement, []).unwrap();
    }
    tx.execute(
        &format!(
            "INSERT INTO {} (id, version, migrated_at) VALUES (1, 2, ?)",
            orders_schema::VERSION_TABLE
        ),
        [T0 - 1],
    )
    .unwrap();
    tx.commit().unwrap();
}

/// Inserts an order the way the version-2 store's create-order did (status
/// `pending_payment`, number from the sequence, its lines and a `created` event).
fn insert_order(conn: &Connection, id: &str, key: &str, email: &str, name: &str, at: i64) -> i64 {
    let number: i64 = conn
        .query_row(
            "UPDATE orders_sequence SET last_number = last_number + 1 WHERE id = 1 \
             RETURNING last_number",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "INSERT INTO orders_orders (id, number, key_hash, token_salt, token_hash, \
         status, snapshot, currency, grand_total, email, email_lc, name, name_lc, \
         customer_id, item_count, payment_id, refunded_total, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, 'pending_payment', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        params![
            id,
            number,
            format!("{key:0>64}"),
            "00112233445566778899aabbccddeeff",
            format!("{:0>64}", number),
            snapshot_json(email, name, &format!("res_{key}")),
            "EUR",
            2990,
            email,
            email.to_lowercase(),
            name,
            name.to_lowercase(),
            None::<String>,
            3,
            None::<String>,
            at,
            at,
        ],
    )
    .unwrap();
    for (position, sku) in ["shirt-m", "socks-1"].iter().enumerate() {
        conn.execute(
            "INSERT INTO orders_lines (order_id, position, sku_lc) VALUES (?, ?, ?)",
            params![id, position as i64, sku],
        )
        .unwrap();
    }
    event(conn, id, "created", None, None, SYSTEM, None, at);
    number
}

/// Appends a history entry as the version-2 store's `insert_event` did.
#[allow(clippy::too_many_arguments)]
fn event(
    conn: &Connection,
    order_id: &str,
    kind: &str,
    status: Option<&str>,
    amount: Option<i64>,
    actor: &str,
    note: Option<&str>,
    at: i64,
) {
    conn.execute(
        "INSERT INTO orders_events (seq, order_id, kind, status, amount, actor, note, created_at) \
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM orders_events), ?, ?, ?, ?, ?, ?, ?)",
        params![order_id, kind, status, amount, actor, note, at],
    )
    .unwrap();
}

/// Sets `assignments` (a constant fragment; `?1` is `at`) and `updated_at` on order `id`.
fn update(conn: &Connection, id: &str, assignments: &str, at: i64) {
    let sql = format!("UPDATE orders_orders SET {assignments}, updated_at = ?1 WHERE id = ?2");
    assert_eq!(conn.execute(&sql, params![at, id]).unwrap(), 1);
}

/// A version-2 shop: order A paid with payment `pay_A1`, given a note and refunded 5.00
/// (refund `ref_OLD1`), so partially refunded; order B unpaid, moved onto another
/// reservation. Their histories interleave, as real ones do.
fn fill_v2(conn: &mut Connection) {
    let tx = conn.transaction().unwrap();
    let a = insert_order(&tx, "ord_A", "keyA", "ada@example.com", "Ada Lovelace", T0);
    let b = insert_order(
        &tx,
        "ord_B",
        "keyB",
        "bob@example.com",
        "Bob Byte",
        T0 + 1_000,
    );
    assert_eq!((a, b), (1001, 1002));
    update(
        &tx,
        "ord_A",
        "status = 'paid', payment_id = 'pay_A1', paid_at = ?1",
        T0 + 2_000,
    );
    event(
        &tx,
        "ord_A",
        "status_changed",
        Some("paid"),
        None,
        SYSTEM,
        None,
        T0 + 2_000,
    );
    update(&tx, "ord_B", "reservation_id = 'res_B2'", T0 + 3_000);
    event(
        &tx,
        "ord_B",
        "note",
        None,
        None,
        SYSTEM,
        Some("reservation res_keyB replaced by res_B2"),
        T0 + 3_000,
    );
    event(
        &tx,
        "ord_A",
        "note",
        None,
        None,
        OWNER,
        Some("gift wrap, please"),
        T0 + 4_000,
    );
    tx.execute(
        "INSERT INTO orders_refunds \
         (seq, order_id, amount, refund_id, dedupe_key, reason, actor, created_at) \
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM orders_refunds), \
         ?, ?, ?, ?, ?, ?, ?)",
        params![
            "ord_A",
            500,
            "ref_OLD1",
            "ref:ref_OLD1",
            "damaged",
            OWNER,
            T0 + 5_000
        ],
    )
    .unwrap();
    update(
        &tx,
        "ord_A",
        "refunded_total = refunded_total + 500",
        T0 + 5_000,
    );
    event(
        &tx,
        "ord_A",
        "refund_recorded",
        None,
        Some(500),
        OWNER,
        Some("damaged"),
        T0 + 5_000,
    );
    update(&tx, "ord_A", "status = 'partially_refunded'", T0 + 5_000);
    event(
        &tx,
        "ord_A",
        "status_changed",
        Some("partially_refunded"),
        None,
        OWNER,
        None,
        T0 + 5_000,
    );
    tx.commit().unwrap();
}

fn history_entry(kind: OrderEventKind, actor: &str, note: Option<&str>, at: i64) -> OrderEvent {
    OrderEvent {
        kind,
        actor: actor.into(),
        note: note.map(Into::into),
        created_at: at,
    }
}

/// Order A's history as the version-2 shop wrote it.
fn history_a() -> Vec<OrderEvent> {
    vec![
        history_entry(OrderEventKind::Created, SYSTEM, None, T0),
        history_entry(
            OrderEventKind::StatusChanged(OrderStatus::Paid),
            SYSTEM,
            None,
            T0 + 2_000,
        ),
        history_entry(
            OrderEventKind::Note,
            OWNER,
            Some("gift wrap, please"),
            T0 + 4_000,
        ),
        history_entry(
            OrderEventKind::RefundRecorded(eur(500)),
            OWNER,
            Some("damaged"),
            T0 + 5_000,
        ),
        history_entry(
            OrderEventKind::StatusChanged(OrderStatus::PartiallyRefunded),
            OWNER,
            None,
            T0 + 5_000,
        ),
    ]
}

fn schema_version(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(
            &format!(
                "SELECT version FROM {} WHERE id = 1",
                orders_schema::VERSION_TABLE
            ),
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// A refund the provider answered `pending`.
fn pending_refund(amount: i64, refund_id: &str) -> NewOrderRefund {
    NewOrderRefund {
        amount: eur(amount),
        refund_id: Some(refund_id.into()),
        idempotency_key: refund_id.into(),
        status: OrderRefundStatus::Pending,
        reason: Some("late delivery".into()),
        actor: OWNER.into(),
    }
}

async fn settle(o: &mut OrdersHandle, refund_id: &str, outcome: OrderRefundStatus) {
    o.settle_refund("ord_A", refund_id, outcome, OWNER)
        .await
        .unwrap_or_else(|e| panic!("settle-refund refused: {e:?}"));
}

#[tokio::test]
async fn a_version_2_database_keeps_every_order_refund_and_history_entry_and_works_after_migration_3()
 {
    let app = spawn_app();
    let db = app.state.path().join("sqlite_db.db");
    {
        let mut conn = Connection::open(&db).unwrap();
        create_v2_schema(&mut conn);
        fill_v2(&mut conn);
    }
    assert_eq!(schema_version(&db), 2);

    // The first call of the new component migrates.
    let mut o = app.orders().await;
    let a = o
        .get_order_by_number(1001)
        .await
        .unwrap_or_else(|e| panic!("order #1001 after the upgrade: {e:?}"));
    assert_eq!(schema_version(&db), 3);
    assert_eq!(a.id, "ord_A");
    assert_eq!(a.status, OrderStatus::PartiallyRefunded);
    assert_eq!(a.snapshot.grand_total, eur(2990));
    assert_eq!(a.snapshot.lines.len(), 2);
    assert_eq!(a.snapshot.email, "ada@example.com");
    assert_eq!(a.payment_id.as_deref(), Some("pay_A1"));
    assert_eq!(a.reservation_id.as_deref(), Some("res_keyA"));
    assert_eq!(
        (a.created_at, a.paid_at, a.updated_at),
        (T0, Some(T0 + 2_000), T0 + 5_000)
    );
    assert_eq!(a.refunded_total, eur(500));
    assert_eq!(a.refund_pending_total, eur(0));
    // A refund booked before statuses existed had given the money back: succeeded, settled
    // when it was recorded.
    assert_eq!(
        a.refunds,
        vec![OrderRefund {
            amount: eur(500),
            refund_id: Some("ref_OLD1".into()),
            status: OrderRefundStatus::Succeeded,
            reason: Some("damaged".into()),
            actor: OWNER.into(),
            created_at: T0 + 5_000,
            settled_at: Some(T0 + 5_000),
        }]
    );
    assert_eq!(o.history("ord_A").await, history_a());

    let b = o.get_order_by_number(1002).await.unwrap();
    assert_eq!(b.id, "ord_B");
    assert_eq!(b.status, OrderStatus::PendingPayment);
    assert_eq!(b.reservation_id.as_deref(), Some("res_B2"));
    assert!(b.refunds.is_empty());
    assert_eq!(b.refunded_total, eur(0));
    assert_eq!(
        o.history("ord_B").await,
        vec![
            history_entry(OrderEventKind::Created, SYSTEM, None, T0 + 1_000),
            history_entry(
                OrderEventKind::Note,
                SYSTEM,
                Some("reservation res_keyB replaced by res_B2"),
                T0 + 3_000
            ),
        ]
    );

    // The upgraded tables take what only the new code writes: a pending refund (a
    // `refund_requested` entry the old events table's CHECK refused), its success, and a
    // failed one (`refund_failed`).
    let a = o
        .record_refund("ord_A", &pending_refund(700, "ref_NEW2"))
        .await
        .unwrap_or_else(|e| panic!("record-refund refused: {e:?}"));
    assert_eq!(
        (a.refunded_total.clone(), a.refund_pending_total.clone()),
        (eur(500), eur(700))
    );
    assert_eq!(a.status, OrderStatus::PartiallyRefunded);
    settle(&mut o, "ref_NEW2", OrderRefundStatus::Succeeded).await;
    o.record_refund("ord_A", &pending_refund(300, "ref_NEW3"))
        .await
        .unwrap_or_else(|e| panic!("record-refund refused: {e:?}"));
    settle(&mut o, "ref_NEW3", OrderRefundStatus::Failed).await;

    let a = o.get_order("ord_A").await.unwrap();
    assert_eq!(
        (a.refunded_total.clone(), a.refund_pending_total.clone()),
        (eur(1200), eur(0))
    );
    assert_eq!(a.status, OrderStatus::PartiallyRefunded);
    let statuses: Vec<_> = a
        .refunds
        .iter()
        .map(|r| (r.refund_id.clone(), r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (Some("ref_OLD1".into()), OrderRefundStatus::Succeeded),
            (Some("ref_NEW2".into()), OrderRefundStatus::Succeeded),
            (Some("ref_NEW3".into()), OrderRefundStatus::Failed),
        ]
    );

    let history = o.history("ord_A").await;
    let old = history_a();
    assert_eq!(
        history[..old.len()],
        old[..],
        "the old history comes first, unchanged"
    );
    let new: Vec<_> = history[old.len()..]
        .iter()
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        new,
        vec![
            OrderEventKind::RefundRequested(eur(700)),
            OrderEventKind::RefundRecorded(eur(700)),
            OrderEventKind::RefundRequested(eur(300)),
            OrderEventKind::RefundFailed(eur(300)),
        ]
    );
    // Order B's history gained nothing from A's.
    assert_eq!(o.history("ord_B").await.len(), 2);
}
