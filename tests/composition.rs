//! Component dependencies compose as under Spin: the catalog is plugged into the products
//! API by interface name, and sees the API's SQLite database only when the manifest sets
//! `dependencies_inherit_configuration = true`.

use commerce_host::App;
use commerce_tests::{edited_manifest, options};

#[tokio::test]
async fn a_dependency_that_does_not_inherit_configuration_is_denied_the_database() {
    let (dir, manifest) =
        edited_manifest(|t| t.replace("dependencies_inherit_configuration = true", ""));
    let app = App::load(options(&manifest, &dir.path().join(".spin"))).unwrap();
    let req = http::Request::get("/api/products")
        .body(bytes::Bytes::new())
        .unwrap();
    let res = app.send(req).await.unwrap();
    // The catalog cannot open SQLite, reports a storage error, and the API answers 500
    // with a problem that does not leak the cause.
    assert_eq!(res.status(), 500, "{}", String::from_utf8_lossy(res.body()));
    let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
    assert!(!body.to_string().contains("access"), "{body}");
}

#[tokio::test]
async fn the_same_app_with_inheritance_serves_the_catalog() {
    let (dir, manifest) = edited_manifest(|t| t);
    let app = App::load(options(&manifest, &dir.path().join(".spin"))).unwrap();
    let req = http::Request::get("/api/products")
        .body(bytes::Bytes::new())
        .unwrap();
    assert_eq!(app.send(req).await.unwrap().status(), 200);
}

#[test]
fn a_dependency_matching_no_import_is_reported_by_name() {
    let (dir, manifest) = edited_manifest(|t| {
        // The products API's (the first) dependency only, renamed to an interface it does
        // not import (it imports catalog and inventory; components that import pricing
        // would get a duplicate key instead).
        t.replacen(
            "\"commerce:shop/catalog@0.1.0\" =",
            "\"commerce:shop/pricing@0.1.0\" =",
            1,
        )
    });
    let err = App::load(options(&manifest, &dir.path().join(".spin")))
        .err()
        .unwrap();
    let msg = format!("{err:#}");
    assert!(msg.contains("commerce:shop/pricing@0.1.0"), "{msg}");
    assert!(msg.contains("doesn't match any import"), "{msg}");
}

#[test]
fn an_import_nobody_provides_is_reported_by_name() {
    // Without its dependency the products API still imports commerce:shop/catalog, which
    // the host does not implement.
    let (dir, manifest) = edited_manifest(|t| {
        t.replace(
            "\"commerce:shop/catalog@0.1.0\" = { path = ",
            "# removed = { path = ",
        )
    });
    let err = App::load(options(&manifest, &dir.path().join(".spin")))
        .err()
        .unwrap();
    let msg = format!("{err:#}");
    assert!(msg.contains("commerce:shop/catalog@0.1.0"), "{msg}");
}
