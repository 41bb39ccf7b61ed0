//! The gateway's abuse limits over HTTP (`api_kit::limits`, the limits component): each
//! limit triggered by a burst (429 problem+json with `Retry-After`, nothing changed) and
//! recovered after its window, exact under concurrency, per subject, and configured by its
//! Spin variable (off, malformed). The harness gives every other test ceilings it never
//! reaches; these tests set their own.
//!
//! Windows are real time (there is no clock hook): a recovery test sets a 1 s window and
//! polls, a bounded number of times, until the limit lets the request through again. No
//! test asserts a timing.

use crate::checkout_api::{CARD_OK, Shop, shop_in};
use commerce_tests::openapi::check_response;
use commerce_tests::orders::OrderStatus;
use commerce_tests::{ADMIN_TOKEN, TestApp, TestResponse, spawn_app_with};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const ALICE: &str = "203.0.113.10:40000";
const BOB: &str = "198.51.100.20:40000";

/// `POST /api/carts` from `client`.
async fn new_cart(app: &TestApp, client: &str) -> TestResponse {
    app.send_from(
        client,
        "POST",
        "/api/carts",
        &[],
        Some(&json!({"currency": "EUR"})),
    )
    .await
}

/// `GET /api/shipping-methods` (a read) from `client`.
async fn shipping_methods(app: &TestApp, client: &str) -> TestResponse {
    let path = "/api/shipping-methods?country=DE&currency=EUR";
    app.send_from(client, "GET", path, &[], None).await
}

/// Panics unless `r` is the 429 `rate-limited` problem with a `Retry-After` of at least
/// one second, documented for `method path`; its `Retry-After`.
fn assert_rate_limited(method: &str, path: &str, r: &TestResponse) -> u64 {
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.problem_type(), "rate-limited");
    let retry: u64 = r
        .headers
        .get("retry-after")
        .expect("a 429 says when to retry")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds");
    assert!(retry >= 1);
    check_response(method, path, r);
    retry
}

