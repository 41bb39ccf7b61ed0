//! The purchase through HTTP: `POST /api/checkout`, the guest order lookup and the payment
//! webhooks of the checkout-api component, composed with the cart, catalog, pricing,
//! inventory, orders and payments components exactly as spin.toml says.
//!
//! Carts are made through the cart API, products through the catalog component, stock
//! through the inventory component and shipping and tax through pricing; everything about
//! the purchase itself goes over HTTP. The crash tests tell the host to fail one SQLite call
//! (`commerce_host::faults`) at every point of a checkout in turn.

use bytes::Bytes;
use commerce_host::faults::{self, FaultAction, SqliteFault};
use commerce_tests::inventory::{MovementFilter, MovementReason, ReservationStatus};
use commerce_tests::openapi::check_response;
use commerce_tests::orders::{OrderFilter, OrderStatus, PageRequest};
use commerce_tests::payments;
use commerce_tests::pricing::{Money, ShippingMethodInput, TaxMode, TaxRate};
use commerce_tests::stripe_fake as fake;
use commerce_tests::{
    ADMIN_TOKEN, TestApp, TestResponse, product, spawn_app_with, spawn_edited_app,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The test provider's webhook signing secret the tests' apps run with.
const WEBHOOK_SECRET: &str = "whsec_test_checkout_0123456789";

pub(crate) const CARD_OK: &str = "4242424242424242";
const CARD_DECLINED: &str = "4000000000000002";
const CARD_3DS: &str = "4000002500003155";
const CARD_3DS_DECLINED: &str = "4000008400001629";

/// A shop with one product (two variants, 19.99 and 20.99 EUR), a shipping method (4.90 EUR)
/// and German VAT (19 %, prices include it).
pub(crate) struct Shop {
    pub(crate) app: Arc<TestApp>,
    pub(crate) variant: String,
    shipping: String,
}

async fn shop(stock: i32) -> Shop {
    shop_in(
        spawn_app_with(&[("payments_test_webhook_secret", WEBHOOK_SECRET)]),
        stock,
    )
    .await
}

/// The shop of [`shop`] in `app`.
pub(crate) async fn shop_in(app: TestApp, stock: i32) -> Shop {
    let mut catalog = app.catalog().await;
    let p = catalog.create_product(product("tee", 1999, vec![])).await;
    let variant = p.variants[0].id.clone();
    if stock > 0 {
        app.inventory().await.receive(&variant, stock).await;
    }
    let mut pricing = app.pricing().await;
    pricing
        .set_tax_rate(&TaxRate {
            country: "DE".into(),
            rate_ppm: 190_000,
            mode: TaxMode::Inclusive,
            applies_to_shipping: true,
            label: "VAT 19%".into(),
        })
        .await
        .expect("tax rate");
    let method = pricing
        .create_shipping_method(&ShippingMethodInput {
            name: "Standard".into(),
            rates: vec![Money {
                amount: 490,
                currency: "EUR".into(),
            }],
            countries: vec![],
            active: true,
            position: 0,
        })
        .await
        .expect("shipping method");
    Shop {
        app: Arc::new(app),
        variant,
        shipping: method.id,
    }
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> TestResponse {
    let mut req = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.request(req.body(Bytes::from(body)).unwrap()).await
}

impl Shop {
    /// A new EUR cart holding `quantity` of the shop's variant; its token.
    pub(crate) async fn cart(&self, quantity: u32) -> String {
        let created = send(
            &self.app,
            "POST",
            "/api/carts",
            &[("content-type", "application/json")],
            json!({"currency": "EUR"}).to_string().into_bytes(),
        )
        .await;
        assert_eq!(
            created.status,
            201,
            "{}",
            String::from_utf8_lossy(&created.body)
        );
        let token = created.json()["token"].as_str().unwrap().to_owned();
        let added = send(
            &self.app,
            "POST",
            "/api/cart/lines",
            &[("content-type", "application/json"), ("cart-token", &token)],
            json!({"variant_id": self.variant, "quantity": quantity})
                .to_string()
                .into_bytes(),
        )
        .await;
        assert!(
            added.status < 300,
            "{}",
            String::from_utf8_lossy(&added.body)
        );
        token
    }

    pub(crate) fn body(&self, cart: &str, card: &str) -> Value {
        self.body_paying(
            cart,
            json!({
                "type": "test_card",
                "number": card,
                "exp_month": 12,
                "exp_year": 2040,
                "cvc": "123"
            }),
        )
    }

    /// A checkout of `cart` paying with a Stripe PaymentMethod id.
    fn stripe_body(&self, cart: &str, payment_method: &str) -> Value {
        self.body_paying(
            cart,
            json!({"type": "provider_token", "token": payment_method}),
        )
    }

    fn body_paying(&self, cart: &str, payment_method: Value) -> Value {
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
            "payment_method": payment_method,
            "return_url": "https://shop.example/checkout/return"
        })
    }

    pub(crate) async fn checkout(&self, key: &str, body: &Value) -> TestResponse {
        checkout(&self.app, key, body).await
    }

    pub(crate) async fn stock(&self) -> (u32, u32, u32) {
        let s = self.app.inventory().await.stock(&self.variant).await;
        (s.on_hand, s.reserved, s.available)
    }

    pub(crate) async fn orders_with(&self, status: OrderStatus) -> usize {
        let mut orders = self.app.orders().await;
        let mut n = 0;
        let mut after = None;
        loop {
            let page = orders
                .list_orders(
                    &OrderFilter {
                        statuses: vec![status],
                        created_after: None,
                        created_before: None,
                        customer_id: None,
                        search: None,
                    },
                    &PageRequest { after, limit: 100 },
                )
                .await
                .expect("list orders");
            n += page.items.len();
            match page.page.next {
                Some(next) => after = Some(next),
                None => return n,
            }
        }
    }
}

async fn checkout(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    send(
        app,
        "POST",
        "/api/checkout",
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        body.to_string().into_bytes(),
    )
    .await
}

/// A checkout sent as the API asks a client to: a 503 (under a crowd of writers on Spin's
/// storage, one that waited out SQLite's 5 s busy timeout) is sent again with the same key
/// and body, a bounded number of times, and the retry finishes or undoes the checkout.
async fn checkout_as_a_client(app: &TestApp, key: &str, body: &Value) -> TestResponse {
    let mut r = checkout(app, key, body).await;
    for _ in 0..5 {
        if r.status != 503 {
            break;
        }
        r = checkout(app, key, body).await;
    }
    r
}

