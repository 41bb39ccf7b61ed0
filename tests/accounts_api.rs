//! HTTP tests of the shopper's account API (`/api/account/...`) through the composed app
//! (accounts-api + identity), with the messages identity queues read back through the
//! owner's outbox (`GET /admin/mail`): registration without account enumeration, sign-in
//! by bearer token and by cookie (with its cross-site rule), profile, verification,
//! password change and reset with single-use expiring tokens, sign-out everywhere, session
//! expiry, re-hashing when the Argon2id cost is raised, and the races on one token and one
//! email.
//!
//! The apps run with a cheap Argon2id cost (`CHEAP`) so that the many hashes stay quick;
//! `the_default_cost_hashes_with_19_mib` signs in once at the real default.

use commerce_tests::openapi::check_response;
use commerce_tests::{ADMIN_TOKEN, TestApp, TestResponse, spawn_app_with};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A cheap Argon2id cost for tests: 64 KiB, one pass.
const CHEAP: &[(&str, &str)] = &[
    ("identity_argon2_memory_kib", "64"),
    ("identity_argon2_iterations", "1"),
];

const PASSWORD: &str = "correct horse battery";

fn app_with(extra: &[(&str, &str)]) -> TestApp {
    let mut variables = CHEAP.to_vec();
    variables.extend_from_slice(extra);
    spawn_app_with(&variables)
}

/// Sends a request and checks the answer against `openapi.json`.
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> TestResponse {
    let r = app.send(method, path, headers, body).await;
    check_response(method, path, &r);
    r
}

