//! The probe: a Spin HTTP component whose routes each exercise one host behaviour and answer
//! with what they observed, so host tests can compare it with Spin's documented semantics.
//!
//! Routes below are relative to wherever the probe is mounted (`/<any>/kv/<label>`, ...).
//!
//! | route | what it does | answer |
//! |---|---|---|
//! | `/kv/<label>` | opens key-value store `<label>` | `ok` or the error case |
//! | `/kv-set/<key>/<value>`, `/kv-get/<key>` | writes / reads the default store | the value, or `none` |
//! | `/sqlite/<name>` | opens SQLite database `<name>`, runs `SELECT 1` | `ok` or the error case |
//! | `/sql-put/<value>`, `/sql-all` | inserts into / lists a table of its own | values, one per line |
//! | `/sql-pragma/<name>` | opens the default database, reads `PRAGMA <name>` | the value |
//! | `/sql-fresh` | sets a `PRAGMA` and makes a `temp` table on one connection, then looks for both on a second `open` | what each connection saw |
//! | `/sql-write/<value>` | one `INSERT` into its table, in autocommit | `ok` or the error case |
//! | `/sql-tx/<value>` | `BEGIN IMMEDIATE`, the `INSERT`, `COMMIT` | `ok` or the error case |
//! | `/sql-leave-open/<value>` | `BEGIN`, the `INSERT`, and returns without `COMMIT` | `ok` |
//! | `/sql-attach/<name>` | `ATTACH DATABASE '<name>'` (`memory` for `:memory:`) | `ok` or the error case |
//! | `/var/<name>` | reads variable `<name>` | the value or the error case |
//! | `/outbound?url=<url>` | sends a GET to `<url>` | `status <n>` or `error <why>` |
//! | `/headers` | — | the request's `spin-*` headers as JSON |
//! | `/file/<path>` | reads `/<path>` from the files mounted for it | the text, or `error <kind>` |
//! | `/dir/<path>` | lists directory `/<path>` of its mounted files | names (`/` after directories), one per line, sorted |
//! | `/trap` | panics | (a trap) |
//! | `/oom` | allocates without bound | (a trap) |
//! | `/children/<case>` | keeps or drops a child resource before its parent (`children.rs`) | `ok`, or a trap |

mod children;

use spin_sdk::http::conversions::TryFromIncomingRequest;
use spin_sdk::http::{
    IncomingRequest, IntoResponse, OutgoingResponse, Request, Response, ResponseOutparam, send,
};
use spin_sdk::{key_value, sqlite, variables};

/// The `wasi:http/incoming-handler` export; spin-sdk's macro generates `unsafe` ABI glue.
/// It takes the raw request, so that the `children` probes can use its resources.
#[allow(unsafe_code)]
mod entry {
    #[spin_sdk::http_component]
    async fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
        super::handle(req, out).await
    }
}

async fn handle(req: IncomingRequest, out: ResponseOutparam) {
    let target = req.path_with_query().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').skip(1).collect();
    if let ["children", case] = parts.as_slice() {
        let case = case.to_string();
        if children::probe(&case, req, out).await.is_none() {
            panic!("children probe {case}: no such probe, or its setup failed");
        }
        return;
    }
    let response = match Request::try_from_incoming_request(req).await {
        Ok(req) => match probe(req).await {
            Ok(r) => r.into_response(),
            Err(e) => Response::new(500, format!("{e:#}")),
        },
        Err(e) => Response::new(500, format!("reading the request: {e}")),
    };
    let mut response = response;
    let body = std::mem::take(response.body_mut());
    match OutgoingResponse::try_from(response) {
        Ok(outgoing) => {
            let _ = out.set_with_body(outgoing, body).await;
        }
        Err(e) => eprintln!("building the response: {e}"),
    }
}

