//! The shop owner's selling API over HTTP: `/admin/orders`, `/admin/inventory`,
//! `/admin/shipping-methods` and `/admin/tax-rates` of the sales-admin-api component,
//! composed with orders, inventory, pricing and payments as spin.toml says.
//!
//! The shop is set up through this API (stock, tax rate, shipping method; products through
//! the catalog component), orders are made by real checkouts through `POST /api/checkout`
//! with the test provider (or, for refunds Stripe settles later, the fake Stripe), and
//! every answer of the API is checked against openapi.json.

use bytes::Bytes;
use commerce_tests::openapi::check_response;
use commerce_tests::stripe_fake as fake;
use commerce_tests::{ADMIN_TOKEN, TestApp, TestResponse, product, spawn_app, spawn_edited_app};
use serde_json::{Value, json};

const CARD_OK: &str = "4242424242424242";
const CARD_3DS: &str = "4000002500003155";

/// Sends a request with `headers` and a JSON body (when given).
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> TestResponse {
    app.send(method, path, headers, body).await
}

fn text(r: &TestResponse) -> String {
    r.text()
}

/// The problem type slug of a problem answer.
fn problem(r: &TestResponse) -> String {
    r.problem_type()
}

/// The paths of an invalid-input problem's field errors.
fn error_paths(r: &TestResponse) -> Vec<String> {
    assert_eq!(r.status, 400, "{}", text(r));
    assert_eq!(problem(r), "invalid-input");
    r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

/// A shop: one product (variant 19.99 EUR), 10 units on hand, German VAT (19 %, included)
/// and a 4.90 EUR shipping method, all but the product set up through the admin API.
struct Shop {
    app: TestApp,
    variant: String,
    shipping: String,
}

impl Shop {
    async fn new() -> Shop {
        Shop::in_app(spawn_app()).await
    }

    /// The shop with its Stripe payments going to `stripe`: the two components composing
    /// payments (checkout-api and sales-admin-api) are granted the fake instead of
    /// api.stripe.com, their only change to spin.toml.
    async fn with_stripe(stripe: &fake::Fake) -> Shop {
        let variables = stripe.variables();
        let variables: Vec<(&str, &str)> =
            variables.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let grant = |text| fake::grant(fake::grant(text, "checkout-api"), "sales-admin-api");
        Shop::in_app(spawn_edited_app(grant, &variables)).await
    }

    async fn in_app(app: TestApp) -> Shop {
        let p = app
            .catalog()
            .await
            .create_product(product("tee", 1999, vec![]))
            .await;
        let variant = p.variants[0].id.clone();
        let mut shop = Shop {
            app,
            variant,
            shipping: String::new(),
        };
        let stocked = shop
            .admin(
                "PUT",
                &format!("/admin/inventory/stock/{}", shop.variant),
                Some(json!({"on_hand": 10, "note": "opening count"})),
            )
            .await;
        assert_eq!(stocked.status, 200, "{}", text(&stocked));
        let vat = shop
            .admin(
                "PUT",
                "/admin/tax-rates/DE",
                Some(json!({"rate_ppm": 190000, "mode": "inclusive", "applies_to_shipping": true, "label": "VAT 19%"})),
            )
            .await;
        assert_eq!(vat.status, 201, "{}", text(&vat));
        let method = shop
            .admin(
                "POST",
                "/admin/shipping-methods",
                Some(json!({"name": "Standard", "rates": [{"amount": 490, "currency": "EUR"}]})),
            )
            .await;
        assert_eq!(method.status, 201, "{}", text(&method));
        shop.shipping = method.json()["id"].as_str().unwrap().to_owned();
        shop
    }

    /// An admin request with the token and `headers`, checked against openapi.json.
    async fn admin_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> TestResponse {
        let auth = format!("Bearer {ADMIN_TOKEN}");
        let mut all = vec![("authorization", auth.as_str())];
        all.extend_from_slice(headers);
        let res = send(&self.app, method, path, &all, body.as_ref()).await;
        check_response(method, path, &res);
        res
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> TestResponse {
        self.admin_with(method, path, &[], body).await
    }

    /// Delivers each of `deliveries` (each answered 200) and checks that `order` and its
    /// `history` stay as they are, its payment refunded by the order's `refunded_total`.
    async fn deliveries_change_nothing(
        &self,
        deliveries: &[&fake::Delivery],
        order: &Value,
        history: &[Value],
    ) {
        for delivery in deliveries {
            let r = self.stripe_webhook(delivery).await;
            assert_eq!(r.status, 200, "{}", text(&r));
        }
        let id = order["id"].as_str().unwrap();
        assert_eq!(&self.order(id).await, order);
        assert_eq!(self.events(id).await, history);
        let payments = self.get(&format!("/admin/orders/{id}/payments")).await;
        assert_eq!(
            payments["items"][0]["amount_refunded"],
            order["refunded_total"]
        );
    }

    /// `POST /admin/orders/{id}/refunds` with `body` under idempotency key `key`.
    async fn refund(&self, id: &str, key: &str, body: Value) -> TestResponse {
        let path = format!("/admin/orders/{id}/refunds");
        self.admin_with("POST", &path, &[("idempotency-key", key)], Some(body))
            .await
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.admin("GET", path, None).await;
        assert_eq!(r.status, 200, "GET {path}: {}", text(&r));
        r.json()
    }

    /// (on hand, reserved, available) of the shop's variant, through the admin API.
    async fn stock(&self) -> (u64, u64, u64) {
        let s = self
            .get(&format!("/admin/inventory/stock/{}", self.variant))
            .await;
        (
            s["on_hand"].as_u64().unwrap(),
            s["reserved"].as_u64().unwrap(),
            s["available"].as_u64().unwrap(),
        )
    }

    /// Checks out a new cart of `quantity` units with `card`, as `email`, under `key`.
    async fn checkout(&self, key: &str, quantity: u32, card: &str, email: &str) -> TestResponse {
        let token = self.cart(quantity).await;
        self.send_checkout(key, &self.checkout_body(&token, card, email))
            .await
    }

    /// A new EUR cart holding `quantity` units; its token.
    async fn cart(&self, quantity: u32) -> String {
        let created = send(
            &self.app,
            "POST",
            "/api/carts",
            &[],
            Some(&json!({"currency": "EUR"})),
        )
        .await;
        assert_eq!(created.status, 201, "{}", text(&created));
        let token = created.json()["token"].as_str().unwrap().to_owned();
        let added = send(
            &self.app,
            "POST",
            "/api/cart/lines",
            &[("cart-token", &token)],
            Some(&json!({"variant_id": self.variant, "quantity": quantity})),
        )
        .await;
        assert!(added.status < 300, "{}", text(&added));
        token
    }

    async fn send_checkout(&self, key: &str, body: &Value) -> TestResponse {
        send(
            &self.app,
            "POST",
            "/api/checkout",
            &[("idempotency-key", key)],
            Some(body),
        )
        .await
    }

    fn checkout_body(&self, cart: &str, card: &str, email: &str) -> Value {
        json!({
            "cart_token": cart,
            "email": email,
            "shipping_address": {
                "name": "Ada Lovelace",
                "line1": "Unter den Linden 1",
                "city": "Berlin",
                "postal_code": "10117",
                "country": "DE"
            },
            "shipping_method_id": self.shipping,
            "payment_method": {"type": "test_card", "number": card, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
            "return_url": "https://shop.example/checkout/return"
        })
    }

    /// A paid order of `quantity` units, paid through Stripe; its JSON from the checkout.
    async fn stripe_paid_order(&self, key: &str, quantity: u32) -> Value {
        let token = self.cart(quantity).await;
        let mut body = self.checkout_body(&token, CARD_OK, "ada@example.com");
        body["payment_method"] = json!({"type": "provider_token", "token": "pm_card_visa"});
        let r = self.send_checkout(key, &body).await;
        assert_eq!(r.status, 201, "{}", text(&r));
        r.json()["order"].clone()
    }

    /// Delivers a Stripe webhook, checked against openapi.json.
    async fn stripe_webhook(&self, delivery: &fake::Delivery) -> TestResponse {
        let path = "/api/payments/webhooks/stripe";
        let req = http::Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/json")
            .header("stripe-signature", &delivery.signature)
            .body(Bytes::from(delivery.body.clone()))
            .unwrap();
        let res = self.app.request(req).await;
        check_response("POST", path, &res);
        res
    }

    /// A paid order of `quantity` units; its JSON from the checkout.
    async fn paid_order(&self, key: &str, quantity: u32, email: &str) -> Value {
        let r = self.checkout(key, quantity, CARD_OK, email).await;
        assert_eq!(r.status, 201, "{}", text(&r));
        r.json()["order"].clone()
    }

    async fn order(&self, key: &str) -> Value {
        self.get(&format!("/admin/orders/{key}")).await
    }

    async fn events(&self, key: &str) -> Vec<Value> {
        self.get(&format!("/admin/orders/{key}/events?limit=100"))
            .await["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Every movement of the shop's variant, newest first.
    async fn movements(&self) -> Vec<Value> {
        self.get(&format!(
            "/admin/inventory/movements?variant_id={}&limit=100",
            self.variant
        ))
        .await["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

fn money(amount: i64) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_family_needs_the_admin_token() {
    let shop = Shop::new().await;
    let order = shop.paid_order("auth-1", 1, "ada@example.com").await;
    let number = order["number"].as_u64().unwrap();
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/admin/orders".into(), None),
        ("GET", format!("/admin/orders/{number}"), None),
        ("POST", format!("/admin/orders/{number}/fulfil"), None),
        (
            "POST",
            format!("/admin/orders/{number}/refunds"),
            Some(json!({})),
        ),
        ("POST", format!("/admin/orders/{number}/cancel"), None),
        ("GET", "/admin/inventory/stock".into(), None),
        (
            "PUT",
            format!("/admin/inventory/stock/{}", shop.variant),
            Some(json!({"on_hand": 0})),
        ),
        ("GET", "/admin/inventory/movements".into(), None),
        ("GET", "/admin/shipping-methods".into(), None),
        (
            "DELETE",
            format!("/admin/shipping-methods/{}", shop.shipping),
            None,
        ),
        ("GET", "/admin/tax-rates".into(), None),
        ("DELETE", "/admin/tax-rates/DE".into(), None),
        ("GET", "/admin/orders/nothing-here/at-all".into(), None),
    ];
    for (method, path, body) in &routes {
        let none = send(&shop.app, method, path, &[], body.as_ref()).await;
        assert_eq!(none.status, 401, "{method} {path}: {}", text(&none));
        assert_eq!(problem(&none), "unauthorized");
        assert_eq!(none.headers["www-authenticate"], "Bearer");
        check_response(method, path, &none);
        let basic = send(
            &shop.app,
            method,
            path,
            &[("authorization", "Basic YWRtaW46YWRtaW4=")],
            body.as_ref(),
        )
        .await;
        assert_eq!(basic.status, 401, "{method} {path}");
        let wrong = send(
            &shop.app,
            method,
            path,
            &[("authorization", "Bearer test-admin-token-5f0c2a9e71d5")],
            body.as_ref(),
        )
        .await;
        assert_eq!(wrong.status, 403, "{method} {path}: {}", text(&wrong));
        assert_eq!(problem(&wrong), "forbidden");
        check_response(method, path, &wrong);
    }
    // Nothing the refused requests asked for happened.
    assert_eq!(shop.order(&number.to_string()).await["status"], "paid");
    assert_eq!(shop.stock().await, (9, 0, 9));
    assert_eq!(
        shop.get("/admin/shipping-methods").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        shop.get("/admin/tax-rates").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The token is checked before the body is read: a body over the limit is still a 401.
    let big = send(
        &shop.app,
        "POST",
        "/admin/shipping-methods",
        &[],
        Some(&json!({"name": "x".repeat(200_000)})),
    )
    .await;
    assert_eq!(big.status, 401);
    let big = shop
        .admin(
            "POST",
            "/admin/shipping-methods",
            Some(json!({"name": "x".repeat(200_000)})),
        )
        .await;
    assert_eq!(big.status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_orders_are_listed_filtered_searched_and_paged() {
    let shop = Shop::new().await;
    let first = shop.paid_order("list-1", 1, "ada@example.com").await;
    let second = shop.paid_order("list-2", 2, "grace@example.org").await;
    let (n1, n2) = (
        first["number"].as_u64().unwrap(),
        second["number"].as_u64().unwrap(),
    );
    assert_eq!(n2, n1 + 1);

    let all = shop.get("/admin/orders").await;
    let numbers: Vec<u64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [n2, n1], "newest first");
    assert_eq!(all["items"][0]["email"], "grace@example.org");
    assert_eq!(all["items"][0]["item_count"], 2);
    assert_eq!(all["items"][0]["status"], "paid");
    assert_eq!(all["items"][0]["grand_total"], second["grand_total"]);
    assert!(all["next"].is_null());

    let count = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(count(&shop.get("/admin/orders?status=paid").await), 2);
    assert_eq!(
        count(&shop.get("/admin/orders?status=shipped,cancelled").await),
        0
    );
    let by_email = shop.get("/admin/orders?q=GRACE").await;
    assert_eq!(count(&by_email), 1);
    assert_eq!(by_email["items"][0]["number"], n2);
    let by_number = shop.get(&format!("/admin/orders?q=%23{n1}")).await;
    assert_eq!(count(&by_number), 1);
    assert_eq!(by_number["items"][0]["number"], n1);
    assert_eq!(count(&shop.get("/admin/orders?q=TEE-S").await), 2);
    assert_eq!(count(&shop.get("/admin/orders?q=nobody").await), 0);
    let created = second["created_at"].as_i64().unwrap();
    let after = shop
        .get(&format!("/admin/orders?created_after={created}"))
        .await;
    assert_eq!(count(&after), 1);
    assert_eq!(after["items"][0]["number"], n2);
    let before = shop
        .get(&format!("/admin/orders?created_before={created}"))
        .await;
    assert!(
        before["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["number"] == n1)
    );

    // Keyset pages: one order each, then no more.
    let page1 = shop.get("/admin/orders?limit=1").await;
    assert_eq!(page1["items"][0]["number"], n2);
    let cursor = page1["next"].as_str().unwrap().to_owned();
    let page2 = shop
        .get(&format!("/admin/orders?limit=1&after={cursor}"))
        .await;
    assert_eq!(page2["items"][0]["number"], n1);
    assert!(page2["next"].is_null());

    // Every bad parameter at once.
    let bad = shop
        .admin(
            "GET",
            "/admin/orders?status=sold&created_after=yesterday&limit=-1&colour=red",
            None,
        )
        .await;
    let mut paths = error_paths(&bad);
    paths.sort();
    assert_eq!(paths, ["/colour", "/created_after", "/limit", "/status"]);
    let bad = shop
        .admin(
            "GET",
            &format!("/admin/orders?created_after={created}&created_before={created}&limit=1000&after=junk"),
            None,
        )
        .await;
    let paths = error_paths(&bad);
    assert!(paths.contains(&"/created_after".to_owned()), "{paths:?}");
    assert!(paths.contains(&"/limit".to_owned()), "{paths:?}");

    // One order, by number, by #number and by id; its history; its payment.
    let by_number = shop.order(&n1.to_string()).await;
    let id = by_number["id"].as_str().unwrap().to_owned();
    assert_eq!(shop.order(&format!("%23{n1}")).await["id"], id);
    let by_id = shop.order(&id).await;
    assert_eq!(by_id, by_number);
    assert_eq!(by_id["email"], "ada@example.com");
    assert_eq!(by_id["lines"][0]["variant_id"], shop.variant);
    assert_eq!(by_id["refundable"], by_id["grand_total"]);
    assert!(by_id["payment_id"].as_str().unwrap().starts_with("pay_"));
    assert!(
        by_id["reservation_id"]
            .as_str()
            .unwrap()
            .starts_with("res_")
    );
    let kinds: Vec<(String, Value)> = shop
        .events(&id)
        .await
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["status"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created".to_owned(), Value::Null),
            ("status_changed".to_owned(), json!("paid"))
        ]
    );
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["id"], by_id["payment_id"]);
    assert_eq!(payments["items"][0]["status"], "succeeded");
    assert_eq!(payments["items"][0]["amount"], by_id["grand_total"]);
    for missing in ["9999", "ord_nothing", "abc", "%23x"] {
        let r = shop
            .admin("GET", &format!("/admin/orders/{missing}"), None)
            .await;
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(problem(&r), "not-found");
    }
    let r = shop.admin("DELETE", "/admin/orders", None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.headers["allow"], "GET");
    let r = shop
        .admin("GET", &format!("/admin/orders/{id}?x=1"), None)
        .await;
    assert_eq!(error_paths(&r), ["/x"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fulfil_ship_deliver_and_illegal_transitions_change_nothing() {
    let shop = Shop::new().await;
    let order = shop.paid_order("ship-1", 1, "ada@example.com").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/admin/orders/{id}/{action}");

    let before = shop.order(&id).await;
    let events_before = shop.events(&id).await.len();
    for (action, requested) in [("deliver", "delivered"), ("ship", "shipped")] {
        let r = shop.admin("POST", &path(action), None).await;
        assert_eq!(r.status, 409, "{action}: {}", text(&r));
        assert_eq!(problem(&r), "illegal-transition");
        assert_eq!(r.json()["current"], "paid");
        assert_eq!(r.json()["requested"], requested);
    }
    assert_eq!(
        shop.order(&id).await,
        before,
        "a refused move changes nothing"
    );
    assert_eq!(shop.events(&id).await.len(), events_before);

    let fulfilled = shop.admin("POST", &path("fulfil"), None).await;
    assert_eq!(fulfilled.status, 200, "{}", text(&fulfilled));
    assert_eq!(fulfilled.json()["status"], "fulfilled");
    assert!(fulfilled.json()["fulfilled_at"].is_i64());
    let again = shop.admin("POST", &path("fulfil"), None).await;
    assert_eq!(again.status, 200, "fulfilling twice is a repeat");
    assert_eq!(
        again.json()["fulfilled_at"],
        fulfilled.json()["fulfilled_at"]
    );
    let with_body = shop
        .admin("POST", &path("fulfil"), Some(json!({"now": true})))
        .await;
    assert_eq!(error_paths(&with_body), [""]);

    // Bad tracking: every bad field, nothing shipped.
    let bad = shop
        .admin(
            "POST",
            &path("ship"),
            Some(json!({"carrier": "", "url": "http://track.example/1", "eta": 3})),
        )
        .await;
    let paths = error_paths(&bad);
    assert!(paths.contains(&"/eta".to_owned()), "{paths:?}");
    assert!(paths.contains(&"/number".to_owned()), "{paths:?}");
    let bad = shop
        .admin(
            "POST",
            &path("ship"),
            Some(json!({"carrier": "", "number": "1Z999", "url": "http://track.example/1"})),
        )
        .await;
    let mut paths = error_paths(&bad);
    paths.sort();
    assert_eq!(paths, ["/carrier", "/url"]);
    assert_eq!(shop.order(&id).await["status"], "fulfilled");

    let tracking = json!({"carrier": "DHL", "number": "00340434161234567890", "url": "https://track.example/00340434161234567890"});
    let shipped = shop
        .admin("POST", &path("ship"), Some(tracking.clone()))
        .await;
    assert_eq!(shipped.status, 200, "{}", text(&shipped));
    assert_eq!(shipped.json()["status"], "shipped");
    assert_eq!(shipped.json()["tracking"], tracking);
    let other = shop
        .admin(
            "POST",
            &path("ship"),
            Some(json!({"carrier": "UPS", "number": "1Z"})),
        )
        .await;
    assert_eq!(other.status, 409, "shipped already, with other tracking");
    assert_eq!(problem(&other), "conflict");

    // A shipped order is not cancelled (it is refunded): nothing moves.
    let stock = shop.stock().await;
    let before = shop.order(&id).await;
    let cancel = shop.admin("POST", &path("cancel"), None).await;
    assert_eq!(cancel.status, 409, "{}", text(&cancel));
    assert_eq!(problem(&cancel), "illegal-transition");
    assert_eq!(cancel.json()["current"], "shipped");
    assert_eq!(shop.order(&id).await, before);
    assert_eq!(shop.stock().await, stock);
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["amount_refunded"]["amount"], 0);

    let delivered = shop.admin("POST", &path("deliver"), None).await;
    assert_eq!(delivered.status, 200);
    assert_eq!(delivered.json()["status"], "delivered");
    let r = shop.admin("POST", &path("fulfil"), None).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["current"], "delivered");

    // Notes go into the history.
    let note = shop
        .admin(
            "POST",
            &path("notes"),
            Some(json!({"note": "Left with the neighbour."})),
        )
        .await;
    assert_eq!(note.status, 204, "{}", text(&note));
    for bad in [json!({"note": ""}), json!({}), json!({"note": 1})] {
        let r = shop.admin("POST", &path("notes"), Some(bad)).await;
        assert_eq!(error_paths(&r), ["/note"]);
    }
    let events = shop.events(&id).await;
    let statuses: Vec<&str> = events.iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, ["paid", "fulfilled", "shipped", "delivered"]);
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "note");
    assert_eq!(last["note"], "Left with the neighbour.");
    assert_eq!(last["actor"], "owner (admin_token)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_unpaid_order_releases_its_reservation() {
    let shop = Shop::new().await;
    // A 3-D Secure payment waits for the shopper: the order is pending, the stock held.
    let cart = shop.cart(3).await;
    let body = shop.checkout_body(&cart, CARD_3DS, "ada@example.com");
    let r = shop.send_checkout("unpaid-1", &body).await;
    assert_eq!(r.status, 202, "{}", text(&r));
    let id = r.json()["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(shop.order(&id).await["status"], "pending_payment");
    assert_eq!(shop.stock().await, (10, 3, 7));
    let held = shop
        .get(&format!(
            "/admin/inventory/reservations?status=active&variant_id={}",
            shop.variant
        ))
        .await;
    assert_eq!(held["items"].as_array().unwrap().len(), 1);

    // Nothing was paid: there is nothing to refund.
    let refund = shop.refund(&id, "unpaid-refund", json!({})).await;
    assert_eq!(refund.status, 409, "{}", text(&refund));
    assert_eq!(problem(&refund), "illegal-transition");

    let cancelled = shop
        .admin(
            "POST",
            &format!("/admin/orders/{id}/cancel"),
            Some(json!({"reason": "customer changed their mind"})),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", text(&cancelled));
    let v = cancelled.json();
    assert_eq!(v["order"]["status"], "cancelled");
    assert_eq!(v["order"]["cancel_reason"], "customer changed their mind");
    assert_eq!(v["reservation"]["status"], "released");
    assert!(v["refund"].is_null());
    assert_eq!(v["movements"], json!([]));
    assert_eq!(
        shop.stock().await,
        (10, 0, 10),
        "the units are available again"
    );
    let reservation = shop
        .get(&format!(
            "/admin/inventory/reservations/{}",
            v["order"]["reservation_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(reservation["status"], "released");
    // The waiting payment was stopped, so the shopper cannot finish paying.
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["status"], "cancelled");

    // The shopper comes back from the challenge: the checkout is over, nothing charged.
    let back = shop.send_checkout("unpaid-1", &body).await;
    assert_eq!(back.status, 409, "{}", text(&back));
    assert_eq!(problem(&back), "checkout-cancelled");
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"].as_array().unwrap().len(), 1);
    assert_eq!(payments["items"][0]["status"], "cancelled");
    assert_eq!(payments["items"][0]["amount_captured"]["amount"], 0);
    assert_eq!(shop.order(&id).await["status"], "cancelled");
    assert_eq!(shop.stock().await, (10, 0, 10));
    let r = shop
        .checkout("unpaid-1-retry", 1, CARD_OK, "ada@example.com")
        .await;
    assert_eq!(r.status, 201, "a new checkout still works: {}", text(&r));
    assert_eq!(shop.stock().await, (9, 0, 9));

    // Cancelling again is a repeat.
    let again = shop
        .admin("POST", &format!("/admin/orders/{id}/cancel"), None)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.json()["order"]["cancel_reason"],
        "customer changed their mind"
    );
    assert_eq!(shop.stock().await, (9, 0, 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_paid_order_refunds_it_and_restocks_with_a_reason() {
    let shop = Shop::new().await;
    let order = shop.paid_order("paid-cancel-1", 2, "ada@example.com").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let number = order["number"].as_u64().unwrap();
    let total = order["grand_total"]["amount"].as_i64().unwrap();
    assert_eq!(shop.stock().await, (8, 0, 8));
    let fulfilled = shop
        .admin("POST", &format!("/admin/orders/{id}/fulfil"), None)
        .await;
    assert_eq!(fulfilled.status, 200);

    let cancelled = shop
        .admin(
            "POST",
            &format!("/admin/orders/{number}/cancel"),
            Some(json!({"reason": "out of print"})),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", text(&cancelled));
    let v = cancelled.json();
    assert_eq!(v["order"]["status"], "cancelled");
    assert_eq!(v["order"]["refunded_total"], money(total));
    assert_eq!(v["order"]["refundable"], money(0));
    assert_eq!(v["refund"]["amount"], money(total));
    assert_eq!(v["refund"]["status"], "succeeded");
    assert_eq!(v["refund"]["reason"], "out of print");
    assert_eq!(v["reservation"]["status"], "committed");
    assert_eq!(v["movements"].as_array().unwrap().len(), 1);
    assert_eq!(v["movements"][0]["delta"], 2);
    assert_eq!(v["movements"][0]["reason"], "cancellation");
    assert_eq!(
        shop.stock().await,
        (10, 0, 10),
        "the units are back on hand"
    );

    // The audit trail: the sale and its return, with the reason and who did it.
    let movements = shop.movements().await;
    let trail: Vec<(&str, i64)> = movements
        .iter()
        .map(|m| (m["reason"].as_str().unwrap(), m["delta"].as_i64().unwrap()))
        .collect();
    assert_eq!(trail, [("cancellation", 2), ("sale", -2), ("recount", 10)]);
    assert_eq!(movements[0]["note"], format!("order #{number} cancelled"));
    assert_eq!(movements[0]["actor"], "owner (admin_token)");
    assert_eq!(movements[0]["on_hand_after"], 10);
    let by_reason = shop
        .get("/admin/inventory/movements?reason=cancellation")
        .await;
    assert_eq!(by_reason["items"].as_array().unwrap().len(), 1);

    // The money went back through the provider, once.
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["amount_refunded"], money(total));
    assert_eq!(payments["items"][0]["refunds"].as_array().unwrap().len(), 1);
    let events = shop.events(&id).await;
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "refund_recorded" && e["amount"] == money(total))
    );

    // Again: a repeat that restocks and refunds nothing more.
    let again = shop
        .admin("POST", &format!("/admin/orders/{id}/cancel"), None)
        .await;
    assert_eq!(again.status, 200, "{}", text(&again));
    assert_eq!(again.json()["refund"]["id"], v["refund"]["id"]);
    assert_eq!(again.json()["movements"][0]["id"], v["movements"][0]["id"]);
    assert_eq!(shop.stock().await, (10, 0, 10));
    assert_eq!(shop.movements().await.len(), 3);
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["amount_refunded"], money(total));
    assert_eq!(shop.order(&id).await["refunded_total"], money(total));
    // Nothing is left to refund.
    let r = shop
        .admin_with(
            "POST",
            &format!("/admin/orders/{id}/refunds"),
            &[("idempotency-key", "after-cancel")],
            None,
        )
        .await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(problem(&r), "refund-exceeds");
    assert_eq!(r.json()["remaining"], money(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_refunds_up_to_what_was_paid_each_once_per_key() {
    let shop = Shop::new().await;
    let order = shop.paid_order("refund-1", 2, "ada@example.com").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let total = order["grand_total"]["amount"].as_i64().unwrap();
    let refunds = format!("/admin/orders/{id}/refunds");
    let refund = |key: &'static str, body: Value| {
        let shop = &shop;
        let refunds = refunds.clone();
        async move {
            shop.admin_with("POST", &refunds, &[("idempotency-key", key)], Some(body))
                .await
        }
    };
    let refunded = || async {
        let p = shop.get(&format!("/admin/orders/{id}/payments")).await;
        p["items"][0]["amount_refunded"]["amount"].as_i64().unwrap()
    };

    // No key, a bad key, bad bodies: refused, nothing refunded.
    let r = shop
        .admin("POST", &refunds, Some(json!({"amount": money(100)})))
        .await;
    assert_eq!(error_paths(&r), ["/headers/idempotency-key"]);
    let long = "k".repeat(101);
    let r = shop
        .admin_with(
            "POST",
            &refunds,
            &[("idempotency-key", long.as_str())],
            Some(json!({})),
        )
        .await;
    assert_eq!(error_paths(&r), ["/headers/idempotency-key"]);
    for (body, expected) in [
        (
            json!({"amount": {"amount": 0, "currency": "EUR"}}),
            "/amount/amount",
        ),
        (
            json!({"amount": {"amount": 10.5, "currency": "EUR"}}),
            "/amount/amount",
        ),
        (
            json!({"amount": {"amount": 100, "currency": "USD"}}),
            "/amount/currency",
        ),
        (json!({"amount": 100}), "/amount"),
        (json!({"amount": money(100), "why": "x"}), "/why"),
    ] {
        let r = refund("bad-body", body.clone()).await;
        assert_eq!(error_paths(&r), [expected], "{body}");
    }
    let r = refund("too-much", json!({"amount": money(total + 1)})).await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(problem(&r), "refund-exceeds");
    assert_eq!(r.json()["remaining"], money(total));
    assert_eq!(refunded().await, 0);
    assert_eq!(shop.order(&id).await["status"], "paid");

    // A partial refund, then its replay: one refund.
    let first = refund("r-1", json!({"amount": money(1000), "reason": "scratched"})).await;
    assert_eq!(first.status, 201, "{}", text(&first));
    let v = first.json();
    assert_eq!(v["order"]["status"], "partially_refunded");
    assert_eq!(v["order"]["refunded_total"], money(1000));
    assert_eq!(v["order"]["refundable"], money(total - 1000));
    assert_eq!(v["refund"]["amount"], money(1000));
    assert_eq!(v["refund"]["reason"], "scratched");
    let replay = refund("r-1", json!({"amount": money(1000), "reason": "scratched"})).await;
    assert_eq!(replay.status, 201, "{}", text(&replay));
    assert_eq!(replay.json()["refund"]["id"], v["refund"]["id"]);
    assert_eq!(replay.json()["order"]["refunded_total"], money(1000));
    assert_eq!(refunded().await, 1000);
    // The same key for another refund is refused.
    let reused = refund("r-1", json!({"amount": money(999)})).await;
    assert_eq!(reused.status, 422, "{}", text(&reused));
    assert_eq!(problem(&reused), "idempotency-key-reused");
    assert_eq!(refunded().await, 1000);
    // More than is left.
    let over = refund("r-2", json!({"amount": money(total)})).await;
    assert_eq!(over.status, 409);
    assert_eq!(over.json()["remaining"], money(total - 1000));
    assert_eq!(refunded().await, 1000);

    // A partially refunded order still ships.
    let fulfilled = shop
        .admin("POST", &format!("/admin/orders/{id}/fulfil"), None)
        .await;
    assert_eq!(fulfilled.status, 200, "{}", text(&fulfilled));
    assert!(fulfilled.json()["fulfilled_at"].is_i64());

    // The rest: the order is refunded, and final.
    let rest = refund("r-3", json!({})).await;
    assert_eq!(rest.status, 201, "{}", text(&rest));
    assert_eq!(rest.json()["refund"]["amount"], money(total - 1000));
    assert_eq!(rest.json()["order"]["status"], "refunded");
    assert_eq!(rest.json()["order"]["refundable"], money(0));
    assert_eq!(refunded().await, total);
    let replay = refund("r-3", json!({})).await;
    assert_eq!(replay.status, 201, "a replay after the order became final");
    assert_eq!(replay.json()["refund"]["id"], rest.json()["refund"]["id"]);
    assert_eq!(refunded().await, total);
    let more = refund("r-4", json!({"amount": money(1)})).await;
    assert_eq!(more.status, 409);
    assert_eq!(problem(&more), "illegal-transition");
    assert_eq!(more.json()["current"], "refunded");
    let ship = shop
        .admin("POST", &format!("/admin/orders/{id}/ship"), None)
        .await;
    assert_eq!(ship.status, 409);
    let order = shop.order(&id).await;
    assert_eq!(order["refunds"].as_array().unwrap().len(), 2);
    assert_eq!(order["refunded_total"], money(total));
    assert_eq!(refunded().await, total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_stripe_answers_pending_counts_only_once_its_webhook_says_it_succeeded() {
    let stripe = fake::start().await;
    let shop = Shop::with_stripe(&stripe).await;
    let order = shop.stripe_paid_order("stripe-refund", 2).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let total = order["grand_total"]["amount"].as_i64().unwrap();
    let refunds = format!("/admin/orders/{id}/refunds");
    let refund = |key: &'static str, body: Value| {
        let refunds = refunds.clone();
        let shop = &shop;
        async move {
            shop.admin_with("POST", &refunds, &[("idempotency-key", key)], Some(body))
                .await
        }
    };

    // Stripe answers pending: the refund is shown and holds its share of what is left, but
    // no money has gone back yet.
    let part = json!({"amount": money(1000), "reason": "scratched"});
    let r = refund("part", part.clone()).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let v = r.json();
    assert_eq!(v["refund"]["status"], "pending");
    assert_eq!(v["order"]["status"], "paid");
    assert_eq!(v["order"]["refunded_total"], money(0));
    assert_eq!(v["order"]["refund_pending_total"], money(1000));
    assert_eq!(v["order"]["refundable"], money(total - 1000));
    assert_eq!(v["order"]["refunds"][0]["status"], "pending");
    assert_eq!(v["order"]["refunds"][0]["refund_id"], v["refund"]["id"]);
    assert!(v["order"]["refunds"][0]["settled_at"].is_null());
    assert_eq!(shop.order(&id).await, v["order"]);
    // The bound counts it: the rest and one cent more is refused before Stripe is asked.
    let over = refund("over", json!({"amount": money(total - 1000 + 1)})).await;
    assert_eq!(over.status, 409, "{}", text(&over));
    assert_eq!(problem(&over), "refund-exceeds");
    assert_eq!(over.json()["remaining"], money(total - 1000));
    assert_eq!(stripe.refund_ids().len(), 1);
    // The same request again answers the same pending refund.
    let again = refund("part", part).await;
    assert_eq!(again.status, 201, "{}", text(&again));
    assert_eq!(again.json()["refund"]["id"], v["refund"]["id"]);
    assert_eq!(again.json()["order"], v["order"]);

    // Stripe fails it: the order is paid with nothing refunded, and its history says so.
    let first = stripe.refund_ids()[0].clone();
    let failure = stripe.settle_refund(&first, "failed");
    for delivery in &failure {
        let r = shop.stripe_webhook(delivery).await;
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.json()["replayed"], false);
    }
    let failed = shop.order(&id).await;
    assert_eq!(failed["status"], "paid");
    assert_eq!(failed["refunded_total"], money(0));
    assert_eq!(failed["refund_pending_total"], money(0));
    assert_eq!(failed["refundable"], money(total));
    assert_eq!(failed["refunds"][0]["status"], "failed");
    assert!(failed["refunds"][0]["settled_at"].is_i64());
    let history = shop.events(&id).await;
    let refund_events: Vec<(&str, &Value)> = history
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("refund"))
        .map(|e| (e["kind"].as_str().unwrap(), &e["amount"]))
        .collect();
    assert_eq!(
        refund_events,
        [
            ("refund_requested", &money(1000)),
            ("refund_failed", &money(1000))
        ]
    );
    assert!(
        history
            .iter()
            .all(|e| e["kind"] != "status_changed" || e["status"] == "paid"),
        "the order never left paid: {history:?}"
    );
    // Replayed deliveries change nothing.
    for delivery in &failure {
        let r = shop.stripe_webhook(delivery).await;
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.json()["replayed"], true);
    }
    assert_eq!(shop.order(&id).await, failed);
    assert_eq!(shop.events(&id).await, history);

    // Everything, refundable again; pending until Stripe says it succeeded: then refunded.
    let all = refund("all", json!({})).await;
    assert_eq!(all.status, 201, "{}", text(&all));
    assert_eq!(all.json()["refund"]["amount"], money(total));
    assert_eq!(all.json()["refund"]["status"], "pending");
    assert_eq!(all.json()["order"]["status"], "paid");
    assert_eq!(all.json()["order"]["refund_pending_total"], money(total));
    assert_eq!(all.json()["order"]["refundable"], money(0));
    let second = stripe.refund_ids()[1].clone();
    let success = stripe.settle_refund(&second, "succeeded");
    let r = shop.stripe_webhook(&success[0]).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let refunded = shop.order(&id).await;
    assert_eq!(refunded["status"], "refunded");
    assert_eq!(refunded["refunded_total"], money(total));
    assert_eq!(refunded["refund_pending_total"], money(0));
    assert_eq!(refunded["refunds"][1]["status"], "succeeded");
    let history = shop.events(&id).await;
    let tail: Vec<(&str, &Value)> = history[history.len() - 2..]
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), &e["status"]))
        .collect();
    assert_eq!(
        tail,
        [
            ("refund_recorded", &Value::Null),
            ("status_changed", &json!("refunded"))
        ]
    );
    // Stripe's second event about the same outcome, and replays of both, change nothing.
    let again = [&success[1], &success[0], &success[1]];
    shop.deliveries_change_nothing(&again, &refunded, &history)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_webhook_whose_order_update_failed_is_settled_by_the_redelivery() {
    let stripe = fake::start().await;
    let shop = Shop::with_stripe(&stripe).await;
    let order = shop.stripe_paid_order("stripe-refund-retry", 1).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let total = order["grand_total"]["amount"].as_i64().unwrap();
    let r = shop.refund(&id, "all", json!({})).await;
    assert_eq!(r.status, 201, "{}", text(&r));
    assert_eq!(r.json()["refund"]["status"], "pending");
    let pending = shop.order(&id).await;
    assert_eq!(pending["refund_pending_total"], money(total));

    // Stripe reports the refund succeeded; payments settles it, then the order's update fails.
    let success = stripe.settle_refund(&stripe.refund_ids()[0], "succeeded");
    shop.app.fail_next_statement("UPDATE orders_orders");
    let first = shop.stripe_webhook(&success[0]).await;
    assert!(shop.app.disarm_fault(), "the order update was reached");
    assert_eq!(first.status, 503, "{}", text(&first));
    check_response("POST", "/api/payments/webhooks/stripe", &first);
    assert_eq!(
        shop.order(&id).await,
        pending,
        "the order still has it pending"
    );
    let payments = shop.get(&format!("/admin/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["amount_refunded"], money(total));

    // The redelivery of the very same event settles it on the order.
    let r = shop.stripe_webhook(&success[0]).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    check_response("POST", "/api/payments/webhooks/stripe", &r);
    assert_eq!(r.json()["replayed"], true);
    assert_eq!(r.json()["events"], 1);
    let refunded = shop.order(&id).await;
    assert_eq!(refunded["status"], "refunded");
    assert_eq!(refunded["refunded_total"], money(total));
    assert_eq!(refunded["refund_pending_total"], money(0));
    assert_eq!(refunded["refunds"][0]["status"], "succeeded");
    let history = shop.events(&id).await;
    let settled = |h: &[Value]| h.iter().filter(|e| e["kind"] == "refund_recorded").count();
    assert_eq!(settled(&history), 1);

    // Stripe's second event and further replays of both change nothing.
    let again = [&success[1], &success[0], &success[1]];
    shop.deliveries_change_nothing(&again, &refunded, &history)
        .await;
    assert_eq!(stripe.refund_ids().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_counts_and_adjustments_refuse_bad_input_and_keep_an_audit_trail() {
    let shop = Shop::new().await;
    let stock_path = format!("/admin/inventory/stock/{}", shop.variant);
    let adjust_path = format!("{stock_path}/adjustments");
    assert_eq!(shop.stock().await, (10, 0, 10));

    let received = shop
        .admin_with(
            "POST",
            &adjust_path,
            &[("idempotency-key", "delivery-42")],
            Some(json!({"delta": 5, "reason": "received", "note": "delivery 42"})),
        )
        .await;
    assert_eq!(received.status, 201, "{}", text(&received));
    let v = received.json();
    assert_eq!(v["movement"]["delta"], 5);
    assert_eq!(v["movement"]["on_hand_after"], 15);
    assert_eq!(v["movement"]["reason"], "received");
    assert_eq!(v["movement"]["actor"], "owner (admin_token)");
    assert_eq!(v["stock"]["available"], 15);
    // The same delivery posted twice counts once.
    let replay = shop
        .admin_with(
            "POST",
            &adjust_path,
            &[("idempotency-key", "delivery-42")],
            Some(json!({"delta": 5, "reason": "received", "note": "delivery 42"})),
        )
        .await;
    assert_eq!(replay.json()["movement"]["id"], v["movement"]["id"]);
    assert_eq!(shop.stock().await, (15, 0, 15));
    let reused = shop
        .admin_with(
            "POST",
            &adjust_path,
            &[("idempotency-key", "delivery-42")],
            Some(json!({"delta": 6, "reason": "received"})),
        )
        .await;
    assert_eq!(reused.status, 422, "{}", text(&reused));

    // Bad input, all refused with nothing changed.
    let trail = shop.movements().await.len();
    let bad: Vec<(Value, &[&str])> = vec![
        (json!({"delta": -3}), &["/reason"]),
        (json!({"delta": -3, "reason": "sale"}), &["/reason"]),
        (json!({"delta": -3, "reason": "recount"}), &["/reason"]),
        (json!({"delta": 1.5, "reason": "damaged"}), &["/delta"]),
        (json!({"delta": "2", "reason": "damaged"}), &["/delta"]),
        (
            json!({"reason": "damaged", "colour": 1}),
            &["/colour", "/delta"],
        ),
        (json!({"delta": 0, "reason": "damaged"}), &["/delta"]),
        (json!({"delta": 2000000, "reason": "received"}), &["/delta"]),
        (
            json!({"delta": 1, "reason": "lost", "note": "n".repeat(501)}),
            &["/note"],
        ),
    ];
    for (body, expected) in bad {
        let r = shop.admin("POST", &adjust_path, Some(body.clone())).await;
        let mut paths = error_paths(&r);
        paths.sort();
        assert_eq!(paths, expected, "{body}");
    }
    // Taking away more than there is: the result would be negative.
    let r = shop
        .admin(
            "POST",
            &adjust_path,
            Some(json!({"delta": -16, "reason": "damaged"})),
        )
        .await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(problem(&r), "insufficient-stock");
    assert_eq!(r.json()["shortages"][0]["requested"], 16);
    assert_eq!(r.json()["shortages"][0]["available"], 15);
    for body in [json!({"on_hand": -1}), json!({"on_hand": 1.5}), json!({})] {
        let r = shop.admin("PUT", &stock_path, Some(body.clone())).await;
        assert_eq!(error_paths(&r), ["/on_hand"], "{body}");
    }
    let r = shop
        .admin(
            "POST",
            &adjust_path,
            Some(json!({"delta": 1, "reason": "received"})),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = shop.request_text("POST", &adjust_path, "delta=1").await;
    assert_eq!(r.status, 415);
    assert_eq!(shop.stock().await, (16, 0, 16));
    assert_eq!(shop.movements().await.len(), trail + 1);

    // A count below what checkouts hold is refused; units held are never taken away.
    let held = shop
        .checkout("hold-1", 4, CARD_3DS, "ada@example.com")
        .await;
    assert_eq!(held.status, 202, "{}", text(&held));
    assert_eq!(shop.stock().await, (16, 4, 12));
    let r = shop
        .admin("PUT", &stock_path, Some(json!({"on_hand": 3})))
        .await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(problem(&r), "insufficient-stock");
    let r = shop
        .admin(
            "POST",
            &adjust_path,
            Some(json!({"delta": -13, "reason": "lost"})),
        )
        .await;
    assert_eq!(r.status, 409);
    let counted = shop
        .admin(
            "PUT",
            &stock_path,
            Some(json!({"on_hand": 4, "note": "cycle count"})),
        )
        .await;
    assert_eq!(counted.status, 200, "{}", text(&counted));
    assert_eq!(counted.json()["movement"]["reason"], "recount");
    assert_eq!(counted.json()["movement"]["delta"], -12);
    assert_eq!(
        counted.json()["stock"],
        json!({"variant_id": shop.variant, "on_hand": 4, "reserved": 4, "available": 0})
    );

    // Listings and their filters.
    let low = shop.get("/admin/inventory/stock?available_below=1").await;
    assert_eq!(low["items"][0]["variant_id"], shop.variant);
    let none = shop.get("/admin/inventory/stock?available_below=0").await;
    assert_eq!(none["items"], json!([]));
    let recounts = shop
        .get(&format!(
            "/admin/inventory/movements?variant_id={}&reason=recount",
            shop.variant
        ))
        .await;
    assert_eq!(recounts["items"].as_array().unwrap().len(), 2);
    let page = shop.get("/admin/inventory/movements?limit=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["next"].is_string());
    let reservations = shop
        .get("/admin/inventory/reservations?status=active")
        .await;
    assert_eq!(reservations["items"][0]["lines"][0]["quantity"], 4);
    let bad = shop
        .admin(
            "GET",
            "/admin/inventory/movements?reason=stolen&since=soon&limit=x",
            None,
        )
        .await;
    let mut paths = error_paths(&bad);
    paths.sort();
    assert_eq!(paths, ["/limit", "/reason", "/since"]);
    let bad = shop
        .admin(
            "GET",
            "/admin/inventory/reservations?status=open&after=zzz",
            None,
        )
        .await;
    let mut paths = error_paths(&bad);
    paths.sort();
    assert_eq!(paths, ["/after", "/status"]);
    for path in [
        "/admin/inventory/reservations/res_nothing",
        "/admin/inventory/stock/not-a-variant",
        "/admin/inventory/elsewhere",
    ] {
        let r = shop.admin("GET", path, None).await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r = shop
        .admin(
            "POST",
            "/admin/inventory/stock/not-a-variant/adjustments",
            Some(json!({"delta": 1, "reason": "received"})),
        )
        .await;
    assert_eq!(r.status, 404);
}

impl Shop {
    /// An admin request with a non-JSON body.
    async fn request_text(&self, method: &str, path: &str, body: &str) -> TestResponse {
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Bytes::from(body.to_owned()))
            .unwrap();
        let res = self.app.request(req).await;
        check_response(method, path, &res);
        res
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipping_methods_and_tax_rates_are_created_updated_and_deleted() {
    let shop = Shop::new().await;
    let created = shop
        .admin(
            "POST",
            "/admin/shipping-methods",
            Some(json!({
                "name": "Express",
                "rates": [{"amount": 990, "currency": "EUR"}, {"amount": 1290, "currency": "USD"}],
                "countries": ["DE", "AT"],
                "active": false,
                "position": 2
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", text(&created));
    let method = created.json();
    let id = method["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ship_"));
    assert_eq!(
        created.headers["location"],
        format!("/admin/shipping-methods/{id}").as_str()
    );
    assert_eq!(method["countries"], json!(["DE", "AT"]));
    assert_eq!(method["active"], false);
    let list = shop.get("/admin/shipping-methods").await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Standard", "Express"], "by position");
    assert_eq!(
        shop.get(&format!("/admin/shipping-methods/{id}")).await,
        method
    );

    let updated = shop
        .admin(
            "PUT",
            &format!("/admin/shipping-methods/{id}"),
            Some(
                json!({"name": "Express (1 day)", "rates": [{"amount": 1090, "currency": "EUR"}]}),
            ),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", text(&updated));
    let u = updated.json();
    assert_eq!(u["name"], "Express (1 day)");
    assert_eq!(u["rates"], json!([{"amount": 1090, "currency": "EUR"}]));
    assert_eq!(u["countries"], json!([]), "a PUT replaces every field");
    assert_eq!(u["active"], true);

    // Bad input: every bad field at once, nothing created or changed.
    let bad: Vec<(Value, &[&str])> = vec![
        (json!({}), &["/name", "/rates"]),
        (
            json!({"name": "X", "rates": [{"amount": -1, "currency": "EUR"}]}),
            &["/rates/0/amount"],
        ),
        (
            json!({"name": "X", "rates": [{"amount": 100, "currency": "EURO"}]}),
            &["/rates/0/currency"],
        ),
        (
            json!({"name": "X", "rates": [{"amount": 1, "currency": "EUR"}, {"amount": 2, "currency": "EUR"}]}),
            &["/rates/1/currency"],
        ),
        (
            json!({"name": "", "rates": [], "countries": ["XX"]}),
            &["/countries/0", "/name"],
        ),
        (
            json!({"name": "X", "rates": [], "active": "yes", "speed": 1}),
            &["/active", "/speed"],
        ),
    ];
    for (body, expected) in bad {
        for (method, path) in [
            ("POST", "/admin/shipping-methods".to_owned()),
            ("PUT", format!("/admin/shipping-methods/{id}")),
        ] {
            let r = shop.admin(method, &path, Some(body.clone())).await;
            let mut paths = error_paths(&r);
            paths.sort();
            assert_eq!(paths, expected, "{method} {body}");
        }
    }
    assert_eq!(shop.get(&format!("/admin/shipping-methods/{id}")).await, u);
    assert_eq!(
        shop.get("/admin/shipping-methods").await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = shop
        .admin(
            "PUT",
            "/admin/shipping-methods/ship_nothing",
            Some(json!({"name": "X", "rates": []})),
        )
        .await;
    assert_eq!(r.status, 404);

    let deleted = shop
        .admin("DELETE", &format!("/admin/shipping-methods/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204);
    let r = shop
        .admin("GET", &format!("/admin/shipping-methods/{id}"), None)
        .await;
    assert_eq!(r.status, 404);
    let again = shop
        .admin("DELETE", &format!("/admin/shipping-methods/{id}"), None)
        .await;
    assert_eq!(again.status, 204, "deleting is idempotent");
    let r = shop.admin("PATCH", "/admin/shipping-methods", None).await;
    assert_eq!(r.status, 405);

    // Tax rates, by country.
    let us = json!({"rate_ppm": 88750, "mode": "exclusive", "applies_to_shipping": false, "label": "Sales tax"});
    let created = shop
        .admin("PUT", "/admin/tax-rates/US", Some(us.clone()))
        .await;
    assert_eq!(created.status, 201, "{}", text(&created));
    let mut expected = us.clone();
    expected["country"] = json!("US");
    assert_eq!(created.json(), expected);
    let replaced = shop
        .admin(
            "PUT",
            "/admin/tax-rates/US",
            Some(json!({"rate_ppm": 80000, "mode": "exclusive", "applies_to_shipping": false, "label": "Sales tax"})),
        )
        .await;
    assert_eq!(replaced.status, 200);
    assert_eq!(shop.get("/admin/tax-rates/US").await["rate_ppm"], 80000);
    let rates = shop.get("/admin/tax-rates").await;
    let countries: Vec<&str> = rates["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["country"].as_str().unwrap())
        .collect();
    assert_eq!(countries, ["DE", "US"]);
    let bad: Vec<(&str, Value, &[&str])> = vec![
        (
            "/admin/tax-rates/FR",
            json!({"rate_ppm": 2000000, "mode": "inclusive", "applies_to_shipping": true, "label": "TVA"}),
            &["/rate_ppm"],
        ),
        (
            "/admin/tax-rates/FR",
            json!({"rate_ppm": 200000, "mode": "both", "label": "TVA"}),
            &["/applies_to_shipping", "/mode"],
        ),
        (
            "/admin/tax-rates/FR",
            json!({"rate_ppm": 200000, "mode": "inclusive", "applies_to_shipping": true, "label": ""}),
            &["/label"],
        ),
        (
            "/admin/tax-rates/FR",
            json!({"rate_ppm": -1, "mode": "inclusive", "applies_to_shipping": true, "label": "TVA"}),
            &["/rate_ppm"],
        ),
        (
            "/admin/tax-rates/XX",
            json!({"rate_ppm": 1, "mode": "inclusive", "applies_to_shipping": true, "label": "T"}),
            &["/country"],
        ),
    ];
    for (path, body, expected) in bad {
        let r = shop.admin("PUT", path, Some(body.clone())).await;
        let mut paths = error_paths(&r);
        paths.sort();
        assert_eq!(paths, expected, "{path} {body}");
    }
    let r = shop.admin("GET", "/admin/tax-rates/FR", None).await;
    assert_eq!(r.status, 404, "nothing was set for FR");
    let deleted = shop.admin("DELETE", "/admin/tax-rates/US", None).await;
    assert_eq!(deleted.status, 204);
    let r = shop.admin("GET", "/admin/tax-rates/US", None).await;
    assert_eq!(r.status, 404);
    let r = shop.admin("GET", "/admin/tax-rates?limit=500", None).await;
    assert_eq!(error_paths(&r), ["/limit"]);

    // Without a tax rate the shop does not sell to the country: a checkout to the US fails.
    let cart = send(
        &shop.app,
        "POST",
        "/api/carts",
        &[],
        Some(&json!({"currency": "EUR"})),
    )
    .await;
    let token = cart.json()["token"].as_str().unwrap().to_owned();
    send(
        &shop.app,
        "POST",
        "/api/cart/lines",
        &[("cart-token", &token)],
        Some(&json!({"variant_id": shop.variant, "quantity": 1})),
    )
    .await;
    let mut body = shop.checkout_body(&token, CARD_OK, "ada@example.com");
    body["shipping_address"]["country"] = json!("US");
    let r = send(
        &shop.app,
        "POST",
        "/api/checkout",
        &[("idempotency-key", "us-1")],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 400, "{}", text(&r));
}
