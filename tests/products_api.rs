//! HTTP tests of the products API through the composed app (products-api + catalog).

use bytes::Bytes;
use commerce_tests::{TestApp, product, spawn_app};

/// An app holding `n` published products `p-00` … (newest last).
async fn app_with_products(n: usize) -> TestApp {
    let app = spawn_app();
    let mut c = app.catalog().await;
    for i in 0..n {
        c.create_product(product(&format!("p-{i:02}"), 1000 + i as i64, vec![]))
            .await;
    }
    app
}

fn assert_problem(
    res: &commerce_tests::TestResponse,
    status: u16,
    type_suffix: &str,
) -> serde_json::Value {
    assert_eq!(res.status, status, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.content_type(), "application/problem+json");
    let body = res.json();
    assert_eq!(body["status"], status);
    let ty = body["type"].as_str().unwrap();
    assert!(
        ty.ends_with(type_suffix),
        "type {ty} should end with {type_suffix}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

#[tokio::test]
async fn listing_products_returns_a_json_page() {
    let app = app_with_products(3).await;
    let res = app.get("/api/products").await;
    assert_eq!(res.status, 200);
    assert!(res.content_type().starts_with("application/json"));
    let body = res.json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["slug"], "p-02");
    assert_eq!(items[0]["price_from"][0]["currency"], "EUR");
    assert_eq!(items[0]["price_from"][0]["amount"], 1002);
    assert!(body["next"].is_null());
}

#[tokio::test]
async fn the_next_cursor_round_trips_through_the_query_string() {
    let app = app_with_products(7).await;
    let mut slugs = Vec::new();
    let mut url = "/api/products?limit=3".to_string();
    loop {
        let body = app.get(&url).await.json();
        for item in body["items"].as_array().unwrap() {
            slugs.push(item["slug"].as_str().unwrap().to_string());
        }
        match body["next"].as_str() {
            Some(next) => url = format!("/api/products?limit=3&after={next}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("p-{i:02}")).collect();
    assert_eq!(slugs, expected);
}

#[tokio::test]
async fn a_product_is_served_by_slug_and_by_id() {
    let app = app_with_products(1).await;
    let by_slug = app.get("/api/products/p-00").await;
    assert_eq!(by_slug.status, 200);
    let product = by_slug.json();
    assert_eq!(product["slug"], "p-00");
    assert_eq!(product["variants"].as_array().unwrap().len(), 2);
    let id = product["id"].as_str().unwrap();
    let by_id = app.get(&format!("/api/products/{id}")).await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json(), product);
}

#[tokio::test]
async fn an_unknown_product_is_a_404_problem() {
    let app = app_with_products(0).await;
    assert_problem(
        &app.get("/api/products/no-such-thing").await,
        404,
        "not-found",
    );
    assert_problem(
        &app.get("/api/products/prod_000000").await,
        404,
        "not-found",
    );
    assert_problem(&app.get("/api/products/a/b").await, 404, "not-found");
}

#[tokio::test]
async fn bad_query_parameters_are_a_400_naming_each() {
    let app = app_with_products(0).await;
    let res = app
        .get("/api/products?limit=abc&after=nonsense&colour=red")
        .await;
    let body = assert_problem(&res, 400, "invalid-input");
    let paths: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for p in ["limit", "colour"] {
        assert!(paths.iter().any(|x| x.contains(p)), "{p} not in {paths:?}");
    }
    assert_problem(
        &app.get("/api/products?limit=1000").await,
        400,
        "invalid-input",
    );
    assert_problem(
        &app.get("/api/products?currency=XYZ").await,
        400,
        "invalid-input",
    );
}

#[tokio::test]
async fn writing_to_the_shopper_api_is_a_405_with_allow() {
    let app = app_with_products(0).await;
    let req = http::Request::post("/api/products")
        .body(Bytes::from("{}"))
        .unwrap();
    let res = app.request(req).await;
    assert_problem(&res, 405, "method-not-allowed");
    assert_eq!(res.headers.get("allow").unwrap(), "GET");
}

#[tokio::test]
async fn categories_are_listed_as_a_tree() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let root = c.create_category("home", None).await;
    c.create_category("lamps", Some(root.id.clone())).await;
    let body = app.get("/api/categories").await.json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["slug"], "home");
    assert_eq!(items[1]["path"], "home/lamps");
    assert_eq!(items[1]["parent"], root.id.as_str());
}

// --- search, categories, collections, caching ---------------------------------------------

use commerce_tests::catalog::{
    Attribute, NewCollection, ProductPatch, ProductQuery, SortOrder, everything,
};
use commerce_tests::{page, spawn_app_with};

fn error_paths(body: &serde_json::Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

fn slugs_of(items: &serde_json::Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// An app with a category tree, branded products and a collection.
async fn shop() -> (TestApp, String, String) {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let clothing = c.create_category("clothing", None).await;
    let shirts = c.create_category("shirts", Some(clothing.id.clone())).await;
    let mut ids = Vec::new();
    for (slug, cents, brand) in [
        ("linen-shirt", 4900, "Acme"),
        ("oxford-shirt", 3900, "Bolt"),
        ("rain-coat", 9900, "Acme"),
    ] {
        let mut p = product(slug, cents, vec![shirts.id.clone()]);
        p.attributes = vec![Attribute {
            name: "brand".into(),
            value: brand.into(),
        }];
        if slug == "rain-coat" {
            p.category_ids = vec![clothing.id.clone()];
            p.variants.truncate(1);
        }
        ids.push(c.create_product(p).await.id);
    }
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(
            &mut c.lib.store,
            &NewCollection {
                slug: "picks".into(),
                title: "Picks".into(),
                description: "Ours.".into(),
                product_ids: vec![ids[2].clone(), ids[0].clone()],
            },
        )
        .await
        .unwrap()
        .unwrap();
    (app, clothing.id, shirts.id)
}

#[tokio::test]
async fn listing_parameters_filter_and_sort() {
    let (app, _, shirts) = shop().await;
    let cases = [
        ("/api/products?q=shirt", vec!["oxford-shirt", "linen-shirt"]),
        ("/api/products?q=product%20linen-sh", vec!["linen-shirt"]),
        (
            "/api/products?category=clothing/shirts",
            vec!["oxford-shirt", "linen-shirt"],
        ),
        (
            &format!("/api/products?category={shirts}&sort=title") as &str,
            vec!["linen-shirt", "oxford-shirt"],
        ),
        (
            "/api/products?collection=picks",
            vec!["rain-coat", "linen-shirt"],
        ),
        (
            "/api/products?currency=EUR&sort=price_desc",
            vec!["rain-coat", "linen-shirt", "oxford-shirt"],
        ),
        (
            "/api/products?currency=EUR&min_price=4000&max_price=5000",
            vec!["linen-shirt"],
        ),
        (
            "/api/products?brand=acme&sort=newest",
            vec!["rain-coat", "linen-shirt"],
        ),
        (
            "/api/products?brand=Acme,Bolt&option.size=M",
            vec!["oxford-shirt", "linen-shirt"],
        ),
        ("/api/products?attr.brand=bolt", vec!["oxford-shirt"]),
    ];
    for (url, expected) in cases {
        let res = app.get(url).await;
        assert_eq!(
            res.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&res.body)
        );
        assert_eq!(slugs_of(&res.json()["items"]), expected, "{url}");
    }
}

#[tokio::test]
async fn search_returns_the_total_and_facets() {
    let (app, clothing, shirts) = shop().await;
    let body = app
        .get("/api/search?currency=EUR&brand=acme&limit=1")
        .await
        .json();
    assert_eq!(body["total"], 2);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let next = body["next"].as_str().unwrap().to_owned();
    let facets = &body["facets"];
    // Brands count without the brand filter.
    let brands: Vec<(String, u64)> = facets["brands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["value"].as_str().unwrap().to_owned(),
                b["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(brands, [("Acme".to_owned(), 2), ("Bolt".to_owned(), 1)]);
    let categories: Vec<(String, u64)> = facets["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["value"].as_str().unwrap().to_owned(),
                b["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(categories, [(clothing, 2), (shirts, 1)]);
    assert!(!facets["price_buckets"].as_array().unwrap().is_empty());
    assert_eq!(facets["options"][0]["option"], "size");
    // The cursor pages the same search.
    let second = app
        .get(&format!(
            "/api/search?currency=EUR&brand=acme&limit=1&after={next}"
        ))
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(second["items"][0]["slug"], body["items"][0]["slug"]);
    // Every page of a search has its total and facets.
    assert_eq!(second["total"], 2);
    assert_eq!(second["facets"], body["facets"]);
    // ... and not another one.
    let res = app
        .get(&format!("/api/search?currency=EUR&limit=1&after={next}"))
        .await;
    let problem = assert_problem(&res, 400, "invalid-input");
    assert_eq!(error_paths(&problem), ["/after"]);
}

#[tokio::test]
async fn every_bad_listing_parameter_is_a_400_under_its_name() {
    let (app, _, _) = shop().await;
    let cases: [(&str, &[&str]); 12] = [
        ("/api/products?sort=cheapest", &["/sort"]),
        ("/api/products?min_price=-5&currency=EUR", &["/min_price"]),
        ("/api/products?min_price=10", &["/currency"]),
        ("/api/products?sort=price_asc", &["/currency"]),
        (
            "/api/products?currency=EUR&min_price=9&max_price=1",
            &["/max_price"],
        ),
        (
            "/api/products?currency=EUR&max_price=100000000001",
            &["/max_price"],
        ),
        ("/api/products?option.size=", &["/option.size"]),
        ("/api/products?option.size=S,,M", &["/option.size"]),
        ("/api/products?category=nowhere", &["/category"]),
        (
            "/api/search?collection=col_NOPE&limit=101",
            &["/collection", "/limit"],
        ),
        (
            "/api/search?after=bm9wZQ&currency=eur",
            &["/after", "/currency"],
        ),
        ("/api/search?q=a&q=b&sort=title&size=M", &["/q", "/size"]),
    ];
    for (url, expected) in cases {
        let res = app.get(url).await;
        let body = assert_problem(&res, 400, "invalid-input");
        let mut paths = error_paths(&body);
        paths.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(paths, expected, "{url}: {body}");
    }
    // Search syntax and SQL in q are plain words.
    for q in [
        "%22",
        "*",
        "OR",
        "NEAR(",
        "%27%3B%20DROP%20TABLE%20catalog_products%3B%20--",
    ] {
        let res = app.get(&format!("/api/search?q={q}")).await;
        assert_eq!(
            res.status,
            200,
            "{q}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
    assert_eq!(
        app.get("/api/products").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn category_and_collection_pages_by_id_path_and_slug() {
    let (app, clothing, shirts) = shop().await;
    for url in [
        "/api/categories/clothing".to_owned(),
        format!("/api/categories/{clothing}"),
    ] {
        let body = app.get(&url).await.json();
        assert_eq!(body["category"]["id"], clothing.as_str(), "{url}");
        assert_eq!(body["children"][0]["id"], shirts.as_str());
        assert_eq!(body["products"]["items"].as_array().unwrap().len(), 3);
    }
    for url in [
        "/api/categories/clothing/shirts",
        "/api/categories/clothing%2Fshirts",
    ] {
        let body = app.get(url).await.json();
        assert_eq!(body["category"]["path"], "clothing/shirts", "{url}");
        assert_eq!(
            slugs_of(&body["products"]["items"]),
            ["oxford-shirt", "linen-shirt"]
        );
    }
    let paged = app
        .get("/api/categories/clothing?limit=1&sort=title")
        .await
        .json();
    assert_eq!(slugs_of(&paged["products"]["items"]), ["linen-shirt"]);
    assert!(paged["products"]["next"].is_string());
    assert_problem(
        &app.get("/api/categories/clothing/socks").await,
        404,
        "not-found",
    );
    assert_problem(&app.get("/api/categories/cat_NOPE").await, 404, "not-found");
    let body = assert_problem(
        &app.get("/api/categories/clothing?category=x").await,
        400,
        "invalid-input",
    );
    assert_eq!(error_paths(&body), ["/category"]);

    let list = app.get("/api/collections").await.json();
    assert_eq!(list["items"][0]["slug"], "picks");
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    for url in [
        "/api/collections/picks".to_owned(),
        format!("/api/collections/{id}"),
    ] {
        let body = app.get(&url).await.json();
        assert_eq!(body["collection"]["id"], id.as_str());
        // In the collection's order.
        assert_eq!(
            slugs_of(&body["products"]["items"]),
            ["rain-coat", "linen-shirt"]
        );
    }
    let sorted = app
        .get("/api/collections/picks?currency=EUR&sort=price_asc")
        .await
        .json();
    assert_eq!(
        slugs_of(&sorted["products"]["items"]),
        ["linen-shirt", "rain-coat"]
    );
    assert_problem(&app.get("/api/collections/nope").await, 404, "not-found");
    assert_problem(&app.get("/api/collections/a/b").await, 404, "not-found");
    assert_problem(&app.get("/api/collections?x=1").await, 400, "invalid-input");
    let product = app.get("/api/products/rain-coat").await.json();
    assert_eq!(product["categories"][0]["path"], "clothing");
}

#[tokio::test]
async fn public_gets_carry_etags_and_answer_if_none_match_with_304() {
    let (app, _, _) = shop().await;
    // Answers that show stock must be revalidated every time; the others keep a minute.
    for (url, cache_control) in [
        ("/api/products", "public, no-cache"),
        ("/api/search?q=shirt", "public, no-cache"),
        ("/api/products/linen-shirt", "public, no-cache"),
        ("/api/categories", "public, max-age=60"),
        ("/api/categories/clothing", "public, no-cache"),
        ("/api/collections", "public, max-age=60"),
        ("/api/collections/picks", "public, no-cache"),
    ] {
        let first = app.get(url).await;
        assert_eq!(first.status, 200, "{url}");
        let etag = first.headers["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.len() == 34, "{url}: {etag}");
        assert_eq!(first.headers["cache-control"], cache_control, "{url}");
        let again = app.get_with(url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{url}");
        assert!(again.body.is_empty());
        assert_eq!(again.headers["etag"].to_str().unwrap(), etag);
        let weak = format!("\"other\", W/{etag}");
        assert_eq!(
            app.get_with(url, &[("if-none-match", &weak)]).await.status,
            304
        );
        let stale = app.get_with(url, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(stale.status, 200, "{url}");
        assert_eq!(stale.body, first.body);
    }
    // Errors carry no ETag.
    assert!(
        app.get("/api/products/nope")
            .await
            .headers
            .get("etag")
            .is_none()
    );
}

#[tokio::test]
async fn an_admin_write_is_visible_on_the_next_public_read() {
    let (app, _, _) = shop().await;
    let before = app.get("/api/products/linen-shirt").await;
    let listed = app.get("/api/products?q=shirt").await.json();
    assert_eq!(app.get("/api/products/linen-shirt").await.body, before.body);
    assert!(
        !app.kv_keys("catalog-cache/").is_empty(),
        "reads were cached"
    );
    let etag = before.headers["etag"].to_str().unwrap().to_owned();

    let mut c = app.catalog().await;
    let id = before.json()["id"].as_str().unwrap().to_owned();
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_update_product(
            &mut c.lib.store,
            &id,
            &ProductPatch {
                slug: None,
                title: Some("Linen Shirt, Mark II".into()),
                description: None,
                images: None,
                attributes: None,
                category_ids: None,
            },
        )
        .await
        .unwrap()
        .unwrap();

    let after = app
        .get_with("/api/products/linen-shirt", &[("if-none-match", &etag)])
        .await;
    assert_eq!(after.status, 200, "the old ETag no longer matches");
    assert_eq!(after.json()["title"], "Linen Shirt, Mark II");
    let relisted = app.get("/api/products?q=shirt").await.json();
    assert_ne!(relisted, listed);
    assert!(
        relisted["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["title"] == "Linen Shirt, Mark II")
    );
    // So are new categories and collections on their lists.
    assert_eq!(
        app.get("/api/categories").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    c.create_category("shoes", None).await;
    assert_eq!(
        app.get("/api/categories").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(app.get("/api/categories/shoes").await.status, 200);
    // Deleting is visible too.
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_delete_product(&mut c.lib.store, &id)
        .await
        .unwrap()
        .unwrap();
    assert_problem(
        &app.get("/api/products/linen-shirt").await,
        404,
        "not-found",
    );
}

#[tokio::test]
async fn the_cache_stays_within_its_key_bound() {
    let (app, _, _) = shop().await;
    let mut c = app.catalog().await;
    // 500 distinct cacheable first pages.
    for limit in 1..=100 {
        for sort in [
            SortOrder::Relevance,
            SortOrder::Newest,
            SortOrder::Title,
            SortOrder::PriceAsc,
            SortOrder::PriceDesc,
        ] {
            let q = ProductQuery {
                sort,
                currency: Some("EUR".into()),
                ..everything()
            };
            c.list(&q, &page(None, limit)).await.unwrap();
        }
    }
    let keys = app.kv_keys("");
    let catalog: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("catalog-cache/"))
        .collect();
    assert_eq!(
        catalog.len(),
        keys.len(),
        "the catalog writes only its own keys"
    );
    assert!(catalog.len() <= 256, "{} keys", catalog.len());
    assert!(
        catalog.len() > 150,
        "500 reads fill most slots: {}",
        catalog.len()
    );
}

#[tokio::test]
async fn the_cache_can_be_switched_off() {
    let app = spawn_app_with(&[("catalog_cache", "off")]);
    let mut c = app.catalog().await;
    c.create_product(product("mug", 900, vec![])).await;
    for url in [
        "/api/products",
        "/api/products/mug",
        "/api/categories",
        "/api/search?q=mug",
    ] {
        assert_eq!(app.get(url).await.status, 200, "{url}");
    }
    assert!(app.kv_keys("").is_empty());
}

#[tokio::test]
async fn every_shopper_route_allows_only_get() {
    let (app, _, _) = shop().await;
    for (method, url) in [
        ("POST", "/api/search"),
        ("PUT", "/api/products/linen-shirt"),
        ("DELETE", "/api/categories/clothing"),
        ("PATCH", "/api/categories"),
        ("POST", "/api/collections"),
        ("DELETE", "/api/collections/picks"),
    ] {
        let req = http::Request::builder()
            .method(method)
            .uri(url)
            .body(Bytes::new())
            .unwrap();
        let res = app.request(req).await;
        assert_problem(&res, 405, "method-not-allowed");
        assert_eq!(res.headers.get("allow").unwrap(), "GET", "{method} {url}");
    }
    // No route: the host's plain 404.
    assert_eq!(app.get("/api/search/x").await.status, 404);
}
