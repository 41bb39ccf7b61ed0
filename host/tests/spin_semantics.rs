//! The host against Spin's documented behaviour, through the probe component
//! (`tests/probe`, mounted twice by `tests/fixtures/probe.toml`: `/probe` with grants,
//! `/locked` with none).

use bytes::Bytes;
use commerce_host::{App, AppOptions, Output};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[path = "spin_semantics/storage.rs"]
mod storage;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/probe.toml")
}

/// Builds the probe once per test binary, with the manifest's own build command.
fn built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let manifest = commerce_host::manifest::Manifest::from_file(&fixture()).unwrap();
        commerce_host::builder::build_all(&manifest).expect("building the probe component");
    });
}

/// A fresh app with its own state directory.
struct TestApp {
    app: App,
    state: tempfile::TempDir,
}

fn options(state: &Path) -> AppOptions {
    let mut options = AppOptions::new(fixture());
    options.state_dir = Some(state.to_path_buf());
    options.output = Output::Capture;
    options.variables = BTreeMap::from([("probe_secret".to_string(), "s3cret".to_string())]);
    options
}

fn spawn_app() -> TestApp {
    built();
    let state = tempfile::tempdir().unwrap();
    let app = App::load(options(state.path())).unwrap();
    TestApp { app, state }
}

impl TestApp {
    async fn get(&self, path: &str) -> (u16, String) {
        let req = http::Request::get(path).body(Bytes::new()).unwrap();
        let res = self.app.send(req).await.unwrap();
        (
            res.status().as_u16(),
            String::from_utf8_lossy(res.body()).into_owned(),
        )
    }

