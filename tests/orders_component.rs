//! Component unit tests: the orders component on its own in wasmtime, called through its
//! WIT exports (`commerce:orders/orders`, `commerce:orders/orders-admin`) over fresh state.
//!
//! Every call goes through a real instance over the app's real SQLite file. The racing tests
//! run many instances at once on a multi-threaded runtime, each with its own database
//! connection, as concurrent Spin requests would.

use commerce_tests::orders::{
    Address, CreatedOrder, DiscountLine, Error, Money, NewOrderRefund, Order, OrderEventKind,
    OrderFilter, OrderLine, OrderRefundStatus, OrderSnapshot, OrderStatus, OrderSummary,
    OrdersHandle, PageRequest, ShippingLine, TaxLine, TaxMode, Tracking, Transition,
};
use commerce_tests::{TestApp, spawn_app};
use std::sync::Arc;

// --- fixtures ----------------------------------------------------------------------------

fn eur(amount: i64) -> Money {
    Money {
        amount,
        currency: "EUR".into(),
    }
}

fn address(name: &str) -> Address {
    Address {
        name: name.into(),
        company: None,
        line1: "Hauptstraße 1".into(),
        line2: None,
        city: "Berlin".into(),
        region: None,
        postal_code: Some("10115".into()),
        country: "DE".into(),
        phone: None,
    }
}

fn line(sku: &str, unit: i64, quantity: u32, tax: i64) -> OrderLine {
    OrderLine {
        product_id: "prod_P1".into(),
        variant_id: format!("var_{}", sku.replace('-', "")),
        sku: sku.into(),
        product_title: "Shirt".into(),
        variant_title: "M".into(),
        quantity,
        unit_price: eur(unit),
        subtotal: eur(unit * i64::from(quantity)),
        discount: eur(0),
        tax: eur(tax),
    }
}

/// A whole, consistent snapshot: 2 × 10.00 + 1 × 5.00, 4.90 shipping, VAT 19 % included
/// (3.19 + 0.80 on the lines, 0.78 on shipping): 29.90 in all.
fn snapshot(email: &str, name: &str) -> OrderSnapshot {
    OrderSnapshot {
        currency: "EUR".into(),
        lines: vec![line("SHIRT-M", 1000, 2, 319), line("SOCKS-1", 500, 1, 80)],
        discounts: vec![],
        shipping: Some(ShippingLine {
            method_id: "ship_STD".into(),
            name: "Standard".into(),
            amount: eur(490),
            tax: eur(78),
        }),
        taxes: vec![TaxLine {
            label: "VAT 19%".into(),
            country: "DE".into(),
            rate_ppm: 190_000,
            taxable_amount: eur(2990),
            amount: eur(477),
        }],
        tax_mode: TaxMode::Inclusive,
        subtotal: eur(2500),
        discount_total: eur(0),
        shipping_total: eur(490),
        tax_total: eur(477),
        grand_total: eur(2990),
        shipping_address: address(name),
        billing_address: None,
        email: email.into(),
        customer_id: None,
        reservation_id: Some("res_R1".into()),
        payment_id: None,
    }
}

fn basic() -> OrderSnapshot {
    snapshot("ada@example.com", "Ada Lovelace")
}

fn page(after: Option<String>, limit: u32) -> PageRequest {
    PageRequest { after, limit }
}

fn everything() -> OrderFilter {
    OrderFilter {
        statuses: vec![],
        created_after: None,
        created_before: None,
        customer_id: None,
        search: None,
    }
}

fn tracking(number: &str) -> Tracking {
    Tracking {
        carrier: "DHL".into(),
        number: number.into(),
        url: Some(format!("https://track.example/{number}")),
    }
}

fn refund(amount: i64, key: &str) -> NewOrderRefund {
    NewOrderRefund {
        amount: eur(amount),
        refund_id: None,
        idempotency_key: key.into(),
        status: OrderRefundStatus::Succeeded,
        reason: Some("damaged".into()),
        actor: "owner@example.com".into(),
    }
}

/// A refund the provider answered `pending`, by payments refund `refund_id`.
fn pending(amount: i64, refund_id: &str) -> NewOrderRefund {
    NewOrderRefund {
        refund_id: Some(refund_id.into()),
        status: OrderRefundStatus::Pending,
        ..refund(amount, refund_id)
    }
}