async fn post(app: &TestApp, path: &str, headers: &[(&str, &str)], body: Value) -> TestResponse {
    call(app, "POST", path, headers, Some(&body)).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn register(app: &TestApp, email: &str, password: &str) -> TestResponse {
    post(
        app,
        "/api/account/register",
        &[],
        json!({ "email": email, "password": password, "name": "Ana" }),
    )
    .await
}

/// Signs in by bearer token; the token.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let r = post(
        app,
        "/api/account/sign-in",
        &[],
        json!({ "email": email, "password": password }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

/// The outbox, newest first, as the owner reads it.
async fn outbox(app: &TestApp) -> Vec<Value> {
    let r = call(
        app,
        "GET",
        "/admin/mail?limit=100",
        &[("authorization", &bearer(ADMIN_TOKEN))],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

/// The token of the newest message of `kind` to `to`.
async fn mailed_token(app: &TestApp, kind: &str, to: &str) -> String {
    outbox(app)
        .await
        .into_iter()
        .find(|m| m["kind"] == kind && m["to"] == to)
        .and_then(|m| m["token"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {kind} message to {to}"))
}

async fn me(app: &TestApp, token: &str) -> TestResponse {
    call(
        app,
        "GET",
        "/api/account",
        &[("authorization", &bearer(token))],
        None,
    )
    .await
}

/// The response without its `instance` (which names the path), to compare two answers.
fn without_instance(r: &TestResponse) -> Value {
    let mut v = r.json();
    if let Some(o) = v.as_object_mut() {
        o.remove("instance");
    }
    v
}

#[tokio::test]
async fn a_shopper_registers_verifies_signs_in_and_out() {
    let app = app_with(&[]);
    let r = register(&app, "Ana.Lopez@Example.com", PASSWORD).await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json()["status"], "accepted");

    let token = sign_in(&app, "  ana.lopez@example.COM ", PASSWORD).await;
    assert!(token.starts_with("stk_"), "{token}");
    let r = me(&app, &token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let customer = r.json();
    assert_eq!(customer["email"], "Ana.Lopez@Example.com");
    assert_eq!(customer["name"], "Ana");
    assert_eq!(customer["verified"], false);
    assert!(customer["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(r.headers["cache-control"], "no-store");

    let verify = mailed_token(&app, "verify-email", "Ana.Lopez@Example.com").await;
    assert!(verify.starts_with("vft_"));
    let r = post(
        &app,
        "/api/account/email-verification/confirm",
        &[],
        json!({ "token": verify }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["verified"], true);
    // Single use: the message is gone with its token, and a replay is refused.
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m["kind"] != "verify-email")
    );
    let again = post(
        &app,
        "/api/account/email-verification/confirm",
        &[],
        json!({ "token": verify }),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.problem_type(), "invalid-token");
    // A verified customer asking again gets no new message.
    let r = post(
        &app,
        "/api/account/email-verification",
        &[("authorization", &bearer(&token))],
        json!({}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m["kind"] != "verify-email")
    );

    let r = post(
        &app,
        "/api/account/sign-out",
        &[("authorization", &bearer(&token))],
        json!({}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = me(&app, &token).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.problem_type(), "unauthorized");
    // Signing out again, or with no session at all, is still a success.
    for headers in [vec![("authorization", bearer(&token))], vec![]] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let r = post(&app, "/api/account/sign-out", &headers, json!({})).await;
        assert_eq!(r.status, 204);
    }
}

#[tokio::test]
async fn a_taken_email_gets_the_same_answer_and_changes_nothing() {
    let app = app_with(&[]);
    let first = register(&app, "ana@example.com", PASSWORD).await;
    let second = register(&app, "ANA@example.com", "another long passphrase").await;
    assert_eq!(first.status, 202);
    assert_eq!(second.status, first.status);
    assert_eq!(without_instance(&second), without_instance(&first));
    // The owner of the address is told; the account keeps its password.
    let mail = outbox(&app).await;
    assert_eq!(mail[0]["kind"], "account-exists");
    assert_eq!(mail[0]["to"], "ana@example.com");
    assert!(mail[0]["token"].is_null());
    sign_in(&app, "ana@example.com", PASSWORD).await;
    let r = post(
        &app,
        "/api/account/sign-in",
        &[],
        json!({ "email": "ana@example.com", "password": "another long passphrase" }),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_one_answer() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    let wrong = post(
        &app,
        "/api/account/sign-in",
        &[],
        json!({ "email": "ana@example.com", "password": "not the password" }),
    )
    .await;
    let unknown = post(
        &app,
        "/api/account/sign-in",
        &[],
        json!({ "email": "nobody@example.com", "password": "not the password" }),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.problem_type(), "invalid-credentials");
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(without_instance(&unknown), without_instance(&wrong));
    // A reset asked for either answers the same too, and only the account gets a message.
    let known = post(
        &app,
        "/api/account/password-reset",
        &[],
        json!({ "email": "ana@example.com" }),
    )
    .await;
    let nobody = post(
        &app,
        "/api/account/password-reset",
        &[],
        json!({ "email": "nobody@example.com" }),
    )
    .await;
    assert_eq!(known.status, 202);
    assert_eq!(without_instance(&known), without_instance(&nobody));
    let resets: Vec<Value> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "password-reset")
        .collect();
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0]["to"], "ana@example.com");
}

#[tokio::test]
async fn bad_registrations_are_refused_and_register_nothing() {
    let app = app_with(&[]);
    let long = format!("{}@example.com", "a".repeat(250));
    let cases = [
        (
            json!({ "email": "not-an-email", "password": PASSWORD }),
            "/email",
        ),
        (json!({ "email": long, "password": PASSWORD }), "/email"),
        (
            json!({ "email": "ana@example.com", "password": "short" }),
            "/password",
        ),
        (
            json!({ "email": "ana@example.com", "password": "x".repeat(129) }),
            "/password",
        ),
        (
            json!({ "email": "ana@example.com", "password": "qwertyuiop" }),
            "/password",
        ),
        (
            json!({ "email": "ana@example.com", "password": "ana@example.com" }),
            "/password",
        ),
        (
            json!({ "email": "ana@example.com", "password": PASSWORD, "name": "n".repeat(201) }),
            "/name",
        ),
        (
            json!({ "email": "ana@example.com", "password": PASSWORD, "admin": true }),
            "/admin",
        ),
        (json!({ "email": "ana@example.com" }), "/password"),
        (
            json!({ "email": "ana@example.com", "password": 12345678901_i64 }),
            "/password",
        ),
    ];
    for (body, path) in cases {
        let r = post(&app, "/api/account/register", &[], body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert_eq!(r.problem_type(), "invalid-input");
        let errors = r.json()["errors"].clone();
        assert!(
            errors.as_array().unwrap().iter().any(|e| e["path"] == path),
            "{body}: {errors}"
        );
    }
    let r = call(
        &app,
        "POST",
        "/api/account/register",
        &[("content-type", "text/plain")],
        None,
    )
    .await;
    assert_eq!(r.status, 415, "{}", r.text());
    let r = call(&app, "GET", "/api/account/register", &[], None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.headers["allow"], "POST");
    let r = call(&app, "GET", "/api/account/nothing-here", &[], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.problem_type(), "not-found");
    assert!(outbox(&app).await.is_empty(), "nothing was registered");
}

#[tokio::test]
async fn a_reset_link_works_once_replaces_older_ones_and_ends_every_session() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    let session = sign_in(&app, "ana@example.com", PASSWORD).await;
    let ask = || async {
        let r = post(
            &app,
            "/api/account/password-reset",
            &[],
            json!({ "email": "ana@example.com" }),
        )
        .await;
        assert_eq!(r.status, 202);
        mailed_token(&app, "password-reset", "ana@example.com").await
    };
    let older = ask().await;
    let token = ask().await;
    assert_ne!(older, token);
    assert!(token.starts_with("prt_"));
    let confirm = |token: String, password: &'static str| {
        let app = &app;
        async move {
            post(
                app,
                "/api/account/password-reset/confirm",
                &[],
                json!({ "token": token, "new_password": password }),
            )
            .await
        }
    };
    // The older link was replaced.
    let r = confirm(older, "a brand new passphrase").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.problem_type(), "invalid-token");
    // A weak password is refused and the link stays usable.
    let r = confirm(token.clone(), "short").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.problem_type(), "invalid-input");
    let r = confirm(token.clone(), "a brand new passphrase").await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = confirm(token.clone(), "yet another passphrase").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.problem_type(), "invalid-token");

    assert_eq!(me(&app, &session).await.status, 401, "every session ended");
    let r = post(
        &app,
        "/api/account/sign-in",
        &[],
        json!({ "email": "ana@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(r.status, 401, "the old password is gone");
    let fresh = sign_in(&app, "ana@example.com", "a brand new passphrase").await;
    assert_eq!(
        me(&app, &fresh).await.json()["verified"],
        true,
        "a reset proves the email"
    );
    // Forged and wrong-kind tokens get the same answer.
    for forged in [
        "prt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        fresh.clone(),
        "nonsense".to_owned(),
    ] {
        let r = confirm(forged, "a brand new passphrase").await;
        assert_eq!(r.status, 400);
        assert_eq!(r.problem_type(), "invalid-token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_reset_link_sent_many_times_at_once_sets_one_password() {
    let app = Arc::new(app_with(&[]));
    register(&app, "ana@example.com", PASSWORD).await;
    post(
        &app,
        "/api/account/password-reset",
        &[],
        json!({ "email": "ana@example.com" }),
    )
    .await;
    let token = mailed_token(&app, "password-reset", "ana@example.com").await;
    let passwords: Vec<String> = (0..8).map(|i| format!("racing passphrase {i}")).collect();
    let tasks: Vec<_> = passwords
        .iter()
        .map(|p| {
            let (app, body) = (app.clone(), json!({ "token": token, "new_password": p }));
            tokio::spawn(async move {
                post(&app, "/api/account/password-reset/confirm", &[], body).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let winners: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == 204)
        .map(|(i, _)| i)
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(winners.len(), 1, "{statuses:?}");
    assert!(
        answers
            .iter()
            .all(|r| r.status == 204 || r.problem_type() == "invalid-token"),
        "{statuses:?}"
    );
    // The password is the winner's, no other.
    for (i, p) in passwords.iter().enumerate() {
        let r = post(
            &app,
            "/api/account/sign-in",
            &[],
            json!({ "email": "ana@example.com", "password": p }),
        )
        .await;
        assert_eq!(r.status == 200, i == winners[0], "{p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_email_registered_many_times_at_once_makes_one_account() {
    let app = Arc::new(app_with(&[]));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                register(&app, "ana@example.com", &format!("racing passphrase {i}")).await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, 202);
    }
    let r = call(
        &app,
        "GET",
        "/admin/customers?email_prefix=ana@",
        &[("authorization", &bearer(ADMIN_TOKEN))],
        None,
    )
    .await;
    assert_eq!(
        r.json()["items"].as_array().unwrap().len(),
        1,
        "{}",
        r.text()
    );
    let mail = outbox(&app).await;
    assert_eq!(
        mail.iter().filter(|m| m["kind"] == "verify-email").count(),
        1
    );
    assert_eq!(
        mail.iter()
            .filter(|m| m["kind"] == "account-exists")
            .count(),
        7
    );
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    let here = sign_in(&app, "ana@example.com", PASSWORD).await;
    let elsewhere = sign_in(&app, "ana@example.com", PASSWORD).await;
    let change = |current: &'static str, new: &'static str| {
        let (app, here) = (&app, here.clone());
        async move {
            post(
                app,
                "/api/account/password",
                &[("authorization", &bearer(&here))],
                json!({ "current_password": current, "new_password": new }),
            )
            .await
        }
    };
    let r = change("not the password", "a brand new passphrase").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.problem_type(), "invalid-credentials");
    let r = change(PASSWORD, "short").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        me(&app, &elsewhere).await.status,
        200,
        "a refused change ends nothing"
    );
    let r = change(PASSWORD, "a brand new passphrase").await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(me(&app, &here).await.status, 200);
    assert_eq!(me(&app, &elsewhere).await.status, 401);
    sign_in(&app, "ana@example.com", "a brand new passphrase").await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    register(&app, "bo@example.com", PASSWORD).await;
    let a = sign_in(&app, "ana@example.com", PASSWORD).await;
    let b = sign_in(&app, "ana@example.com", PASSWORD).await;
    let other = sign_in(&app, "bo@example.com", PASSWORD).await;
    let r = post(
        &app,
        "/api/account/sign-out-everywhere",
        &[("authorization", &bearer(&a))],
        json!({}),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(me(&app, &a).await.status, 401);
    assert_eq!(me(&app, &b).await.status, 401);
    assert_eq!(
        me(&app, &other).await.status,
        200,
        "another customer is untouched"
    );
    let r = post(
        &app,
        "/api/account/sign-out-everywhere",
        &[("authorization", &bearer(&a))],
        json!({}),
    )
    .await;
    assert_eq!(r.status, 401, "an ended session cannot do it again");
}

#[tokio::test]
async fn the_cookie_session_is_httponly_and_refuses_cross_site_changes() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    let r = post(
        &app,
        "/api/account/sign-in",
        &[],
        json!({ "email": "ana@example.com", "password": PASSWORD, "session": "cookie" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.json().get("token").is_none(),
        "the token is not in the body"
    );
    let set_cookie = r.headers["set-cookie"].to_str().unwrap().to_owned();
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    assert!(pair.starts_with("__Host-session=stk_"), "{pair}");
    let cookie = [("cookie", pair.as_str())];
    let r = call(&app, "GET", "/api/account", &cookie, None).await;
    assert_eq!(r.status, 200, "{}", r.text());

    let patch = |headers: Vec<(&'static str, &'static str)>| {
        let (app, pair) = (&app, pair.clone());
        async move {
            let mut all = vec![("cookie", pair.as_str()), ("host", "shop.example")];
            all.extend(headers);
            call(
                app,
                "PATCH",
                "/api/account",
                &all,
                Some(&json!({ "name": "Ana María" })),
            )
            .await
        }
    };
    for refused in [
        vec![],
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        let r = patch(refused.clone()).await;
        assert_eq!(r.status, 403, "{refused:?}: {}", r.text());
    }
    assert_eq!(
        call(&app, "GET", "/api/account", &cookie, None)
            .await
            .json()["name"],
        "Ana"
    );
    let r = patch(vec![("origin", "https://shop.example")]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["name"], "Ana María");
    let r = patch(vec![("sec-fetch-site", "same-origin")]).await;
    assert_eq!(r.status, 200, "{}", r.text());

    let r = call(
        &app,
        "POST",
        "/api/account/sign-out",
        &[
            ("cookie", pair.as_str()),
            ("origin", "http://localhost"),
            ("host", "localhost"),
        ],
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(
        r.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        call(&app, "GET", "/api/account", &cookie, None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn sessions_and_links_expire() {
    let app = app_with(&[
        ("identity_session_ttl_seconds", "1"),
        ("identity_reset_ttl_seconds", "1"),
    ]);
    register(&app, "ana@example.com", PASSWORD).await;
    let session = sign_in(&app, "ana@example.com", PASSWORD).await;
    post(
        &app,
        "/api/account/password-reset",
        &[],
        json!({ "email": "ana@example.com" }),
    )
    .await;
    let token = mailed_token(&app, "password-reset", "ana@example.com").await;
    // Bounded polling on the real clock: the lifetimes are one second.
    let deadline = Instant::now() + Duration::from_secs(20);
    while me(&app, &session).await.status == 200 {
        assert!(Instant::now() < deadline, "the session never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(me(&app, &session).await.status, 401);
    let r = post(
        &app,
        "/api/account/password-reset/confirm",
        &[],
        json!({ "token": token, "new_password": "a brand new passphrase" }),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.problem_type(), "invalid-token");
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m["kind"] != "password-reset"),
        "an expired link's message is not listed"
    );
    sign_in(&app, "ana@example.com", PASSWORD).await;
}

#[tokio::test]
async fn a_new_email_must_be_verified_again_and_cannot_be_taken() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    register(&app, "bo@example.com", PASSWORD).await;
    let session = sign_in(&app, "ana@example.com", PASSWORD).await;
    let verify = mailed_token(&app, "verify-email", "ana@example.com").await;
    post(
        &app,
        "/api/account/email-verification/confirm",
        &[],
        json!({ "token": verify }),
    )
    .await;
    let auth = [("authorization", bearer(&session))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let r = call(
        &app,
        "PATCH",
        "/api/account",
        &auth,
        Some(&json!({ "email": "BO@example.com" })),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let r = call(
        &app,
        "PATCH",
        "/api/account",
        &auth,
        Some(&json!({ "email": "bad" })),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(
        &app,
        "PATCH",
        "/api/account",
        &auth,
        Some(&json!({ "email": "ana.new@example.com", "name": null, "marketing_consent": true })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let customer = r.json();
    assert_eq!(customer["email"], "ana.new@example.com");
    assert_eq!(customer["verified"], false);
    assert!(customer["name"].is_null());
    assert_eq!(customer["marketing_consent"], true);
    let token = mailed_token(&app, "verify-email", "ana.new@example.com").await;
    let r = post(
        &app,
        "/api/account/email-verification/confirm",
        &[],
        json!({ "token": token }),
    )
    .await;
    assert_eq!(r.json()["verified"], true);
    sign_in(&app, "ana.new@example.com", PASSWORD).await;
}

/// The Argon2id PHC string stored for the account with `email`.
fn stored_hash(app: &TestApp, email: &str) -> String {
    let conn = rusqlite::Connection::open(app.state.path().join("sqlite_db.db")).unwrap();
    conn.query_row(
        "SELECT password_hash FROM identity_customers WHERE email_key = ?",
        [email],
        |row| row.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn a_hash_of_a_lower_cost_is_replaced_at_the_next_sign_in() {
    let app = app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    let cheap = stored_hash(&app, "ana@example.com");
    assert!(cheap.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{cheap}");
    // The same state, with the cost raised.
    let raised = app.sibling(&[
        ("identity_argon2_memory_kib", "128"),
        ("identity_argon2_iterations", "2"),
    ]);
    let r = post(
        &raised,
        "/api/account/sign-in",
        &[],
        json!({ "email": "ana@example.com", "password": "not the password" }),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        stored_hash(&app, "ana@example.com"),
        cheap,
        "a failed sign-in re-hashes nothing"
    );
    sign_in(&raised, "ana@example.com", PASSWORD).await;
    let rehashed = stored_hash(&app, "ana@example.com");
    assert!(
        rehashed.starts_with("$argon2id$v=19$m=128,t=2,p=1$"),
        "{rehashed}"
    );
    sign_in(&raised, "ana@example.com", PASSWORD).await;
    assert_eq!(
        stored_hash(&app, "ana@example.com"),
        rehashed,
        "once is enough"
    );
}

#[tokio::test]
async fn the_default_cost_hashes_with_19_mib() {
    let app = spawn_app_with(&[]);
    register(&app, "ana@example.com", PASSWORD).await;
    let hash = stored_hash(&app, "ana@example.com");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    sign_in(&app, "ana@example.com", PASSWORD).await;
}

#[tokio::test]
async fn a_bad_cost_variable_fails_clearly() {
    let app = spawn_app_with(&[("identity_argon2_memory_kib", "lots")]);
    let r = register(&app, "ana@example.com", PASSWORD).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.problem_type(), "internal");
}

#[tokio::test]
async fn sign_in_and_reset_bursts_are_refused_change_nothing_and_recover() {
    let app = app_with(&[
        ("limit_sign_in_per_account", "3/2"),
        ("limit_password_reset_per_account", "1/2"),
        ("limit_registration_per_client", "2/2"),
    ]);
    register(&app, "ana@example.com", PASSWORD).await;
    register(&app, "bo@example.com", PASSWORD).await;
    // The third registration from this client is over its limit: refused, nothing queued.
    let r = register(&app, "cy@example.com", PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.problem_type(), "rate-limited");
    assert!(r.headers.contains_key("retry-after"));
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m["to"] != "cy@example.com")
    );

    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            post(
                app,
                "/api/account/sign-in",
                &[],
                json!({ "email": "ana@example.com", "password": password }),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("not the password").await.status, 401);
    }
    // Over the limit even the right password is refused, and no session is made.
    let r = attempt(PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.text());
    let admin = [("authorization", bearer(ADMIN_TOKEN))];
    let admin: Vec<(&str, &str)> = admin.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let customers = call(
        &app,
        "GET",
        "/admin/customers?email_prefix=ana@",
        &admin,
        None,
    )
    .await;
    let id = customers.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sessions = call(
        &app,
        "GET",
        &format!("/admin/customers/{id}/sessions"),
        &admin,
        None,
    )
    .await;
    assert!(sessions.json()["items"].as_array().unwrap().is_empty());
    // Another account is not limited by Ana's.
    sign_in(&app, "bo@example.com", PASSWORD).await;

    let reset = || {
        post(
            &app,
            "/api/account/password-reset",
            &[],
            json!({ "email": "ana@example.com" }),
        )
    };
    assert_eq!(reset().await.status, 202);
    assert_eq!(reset().await.status, 429);
    let resets = outbox(&app).await;
    assert_eq!(
        resets
            .iter()
            .filter(|m| m["kind"] == "password-reset")
            .count(),
        1
    );

    // The limits recover with time (bounded polling on the real clock).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = attempt(PASSWORD).await;
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 429);
        assert!(
            Instant::now() < deadline,
            "the sign-in limit never recovered"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
