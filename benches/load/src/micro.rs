//! Micro-benchmarks of the host, in-process (no TCP): instantiation of every routed
//! (composed) component from its `InstancePre`; key-value get/set and a SQLite query through
//! the host, by the probe component; component sizes.

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

pub struct Micro {
    pub iterations: usize,
    pub instantiation: Vec<Instantiation>,
    pub calls: Vec<HostCall>,
    pub wasm_sizes: Vec<(String, u64)>,
}

fn ns_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds")
}

pub async fn run(app: &App, root: &Path, iterations: usize) -> Result<Micro> {
    let warmup = (iterations / 10).max(10);
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
        instantiation,
        calls,
        wasm_sizes,
    })
}
