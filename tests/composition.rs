//! Component dependencies compose as under Spin: the catalog is plugged into the products
//! API by package name (one instance serves every interface of the package the API
//! imports), a manifest Spin refuses is refused with Spin's message, and a dependency sees the API's SQLite database only when the manifest sets
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
        // The products API's (the first) dependency only, renamed to a package it does
        // not import (it imports catalog and inventory; components that import pricing
        // would get a duplicate key instead).
        t.replacen("\"commerce:catalog\" =", "\"commerce:pricing\" =", 1)
    });
    let err = App::load(options(&manifest, &dir.path().join(".spin")))
        .err()
        .unwrap();
    let msg = format!("{err:#}");
    assert!(
        msg.contains(
            "dependency 'commerce:pricing' doesn't match any imports of component 'products-api'"
        ),
        "{msg}"
    );
}

#[test]
fn an_import_nobody_provides_is_reported_by_name() {
    // Without its dependency the products API still imports commerce:catalog/catalog, which
    // the host does not implement.
    let (dir, manifest) = edited_manifest(|t| {
        t.replacen(
            "\"commerce:catalog\" = { path = ",
            "# removed = { path = ",
            1,
        )
    });
    let err = App::load(options(&manifest, &dir.path().join(".spin")))
        .err()
        .unwrap();
    let msg = format!("{err:#}");
    assert!(msg.contains("commerce:catalog/catalog@0.1.0"), "{msg}");
}

/// Session 3's manifest named each interface (`"commerce:shop/catalog@0.1.0"` and
/// `"commerce:shop/catalog-admin@0.1.0"`, both from one package). Spin registers every
/// dependency in the composition graph under its package, and a package only once, so
/// `spin up` refused the app; so must this host, with Spin's words.
#[test]
fn two_dependencies_from_one_package_are_refused_as_spin_refuses_them() {
    let (dir, manifest) = edited_manifest(|t| {
        // The admin API's one dependency, `"commerce:catalog" = { path = "…/catalog.wasm" }`,
        // split into one per interface, as session 3's manifest had it.
        let admin = t.find("[component.admin-api.dependencies]").unwrap();
        let start = admin + t[admin..].find("\"commerce:catalog\" = ").unwrap();
        let end = start + t[start..].find('\n').unwrap();
        let value = &t[start + "\"commerce:catalog\" = ".len()..end];
        let two = format!(
            "\"commerce:catalog/catalog@0.1.0\" = {value}\n\"commerce:catalog/catalog-admin@0.1.0\" = {value}"
        );
        format!("{}{two}{}", &t[..start], &t[end..])
    });
    let err = App::load(options(&manifest, &dir.path().join(".spin")))
        .err()
        .unwrap();
    let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
    assert_eq!(
        chain[..3],
        [
            "failed to resolve dependencies for component \"admin-api\"".to_string(),
            "an error occurred when preparing dependencies".to_string(),
            "package `commerce:catalog` has already been registered in the graph".to_string(),
        ],
        "{chain:#?}"
    );
}

/// Every target gives a dependency all of its parent's grants or none (Fermyon Cloud and
/// Spin 3.6 know no narrower grant; see ARCHITECTURE.md, "Grants on each target"), so the
/// payment secrets and Stripe's host are granted only to the HTTP components that compose
/// payments: nothing composed into the other components can read them.
#[test]
fn only_the_components_that_compose_payments_are_granted_its_secrets() {
    let path = commerce_tests::manifest_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let manifest = commerce_host::manifest::Manifest::parse(&text, &path).unwrap();
    let secrets = [
        "stripe_secret_key",
        "stripe_webhook_secret",
        "payments_test_webhook_secret",
    ];
    for (id, c) in &manifest.components {
        let composes_payments = c.dependencies.keys().any(|d| d == "commerce:payments");
        for secret in secrets {
            assert_eq!(
                c.variables.contains_key(secret),
                composes_payments,
                "{id}: {secret}"
            );
        }
        assert_eq!(
            c.allowed_outbound_hosts
                .iter()
                .any(|h| h.contains("api.stripe.com")),
            composes_payments,
            "{id}: outbound to Stripe"
        );
    }
    let payers: Vec<&String> = manifest
        .components
        .iter()
        .filter(|(_, c)| c.dependencies.contains_key("commerce:payments"))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(payers, ["checkout-api", "sales-admin-api"]);
}