    async fn body(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Asserts that the probe answers every one of `paths` with an error.
    async fn errors(&self, paths: &[&str]) {
        for path in paths {
            let body = self.body(path).await;
            assert!(body.starts_with("error"), "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn a_component_opens_only_the_key_value_stores_its_manifest_lists() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/kv/default").await, "ok");
    assert_eq!(app.body("/locked/kv/default").await, "access-denied");
    assert_eq!(app.body("/probe/kv/elsewhere").await, "access-denied");
}

#[tokio::test]
async fn a_component_opens_only_the_sqlite_databases_its_manifest_lists() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sqlite/default").await, "ok");
    assert_eq!(app.body("/locked/sqlite/default").await, "access-denied");
    assert_eq!(app.body("/probe/sqlite/other").await, "access-denied");
}

#[tokio::test]
async fn variables_resolve_from_templates_and_only_for_their_component() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/var/greeting").await, "hello, world");
    assert_eq!(app.body("/probe/var/secret").await, "s3cret");
    for (path, case) in [
        ("/probe/var/nope", "Undefined"),
        ("/locked/var/greeting", "Undefined"),
        ("/probe/var/Bad-Name", "InvalidName"),
    ] {
        let body = app.body(path).await;
        assert!(body.contains(case), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_missing_required_variable_stops_start_up_naming_it() {
    built();
    let state = tempfile::tempdir().unwrap();
    let mut options = options(state.path());
    options.variables.clear();
    let err = App::load(options).err().expect("load must fail");
    let msg = format!("{err:#}");
    assert!(msg.contains("probe_secret"), "{msg}");
    assert!(msg.contains("SPIN_VARIABLE_PROBE_SECRET"), "{msg}");
}

/// A one-shot HTTP server on loopback answering 204 to anything.
async fn local_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    port
}

/// A loopback HTTP server answering anything with a chunked body and a trailer.
async fn trailers_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-sum\r\nconnection: close\r\n\r\n2\r\nok\r\n0\r\nx-sum: 2\r\n\r\n",
                )
                .await;
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_http_reaches_only_allowed_hosts() {
    let app = spawn_app();
    let port = local_server().await;
    let allowed = format!("/probe/outbound?url=http://127.0.0.1:{port}/x");
    assert_eq!(app.body(&allowed).await, "status 204");
    // Same server, but `localhost` is not in the list; and the locked mount has no list.
    let other_name = format!("/probe/outbound?url=http://localhost:{port}/x");
    let denied = app.body(&other_name).await;
    assert!(
        denied.starts_with("error") && denied.to_lowercase().contains("denied"),
        "{denied}"
    );
    let locked = app
        .body(&format!("/locked/outbound?url=http://127.0.0.1:{port}/x"))
        .await;
    assert!(locked.to_lowercase().contains("denied"), "{locked}");
}

#[tokio::test]
async fn requests_carry_spins_headers_and_clients_cannot_forge_them() {
    let app = spawn_app();
    let req = http::Request::get("/probe/headers/a/b?x=1")
        .header("spin-path-info", "/forged")
        .body(Bytes::new())
        .unwrap();
    let res = app.app.send(req).await.unwrap();
    let headers: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
    let expected = serde_json::json!({
        "spin-full-url": "http://localhost:3000/probe/headers/a/b?x=1",
        "spin-path-info": "/headers/a/b",
        "spin-matched-route": "/probe/...",
        "spin-base-path": "/",
        "spin-raw-component-route": "/probe/...",
        "spin-component-route": "/probe",
        "spin-client-addr": "127.0.0.1:50000",
    });
    assert_eq!(headers, expected);
}

#[tokio::test]
async fn an_unknown_route_is_a_404() {
    let app = spawn_app();
    assert_eq!(app.get("/nowhere").await.0, 404);
    assert_eq!(app.get("/probe/no-such-probe").await.0, 404);
}

#[tokio::test]
async fn a_trapping_component_gets_a_500_and_the_host_keeps_serving() {
    let app = spawn_app();
    assert_eq!(app.get("/probe/trap").await.0, 500);
    assert_eq!(app.body("/probe/kv/default").await, "ok");
}

#[tokio::test]
async fn a_component_exceeding_its_memory_gets_a_500_and_the_host_keeps_serving() {
    let app = spawn_app();
    assert_eq!(app.get("/probe/oom").await.0, 500);
    assert_eq!(app.body("/probe/kv/default").await, "ok");
}

#[tokio::test]
async fn state_survives_a_host_restart_in_spins_file_layout() {
    let first = spawn_app();
    first.body("/probe/kv-set/colour/teal").await;
    first.body("/probe/sql-put/kept").await;
    let TestApp { app, state } = first;
    drop(app);

    assert!(state.path().join("sqlite_key_value.db").is_file());
    assert!(state.path().join("sqlite_db.db").is_file());
    let again = TestApp {
        app: App::load(options(state.path())).unwrap(),
        state,
    };
    assert_eq!(again.body("/probe/kv-get/colour").await, "teal");
    assert_eq!(again.body("/probe/sql-all").await, "kept");
    let _ = again.state.path();
}

#[tokio::test]
async fn each_request_gets_a_fresh_instance() {
    // The probe keeps nothing in memory between requests; the only way a value crosses
    // requests is the store. An unset key reads as none on every request.
    let app = spawn_app();
    assert_eq!(app.body("/probe/kv-get/never").await, "none");
    assert_eq!(app.body("/probe/kv-get/never").await, "none");
}

#[test]
fn a_missing_wasm_names_the_build_command() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        r#"spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "missing.wasm"
[component.web.build]
command = "cargo build -p web"
"#,
    )
    .unwrap();
    let mut options = AppOptions::new(&manifest);
    options.output = Output::Capture;
    let err = format!("{:#}", App::load(options).err().unwrap());
    assert!(
        err.contains("missing.wasm") && err.contains("cargo build -p web"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_over_tcp_and_shuts_down_cleanly() {
    let app = spawn_app();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(commerce_host::server::serve(
        app.app.clone(),
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(
        b"GET /probe/kv/default HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\r\nok\r\n"), "{response}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn files_are_mounted_as_spin_mounts_them() {
    let app = spawn_app();
    // A `{ source, destination }` placement mounts the directory at the destination.
    assert_eq!(
        app.body("/probe/file/placed/readme.txt").await,
        "mounted by placement\n"
    );
    // Glob patterns keep relative paths under `/`; exclude_files removes matches again.
    assert_eq!(
        app.body("/locked/file/files/docs/hello.txt").await,
        "hello from a glob\n"
    );
    app.errors(&[
        "/locked/file/files/docs/readme.txt",
        "/locked/file/files/private/secret.md",
    ])
    .await;
    // Nothing outside the mounts is reachable, `..` included.
    app.errors(&[
        "/probe/file/placed/../../probe.toml",
        "/probe/file/etc/passwd",
        "/locked/file/files/../probe.toml",
    ])
    .await;
}

#[tokio::test]
async fn a_directory_mounted_at_the_root_merges_with_globs_as_in_spin() {
    let app = spawn_app();
    // Alone, the directory's tree is the component's whole file system.
    assert_eq!(
        app.body("/bare/file/readme.txt").await,
        "mounted by placement\n"
    );
    assert_eq!(app.body("/bare/dir/").await, "hello.txt\nreadme.txt");
    app.errors(&[
        "/bare/file/../../probe.toml",
        "/bare/dir/..",
        "/bare/file/files",
    ])
    .await;
    // The placement's files sit at the root, the glob's under their relative path, in one tree.
    assert_eq!(
        app.body("/rooted/file/readme.txt").await,
        "mounted by placement\n"
    );
    assert_eq!(
        app.body("/rooted/file/hello.txt").await,
        "hello from a glob\n"
    );
    assert_eq!(
        app.body("/rooted/file/files/private/secret.md").await,
        "not matched by the glob\n"
    );
    assert_eq!(
        app.body("/rooted/dir/").await,
        "files/\nhello.txt\nreadme.txt"
    );
    assert_eq!(app.body("/rooted/dir/files").await, "private/");
    // A directory is not a file, and the root has no parent.
    app.errors(&[
        "/rooted/file/files",
        "/rooted/file/../probe.toml",
        "/rooted/dir/..",
        "/rooted/file/%2e%2e/probe.toml",
    ])
    .await;
}

/// WASI 0.2: a child resource (the headers of a request or response, the stream of a body)
/// must be dropped before its parent is dropped or consumed, or the host traps. wasmtime 42
/// (Spin 3.6) enforces it for headers, wasmtime 48 does not, and this host does anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_parent_resource_while_its_child_lives_traps() {
    let app = spawn_app();
    let port = local_server().await;
    let url = format!("?url=http://127.0.0.1:{port}/x");
    let port = trailers_server().await;
    let with_trailers = format!("?url=http://127.0.0.1:{port}/x");
    for (broken, right) in [
        (
            "request-headers-outlive-request",
            "request-headers-dropped-first",
        ),
        (
            "response-headers-outlive-response",
            "response-headers-dropped-first",
        ),
        (
            "outgoing-request-headers-outlive-request",
            "outgoing-request-headers-dropped-first",
        ),
        ("body-stream-outlives-finish", "body-stream-dropped-first"),
        (
            "incoming-stream-outlives-body",
            "incoming-stream-dropped-first",
        ),
        (
            &format!("incoming-response-headers-outlive-response{url}"),
            &format!("incoming-response-headers-dropped-first{url}"),
        ),
        (
            &format!("trailers-outlive-future{with_trailers}"),
            &format!("trailers-dropped-first{with_trailers}"),
        ),
    ] {
        let (status, body) = app.get(&format!("/probe/children/{broken}")).await;
        assert_eq!(status, 500, "{broken}: {body}");
        assert_eq!(app.body(&format!("/probe/children/{right}")).await, "ok");
    }
    // A request with a body, read the right way, still works; and the host keeps serving.
    let req = http::Request::post("/probe/children/request-headers-dropped-first")
        .body(Bytes::from_static(b"a body"))
        .unwrap();
    assert_eq!(app.app.send(req).await.unwrap().status(), 200);
    assert_eq!(app.body("/probe/kv/default").await, "ok");
}

/// Spin answers `/.well-known/spin/health` and `/.well-known/spin/info` itself, before any
/// route (the probe's routes would not match them anyway, but a catch-all would).
#[tokio::test]
async fn spin_answers_its_well_known_paths_itself() {
    let app = spawn_app();
    let send = |method: &str, path: &str| {
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .body(Bytes::new())
            .unwrap();
        app.app.send(req)
    };
    let health = send("GET", "/.well-known/spin/health").await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.body().as_ref(), b"OK");
    assert!(health.headers().get("content-type").is_none());
    assert_eq!(
        send("POST", "/.well-known/spin/health")
            .await
            .unwrap()
            .status(),
        200
    );

    let info = send("GET", "/.well-known/spin/info").await.unwrap();
    assert_eq!(info.status(), 200);
    assert_eq!(info.headers()["content-type"], "application/json");
    // Pretty-printed as Spin prints it; the fixture has no `version`, so there is none.
    assert_eq!(
        std::str::from_utf8(info.body()).unwrap(),
        "{\n  \"name\": \"probe\"\n}"
    );

    for path in [
        "/.well-known/spin/",
        "/.well-known/spin/other",
        "/.well-known/spin/health/",
    ] {
        let res = send("GET", path).await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.body().is_empty(), "{path}");
    }
}

/// Spin refuses a request whose header value is not UTF-8 with an empty 500 (it passes the
/// component every header as text); other bytes of UTF-8 pass.
#[tokio::test]
async fn a_header_value_that_is_not_utf8_gets_a_500_as_in_spin() {
    let app = spawn_app();
    let send = |value: &'static [u8]| {
        let req = http::Request::get("/probe/kv/default")
            .header("x-note", http::HeaderValue::from_bytes(value).unwrap())
            .body(Bytes::new())
            .unwrap();
        app.app.send(req)
    };
    let res = send(b"caf\xe9").await.unwrap();
    assert_eq!(res.status(), 500);
    assert!(res.body().is_empty());
    assert_eq!(send("café".as_bytes()).await.unwrap().status(), 200);
    assert_eq!(send(b"plain").await.unwrap().status(), 200);
}

/// A path no route matches gets Spin's 404: no body.
#[tokio::test]
async fn an_unmatched_path_gets_an_empty_404() {
    let app = spawn_app();
    let res = app
        .app
        .send(http::Request::get("/nowhere").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.body().is_empty());
    assert!(res.headers().get("content-type").is_none());
}
