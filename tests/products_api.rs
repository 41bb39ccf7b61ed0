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
