//! The storefront in a real browser: Debian's `chromium`, driven by `playwright-core`
//! (`tests/browser/shopper.mjs`), against commerce-host serving `spin.toml` on a loopback
//! port, exactly as `commerce-host up` does.
//!
//! The shop is the demo catalog (imported through the admin API) with stock, German and
//! French VAT and one shipping method. The browser does what a shopper does and checks what
//! a shopper sees; afterwards this file checks the shop's books through the capability
//! components (the order is paid, the stock went down, a declined card moved nothing).
//! The account scenarios start from an empty shop: a shopper registers, confirms the email
//! from the mail's link, signs in and out, changes name and password and signs out
//! everywhere; another resets a forgotten password. This file then checks the account
//! through the owner's API (`/admin/customers`) and the sign-in the shopper would use next.
//! Screenshots of every step are kept in `tests/artifacts/browser/<scenario>/`.
//!
//! Needs `node`, `tests/browser/node_modules` and chromium: `tests/run` (the README's test
//! command) installs them with `tests/browser/install`.

use bytes::Bytes;
use commerce_tests::orders::{OrderFilter, OrderStatus, OrderSummary, PageRequest};
use commerce_tests::pricing::{Money, ShippingMethodInput, TaxMode, TaxRate};
use commerce_tests::served::Served;
use commerce_tests::{ADMIN_TOKEN, TestApp, repo_root, spawn_app};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Units of every demo variant in stock.
const STOCK: i32 = 7;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_searches_filters_buys_and_follows_the_order() {
    let shop = Shop::open().await;
    let report = shop.drive("purchase").await;

    // The browser reports what it bought; the books must agree.
    let number = report["order_number"].as_u64().expect("the order number");
    let variant = report["variant_id"].as_str().expect("the variant bought");
    let quantity = report["quantity"].as_i64().expect("the quantity bought");
    let orders = shop.orders().await;
    assert_eq!(orders.len(), 1, "exactly one order: {orders:?}");
    assert_eq!(orders[0].number, number);
    assert_eq!(orders[0].status, OrderStatus::Paid);
    let level = shop.available(variant).await;
    assert_eq!(level, i64::from(STOCK) - quantity, "stock taken once");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_is_explained_charges_nothing_and_another_card_pays() {
    let shop = Shop::open().await;
    let report = shop.drive("declined").await;

    // The declined attempt's order was cancelled and its stock released; the second card's
    // attempt is the one paid order, and the stock went down once.
    let number = report["order_number"].as_u64().expect("the order number");
    let variant = report["variant_id"].as_str().expect("the variant bought");
    let quantity = report["quantity"].as_i64().expect("the quantity bought");
    let orders = shop.orders().await;
    let paid: Vec<_> = orders
        .iter()
        .filter(|o| o.status == OrderStatus::Paid)
        .collect();
    assert_eq!(paid.len(), 1, "one paid order: {orders:?}");
    assert_eq!(paid[0].number, number);
    assert!(
        orders
            .iter()
            .all(|o| o.number == number || o.status == OrderStatus::Cancelled),
        "the declined attempt's order is cancelled: {orders:?}"
    );
    assert_eq!(
        shop.available(variant).await,
        i64::from(STOCK) - quantity,
        "the declined attempt's reservation was released, the paid one taken"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_registers_verifies_signs_in_edits_the_account_and_signs_out_everywhere() {
    let shop = Shop::empty().await;
    let report = shop.drive("account").await;

    let email = report["email"].as_str().expect("the email");
    let customer = shop.customer(email).await;
    assert_eq!(customer["name"], report["name"], "the new name is kept");
    assert_eq!(
        customer["verified"], true,
        "the mail's link confirmed the email"
    );
    assert_eq!(customer["marketing_consent"], false, "no consent was given");
    let sessions = shop.sessions(&customer).await;
    assert!(sessions.is_empty(), "signed out everywhere: {sessions:?}");
    let password = report["password"].as_str().expect("the new password");
    assert_eq!(shop.sign_in(email, password).await, 200, "the new password");
    assert_eq!(
        shop.sign_in(email, "correct horse battery").await,
        401,
        "not the old one"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_resets_a_forgotten_password_through_the_pages() {
    let shop = Shop::empty().await;
    let registered = shop
        .app
        .send(
            "POST",
            "/api/account/register",
            &[],
            Some(&serde_json::json!({ "email": "ada@example.com", "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(registered.status, 202);
    let report = shop.drive("reset").await;

    let email = report["email"].as_str().expect("the email");
    let customer = shop.customer(email).await;
    assert_eq!(customer["verified"], true, "a reset proves the mailbox");
    // The one session is the sign-in with the new password at the end.
    assert_eq!(shop.sessions(&customer).await.len(), 1);
    let password = report["password"].as_str().expect("the new password");
    assert_eq!(shop.sign_in(email, password).await, 200);
    assert_eq!(shop.sign_in(email, "correct horse battery").await, 401);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_shoppers_cart_follows_them_and_takes_in_the_guest_cart_on_sign_in() {
    let shop = Shop::open().await;
    let account =
        serde_json::json!({ "email": "cy@example.com", "password": "correct horse battery" });
    let registered = shop
        .app
        .send("POST", "/api/account/register", &[], Some(&account))
        .await;
    assert_eq!(registered.status, 202);
    let report = shop.drive("cart").await;
    assert_eq!(report["quantity"], 3);

    // The account's cart, read through the API with a new session: the three units.
    let signed_in = shop
        .app
        .send("POST", "/api/account/sign-in", &[], Some(&account))
        .await;
    assert_eq!(signed_in.status, 200);
    let session = format!("Bearer {}", signed_in.json()["token"].as_str().unwrap());
    let cart = shop
        .app
        .send("GET", "/api/cart", &[("authorization", &session)], None)
        .await;
    assert_eq!(cart.status, 200);
    let lines = cart.json()["lines"].as_array().unwrap().clone();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["quantity"], 3);
    shop.stop().await;
}

/// The demo shop, served over TCP.
struct Shop(Served);

impl std::ops::Deref for Shop {
    type Target = Served;
    fn deref(&self) -> &Served {
        &self.0
    }
}

impl Shop {
    async fn open() -> Shop {
        let app = spawn_app();
        seed(&app).await;
        Shop(Served::start(app).await)
    }

    /// A shop with nothing in it, for the account pages.
    async fn empty() -> Shop {
        Shop(Served::start(spawn_app()).await)
    }

    async fn stop(self) {
        self.0.stop().await;
    }

    /// Runs one scenario of `tests/browser/shopper.mjs`; its JSON report.
    async fn drive(&self, scenario: &str) -> Value {
        let root = repo_root();
        let script = root.join("tests/browser/shopper.mjs");
        let artifacts = root.join("tests/artifacts/browser").join(scenario);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts).unwrap();
        let chromium = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        assert!(
            chromium.exists()
                && root
                    .join("tests/browser/node_modules/playwright-core")
                    .exists(),
            "the browser tests need chromium and playwright-core: run `tests/run` \
             (or `tests/browser/install`) once"
        );
        let mut cmd = Command::new("node");
        cmd.arg(&script)
            .arg(scenario)
            .env("BASE_URL", &self.base)
            .env("ARTIFACTS", &artifacts)
            .env("CHROMIUM", &chromium)
            .env("ADMIN_TOKEN", ADMIN_TOKEN);
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .expect("node runs (is Node.js installed? tests/browser/install)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the {scenario} scenario failed ({}); screenshots in {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            out.status,
            artifacts.display()
        );
        // The script's last line is its report.
        let last = stdout.lines().last().unwrap_or("");
        serde_json::from_str(last).unwrap_or_else(|e| panic!("no JSON report ({e}):\n{stdout}"))
    }

    /// Every order of the shop (a test makes only a few).
    async fn orders(&self) -> Vec<OrderSummary> {
        let filter = OrderFilter {
            statuses: vec![],
            created_after: None,
            created_before: None,
            customer_id: None,
            search: None,
        };
        let page = PageRequest {
            after: None,
            limit: 50,
        };
        let mut orders = self.app.orders().await;
        orders
            .list_orders(&filter, &page)
            .await
            .expect("list-orders")
            .items
    }

    /// A GET of the owner's API; its JSON.
    async fn admin_get(&self, path: &str) -> Value {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        let res = self
            .app
            .send("GET", path, &[("authorization", &bearer)], None)
            .await;
        assert_eq!(res.status, 200, "{path}: {}", res.text());
        res.json()
    }

    /// The one customer whose email is `email`, as the owner sees it.
    async fn customer(&self, email: &str) -> Value {
        let page = self
            .admin_get(&format!("/admin/customers?email_prefix={email}"))
            .await;
        let items = page["items"].as_array().expect("customers");
        assert_eq!(items.len(), 1, "one account for {email}: {items:?}");
        items[0].clone()
    }

    /// The customer's live sessions.
    async fn sessions(&self, customer: &Value) -> Vec<Value> {
        let id = customer["id"].as_str().expect("an id");
        let page = self
            .admin_get(&format!("/admin/customers/{id}/sessions"))
            .await;
        page["items"].as_array().expect("sessions").clone()
    }

    /// The status of a sign-in over the API (a bearer session, which is then ended).
    async fn sign_in(&self, email: &str, password: &str) -> u16 {
        let body = serde_json::json!({ "email": email, "password": password });
        let res = self
            .app
            .send("POST", "/api/account/sign-in", &[], Some(&body))
            .await;
        if res.status == 200 {
            let token = res.json()["token"].as_str().expect("a token").to_owned();
            let bearer = format!("Bearer {token}");
            let out = self
                .app
                .send(
                    "POST",
                    "/api/account/sign-out",
                    &[("authorization", &bearer)],
                    None,
                )
                .await;
            assert_eq!(out.status, 204);
        }
        res.status
    }

    /// Units of `variant` available now.
    async fn available(&self, variant: &str) -> i64 {
        let levels = self
            .app
            .inventory()
            .await
            .availability(&[variant.to_owned()])
            .await
            .expect("availability");
        i64::from(levels[0].available)
    }
}

/// The demo catalog through the admin API, `STOCK` units of every variant, VAT for Germany
/// (inclusive, 19 %) and France (inclusive, 20 %), and a 4.90 EUR standard shipping.
async fn seed(app: &TestApp) {
    let catalog = std::fs::read(repo_root().join("data/demo-catalog.jsonl")).unwrap();
    let imported = app
        .request(
            http::Request::post("/admin/products/import")
                .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                .header("content-type", "application/x-ndjson")
                .body(Bytes::from(catalog))
                .unwrap(),
        )
        .await;
    assert_eq!(
        imported.status,
        200,
        "{}",
        String::from_utf8_lossy(&imported.body)
    );

    let mut catalog = app.catalog().await;
    let mut inventory = app.inventory().await;
    let slugs = catalog
        .all_slugs(&commerce_tests::catalog::everything(), 100)
        .await;
    assert!(slugs.len() >= 100, "the demo catalog has products");
    for slug in slugs {
        let product = catalog
            .bindings
            .commerce_catalog_catalog()
            .call_get_product_by_slug(&mut catalog.lib.store, &slug)
            .await
            .expect("no trap")
            .expect("a listed product");
        for variant in product.variants {
            inventory.receive(&variant.id, STOCK).await;
        }
    }

    let mut pricing = app.pricing().await;
    for (country, rate_ppm, label) in [("DE", 190_000, "MwSt. 19%"), ("FR", 200_000, "TVA 20%")] {
        pricing
            .set_tax_rate(&TaxRate {
                country: country.into(),
                rate_ppm,
                mode: TaxMode::Inclusive,
                applies_to_shipping: true,
                label: label.into(),
            })
            .await
            .expect("tax rate");
    }
    pricing
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
}
