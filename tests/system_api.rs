//! HTTP tests of the system API: health and the OpenAPI document.

use commerce_tests::{repo_root, spawn_app};

#[tokio::test]
async fn health_reports_each_check_and_the_store_name() {
    let app = spawn_app();
    let res = app.get("/api/health").await;
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["sqlite"], "ok");
    assert_eq!(body["checks"]["key_value"], "ok");
    assert_eq!(body["store"], "spin-commerce demo store");
}

#[tokio::test]
async fn the_openapi_document_is_served_as_it_is_in_the_repository() {
    let app = spawn_app();
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, 200);
    assert!(res.content_type().starts_with("application/json"));
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("openapi.json")).unwrap())
            .unwrap();
    assert_eq!(res.json(), on_disk);
    assert_eq!(on_disk["openapi"].as_str().unwrap().get(..3), Some("3.1"));
}

#[tokio::test]
async fn an_unknown_api_path_is_a_problem_not_the_storefront_page() {
    let app = spawn_app();
    for path in ["/api/nope", "/api/products-nope", "/api/v2/orders", "/api/"] {
        let res = app.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(res.content_type(), "application/problem+json", "{path}");
        assert_eq!(res.json()["status"], 404, "{path}");
    }
    // The APIs themselves still win over the catch-all.
    assert_eq!(app.get("/api/health").await.status, 200);
    assert_eq!(app.get("/api/products").await.status, 200);
}
