//! Staff API tokens against every admin route of every admin component (admin-api,
//! sales-admin-api, identity-admin-api): each operation of `openapi.json` under `/admin/`
//! names its permission (`x-permission`); every role whose grant lacks it is refused with
//! 403 before the body is read, and nothing is written; every role that has it gets past
//! the gate. Writes made with a staff token record the token's name as their actor.

use commerce_tests::openapi::document;
use commerce_tests::{ADMIN_TOKEN, ROLES, TestApp, role_grants as grants, spawn_app_with};
use serde_json::{Value, json};

async fn staff_token(app: &TestApp, role: &str) -> String {
    let r = app
        .send(
            "POST",
            "/admin/api-tokens",
            &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            Some(&json!({ "name": format!("{role} staff"), "role": role })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

/// Every `/admin/` operation of the document: method, a concrete path, permission.
fn admin_operations() -> Vec<(String, String, String)> {
    let mut ops = Vec::new();
    for (template, item) in document()["paths"].as_object().unwrap() {
        if !template.starts_with("/admin/") {
            continue;
        }
        // Path parameters become ids no resource has: the gate comes before routing.
        let path: String = template
            .split('/')
            .map(|s| if s.starts_with('{') { "x_NOPE" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let permission = op["x-permission"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {template} names no x-permission"))
                .to_owned();
            ops.push((method.to_uppercase(), path.clone(), permission));
        }
    }
    ops.sort();
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_route_refuses_every_role_without_its_permission() {
    let app = spawn_app_with(&[]);
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role, staff_token(&app, role).await));
    }
    let ops = admin_operations();
    assert!(ops.len() > 50, "{} operations", ops.len());
    let body = json!({ "name": "x" });
    let before = app.app.storage_counts();
    let mut refused = 0;
    for (role, token) in &tokens {
        let auth = format!("Bearer {token}");
        for (method, path, permission) in &ops {
            if grants(role, permission) {
                continue;
            }
            let r = app
                .send(method, path, &[("authorization", &auth)], Some(&body))
                .await;
            assert_eq!(
                r.status,
                403,
                "{role} {method} {path} ({permission}): {}",
                r.text()
            );
            assert_eq!(r.problem_type(), "forbidden");
            assert!(r.text().contains(permission.as_str()), "{}", r.text());
            refused += 1;
        }
    }
    let cost = app.app.storage_counts().since(&before);
    assert_eq!(
        cost.sqlite_write_transactions, 0,
        "a refused request wrote: {cost:?}"
    );
    assert_eq!(cost.kv_writes, 0, "{cost:?}");
    assert!(refused > 100, "{refused} refusals");

    // Every role that has the permission gets past the gate (to a 404, a 400, …).
    for (role, token) in &tokens {
        let auth = format!("Bearer {token}");
        for (method, path, permission) in &ops {
            if !grants(role, permission) || method != "GET" {
                continue;
            }
            let r = app
                .send(method, path, &[("authorization", &auth)], None)
                .await;
            assert_ne!(r.status, 403, "{role} {method} {path}: {}", r.text());
            assert_ne!(r.status, 401, "{role} {method} {path}: {}", r.text());
        }
    }
}

async fn admin(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> Value {
    let r = app
        .send(
            method,
            path,
            &[
                ("authorization", &format!("Bearer {token}")),
                ("idempotency-key", "staff-write-1"),
            ],
            (!body.is_null()).then_some(&body),
        )
        .await;
    assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.text());
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

#[tokio::test]
async fn a_staff_write_records_the_token_name_as_its_actor() {
    let app = spawn_app_with(&[]);
    let fulfilment = staff_token(&app, "fulfilment").await;
    let mut catalog = app.catalog().await;
    let product = catalog
        .create_product(commerce_tests::product("tee", 1000, vec![]))
        .await;
    let variant = product.variants[0].id.clone();
    let moved = admin(
        &app,
        &fulfilment,
        "POST",
        &format!("/admin/inventory/stock/{variant}/adjustments"),
        json!({ "delta": 5, "reason": "received" }),
    )
    .await;
    assert_eq!(moved["movement"]["actor"], "fulfilment staff", "{moved}");
    let movements = admin(
        &app,
        &fulfilment,
        "GET",
        &format!("/admin/inventory/movements?variant_id={variant}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        movements["items"][0]["actor"], "fulfilment staff",
        "{movements}"
    );
}