/// The field paths of an `invalid-input` error; panics on any other answer.
fn paths<T: std::fmt::Debug>(result: Result<T, Error>) -> Vec<String> {
    match result {
        Err(Error::InvalidInput(errors)) => {
            for e in &errors {
                assert!(!e.message.is_empty(), "{} has no message", e.path);
            }
            errors.into_iter().map(|e| e.path).collect()
        }
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

async fn create(o: &mut OrdersHandle, key: &str, s: &OrderSnapshot) -> CreatedOrder {
    o.create_order(key, s)
        .await
        .unwrap_or_else(|e| panic!("create-order refused: {e:?}"))
}

async fn all_numbers(o: &mut OrdersHandle, filter: &OrderFilter, limit: u32) -> Vec<u64> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let p = o
            .list_orders(filter, &page(after, limit))
            .await
            .unwrap_or_else(|e| panic!("list-orders refused: {e:?}"));
        assert!(p.items.len() <= limit as usize);
        out.extend(p.items.iter().map(|s| s.number));
        match p.page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

// --- creation ----------------------------------------------------------------------------

#[tokio::test]
async fn a_new_order_is_pending_numbered_from_1001_and_keeps_its_snapshot() {
    let app = spawn_app();
    let mut o = app.orders().await;
    assert_eq!(o.max_page_size().await, 100);
    let s = basic();
    let first = create(&mut o, "checkout-1", &s).await;
    let order = &first.order;
    assert!(order.id.starts_with("ord_"), "{}", order.id);
    assert_eq!(order.number, 1001);
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.snapshot, s);
    assert_eq!(order.refunded_total, eur(0));
    assert!(order.refunds.is_empty());
    assert_eq!(order.payment_id, None);
    assert_eq!(order.tracking, None);
    assert_eq!(order.paid_at, None);
    assert_eq!(order.created_at, order.updated_at);
    let token = &first.guest_token;
    assert!(token.starts_with("ogt_"), "{token}");
    // 256 bits in URL-safe base64 without padding.
    assert_eq!(token.len(), 4 + 43);
    assert!(
        token[4..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );

    let second = create(&mut o, "checkout-2", &snapshot("bob@example.com", "Bob")).await;
    assert_eq!(second.order.number, 1002);
    assert_ne!(second.guest_token, first.guest_token);
    assert_eq!(o.get_order(&order.id).await, Ok(order.clone()));
    assert_eq!(o.get_order_by_number(1001).await, Ok(order.clone()));
    let history = o.history(&order.id).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, OrderEventKind::Created);
    assert_eq!(history[0].actor, "system");

    // A snapshot naming its payment keeps it as the order's payment.
    let mut with_payment = snapshot("cy@example.com", "Cy");
    with_payment.payment_id = Some("pay_P1".into());
    let third = create(&mut o, "checkout-3", &with_payment).await;
    assert_eq!(third.order.payment_id.as_deref(), Some("pay_P1"));
    assert_eq!(third.order.number, 1003);
}

#[tokio::test]
async fn snapshots_that_do_not_add_up_are_refused_with_every_bad_field_and_take_no_number() {
    let app = spawn_app();
    let mut o = app.orders().await;
    type Mutation = fn(&mut OrderSnapshot);
    let cases: Vec<(&str, Mutation, Vec<&str>)> = vec![
        (
            "no lines",
            |s| s.lines.clear(),
            vec![
                "/snapshot/lines",
                "/snapshot/subtotal/amount",
                "/snapshot/tax_total/amount",
            ],
        ),
        (
            "line subtotal",
            |s| s.lines[0].subtotal = eur(1999),
            vec![
                "/snapshot/lines/0/subtotal/amount",
                "/snapshot/subtotal/amount",
            ],
        ),
        (
            "zero quantity",
            |s| {
                s.lines[1].quantity = 0;
                s.lines[1].subtotal = eur(0);
            },
            vec!["/snapshot/lines/1/quantity", "/snapshot/subtotal/amount"],
        ),
        (
            "negative price",
            |s| {
                s.lines[1].unit_price = eur(-500);
                s.lines[1].subtotal = eur(-500);
            },
            vec![
                "/snapshot/lines/1/unit_price/amount",
                "/snapshot/lines/1/subtotal/amount",
                "/snapshot/subtotal/amount",
            ],
        ),
        (
            "line currency",
            |s| s.lines[0].unit_price.currency = "USD".into(),
            vec!["/snapshot/lines/0/unit_price/currency"],
        ),
        (
            "discount over subtotal",
            |s| {
                s.lines[1].discount = eur(600);
                s.discount_total = eur(600);
                s.discounts = vec![DiscountLine {
                    code: None,
                    label: "x".into(),
                    amount: eur(600),
                }];
                s.grand_total = eur(2390);
            },
            vec!["/snapshot/lines/1/discount/amount"],
        ),
        (
            "discount lines",
            |s| {
                s.lines[0].discount = eur(100);
                s.discount_total = eur(100);
                s.grand_total = eur(2890);
            },
            vec!["/snapshot/discounts"],
        ),
        (
            "shipping total",
            |s| s.shipping_total = eur(0),
            vec![
                "/snapshot/shipping_total/amount",
                "/snapshot/grand_total/amount",
            ],
        ),
        (
            "tax total",
            |s| s.tax_total = eur(478),
            vec!["/snapshot/tax_total/amount", "/snapshot/taxes"],
        ),
        (
            "tax lines",
            |s| s.taxes[0].amount = eur(476),
            vec!["/snapshot/taxes"],
        ),
        (
            "tax country",
            |s| s.taxes[0].country = "XX".into(),
            vec!["/snapshot/taxes/0/country"],
        ),
        (
            "exclusive",
            |s| s.tax_mode = TaxMode::Exclusive,
            vec!["/snapshot/grand_total/amount"],
        ),
        (
            "grand total",
            |s| s.grand_total = eur(2991),
            vec!["/snapshot/grand_total/amount"],
        ),
        (
            "email",
            |s| s.email = "not-an-email".into(),
            vec!["/snapshot/email"],
        ),
        (
            "long email",
            |s| s.email = format!("{}@example.com", "a".repeat(250)),
            vec!["/snapshot/email"],
        ),
        (
            "address",
            |s| {
                s.shipping_address.name = " ".into();
                s.shipping_address.country = "Germany".into();
                s.billing_address = Some(Address {
                    city: String::new(),
                    ..address("B")
                });
            },
            vec![
                "/snapshot/shipping_address/name",
                "/snapshot/shipping_address/country",
                "/snapshot/billing_address/city",
            ],
        ),
        (
            "ids",
            |s| {
                s.customer_id = Some("user_1".into());
                s.reservation_id = Some("res_".into());
                s.payment_id = Some("ref_1".into());
                s.lines[0].variant_id = String::new();
            },
            vec![
                "/snapshot/lines/0/variant_id",
                "/snapshot/customer_id",
                "/snapshot/reservation_id",
                "/snapshot/payment_id",
            ],
        ),
        (
            "sku",
            |s| s.lines[0].sku = String::new(),
            vec!["/snapshot/lines/0/sku"],
        ),
    ];
    for (what, mutate, expected) in cases {
        let mut s = basic();
        mutate(&mut s);
        let mut got = paths(o.create_order("bad", &s).await);
        let mut want: Vec<String> = expected.iter().map(|p| p.to_string()).collect();
        got.sort();
        got.dedup();
        want.sort();
        assert_eq!(got, want, "{what}");
    }
    let mut lower = basic();
    lower.currency = "eur".into();
    let got = paths(o.create_order("lower", &lower).await);
    assert!(got.contains(&"/snapshot/currency".to_string()), "{got:?}");
    assert!(
        got.contains(&"/snapshot/grand_total/currency".to_string()),
        "{got:?}"
    );
    assert_eq!(
        paths(o.create_order("", &basic()).await),
        ["/idempotency_key"]
    );
    assert_eq!(
        paths(o.create_order(&"k".repeat(201), &basic()).await),
        ["/idempotency_key"]
    );
    let too_many = OrderSnapshot {
        lines: (0..501).map(|n| line(&format!("S{n}"), 0, 1, 0)).collect(),
        shipping: None,
        taxes: vec![],
        subtotal: eur(0),
        shipping_total: eur(0),
        tax_total: eur(0),
        grand_total: eur(0),
        ..basic()
    };
    assert_eq!(
        paths(o.create_order("big", &too_many).await),
        ["/snapshot/lines"]
    );

    // Exclusive tax, no shipping, a discount, and a free line all add up.
    let exclusive = OrderSnapshot {
        lines: vec![
            OrderLine {
                discount: eur(200),
                ..line("A", 1000, 1, 152)
            },
            line("FREE", 0, 3, 0),
        ],
        discounts: vec![DiscountLine {
            code: Some("TEN".into()),
            label: "-2".into(),
            amount: eur(200),
        }],
        shipping: None,
        taxes: vec![TaxLine {
            label: "Sales tax".into(),
            country: "US".into(),
            rate_ppm: 190_000,
            taxable_amount: eur(800),
            amount: eur(152),
        }],
        tax_mode: TaxMode::Exclusive,
        subtotal: eur(1000),
        discount_total: eur(200),
        shipping_total: eur(0),
        tax_total: eur(152),
        grand_total: eur(952),
        ..basic()
    };
    // Nothing was created by the refused calls: the first order is still 1001.
    let created = create(&mut o, "ok", &exclusive).await;
    assert_eq!(created.order.number, 1001);
    assert_eq!(all_numbers(&mut o, &everything(), 100).await, [1001]);
}

#[tokio::test]
async fn the_same_key_returns_the_first_order_and_another_snapshot_conflicts() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let s = basic();
    let first = create(&mut o, "cart_ABC", &s).await;
    // A replay, from another instance as a retried request would be.
    let mut again = app.orders().await;
    let replay = create(&mut again, "cart_ABC", &s).await;
    assert_eq!(replay, first, "same order, same token");
    assert_eq!(o.history(&first.order.id).await.len(), 1);

    let mut other = s.clone();
    other.email = "eve@example.com".into();
    match o.create_order("cart_ABC", &other).await {
        Err(Error::Conflict(message)) => assert!(message.contains("1001"), "{message}"),
        x => panic!("expected conflict, got {x:?}"),
    }
    // Neither the replay nor the conflict took a number.
    assert_eq!(create(&mut o, "cart_DEF", &s).await.order.number, 1002);
    // A replay after the order moved on answers it as it is now, with the same token.
    o.mark_paid(&first.order.id, "pay_X", &eur(2990))
        .await
        .unwrap();
    let later = create(&mut o, "cart_ABC", &s).await;
    assert_eq!(later.order.status, OrderStatus::Paid);
    assert_eq!(later.guest_token, first.guest_token);
    assert_eq!(later.order.snapshot, s);
}

// --- concurrency -------------------------------------------------------------------------

