//! HTTP tests of the cart API (`/api/carts`, `/api/cart` with the cart token in the
//! `Cart-Token` header, `/api/shipping-methods`) through the composed
//! app (cart-api + cart + catalog + pricing): every endpoint, every class of bad input (and
//! that it changes nothing), limits, the one-currency rule, current titles and prices on
//! every read, totals by pricing's rules, and idle expiry.
//!
//! Products are seeded through the catalog component (`app.catalog()`), shipping methods
//! and tax rates through the pricing component (`app.pricing()`).

use bytes::Bytes;
use commerce_tests::catalog::{self, NewVariant, ProductStatus};
use commerce_tests::pricing::{Money, ShippingMethodInput, TaxMode, TaxRate};
use commerce_tests::{TestApp, TestResponse, product, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

// --- helpers ------------------------------------------------------------------------------

/// Where a request goes: a path, and the cart token its `Cart-Token` header carries.
#[derive(Clone)]
struct To {
    path: String,
    token: Option<String>,
}

impl From<&str> for To {
    fn from(path: &str) -> To {
        To {
            path: path.to_owned(),
            token: None,
        }
    }
}

impl From<&To> for To {
    fn from(to: &To) -> To {
        to.clone()
    }
}

/// `path` (under `/api/cart`) of the cart `token` names.
fn cart_at(token: &str, path: &str) -> To {
    To {
        path: path.to_owned(),
        token: Some(token.to_owned()),
    }
}

async fn send(app: &TestApp, method: &str, to: impl Into<To>, body: Option<Value>) -> TestResponse {
    let to = to.into();
    let mut req = http::Request::builder().method(method).uri(&to.path);
    if let Some(token) = &to.token {
        req = req.header("cart-token", token.as_str());
    }
    let bytes = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    app.request(req.body(bytes).unwrap()).await
}

/// `GET path` of the cart `token` names.
async fn get_at(app: &TestApp, token: &str, path: &str) -> TestResponse {
    send(app, "GET", cart_at(token, path), None).await
}

fn ok(res: &TestResponse, status: u16) -> Value {
    assert_eq!(res.status, status, "{}", String::from_utf8_lossy(&res.body));
    if res.body.is_empty() {
        Value::Null
    } else {
        assert_eq!(res.content_type(), "application/json");
        res.json()
    }
}

/// Asserts a problem of `status` with the slug `kind`; returns its body.
fn problem(res: &TestResponse, status: u16, kind: &str) -> Value {
    assert_eq!(res.status, status, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.content_type(), "application/problem+json");
    let body = res.json();
    assert_eq!(
        body["type"],
        format!("https://spin-commerce.dev/problems/{kind}")
    );
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// Asserts a 400 whose errors name exactly `paths`.
fn invalid(res: &TestResponse, paths: &[&str]) {
    let body = problem(res, 400, "invalid-input");
    let got: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(got, paths, "{body}");
}

/// A shop with two published products (two variants each, EUR and USD prices) and one
/// draft product. Returns the variant ids: (tee S 1999 EUR, tee M 2099 EUR, mug S 850 EUR,
/// draft S).
async fn shop(app: &TestApp) -> (String, String, String, String) {
    let mut c = app.catalog().await;
    let tee = c.create_product(product("tee", 1999, vec![])).await;
    let mug = c.create_product(product("mug", 850, vec![])).await;
    let mut draft = product("draft", 500, vec![]);
    draft.status = ProductStatus::Draft;
    let draft = c.create_product(draft).await;
    (
        tee.variants[0].id.clone(),
        tee.variants[1].id.clone(),
        mug.variants[0].id.clone(),
        draft.variants[0].id.clone(),
    )
}

async fn create(app: &TestApp, currency: &str) -> (String, Value) {
    let body = ok(
        &send(
            app,
            "POST",
            "/api/carts",
            Some(json!({"currency": currency})),
        )
        .await,
        201,
    );
    (
        body["token"].as_str().unwrap().to_owned(),
        body["cart"].clone(),
    )
}

async fn add(app: &TestApp, token: &str, variant_id: &str, quantity: i64) -> TestResponse {
    send(
        app,
        "POST",
        cart_at(token, "/api/cart/lines"),
        Some(json!({"variant_id": variant_id, "quantity": quantity})),
    )
    .await
}

async fn get(app: &TestApp, token: &str) -> Value {
    ok(&get_at(app, token, "/api/cart").await, 200)
}

/// The cart's lines as (variant id, quantity).
pub(crate) fn lines(cart: &Value) -> Vec<(String, u64)> {
    cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["variant_id"].as_str().unwrap().to_owned(),
                l["quantity"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn money(amount: i64, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

/// Round half to even of n / d (d > 0), as pricing documents it.
fn round_half_even(n: i128, d: i128) -> i128 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

async fn ship_method(
    app: &TestApp,
    name: &str,
    rates: &[(i64, &str)],
    countries: &[&str],
) -> String {
    app.pricing()
        .await
        .create_shipping_method(&ShippingMethodInput {
            name: name.into(),
            rates: rates
                .iter()
                .map(|(a, c)| Money {
                    amount: *a,
                    currency: (*c).into(),
                })
                .collect(),
            countries: countries.iter().map(|c| (*c).to_owned()).collect(),
            active: true,
            position: 0,
        })
        .await
        .unwrap()
        .id
}

async fn tax(app: &TestApp, country: &str, rate_ppm: u32, mode: TaxMode, shipping: bool) {
    app.pricing()
        .await
        .set_tax_rate(&TaxRate {
            country: country.into(),
            rate_ppm,
            mode,
            applies_to_shipping: shipping,
            label: format!("VAT {country}"),
        })
        .await
        .unwrap();
}

// --- creating and reading -------------------------------------------------------------------

#[tokio::test]
async fn a_new_cart_is_empty_and_its_token_opens_it() {
    let app = spawn_app();
    let (token, cart) = create(&app, "EUR").await;
    assert!(token.starts_with("ctk_"));
    assert!(cart["id"].as_str().unwrap().starts_with("cart_"));
    assert_eq!(cart["currency"], "EUR");
    assert_eq!(cart["lines"], json!([]));
    assert_eq!(cart["item_count"], 0);
    assert_eq!(cart["subtotal"], money(0, "EUR"));
    assert_eq!(cart["ready_for_checkout"], false);
    assert_eq!(
        cart["expires_at"].as_i64().unwrap() - cart["created_at"].as_i64().unwrap(),
        7 * 24 * 3600 * 1000
    );
    assert!(
        cart.get("token").is_none(),
        "the token is not part of the cart"
    );

    let again = get(&app, &token).await;
    assert_eq!(again["id"], cart["id"]);
    assert!(again.get("token").is_none(), "the token is shown only once");
}

#[tokio::test]
async fn creating_a_cart_refuses_bad_bodies() {
    let app = spawn_app();
    invalid(
        &send(
            &app,
            "POST",
            "/api/carts",
            Some(json!({"currency": "euro"})),
        )
        .await,
        &["/currency"],
    );
    invalid(
        &send(&app, "POST", "/api/carts", Some(json!({}))).await,
        &["/currency"],
    );
    invalid(
        &send(&app, "POST", "/api/carts", Some(json!({"currency": 978}))).await,
        &["/currency"],
    );
    invalid(
        &send(
            &app,
            "POST",
            "/api/carts",
            Some(json!({"currency": "EUR", "token": "ctk_mine"})),
        )
        .await,
        &["/token"],
    );
    invalid(
        &send(&app, "POST", "/api/carts", Some(json!([]))).await,
        &[""],
    );
    let res = app
        .request(
            http::Request::post("/api/carts")
                .header("content-type", "text/plain")
                .body(Bytes::from("EUR"))
                .unwrap(),
        )
        .await;
    problem(&res, 415, "unsupported-media-type");
    let res = app
        .request(
            http::Request::post("/api/carts")
                .header("content-type", "application/json")
                .body(Bytes::from("{\"currency\":"))
                .unwrap(),
        )
        .await;
    invalid(&res, &[""]);
    invalid(
        &send(
            &app,
            "POST",
            "/api/carts?x=1",
            Some(json!({"currency": "EUR"})),
        )
        .await,
        &["/x"],
    );
}

#[tokio::test]
async fn unknown_tokens_are_404_on_every_route_and_nothing_leaks() {
    let app = spawn_app();
    let (tee, _, _, _) = shop(&app).await;
    let (token, cart) = create(&app, "EUR").await;
    let id = cart["id"].as_str().unwrap();
    let mut guessed = token.clone();
    guessed.pop();
    guessed.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [guessed.as_str(), id, "ctk_short", "nope"] {
        problem(&get_at(&app, bad, "/api/cart").await, 404, "not-found");
        problem(&add(&app, bad, &tee, 1).await, 404, "not-found");
        // A bad body does not tell an unknown cart from a known one either: 404 first for
        // a well-formed request.
        problem(&add(&app, bad, "var_NOPE", 1).await, 404, "not-found");
        problem(
            &send(
                &app,
                "PATCH",
                cart_at(bad, "/api/cart/lines/line_X"),
                Some(json!({"quantity": 1})),
            )
            .await,
            404,
            "not-found",
        );
        problem(
            &send(&app, "DELETE", cart_at(bad, "/api/cart/lines/line_X"), None).await,
            404,
            "not-found",
        );
        problem(
            &get_at(&app, bad, "/api/cart/totals").await,
            404,
            "not-found",
        );
    }
    assert_eq!(get(&app, &token).await["lines"], json!([]));
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow_and_unknown_paths_404() {
    let app = spawn_app();
    let (token, _) = create(&app, "EUR").await;
    for (method, to, allow) in [
        ("GET", To::from("/api/carts"), "POST"),
        ("PUT", cart_at(&token, "/api/cart"), "GET, DELETE"),
        ("GET", cart_at(&token, "/api/cart/lines"), "POST"),
        (
            "GET",
            cart_at(&token, "/api/cart/lines/line_X"),
            "PATCH, DELETE",
        ),
        ("POST", cart_at(&token, "/api/cart/totals"), "GET"),
        ("POST", To::from("/api/shipping-methods"), "GET"),
    ] {
        let res = send(&app, method, &to, None).await;
        problem(&res, 405, "method-not-allowed");
        assert_eq!(res.headers["allow"], allow, "{method} {}", to.path);
    }
    for path in [
        "/api/cart/nope",
        "/api/cart/lines/line_X/more",
        "/api/cart/",
        "/api/cartx",
    ] {
        let res = get_at(&app, &token, path).await;
        if path == "/api/cartx" {
            // Not a route of the app at all.
            assert_eq!(res.status, 404, "{path}");
        } else {
            problem(&res, 404, "not-found");
        }
    }
}

#[tokio::test]
async fn the_token_travels_only_in_the_cart_token_header() {
    let app = spawn_app();
    let (tee_s, _, _, _) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    ok(&add(&app, &token, &tee_s, 1).await, 200);
    let line = get(&app, &token).await["lines"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let line_path = format!("/api/cart/lines/{line}");

    // Without the header (or with an empty one) every cart route is a 401 that says what
    // is missing, and changes nothing.
    let routes = [
        ("GET", "/api/cart", None),
        ("DELETE", "/api/cart", None),
        (
            "POST",
            "/api/cart/lines",
            Some(json!({"variant_id": tee_s, "quantity": 1})),
        ),
        ("PATCH", line_path.as_str(), Some(json!({"quantity": 5}))),
        ("DELETE", line_path.as_str(), None),
        ("GET", "/api/cart/totals", None),
    ];
    for (method, path, body) in &routes {
        for to in [To::from(*path), cart_at("", path), cart_at("  ", path)] {
            let res = send(&app, method, to, body.clone()).await;
            let p = problem(&res, 401, "unauthorized");
            assert!(
                p["detail"].as_str().unwrap().contains("Cart-Token"),
                "{method} {path}: {p}"
            );
            assert_eq!(res.headers["www-authenticate"], "Cart-Token");
            assert_eq!(res.headers["cache-control"], "no-store");
            assert_eq!(res.headers["vary"], "Cart-Token, Authorization, Cookie");
        }
    }
    assert_eq!(lines(&get(&app, &token).await), vec![(tee_s.clone(), 1)]);

    // Every answer of the cart routes depends on the header: no cache may keep it, and a
    // cache that did must key it on the header.
    for (method, path, body) in &routes[..] {
        if *method == "DELETE" && *path == "/api/cart" {
            continue;
        }
        let res = send(&app, method, cart_at(&token, path), body.clone()).await;
        assert!(res.status < 500, "{method} {path}: {}", res.status);
        assert_eq!(res.headers["cache-control"], "no-store", "{method} {path}");
        assert_eq!(
            res.headers["vary"], "Cart-Token, Authorization, Cookie",
            "{method} {path}"
        );
    }
    // Creating a cart answers its token: not to be stored either.
    let res = send(&app, "POST", "/api/carts", Some(json!({"currency": "EUR"}))).await;
    assert_eq!(res.status, 201);
    assert_eq!(res.headers["cache-control"], "no-store");

    // The token in the path, as the API once had it, reaches no route at all.
    for path in [
        format!("/api/carts/{token}"),
        format!("/api/carts/{token}/lines"),
        format!("/api/cart/{token}"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status, 404, "{path}");
    }
    get(&app, &token).await;
}

// --- lines -----------------------------------------------------------------------------------

#[tokio::test]
async fn lines_show_current_titles_and_server_prices() {
    let app = spawn_app();
    let (tee_s, tee_m, mug_s, _) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    ok(&add(&app, &token, &tee_s, 2).await, 200);
    ok(&add(&app, &token, &mug_s, 1).await, 200);
    let cart = ok(&add(&app, &token, &tee_m, 3).await, 200);
    assert_eq!(
        lines(&cart),
        vec![(tee_s.clone(), 2), (mug_s.clone(), 1), (tee_m.clone(), 3)]
    );
    let line = &cart["lines"][0];
    assert!(line["id"].as_str().unwrap().starts_with("line_"));
    assert!(line["product_id"].as_str().unwrap().starts_with("prod_"));
    assert_eq!(line["sku"], "TEE-S");
    assert_eq!(line["product_title"], "Product tee");
    assert_eq!(line["variant_title"], "S");
    assert_eq!(line["status"], "available");
    assert_eq!(line["unit_price"], money(1999, "EUR"));
    assert_eq!(line["line_total"], money(3998, "EUR"));
    assert_eq!(cart["lines"][2]["unit_price"], money(2099, "EUR"));
    assert_eq!(cart["item_count"], 6);
    assert_eq!(cart["subtotal"], money(3998 + 850 + 3 * 2099, "EUR"));
    assert_eq!(cart["ready_for_checkout"], true);

    // Adding again grows the line.
    let cart = ok(&add(&app, &token, &tee_s, 1).await, 200);
    assert_eq!(lines(&cart)[0], (tee_s.clone(), 3));

    // A USD cart shows USD prices for the same variant.
    let (usd, _) = create(&app, "USD").await;
    let cart = ok(&add(&app, &usd, &tee_s, 1).await, 200);
    assert_eq!(cart["lines"][0]["unit_price"], money(2049, "USD"));
}

#[tokio::test]
async fn a_price_or_title_sent_by_the_client_is_refused() {
    let app = spawn_app();
    let (tee_s, _, _, _) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    let res = send(
        &app,
        "POST",
        cart_at(&token, "/api/cart/lines"),
        Some(json!({"variant_id": tee_s, "quantity": 1, "unit_price": {"amount": 1, "currency": "EUR"}})),
    )
    .await;
    invalid(&res, &["/unit_price"]);
    let res = send(
        &app,
        "POST",
        cart_at(&token, "/api/cart/lines"),
        Some(json!({"variant_id": tee_s, "quantity": 1, "price": 1, "title": "x"})),
    )
    .await;
    invalid(&res, &["/price", "/title"]);
    assert_eq!(get(&app, &token).await["lines"], json!([]));
}

#[tokio::test]
async fn bad_quantities_are_refused_and_change_nothing() {
    let app = spawn_app();
    let (tee_s, _, _, _) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    ok(&add(&app, &token, &tee_s, 5).await, 200);
    let path = cart_at(&token, "/api/cart/lines");
    for quantity in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!(2.0),
        json!("2"),
        json!(null),
        json!(1e3),
    ] {
        let res = send(
            &app,
            "POST",
            &path,
            Some(json!({"variant_id": tee_s, "quantity": quantity})),
        )
        .await;
        invalid(&res, &["/quantity"]);
    }
    let res = send(&app, "POST", &path, Some(json!({"variant_id": tee_s}))).await;
    invalid(&res, &["/quantity"]);
    // Over the line limit (99), directly and by growing the line.
    invalid(&add(&app, &token, &tee_s, 100).await, &["/quantity"]);
    invalid(&add(&app, &token, &tee_s, 95).await, &["/quantity"]);
    invalid(
        &add(&app, &token, &tee_s, 99_999_999_999).await,
        &["/quantity"],
    );
    assert_eq!(lines(&get(&app, &token).await), vec![(tee_s.clone(), 5)]);
    ok(&add(&app, &token, &tee_s, 94).await, 200);
}

#[tokio::test]
async fn unknown_unpublished_and_unpriced_variants_are_refused() {
    let app = spawn_app();
    let (tee_s, _, _, draft) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    for variant in [
        "var_00000000000000000000000000",
        "prod_X",
        "",
        draft.as_str(),
    ] {
        invalid(&add(&app, &token, variant, 1).await, &["/variant_id"]);
    }
    let res = send(
        &app,
        "POST",
        cart_at(&token, "/api/cart/lines"),
        Some(json!({"variant_id": 7, "quantity": 1})),
    )
    .await;
    invalid(&res, &["/variant_id"]);
    // The products are priced in EUR and USD only: a GBP cart takes none of them.
    let (gbp, _) = create(&app, "GBP").await;
    let body = problem(&add(&app, &gbp, &tee_s, 1).await, 400, "invalid-input");
    assert_eq!(body["errors"][0]["path"], "/variant_id");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("GBP")
    );
    assert_eq!(get(&app, &token).await["lines"], json!([]));
    assert_eq!(get(&app, &gbp).await["lines"], json!([]));
}

#[tokio::test]
async fn the_cart_limits_hold_over_http() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let mut variants = Vec::new();
    for n in 0..26 {
        let p = c
            .create_product(product(&format!("p{n}"), 100, vec![]))
            .await;
        variants.extend(p.variants.into_iter().map(|v| v.id));
    }
    drop(c);
    let (token, _) = create(&app, "EUR").await;
    // 5 lines of 99 = 495 units; 6 more units do not fit, 5 do.
    for v in &variants[..5] {
        ok(&add(&app, &token, v, 99).await, 200);
    }
    invalid(&add(&app, &token, &variants[5], 6).await, &["/quantity"]);
    let cart = ok(&add(&app, &token, &variants[5], 5).await, 200);
    assert_eq!(cart["item_count"], 500);

    // 50 lines at most.
    let (token, _) = create(&app, "EUR").await;
    for v in &variants[..50] {
        ok(&add(&app, &token, v, 1).await, 200);
    }
    let body = problem(
        &add(&app, &token, &variants[50], 1).await,
        400,
        "invalid-input",
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("50")
    );
    assert_eq!(
        get(&app, &token).await["lines"].as_array().unwrap().len(),
        50
    );
}

#[tokio::test]
async fn changing_and_removing_lines() {
    let app = spawn_app();
    let (tee_s, _, mug_s, _) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    ok(&add(&app, &token, &tee_s, 2).await, 200);
    let cart = ok(&add(&app, &token, &mug_s, 1).await, 200);
    let tee_line = cart["lines"][0]["id"].as_str().unwrap().to_owned();
    let mug_line = cart["lines"][1]["id"].as_str().unwrap().to_owned();
    let line_path = |id: &str| cart_at(&token, &format!("/api/cart/lines/{id}"));

    let cart = ok(
        &send(
            &app,
            "PATCH",
            line_path(&tee_line),
            Some(json!({"quantity": 4})),
        )
        .await,
        200,
    );
    assert_eq!(lines(&cart), vec![(tee_s.clone(), 4), (mug_s.clone(), 1)]);
    assert_eq!(cart["lines"][0]["line_total"], money(4 * 1999, "EUR"));

    for bad in [json!(-1), json!(1.5), json!("3"), json!(100)] {
        invalid(
            &send(
                &app,
                "PATCH",
                line_path(&tee_line),
                Some(json!({"quantity": bad})),
            )
            .await,
            &["/quantity"],
        );
    }
    invalid(
        &send(
            &app,
            "PATCH",
            line_path(&tee_line),
            Some(json!({"quantity": 1, "unit_price": {"amount": 1, "currency": "EUR"}})),
        )
        .await,
        &["/unit_price"],
    );
    problem(
        &send(
            &app,
            "PATCH",
            line_path("line_NOPE"),
            Some(json!({"quantity": 1})),
        )
        .await,
        404,
        "not-found",
    );
    assert_eq!(
        lines(&get(&app, &token).await),
        vec![(tee_s.clone(), 4), (mug_s.clone(), 1)]
    );

    // Zero removes; DELETE removes and is idempotent.
    let cart = ok(
        &send(
            &app,
            "PATCH",
            line_path(&tee_line),
            Some(json!({"quantity": 0})),
        )
        .await,
        200,
    );
    assert_eq!(lines(&cart), vec![(mug_s.clone(), 1)]);
    let cart = ok(&send(&app, "DELETE", line_path(&mug_line), None).await, 200);
    assert_eq!(cart["lines"], json!([]));
    let cart = ok(&send(&app, "DELETE", line_path(&mug_line), None).await, 200);
    assert_eq!(cart["lines"], json!([]));

    // A line of another cart is not reachable through this one.
    let (other, _) = create(&app, "EUR").await;
    let theirs = ok(&add(&app, &other, &tee_s, 1).await, 200)["lines"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    problem(
        &send(
            &app,
            "PATCH",
            line_path(&theirs),
            Some(json!({"quantity": 9})),
        )
        .await,
        404,
        "not-found",
    );
    ok(&send(&app, "DELETE", line_path(&theirs), None).await, 200);
    assert_eq!(lines(&get(&app, &other).await), vec![(tee_s.clone(), 1)]);
}

#[tokio::test]
async fn deleting_a_cart_is_idempotent_and_ends_it() {
    let app = spawn_app();
    let (token, _) = create(&app, "EUR").await;
    let (other, _) = create(&app, "EUR").await;
    let res = send(&app, "DELETE", cart_at(&token, "/api/cart"), None).await;
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());
    problem(&get_at(&app, &token, "/api/cart").await, 404, "not-found");
    assert_eq!(
        send(&app, "DELETE", cart_at(&token, "/api/cart"), None)
            .await
            .status,
        204
    );
    get(&app, &other).await;
}

#[tokio::test]
async fn catalog_changes_show_on_the_next_read() {
    let app = spawn_app();
    let (tee_s, _, mug_s, _) = shop(&app).await;
    let (token, _) = create(&app, "EUR").await;
    ok(&add(&app, &token, &tee_s, 2).await, 200);
    let cart = ok(&add(&app, &token, &mug_s, 1).await, 200);
    let mug_line = cart["lines"][1]["id"].as_str().unwrap().to_owned();

    // New price and title of the tee's S variant.
    let mut c = app.catalog().await;
    let variant = NewVariant {
        sku: "TEE-S".into(),
        title: "Small".into(),
        options: vec![catalog::OptionValue {
            option: "size".into(),
            value: "S".into(),
        }],
        prices: vec![catalog::Money {
            amount: 1500,
            currency: "EUR".into(),
        }],
        compare_at_prices: vec![],
        weight_grams: None,
        barcode: None,
    };
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_update_variant(&mut c.lib.store, &tee_s, &variant)
        .await
        .unwrap()
        .unwrap();
    // The mug is archived.
    let mug_product = cart["lines"][1]["product_id"].as_str().unwrap().to_owned();
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_set_product_status(&mut c.lib.store, &mug_product, ProductStatus::Archived)
        .await
        .unwrap()
        .unwrap();
    drop(c);

    let cart = get(&app, &token).await;
    let tee = &cart["lines"][0];
    assert_eq!(tee["variant_title"], "Small");
    assert_eq!(tee["unit_price"], money(1500, "EUR"));
    assert_eq!(tee["line_total"], money(3000, "EUR"));
    let mug = &cart["lines"][1];
    assert_eq!(mug["status"], "discontinued");
    assert_eq!(mug["unit_price"], Value::Null);
    assert_eq!(mug["line_total"], Value::Null);
    assert_eq!(
        cart["subtotal"],
        money(3000, "EUR"),
        "only available lines count"
    );
    assert_eq!(cart["item_count"], 3);
    assert_eq!(cart["ready_for_checkout"], false);

    // The archived mug can be lowered or removed but not raised or added.
    let mug_path = cart_at(&token, &format!("/api/cart/lines/{mug_line}"));
    invalid(
        &send(&app, "PATCH", &mug_path, Some(json!({"quantity": 2}))).await,
        &["/variant_id"],
    );
    invalid(&add(&app, &token, &mug_s, 1).await, &["/variant_id"]);
    let cart = ok(
        &send(&app, "PATCH", &mug_path, Some(json!({"quantity": 0}))).await,
        200,
    );
    assert_eq!(cart["ready_for_checkout"], true);

    // The tee lost its USD price: in a USD cart it is unpriced.
    let (usd, _) = create(&app, "USD").await;
    invalid(&add(&app, &usd, &tee_s, 1).await, &["/variant_id"]);
}

// --- totals and shipping methods ------------------------------------------------------------

#[tokio::test]
async fn totals_follow_pricing_rules() {
    let app = spawn_app();
    let (tee_s, tee_m, mug_s, _) = shop(&app).await;
    tax(&app, "DE", 190_000, TaxMode::Exclusive, true).await;
    tax(&app, "AT", 200_000, TaxMode::Inclusive, false).await;
    let standard = ship_method(&app, "Standard", &[(490, "EUR"), (590, "USD")], &[]).await;
    let (token, _) = create(&app, "EUR").await;
    ok(&add(&app, &token, &tee_s, 3).await, 200);
    ok(&add(&app, &token, &tee_m, 1).await, 200);
    ok(&add(&app, &token, &mug_s, 7).await, 200);
    let path = cart_at(&token, "/api/cart/totals");

    // Without a country: no tax, no shipping.
    let t = ok(&send(&app, "GET", &path, None).await, 200);
    let subtotal = 3 * 1999 + 2099 + 7 * 850;
    assert_eq!(t["currency"], "EUR");
    assert_eq!(t["subtotal"], money(subtotal, "EUR"));
    assert_eq!(t["tax_total"], money(0, "EUR"));
    assert_eq!(t["shipping"], Value::Null);
    assert_eq!(t["tax_mode"], Value::Null);
    assert_eq!(t["grand_total"], money(subtotal, "EUR"));
    assert_eq!(t["lines"].as_array().unwrap().len(), 3);
    assert_eq!(t["lines"][0]["unit_price"], money(1999, "EUR"));

    // Exclusive: tax per line, rounded half to even once per line, and on shipping.
    let t = ok(
        &get_at(
            &app,
            &token,
            &format!("/api/cart/totals?country=DE&shipping_method={standard}"),
        )
        .await,
        200,
    );
    let line_tax: i64 = [3 * 1999, 2099, 7 * 850]
        .iter()
        .map(|n| round_half_even(i128::from(*n) * 190_000, 1_000_000) as i64)
        .sum();
    let ship_tax = round_half_even(490 * 190_000, 1_000_000) as i64;
    assert_eq!(t["tax_mode"], "exclusive");
    assert_eq!(t["shipping"]["amount"], money(490, "EUR"));
    assert_eq!(t["shipping"]["tax"], money(ship_tax, "EUR"));
    assert_eq!(t["shipping_total"], money(490, "EUR"));
    assert_eq!(t["tax_total"], money(line_tax + ship_tax, "EUR"));
    assert_eq!(
        t["grand_total"],
        money(subtotal + 490 + line_tax + ship_tax, "EUR")
    );
    assert_eq!(t["taxes"][0]["rate_ppm"], 190_000);

    // Inclusive: the tax is inside the prices; the grand total is prices + shipping.
    let t = ok(
        &get_at(
            &app,
            &token,
            &format!("/api/cart/totals?country=AT&shipping_method={standard}"),
        )
        .await,
        200,
    );
    let line_tax: i64 = [3 * 1999, 2099, 7 * 850]
        .iter()
        .map(|n| round_half_even(i128::from(*n) * 200_000, 1_200_000) as i64)
        .sum();
    assert_eq!(t["tax_mode"], "inclusive");
    assert_eq!(t["tax_total"], money(line_tax, "EUR"));
    assert_eq!(t["grand_total"], money(subtotal + 490, "EUR"));
}

#[tokio::test]
async fn totals_refuse_bad_parameters_and_empty_carts() {
    let app = spawn_app();
    let (tee_s, _, _, _) = shop(&app).await;
    tax(&app, "DE", 190_000, TaxMode::Exclusive, true).await;
    let usd_only = ship_method(&app, "US only", &[(990, "USD")], &["US"]).await;
    let (token, _) = create(&app, "EUR").await;
    let path = cart_at(&token, "/api/cart/totals");
    problem(&send(&app, "GET", &path, None).await, 409, "conflict");
    ok(&add(&app, &token, &tee_s, 1).await, 200);
    invalid(
        &get_at(&app, &token, "/api/cart/totals?country=FR").await,
        &["/country"],
    );
    invalid(
        &get_at(&app, &token, "/api/cart/totals?country=de").await,
        &["/country"],
    );
    invalid(
        &get_at(&app, &token, "/api/cart/totals?country=").await,
        &["/country"],
    );
    invalid(
        &get_at(
            &app,
            &token,
            "/api/cart/totals?country=DE&shipping_method=ship_NOPE",
        )
        .await,
        &["/shipping_method"],
    );
    invalid(
        &get_at(
            &app,
            &token,
            &format!("/api/cart/totals?country=DE&shipping_method={usd_only}"),
        )
        .await,
        &["/shipping_method"],
    );
    invalid(
        &get_at(&app, &token, "/api/cart/totals?currency=EUR").await,
        &["/currency"],
    );
}

#[tokio::test]
async fn shipping_methods_are_those_of_the_currency_and_country() {
    let app = spawn_app();
    let everywhere = ship_method(&app, "Standard", &[(490, "EUR"), (590, "USD")], &[]).await;
    let de_only = ship_method(&app, "Express DE", &[(990, "EUR")], &["DE"]).await;
    let _usd = ship_method(&app, "US ground", &[(700, "USD")], &["US"]).await;

    // Methods are offered only to countries the shop sells to (with a tax rate).
    tax(&app, "DE", 190_000, TaxMode::Exclusive, true).await;
    let body = ok(
        &app.get("/api/shipping-methods?currency=EUR&country=FR")
            .await,
        200,
    );
    assert_eq!(body["items"], json!([]));

    let body = ok(
        &app.get("/api/shipping-methods?currency=EUR&country=DE")
            .await,
        200,
    );
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&everywhere.as_str()) && ids.contains(&de_only.as_str()));
    let express = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == de_only.as_str())
        .unwrap();
    assert_eq!(express["price"], money(990, "EUR"));
    assert_eq!(express["countries"], json!(["DE"]));
    assert_eq!(body["next"], Value::Null);

    // Without a country: only methods serving every country.
    let body = ok(&app.get("/api/shipping-methods?currency=USD").await, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["price"], money(590, "USD"));

    invalid(&app.get("/api/shipping-methods").await, &["/currency"]);
    invalid(
        &app.get("/api/shipping-methods?currency=eur").await,
        &["/currency"],
    );
    invalid(
        &app.get("/api/shipping-methods?currency=EUR&country=XX")
            .await,
        &["/country"],
    );
    invalid(
        &app.get("/api/shipping-methods?currency=EUR&sort=name")
            .await,
        &["/sort"],
    );
    invalid(
        &app.get("/api/shipping-methods?currency=EUR&after=junk")
            .await,
        &["/after"],
    );
}

// --- expiry ------------------------------------------------------------------------------

#[tokio::test]
async fn an_idle_cart_expires() {
    let app = spawn_app_with(&[("cart_idle_ttl_seconds", "1")]);
    let (tee_s, _, _, _) = shop(&app).await;
    let (token, cart) = create(&app, "EUR").await;
    assert_eq!(
        cart["expires_at"].as_i64().unwrap() - cart["created_at"].as_i64().unwrap(),
        1000
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let res = get_at(&app, &token, "/api/cart").await;
        if res.status == 404 {
            problem(&res, 404, "not-found");
            break;
        }
        assert_eq!(res.status, 200);
        assert!(Instant::now() < deadline, "the cart never expired");
    }
    problem(&add(&app, &token, &tee_s, 1).await, 404, "not-found");
}
