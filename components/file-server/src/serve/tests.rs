//! The file server's decisions against a small site in a temporary directory.

use super::*;

const CSS: &str = "assets/css/site.0123456789.css";

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &[u8])] = &[
        ("index.html", b"<!doctype html><title>Home</title>"),
        ("cart.html", b"<!doctype html><title>Cart</title>"),
        ("404.html", b"<!doctype html><title>Not found</title>"),
        (CSS, b"body{color:#222}"),
        ("assets/css/site.0123456789.css.br", b"BR"),
        ("assets/css/site.0123456789.css.gz", b"GZ"),
        ("assets/img/photo.abcdef0123.png", b"PNG"),
        ("favicon.svg", b"<svg/>"),
        ("guide/index.html", b"guide"),
        ("empty/x.txt", b"x"),
        (".env", b"SECRET=1"),
    ];
    for (rel, bytes) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

fn get(root: &Path, path: &str) -> Reply {
    send(root, "GET", path, None, None)
}

fn send(
    root: &Path,
    method: &str,
    path: &str,
    accept_encoding: Option<&str>,
    if_none_match: Option<&str>,
) -> Reply {
    serve(
        root,
        &Req {
            method,
            path,
            query: "",
            accept_encoding,
            if_none_match,
        },
    )
}

#[test]
fn pages_assets_and_other_files_get_their_type_and_cache_policy() {
    let dir = site();
    let r = get(dir.path(), "/cart");
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, &b"<!doctype html><title>Cart</title>"[..])
    );
    assert_eq!(r.get("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.get("cache-control"), Some(REVALIDATE));
    assert_eq!(r.get("content-length"), Some("34"));
    assert_eq!(get(dir.path(), "/cart.html").body, r.body);
    assert_eq!(
        get(dir.path(), "/").body,
        b"<!doctype html><title>Home</title>"
    );

    let css = get(dir.path(), &format!("/{CSS}"));
    assert_eq!(css.get("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.get("cache-control"), Some(IMMUTABLE));
    assert_eq!(css.get("etag"), Some("\"0123456789\""));
    assert_eq!(css.get("vary"), Some("Accept-Encoding"));
    let png = get(dir.path(), "/assets/img/photo.abcdef0123.png");
    assert_eq!(png.get("content-type"), Some("image/png"));
    assert_eq!(png.get("vary"), None);

    let svg = get(dir.path(), "/favicon.svg");
    assert_eq!(svg.get("content-type"), Some("image/svg+xml"));
    assert_eq!(svg.get("cache-control"), Some(SHORT));
    assert_eq!(svg.get("etag").unwrap(), content_etag(b"<svg/>"));
    for (name, value) in web_kit::SECURITY_HEADERS {
        assert_eq!(svg.get(name), Some(*value), "{name}");
    }
}

#[test]
fn conditional_requests_get_304_with_validators_and_no_body() {
    let dir = site();
    let page = get(dir.path(), "/cart");
    let etag = page.get("etag").unwrap().to_string();
    let r = send(dir.path(), "GET", "/cart", None, Some(&etag));
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty() && r.get("content-length").is_none());
    assert_eq!(r.get("etag"), Some(etag.as_str()));
    assert_eq!(r.get("cache-control"), Some(REVALIDATE));
    assert!(r.get("content-security-policy").is_some());
    let other = send(dir.path(), "GET", "/cart", None, Some("\"something-else\""));
    assert_eq!(other.status, 200);

    // The brotli variant has its own validator.
    let r = send(
        dir.path(),
        "GET",
        &format!("/{CSS}"),
        Some("br"),
        Some("\"0123456789\""),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.get("etag"), Some("\"0123456789-br\""));
    let r = send(
        dir.path(),
        "GET",
        &format!("/{CSS}"),
        Some("br"),
        Some("\"0123456789-br\""),
    );
    assert_eq!((r.status, r.get("vary")), (304, Some("Accept-Encoding")));
}

#[test]
fn variants_follow_accept_encoding() {
    let dir = site();
    let css = format!("/{CSS}");
    let cases = [
        (None, None, &b"body{color:#222}"[..]),
        (Some("gzip, deflate, br"), Some("br"), b"BR"),
        (Some("gzip"), Some("gzip"), b"GZ"),
        (Some("br;q=0, gzip;q=0.5"), Some("gzip"), b"GZ"),
        (Some("br;q=0, gzip;q=0"), None, b"body{color:#222}"),
    ];
    for (accept, encoding, body) in cases {
        let r = send(dir.path(), "GET", &css, accept, None);
        assert_eq!(r.get("content-encoding"), encoding, "{accept:?}");
        assert_eq!(r.body, body, "{accept:?}");
        assert_eq!(r.get("content-type"), Some("text/css; charset=utf-8"));
    }
    // No variant on disk: identity, whatever the client accepts.
    let r = send(dir.path(), "GET", "/cart", Some("br, gzip"), None);
    assert_eq!(r.get("content-encoding"), None);
    // A variant is never served by its own name.
    assert_eq!(get(dir.path(), &format!("{css}.br")).status, 404);
}

#[test]
fn head_has_the_headers_of_get_and_no_body_other_methods_405() {
    let dir = site();
    let get = get(dir.path(), "/cart");
    let head = send(dir.path(), "HEAD", "/cart", None, None);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.get("etag"), get.get("etag"));
    assert_eq!(head.get("content-type"), get.get("content-type"));
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let r = send(dir.path(), method, "/cart", None, None);
        assert_eq!(
            (r.status, r.get("allow")),
            (405, Some("GET, HEAD")),
            "{method}"
        );
    }
}

#[test]
fn unknown_hidden_and_unsafe_paths_never_reach_a_file() {
    let dir = site();
    for missing in [
        "/nope",
        "/nope.css",
        "/.env",
        "/cart/",
        "/assets/css/site.css",
    ] {
        let r = get(dir.path(), missing);
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(
            r.body, b"<!doctype html><title>Not found</title>",
            "{missing}"
        );
        assert_eq!(r.get("cache-control"), Some(REVALIDATE));
        assert_eq!(r.get("etag"), None);
    }
    for unsafe_path in [
        "/../x",
        "/%2e%2e/x",
        "/assets%2fcss",
        "/a\\b",
        "//etc/passwd",
        "/x%00",
    ] {
        assert_eq!(get(dir.path(), unsafe_path).status, 400, "{unsafe_path}");
    }
    // Directories: never listed; with an index, redirected to their slash form.
    assert_eq!(get(dir.path(), "/empty").status, 404);
    assert_eq!(get(dir.path(), "/empty/").status, 404);
    let r = serve(
        dir.path(),
        &Req {
            method: "GET",
            path: "/guide",
            query: "a=1",
            accept_encoding: None,
            if_none_match: None,
        },
    );
    assert_eq!((r.status, r.get("location")), (301, Some("/guide/?a=1")));
    assert_eq!(get(dir.path(), "/guide/").body, b"guide");
}

#[test]
fn without_a_404_page_a_line_of_text() {
    let dir = tempfile::tempdir().unwrap();
    let r = get(dir.path(), "/anything");
    assert_eq!(r.status, 404);
    assert_eq!(r.get("content-type"), Some("text/plain; charset=utf-8"));
}
