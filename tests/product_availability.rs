//! Availability in the shopper catalog: products-api composed with the catalog and the
//! inventory's shopper interface. Stock is set and reserved through the inventory
//! component's WIT exports; everything shoppers see goes over HTTP.

use commerce_tests::inventory::{NewCount, NewReservation, ReservationLine};
use commerce_tests::{TestApp, TestResponse, product, spawn_app, spawn_app_with};
use serde_json::Value;

/// Sets a variant's on-hand count.
async fn set_stock(app: &TestApp, variant_id: &str, on_hand: u32) {
    app.inventory()
        .await
        .set_on_hand(&NewCount {
            variant_id: variant_id.into(),
            on_hand,
            note: None,
            actor: "test".into(),
            idempotency_key: None,
        })
        .await
        .unwrap_or_else(|e| panic!("set-on-hand refused: {e:?}"));
}

/// Reserves `quantity` of a variant under `key`; the reservation's id.
async fn reserve(app: &TestApp, key: &str, variant_id: &str, quantity: u32) -> String {
    app.inventory()
        .await
        .reserve(&NewReservation {
            idempotency_key: key.into(),
            lines: vec![ReservationLine {
                variant_id: variant_id.into(),
                quantity,
            }],
            ttl_seconds: 600,
        })
        .await
        .unwrap_or_else(|e| panic!("reserve refused: {e:?}"))
        .id
}

/// The ids of a product's two variants (sizes S and M), by slug.
async fn variants(app: &TestApp, slug: &str) -> (String, String) {
    let p = app.get(&format!("/api/products/{slug}")).await.json();
    (
        p["variants"][0]["id"].as_str().unwrap().to_owned(),
        p["variants"][1]["id"].as_str().unwrap().to_owned(),
    )
}

fn etag(res: &TestResponse) -> String {
    res.headers["etag"].to_str().unwrap().to_owned()
}

