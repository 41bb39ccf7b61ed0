//! Micro-benchmarks of the host, in-process (no TCP): instantiation of every routed
//! (composed) component from its `InstancePre`; key-value get/set and a SQLite query through
//! the host, by the probe component; component sizes; and what a new SQLite connection costs
//! natively, made as Spin makes one for every `open` ([`connection_costs`]).

use anyhow::{Context, Result};
use commerce_host::App;
use hdrhistogram::Histogram;
use std::path::Path;
use std::time::Instant;

pub struct Instantiation {
    pub component: String,
    pub composed_size: usize,
    pub store_p50_ns: u64,
    pub instantiate_p50_ns: u64,
    pub instantiate_p99_ns: u64,
    pub teardown_p50_ns: u64,
}

pub struct HostCall {
    pub what: &'static str,
    pub path: &'static str,
    pub p50_ns: u64,
    pub p99_ns: u64,
}

/// One way of making a connection, timed from `open` to the first statement's last row and
/// the close.
pub struct ConnectionCost {
    pub what: &'static str,
    pub p50_ns: u64,
    pub p99_ns: u64,
}

/// What a new SQLite connection costs, measured on the shop's database once the load has
/// migrated every capability (the schema objects a connection parses: `schema_objects`).
pub struct ConnectionCosts {
    pub iterations: usize,
    pub schema_objects: i64,
    pub costs: Vec<ConnectionCost>,
}

pub struct Micro {
    pub iterations: usize,
    /// Filled after the load rows (see [`connection_costs`]).
    pub connections: Option<ConnectionCosts>,
    pub instantiation: Vec<Instantiation>,
    pub calls: Vec<HostCall>,
    pub wasm_sizes: Vec<(String, u64)>,
}

/// Unmeasured iterations before `iterations` measured ones.
fn warmup(iterations: usize) -> usize {
    (iterations / 10).max(10)
}

fn ns_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds")
}

pub async fn run(app: &App, root: &Path, iterations: usize) -> Result<Micro> {
    let warmup = warmup(iterations);
    let mut instantiation = Vec::new();
    for (component, composed_size) in app.component_sizes() {
        let mut store = ns_histogram();
        let mut inst = ns_histogram();
        let mut teardown = ns_histogram();
        for i in 0..warmup + iterations {
            let t = app.instantiate_timed(&component).await?;
            if i >= warmup {
                store.record(t.store.as_nanos() as u64).ok();
                inst.record(t.instantiate.as_nanos() as u64).ok();
                teardown.record(t.teardown.as_nanos() as u64).ok();
            }
        }
        instantiation.push(Instantiation {
            component,
            composed_size,
            store_p50_ns: store.value_at_quantile(0.5),
            instantiate_p50_ns: inst.value_at_quantile(0.5),
            instantiate_p99_ns: inst.value_at_quantile(0.99),
            teardown_p50_ns: teardown.value_at_quantile(0.5),
        });
    }

    // Whole in-process requests to the probe; the baseline route makes no host call, so the
    // difference is the cost of the call itself.
    let probes: &[(&'static str, &'static str)] = &[
        ("baseline: probe request, no host call", "/probe/none"),
        (
            "key-value set (open default + set)",
            "/probe/kv-set/bench-key/bench-value",
        ),
        (
            "key-value get (open default + get)",
            "/probe/kv-get/bench-key",
        ),
        (
            "SQLite query (open default + SELECT 1)",
            "/probe/sqlite/default",
        ),
    ];
    let mut calls = Vec::new();
    if app.component_sizes().contains_key("probe") {
        for &(what, path) in probes {
            let mut h = ns_histogram();
            for i in 0..warmup + iterations {
                let req = http::Request::get(path).body(bytes::Bytes::new())?;
                let started = Instant::now();
                let res = app.send(req).await?;
                let took = started.elapsed();
                let expected = if path == "/probe/none" { 404 } else { 200 };
                anyhow::ensure!(
                    res.status() == expected,
                    "{path} answered {}: {}",
                    res.status(),
                    String::from_utf8_lossy(res.body())
                );
                if i >= warmup {
                    h.record(took.as_nanos() as u64).ok();
                }
            }
            calls.push(HostCall {
                what,
                path,
                p50_ns: h.value_at_quantile(0.5),
                p99_ns: h.value_at_quantile(0.99),
            });
        }
    }

    let mut wasm_sizes = Vec::new();
    let dir = root.join("target/wasm32-wasip2/release");
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".wasm") {
            wasm_sizes.push((name, entry.metadata()?.len()));
        }
    }
    wasm_sizes.sort();
    Ok(Micro {
        iterations,
        connections: None,
        instantiation,
        calls,
        wasm_sizes,
    })
}

/// Times `iterations` new connections to `path`, each made as Spin makes one (a plain
/// `rusqlite::Connection::open`, no pragma), running `statement` and closed.
fn time_connections(path: &Path, statement: &str, iterations: usize) -> Result<Histogram<u64>> {
    let mut h = ns_histogram();
    let warmup = warmup(iterations);
    for i in 0..warmup + iterations {
        let started = Instant::now();
        let conn = rusqlite::Connection::open(path)?;
        {
            let mut stmt = conn.prepare(statement)?;
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
        }
        drop(conn);
        if i >= warmup {
            h.record(started.elapsed().as_nanos() as u64).ok();
        }
    }
    Ok(h)
}

/// What a new SQLite connection costs, natively (no wasm, no host call), split by where
/// the cost lies: the shop's database as the last connection (in WAL mode, the `-wal` and
/// `-shm` files are made at the first read and removed at the close), the same while
/// another connection keeps those files, and a one-table database in WAL and in rollback
/// journal mode (the cost without the schema). Run when the server is idle.
pub fn connection_costs(state_dir: &Path, iterations: usize) -> Result<ConnectionCosts> {
    let shop = state_dir.join("sqlite_db.db");
    let first = "SELECT version FROM catalog_schema_version WHERE id = 1";
    let schema_objects: i64 = rusqlite::Connection::open(&shop)?.query_row(
        "SELECT count(*) FROM sqlite_master",
        [],
        |r| r.get(0),
    )?;
    let mut costs = Vec::new();
    let mut push = |what, h: Histogram<u64>| {
        costs.push(ConnectionCost {
            what,
            p50_ns: h.value_at_quantile(0.5),
            p99_ns: h.value_at_quantile(0.99),
        })
    };
    push(
        "the shop's database (WAL), no other connection open",
        time_connections(&shop, first, iterations)?,
    );
    {
        let keeper = rusqlite::Connection::open(&shop)?;
        keeper.query_row(first, [], |_| Ok(()))?;
        push(
            "the shop's database (WAL), another connection open",
            time_connections(&shop, first, iterations)?,
        );
    }
    let dir = tempfile::tempdir()?;
    for (what, mode) in [
        (
            "a one-table database (WAL), no other connection open",
            "WAL",
        ),
        ("a one-table database (rollback journal)", "DELETE"),
    ] {
        let path = dir.path().join(format!("{mode}.db"));
        let conn = rusqlite::Connection::open(&path)?;
        conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |_| Ok(()))?;
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)", [])?;
        drop(conn);
        push(
            what,
            time_connections(&path, "SELECT id FROM t", iterations)?,
        );
    }
    Ok(ConnectionCosts {
        iterations,
        schema_objects,
        costs,
    })
}