fn problem_type(r: &TestResponse) -> String {
    assert_eq!(
        r.content_type(),
        "application/problem+json",
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["type"].as_str().unwrap_or("").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_pays_creates_the_order_commits_the_stock_and_orders_the_cart() {
    let shop = shop(10).await;
    let cart = shop.cart(2).await;
    let body = shop.body(&cart, CARD_OK);
    let r = shop.checkout("key-happy-1", &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["status"], "paid");
    assert_eq!(v["order"]["status"], "paid");
    assert_eq!(v["payment"]["status"], "succeeded");
    // 2 × 19.99 + 4.90 shipping, VAT included.
    assert_eq!(
        v["order"]["grand_total"],
        json!({"amount": 4488, "currency": "EUR"})
    );
    assert_eq!(
        v["payment"]["amount"],
        json!({"amount": 4488, "currency": "EUR"})
    );
    assert_eq!(v["order"]["lines"][0]["quantity"], 2);
    assert_eq!(v["order"]["lines"][0]["unit_price"]["amount"], 1999);
    assert!(v["guest_token"].as_str().unwrap().starts_with("ogt_"));
    assert_eq!(shop.stock().await, (8, 0, 8));
    // The cart became the order: it is kept, ordered, naming it, and never bought again.
    let ordered = shop
        .app
        .get_with("/api/cart", &[("cart-token", &cart)])
        .await;
    assert_eq!(ordered.status, 200);
    check_response("GET", "/api/cart", &ordered);
    assert_eq!(ordered.json()["checkout"]["status"], "ordered");
    assert_eq!(
        ordered.json()["checkout"]["order_number"],
        v["order"]["number"]
    );
    assert_eq!(ordered.json()["ready_for_checkout"], false);

    // The same key and body: the same answer, nothing done twice.
    let again = shop.checkout("key-happy-1", &body).await;
    assert_eq!(again.status, 201);
    let w = again.json();
    assert_eq!(w["order"]["id"], v["order"]["id"]);
    assert_eq!(w["order"]["number"], v["order"]["number"]);
    assert_eq!(w["payment"]["id"], v["payment"]["id"]);
    assert_eq!(w["guest_token"], v["guest_token"]);
    assert_eq!(shop.stock().await, (8, 0, 8));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);

    // Guest lookup: the right token shows the order; a wrong token is the same 404 as an
    // unknown number.
    let number = v["order"]["number"].as_u64().unwrap();
    let token = v["guest_token"].as_str().unwrap();
    let found = shop
        .app
        .get(&format!("/api/orders/{number}?token={token}"))
        .await;
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["id"], v["order"]["id"]);
    assert_eq!(found.json()["email"], "ada@example.com");
    let wrong = shop
        .app
        .get(&format!(
            "/api/orders/{number}?token=ogt_AAAAAAAAAAAAAAAAAAAAAA"
        ))
        .await;
    let unknown = shop
        .app
        .get(&format!("/api/orders/{}?token={token}", number + 1))
        .await;
    assert_eq!(wrong.status, 404);
    assert_eq!(unknown.status, 404);
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
    assert_eq!(problem_type(&wrong), problem_type(&unknown));
    let missing = shop.app.get(&format!("/api/orders/{number}")).await;
    assert_eq!(missing.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_change_nothing() {
    let shop = shop(5).await;
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_OK);
    // No key.
    let r = send(
        &shop.app,
        "POST",
        "/api/checkout",
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["path"], "/headers/idempotency-key");
    // Tampered prices are unknown fields; bad fields are all named.
    let mut bad = body.clone();
    bad["unit_price"] = json!(1);
    bad["email"] = json!("not-an-email");
    bad["shipping_address"]["country"] = json!("ZZ");
    let r = shop.checkout("key-bad-1", &bad).await;
    assert_eq!(r.status, 400);
    let paths: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    for p in ["/unit_price", "/email", "/shipping_address/country"] {
        assert!(paths.iter().any(|x| x == p), "{p} in {paths:?}");
    }
    // An unknown cart.
    let r = shop
        .checkout("key-bad-2", &shop.body("ctk_unknown", CARD_OK))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["path"], "/cart_token");
    // A GET is 405.
    let r = shop.app.get("/api/checkout").await;
    assert_eq!(r.status, 405);
    assert_eq!(shop.stock().await, (5, 0, 5));
    assert_eq!(shop.orders_with(OrderStatus::PendingPayment).await, 0);
    // The key of a refused request is still free.
    let ok = shop.checkout("key-bad-1", &body).await;
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_cancels_the_order_and_releases_the_stock() {
    let shop = shop(3).await;
    let cart = shop.cart(2).await;
    let body = shop.body(&cart, CARD_DECLINED);
    let r = shop.checkout("key-declined", &body).await;
    assert_eq!(r.status, 402, "{}", String::from_utf8_lossy(&r.body));
    assert!(problem_type(&r).ends_with("/payment-declined"));
    assert_eq!(r.json()["decline_code"], "card_declined");
    assert_eq!(shop.stock().await, (3, 0, 3));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 0);
    assert_eq!(shop.orders_with(OrderStatus::PendingPayment).await, 0);
    assert_eq!(shop.orders_with(OrderStatus::Cancelled).await, 1);
    // A retry gets the same answer; the cart is still there for another try with a new key.
    let again = shop.checkout("key-declined", &body).await;
    assert_eq!(again.status, 402);
    assert_eq!(again.json()["decline_code"], "card_declined");
    assert_eq!(
        shop.app
            .get_with("/api/cart", &[("cart-token", &cart)])
            .await
            .status,
        200
    );
    let ok = shop
        .checkout("key-declined-2", &shop.body(&cart, CARD_OK))
        .await;
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(shop.stock().await, (1, 0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requires_action_answers_202_and_a_later_call_completes_it() {
    let shop = shop(4).await;
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_3DS);
    let r = shop.checkout("key-3ds", &body).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["status"], "requires_action");
    assert_eq!(v["order"]["status"], "pending_payment");
    assert_eq!(v["payment"]["next_action"]["type"], "redirect_to_url");
    // The stock is held while the shopper answers the challenge.
    assert_eq!(shop.stock().await, (4, 1, 3));
    let done = shop.checkout("key-3ds", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(done.json()["order"]["id"], v["order"]["id"]);
    assert_eq!(done.json()["order"]["status"], "paid");
    assert_eq!(shop.stock().await, (3, 0, 3));

    // A challenge that ends in a decline releases the stock.
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_3DS_DECLINED);
    assert_eq!(shop.checkout("key-3ds-no", &body).await.status, 202);
    assert_eq!(shop.stock().await, (3, 1, 2));
    let r = shop.checkout("key-3ds-no", &body).await;
    assert_eq!(r.status, 402, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(shop.stock().await, (3, 0, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_reused_with_another_body_is_422_and_changes_nothing() {
    let shop = shop(5).await;
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_OK);
    assert_eq!(shop.checkout("key-reuse", &body).await.status, 201);
    let mut other = body.clone();
    other["email"] = json!("someone@example.com");
    let r = shop.checkout("key-reuse", &other).await;
    assert_eq!(r.status, 422);
    assert!(problem_type(&r).ends_with("/idempotency-key-reused"));
    // The same body written differently is the same request.
    let reordered: Value =
        serde_json::from_str(&serde_json::to_string_pretty(&body).unwrap()).unwrap();
    assert_eq!(shop.checkout("key-reuse", &reordered).await.status, 201);
    assert_eq!(shop.stock().await, (4, 0, 4));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_of_one_key_make_one_order_and_one_charge() {
    let shop = shop(5).await;
    let cart = shop.cart(2).await;
    let body = Arc::new(shop.body(&cart, CARD_OK));
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let app = shop.app.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            checkout(&app, "key-dup", &body).await
        }));
    }
    let mut orders = std::collections::BTreeSet::new();
    let mut payments = std::collections::BTreeSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        orders.insert(r.json()["order"]["id"].as_str().unwrap().to_owned());
        payments.insert(r.json()["payment"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(orders.len(), 1);
    assert_eq!(payments.len(), 1);
    assert_eq!(shop.stock().await, (3, 0, 3));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_oversell_200_concurrent_checkouts_for_10_units() {
    const BUYERS: usize = 200;
    let shop = shop(10).await;
    let mut carts = Vec::new();
    for _ in 0..BUYERS {
        carts.push(shop.cart(1).await);
    }
    let mut tasks = Vec::new();
    for (i, cart) in carts.iter().enumerate() {
        let app = shop.app.clone();
        let body = shop.body(cart, CARD_OK);
        tasks.push(tokio::spawn(async move {
            checkout_as_a_client(&app, &format!("key-rush-{i}"), &body).await
        }));
    }
    let (mut paid, mut sold_out) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => paid += 1,
            409 => {
                assert!(problem_type(&r).ends_with("/out-of-stock"));
                assert_eq!(r.json()["shortages"][0]["requested"], 1);
                sold_out += 1;
            }
            other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&r.body)),
        }
    }
    assert_eq!(paid, 10);
    assert_eq!(sold_out, BUYERS - 10);
    assert_eq!(shop.stock().await, (0, 0, 0));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 10);
    assert_eq!(shop.orders_with(OrderStatus::PendingPayment).await, 0);
}

/// The payment `id` as the payments component stores it (for its provider reference), read
/// through a payments instance with checkout-api's grants.
async fn stored_payment(app: &TestApp, id: &str) -> payments::Payment {
    let mut lib = app
        .app
        .instantiate_library(&commerce_tests::wasm("payments"), "checkout-api")
        .await
        .expect("the payments component instantiates");
    let bindings = payments::PaymentsComponent::new(&mut lib.store, &lib.instance).unwrap();
    bindings
        .commerce_payments_payments()
        .call_get_payment(&mut lib.store, &id.to_owned())
        .await
        .expect("no trap")
        .expect("the payment exists")
}

async fn webhook(app: &TestApp, body: &[u8], signature: Option<&str>) -> TestResponse {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(s) = signature {
        headers.push(("stripe-signature", s));
    }
    send(
        app,
        "POST",
        "/api/payments/webhooks/test",
        &headers,
        body.to_vec(),
    )
    .await
}

fn signed(body: &[u8]) -> String {
    payments::sign(WEBHOOK_SECRET, body, payments::now_secs())
}