/// Sends `request` until it is answered other than 429, at most 100 times, 100 ms apart;
/// that answer. Polls a limit with a short window back to having room.
async fn until_not_limited<F, Fut>(mut request: F) -> TestResponse
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = TestResponse>,
{
    for _ in 0..100 {
        let r = request().await;
        if r.status != 429 {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("still limited after 100 tries");
}

/// The checkout shop of `checkout_api` (one product, 10 in stock, shipping, tax) with
/// these variables.
async fn shop_with(variables: &[(&str, &str)]) -> Shop {
    let mut all = vec![(
        "payments_test_webhook_secret",
        "whsec_test_checkout_0123456789",
    )];
    all.extend_from_slice(variables);
    shop_in(spawn_app_with(&all), 10).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_checkouts_past_the_limit_is_refused_and_changes_nothing() {
    let shop = shop_with(&[("limit_checkout_per_client", "2/3600")]).await;
    for key in ["burst-1", "burst-2"] {
        let cart = shop.cart(1).await;
        let r = shop.checkout(key, &shop.body(&cart, CARD_OK)).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let stock = shop.stock().await;
    let cart = shop.cart(1).await;
    for key in ["burst-3", "burst-4", "burst-3"] {
        let r = shop.checkout(key, &shop.body(&cart, CARD_OK)).await;
        let retry = assert_rate_limited("POST", "/api/checkout", &r);
        // One attempt comes back every 1800 s.
        assert!(retry > 1000, "{retry}");
    }
    // Nothing changed: no order, no stock taken, the cart still open.
    assert_eq!(shop.stock().await, stock);
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 2);
    let view = shop
        .app
        .get_with("/api/cart", &[("cart-token", &cart)])
        .await;
    assert_eq!(view.status, 200, "{}", view.text());
    assert_eq!(view.json()["checkout"], Value::Null);
    assert_eq!(view.json()["lines"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkout_limit_recovers_after_its_window() {
    let shop = shop_with(&[("limit_checkout_per_client", "1/1")]).await;
    let first = shop.cart(1).await;
    let r = shop.checkout("rec-1", &shop.body(&first, CARD_OK)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cart = shop.cart(1).await;
    let body = shop.body(&cart, CARD_OK);
    let refused = shop.checkout("rec-2", &body).await;
    assert_eq!(assert_rate_limited("POST", "/api/checkout", &refused), 1);
    let paid = until_not_limited(|| shop.checkout("rec-2", &body)).await;
    assert_eq!(paid.status, 201, "{}", paid.text());
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_against_a_limit_of_k_let_exactly_k_through() {
    let app = spawn_app_with(&[("limit_api_writes_per_client", "5/3600")]);
    let (_app, answers) =
        concurrently(app, 24, |app| async move { new_cart(&app, ALICE).await }).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((created, refused), (5, 19), "{:?}", statuses(&answers));
    for r in answers.iter().filter(|r| r.status == 429) {
        assert_rate_limited("POST", "/api/carts", r);
    }
}

/// `n` requests made by `request` at once, each on its own task; their answers.
async fn concurrently<F, Fut>(
    app: TestApp,
    n: usize,
    request: F,
) -> (Arc<TestApp>, Vec<TestResponse>)
where
    F: Fn(Arc<TestApp>) -> Fut,
    Fut: std::future::Future<Output = TestResponse> + Send + 'static,
{
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(request(app.clone()))).collect();
    let mut answers = Vec::with_capacity(n);
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    (app, answers)
}

fn statuses(answers: &[TestResponse]) -> Vec<u16> {
    answers.iter().map(|r| r.status).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ceiling_counts_writes_only_and_limits_each_client_apart() {
    let app = spawn_app_with(&[("limit_api_writes_per_client", "2/3600")]);
    for _ in 0..2 {
        assert_eq!(new_cart(&app, ALICE).await.status, 201);
    }
    let refused = new_cart(&app, ALICE).await;
    assert_rate_limited("POST", "/api/carts", &refused);
    // Reads are not counted, nor refused.
    for _ in 0..5 {
        let r = shipping_methods(&app, ALICE).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // Another client has its own bucket.
    assert_eq!(new_cart(&app, BOB).await.status, 201);
    // An IPv6 client is its /64: another address in it shares the bucket, another /64
    // does not.
    for _ in 0..2 {
        assert_eq!(new_cart(&app, "[2001:db8:0:1::1]:1").await.status, 201);
    }
    assert_eq!(new_cart(&app, "[2001:db8:0:1::2]:1").await.status, 429);
    assert_eq!(new_cart(&app, "[2001:db8:0:2::1]:1").await.status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_forwarded_for_is_trusted_only_as_far_as_the_configured_hops() {
    // A new cart from ALICE's address with this X-Forwarded-For; its status.
    async fn cart_forwarded_for(app: &TestApp, xff: &str) -> u16 {
        let body = json!({"currency": "EUR"});
        app.send_from(
            ALICE,
            "POST",
            "/api/carts",
            &[("x-forwarded-for", xff)],
            Some(&body),
        )
        .await
        .status
    }
    // By default the peer is the client: X-Forwarded-For is the client's own to forge.
    let app = spawn_app_with(&[("limit_api_writes_per_client", "1/3600")]);
    assert_eq!(cart_forwarded_for(&app, "1.1.1.1").await, 201);
    assert_eq!(
        cart_forwarded_for(&app, "2.2.2.2").await,
        429,
        "a forged X-Forwarded-For made another client"
    );

    // Behind one trusted proxy (the ingress at ALICE's address) the last entry is the
    // client; what the client wrote to the left of it changes nothing.
    let app = spawn_app_with(&[
        ("limit_api_writes_per_client", "1/3600"),
        ("client_address_source", "x-forwarded-for:1"),
    ]);
    assert_eq!(cart_forwarded_for(&app, "192.0.2.1").await, 201);
    assert_eq!(
        cart_forwarded_for(&app, "9.9.9.9, 192.0.2.1").await,
        429,
        "a forged leftmost entry made another client"
    );
    assert_eq!(
        cart_forwarded_for(&app, "192.0.2.2").await,
        201,
        "clients behind the proxy are told apart"
    );
}

/// `GET /admin/products` from `client` with `token`.
async fn admin_get(app: &TestApp, client: &str, token: &str) -> TestResponse {
    let auth = format!("Bearer {token}");
    app.send_from(
        client,
        "GET",
        "/admin/products",
        &[("authorization", &auth)],
        None,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_authentication_failures_are_limited_before_the_token_is_checked() {
    let app = spawn_app_with(&[("limit_admin_auth_failures_per_client", "3/3600")]);
    // Successes are not counted.
    for _ in 0..6 {
        assert_eq!(admin_get(&app, ALICE, ADMIN_TOKEN).await.status, 200);
    }
    // Failures are: a missing token (401) and wrong ones (403), on either admin component.
    let none = app
        .send_from(ALICE, "GET", "/admin/orders", &[], None)
        .await;
    assert_eq!(none.status, 401);
    for _ in 0..2 {
        assert_eq!(
            admin_get(&app, ALICE, "wrong-token-0123456789")
                .await
                .status,
            403
        );
    }
    let refused = admin_get(&app, ALICE, "wrong-token-0123456789").await;
    assert_rate_limited("GET", "/admin/products", &refused);
    // Over the limit, even the right token is refused, before it is checked, and a write
    // changes nothing.
    let right = admin_get(&app, ALICE, ADMIN_TOKEN).await;
    assert_rate_limited("GET", "/admin/products", &right);
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let create = app
        .send_from(
            ALICE,
            "POST",
            "/admin/shipping-methods",
            &[("authorization", &auth)],
            Some(&json!({"name": "Courier", "rates": [{"amount": 990, "currency": "EUR"}]})),
        )
        .await;
    assert_rate_limited("POST", "/admin/shipping-methods", &create);
    // Another client is not limited, and sees that nothing was created.
    let listed = app
        .send_from(
            BOB,
            "GET",
            "/admin/shipping-methods",
            &[("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert!(!listed.text().contains("Courier"), "{}", listed.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_admin_failures_are_told_why_exactly_capacity_times() {
    let app = spawn_app_with(&[("limit_admin_auth_failures_per_client", "4/3600")]);
    let (app, answers) = concurrently(app, 16, |app| async move {
        admin_get(&app, ALICE, "wrong-token-0123456789").await
    })
    .await;
    let forbidden = answers.iter().filter(|r| r.status == 403).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((forbidden, refused), (4, 12), "{:?}", statuses(&answers));
    assert_rate_limited(
        "GET",
        "/admin/products",
        &admin_get(&app, ALICE, ADMIN_TOKEN).await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_failures_recover_after_the_window() {
    let app = spawn_app_with(&[("limit_admin_auth_failures_per_client", "1/1")]);
    assert_eq!(
        admin_get(&app, ALICE, "wrong-token-0123456789")
            .await
            .status,
        403
    );
    let refused = admin_get(&app, ALICE, ADMIN_TOKEN).await;
    assert_eq!(assert_rate_limited("GET", "/admin/products", &refused), 1);
    let r = until_not_limited(|| admin_get(&app, ALICE, ADMIN_TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_set_to_off_or_zero_is_not_applied() {
    for off in ["off", "0", "0/60"] {
        let app = spawn_app_with(&[
            ("limit_api_writes_per_client", off),
            ("limit_admin_auth_failures_per_client", off),
        ]);
        for _ in 0..12 {
            assert_eq!(new_cart(&app, ALICE).await.status, 201, "{off}");
            assert_eq!(
                admin_get(&app, ALICE, "wrong-token-0123456789")
                    .await
                    .status,
                403,
                "{off}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_limit_variable_fails_the_routes_it_guards_and_changes_nothing() {
    for (variable, value) in [
        ("limit_api_writes_per_client", "120 per minute"),
        ("limit_api_writes_per_client", "10/0"),
        ("client_address_source", "x-forwarded-for"),
    ] {
        let app = spawn_app_with(&[(variable, value)]);
        let r = new_cart(&app, ALICE).await;
        assert_eq!(r.status, 503, "{variable}={value}: {}", r.text());
        assert_eq!(r.problem_type(), "unavailable");
        check_response("POST", "/api/carts", &r);
        // Reads are not guarded by it.
        let read = shipping_methods(&app, ALICE).await;
        assert_eq!(read.status, 200, "{}", read.text());
    }
    let shop = shop_with(&[("limit_checkout_per_client", "ten")]).await;
    let stock = shop.stock().await;
    let cart = shop.cart(1).await;
    let r = shop
        .checkout("bad-config", &shop.body(&cart, CARD_OK))
        .await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(shop.stock().await, stock);
    assert_eq!(shop.orders_with(OrderStatus::PendingPayment).await, 0);
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 0);
}
