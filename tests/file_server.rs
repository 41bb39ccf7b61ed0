//! The file server (`components/file-server`) over the real build of `static/`, through the
//! composed app: content types, validators and 304, cache policy, compression negotiation,
//! HEAD and 405, 404 without listing, no traversal, security headers. It is routed
//! `/assets/...` and `/images/...`; every other path is the storefront's (a page or its 404
//! page with the shop's name: `tests/storefront.rs`).
//!
//! The files under `static/` change as the storefront grows, so these tests assert on files
//! the file server's own work provides (`static/assets/css/base.css`, a product picture) and
//! compare bodies with what the build wrote to `target/storefront/`, not with fixed text.

use bytes::Bytes;
use commerce_tests::{TestApp, TestResponse, repo_root, spawn_app};
use sha2::{Digest, Sha256};
use std::io::Read;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A file of the build output, as the file server's mount holds it.
fn built(rel: &str) -> Vec<u8> {
    let path = repo_root().join("target/storefront").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn header<'a>(res: &'a TestResponse, name: &str) -> Option<&'a str> {
    res.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Every answer of the file server carries the security headers.
fn assert_secure(res: &TestResponse) {
    for (name, value) in web_kit::SECURITY_HEADERS {
        assert_eq!(
            header(res, name),
            Some(*value),
            "{name} on a {}",
            res.status
        );
    }
}

/// The fingerprinted URL of base.css, from the manifest the build wrote (the storefront reads
/// it from its mount; it is not served).
async fn base_css(app: &TestApp) -> String {
    assert_eq!(app.get("/asset-manifest.json").await.status, 404);
    manifest()["/assets/css/base.css"]
        .as_str()
        .expect("base.css is in the manifest")
        .to_string()
}

fn manifest() -> serde_json::Value {
    serde_json::from_slice(&built("asset-manifest.json")).expect("the manifest is JSON")
}

/// A product picture the build copied (not fingerprinted).
const PICTURE: &str = "/images/products/backpack-black.svg";

async fn send(app: &TestApp, method: &str, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut req = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.request(req.body(Bytes::new()).unwrap()).await
}

#[tokio::test]
async fn fingerprinted_assets_are_typed_immutable_and_named_by_their_hash() {
    let app = spawn_app();
    let url = base_css(&app).await;
    let res = app.get(&url).await;
    assert_eq!(res.status, 200);
    assert_secure(&res);
    assert_eq!(res.content_type(), "text/css; charset=utf-8");
    assert_eq!(header(&res, "cache-control"), Some(IMMUTABLE));
    assert_eq!(header(&res, "vary"), Some("Accept-Encoding"));
    let hash: String = Sha256::digest(&res.body)[..5]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(url, format!("/assets/css/base.{hash}.css"));
    assert_eq!(header(&res, "etag"), Some(format!("\"{hash}\"").as_str()));
    assert_eq!(res.body, built(url.trim_start_matches('/')));
    // The logical name is not served: pages link the fingerprinted one.
    assert_eq!(app.get("/assets/css/base.css").await.status, 404);
}

#[tokio::test]
async fn other_files_are_typed_and_cached_for_an_hour() {
    let app = spawn_app();
    let picture = app.get(PICTURE).await;
    assert_eq!(picture.status, 200);
    assert_secure(&picture);
    assert_eq!(picture.content_type(), "image/svg+xml");
    assert_eq!(
        header(&picture, "cache-control"),
        Some("public, max-age=3600")
    );
    assert_eq!(picture.body, built(PICTURE.trim_start_matches('/')));
    // Every module the pages name is served under its fingerprinted name.
    for (logical, fingerprinted) in manifest().as_object().unwrap() {
        let url = fingerprinted.as_str().unwrap();
        let res = app.get(url).await;
        assert_eq!(res.status, 200, "{logical} as {url}");
        assert_eq!(header(&res, "cache-control"), Some(IMMUTABLE), "{url}");
    }
}