/// A checkout with a 3-D Secure card, answered 202: its order waits for the payment.
struct AwaitingAction {
    /// The checkout request, for the storefront's retry.
    body: Value,
    number: u64,
    token: String,
    pay_id: String,
    amount: i64,
    /// The provider's id of the payment, which its events name.
    reference: String,
}

impl Shop {
    /// Checks out one unit with a 3-D Secure card under idempotency key `key`.
    async fn awaiting_action(&self, key: &str) -> AwaitingAction {
        let cart = self.cart(1).await;
        let body = self.body(&cart, CARD_3DS);
        let r = self.checkout(key, &body).await;
        assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        let pay_id = v["payment"]["id"].as_str().unwrap().to_owned();
        let reference = stored_payment(&self.app, &pay_id)
            .await
            .provider_reference
            .unwrap();
        AwaitingAction {
            body,
            number: v["order"]["number"].as_u64().unwrap(),
            token: v["guest_token"].as_str().unwrap().to_owned(),
            pay_id,
            amount: v["payment"]["amount"]["amount"].as_i64().unwrap(),
            reference,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_webhook_before_the_storefront_completes_pays_the_order_once() {
    let shop = shop(5).await;
    let AwaitingAction {
        body,
        number,
        token,
        pay_id,
        amount,
        reference,
    } = shop.awaiting_action("key-wh-ok").await;
    let pay_id = pay_id.as_str();
    assert_eq!(shop.stock().await, (5, 1, 4));

    // Forged, unsigned and stale deliveries are refused and change nothing.
    let event = payments::event(
        "evt_wh_ok_1",
        "payment_intent.succeeded",
        payments::intent(&reference, "succeeded", amount, pay_id),
    );
    let forged = payments::sign("whsec_someone_else", &event, payments::now_secs());
    let stale = payments::sign(WEBHOOK_SECRET, &event, payments::now_secs() - 600);
    for signature in [Some(forged.as_str()), None, Some(stale.as_str())] {
        let r = webhook(&shop.app, &event, signature).await;
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["errors"][0]["path"], "/headers/stripe-signature");
    }
    let tampered = String::from_utf8(event.clone())
        .unwrap()
        .replace(&format!("\"amount\":{amount}"), "\"amount\":1");
    let r = webhook(&shop.app, tampered.as_bytes(), Some(&signed(&event))).await;
    assert_eq!(r.status, 400);
    let order = shop
        .app
        .get(&format!("/api/orders/{number}?token={token}"))
        .await;
    assert_eq!(order.json()["status"], "pending_payment");
    assert_eq!(shop.stock().await, (5, 1, 4));

    // The genuine one pays the order and commits the stock.
    let r = webhook(&shop.app, &event, Some(&signed(&event))).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["replayed"], false);
    assert_eq!(r.json()["events"], 1);
    let order = shop
        .app
        .get(&format!("/api/orders/{number}?token={token}"))
        .await;
    assert_eq!(order.json()["status"], "paid");
    assert_eq!(shop.stock().await, (4, 0, 4));

    // A replay is acknowledged and does nothing.
    let r = webhook(&shop.app, &event, Some(&signed(&event))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["replayed"], true);
    assert_eq!(shop.stock().await, (4, 0, 4));

    // The storefront's own retry, arriving after the webhook, finds it done.
    let done = shop.checkout("key-wh-ok", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(done.json()["order"]["number"], number);
    assert_eq!(shop.stock().await, (4, 0, 4));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);

    // An older event arriving late (out of order) does not move anything back.
    let late = payments::event(
        "evt_wh_ok_0",
        "payment_intent.requires_action",
        payments::intent(&reference, "requires_action", amount, pay_id),
    );
    let r = webhook(&shop.app, &late, Some(&signed(&late))).await;
    assert_eq!(r.status, 200);
    let order = shop
        .app
        .get(&format!("/api/orders/{number}?token={token}"))
        .await;
    assert_eq!(order.json()["status"], "paid");
    assert_eq!(shop.stock().await, (4, 0, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_webhook_whose_order_update_failed_is_finished_by_the_redelivery() {
    let shop = shop(5).await;
    let a = shop.awaiting_action("key-wh-retry").await;
    let pay_id = a.pay_id.as_str();
    let guest_order = || {
        let path = format!("/api/orders/{}?token={}", a.number, a.token);
        let app = &shop.app;
        async move { app.get(&path).await.json() }
    };

    // The 3-D Secure challenge is completed at the provider, which reports it by webhook;
    // payments records the success, then marking the order paid fails.
    let event = payments::event(
        "evt_wh_retry_1",
        "payment_intent.succeeded",
        payments::intent(&a.reference, "succeeded", a.amount, pay_id),
    );
    shop.app.fail_next_statement("UPDATE orders_orders");
    let first = webhook(&shop.app, &event, Some(&signed(&event))).await;
    assert!(shop.app.disarm_fault(), "the order update was reached");
    assert_eq!(
        first.status,
        503,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    check_response("POST", "/api/payments/webhooks/test", &first);
    assert_eq!(
        stored_payment(&shop.app, pay_id).await.status,
        payments::PaymentStatus::Succeeded
    );
    let order = guest_order().await;
    assert_eq!(order["status"], "pending_payment");
    assert_eq!(shop.stock().await, (5, 1, 4));

    // The provider delivers the very same event again: the order is paid and its stock
    // committed, although payments has seen the event before.
    let r = webhook(&shop.app, &event, Some(&signed(&event))).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    check_response("POST", "/api/payments/webhooks/test", &r);
    assert_eq!(r.json()["replayed"], true);
    assert_eq!(r.json()["events"], 1);
    let paid = guest_order().await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(shop.stock().await, (4, 0, 4));
    let payment = stored_payment(&shop.app, pay_id).await;
    assert_eq!(payment.status, payments::PaymentStatus::Succeeded);
    assert_eq!(payment.amount_captured.amount, a.amount);
    assert_eq!(payment.amount_refunded.amount, 0);
    let order_id = shop
        .app
        .orders()
        .await
        .get_order_by_number(a.number)
        .await
        .unwrap()
        .id;
    let history = shop.app.orders().await.history(&order_id).await;

    // Further replays change nothing: no second history entry, no money moved.
    for _ in 0..2 {
        let r = webhook(&shop.app, &event, Some(&signed(&event))).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["replayed"], true);
    }
    assert_eq!(shop.app.orders().await.history(&order_id).await, history);
    assert_eq!(guest_order().await, paid);
    assert_eq!(stored_payment(&shop.app, pay_id).await, payment);
    assert_eq!(shop.stock().await, (4, 0, 4));
    assert_eq!(payments_of(&shop.app, &order_id).await, vec![payment]);

    // The storefront's own retry finds the order paid.
    let done = shop.checkout("key-wh-retry", &a.body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
    assert_eq!(shop.stock().await, (4, 0, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_webhook_cancels_the_unpaid_order_and_releases_the_stock() {
    let shop = shop(5).await;
    let cart = shop.cart(2).await;
    let body = shop.body(&cart, CARD_3DS);
    let r = shop.checkout("key-wh-fail", &body).await;
    assert_eq!(r.status, 202);
    let v = r.json();
    let pay_id = v["payment"]["id"].as_str().unwrap();
    let amount = v["payment"]["amount"]["amount"].as_i64().unwrap();
    let reference = stored_payment(&shop.app, pay_id)
        .await
        .provider_reference
        .unwrap();
    assert_eq!(shop.stock().await, (5, 2, 3));
    let mut object = payments::intent(&reference, "requires_payment_method", amount, pay_id);
    object["last_payment_error"] = json!({
        "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds."
    });
    let event = payments::event("evt_wh_fail_1", "payment_intent.payment_failed", object);
    let r = webhook(&shop.app, &event, Some(&signed(&event))).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(shop.stock().await, (5, 0, 5));
    assert_eq!(shop.orders_with(OrderStatus::Cancelled).await, 1);
    // The storefront's retry learns the outcome and charges nothing.
    let r = shop.checkout("key-wh-fail", &body).await;
    assert_eq!(r.status, 402, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["decline_code"], "insufficient_funds");
    assert_eq!(shop.stock().await, (5, 0, 5));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 0);
    // A late success for the failed payment cannot pay the cancelled order.
    let event = payments::event(
        "evt_wh_fail_2",
        "payment_intent.succeeded",
        payments::intent(&reference, "succeeded", amount, pay_id),
    );
    let r = webhook(&shop.app, &event, Some(&signed(&event))).await;
    assert_eq!(r.status, 200);
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 0);
    assert_eq!(shop.stock().await, (5, 0, 5));
}

/// The payments of `order_id`, as the payments component stores them.
async fn payments_of(app: &TestApp, order_id: &str) -> Vec<payments::Payment> {
    let mut lib = app
        .app
        .instantiate_library(&commerce_tests::wasm("payments"), "checkout-api")
        .await
        .expect("the payments component instantiates");
    let bindings = payments::PaymentsComponent::new(&mut lib.store, &lib.instance).unwrap();
    bindings
        .commerce_payments_payments_admin()
        .call_list_payments(
            &mut lib.store,
            &payments::PaymentFilter {
                status: None,
                order_id: Some(order_id.to_owned()),
            },
            &payments::PageRequest {
                after: None,
                limit: 0,
            },
        )
        .await
        .expect("no trap")
        .expect("payments listed")
        .items
}

/// Crashes (or fails) the checkout at every SQLite call in turn: run `n` fails the `n`th
/// call matching `matching` after the checkout starts. After each, a retry with the same key
/// and body must reach a consistent end: paid with one succeeded, unrefunded payment and the
/// unit committed (a good card), or declined with no charge and the unit released.
/// Returns how many runs had the fault fire.
async fn crash_sweep(matching: &str, action: FaultAction, card: &str) -> u32 {
    let shop = shop(1000).await;
    let db = shop.app.state.path().join("sqlite_db.db");
    let good_card = card == CARD_OK;
    let mut sold = 0;
    let mut n = 1;
    loop {
        let cart = shop.cart(1).await;
        let body = shop.body(&cart, card);
        let key = format!("crash-{n}");
        faults::arm_sqlite(
            &db,
            SqliteFault {
                matching: matching.to_owned(),
                nth: n,
                action,
            },
        );
        let first = shop.checkout(&key, &body).await;
        let fired = faults::disarm(&db);
        if fired && action == FaultAction::Trap {
            assert_eq!(first.status, 500, "run {n}: a crashed request is a 500");
        }
        let retry = shop.checkout(&key, &body).await;
        if good_card {
            assert_eq!(
                retry.status,
                201,
                "run {n} (fired: {fired}, first {}): {}",
                first.status,
                String::from_utf8_lossy(&retry.body)
            );
            sold += 1;
            let v = retry.json();
            assert_eq!(v["order"]["status"], "paid", "run {n}");
            let order_id = v["order"]["id"].as_str().unwrap();
            let pays = payments_of(&shop.app, order_id).await;
            assert_eq!(pays.len(), 1, "run {n}: one payment per order");
            assert_eq!(pays[0].status, payments::PaymentStatus::Succeeded);
            assert_eq!(pays[0].amount_refunded.amount, 0, "run {n}");
            // Once more: the same answer.
            let third = shop.checkout(&key, &body).await;
            assert_eq!(third.status, 201);
            assert_eq!(third.json()["order"]["id"], v["order"]["id"]);
            assert_eq!(third.json()["payment"]["id"], v["payment"]["id"]);
        } else {
            assert_eq!(
                retry.status,
                402,
                "run {n} (fired: {fired}): {}",
                String::from_utf8_lossy(&retry.body)
            );
        }
        assert_eq!(
            shop.stock().await,
            (1000 - sold, 0, 1000 - sold),
            "run {n}: stock committed exactly once per sale and nothing left reserved"
        );
        assert_eq!(
            shop.orders_with(OrderStatus::Paid).await,
            sold as usize,
            "run {n}"
        );
        assert_eq!(
            shop.orders_with(OrderStatus::PendingPayment).await,
            0,
            "run {n}"
        );
        if !fired {
            return n - 1;
        }
        n += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_any_statement_of_a_checkout_is_finished_by_a_retry() {
    let runs = crash_sweep("", FaultAction::Trap, CARD_OK).await;
    eprintln!("crash points: {runs}");
    // Every statement of the whole saga was a crash point (reads, writes, BEGIN, COMMIT).
    assert!(runs > 20, "only {runs} crash points");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_in_a_declined_checkout_never_charges_and_releases_the_stock() {
    let runs = crash_sweep("", FaultAction::Trap, CARD_DECLINED).await;
    assert!(runs > 10, "only {runs} crash points");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_commit_anywhere_in_a_checkout_is_finished_by_a_retry() {
    let runs = crash_sweep("COMMIT", FaultAction::Error, CARD_OK).await;
    assert!(runs > 3, "only {runs} commits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_reservation_is_taken_again_or_the_charge_is_refunded() {
    let shop = shop(2).await;
    // A 3-D Secure checkout holds one unit; its hold is then lost (as on expiry).
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_3DS);
    let r = shop.checkout("key-lapse-1", &body).await;
    assert_eq!(r.status, 202);
    let order_id = r.json()["order"]["id"].as_str().unwrap().to_owned();
    let reservation = shop
        .app
        .orders()
        .await
        .get_order(&order_id)
        .await
        .unwrap()
        .snapshot
        .reservation_id
        .unwrap();
    shop.app
        .inventory()
        .await
        .release(&reservation)
        .await
        .unwrap();
    assert_eq!(shop.stock().await, (2, 0, 2));
    // Completing it takes the stock again and sells it.
    let done = shop.checkout("key-lapse-1", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(shop.stock().await, (1, 0, 1));

    // The same, but the last unit is sold to someone else meanwhile: the shopper's charge
    // is refunded and the order cancelled, never a payment without an order.
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_3DS);
    let r = shop.checkout("key-lapse-2", &body).await;
    assert_eq!(r.status, 202);
    let order_id = r.json()["order"]["id"].as_str().unwrap().to_owned();
    let mut orders = shop.app.orders().await;
    let reservation = orders
        .get_order(&order_id)
        .await
        .unwrap()
        .snapshot
        .reservation_id
        .unwrap();
    shop.app
        .inventory()
        .await
        .release(&reservation)
        .await
        .unwrap();
    let other = shop.cart(1).await;
    let sold = shop
        .checkout("key-lapse-other", &shop.body(&other, CARD_OK))
        .await;
    assert_eq!(sold.status, 201);
    let r = shop.checkout("key-lapse-2", &body).await;
    assert_eq!(r.status, 409, "{}", String::from_utf8_lossy(&r.body));
    assert!(problem_type(&r).ends_with("/out-of-stock"));
    assert!(r.json()["detail"].as_str().unwrap().contains("refunded"));
    let order = orders.get_order(&order_id).await.unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(
        order.refunded_total.amount,
        order.snapshot.grand_total.amount
    );
    let pays = payments_of(&shop.app, &order_id).await;
    assert_eq!(pays.len(), 1);
    assert_eq!(pays[0].status, payments::PaymentStatus::Succeeded);
    assert_eq!(pays[0].amount_refunded, pays[0].amount_captured);
    assert_eq!(shop.stock().await, (0, 0, 0));
    // A retry answers the same and refunds nothing more.
    let again = shop.checkout("key-lapse-2", &body).await;
    assert_eq!(again.status, 409);
    let pays = payments_of(&shop.app, &order_id).await;
    assert_eq!(pays[0].amount_refunded, pays[0].amount_captured);
}

/// `POST /admin/orders/{order_id}/cancel`, as the shop owner.
async fn admin_cancel(app: &TestApp, order_id: &str) -> TestResponse {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    send(
        app,
        "POST",
        &format!("/admin/orders/{order_id}/cancel"),
        &[("authorization", &auth)],
        Vec::new(),
    )
    .await
}

impl Shop {
    /// The stock movements of the shop's variant with `reason`.
    async fn movements(&self, reason: MovementReason) -> usize {
        self.app
            .inventory()
            .await
            .list_movements(
                &MovementFilter {
                    variant_id: Some(self.variant.clone()),
                    reason: Some(reason),
                    since: None,
                },
                &commerce_tests::inventory::PageRequest {
                    after: None,
                    limit: 100,
                },
            )
            .await
            .expect("movements")
            .items
            .len()
    }

    /// The reservation order `order_id` stands on now.
    async fn reservation_of(&self, order_id: &str) -> String {
        let order = self.app.orders().await.get_order(order_id).await.unwrap();
        order.reservation_id.expect("the order names a reservation")
    }

    /// Cancels paid order `order_id` through the admin API and checks that its one unit
    /// went back on hand with a `cancellation` movement: `on_hand` before the cancel.
    async fn cancel_restocks(&self, order_id: &str, on_hand: u32) {
        let r = admin_cancel(&self.app, order_id).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        assert_eq!(v["order"]["status"], "cancelled");
        assert_eq!(v["reservation"]["status"], "committed");
        assert_eq!(v["movements"].as_array().unwrap().len(), 1);
        assert_eq!(v["movements"][0]["reason"], "cancellation");
        assert_eq!(v["movements"][0]["delta"], 1);
        assert_eq!(self.stock().await, (on_hand + 1, 0, on_hand + 1));
        assert_eq!(self.movements(MovementReason::Cancellation).await, 1);
        // The refund went back too.
        assert_eq!(v["refund"]["status"], "succeeded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_whose_hold_was_taken_again_is_restocked_when_cancelled() {
    let shop = shop(5).await;
    // A 3-D Secure checkout holds one unit; its hold is released meanwhile (a failure
    // webhook of an earlier payment does that).
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_3DS);
    let r = shop.checkout("key-retaken", &body).await;
    assert_eq!(r.status, 202);
    let order_id = r.json()["order"]["id"].as_str().unwrap().to_owned();
    let first = shop.reservation_of(&order_id).await;
    shop.app.inventory().await.release(&first).await.unwrap();
    let done = shop.checkout("key-retaken", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(shop.stock().await, (4, 0, 4));
    // The order names the reservation that was sold, and says so in its history.
    let order = shop.app.orders().await.get_order(&order_id).await.unwrap();
    let sold = order.reservation_id.clone().unwrap();
    assert_ne!(sold, first);
    assert_eq!(
        order.snapshot.reservation_id.as_deref(),
        Some(first.as_str())
    );
    let reservation = shop.app.inventory().await.get_reservation(&sold).await;
    assert_eq!(reservation.unwrap().status, ReservationStatus::Committed);
    let history = shop.app.orders().await.history(&order_id).await;
    assert!(
        history
            .iter()
            .any(|e| e.note.as_deref().is_some_and(|n| n.contains(&sold))),
        "{history:?}"
    );
    // A retry finds everything done.
    assert_eq!(shop.checkout("key-retaken", &body).await.status, 201);
    assert_eq!(shop.stock().await, (4, 0, 4));
    shop.cancel_restocks(&order_id, 4).await;
}

/// The checkout's hold is set to the inventory's shortest (60 s) by the Spin variable and
/// the test waits for it to lapse for real: about a minute, spent concurrently with the
/// other tests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_hold_is_taken_again_and_a_cancel_after_payment_restocks_it() {
    let app = spawn_app_with(&[
        ("payments_test_webhook_secret", WEBHOOK_SECRET),
        ("checkout_reservation_ttl_seconds", "60"),
    ]);
    let shop = shop_in(app, 5).await;
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_3DS);
    let r = shop.checkout("key-expired", &body).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let order_id = r.json()["order"]["id"].as_str().unwrap().to_owned();
    let first = shop.reservation_of(&order_id).await;
    let held = shop.app.inventory().await.get_reservation(&first).await;
    let held = held.unwrap();
    assert_eq!(held.expires_at - held.created_at, 60_000);
    // The shopper takes longer than the hold over the 3-D Secure challenge.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = shop.app.inventory().await.get_reservation(&first).await;
        if r.unwrap().status == ReservationStatus::Expired {
            break;
        }
        assert!(Instant::now() < deadline, "the reservation never expired");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(shop.stock().await, (5, 0, 5));
    let done = shop.checkout("key-expired", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(done.json()["order"]["status"], "paid");
    assert_eq!(shop.stock().await, (4, 0, 4));
    assert_eq!(shop.movements(MovementReason::Sale).await, 1);
    assert_ne!(shop.reservation_of(&order_id).await, first);
    shop.cancel_restocks(&order_id, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_between_mark_paid_and_the_stock_commit_never_leaves_units_sold() {
    let shop = shop(5).await;
    let db = shop.app.state.path().join("sqlite_db.db");
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_OK);
    // The first attempt is charged and marked paid, then its stock commit fails.
    faults::arm_sqlite(
        &db,
        SqliteFault {
            matching: "UPDATE inventory_stock SET on_hand = on_hand -".into(),
            nth: 1,
            action: FaultAction::Error,
        },
    );
    let first = shop.checkout("key-race", &body).await;
    assert!(faults::disarm(&db));
    assert_eq!(
        first.status,
        503,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
    assert_eq!(shop.stock().await, (5, 1, 4));
    // The shop's first order.
    let order = shop.app.orders().await.get_order_by_number(1001).await;
    let order_id = order.unwrap().id;
    // The retry reads the paid order, then its payment, then commits the stock. It is held
    // at the payment's read, and the shop owner cancels the order in that gap.
    faults::hold_sqlite(&db, "FROM payments_payments", 1);
    let app = shop.app.clone();
    let retry_body = body.clone();
    let retry = tokio::spawn(async move { checkout(&app, "key-race", &retry_body).await });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !faults::fired(&db) {
        assert!(
            Instant::now() < deadline,
            "the retry never reached the hold"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cancel = admin_cancel(&shop.app, &order_id).await;
    assert_eq!(
        cancel.status,
        200,
        "{}",
        String::from_utf8_lossy(&cancel.body)
    );
    // The hold was not yet committed: the cancel gave it back and refunded the charge.
    assert_eq!(cancel.json()["reservation"]["status"], "released");
    assert_eq!(cancel.json()["movements"], json!([]));
    assert_eq!(cancel.json()["refund"]["status"], "succeeded");
    assert_eq!(shop.stock().await, (5, 0, 5));
    assert!(faults::disarm(&db));
    let retry = retry.await.unwrap();
    // The checkout finds its hold released for a cancelled order and takes no stock again.
    assert_eq!(
        retry.status,
        201,
        "{}",
        String::from_utf8_lossy(&retry.body)
    );
    assert_eq!(retry.json()["order"]["status"], "cancelled");
    assert_eq!(shop.stock().await, (5, 0, 5));
    assert_eq!(shop.movements(MovementReason::Sale).await, 0);
    let order = shop.app.orders().await.get_order(&order_id).await.unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(order.refunded_total, order.snapshot.grand_total);
    // Nor does a retry or a late success webhook.
    assert_eq!(shop.checkout("key-race", &body).await.status, 201);
    assert_eq!(shop.stock().await, (5, 0, 5));
}

// --- the Stripe provider over HTTP, against the local fake Stripe -------------------------

/// The shop of [`shop`] whose payments go to the fake Stripe: the same variables the
/// payments component's tests use (`stripe_secret_key`, `stripe_api_base` pointing at the
/// fake), and checkout-api granted `http://127.0.0.1:*` instead of `https://api.stripe.com`,
/// its only change to spin.toml.
async fn stripe_shop(stripe: &fake::Fake, stock: i32) -> Shop {
    let grant_the_fake = |text: String| fake::grant(text, "checkout-api");
    let app = spawn_edited_app(
        grant_the_fake,
        &[
            ("payments_test_webhook_secret", WEBHOOK_SECRET),
            ("stripe_webhook_secret", payments::STRIPE_WEBHOOK_SECRET),
            ("stripe_secret_key", payments::STRIPE_SECRET_KEY),
            ("stripe_api_base", &stripe.base),
        ],
    );
    shop_in(app, stock).await
}

/// The requests the fake Stripe got that create a PaymentIntent, and their
/// `Idempotency-Key`s.
fn intent_creates(stripe: &fake::Fake) -> Vec<Option<String>> {
    stripe
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST" && s.path == "/v1/payment_intents")
        .map(|s| s.idempotency_key)
        .collect()
}

fn intents(stripe: &fake::Fake) -> Vec<Value> {
    stripe
        .state
        .lock()
        .unwrap()
        .intents
        .values()
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_checkout_pays_over_the_wire_and_a_retry_makes_no_second_payment_intent() {
    let stripe = fake::start().await;
    let shop = stripe_shop(&stripe, 10).await;
    let cart = shop.cart(2).await;
    let body = shop.stripe_body(&cart, "pm_card_visa");
    let r = shop.checkout("key-stripe-ok", &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["status"], "paid");
    assert_eq!(v["order"]["status"], "paid");
    assert_eq!(v["payment"]["status"], "succeeded");
    assert_eq!(v["payment"]["card"]["last4"], "4242");
    assert_eq!(shop.stock().await, (8, 0, 8));

    // One PaymentIntent, for the order's total, created and confirmed with Idempotency-Keys.
    let made = intents(&stripe);
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["amount"], 4488);
    assert_eq!(made[0]["currency"], "eur");
    assert_eq!(made[0]["status"], "succeeded");
    assert_eq!(made[0]["metadata"]["payment_id"], v["payment"]["id"]);
    let creates = intent_creates(&stripe);
    assert_eq!(creates.len(), 1);
    assert!(creates[0].is_some());
    let confirm = format!(
        "/v1/payment_intents/{}/confirm",
        made[0]["id"].as_str().unwrap()
    );
    assert!(
        stripe
            .seen()
            .iter()
            .any(|s| s.path == confirm && s.idempotency_key.is_some())
    );
    assert!(
        stripe.seen().iter().all(|s| s.field("number").is_none()),
        "no card number ever goes to Stripe"
    );

    // The same key and body: the same answer, and Stripe is not asked to create again.
    let again = shop.checkout("key-stripe-ok", &body).await;
    assert_eq!(
        again.status,
        201,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert_eq!(again.json()["order"]["id"], v["order"]["id"]);
    assert_eq!(again.json()["payment"]["id"], v["payment"]["id"]);
    assert_eq!(intent_creates(&stripe).len(), 1);
    assert_eq!(intents(&stripe).len(), 1);
    assert_eq!(shop.stock().await, (8, 0, 8));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_decline_is_answered_again_on_retry_without_a_second_payment_intent() {
    let stripe = fake::start().await;
    let shop = stripe_shop(&stripe, 3).await;
    let cart = shop.cart(2).await;
    let body = shop.stripe_body(&cart, "pm_card_chargeDeclinedInsufficientFunds");
    let r = shop.checkout("key-stripe-declined", &body).await;
    assert_eq!(r.status, 402, "{}", String::from_utf8_lossy(&r.body));
    assert!(problem_type(&r).ends_with("/payment-declined"));
    assert_eq!(r.json()["decline_code"], "insufficient_funds");
    assert_eq!(intents(&stripe).len(), 1);
    assert_eq!(intents(&stripe)[0]["status"], "requires_payment_method");
    assert_eq!(shop.stock().await, (3, 0, 3));
    assert_eq!(shop.orders_with(OrderStatus::Cancelled).await, 1);
    let seen = stripe.seen().len();

    // A retry with the same key: the same refusal, and Stripe hears nothing of it.
    let again = shop.checkout("key-stripe-declined", &body).await;
    assert_eq!(
        again.status,
        402,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert_eq!(again.json()["decline_code"], "insufficient_funds");
    assert_eq!(stripe.seen().len(), seen);
    assert_eq!(intent_creates(&stripe).len(), 1);
    assert_eq!(intents(&stripe).len(), 1);
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 0);

    // Another card is another attempt under a new key: a new PaymentIntent, paid.
    let ok = shop
        .checkout(
            "key-stripe-declined-2",
            &shop.stripe_body(&cart, "pm_card_visa"),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(intents(&stripe).len(), 2);
    let creates = intent_creates(&stripe);
    assert_eq!(creates.len(), 2);
    assert_ne!(creates[0], creates[1]);
    assert_eq!(shop.stock().await, (1, 0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_stripe_answer_is_recovered_by_a_retry_with_the_same_key() {
    let stripe = fake::start().await;
    let shop = stripe_shop(&stripe, 5).await;
    let cart = shop.cart(1).await;
    let body = shop.stripe_body(&cart, "pm_card_visa");
    // Stripe creates the PaymentIntent but its answer is lost: the shopper is told to retry.
    stripe.state.lock().unwrap().lose_next_create = true;
    let r = shop.checkout("key-stripe-lost", &body).await;
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(intents(&stripe).len(), 1);
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 0);

    // The retry sends the create again under the same Idempotency-Key; Stripe replays its
    // first answer, so there is still one PaymentIntent, and the checkout completes.
    let done = shop.checkout("key-stripe-lost", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    let creates = intent_creates(&stripe);
    assert_eq!(creates.len(), 2);
    assert!(creates[0].is_some());
    assert_eq!(creates[0], creates[1]);
    assert_eq!(intents(&stripe).len(), 1);
    assert_eq!(intents(&stripe)[0]["status"], "succeeded");
    let order = done.json()["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(payments_of(&shop.app, &order).await.len(), 1);
    assert_eq!(shop.stock().await, (4, 0, 4));
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_3ds_checkout_answers_202_and_the_same_request_completes_it() {
    let stripe = fake::start().await;
    let shop = stripe_shop(&stripe, 4).await;
    let cart = shop.cart(1).await;
    let body = shop.stripe_body(&cart, "pm_card_threeDSecure2Required");
    let r = shop.checkout("key-stripe-3ds", &body).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["status"], "requires_action");
    assert_eq!(v["payment"]["next_action"]["type"], "provider_sdk");
    assert_eq!(shop.stock().await, (4, 1, 3));
    // The shopper has finished the challenge; the same request asks Stripe and finishes.
    let done = shop.checkout("key-stripe-3ds", &body).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(done.json()["order"]["id"], v["order"]["id"]);
    assert_eq!(intent_creates(&stripe).len(), 1);
    assert_eq!(intents(&stripe).len(), 1);
    assert_eq!(shop.stock().await, (3, 0, 3));
}

// --- A cart is bought once -----------------------------------------------------------------

/// Every payment the payments component holds (any order), through checkout-api's grants.
async fn all_payments(app: &TestApp) -> Vec<payments::Payment> {
    let mut lib = app
        .app
        .instantiate_library(&commerce_tests::wasm("payments"), "checkout-api")
        .await
        .unwrap();
    let bindings = payments::PaymentsComponent::new(&mut lib.store, &lib.instance).unwrap();
    bindings
        .commerce_payments_payments_admin()
        .call_list_payments(
            &mut lib.store,
            &payments::PaymentFilter {
                status: None,
                order_id: None,
            },
            &payments::PageRequest {
                after: None,
                limit: 100,
            },
        )
        .await
        .expect("no trap")
        .expect("payments listed")
        .items
}

impl Shop {
    /// `n` more products with 1000 units each of their first variant; those variants.
    async fn more_variants(&self, n: usize) -> Vec<String> {
        let mut catalog = self.app.catalog().await;
        let mut inventory = self.app.inventory().await;
        let mut variants = Vec::new();
        for i in 0..n {
            let p = catalog
                .create_product(product(&format!("extra-{i}"), 500 + i as i64, vec![]))
                .await;
            let v = p.variants[0].id.clone();
            inventory.receive(&v, 1000).await;
            variants.push(v);
        }
        variants
    }

    /// A new EUR cart with one unit of each of `variants`; its token.
    async fn cart_of(&self, variants: &[String]) -> String {
        let created = send(
            &self.app,
            "POST",
            "/api/carts",
            &[("content-type", "application/json")],
            json!({"currency": "EUR"}).to_string().into_bytes(),
        )
        .await;
        let token = created.json()["token"].as_str().unwrap().to_owned();
        for v in variants {
            let added = self.add(&token, v, 1).await;
            assert_eq!(
                added.status,
                200,
                "{}",
                String::from_utf8_lossy(&added.body)
            );
        }
        token
    }

    async fn add(&self, cart: &str, variant: &str, quantity: u32) -> TestResponse {
        send(
            &self.app,
            "POST",
            "/api/cart/lines",
            &[("content-type", "application/json"), ("cart-token", cart)],
            json!({"variant_id": variant, "quantity": quantity})
                .to_string()
                .into_bytes(),
        )
        .await
    }

    async fn on_hand(&self, variant: &str) -> (u32, u32) {
        let s = self.app.inventory().await.stock(variant).await;
        (s.on_hand, s.reserved)
    }
}

/// 10 carts (1 to 20 lines each), 16 simultaneous checkouts of each with 16 keys, all at
/// once: each cart is bought once (one order, one payment, its stock taken once), and the
/// 15 others of each cart are told 409, naming the order once it exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_keys_racing_for_each_of_ten_carts_buy_each_cart_once() {
    const CARTS: usize = 10;
    const KEYS: usize = 16;
    let shop = shop(10).await;
    let variants = shop.more_variants(20).await;
    let mut carts = Vec::new();
    for c in 0..CARTS {
        let lines = 1 + c * 19 / (CARTS - 1); // 1 ..= 20
        carts.push((shop.cart_of(&variants[..lines]).await, lines));
    }
    let mut tasks = Vec::new();
    for (c, (cart, _)) in carts.iter().enumerate() {
        for k in 0..KEYS {
            let app = shop.app.clone();
            let body = shop.body(cart, CARD_OK);
            tasks.push(tokio::spawn(async move {
                (
                    c,
                    checkout_as_a_client(&app, &format!("race-{c}-{k}"), &body).await,
                )
            }));
        }
    }
    let mut paid: Vec<Vec<Value>> = vec![Vec::new(); CARTS];
    let mut refused: Vec<Vec<Value>> = vec![Vec::new(); CARTS];
    for t in tasks {
        let (c, r) = t.await.unwrap();
        match r.status {
            201 => paid[c].push(r.json()),
            409 => {
                check_response("POST", "/api/checkout", &r);
                let kind = problem_type(&r);
                assert!(
                    kind.ends_with("/checkout-in-progress") || kind.ends_with("/cart-ordered"),
                    "{kind}"
                );
                refused[c].push(r.json());
            }
            other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&r.body)),
        }
    }
    let mut numbers = std::collections::BTreeSet::new();
    for c in 0..CARTS {
        assert_eq!(paid[c].len(), 1, "cart {c}: one paid checkout");
        assert_eq!(refused[c].len(), KEYS - 1, "cart {c}");
        let order = &paid[c][0]["order"];
        assert_eq!(order["lines"].as_array().unwrap().len(), carts[c].1);
        numbers.insert(order["number"].as_u64().unwrap());
        for r in &refused[c] {
            if r["type"].as_str().unwrap().ends_with("/cart-ordered") {
                assert_eq!(
                    r["order_number"], order["number"],
                    "cart {c}: names its order"
                );
            }
        }
        let pays = payments_of(&shop.app, order["id"].as_str().unwrap()).await;
        assert_eq!(pays.len(), 1, "cart {c}: one payment");
    }
    assert_eq!(numbers.len(), CARTS);
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, CARTS);
    assert_eq!(shop.orders_with(OrderStatus::PendingPayment).await, 0);
    assert_eq!(shop.orders_with(OrderStatus::Cancelled).await, 0);
    assert_eq!(
        all_payments(&shop.app).await.len(),
        CARTS,
        "one charge per cart"
    );
    // Variant v is in every cart with more than v lines: taken once per such cart.
    for (v, variant) in variants.iter().enumerate() {
        let carts_with = carts.iter().filter(|(_, lines)| *lines > v).count() as u32;
        assert_eq!(
            shop.on_hand(variant).await,
            (1000 - carts_with, 0),
            "variant {v}"
        );
    }
    // Afterwards, any other key is told the order, by number.
    for (c, (cart, _)) in carts.iter().enumerate() {
        let late = shop
            .checkout(&format!("late-{c}"), &shop.body(cart, CARD_OK))
            .await;
        assert_eq!(late.status, 409);
        assert!(problem_type(&late).ends_with("/cart-ordered"));
        assert_eq!(late.json()["order_number"], paid[c][0]["order"]["number"]);
    }
}

/// A declined checkout gives the cart back: the cart can be changed, and a new key pays it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_checkout_gives_the_cart_back_for_a_new_key() {
    let shop = shop(10).await;
    let cart = shop.cart(1).await;
    let declined = shop
        .checkout("decline-1", &shop.body(&cart, CARD_DECLINED))
        .await;
    assert_eq!(declined.status, 402);
    let open = shop
        .app
        .get_with("/api/cart", &[("cart-token", &cart)])
        .await;
    assert_eq!(open.json()["checkout"], Value::Null, "released");
    // The shopper changes the cart, then pays with a new key.
    assert_eq!(shop.add(&cart, &shop.variant, 1).await.status, 200);
    let paid = shop.checkout("decline-2", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(paid.status, 201, "{}", String::from_utf8_lossy(&paid.body));
    assert_eq!(paid.json()["order"]["lines"][0]["quantity"], 2);
    assert_eq!(shop.stock().await, (8, 0, 8));
    // The declined key still answers as it did.
    let again = shop
        .checkout("decline-1", &shop.body(&cart, CARD_DECLINED))
        .await;
    assert_eq!(again.status, 402);
    // And another key is told the order.
    let late = shop.checkout("decline-3", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(late.status, 409);
    assert_eq!(late.json()["order_number"], paid.json()["order"]["number"]);
}

/// While a checkout holds the cart (3-D Secure pending), its lines cannot change and another
/// key is told a checkout is in progress; once the checkout ends refused, both work again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cart_writes_during_a_checkout_are_refused_and_work_after_it_ends() {
    let shop = shop(10).await;
    let cart = shop.cart(1).await;
    let pending = shop
        .checkout("held-1", &shop.body(&cart, CARD_3DS_DECLINED))
        .await;
    assert_eq!(
        pending.status,
        202,
        "{}",
        String::from_utf8_lossy(&pending.body)
    );
    let view = shop
        .app
        .get_with("/api/cart", &[("cart-token", &cart)])
        .await;
    check_response("GET", "/api/cart", &view);
    assert_eq!(view.json()["checkout"]["status"], "in_progress");
    let line = view.json()["lines"][0]["id"].as_str().unwrap().to_owned();

    let add = shop.add(&cart, &shop.variant, 1).await;
    let patch = send(
        &shop.app,
        "PATCH",
        &format!("/api/cart/lines/{line}"),
        &[("content-type", "application/json"), ("cart-token", &cart)],
        json!({"quantity": 3}).to_string().into_bytes(),
    )
    .await;
    let remove = send(
        &shop.app,
        "DELETE",
        &format!("/api/cart/lines/{line}"),
        &[("cart-token", &cart)],
        Vec::new(),
    )
    .await;
    for (what, r) in [("add", &add), ("patch", &patch), ("remove", &remove)] {
        assert_eq!(
            r.status,
            409,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(problem_type(r).ends_with("/conflict"), "{what}");
        assert!(r.json()["detail"].as_str().unwrap().contains("in progress"));
    }
    check_response("POST", "/api/cart/lines", &add);
    check_response("PATCH", "/api/cart/lines/{line_id}", &patch);
    let other = shop.checkout("held-2", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(other.status, 409);
    assert!(problem_type(&other).ends_with("/checkout-in-progress"));
    check_response("POST", "/api/checkout", &other);
    assert_eq!(shop.orders_with(OrderStatus::PendingPayment).await, 1);

    // The shopper fails the challenge: the same request again ends the checkout refused.
    let ended = shop
        .checkout("held-1", &shop.body(&cart, CARD_3DS_DECLINED))
        .await;
    assert_eq!(
        ended.status,
        402,
        "{}",
        String::from_utf8_lossy(&ended.body)
    );
    assert_eq!(shop.add(&cart, &shop.variant, 1).await.status, 200);
    let paid = shop.checkout("held-3", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(paid.status, 201, "{}", String::from_utf8_lossy(&paid.body));
    assert_eq!(paid.json()["order"]["lines"][0]["quantity"], 2);
    let after = shop.add(&cart, &shop.variant, 1).await;
    assert_eq!(after.status, 409, "an ordered cart never changes");
    assert!(after.json()["detail"].as_str().unwrap().contains("ordered"));
}

/// A checkout that stops before any order (an empty cart, an unusable shipping method)
/// stores nothing and gives the cart back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_refused_before_its_plan_gives_the_cart_back() {
    let shop = shop(10).await;
    let cart = shop.cart(1).await;
    let mut body = shop.body(&cart, CARD_OK);
    body["shipping_method_id"] = json!("ship_UNKNOWN0000000000000000");
    let r = shop.checkout("plan-1", &body).await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    let view = shop
        .app
        .get_with("/api/cart", &[("cart-token", &cart)])
        .await;
    assert_eq!(view.json()["checkout"], Value::Null);
    let paid = shop.checkout("plan-2", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(paid.status, 201, "{}", String::from_utf8_lossy(&paid.body));
}

/// What a purchase costs the store, counted by the host for this app: a checkout makes at
/// most one SQLite connection per component of its composition (checkout-api itself, for
/// its checkout records, the six capabilities of the purchase and the limits), however many
/// calls the saga makes, and reading the cart afterwards writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_opens_at_most_one_connection_per_capability_and_a_cart_read_writes_nothing() {
    let shop = shop(10).await;
    // The first purchase migrates the orders' and payments' tables.
    let first = shop.cart(1).await;
    let r = shop
        .checkout("key-cost-1", &shop.body(&first, CARD_OK))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());

    let cart = shop.cart(1).await;
    let before = shop.app.app.storage_counts();
    let r = shop
        .checkout("key-cost-2", &shop.body(&cart, CARD_OK))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cost = shop.app.app.storage_counts().since(&before);
    assert!(
        (1..=8).contains(&cost.sqlite_connections),
        "a checkout made {} connections for 8 components: {cost:?}",
        cost.sqlite_connections
    );
    assert!(cost.sqlite_write_transactions > 0, "{cost:?}");

    let before = shop.app.app.storage_counts();
    let read = send(
        &shop.app,
        "GET",
        "/api/cart",
        &[("cart-token", &cart)],
        vec![],
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text());
    let cost = shop.app.app.storage_counts().since(&before);
    assert_eq!(
        cost.sqlite_write_transactions, 0,
        "a cart read wrote: {cost:?}"
    );
    assert_eq!(
        cost.kv_writes, 0,
        "a cart read wrote to key-value: {cost:?}"
    );
}

/// The shop of [`shop`] with 10 in stock, whose identity hashes passwords cheaply.
pub(crate) async fn account_shop() -> Shop {
    shop_in(
        spawn_app_with(&[
            ("payments_test_webhook_secret", WEBHOOK_SECRET),
            ("identity_argon2_memory_kib", "64"),
            ("identity_argon2_iterations", "1"),
        ]),
        10,
    )
    .await
}

/// Registers and signs in a customer (with a cheap Argon2id cost set on the app); the
/// session token.
pub(crate) async fn signed_in_customer(app: &TestApp, email: &str) -> String {
    let json_body = |v: Value| v.to_string().into_bytes();
    let ct = [("content-type", "application/json")];
    let r = send(
        app,
        "POST",
        "/api/account/register",
        &ct,
        json_body(json!({"email": email, "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(
        app,
        "POST",
        "/api/account/sign-in",
        &ct,
        json_body(json!({"email": email, "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn signed_in_checkout(
    app: &TestApp,
    session: &str,
    key: &str,
    body: &Value,
) -> TestResponse {
    send(
        app,
        "POST",
        "/api/checkout",
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
            ("authorization", &format!("Bearer {session}")),
        ],
        body.to_string().into_bytes(),
    )
    .await
}

async fn get_as(app: &TestApp, session: &str, path: &str) -> TestResponse {
    let r = app
        .get_with(path, &[("authorization", &format!("Bearer {session}"))])
        .await;
    commerce_tests::openapi::check_response("GET", path, &r);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_checkout_places_the_order_for_the_customer_who_alone_sees_it() {
    let shop = account_shop().await;
    let ana = signed_in_customer(&shop.app, "ana@example.com").await;
    let bo = signed_in_customer(&shop.app, "bo@example.com").await;

    let cart = shop.cart(2).await;
    let r = signed_in_checkout(&shop.app, &ana, "key-ana-1", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let number = r.json()["order"]["number"].as_u64().unwrap();
    // A guest's order is nobody's.
    let guest_cart = shop.cart(1).await;
    let r = shop
        .checkout("key-guest-1", &shop.body(&guest_cart, CARD_OK))
        .await;
    assert_eq!(r.status, 201);
    let guest_number = r.json()["order"]["number"].as_u64().unwrap();

    let r = get_as(&shop.app, &ana, "/api/orders").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.headers["cache-control"], "no-store");
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["number"].as_u64(), Some(number));
    assert_eq!(items[0]["status"], "paid");
    let r = get_as(&shop.app, &ana, &format!("/api/orders/{number}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "paid");
    // Another customer sees neither her orders nor the guest's: the same 404.
    let r = get_as(&shop.app, &bo, "/api/orders").await;
    assert!(r.json()["items"].as_array().unwrap().is_empty());
    for n in [number, guest_number] {
        let r = get_as(&shop.app, &bo, &format!("/api/orders/{n}")).await;
        assert_eq!(r.status, 404, "{n}");
    }
    let r = get_as(&shop.app, &ana, &format!("/api/orders/{guest_number}")).await;
    assert_eq!(r.status, 404);
    // Without a session the list is a 401.
    let r = shop.app.get("/api/orders").await;
    assert_eq!(r.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_with_an_ended_session_is_refused_and_holds_nothing() {
    let shop = account_shop().await;
    let ana = signed_in_customer(&shop.app, "ana@example.com").await;
    let r = send(
        &shop.app,
        "POST",
        "/api/account/sign-out",
        &[("authorization", &format!("Bearer {ana}"))],
        Vec::new(),
    )
    .await;
    assert_eq!(r.status, 204);
    let cart = shop.cart(2).await;
    let body = shop.body(&cart, CARD_OK);
    let r = signed_in_checkout(&shop.app, &ana, "key-dead-1", &body).await;
    assert_eq!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
    // Nothing was held or taken: the same cart checks out as a guest, with the same key.
    assert_eq!(shop.stock().await, (10, 0, 10));
    let r = shop.checkout("key-dead-1", &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_exports_their_data_and_deletes_the_account_keeping_the_books() {
    let shop = account_shop().await;
    let ana = signed_in_customer(&shop.app, "ana@example.com").await;
    let cart = shop.cart(2).await;
    let r = signed_in_checkout(&shop.app, &ana, "key-export-1", &shop.body(&cart, CARD_OK)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let order = r.json()["order"].clone();
    let number = order["number"].as_u64().unwrap();

    let r = get_as(&shop.app, &ana, "/api/account/export").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let export = r.json();
    assert_eq!(export["customer"]["email"], "ana@example.com");
    assert_eq!(export["orders"].as_array().unwrap().len(), 1);
    assert_eq!(export["orders"][0]["number"].as_u64(), Some(number));
    assert_eq!(
        export["orders"][0]["shipping_address"]["name"],
        "Ada Lovelace"
    );
    assert!(
        !export.to_string().contains("stk_"),
        "no credential in an export"
    );

    let delete = |password: &'static str| {
        let app = shop.app.clone();
        let ana = ana.clone();
        async move {
            let r = send(
                &app,
                "DELETE",
                "/api/account",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &format!("Bearer {ana}")),
                ],
                json!({ "password": password }).to_string().into_bytes(),
            )
            .await;
            commerce_tests::openapi::check_response("DELETE", "/api/account", &r);
            r
        }
    };
    let r = delete("not the password").await;
    assert_eq!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
    let again = get_as(&shop.app, &ana, "/api/account/export").await.json();
    assert_eq!(
        again["orders"], export["orders"],
        "a refused deletion erases nothing"
    );

    let r = delete("correct horse battery").await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(get_as(&shop.app, &ana, "/api/account").await.status, 401);
    let r = send(
        &shop.app,
        "POST",
        "/api/account/sign-in",
        &[("content-type", "application/json")],
        json!({"email": "ana@example.com", "password": "correct horse battery"})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(r.status, 401, "the account is gone");

    // The owner's books keep the order, without who it was for.
    let admin = [(
        "authorization",
        format!("Bearer {}", commerce_tests::ADMIN_TOKEN),
    )];
    let admin: Vec<(&str, &str)> = admin.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let r = shop
        .app
        .get_with(&format!("/admin/orders/{number}"), &admin)
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let kept = r.json();
    let text = kept.to_string();
    assert!(
        !text.contains("ana@example.com") && !text.contains("Ada Lovelace"),
        "{text}"
    );
    assert!(!text.contains("Unter den Linden"), "{text}");
    assert_eq!(kept["grand_total"], order["grand_total"]);
    assert_eq!(kept["status"], "paid");
    assert_eq!(kept["shipping_address"]["country"], "DE");
    // The address may make a new account.
    let fresh = signed_in_customer(&shop.app, "ana@example.com").await;
    let r = get_as(&shop.app, &fresh, "/api/orders").await;
    assert!(
        r.json()["items"].as_array().unwrap().is_empty(),
        "the old orders are not hers"
    );
}