/// Runs `calls` concurrently, each in its own component instance (so its own database
/// connection), released together by a barrier once every instance exists.
async fn race<T, F, Fut>(app: &Arc<TestApp>, calls: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, OrdersHandle) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(calls));
    let mut tasks = Vec::with_capacity(calls);
    for n in 0..calls {
        let o = app.orders().await;
        let barrier = barrier.clone();
        let fut = call(n, o);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            fut.await
        }));
    }
    let mut out = Vec::with_capacity(calls);
    for task in tasks {
        out.push(task.await.expect("the task finished"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_creations_get_distinct_sequential_numbers() {
    let app = Arc::new(spawn_app());
    const ROUNDS: usize = 4;
    const RACERS: usize = 24;
    let mut numbers = Vec::new();
    for round in 0..ROUNDS {
        let results = race(&app, RACERS, |n, mut o| async move {
            let s = snapshot(&format!("r{round}n{n}@example.com"), "Racer");
            o.create_order(&format!("race-{round}-{n}"), &s).await
        })
        .await;
        for r in results {
            let created = r.unwrap_or_else(|e| panic!("a racing creation failed: {e:?}"));
            numbers.push(created.order.number);
        }
    }
    numbers.sort();
    let expected: Vec<u64> = (1001..1001 + (ROUNDS * RACERS) as u64).collect();
    assert_eq!(numbers, expected, "no number shared, none skipped");

    // Racing duplicates of one creation make one order, and all get its token.
    let results = race(&app, 16, |_, mut o| async move {
        o.create_order("the-same-checkout", &basic()).await
    })
    .await;
    let created: Vec<CreatedOrder> = results.into_iter().map(Result::unwrap).collect();
    assert!(created.iter().all(|c| c.order.id == created[0].order.id));
    assert!(
        created
            .iter()
            .all(|c| c.guest_token == created[0].guest_token)
    );
    assert_eq!(created[0].order.number, 1001 + (ROUNDS * RACERS) as u64);
    let mut o = app.orders().await;
    assert_eq!(
        all_numbers(&mut o, &everything(), 100).await.len(),
        ROUNDS * RACERS + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_refunds_never_exceed_what_was_paid_and_racing_moves_apply_once() {
    let app = Arc::new(spawn_app());
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    o.mark_paid(&order.id, "pay_1", &eur(2990)).await.unwrap();
    // 12 refunds of 10.00 race for 29.90: two fit.
    let id = order.id.clone();
    let results = race(&app, 12, |n, mut o| {
        let id = id.clone();
        async move { o.record_refund(&id, &refund(1000, &format!("r{n}"))).await }
    })
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 2, "{results:?}");
    for r in &results {
        if let Err(e) = r {
            assert!(
                matches!(e, Error::RefundExceeds(left) if left.amount == 990 || left.amount == 1990),
                "{e:?}"
            );
        }
    }
    let now = o.get_order(&order.id).await.unwrap();
    assert_eq!(now.refunded_total, eur(2000));
    assert_eq!(now.refunds.len(), 2);
    assert_eq!(now.status, OrderStatus::PartiallyRefunded);

    // Racing repeats of one refund book it once, and all of them succeed.
    let order = create(&mut o, "k-dup", &basic()).await.order;
    o.mark_paid(&order.id, "pay_D", &eur(2990)).await.unwrap();
    let id = order.id.clone();
    let results = race(&app, 8, |_, mut o| {
        let id = id.clone();
        async move {
            let r = NewOrderRefund {
                refund_id: Some("ref_DUP".into()),
                ..refund(700, "unused")
            };
            o.record_refund(&id, &r).await
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let booked = o.get_order(&order.id).await.unwrap();
    assert_eq!(booked.refunds.len(), 1);
    assert_eq!(booked.refunded_total, eur(700));

    // Fulfil and cancel race on a paid order: exactly one wins, the other sees its result.
    let order = create(&mut o, "k2", &basic()).await.order;
    o.mark_paid(&order.id, "pay_2", &eur(2990)).await.unwrap();
    let id = order.id.clone();
    let results = race(&app, 2, |n, mut o| {
        let id = id.clone();
        async move {
            if n == 0 {
                o.fulfil(&id, "a").await
            } else {
                o.cancel(&id, "changed mind", "b").await
            }
        }
    })
    .await;
    let final_status = o.get_order(&order.id).await.unwrap().status;
    match final_status {
        // Fulfilled first: a fulfilled order can still be cancelled, so both succeed.
        OrderStatus::Cancelled => {
            let history = o.history(&order.id).await;
            let moves = history
                .iter()
                .filter(|e| matches!(e.kind, OrderEventKind::StatusChanged(_)))
                .count();
            assert!(moves == 2 || moves == 3, "{history:?}");
            assert!(results[1].is_ok());
            if results[0].is_err() {
                assert_eq!(
                    results[0],
                    Err(Error::IllegalTransition(Transition {
                        current: OrderStatus::Cancelled,
                        requested: OrderStatus::Fulfilled,
                    }))
                );
            }
        }
        other => panic!("unexpected final status {other:?}: {results:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_payment_racing_an_abandonment_or_another_payment_has_exactly_one_winner() {
    let app = Arc::new(spawn_app());
    let mut o = app.orders().await;
    for round in 0..8 {
        // The webhook's mark-paid against checkout's cancel-unpaid.
        let id = create(&mut o, &format!("pay-or-cancel-{round}"), &basic())
            .await
            .order
            .id;
        let racing = id.clone();
        let results = race(&app, 2, |n, mut o| {
            let id = racing.clone();
            async move {
                if n == 0 {
                    o.mark_paid(&id, "pay_W", &eur(GRAND)).await
                } else {
                    o.cancel_unpaid(&id, "abandoned").await
                }
            }
        })
        .await;
        let order = o.get_order(&id).await.unwrap();
        match order.status {
            OrderStatus::Paid => assert_eq!(
                results[1],
                Err(Error::IllegalTransition(Transition {
                    current: OrderStatus::Paid,
                    requested: OrderStatus::Cancelled,
                }))
            ),
            OrderStatus::Cancelled => assert_eq!(
                results[0],
                Err(Error::IllegalTransition(Transition {
                    current: OrderStatus::Cancelled,
                    requested: OrderStatus::Paid,
                }))
            ),
            other => panic!("round {round}: {other:?}"),
        }
        let winner = if order.status == OrderStatus::Paid {
            0
        } else {
            1
        };
        assert_eq!(results[winner], Ok(order.clone()), "round {round}");

        // Two payments for one order: one is recorded, the other conflicts.
        let id = create(&mut o, &format!("two-payments-{round}"), &basic())
            .await
            .order
            .id;
        let racing = id.clone();
        let results = race(&app, 2, |n, mut o| {
            let id = racing.clone();
            async move { o.mark_paid(&id, &format!("pay_{n}"), &eur(GRAND)).await }
        })
        .await;
        let order = o.get_order(&id).await.unwrap();
        let paid_by = order.payment_id.clone().unwrap();
        let winner = if paid_by == "pay_0" { 0 } else { 1 };
        assert_eq!(results[winner], Ok(order.clone()));
        assert!(
            matches!(&results[1 - winner], Err(Error::Conflict(m)) if m.contains(&paid_by)),
            "{results:?}"
        );
        let moves = o
            .history(&id)
            .await
            .into_iter()
            .filter(|e| e.kind == OrderEventKind::StatusChanged(OrderStatus::Paid))
            .count();
        assert_eq!(moves, 1, "paid once");
    }
}

// --- guest and customer lookup -----------------------------------------------------------

#[tokio::test]
async fn a_guest_sees_an_order_only_with_its_token_and_every_miss_looks_the_same() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let a = create(&mut o, "a", &basic()).await;
    let b = create(&mut o, "b", &snapshot("bob@example.com", "Bob")).await;
    assert_eq!(
        o.get_guest_order(a.order.number, &a.guest_token).await,
        Ok(a.order.clone())
    );
    assert_eq!(
        o.get_guest_order(b.order.number, &b.guest_token).await,
        Ok(b.order.clone())
    );
    let mut flipped = a.guest_token.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let misses: Vec<(u64, String)> = vec![
        (a.order.number, b.guest_token.clone()), // another order's token
        (b.order.number, a.guest_token.clone()), // and the other way round
        (a.order.number, flipped),               // one character off
        (a.order.number, String::new()),         // none
        (a.order.number, a.guest_token[4..].to_string()), // without its prefix
        (a.order.number, a.guest_token.replace("ogt_", "ctk_")),
        (9999, a.guest_token.clone()), // no such number
        (0, a.guest_token.clone()),
        (u64::MAX, a.guest_token.clone()),
    ];
    for (number, token) in misses {
        assert_eq!(
            o.get_guest_order(number, &token).await,
            Err(Error::NotFound),
            "{number} {token}"
        );
    }
}

#[tokio::test]
async fn customers_see_only_their_own_orders_newest_first() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let mut mine = Vec::new();
    for n in 0..5 {
        let mut s = basic();
        s.customer_id = Some("cus_ME".into());
        mine.push(create(&mut o, &format!("me{n}"), &s).await.order);
        let mut t = basic();
        t.customer_id = Some("cus_YOU".into());
        create(&mut o, &format!("you{n}"), &t).await;
    }
    let guest = create(&mut o, "guest", &basic()).await.order;
    assert_eq!(
        o.get_customer_order("cus_ME", mine[2].number).await,
        Ok(mine[2].clone())
    );
    for (customer, number) in [
        ("cus_YOU", mine[2].number),
        ("cus_ME", guest.number),
        ("cus_ME", 99_999),
        ("", mine[0].number),
    ] {
        assert_eq!(
            o.get_customer_order(customer, number).await,
            Err(Error::NotFound),
            "{customer} {number}"
        );
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let p = o
            .list_customer_orders("cus_ME", &page(after, 2))
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|s| s.id.clone()));
        match p.page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = mine.iter().rev().map(|o| o.id.clone()).collect();
    assert_eq!(seen, expected);
    assert!(
        o.list_customer_orders("cus_NOBODY", &page(None, 0))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        paths(o.list_customer_orders("cus_ME", &page(None, 101)).await),
        ["/limit"]
    );
    // A cursor of the admin listing is not one of this listing.
    let admin = o.list_orders(&everything(), &page(None, 1)).await.unwrap();
    assert_eq!(
        paths(
            o.list_customer_orders("cus_ME", &page(admin.page.next, 1))
                .await
        ),
        ["/after"]
    );
}

// --- the state machine -------------------------------------------------------------------

/// Where a test order starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Pending,
    Paid,
    Fulfilled,
    Shipped,
    Delivered,
    /// Cancelled before payment.
    CancelledUnpaid,
    /// Cancelled after payment.
    CancelledPaid,
    Refunded,
    /// Partially refunded after payment, then as far as `fulfilment` steps.
    PartlyRefunded(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    MarkPaid,
    Fulfil,
    Ship,
    Deliver,
    Cancel,
    CancelUnpaid,
    RefundPart,
    RefundRest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The move succeeds, to this status.
    To(OrderStatus),
    /// The order already is there: success, nothing written.
    Same,
    /// Refused: illegal-transition asking for this status.
    Illegal(OrderStatus),
    /// Refused: nothing is left to refund.
    NothingLeft,
}

const GRAND: i64 = 2990;
const PART: i64 = 500;

async fn pay(o: &mut OrdersHandle, id: &str) {
    o.mark_paid(id, "pay_T", &eur(GRAND)).await.unwrap();
}

async fn order_in(o: &mut OrdersHandle, key: &str, start: Start) -> Order {
    let id = create(o, key, &basic()).await.order.id;
    let t = tracking("T1");
    match start {
        Start::Pending => {}
        Start::Paid => pay(o, &id).await,
        Start::Fulfilled | Start::Shipped | Start::Delivered => {
            pay(o, &id).await;
            o.fulfil(&id, "a").await.unwrap();
            if start != Start::Fulfilled {
                o.ship(&id, Some(&t), "a").await.unwrap();
            }
            if start == Start::Delivered {
                o.deliver(&id, "a").await.unwrap();
            }
        }
        Start::CancelledUnpaid => {
            o.cancel_unpaid(&id, "payment failed").await.unwrap();
        }
        Start::CancelledPaid => {
            pay(o, &id).await;
            o.cancel(&id, "out of stock", "a").await.unwrap();
        }
        Start::Refunded => {
            pay(o, &id).await;
            o.record_refund(&id, &refund(GRAND, &format!("setup-{id}")))
                .await
                .unwrap();
        }
        Start::PartlyRefunded(steps) => {
            pay(o, &id).await;
            o.record_refund(&id, &refund(PART, &format!("setup-{id}")))
                .await
                .unwrap();
            if steps >= 1 {
                o.fulfil(&id, "a").await.unwrap();
            }
            if steps >= 2 {
                o.ship(&id, Some(&t), "a").await.unwrap();
            }
            if steps >= 3 {
                o.deliver(&id, "a").await.unwrap();
            }
        }
    }
    o.get_order(&id).await.unwrap()
}

async fn act(o: &mut OrdersHandle, order: &Order, a: Act) -> Result<Order, Error> {
    let id = &order.id;
    let left = GRAND - order.refunded_total.amount;
    match a {
        Act::MarkPaid => o.mark_paid(id, "pay_T", &eur(GRAND)).await,
        Act::Fulfil => o.fulfil(id, "b").await,
        Act::Ship => o.ship(id, Some(&tracking("T1")), "b").await,
        Act::Deliver => o.deliver(id, "b").await,
        Act::Cancel => o.cancel(id, "why", "b").await,
        Act::CancelUnpaid => o.cancel_unpaid(id, "why").await,
        Act::RefundPart => {
            o.record_refund(id, &refund(100, &format!("act-{id}")))
                .await
        }
        Act::RefundRest => {
            let amount = if left > 0 { left } else { 100 };
            o.record_refund(id, &refund(amount, &format!("act-{id}")))
                .await
        }
    }
}

/// The transition table, written out from the WIT docs independently of the component.
fn expected(start: Start, a: Act) -> Expect {
    use Expect::*;
    use OrderStatus as S;
    use Start as St;
    let pr = S::PartiallyRefunded;
    match a {
        Act::MarkPaid => match start {
            St::Pending => To(S::Paid),
            St::CancelledUnpaid | St::CancelledPaid => Illegal(S::Paid),
            _ => Same,
        },
        Act::Fulfil => match start {
            St::Paid => To(S::Fulfilled),
            St::Fulfilled | St::PartlyRefunded(1) => Same,
            St::PartlyRefunded(0) => To(pr),
            _ => Illegal(S::Fulfilled),
        },
        Act::Ship => match start {
            St::Fulfilled => To(S::Shipped),
            St::Shipped | St::PartlyRefunded(2) => Same,
            St::PartlyRefunded(1) => To(pr),
            _ => Illegal(S::Shipped),
        },
        Act::Deliver => match start {
            St::Shipped => To(S::Delivered),
            St::Delivered | St::PartlyRefunded(3) => Same,
            St::PartlyRefunded(2) => To(pr),
            _ => Illegal(S::Delivered),
        },
        Act::Cancel => match start {
            St::Pending | St::Paid | St::Fulfilled => To(S::Cancelled),
            St::PartlyRefunded(0) | St::PartlyRefunded(1) => To(S::Cancelled),
            St::CancelledUnpaid | St::CancelledPaid => Same,
            _ => Illegal(S::Cancelled),
        },
        Act::CancelUnpaid => match start {
            St::Pending => To(S::Cancelled),
            St::CancelledUnpaid | St::CancelledPaid => Same,
            _ => Illegal(S::Cancelled),
        },
        Act::RefundPart => match start {
            St::Pending | St::Refunded => Illegal(pr),
            St::CancelledUnpaid => NothingLeft,
            St::CancelledPaid => To(S::Cancelled),
            _ => To(pr),
        },
        Act::RefundRest => match start {
            St::Pending => Illegal(S::Refunded),
            St::Refunded => Illegal(pr),
            St::CancelledUnpaid => NothingLeft,
            St::CancelledPaid => To(S::Cancelled),
            _ => To(S::Refunded),
        },
    }
}

#[tokio::test]
async fn every_transition_is_legal_or_refused_exactly_as_documented() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let starts = [
        Start::Pending,
        Start::Paid,
        Start::Fulfilled,
        Start::Shipped,
        Start::Delivered,
        Start::CancelledUnpaid,
        Start::CancelledPaid,
        Start::Refunded,
        Start::PartlyRefunded(0),
        Start::PartlyRefunded(1),
        Start::PartlyRefunded(2),
        Start::PartlyRefunded(3),
    ];
    let acts = [
        Act::MarkPaid,
        Act::Fulfil,
        Act::Ship,
        Act::Deliver,
        Act::Cancel,
        Act::CancelUnpaid,
        Act::RefundPart,
        Act::RefundRest,
    ];
    let mut n = 0;
    for start in starts {
        for a in acts {
            n += 1;
            let before = order_in(&mut o, &format!("sm{n}"), start).await;
            let history_before = o.history(&before.id).await;
            let got = act(&mut o, &before, a).await;
            let after = o.get_order(&before.id).await.unwrap();
            let history_after = o.history(&before.id).await;
            let case = format!("{start:?} + {a:?}");
            assert_eq!(
                after.snapshot, before.snapshot,
                "{case}: snapshot is immutable"
            );
            match expected(start, a) {
                Expect::To(status) => {
                    let got = got.unwrap_or_else(|e| panic!("{case}: refused with {e:?}"));
                    assert_eq!(got, after, "{case}: answers the order as stored");
                    assert_eq!(after.status, status, "{case}");
                    assert!(history_after.len() > history_before.len(), "{case}");
                    assert!(after.updated_at >= before.updated_at, "{case}");
                    let stamp = match a {
                        Act::MarkPaid => after.paid_at,
                        Act::Fulfil => after.fulfilled_at,
                        Act::Ship => after.shipped_at,
                        Act::Deliver => after.delivered_at,
                        Act::Cancel | Act::CancelUnpaid => after.cancelled_at,
                        Act::RefundPart | Act::RefundRest => {
                            assert_eq!(after.refunds.len(), before.refunds.len() + 1, "{case}");
                            Some(0)
                        }
                    };
                    assert!(stamp.is_some(), "{case}: the step's time is set");
                }
                Expect::Same => {
                    assert_eq!(got, Ok(before.clone()), "{case}");
                    assert_eq!(after, before, "{case}: nothing written");
                    assert_eq!(history_after, history_before, "{case}");
                }
                Expect::Illegal(requested) => {
                    assert_eq!(
                        got,
                        Err(Error::IllegalTransition(Transition {
                            current: before.status,
                            requested,
                        })),
                        "{case}"
                    );
                    assert_eq!(after, before, "{case}: nothing changed");
                    assert_eq!(history_after, history_before, "{case}");
                }
                Expect::NothingLeft => {
                    assert_eq!(got, Err(Error::RefundExceeds(eur(0))), "{case}");
                    assert_eq!(after, before, "{case}: nothing changed");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_full_journey_is_recorded_in_the_history() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    o.mark_paid(&order.id, "pay_J", &eur(GRAND)).await.unwrap();
    o.add_note(&order.id, "gift wrap please", "support@example.com")
        .await
        .unwrap();
    o.fulfil(&order.id, "packer").await.unwrap();
    let shipped = o
        .ship(&order.id, Some(&tracking("JD0001")), "packer")
        .await
        .unwrap();
    assert_eq!(shipped.tracking, Some(tracking("JD0001")));
    let delivered = o.deliver(&order.id, "carrier-hook").await.unwrap();
    assert_eq!(delivered.status, OrderStatus::Delivered);
    assert_eq!(delivered.payment_id.as_deref(), Some("pay_J"));
    let ts = [
        delivered.created_at,
        delivered.paid_at.unwrap(),
        delivered.fulfilled_at.unwrap(),
        delivered.shipped_at.unwrap(),
        delivered.delivered_at.unwrap(),
    ];
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    assert_eq!(delivered.updated_at, ts[4]);

    let history = o.history(&order.id).await;
    let kinds: Vec<(OrderEventKind, &str, Option<&str>)> = history
        .iter()
        .map(|e| (e.kind.clone(), e.actor.as_str(), e.note.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (OrderEventKind::Created, "system", None),
            (
                OrderEventKind::StatusChanged(OrderStatus::Paid),
                "system",
                None
            ),
            (
                OrderEventKind::Note,
                "support@example.com",
                Some("gift wrap please")
            ),
            (
                OrderEventKind::StatusChanged(OrderStatus::Fulfilled),
                "packer",
                None
            ),
            (
                OrderEventKind::StatusChanged(OrderStatus::Shipped),
                "packer",
                None
            ),
            (
                OrderEventKind::StatusChanged(OrderStatus::Delivered),
                "carrier-hook",
                None
            ),
        ]
    );
    assert!(
        history
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    // Paging the history: oldest first, two at a time, nothing skipped or repeated.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let p = o
            .list_order_events(&order.id, &page(after, 2))
            .await
            .unwrap();
        assert!(p.items.len() <= 2);
        paged.extend(p.items);
        match p.page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, history);
    // A cursor of one order's history is not one of another's.
    let other = create(&mut o, "k2", &basic()).await.order;
    let first = o
        .list_order_events(&order.id, &page(None, 1))
        .await
        .unwrap();
    assert_eq!(
        paths(
            o.list_order_events(&other.id, &page(first.page.next, 1))
                .await
        ),
        ["/after"]
    );
    assert_eq!(
        paths(o.list_order_events(&other.id, &page(None, 101)).await),
        ["/limit"]
    );
    assert_eq!(
        o.list_order_events("ord_NOPE", &page(None, 0)).await,
        Err(Error::NotFound)
    );
}

// --- mark-paid, cancel, ship, notes: their own errors ------------------------------------

#[tokio::test]
async fn mark_paid_checks_the_amount_and_the_payment() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    for wrong in [
        eur(2989),
        eur(0),
        Money {
            amount: 2990,
            currency: "USD".into(),
        },
    ] {
        assert_eq!(
            o.mark_paid(&order.id, "pay_A", &wrong).await,
            Err(Error::AmountMismatch(eur(2990)))
        );
    }
    assert_eq!(
        paths(o.mark_paid(&order.id, "ref_A", &eur(2990)).await),
        ["/payment_id"]
    );
    for unknown in ["ord_UNKNOWN", "pay_A", "", "ord_"] {
        assert_eq!(
            o.mark_paid(unknown, "pay_A", &eur(2990)).await,
            Err(Error::NotFound),
            "{unknown}"
        );
    }
    assert_eq!(
        o.get_order(&order.id).await,
        Ok(order.clone()),
        "nothing changed"
    );

    let paid = o.mark_paid(&order.id, "pay_A", &eur(2990)).await.unwrap();
    assert_eq!(paid.status, OrderStatus::Paid);
    assert_eq!(paid.payment_id.as_deref(), Some("pay_A"));
    assert!(paid.paid_at.is_some());
    // The same payment again: success, nothing written. Another payment: conflict.
    assert_eq!(
        o.mark_paid(&order.id, "pay_A", &eur(2990)).await,
        Ok(paid.clone())
    );
    assert!(matches!(
        o.mark_paid(&order.id, "pay_B", &eur(2990)).await,
        Err(Error::Conflict(m)) if m.contains("pay_A")
    ));
    assert_eq!(o.get_order(&order.id).await, Ok(paid));

    // A snapshot that names its payment accepts no other.
    let mut s = basic();
    s.payment_id = Some("pay_S".into());
    let named = create(&mut o, "k2", &s).await.order;
    assert!(matches!(
        o.mark_paid(&named.id, "pay_B", &eur(2990)).await,
        Err(Error::Conflict(m)) if m.contains("pay_S")
    ));
    assert_eq!(
        o.mark_paid(&named.id, "pay_S", &eur(2990))
            .await
            .unwrap()
            .status,
        OrderStatus::Paid
    );
}

#[tokio::test]
async fn cancelling_records_the_reason_and_refuses_long_ones() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    assert_eq!(
        paths(o.cancel_unpaid(&order.id, &"x".repeat(501)).await),
        ["/reason"]
    );
    assert_eq!(
        paths(o.cancel(&order.id, &"x".repeat(501), "a").await),
        ["/reason"]
    );
    assert_eq!(o.cancel("ord_X", "r", "a").await, Err(Error::NotFound));
    assert_eq!(o.cancel_unpaid("cart_X", "r").await, Err(Error::NotFound));
    let cancelled = o.cancel_unpaid(&order.id, "card declined").await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("card declined"));
    assert!(cancelled.cancelled_at.is_some());
    // A repeat, even with another reason, changes nothing.
    assert_eq!(
        o.cancel_unpaid(&order.id, "other").await,
        Ok(cancelled.clone())
    );
    assert_eq!(
        o.cancel(&order.id, "other", "a").await,
        Ok(cancelled.clone())
    );
    let last = o.history(&order.id).await.pop().unwrap();
    assert_eq!(
        last.kind,
        OrderEventKind::StatusChanged(OrderStatus::Cancelled)
    );
    assert_eq!(last.actor, "system");
    assert_eq!(last.note.as_deref(), Some("card declined"));
}

#[tokio::test]
async fn replacing_the_reservation_is_a_compare_and_set_that_a_cancellation_ends() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let created = create(&mut o, "k", &basic()).await;
    let order = created.order;
    assert_eq!(order.reservation_id.as_deref(), Some("res_R1"));
    pay(&mut o, &order.id).await;
    assert_eq!(
        paths(o.replace_reservation(&order.id, "res_R1", "pay_X").await),
        ["/next"]
    );
    assert_eq!(
        paths(o.replace_reservation(&order.id, "res_R1", "res_R1").await),
        ["/next"]
    );
    assert_eq!(
        paths(o.replace_reservation(&order.id, "", "res_R2").await),
        ["/previous"]
    );
    assert_eq!(
        o.replace_reservation("ord_X", "res_R1", "res_R2").await,
        Err(Error::NotFound)
    );
    // Only from the reservation the order stands on.
    assert!(matches!(
        o.replace_reservation(&order.id, "res_R0", "res_R2").await,
        Err(Error::Conflict(_))
    ));
    let moved = o
        .replace_reservation(&order.id, "res_R1", "res_R2")
        .await
        .unwrap();
    assert_eq!(moved.reservation_id.as_deref(), Some("res_R2"));
    assert_eq!(moved.status, OrderStatus::Paid);
    // The snapshot keeps the reservation taken at checkout, so the checkout's replay of
    // create-order is still the same request and answers the same order.
    assert_eq!(moved.snapshot, basic());
    let replay = o.create_order("k", &basic()).await.unwrap();
    assert_eq!(replay.order.reservation_id.as_deref(), Some("res_R2"));
    assert_eq!(replay.guest_token, created.guest_token);
    // A repeat is safe; the old one is gone.
    assert_eq!(
        o.replace_reservation(&order.id, "res_R1", "res_R2").await,
        Ok(moved.clone())
    );
    assert!(matches!(
        o.replace_reservation(&order.id, "res_R1", "res_R3").await,
        Err(Error::Conflict(_))
    ));
    let last = o.history(&order.id).await.pop().unwrap();
    assert_eq!(last.kind, OrderEventKind::Note);
    assert_eq!(last.actor, "system");
    let note = last.note.unwrap();
    assert!(note.contains("res_R2") && note.contains("res_R1"), "{note}");
    // Once cancelled, the order's reservation is fixed: a committer racing the cancellation
    // cannot move it onto stock the canceller would not see.
    let cancelled = o.cancel(&order.id, "changed mind", "owner").await.unwrap();
    assert_eq!(cancelled.reservation_id.as_deref(), Some("res_R2"));
    assert!(matches!(
        o.replace_reservation(&order.id, "res_R2", "res_R3").await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(o.get_order(&order.id).await, Ok(cancelled));
    // An order created without a reservation has none to replace.
    let mut bare = basic();
    bare.reservation_id = None;
    let bare = create(&mut o, "bare", &bare).await.order;
    assert_eq!(bare.reservation_id, None);
    assert!(matches!(
        o.replace_reservation(&bare.id, "res_R1", "res_R2").await,
        Err(Error::Conflict(_))
    ));
}

#[tokio::test]
async fn shipping_checks_tracking_and_a_repeat_must_match_it() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    o.mark_paid(&order.id, "pay_A", &eur(2990)).await.unwrap();
    o.fulfil(&order.id, "a").await.unwrap();
    let bad = Tracking {
        carrier: String::new(),
        number: "x".repeat(101),
        url: Some("http://track.example/1".into()),
    };
    assert_eq!(
        paths(o.ship(&order.id, Some(&bad), "a").await),
        ["/tracking/carrier", "/tracking/number", "/tracking/url"]
    );
    for url in [
        "https://",
        "track.example",
        "https://a b.example/",
        "ftp://x.example",
    ] {
        let t = Tracking {
            url: Some(url.into()),
            ..tracking("1")
        };
        assert_eq!(
            paths(o.ship(&order.id, Some(&t), "a").await),
            ["/tracking/url"],
            "{url}"
        );
    }
    assert_eq!(
        o.get_order(&order.id).await.unwrap().status,
        OrderStatus::Fulfilled
    );
    let shipped = o.ship(&order.id, Some(&tracking("T1")), "a").await.unwrap();
    assert_eq!(
        o.ship(&order.id, Some(&tracking("T1")), "b").await,
        Ok(shipped.clone())
    );
    for other in [Some(tracking("T2")), None] {
        assert!(matches!(
            o.ship(&order.id, other.as_ref(), "a").await,
            Err(Error::Conflict(_))
        ));
    }
    // Shipping without tracking details is allowed, and repeats without them too.
    let plain = create(&mut o, "k2", &basic()).await.order;
    o.mark_paid(&plain.id, "pay_B", &eur(2990)).await.unwrap();
    o.fulfil(&plain.id, "a").await.unwrap();
    let shipped = o.ship(&plain.id, None, "a").await.unwrap();
    assert_eq!(shipped.tracking, None);
    assert_eq!(o.ship(&plain.id, None, "a").await, Ok(shipped));
    for unknown in ["ord_NONE", "prod_1"] {
        assert_eq!(o.fulfil(unknown, "a").await, Err(Error::NotFound));
        assert_eq!(o.ship(unknown, None, "a").await, Err(Error::NotFound));
        assert_eq!(o.deliver(unknown, "a").await, Err(Error::NotFound));
        assert_eq!(o.get_order(unknown).await, Err(Error::NotFound));
    }
    assert_eq!(o.get_order_by_number(1).await, Err(Error::NotFound));
    assert_eq!(o.get_order_by_number(u64::MAX).await, Err(Error::NotFound));
}

#[tokio::test]
async fn notes_go_into_the_history_and_bad_ones_are_refused() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    assert_eq!(paths(o.add_note(&order.id, "", "a").await), ["/note"]);
    assert_eq!(paths(o.add_note(&order.id, "  ", "a").await), ["/note"]);
    assert_eq!(
        paths(o.add_note(&order.id, &"n".repeat(2001), "a").await),
        ["/note"]
    );
    assert_eq!(
        o.add_note("ord_NONE", "hi", "a").await,
        Err(Error::NotFound)
    );
    o.add_note(&order.id, &"n".repeat(2000), "a").await.unwrap();
    let history = o.history(&order.id).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].kind, OrderEventKind::Note);
    assert_eq!(history[1].note.as_deref().map(str::len), Some(2000));
    // A note changes nothing of the order itself.
    assert_eq!(o.get_order(&order.id).await, Ok(order));
}

// --- refunds -----------------------------------------------------------------------------

#[tokio::test]
async fn refunds_partial_then_full_and_never_more_than_was_paid() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let s = basic();
    let order = create(&mut o, "k", &s).await.order;
    o.mark_paid(&order.id, "pay_A", &eur(2990)).await.unwrap();

    let first = NewOrderRefund {
        refund_id: Some("ref_ONE".into()),
        ..refund(1000, "ignored-when-refund-id-given")
    };
    let partial = o.record_refund(&order.id, &first).await.unwrap();
    assert_eq!(partial.status, OrderStatus::PartiallyRefunded);
    assert_eq!(partial.refunded_total, eur(1000));
    assert_eq!(partial.refunds.len(), 1);
    assert_eq!(partial.refunds[0].refund_id.as_deref(), Some("ref_ONE"));
    assert_eq!(partial.refunds[0].reason.as_deref(), Some("damaged"));
    assert_eq!(partial.refunds[0].actor, "owner@example.com");
    // The same refund again changes nothing; with other details it conflicts.
    assert_eq!(
        o.record_refund(&order.id, &first).await,
        Ok(partial.clone())
    );
    let changed = NewOrderRefund {
        amount: eur(999),
        ..first.clone()
    };
    assert!(matches!(
        o.record_refund(&order.id, &changed).await,
        Err(Error::Conflict(_))
    ));

    // Too much: refused with what is left, nothing changed.
    assert_eq!(
        o.record_refund(&order.id, &refund(1991, "too-much")).await,
        Err(Error::RefundExceeds(eur(1990)))
    );
    assert_eq!(o.get_order(&order.id).await, Ok(partial.clone()));
    // Refused input.
    let usd = NewOrderRefund {
        amount: Money {
            amount: 100,
            currency: "USD".into(),
        },
        ..refund(100, "usd")
    };
    assert_eq!(
        paths(o.record_refund(&order.id, &usd).await),
        ["/amount/currency"]
    );
    assert_eq!(
        paths(o.record_refund(&order.id, &refund(0, "zero")).await),
        ["/amount/amount"]
    );
    assert_eq!(
        paths(o.record_refund(&order.id, &refund(-5, "neg")).await),
        ["/amount/amount"]
    );
    assert_eq!(
        paths(o.record_refund(&order.id, &refund(1, "")).await),
        ["/idempotency_key"]
    );
    let bad = NewOrderRefund {
        refund_id: Some("pay_X".into()),
        actor: " ".into(),
        reason: Some("r".repeat(501)),
        ..refund(1, "k")
    };
    assert_eq!(
        paths(o.record_refund(&order.id, &bad).await),
        ["/refund_id", "/reason", "/actor"]
    );
    assert_eq!(
        o.record_refund("ord_NONE", &refund(1, "x")).await,
        Err(Error::NotFound)
    );
    assert_eq!(o.get_order(&order.id).await, Ok(partial.clone()));

    // The rest, by key (a refund made outside the platform): refunded, final.
    let rest = refund(1990, "manual-1");
    let full = o.record_refund(&order.id, &rest).await.unwrap();
    assert_eq!(full.status, OrderStatus::Refunded);
    assert_eq!(full.refunded_total, eur(2990));
    assert_eq!(full.refunds.len(), 2);
    assert_eq!(full.refunds[1].refund_id, None);
    assert!(full.refunds[0].created_at <= full.refunds[1].created_at);
    assert_eq!(o.record_refund(&order.id, &rest).await, Ok(full.clone()));
    assert_eq!(
        o.record_refund(&order.id, &refund(1, "more")).await,
        Err(Error::IllegalTransition(Transition {
            current: OrderStatus::Refunded,
            requested: OrderStatus::PartiallyRefunded,
        }))
    );
    assert_eq!(full.snapshot, s, "refunds never touch the snapshot");

    // A key belongs to the refund it recorded: on another order it conflicts.
    let other = create(&mut o, "k2", &basic()).await.order;
    o.mark_paid(&other.id, "pay_B", &eur(2990)).await.unwrap();
    assert!(matches!(
        o.record_refund(&other.id, &rest).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        o.record_refund(&other.id, &first).await,
        Err(Error::Conflict(_))
    ));

    let history = o.history(&order.id).await;
    let tail: Vec<OrderEventKind> = history[2..].iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        tail,
        vec![
            OrderEventKind::RefundRecorded(eur(1000)),
            OrderEventKind::StatusChanged(OrderStatus::PartiallyRefunded),
            OrderEventKind::RefundRecorded(eur(1990)),
            OrderEventKind::StatusChanged(OrderStatus::Refunded),
        ]
    );
}

#[tokio::test]
async fn a_pending_refund_is_shown_and_bounded_but_counted_only_once_it_succeeds() {
    use OrderRefundStatus::{Failed, Pending, Succeeded};
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    o.mark_paid(&order.id, "pay_A", &eur(2990)).await.unwrap();

    // Pending: shown, holding its share, not money given back, no status change.
    let asked = o
        .record_refund(&order.id, &pending(2000, "ref_P1"))
        .await
        .unwrap();
    assert_eq!(asked.status, OrderStatus::Paid);
    assert_eq!(asked.refunded_total, eur(0));
    assert_eq!(asked.refund_pending_total, eur(2000));
    assert_eq!(asked.refunds.len(), 1);
    assert_eq!(asked.refunds[0].status, Pending);
    assert_eq!(asked.refunds[0].settled_at, None);
    // Recording it again (pending) changes nothing.
    assert_eq!(
        o.record_refund(&order.id, &pending(2000, "ref_P1")).await,
        Ok(asked.clone())
    );
    // What is left counts the pending refund: two refunds cannot pass what was paid.
    assert_eq!(
        o.record_refund(&order.id, &pending(991, "ref_P2")).await,
        Err(Error::RefundExceeds(eur(990)))
    );
    assert_eq!(
        o.record_refund(&order.id, &refund(991, "outside")).await,
        Err(Error::RefundExceeds(eur(990)))
    );
    assert_eq!(o.get_order(&order.id).await, Ok(asked.clone()));

    // It fails: out of the books, the order as it was, a history entry.
    let failed = o
        .settle_refund(&order.id, "ref_P1", Failed, "webhook")
        .await
        .unwrap();
    assert_eq!(failed.status, OrderStatus::Paid);
    assert_eq!(failed.refunded_total, eur(0));
    assert_eq!(failed.refund_pending_total, eur(0));
    assert_eq!(failed.refunds[0].status, Failed);
    assert!(failed.refunds[0].settled_at.is_some());
    let history = o.history(&order.id).await;
    let last = history.last().unwrap();
    assert_eq!(last.kind, OrderEventKind::RefundFailed(eur(2000)));
    assert_eq!(last.actor, "webhook");
    assert!(last.note.as_deref().unwrap().contains("ref_P1"));
    // Replays and late contrary news change nothing.
    for outcome in [Failed, Succeeded] {
        assert_eq!(
            o.settle_refund(&order.id, "ref_P1", outcome, "webhook")
                .await,
            Ok(failed.clone())
        );
    }
    let told_succeeded = NewOrderRefund {
        status: Succeeded,
        ..pending(2000, "ref_P1")
    };
    assert_eq!(
        o.record_refund(&order.id, &told_succeeded).await,
        Ok(failed.clone())
    );
    assert_eq!(o.history(&order.id).await, history);

    // Its amount can be refunded again; this one succeeds: refunded.
    let again = o
        .record_refund(&order.id, &pending(2990, "ref_P3"))
        .await
        .unwrap();
    assert_eq!(again.status, OrderStatus::Paid);
    assert_eq!(again.refund_pending_total, eur(2990));
    let done = o
        .settle_refund(&order.id, "ref_P3", Succeeded, "webhook")
        .await
        .unwrap();
    assert_eq!(done.status, OrderStatus::Refunded);
    assert_eq!(done.refunded_total, eur(2990));
    assert_eq!(done.refund_pending_total, eur(0));
    assert_eq!(done.refunds[1].status, Succeeded);
    assert_eq!(
        o.settle_refund(&order.id, "ref_P3", Succeeded, "webhook")
            .await,
        Ok(done.clone())
    );
    // The provider reverses it later: back to paid, nothing given back.
    let reversed = o
        .settle_refund(&order.id, "ref_P3", Failed, "webhook")
        .await
        .unwrap();
    assert_eq!(reversed.status, OrderStatus::Paid);
    assert_eq!(reversed.refunded_total, eur(0));
    let tail: Vec<OrderEventKind> = o.history(&order.id).await[history.len()..]
        .iter()
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        tail,
        vec![
            OrderEventKind::RefundRequested(eur(2990)),
            OrderEventKind::RefundRecorded(eur(2990)),
            OrderEventKind::StatusChanged(OrderStatus::Refunded),
            OrderEventKind::RefundFailed(eur(2990)),
            OrderEventKind::StatusChanged(OrderStatus::Paid),
        ]
    );

    // A pending refund recorded again as succeeded (the provider settled it meanwhile).
    o.record_refund(&order.id, &pending(500, "ref_P4"))
        .await
        .unwrap();
    let settled = NewOrderRefund {
        status: Succeeded,
        ..pending(500, "ref_P4")
    };
    let partly = o.record_refund(&order.id, &settled).await.unwrap();
    assert_eq!(partly.status, OrderStatus::PartiallyRefunded);
    assert_eq!(partly.refunded_total, eur(500));
    assert_eq!(partly.refund_pending_total, eur(0));

    // Refused: unknown refunds and orders, bad input.
    assert_eq!(
        o.settle_refund(&order.id, "ref_NONE", Succeeded, "webhook")
            .await,
        Err(Error::NotFound)
    );
    assert_eq!(
        o.settle_refund("ord_NONE", "ref_P4", Succeeded, "webhook")
            .await,
        Err(Error::NotFound)
    );
    let other = create(&mut o, "k2", &basic()).await.order;
    o.mark_paid(&other.id, "pay_B", &eur(2990)).await.unwrap();
    assert_eq!(
        o.settle_refund(&other.id, "ref_P4", Failed, "webhook")
            .await,
        Err(Error::NotFound),
        "a refund is settled on its own order only"
    );
    assert_eq!(
        paths(o.settle_refund(&order.id, "pay_X", Pending, " ").await),
        ["/refund_id", "/outcome", "/actor"]
    );
    let no_id = NewOrderRefund {
        refund_id: None,
        ..pending(1, "k")
    };
    assert_eq!(
        paths(o.record_refund(&order.id, &no_id).await),
        ["/refund_id"]
    );
    let failed_one = NewOrderRefund {
        status: Failed,
        ..pending(1, "ref_F")
    };
    assert_eq!(
        paths(o.record_refund(&order.id, &failed_one).await),
        ["/status"]
    );
    assert_eq!(o.get_order(&order.id).await, Ok(partly));
}

