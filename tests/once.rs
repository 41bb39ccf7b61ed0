//! The "once" resources of a purchase, raced from every side over HTTP: a cart is bought
//! once (see `checkout_api.rs`), and here: a payment is refunded at most what was paid
//! whatever the number of keys, a paid order's cancellation restocks and refunds once
//! however often it is sent at once, one checkout has one guest order token, and a
//! reservation's stock moves once when commits and releases of it race (this one through
//! the inventory's WIT export, the others over HTTP).
//!
//! The shop is set up as in `sales_admin_api.rs` (products through the catalog component,
//! stock, tax and shipping through the admin API), orders are made by real checkouts, and
//! every answer is checked against openapi.json.

use commerce_tests::openapi::check_response;
use commerce_tests::{ADMIN_TOKEN, TestApp, TestResponse, product, spawn_app};
use serde_json::{Value, json};
use std::sync::Arc;

const CARD_OK: &str = "4242424242424242";

/// Sends the request and checks the answer against openapi.json.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> TestResponse {
    let res = app.send(method, path, headers, body).await;
    check_response(method, path, &res);
    res
}

fn text(r: &TestResponse) -> String {
    r.text()
}

fn problem(r: &TestResponse) -> String {
    r.problem_type()
}

fn money(amount: i64) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

/// One product (19.99 EUR), 10 units, German VAT included, 4.90 EUR shipping.
struct Shop {
    app: Arc<TestApp>,
    variant: String,
    shipping: String,
}

