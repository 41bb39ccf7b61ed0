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
