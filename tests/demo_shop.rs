//! `tools/demo-shop` against the app served on a loopback port by `commerce_host::server`,
//! as `commerce-host up` serves it: one run makes a shop that sells (stock in every
//! availability state, shipping, tax, a paid checkout), a second run changes nothing, and
//! a wrong token or a store that is not running is said plainly and writes nothing.

use bytes::Bytes;
use commerce_tests::served::Served;
use commerce_tests::{ADMIN_TOKEN, TestResponse, spawn_app};
use demo_shop::plan::{self, Entry, Level};
use demo_shop::{Options, Summary, Tally};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_makes_a_shop_that_sells_and_a_second_changes_nothing() {
    let shop = Shop::start().await;
    let catalog = plan::parse_catalog(plan::DEMO_CATALOG).unwrap();
    let categories = catalog
        .iter()
        .filter(|l| matches!(l.entry, Entry::Category { .. }))
        .count();
    let products = catalog.len() - categories;
    let variants: Vec<(String, String)> = catalog
        .iter()
        .filter_map(|l| match &l.entry {
            Entry::Product { slug, skus } => Some(skus.iter().map(|s| (slug.clone(), s.clone()))),
            Entry::Category { .. } => None,
        })
        .flatten()
        .collect();

    let first = shop.setup(ADMIN_TOKEN).await.expect("the first run");
    assert_eq!(
        first.categories,
        Tally {
            added: categories,
            existing: 0
        }
    );
    assert_eq!(
        first.products,
        Tally {
            added: products,
            existing: 0
        }
    );
    let stock = first.stock;
    assert_eq!(stock.set + stock.left_empty, variants.len());
    assert_eq!(stock.kept, 0);
    assert_eq!(
        (stock.set, stock.left_empty),
        (stock.in_stock + stock.low, stock.sold_out)
    );
    assert!(stock.low > 0 && stock.sold_out > 0 && stock.in_stock > stock.low);
    assert_eq!(first.shipping.added, plan::SHIPPING.len());
    assert_eq!(first.tax_rates.added, plan::TAX_RATES.len());

    // What a shopper sees: every variant of a product with a low and one with a sold-out
    // variant shows the planned units and state.
    let with_level = |level: Level| {
        variants
            .iter()
            .find(|(_, sku)| Level::of(plan::planned_units(sku)) == level)
            .map(|(slug, _)| slug.clone())
            .unwrap()
    };
    for slug in [with_level(Level::Low), with_level(Level::SoldOut)] {
        let product = shop.app.get(&format!("/api/products/{slug}")).await;
        assert_eq!(product.status, 200, "{slug}");
        for variant in product.json()["variants"].as_array().unwrap() {
            let units = plan::planned_units(variant["sku"].as_str().unwrap());
            let expected = match Level::of(units) {
                Level::InStock => "in_stock",
                Level::Low => "low_stock",
                Level::SoldOut => "out_of_stock",
            };
            assert_eq!(
                variant["availability"],
                json!({"status": expected, "available": units}),
                "{slug} {}",
                variant["sku"]
            );
        }
    }

    // The shop sells: two ways to ship to Germany and the US, and a paid checkout.
    for country in ["DE", "US"] {
        let methods = shop
            .app
            .get(&format!(
                "/api/shipping-methods?currency=EUR&country={country}"
            ))
            .await;
        assert_eq!(methods.status, 200);
        let items = methods.json()["items"].clone();
        let names: Vec<&str> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Standard", "Express"], "{country}");
    }
    let bought = shop.buy_one().await;
    let after_sale = shop.on_hand(&bought).await;

    // Everything the store holds now, to compare after the second run.
    let before = shop.books().await;
    let second = shop.setup(ADMIN_TOKEN).await.expect("the second run");
    assert!(!second.changed(), "{second:?}");
    assert_eq!(
        second.categories,
        Tally {
            added: 0,
            existing: categories
        }
    );
    assert_eq!(
        second.products,
        Tally {
            added: 0,
            existing: products
        }
    );
    assert_eq!(
        (second.stock.set, second.stock.kept, second.stock.left_empty),
        (0, stock.set, stock.sold_out)
    );
    assert_eq!(second.shipping.existing, plan::SHIPPING.len());
    assert_eq!(second.tax_rates.existing, plan::TAX_RATES.len());
    assert_eq!(shop.books().await, before, "the second run wrote nothing");
    assert_eq!(
        shop.on_hand(&bought).await,
        after_sale,
        "the sale was not restocked"
    );
    assert!(second.to_string().contains("Nothing changed"));
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_or_no_store_is_said_plainly_and_writes_nothing() {
    let shop = Shop::start().await;
    let refused = shop
        .setup("not-the-token-of-this-store")
        .await
        .expect_err("a wrong token fails");
    let message = format!("{refused:#}");
    assert!(message.contains("refused the admin token"), "{message}");
    assert!(message.contains("403"), "{message}");
    assert_eq!(shop.books().await, Books::default(), "nothing was written");
    let products = shop.app.get("/api/products").await;
    assert_eq!(products.json()["items"], json!([]));
    shop.stop().await;

    // A port nothing listens on: the run does not wait (wait 0) and says what to do.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut options = Options::new(&format!("http://127.0.0.1:{port}"), ADMIN_TOKEN);
    options.wait = Duration::ZERO;
    let error = tokio::task::spawn_blocking(move || demo_shop::run(&options, &mut |_| {}))
        .await
        .unwrap()
        .expect_err("nothing answers");
    let message = format!("{error:#}");
    assert!(message.contains("nothing answers"), "{message}");
    assert!(message.contains("is the store running?"), "{message}");
}

/// The store's shipping methods, tax rates, stock levels and stock movements, whole.
#[derive(Debug, Default, PartialEq)]
struct Books {
    shipping: Vec<Value>,
    tax_rates: Vec<Value>,
    stock: Vec<Value>,
    movements: Vec<Value>,
    catalog: String,
}

/// The app served over TCP, with the calls these tests make.
struct Shop(Served);

impl std::ops::Deref for Shop {
    type Target = Served;
    fn deref(&self) -> &Served {
        &self.0
    }
}

impl Shop {
    async fn start() -> Shop {
        Shop(Served::start(spawn_app()).await)
    }

    async fn stop(self) {
        self.0.stop().await;
    }

    /// Runs demo-shop against the served app with `token`.
    async fn setup(&self, token: &str) -> anyhow::Result<Summary> {
        let options = Options::new(&self.base, token);
        tokio::task::spawn_blocking(move || demo_shop::run(&options, &mut |_| {}))
            .await
            .unwrap()
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> TestResponse {
        let mut req = http::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let body = if body.is_null() {
            Bytes::new()
        } else {
            Bytes::from(body.to_string())
        };
        self.app.request(req.body(body).unwrap()).await
    }

    async fn admin_get(&self, path: &str) -> TestResponse {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.send("GET", path, &[("authorization", &bearer)], Value::Null)
            .await
    }

    /// Every item of an admin listing.
    async fn all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut url = format!("{path}?limit=100");
        loop {
            let page = self.admin_get(&url).await;
            assert_eq!(page.status, 200, "{url}");
            let page = page.json();
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next"].as_str() {
                Some(next) => url = format!("{path}?limit=100&after={next}"),
                None => return items,
            }
        }
    }

    async fn books(&self) -> Books {
        let catalog = self.admin_get("/admin/products/export").await;
        assert_eq!(catalog.status, 200);
        Books {
            shipping: self.all("/admin/shipping-methods").await,
            tax_rates: self.all("/admin/tax-rates").await,
            stock: self.all("/admin/inventory/stock").await,
            movements: self.all("/admin/inventory/movements").await,
            catalog: String::from_utf8(catalog.body.to_vec()).unwrap(),
        }
    }

    async fn on_hand(&self, variant: &str) -> Value {
        let level = self
            .admin_get(&format!("/admin/inventory/stock/{variant}"))
            .await;
        assert_eq!(level.status, 200);
        level.json()["on_hand"].clone()
    }

    /// Buys one unit of an in-stock variant, shipped Standard to Germany and paid with the
    /// test provider's success card; the variant's id.
    async fn buy_one(&self) -> String {
        let products = self.app.get("/api/products?in_stock=true&limit=1").await;
        assert_eq!(products.status, 200);
        let slug = products.json()["items"][0]["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let product = self.app.get(&format!("/api/products/{slug}")).await.json();
        let variant = product["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["availability"]["status"] == "in_stock")
            .expect("an in-stock variant")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let json_body = [("content-type", "application/json")];
        let cart = self
            .send("POST", "/api/carts", &json_body, json!({"currency": "EUR"}))
            .await;
        assert_eq!(cart.status, 201);
        let token = cart.json()["token"].as_str().unwrap().to_owned();
        let line = self
            .send(
                "POST",
                "/api/cart/lines",
                &[("content-type", "application/json"), ("cart-token", &token)],
                json!({"variant_id": variant, "quantity": 1}),
            )
            .await;
        assert!(line.status < 300, "{}", String::from_utf8_lossy(&line.body));
        let methods = self
            .app
            .get("/api/shipping-methods?currency=EUR&country=DE")
            .await
            .json();
        let standard = methods["items"][0]["id"].as_str().unwrap().to_owned();
        let checkout = self
            .send(
                "POST",
                "/api/checkout",
                &[
                    ("content-type", "application/json"),
                    ("idempotency-key", "demo-shop-test-1"),
                ],
                json!({
                    "cart_token": token,
                    "email": "ada@example.com",
                    "shipping_address": {
                        "name": "Ada Lovelace",
                        "line1": "Unter den Linden 1",
                        "city": "Berlin",
                        "postal_code": "10117",
                        "country": "DE"
                    },
                    "shipping_method_id": standard,
                    "payment_method": {
                        "type": "test_card",
                        "number": "4242424242424242",
                        "exp_month": 12,
                        "exp_year": 2040,
                        "cvc": "123"
                    },
                    "return_url": "https://shop.example/checkout/return"
                }),
            )
            .await;
        assert_eq!(
            checkout.status,
            201,
            "{}",
            String::from_utf8_lossy(&checkout.body)
        );
        variant
    }
}
