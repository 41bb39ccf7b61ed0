//! HTTP tests of the owner's identity API (`/admin/api-tokens`, `/admin/customers`,
//! `/admin/mail`) through the composed app (identity-admin-api + identity): staff API
//! tokens made, listed, revoked and expiring; each route's permission against every role;
//! customers listed and filtered, their sessions listed and ended; bad input and bad
//! credentials changing nothing.

use commerce_tests::openapi::check_response;
use commerce_tests::{
    ADMIN_TOKEN, ROLES, TestApp, TestResponse, role_grants as grants, spawn_app_with,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CHEAP: &[(&str, &str)] = &[
    ("identity_argon2_memory_kib", "64"),
    ("identity_argon2_iterations", "1"),
];
const PASSWORD: &str = "correct horse battery";

fn app() -> TestApp {
    spawn_app_with(CHEAP)
}

/// Sends a request with `token` as the bearer token and checks the answer against
/// `openapi.json`.
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let r = app.send(method, path, &headers, body.as_ref()).await;
    check_response(method, path, &r);
    r
}

/// Makes a staff token with `role` as the owner; its JSON and its secret.
async fn staff(app: &TestApp, name: &str, role: &str) -> (Value, String) {
    let r = call(
        app,
        "POST",
        "/admin/api-tokens",
        Some(ADMIN_TOKEN),
        Some(json!({ "name": name, "role": role })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json();
    let secret = body["token"].as_str().unwrap().to_owned();
    (body["api_token"].clone(), secret)
}

async fn customer(app: &TestApp, email: &str) -> (String, String) {
    let r = app
        .send(
            "POST",
            "/api/account/register",
            &[],
            Some(&json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let r = app
        .send(
            "POST",
            "/api/account/sign-in",
            &[],
            Some(&json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    let v = r.json();
    (
        v["customer"]["id"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_owner_makes_lists_and_revokes_staff_tokens() {
    let app = app();
    let (token, secret) = staff(&app, "Ana (support)", "support").await;
    assert!(secret.starts_with("atk_"));
    assert!(token["id"].as_str().unwrap().starts_with("key_"));
    assert_eq!(token["role"], "support");
    assert_eq!(token["hint"], secret[..12]);
    assert_eq!(token["created_by"], "owner (admin_token)");
    assert!(token["revoked_at"].is_null());

    let r = call(&app, "GET", "/admin/api-tokens", Some(ADMIN_TOKEN), None).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.text().contains(&secret),
        "a listing never shows a secret"
    );
    assert_eq!(r.json()["items"][0]["id"], token["id"]);

    // The token works for what its role grants, and records when it was used.
    let r = call(&app, "GET", "/admin/customers", Some(&secret), None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = token["id"].as_str().unwrap();
    let r = call(
        &app,
        "GET",
        &format!("/admin/api-tokens/{id}"),
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert!(r.json()["last_used_at"].is_i64(), "{}", r.text());
    // A token made by a staff token names its maker.
    let (_, manager) = staff(&app, "Owner two", "owner").await;
    let r = call(
        &app,
        "POST",
        "/admin/api-tokens",
        Some(&manager),
        Some(json!({ "name": "Warehouse tablet", "role": "fulfilment" })),
    )
    .await;
    assert_eq!(r.json()["api_token"]["created_by"], "Owner two");

    let r = call(
        &app,
        "DELETE",
        &format!("/admin/api-tokens/{id}"),
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["revoked_at"].is_i64());
    let again = call(
        &app,
        "DELETE",
        &format!("/admin/api-tokens/{id}"),
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert_eq!(again.status, 200, "revoking is idempotent");
    assert_eq!(again.json()["revoked_at"], r.json()["revoked_at"]);
    let r = call(&app, "GET", "/admin/customers", Some(&secret), None).await;
    assert_eq!(r.status, 403, "a revoked token stops working at once");
    // Its name is free again.
    staff(&app, "Ana (support)", "read-only").await;
}

#[tokio::test]
async fn bad_tokens_and_bad_input_are_refused_and_change_nothing() {
    let app = app();
    staff(&app, "Ana", "support").await;
    let cases = [
        (json!({ "name": "Ana", "role": "support" }), 409),
        (json!({ "name": "", "role": "support" }), 400),
        (json!({ "name": "x".repeat(101), "role": "support" }), 400),
        (json!({ "name": "Bo", "role": "superuser" }), 400),
        (
            json!({ "name": "Bo", "role": "support", "expires_at": 1 }),
            400,
        ),
        (
            json!({ "name": "Bo", "role": "support", "secret": "mine" }),
            400,
        ),
        (json!({ "name": "Bo" }), 400),
    ];
    for (body, status) in cases {
        let r = call(
            &app,
            "POST",
            "/admin/api-tokens",
            Some(ADMIN_TOKEN),
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
    }
    let r = call(&app, "GET", "/admin/api-tokens", Some(ADMIN_TOKEN), None).await;
    assert_eq!(
        r.json()["items"].as_array().unwrap().len(),
        1,
        "nothing was made"
    );

    for (token, status) in [
        (None, 401),
        (Some("not-a-token-at-all"), 403),
        (Some("atk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 403),
        // A session token is a staff member's credential: an unknown one is a 401.
        (Some("stk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401),
    ] {
        let r = call(&app, "GET", "/admin/customers", token, None).await;
        assert_eq!(r.status, status, "{token:?}");
    }
    // The session of a customer without a staff role opens nothing.
    let (_, session) = customer(&app, "ana@example.com").await;
    let r = call(&app, "GET", "/admin/customers", Some(&session), None).await;
    assert_eq!(r.status, 403);

    for path in [
        "/admin/api-tokens/key_NOPE",
        "/admin/api-tokens/prod_X",
        "/admin/customers/cus_NOPE",
        "/admin/customers/cus_NOPE/sessions",
    ] {
        let r = call(&app, "GET", path, Some(ADMIN_TOKEN), None).await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r = call(
        &app,
        "GET",
        "/admin/customers?verified=maybe",
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(
        &app,
        "GET",
        "/admin/customers?limit=101",
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(
        &app,
        "GET",
        "/admin/customers?after=garbage",
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(&app, "PUT", "/admin/api-tokens", Some(ADMIN_TOKEN), None).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn a_token_that_expires_stops_working() {
    let app = app();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let r = call(
        &app,
        "POST",
        "/admin/api-tokens",
        Some(ADMIN_TOKEN),
        Some(json!({ "name": "Temp", "role": "read-only", "expires_at": now + 1500 })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let secret = r.json()["token"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while call(&app, "GET", "/admin/customers", Some(&secret), None)
        .await
        .status
        == 200
    {
        assert!(Instant::now() < deadline, "the token never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = call(&app, "GET", "/admin/customers", Some(&secret), None).await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn every_identity_route_refuses_every_role_without_its_permission() {
    let app = app();
    let (customer_id, session) = customer(&app, "ana@example.com").await;
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role, staff(&app, &format!("{role} staff"), role).await.1));
    }
    let sessions = format!("/admin/customers/{customer_id}/sessions");
    let routes: Vec<(&str, String, &str)> = vec![
        ("GET", "/admin/api-tokens".into(), "staff-manage"),
        ("GET", "/admin/mail".into(), "staff-manage"),
        ("GET", "/admin/customers".into(), "customers-read"),
        (
            "GET",
            format!("/admin/customers/{customer_id}"),
            "customers-read",
        ),
        ("GET", sessions.clone(), "customers-read"),
        ("DELETE", sessions.clone(), "customers-write"),
        ("POST", "/admin/api-tokens".into(), "staff-manage"),
    ];
    for (role, token) in &tokens {
        for (method, path, permission) in &routes {
            if grants(role, permission) {
                continue;
            }
            let body = (*method == "POST").then(|| json!({ "name": "sneaky", "role": "owner" }));
            let r = call(&app, method, path, Some(token), body).await;
            assert_eq!(r.status, 403, "{role} {method} {path}: {}", r.text());
            assert_eq!(r.problem_type(), "forbidden");
        }
    }
    // Nothing changed: the customer's session lives, no token named "sneaky" exists.
    let r = app
        .get_with(
            "/api/account",
            &[("authorization", &format!("Bearer {session}"))],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = call(
        &app,
        "GET",
        "/admin/api-tokens?limit=100",
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert!(!r.text().contains("sneaky"));
    // And every role with the permission gets through.
    for (role, token) in &tokens {
        for (method, path, permission) in &routes {
            if !grants(role, permission) || *method != "GET" {
                continue;
            }
            let r = call(&app, method, path, Some(token), None).await;
            assert_eq!(r.status, 200, "{role} {method} {path}: {}", r.text());
        }
    }
}

#[tokio::test]
async fn the_owner_finds_customers_and_ends_their_sessions() {
    let app = app();
    let (ana, ana_session) = customer(&app, "ana@example.com").await;
    customer(&app, "anabel@example.com").await;
    customer(&app, "bo@example.com").await;
    let list = |query: &'static str| {
        let app = &app;
        async move {
            let r = call(
                app,
                "GET",
                &format!("/admin/customers{query}"),
                Some(ADMIN_TOKEN),
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()
        }
    };
    let emails = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        emails(&list("").await),
        ["bo@example.com", "anabel@example.com", "ana@example.com"]
    );
    assert_eq!(
        emails(&list("?email_prefix=ANA").await),
        ["anabel@example.com", "ana@example.com"]
    );
    assert!(emails(&list("?verified=true").await).is_empty());
    // Paging: two pages of one, then one, then the end.
    let first = list("?limit=2").await;
    assert_eq!(emails(&first).len(), 2);
    let next = first["next"].as_str().unwrap();
    let r = call(
        &app,
        "GET",
        &format!("/admin/customers?limit=2&after={next}"),
        Some(ADMIN_TOKEN),
        None,
    )
    .await;
    assert_eq!(emails(&r.json()), ["ana@example.com"]);
    assert!(r.json()["next"].is_null());

    let path = format!("/admin/customers/{ana}/sessions");
    let r = call(&app, "GET", &path, Some(ADMIN_TOKEN), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    assert!(
        !r.text().contains(&ana_session),
        "sessions are listed by id only"
    );
    let r = call(&app, "DELETE", &path, Some(ADMIN_TOKEN), None).await;
    assert_eq!(r.status, 204);
    let r = app
        .get_with(
            "/api/account",
            &[("authorization", &format!("Bearer {ana_session}"))],
        )
        .await;
    assert_eq!(r.status, 401);
    let r = call(&app, "GET", &path, Some(ADMIN_TOKEN), None).await;
    assert!(r.json()["items"].as_array().unwrap().is_empty());
}
