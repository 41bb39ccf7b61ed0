//! Staff members as people: the owner gives a customer account a role (`/admin/staff`); the
//! person signs in as any customer does, and their session token opens the admin routes the
//! role grants, recording "Name <email>" as the actor of their writes. Only an account whose
//! email is confirmed can be staff, and only while it stays confirmed; taking the role away,
//! signing out or deleting the account ends the powers. Every answer is checked against
//! `openapi.json`.

use commerce_tests::openapi::check_response;
use commerce_tests::{ADMIN_TOKEN, TestApp, TestResponse, spawn_app_with};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

fn app() -> TestApp {
    spawn_app_with(&[
        ("identity_argon2_memory_kib", "64"),
        ("identity_argon2_iterations", "1"),
    ])
}

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let auth = format!("Bearer {token}");
    let r = app
        .send(method, path, &[("authorization", &auth)], body.as_ref())
        .await;
    check_response(method, path, &r);
    r
}

async fn owner(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> TestResponse {
    call(app, ADMIN_TOKEN, method, path, body).await
}

/// The token of the newest message of `kind` to `to` in the outbox.
async fn mailed_token(app: &TestApp, kind: &str, to: &str) -> String {
    let r = owner(app, "GET", "/admin/mail?limit=100", None).await;
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == kind && m["to"] == to)
        .and_then(|m| m["token"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {kind} message to {to}"))
}

async fn sign_in(app: &TestApp, email: &str) -> String {
    let body = json!({ "email": email, "password": PASSWORD });
    let r = app
        .send("POST", "/api/account/sign-in", &[], Some(&body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

/// Registers `email` named `name`, optionally confirms the email, signs in: the session.
async fn account(app: &TestApp, email: &str, name: &str, confirmed: bool) -> String {
    let body = json!({ "email": email, "password": PASSWORD, "name": name });
    let r = app
        .send("POST", "/api/account/register", &[], Some(&body))
        .await;
    assert_eq!(r.status, 202);
    if confirmed {
        confirm(app, email).await;
    }
    sign_in(app, email).await
}

async fn confirm(app: &TestApp, email: &str) {
    let token = mailed_token(app, "verify-email", email).await;
    let body = json!({ "token": token });
    let r = app
        .send(
            "POST",
            "/api/account/email-verification/confirm",
            &[],
            Some(&body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

async fn grant(app: &TestApp, email: &str, role: &str) -> TestResponse {
    owner(
        app,
        "POST",
        "/admin/staff",
        Some(json!({ "email": email, "role": role })),
    )
    .await
}

async fn staff_list(app: &TestApp) -> Vec<Value> {
    let r = owner(app, "GET", "/admin/staff", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

/// A product's first variant, made through the catalog component.
async fn variant(app: &TestApp) -> String {
    let mut catalog = app.catalog().await;
    let product = catalog
        .create_product(commerce_tests::product("tee", 1000, vec![]))
        .await;
    product.variants[0].id.clone()
}

async fn adjust(app: &TestApp, session: &str, variant: &str) -> TestResponse {
    call(
        app,
        session,
        "POST",
        &format!("/admin/inventory/stock/{variant}/adjustments"),
        Some(json!({ "delta": 5, "reason": "received" })),
    )
    .await
}

#[tokio::test]
async fn a_staff_member_signs_in_with_their_account_and_their_writes_name_them() {
    let app = app();
    let ana = account(&app, "ana@example.com", "Ana Lima", true).await;
    let variant = variant(&app).await;

    // Without a role, the session opens no admin route.
    let r = call(&app, &ana, "GET", "/admin/orders", None).await;
    assert_eq!(r.status, 403, "{}", r.text());

    let r = grant(&app, "Ana@Example.com", "fulfilment").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let member = r.json();
    assert_eq!(member["role"], "fulfilment");
    assert_eq!(member["customer"]["email"], "ana@example.com");
    assert_eq!(member["granted_by"], "owner (admin_token)");
    let id = member["customer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(staff_list(&app).await.len(), 1);

    // Her session opens what fulfilment grants, and nothing else.
    let r = call(&app, &ana, "GET", "/admin/orders", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = adjust(&app, &ana, &variant).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["movement"]["actor"], "Ana Lima <ana@example.com>");
    let r = call(&app, &ana, "GET", "/admin/staff", None).await;
    assert_eq!(r.status, 403);
    let r = call(
        &app,
        &ana,
        "POST",
        "/admin/staff",
        Some(json!({ "email": "ana@example.com", "role": "owner" })),
    )
    .await;
    assert_eq!(r.status, 403, "a member cannot raise their own role");
    assert_eq!(staff_list(&app).await[0]["role"], "fulfilment");

    // A new role applies at once to her live session.
    assert_eq!(
        grant(&app, "ana@example.com", "read-only").await.status,
        200
    );
    assert_eq!(adjust(&app, &ana, &variant).await.status, 403);
    assert_eq!(
        call(&app, &ana, "GET", "/admin/orders", None).await.status,
        200
    );

    // Taken away, the session is a customer's again.
    let r = owner(&app, "DELETE", &format!("/admin/staff/{id}"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        owner(&app, "DELETE", &format!("/admin/staff/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        call(&app, &ana, "GET", "/admin/orders", None).await.status,
        403
    );
    assert_eq!(
        call(&app, &ana, "GET", "/api/account", None).await.status,
        200
    );
    assert!(staff_list(&app).await.is_empty());
    let r = owner(&app, "DELETE", "/admin/staff/cus_unknown", None).await;
    assert_eq!(r.status, 404);

    // The stock audit trail keeps her name on the one adjustment she made.
    let r = owner(
        &app,
        "GET",
        &format!("/admin/inventory/movements?variant_id={variant}"),
        None,
    )
    .await;
    let movements = r.json();
    let actors: Vec<&str> = movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["actor"].as_str())
        .collect();
    assert!(actors.contains(&"Ana Lima <ana@example.com>"), "{actors:?}");
}

#[tokio::test]
async fn only_a_confirmed_email_is_staff_and_only_while_it_stays_confirmed() {
    let app = app();
    let bo = account(&app, "bo@example.com", "Bo", false).await;
    let unconfirmed = grant(&app, "bo@example.com", "support").await;
    let unknown = grant(&app, "nobody@example.com", "support").await;
    for r in [&unconfirmed, &unknown] {
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.json()["errors"][0]["path"], "/email");
    }
    // The same answer: the owner learns only that no confirmed account has the email.
    assert_eq!(unconfirmed.json()["errors"], unknown.json()["errors"]);
    let r = grant(&app, "bo@example.com", "janitor").await;
    assert_eq!(r.status, 400);
    assert!(staff_list(&app).await.is_empty());
    assert_eq!(
        call(&app, &bo, "GET", "/admin/orders", None).await.status,
        403
    );

    let ana = account(&app, "ana@example.com", "Ana", true).await;
    assert_eq!(grant(&app, "ana@example.com", "support").await.status, 200);
    assert_eq!(
        call(&app, &ana, "GET", "/admin/customers", None)
            .await
            .status,
        200
    );
    // A new, unconfirmed email suspends the role until it is confirmed.
    let r = call(
        &app,
        &ana,
        "PATCH",
        "/api/account",
        Some(json!({ "email": "ana@new.example" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        call(&app, &ana, "GET", "/admin/customers", None)
            .await
            .status,
        403
    );
    let r = call(&app, &ana, "POST", "/api/account/email-verification", None).await;
    assert_eq!(r.status, 202, "{}", r.text());
    confirm(&app, "ana@new.example").await;
    assert_eq!(
        call(&app, &ana, "GET", "/admin/customers", None)
            .await
            .status,
        200
    );

    // Signed out, the session is no credential at all.
    let r = call(&app, &ana, "POST", "/api/account/sign-out", None).await;
    assert_eq!(r.status, 204);
    let r = call(&app, &ana, "GET", "/admin/customers", None).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(
        call(&app, "stk_forged", "GET", "/admin/orders", None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_deleted_account_is_no_staff_member() {
    let app = app();
    let ana = account(&app, "ana@example.com", "Ana", true).await;
    assert_eq!(grant(&app, "ana@example.com", "owner").await.status, 200);
    let r = call(
        &app,
        &ana,
        "DELETE",
        "/api/account",
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(staff_list(&app).await.is_empty());
    assert_eq!(
        call(&app, &ana, "GET", "/admin/orders", None).await.status,
        401
    );
}