#[tokio::test]
async fn etags_answer_conditional_requests_with_304() {
    let app = spawn_app();
    for url in [PICTURE.to_string(), base_css(&app).await] {
        let first = app.get(&url).await;
        let etag = header(&first, "etag").expect("an ETag").to_string();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "strong: {etag}"
        );
        let again = app.get_with(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{url}");
        assert!(again.body.is_empty());
        assert_eq!(header(&again, "etag"), Some(etag.as_str()));
        assert_eq!(
            header(&again, "cache-control"),
            header(&first, "cache-control")
        );
        assert_secure(&again);
        let weak = app
            .get_with(&url, &[("if-none-match", &format!("W/{etag}"))])
            .await;
        assert_eq!(weak.status, 304, "If-None-Match compares weakly");
        let other = app
            .get_with(&url, &[("if-none-match", "\"0000000000\"")])
            .await;
        assert_eq!((other.status, &other.body), (200, &first.body));
    }
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

#[tokio::test]
async fn compressed_variants_follow_accept_encoding() {
    let app = spawn_app();
    for url in [PICTURE.to_string(), base_css(&app).await] {
        let identity = app.get(&url).await;
        assert_eq!(header(&identity, "content-encoding"), None);
        let cases: [(&str, Option<&str>); 6] = [
            ("gzip, deflate, br, zstd", Some("br")),
            ("br", Some("br")),
            ("gzip", Some("gzip")),
            ("br;q=0, gzip", Some("gzip")),
            ("br;q=0.4, gzip;q=0.9", Some("gzip")),
            ("gzip;q=0, br;q=0", None),
        ];
        for (accept, want) in cases {
            let res = app.get_with(&url, &[("accept-encoding", accept)]).await;
            assert_eq!(res.status, 200);
            assert_eq!(header(&res, "content-encoding"), want, "{url} {accept}");
            assert_eq!(header(&res, "vary"), Some("Accept-Encoding"));
            assert_eq!(res.content_type(), identity.content_type());
            let body = match want {
                Some("br") => brotli(&res.body),
                Some("gzip") => gunzip(&res.body),
                _ => res.body.to_vec(),
            };
            assert_eq!(body, identity.body, "{url} {accept}: the same content");
            if want.is_some() {
                assert!(
                    res.body.len() < identity.body.len(),
                    "{url} {accept}: smaller"
                );
                assert_ne!(header(&res, "etag"), header(&identity, "etag"));
            }
        }
        // The variant files are never served as themselves.
        for suffix in [".br", ".gz"] {
            let direct = app.get(&format!("{url}{suffix}")).await;
            assert_eq!(direct.status, 404, "{url}{suffix}");
            assert_eq!(direct.content_type(), "text/plain; charset=utf-8");
        }
    }
}

#[tokio::test]
async fn head_mirrors_get_without_a_body_and_other_methods_get_405() {
    let app = spawn_app();
    let url = base_css(&app).await;
    let get = app.get(&url).await;
    let head = send(&app, "HEAD", &url, &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in ["content-type", "etag", "cache-control", "vary"] {
        assert_eq!(header(&head, name), header(&get, name), "{name}");
    }
    assert_secure(&head);
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let res = send(&app, method, &url, &[]).await;
        assert_eq!(res.status, 405, "{method}");
        assert_eq!(header(&res, "allow"), Some("GET, HEAD"));
        assert_secure(&res);
    }
}

#[tokio::test]
async fn unknown_files_are_404_and_directories_are_never_listed() {
    let app = spawn_app();
    for path in [
        "/assets/",
        "/assets/css/",
        "/assets/css",
        "/assets/missing.css",
        "/assets/.hidden",
        "/images/products/",
        "/images/products/no-such.svg",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(res.content_type(), "text/plain; charset=utf-8", "{path}");
        assert_eq!(header(&res, "cache-control"), Some("no-cache"), "{path}");
        assert_secure(&res);
    }
}

#[tokio::test]
async fn traversal_attempts_never_leave_the_mount() {
    let app = spawn_app();
    // Dot segments, encoded or not, encoded separators, backslashes, empty segments (an
    // absolute path after the first slash) and NUL are refused outright: 400.
    let refused = [
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
        "/assets/%2E%2E%2F%2E%2E%2FCargo.toml",
        "/assets/.%2e/Cargo.toml",
        "/assets%2f..%2f..%2f..%2fCargo.toml",
        "/assets/%2fetc%2fpasswd",
        "/assets//etc/passwd",
        "/images/..\\..\\Cargo.toml",
        "/images/..%5c..%5cCargo.toml",
        "/assets/css/base.css%00.css",
    ];
    for path in refused {
        let res = app.get(path).await;
        let body = String::from_utf8_lossy(&res.body).into_owned();
        assert!(!body.contains("[workspace]"), "{path}");
        if path.starts_with("/assets%2f") {
            // Not under /assets/: the storefront's 404 page.
            assert_eq!(res.status, 404, "{path}");
            continue;
        }
        assert_eq!(res.status, 400, "{path}: {body}");
        assert_secure(&res);
    }
    // Dot segments in the raw path never reach a file either, whichever component answers.
    for path in [
        "/../Cargo.toml",
        "/assets/../../Cargo.toml",
        "/images/../../../Cargo.toml",
    ] {
        let res = app.get(path).await;
        assert!([400, 404].contains(&res.status), "{path}: {}", res.status);
        assert!(
            !String::from_utf8_lossy(&res.body).contains("[workspace]"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn more_specific_routes_win_over_the_catch_all() {
    let app = spawn_app();
    let health = app.get("/api/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.content_type(), "application/json");
    // An unknown API path is the API's own problem, not the storefront's 404 page.
    let api = app.get("/api/products/does-not-exist").await;
    assert_eq!(api.status, 404);
    assert!(api.content_type().starts_with("application/problem+json"));
}