async fn probe(req: Request) -> anyhow::Result<impl IntoResponse> {
    let path = req.path().to_string();
    // The first segment is the route prefix the probe is mounted under; the rest names the probe.
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').skip(1).collect();
    let body = match parts.as_slice() {
        ["kv", label] => match key_value::Store::open(label) {
            Ok(_) => "ok".to_string(),
            Err(e) => kv_error(&e),
        },
        ["kv-set", key, value] => {
            key_value::Store::open_default()?.set(key, value.as_bytes())?;
            "ok".to_string()
        }
        ["kv-get", key] => match key_value::Store::open_default()?.get(key)? {
            Some(v) => String::from_utf8(v)?,
            None => "none".to_string(),
        },
        ["sqlite", name] => match sqlite::Connection::open(name) {
            Ok(conn) => match conn.execute("SELECT 1", &[]) {
                Ok(_) => "ok".to_string(),
                Err(e) => sql_error(&e),
            },
            Err(e) => sql_error(&e),
        },
        ["sql-put", value] => {
            let conn = sqlite::Connection::open_default()?;
            conn.execute(
                "CREATE TABLE IF NOT EXISTS probe_values (v TEXT NOT NULL)",
                &[],
            )?;
            conn.execute(
                "INSERT INTO probe_values (v) VALUES (?)",
                &[sqlite::Value::Text(value.to_string())],
            )?;
            "ok".to_string()
        }
        ["sql-all"] => {
            let conn = sqlite::Connection::open_default()?;
            conn.execute(
                "CREATE TABLE IF NOT EXISTS probe_values (v TEXT NOT NULL)",
                &[],
            )?;
            let rows = conn.execute("SELECT v FROM probe_values ORDER BY rowid", &[])?;
            rows.rows()
                .filter_map(|r| r.get::<&str>("v").map(str::to_string))
                .collect::<Vec<_>>()
                .join("\n")
        }
        ["sql-pragma", name] => {
            let conn = sqlite::Connection::open_default()?;
            let rows = conn.execute(&format!("PRAGMA {name}"), &[])?;
            match rows.rows.first().and_then(|r| r.values.first()) {
                Some(sqlite::Value::Text(s)) => s.clone(),
                Some(sqlite::Value::Integer(n)) => n.to_string(),
                other => format!("{other:?}"),
            }
        }
        ["sql-fresh"] => {
            let first = sqlite::Connection::open_default()?;
            first.execute("PRAGMA synchronous = OFF", &[])?;
            first.execute("CREATE TEMP TABLE probe_scratch (x)", &[])?;
            let seen_first = fresh_report(&first);
            let second = sqlite::Connection::open_default()?;
            let seen_second = fresh_report(&second);
            format!("first: {seen_first}\nsecond: {seen_second}")
        }
        ["sql-write", value] => {
            let conn = sqlite::Connection::open_default()?;
            outcome(create_values(&conn).and_then(|()| insert_value(&conn, value)))
        }
        ["sql-tx", value] => {
            let conn = sqlite::Connection::open_default()?;
            outcome(create_values(&conn).and_then(|()| {
                conn.execute("BEGIN IMMEDIATE", &[])?;
                insert_value(&conn, value)?;
                conn.execute("COMMIT", &[]).map(drop)
            }))
        }
        ["sql-leave-open", value] => {
            let conn = sqlite::Connection::open_default()?;
            create_values(&conn)?;
            conn.execute("BEGIN", &[])?;
            insert_value(&conn, value)?;
            "ok".to_string()
        }
        ["sql-attach", name] => {
            let conn = sqlite::Connection::open_default()?;
            let file = if *name == "memory" { ":memory:" } else { name };
            // The name is in the statement's text: Spin's check sees a literal file name only.
            outcome(
                conn.execute(&format!("ATTACH DATABASE '{file}' AS probe_attached"), &[])
                    .map(drop),
            )
        }
        ["var", name] => match variables::get(name) {
            Ok(v) => v,
            Err(e) => format!("{e:?}"),
        },
        ["outbound"] => {
            let url = req
                .query()
                .strip_prefix("url=")
                .unwrap_or_default()
                .to_string();
            let outbound = Request::get(url).build();
            match send::<_, Response>(outbound).await {
                Ok(r) => format!("status {}", r.status()),
                Err(e) => format!("error {e}"),
            }
        }
        ["headers", ..] => {
            let mut map = serde_json::Map::new();
            for (name, value) in req.headers() {
                if name.starts_with("spin-") {
                    map.insert(
                        name.to_string(),
                        value.as_str().unwrap_or_default().to_string().into(),
                    );
                }
            }
            serde_json::Value::Object(map).to_string()
        }
        ["file", rest @ ..] => match std::fs::read_to_string(format!("/{}", rest.join("/"))) {
            Ok(text) => text,
            Err(e) => format!("error {}", e.kind()),
        },
        ["dir", rest @ ..] => match list_dir(&format!("/{}", rest.join("/"))) {
            Ok(names) => names.join("\n"),
            Err(e) => format!("error {}", e.kind()),
        },
        ["trap"] => panic!("the probe was asked to trap"),
        ["oom"] => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 16 << 20]);
            }
        }
        _ => return Ok(Response::new(404, "no such probe")),
    };
    Ok(Response::new(200, body))
}

fn create_values(conn: &sqlite::Connection) -> Result<(), sqlite::Error> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS probe_values (v TEXT NOT NULL)",
        &[],
    )
    .map(drop)
}

fn insert_value(conn: &sqlite::Connection, value: &str) -> Result<(), sqlite::Error> {
    conn.execute(
        "INSERT INTO probe_values (v) VALUES (?)",
        &[sqlite::Value::Text(value.to_string())],
    )
    .map(drop)
}

fn outcome(result: Result<(), sqlite::Error>) -> String {
    match result {
        Ok(()) => "ok".to_string(),
        Err(e) => sql_error(&e),
    }
}

/// A connection's `synchronous` setting and whether it has the `temp` table `probe_scratch`.
fn fresh_report(conn: &sqlite::Connection) -> String {
    let synchronous = match conn.execute("PRAGMA synchronous", &[]) {
        Ok(r) => match r.rows.first().and_then(|r| r.values.first()) {
            Some(sqlite::Value::Integer(n)) => n.to_string(),
            other => format!("{other:?}"),
        },
        Err(e) => sql_error(&e),
    };
    let temp = match conn.execute("SELECT count(*) FROM probe_scratch", &[]) {
        Ok(_) => "present".to_string(),
        Err(e) => sql_error(&e),
    };
    format!("synchronous={synchronous} temp={temp}")
}

fn list_dir(path: &str) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let slash = if entry.file_type()?.is_dir() { "/" } else { "" };
        names.push(format!("{}{slash}", entry.file_name().to_string_lossy()));
    }
    names.sort();
    Ok(names)
}

fn kv_error(e: &key_value::Error) -> String {
    match e {
        key_value::Error::AccessDenied => "access-denied".into(),
        key_value::Error::NoSuchStore => "no-such-store".into(),
        key_value::Error::StoreTableFull => "store-table-full".into(),
        key_value::Error::Other(s) => format!("other {s}"),
    }
}

fn sql_error(e: &sqlite::Error) -> String {
    match e {
        sqlite::Error::AccessDenied => "access-denied".into(),
        sqlite::Error::NoSuchDatabase => "no-such-database".into(),
        sqlite::Error::InvalidConnection => "invalid-connection".into(),
        sqlite::Error::DatabaseFull => "database-full".into(),
        sqlite::Error::Io(s) => format!("io {s}"),
    }
}