/// `(slug, in_stock)` of every item of a listing body.
fn flags(items: &Value) -> Vec<(String, bool)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["slug"].as_str().unwrap().to_owned(),
                i["in_stock"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn slugs(items: &Value) -> Vec<String> {
    flags(items).into_iter().map(|(s, _)| s).collect()
}

fn availability(product: &Value, k: usize) -> (String, u64) {
    let a = &product["variants"][k]["availability"];
    (
        a["status"].as_str().unwrap().to_owned(),
        a["available"].as_u64().unwrap(),
    )
}

fn problem_paths(res: &TestResponse) -> Vec<String> {
    assert_eq!(res.status, 400, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.content_type(), "application/problem+json");
    res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn variants_show_their_stock_and_products_whether_any_is_available() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    c.create_product(product("kettle", 3900, vec![])).await;
    c.create_product(product("teapot", 2900, vec![])).await;
    let (s, m) = variants(&app, "kettle").await;
    set_stock(&app, &s, 12).await;
    set_stock(&app, &m, 3).await;
    let (teapot_s, _) = variants(&app, "teapot").await;
    // Counted to zero; the teapot's M was never given to the inventory.
    set_stock(&app, &teapot_s, 0).await;

    let kettle = app.get("/api/products/kettle").await.json();
    assert_eq!(availability(&kettle, 0), ("in_stock".into(), 12));
    // At most low_stock_threshold (5 by default) units left.
    assert_eq!(availability(&kettle, 1), ("low_stock".into(), 3));
    assert_eq!(kettle["in_stock"], true);

    // A counted zero and a variant the inventory has never seen look the same: nothing
    // can be reserved of either.
    let teapot = app.get("/api/products/teapot").await.json();
    assert_eq!(availability(&teapot, 0), ("out_of_stock".into(), 0));
    assert_eq!(availability(&teapot, 1), ("out_of_stock".into(), 0));
    assert_eq!(teapot["in_stock"], false);

    let listed = app.get("/api/products").await.json();
    assert_eq!(
        flags(&listed["items"]),
        [("teapot".into(), false), ("kettle".into(), true)]
    );
    let searched = app.get("/api/search?q=kettle").await.json();
    assert_eq!(flags(&searched["items"]), [("kettle".into(), true)]);
}

#[tokio::test]
async fn reservations_and_stock_changes_show_at_once_with_a_new_etag() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    c.create_product(product("lamp", 4500, vec![])).await;
    let (s, m) = variants(&app, "lamp").await;
    set_stock(&app, &s, 8).await;

    let first = app.get("/api/products/lamp").await;
    let list = app.get("/api/products").await;
    assert_eq!(availability(&first.json(), 0), ("in_stock".into(), 8));
    assert_eq!(flags(&list.json()["items"]), [("lamp".into(), true)]);
    // The catalog served these reads from its cache (the same reads again are hits)...
    assert_eq!(app.get("/api/products/lamp").await.body, first.body);
    assert!(!app.kv_keys("catalog-cache/").is_empty());
    // ... and an unchanged answer still revalidates to a 304.
    let same = app
        .get_with("/api/products/lamp", &[("if-none-match", &etag(&first))])
        .await;
    assert_eq!(same.status, 304);

    // A checkout's reservation lowers what is available; no catalog write happened, so the
    // catalog's cache still holds the product, but the answer is new.
    let held = reserve(&app, "checkout:lamp-1", &s, 5).await;
    let after = app
        .get_with("/api/products/lamp", &[("if-none-match", &etag(&first))])
        .await;
    assert_eq!(after.status, 200, "the old ETag no longer matches");
    assert_ne!(etag(&after), etag(&first));
    assert_eq!(availability(&after.json(), 0), ("low_stock".into(), 3));
    // The same availability gives the same tag again.
    let again = app
        .get_with("/api/products/lamp", &[("if-none-match", &etag(&after))])
        .await;
    assert_eq!(again.status, 304);

    // Taking the rest puts the product out of stock, in the list too.
    reserve(&app, "checkout:lamp-2", &s, 3).await;
    let gone = app.get("/api/products/lamp").await.json();
    assert_eq!(availability(&gone, 0), ("out_of_stock".into(), 0));
    assert_eq!(gone["in_stock"], false);
    let relisted = app
        .get_with("/api/products", &[("if-none-match", &etag(&list))])
        .await;
    assert_eq!(relisted.status, 200);
    assert_eq!(flags(&relisted.json()["items"]), [("lamp".into(), false)]);

    // A released reservation gives its units back; new stock of the other size counts too.
    app.inventory().await.release(&held).await.unwrap();
    set_stock(&app, &m, 40).await;
    let back = app.get("/api/products/lamp").await.json();
    assert_eq!(availability(&back, 0), ("low_stock".into(), 5));
    assert_eq!(availability(&back, 1), ("in_stock".into(), 40));
    assert_eq!(back["in_stock"], true);
}