async fn admin(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> TestResponse {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let mut all = vec![("authorization", auth.as_str())];
    all.extend_from_slice(headers);
    send(app, method, path, &all, body.as_ref()).await
}

impl Shop {
    async fn new() -> Shop {
        let app = spawn_app();
        let p = app
            .catalog()
            .await
            .create_product(product("tee", 1999, vec![]))
            .await;
        let variant = p.variants[0].id.clone();
        let r = admin(
            &app,
            "PUT",
            &format!("/admin/inventory/stock/{variant}"),
            &[],
            Some(json!({"on_hand": 10, "note": "opening count"})),
        )
        .await;
        assert_eq!(r.status, 200, "{}", text(&r));
        let r = admin(
            &app,
            "PUT",
            "/admin/tax-rates/DE",
            &[],
            Some(json!({"rate_ppm": 190000, "mode": "inclusive", "applies_to_shipping": true, "label": "VAT 19%"})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", text(&r));
        let r = admin(
            &app,
            "POST",
            "/admin/shipping-methods",
            &[],
            Some(json!({"name": "Standard", "rates": [{"amount": 490, "currency": "EUR"}]})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", text(&r));
        Shop {
            app: Arc::new(app),
            variant,
            shipping: r.json()["id"].as_str().unwrap().to_owned(),
        }
    }

    async fn cart(&self, quantity: u32) -> String {
        let created = send(
            &self.app,
            "POST",
            "/api/carts",
            &[],
            Some(&json!({"currency": "EUR"})),
        )
        .await;
        let token = created.json()["token"].as_str().unwrap().to_owned();
        let added = send(
            &self.app,
            "POST",
            "/api/cart/lines",
            &[("cart-token", &token)],
            Some(&json!({"variant_id": self.variant, "quantity": quantity})),
        )
        .await;
        assert_eq!(added.status, 200, "{}", text(&added));
        token
    }

    fn checkout_body(&self, cart: &str) -> Value {
        json!({
            "cart_token": cart,
            "email": "ada@example.com",
            "shipping_address": {
                "name": "Ada Lovelace",
                "line1": "Unter den Linden 1",
                "city": "Berlin",
                "postal_code": "10117",
                "country": "DE"
            },
            "shipping_method_id": self.shipping,
            "payment_method": {"type": "test_card", "number": CARD_OK, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
            "return_url": "https://shop.example/checkout/return"
        })
    }

    /// A paid order of `quantity` units: the checkout's JSON.
    async fn paid(&self, key: &str, quantity: u32) -> Value {
        let cart = self.cart(quantity).await;
        let r = send(
            &self.app,
            "POST",
            "/api/checkout",
            &[("idempotency-key", key)],
            Some(&self.checkout_body(&cart)),
        )
        .await;
        assert_eq!(r.status, 201, "{}", text(&r));
        r.json()
    }

    async fn get(&self, path: &str) -> Value {
        let r = admin(&self.app, "GET", path, &[], None).await;
        assert_eq!(r.status, 200, "GET {path}: {}", text(&r));
        r.json()
    }

    /// What the payment of order `id` has given back, as payments books it.
    async fn refunded(&self, id: &str) -> i64 {
        let p = self.get(&format!("/admin/orders/{id}/payments")).await;
        assert_eq!(p["items"].as_array().unwrap().len(), 1, "one payment");
        p["items"][0]["amount_refunded"]["amount"].as_i64().unwrap()
    }

    async fn on_hand(&self) -> u64 {
        self.get(&format!("/admin/inventory/stock/{}", self.variant))
            .await["on_hand"]
            .as_u64()
            .unwrap()
    }

    /// Runs the admin requests at once; their answers in order.
    async fn race(&self, requests: Vec<AdminRequest>) -> Vec<TestResponse> {
        let mut tasks = Vec::new();
        for (method, path, headers, body) in requests {
            let app = Arc::clone(&self.app);
            tasks.push(tokio::spawn(async move {
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                admin(&app, &method, &path, &headers, body).await
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }
}

/// An admin request to race: method, path, headers (besides the token), body.
type AdminRequest = (String, String, Vec<(String, String)>, Option<Value>);

fn refund_request(id: &str, key: &str, body: Value) -> AdminRequest {
    (
        "POST".into(),
        format!("/admin/orders/{id}/refunds"),
        vec![("idempotency-key".into(), key.into())],
        Some(body),
    )
}

/// 12 refunds of 10.00 with 12 keys race for an order of 44.88: four fit, the others are
/// refused, and payments and orders book the same sum. Then 8 "refund the rest" with 8
/// keys race: one gives back the 4.88 left, the others find nothing left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_refunds_with_different_keys_never_pass_what_was_paid() {
    let shop = Shop::new().await;
    let order = shop.paid("refund-race", 2).await["order"].clone();
    let id = order["id"].as_str().unwrap().to_owned();
    let total = order["grand_total"]["amount"].as_i64().unwrap();
    assert_eq!(total, 4488);

    let answers = shop
        .race(
            (0..12)
                .map(|n| refund_request(&id, &format!("part-{n}"), json!({"amount": money(1000)})))
                .collect(),
        )
        .await;
    let mut given = 0;
    for r in &answers {
        match r.status {
            201 => given += r.json()["refund"]["amount"]["amount"].as_i64().unwrap(),
            409 => assert_eq!(problem(r), "refund-exceeds", "{}", text(r)),
            other => panic!("unexpected {other}: {}", text(r)),
        }
    }
    assert_eq!(given, 4000, "four refunds of 10.00 fit in 44.88");
    assert_eq!(shop.refunded(&id).await, 4000);
    let booked = shop.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(booked["refunded_total"], money(4000));
    assert_eq!(booked["refunds"].as_array().unwrap().len(), 4);

    let answers = shop
        .race(
            (0..8)
                .map(|n| refund_request(&id, &format!("rest-{n}"), json!({})))
                .collect(),
        )
        .await;
    let ok: Vec<&TestResponse> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(ok.len(), 1, "one refund of the rest");
    assert_eq!(ok[0].json()["refund"]["amount"], money(total - 4000));
    for r in answers.iter().filter(|r| r.status != 201) {
        assert_eq!(r.status, 409, "{}", text(r));
        assert!(
            ["refund-exceeds", "illegal-transition"].contains(&problem(r).as_str()),
            "{}",
            text(r)
        );
    }
    assert_eq!(shop.refunded(&id).await, total);
    let booked = shop.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(booked["refunded_total"], money(total));
    assert_eq!(booked["status"], "refunded");
}

/// A paid order cancelled 6 times at once while 6 full refunds with 6 keys race it. The
/// first to move the order decides: cancelled (the units come back, once) or refunded (a
/// refunded order cannot be cancelled: the cancels are refused and no unit moves). Either
/// way the money is given back once, in full, and never more.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_cancels_and_refunds_of_a_paid_order_restock_and_refund_once() {
    let shop = Shop::new().await;
    let order = shop.paid("cancel-race", 3).await["order"].clone();
    let id = order["id"].as_str().unwrap().to_owned();
    let total = order["grand_total"]["amount"].as_i64().unwrap();
    assert_eq!(shop.on_hand().await, 7);

    let mut requests = Vec::new();
    for n in 0..6 {
        requests.push((
            "POST".to_owned(),
            format!("/admin/orders/{id}/cancel"),
            Vec::new(),
            Some(json!({"reason": "racing"})),
        ));
        requests.push(refund_request(&id, &format!("full-{n}"), json!({})));
    }
    let answers = shop.race(requests).await;
    let booked = shop.get(&format!("/admin/orders/{id}")).await;
    let cancelled = booked["status"] == "cancelled";
    assert!(cancelled || booked["status"] == "refunded", "{booked}");
    for (n, r) in answers.iter().enumerate() {
        if n % 2 == 0 && cancelled {
            assert_eq!(r.status, 200, "every cancel ends cancelled: {}", text(r));
            assert_eq!(r.json()["order"]["status"], "cancelled");
        } else if n % 2 == 0 {
            assert_eq!(r.status, 409, "{}", text(r));
            assert_eq!(problem(r), "illegal-transition");
        } else {
            assert!(
                matches!(r.status, 201 | 409),
                "a racing refund succeeds or is refused: {}",
                text(r)
            );
        }
    }
    let restocked = shop
        .get(&format!(
            "/admin/inventory/movements?variant_id={}&reason=cancellation",
            shop.variant
        ))
        .await["items"]
        .as_array()
        .unwrap()
        .len();
    if cancelled {
        assert_eq!(shop.on_hand().await, 10, "the units are back, once");
        assert_eq!(restocked, 1);
    } else {
        assert_eq!(shop.on_hand().await, 7, "a refund moves no unit");
        assert_eq!(restocked, 0);
    }
    assert_eq!(
        shop.refunded(&id).await,
        total,
        "the money is back, once, in full"
    );
    assert_eq!(booked["refunded_total"], money(total));
}

/// One checkout has one guest order token: duplicates of one request sent at once all get
/// it, and it opens the order; the other keys racing for the same cart get no order and
/// no token. (Which key wins is the race's; the duplicates of one request win or lose
/// together, being one holder of the cart.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_checkout_has_one_guest_token() {
    let shop = Shop::new().await;
    let cart = shop.cart(1).await;
    let body = shop.checkout_body(&cart);
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = Arc::clone(&shop.app);
        let body = body.clone();
        // Ten duplicates of one request and two other keys.
        let key = if n < 10 {
            "guest-1".to_owned()
        } else {
            format!("guest-other-{n}")
        };
        tasks.push(tokio::spawn(async move {
            (
                key.clone(),
                send(
                    &app,
                    "POST",
                    "/api/checkout",
                    &[("idempotency-key", &key)],
                    Some(&body),
                )
                .await,
            )
        }));
    }
    let mut tokens = std::collections::BTreeSet::new();
    let mut orders = std::collections::BTreeSet::new();
    let mut winners = std::collections::BTreeMap::new();
    for t in tasks {
        let (key, r) = t.await.unwrap();
        match r.status {
            201 => {
                *winners.entry(key).or_insert(0) += 1;
                tokens.insert(r.json()["guest_token"].as_str().unwrap().to_owned());
                orders.insert(r.json()["order"]["number"].as_u64().unwrap());
            }
            409 => assert!(r.json().get("guest_token").is_none()),
            other => panic!("unexpected {other}: {}", text(&r)),
        }
    }
    assert_eq!(winners.len(), 1, "one key buys the cart: {winners:?}");
    if let Some(n) = winners.get("guest-1") {
        assert_eq!(
            *n, 10,
            "the duplicates of the winning request all get its answer"
        );
    }
    assert_eq!(tokens.len(), 1);
    assert_eq!(orders.len(), 1);
    let number = orders.first().unwrap();
    let token = tokens.first().unwrap();
    let found = send(
        &shop.app,
        "GET",
        &format!("/api/orders/{number}?token={token}"),
        &[],
        None,
    )
    .await;
    assert_eq!(found.status, 200, "{}", text(&found));
    let list = shop.get("/admin/orders?limit=100").await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "one order in all"
    );
}

/// A stock movement happens once: 8 commits and 8 releases of one reservation race, each
/// in its own inventory instance. One side wins for all: either every commit answers the
/// committed reservation and every release is refused as committed (one sale movement,
/// the units gone from on hand), or the other way round (no movement, the units free).
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_commits_and_releases_of_one_reservation_move_the_stock_once() {
    use commerce_tests::inventory::{
        Error, MovementFilter, MovementReason, NewReservation, PageRequest, ReservationLine,
        ReservationStatus,
    };
    let app = Arc::new(spawn_app());
    app.inventory().await.receive("var_ONCE", 10).await;
    for round in 0..4 {
        let reservation = app
            .inventory()
            .await
            .reserve(&NewReservation {
                idempotency_key: format!("once-{round}"),
                lines: vec![ReservationLine {
                    variant_id: "var_ONCE".into(),
                    quantity: 2,
                }],
                ttl_seconds: 600,
            })
            .await
            .expect("reserved");
        let mut tasks = Vec::new();
        for n in 0..16 {
            let app = Arc::clone(&app);
            let id = reservation.id.clone();
            tasks.push(tokio::spawn(async move {
                let mut inv = app.inventory().await;
                (
                    n % 2 == 0,
                    if n % 2 == 0 {
                        inv.commit(&id).await
                    } else {
                        inv.release(&id).await
                    },
                )
            }));
        }
        let mut commits = Vec::new();
        let mut releases = Vec::new();
        for t in tasks {
            let (commit, r) = t.await.unwrap();
            if commit {
                commits.push(r);
            } else {
                releases.push(r);
            }
        }
        let committed = commits[0].is_ok();
        let (won, lost, refusal) = if committed {
            (&commits, &releases, ReservationStatus::Committed)
        } else {
            (&releases, &commits, ReservationStatus::Released)
        };
        assert!(won.iter().all(Result::is_ok), "round {round}: {won:?}");
        assert!(
            lost.iter()
                .all(|r| r == &Err(Error::ReservationNotActive(refusal))),
            "round {round}: {lost:?}"
        );
        let mut inv = app.inventory().await;
        let sales = inv
            .list_movements(
                &MovementFilter {
                    variant_id: Some("var_ONCE".into()),
                    reason: Some(MovementReason::Sale),
                    since: None,
                },
                &PageRequest {
                    after: None,
                    limit: 100,
                },
            )
            .await
            .expect("movements")
            .items;
        let stock = inv.stock("var_ONCE").await;
        assert_eq!(stock.reserved, 0, "round {round}: nothing left held");
        assert_eq!(
            u32::try_from(sales.len()).unwrap() * 2,
            10 - stock.on_hand,
            "round {round}: one sale movement per committed reservation, each of 2 units"
        );
    }
}