#[tokio::test]
async fn a_cancelled_paid_order_keeps_its_status_while_refunds_are_booked() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let order = create(&mut o, "k", &basic()).await.order;
    o.mark_paid(&order.id, "pay_A", &eur(2990)).await.unwrap();
    o.cancel(&order.id, "customer asked", "owner")
        .await
        .unwrap();
    let booked = o
        .record_refund(&order.id, &refund(2990, "all"))
        .await
        .unwrap();
    assert_eq!(booked.status, OrderStatus::Cancelled);
    assert_eq!(booked.refunded_total, eur(2990));
    assert_eq!(
        o.record_refund(&order.id, &refund(1, "more")).await,
        Err(Error::RefundExceeds(eur(0)))
    );
    // An order cancelled before payment has nothing to give back.
    let unpaid = create(&mut o, "k2", &basic()).await.order;
    o.cancel_unpaid(&unpaid.id, "abandoned").await.unwrap();
    assert_eq!(
        o.record_refund(&unpaid.id, &refund(1, "x")).await,
        Err(Error::RefundExceeds(eur(0)))
    );
}

// --- listing, filters, search ------------------------------------------------------------

#[tokio::test]
async fn the_admin_listing_pages_filters_and_searches_without_skips_or_repeats() {
    let app = spawn_app();
    let mut o = app.orders().await;
    let people = [
        ("ada@example.com", "Ada Lovelace"),
        ("Bob@Example.com", "Bob Builder"),
        ("carol@shop.test", "Çarol Ünal"),
    ];
    let mut orders: Vec<Order> = Vec::new();
    for n in 0..24usize {
        let (email, name) = people[n % 3];
        let mut s = snapshot(email, name);
        if n % 4 == 0 {
            s.customer_id = Some("cus_VIP".into());
        }
        if n == 7 {
            s.lines[1].sku = "RARE-Thing".into();
        }
        let order = create(&mut o, &format!("list{n}"), &s).await.order;
        if n % 3 == 1 {
            o.mark_paid(&order.id, &format!("pay_{n}"), &eur(2990))
                .await
                .unwrap();
        }
        if n % 6 == 2 {
            o.cancel_unpaid(&order.id, "").await.unwrap();
        }
        orders.push(order);
    }
    let numbers: Vec<u64> = orders.iter().map(|o| o.number).rev().collect();
    for limit in [1, 5, 7, 24, 100] {
        assert_eq!(
            all_numbers(&mut o, &everything(), limit).await,
            numbers,
            "limit {limit}"
        );
    }
    // The default page is 20.
    let first = o.list_orders(&everything(), &page(None, 0)).await.unwrap();
    assert_eq!(first.items.len(), 20);
    let summary: &OrderSummary = &first.items[0];
    let newest = &orders[23];
    assert_eq!(summary.id, newest.id);
    assert_eq!(summary.email, newest.snapshot.email);
    assert_eq!(summary.name, newest.snapshot.shipping_address.name);
    assert_eq!(summary.grand_total, eur(2990));
    assert_eq!(summary.item_count, 3);
    assert_eq!(summary.created_at, newest.created_at);

    // Orders created while a client pages never make it skip or repeat one.
    let p1 = o.list_orders(&everything(), &page(None, 10)).await.unwrap();
    for n in 0..3 {
        create(&mut o, &format!("late{n}"), &basic()).await;
    }
    let mut seen: Vec<u64> = p1.items.iter().map(|s| s.number).collect();
    let mut after = p1.page.next;
    while let Some(cursor) = after {
        let p = o
            .list_orders(&everything(), &page(Some(cursor), 10))
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|s| s.number));
        after = p.page.next;
    }
    assert_eq!(seen, numbers);

    let only = |statuses: Vec<OrderStatus>| OrderFilter {
        statuses,
        ..everything()
    };
    let paid = all_numbers(&mut o, &only(vec![OrderStatus::Paid]), 4).await;
    let want: Vec<u64> = orders
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 3 == 1)
        .map(|(_, o)| o.number)
        .rev()
        .collect();
    assert_eq!(paid, want);
    let cancelled_or_paid = all_numbers(
        &mut o,
        &only(vec![OrderStatus::Cancelled, OrderStatus::Paid]),
        100,
    )
    .await;
    assert_eq!(cancelled_or_paid.len(), 8 + 4);
    assert!(
        all_numbers(&mut o, &only(vec![OrderStatus::Shipped]), 10)
            .await
            .is_empty()
    );

    let vip = OrderFilter {
        customer_id: Some("cus_VIP".into()),
        ..everything()
    };
    assert_eq!(all_numbers(&mut o, &vip, 2).await.len(), 6);
    let vip_paid = OrderFilter {
        statuses: vec![OrderStatus::Paid],
        ..vip.clone()
    };
    // n % 4 == 0 and n % 3 == 1: 4, 16.
    assert_eq!(
        all_numbers(&mut o, &vip_paid, 10).await,
        [orders[16].number, orders[4].number]
    );

    // Time range: [created-after, created-before).
    let t0 = orders[5].created_at;
    let since = OrderFilter {
        created_after: Some(t0),
        ..everything()
    };
    let got = all_numbers(&mut o, &since, 100).await;
    assert!(got.contains(&orders[5].number));
    let want: Vec<u64> = orders
        .iter()
        .filter(|o| o.created_at >= t0)
        .map(|o| o.number)
        .collect();
    assert!(want.iter().all(|n| got.contains(n)));
    let before = OrderFilter {
        created_before: Some(t0),
        ..everything()
    };
    let got_before = all_numbers(&mut o, &before, 100).await;
    assert!(got_before.iter().all(|n| {
        let order = orders.iter().find(|o| o.number == *n).unwrap();
        order.created_at < t0
    }));

    // Search: number with or without '#', prefixes of email, name and SKU, any case.
    let search = |text: &str| OrderFilter {
        search: Some(text.into()),
        ..everything()
    };
    let n9 = orders[9].number;
    assert_eq!(
        all_numbers(&mut o, &search(&format!("#{n9}")), 10).await,
        [n9]
    );
    assert_eq!(
        all_numbers(&mut o, &search(&n9.to_string()), 10).await,
        [n9]
    );
    assert_eq!(all_numbers(&mut o, &search("BOB@exa"), 100).await.len(), 8);
    assert_eq!(
        all_numbers(&mut o, &search("ada lo"), 100).await.len(),
        8 + 3
    );
    assert_eq!(all_numbers(&mut o, &search("çarol"), 100).await.len(), 8);
    assert_eq!(all_numbers(&mut o, &search("ÇAROL ün"), 100).await.len(), 8);
    assert_eq!(
        all_numbers(&mut o, &search("rare-t"), 100).await,
        [orders[7].number]
    );
    assert_eq!(all_numbers(&mut o, &search("shirt-"), 100).await.len(), 27);
    assert!(
        all_numbers(&mut o, &search("lovelace"), 100)
            .await
            .is_empty(),
        "prefix only"
    );
    assert!(all_numbers(&mut o, &search("%"), 100).await.is_empty());
    assert!(all_numbers(&mut o, &search("_"), 100).await.is_empty());
    let combined = OrderFilter {
        statuses: vec![OrderStatus::Paid],
        search: Some("bob".into()),
        ..everything()
    };
    // Bob is n % 3 == 1, and those are all paid.
    assert_eq!(all_numbers(&mut o, &combined, 3).await.len(), 8);

    // Refused filters and pages.
    for (filter, want) in [
        (search(""), vec!["/search"]),
        (search("   "), vec!["/search"]),
        (search(&"x".repeat(101)), vec!["/search"]),
        (
            OrderFilter {
                created_after: Some(10),
                created_before: Some(10),
                ..everything()
            },
            vec!["/created_after"],
        ),
    ] {
        assert_eq!(paths(o.list_orders(&filter, &page(None, 0)).await), want);
    }
    assert_eq!(
        paths(
            o.list_orders(&search(""), &page(Some("nope".into()), 101))
                .await
        ),
        ["/search", "/limit", "/after"]
    );
    let customer_page = o
        .list_customer_orders("cus_VIP", &page(None, 1))
        .await
        .unwrap();
    assert_eq!(
        paths(
            o.list_orders(&everything(), &page(customer_page.page.next, 1))
                .await
        ),
        ["/after"]
    );
    assert_eq!(
        all_numbers(&mut o, &search(&"x".repeat(100)), 10).await,
        Vec::<u64>::new()
    );
}