#[tokio::test]
async fn in_stock_true_filters_before_paging() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let cat = c.create_category("kitchen", None).await;
    let mut ids = Vec::new();
    for i in 0..9 {
        let p = c
            .create_product(product(&format!("k-{i}"), 1000 + i, vec![cat.id.clone()]))
            .await;
        ids.push(p.id.clone());
        // Every product but k-1, k-2, k-4, k-5 and k-8 has its M size in stock.
        if ![1, 2, 4, 5, 8].contains(&i) {
            set_stock(&app, &p.variants[1].id, 2).await;
        }
    }
    // Newest first.
    let expected = ["k-7", "k-6", "k-3", "k-0"];

    for base in [
        "/api/products?in_stock=true".to_owned(),
        format!("/api/products?category={}&in_stock=true", cat.id),
    ] {
        let mut seen = Vec::new();
        let mut url = format!("{base}&limit=2");
        let mut pages = 0;
        loop {
            let res = app.get(&url).await;
            assert_eq!(res.status, 200, "{url}");
            let body = res.json();
            let items = flags(&body["items"]);
            assert!(items.iter().all(|(_, in_stock)| *in_stock), "{url}");
            pages += 1;
            match body["next"].as_str() {
                Some(next) => {
                    // Only the last page may be short: the filter runs before paging.
                    assert_eq!(items.len(), 2, "{url}");
                    url = format!("{base}&limit=2&after={next}");
                }
                None => {
                    seen.extend(items.into_iter().map(|(s, _)| s));
                    break;
                }
            }
            seen.extend(items.into_iter().map(|(s, _)| s));
        }
        assert_eq!(seen, expected, "{base}");
        assert_eq!(pages, 2, "{base}");
    }
    // The default page size, other orders and filters combine with it.
    let all = app.get("/api/products?in_stock=true").await.json();
    assert_eq!(slugs(&all["items"]), expected);
    assert!(all["next"].is_null());
    let by_price = app
        .get("/api/products?in_stock=true&currency=EUR&sort=price_desc&max_price=1006")
        .await
        .json();
    assert_eq!(slugs(&by_price["items"]), ["k-6", "k-3", "k-0"]);
    // A category page filters its products the same way.
    let page = app
        .get("/api/categories/kitchen?in_stock=true&limit=3")
        .await
        .json();
    assert_eq!(slugs(&page["products"]["items"]), ["k-7", "k-6", "k-3"]);
    // Without the filter every product is listed with its flag.
    let unfiltered = app.get("/api/products?limit=3").await.json();
    assert_eq!(
        flags(&unfiltered["items"]),
        [
            ("k-8".into(), false),
            ("k-7".into(), true),
            ("k-6".into(), true)
        ]
    );
    // A collection page too.
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(
            &mut c.lib.store,
            &commerce_tests::catalog::NewCollection {
                slug: "picks".into(),
                title: "Picks".into(),
                description: "Ours.".into(),
                product_ids: vec![ids[1].clone(), ids[3].clone(), ids[0].clone()],
            },
        )
        .await
        .unwrap()
        .unwrap();
    let picks = app.get("/api/collections/picks?in_stock=true").await.json();
    assert_eq!(slugs(&picks["products"]["items"]), ["k-3", "k-0"]);

    // Only `true` is a value; search refuses the filter (its total and facets could not
    // follow it), naming the parameter.
    for url in [
        "/api/products?in_stock=false",
        "/api/products?in_stock=1",
        "/api/products?in_stock=",
        "/api/search?q=k&in_stock=true",
    ] {
        assert_eq!(problem_paths(&app.get(url).await), ["/in_stock"], "{url}");
    }
    let both = app.get("/api/search?in_stock=true&sort=cheap").await;
    let mut paths = problem_paths(&both);
    paths.sort();
    assert_eq!(paths, ["/in_stock", "/sort"]);
}

#[tokio::test]
async fn a_long_run_out_of_stock_gives_short_pages_that_go_on() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    // The oldest product is the only one in stock; 239 newer ones are not.
    let first = c.create_product(product("oldest", 1000, vec![])).await;
    set_stock(&app, &first.variants[0].id, 1).await;
    for i in 0..239 {
        c.create_product(product(&format!("n-{i:03}"), 1000, vec![]))
            .await;
    }
    // A request looks at a bounded number of products: the first page comes back empty
    // with a cursor, and following it finds the product, never a product twice.
    let mut url = "/api/products?in_stock=true".to_owned();
    let mut found = Vec::new();
    let mut pages = 0;
    loop {
        let body = app.get(&url).await.json();
        pages += 1;
        if pages == 1 {
            assert!(slugs(&body["items"]).is_empty());
        }
        found.extend(slugs(&body["items"]));
        match body["next"].as_str() {
            Some(next) => url = format!("/api/products?in_stock=true&after={next}"),
            None => break,
        }
        assert!(pages < 50, "the listing does not end");
    }
    assert_eq!(found, ["oldest"]);
    assert!(pages >= 2);
}

/// `GET /api/products/vase` in a shop run with `low_stock_threshold` set to `threshold`,
/// where the vase's S size has `on_hand` units.
async fn vase_with_threshold(threshold: &str, on_hand: u32) -> TestResponse {
    let app = spawn_app_with(&[("low_stock_threshold", threshold)]);
    let vase = app
        .catalog()
        .await
        .create_product(product("vase", 2000, vec![]))
        .await;
    set_stock(&app, &vase.variants[0].id, on_hand).await;
    app.get("/api/products/vase").await
}

#[tokio::test]
async fn the_low_stock_threshold_is_a_variable() {
    let vase = vase_with_threshold("0", 1).await.json();
    assert_eq!(availability(&vase, 0), ("in_stock".into(), 1));
    assert_eq!(availability(&vase, 1), ("out_of_stock".into(), 0));
    let vase = vase_with_threshold("20", 20).await.json();
    assert_eq!(availability(&vase, 0), ("low_stock".into(), 20));
    let vase = vase_with_threshold("20", 21).await.json();
    assert_eq!(availability(&vase, 0), ("in_stock".into(), 21));
    // A malformed value is the operator's mistake: a 500 problem, details in the log.
    let res = vase_with_threshold("a few", 3).await;
    assert_eq!(res.status, 500);
    assert_eq!(res.content_type(), "application/problem+json");
}

/// The stock status is the inventory's rule (`stock-status`), so the products API and the
/// storefront's product page never disagree, whatever `low_stock_threshold` says: before,
/// each had its own copy and a malformed threshold was a 500 on one and the default on the
/// other.
#[tokio::test]
async fn the_api_and_the_storefront_show_the_inventorys_stock_status() {
    for (threshold, on_hand, status, words) in [
        ("20", 20, "low_stock", "Only 20 left"),
        ("20", 21, "in_stock", "In stock"),
        ("0", 1, "in_stock", "In stock"),
        ("5", 0, "out_of_stock", "Sold out"),
    ] {
        let app = spawn_app_with(&[("low_stock_threshold", threshold)]);
        let vase = app
            .catalog()
            .await
            .create_product(product("vase", 2000, vec![]))
            .await;
        set_stock(&app, &vase.variants[0].id, on_hand).await;
        let api = app.get("/api/products/vase").await.json();
        assert_eq!(
            availability(&api, 0),
            (status.into(), u64::from(on_hand)),
            "{threshold}"
        );
        let page = app.get("/products/vase").await;
        assert_eq!(page.status, 200);
        let html = String::from_utf8_lossy(&page.body).into_owned();
        assert!(html.contains(words), "{threshold}/{on_hand}: {words}");
    }
    // A malformed threshold is the operator's mistake on both faces alike.
    let app = spawn_app_with(&[("low_stock_threshold", "a few")]);
    let vase = app
        .catalog()
        .await
        .create_product(product("vase", 2000, vec![]))
        .await;
    set_stock(&app, &vase.variants[0].id, 3).await;
    assert_eq!(app.get("/api/products/vase").await.status, 500);
    assert_eq!(app.get("/products/vase").await.status, 503);
}

/// What a shopper's read costs the store, counted by the host for this app
/// (`App::storage_counts`): on Spin every SQLite connection is made anew, so a read opens at
/// most one per capability it asks (the catalog and the inventory), and nothing on a read
/// path writes, neither SQLite nor the key-value store (whose commits are `fsync`s on Spin).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopper_reads_write_nothing_and_open_one_connection_per_capability() {
    let app = spawn_app();
    let mut catalog = app.catalog().await;
    catalog.create_product(product("tee", 1999, vec![])).await;
    catalog.create_product(product("cap", 999, vec![])).await;
    let (s, _) = variants(&app, "tee").await;
    set_stock(&app, &s, 5).await;
    // The first reads migrate what is not yet migrated and fill the listing's cache slot.
    assert_eq!(app.get("/api/products").await.status, 200);
    assert_eq!(app.get("/api/products/tee").await.status, 200);

    for path in ["/api/products/tee", "/api/products/cap", "/api/products"] {
        let before = app.app.storage_counts();
        for _ in 0..3 {
            let r = app.get(path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
        }
        let cost = app.app.storage_counts().since(&before);
        assert_eq!(cost.sqlite_write_transactions, 0, "{path} wrote: {cost:?}");
        assert_eq!(cost.kv_writes, 0, "{path} wrote to key-value: {cost:?}");
        assert!(
            cost.sqlite_connections <= 3 * 2,
            "{path}: more than one connection per capability per request: {cost:?}"
        );
        assert!(cost.sqlite_connections > 0, "{path}: {cost:?}");
    }
}
