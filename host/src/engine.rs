//! The wasmtime engine: configured once per process.

use anyhow::{Context, Result};
use wasmtime::{
    Cache, CacheConfig, Config, Enabled, Engine, InstanceAllocationStrategy,
    PoolingAllocationConfig,
};

/// Instances that may be alive at once across all requests. Each request holds one composed
/// component instance (a handful of core instances) for its duration.
const MAX_CONCURRENT_INSTANCES: u32 = 1000;

/// Bytes of each linear memory kept resident (and reset in place) between instances.
const KEEP_RESIDENT_BYTES: usize = 2 << 20;

/// Memories and tables given back to the OS in one batch when they do need it.
const DECOMMIT_BATCH: usize = 32;

/// Builds the engine: Cranelift, the component model, async support, the pooling allocator
/// sized for this app, and an on-disk cache of compiled code (as Spin keeps one) so a
/// restart does not recompile unchanged components.
pub fn new_engine() -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Spin's components (spin-sdk 5, WASIp2) make synchronous calls only; the component
    // model's async ABI is not part of the interfaces this host serves. Without concurrency
    // support a store skips the per-call task bookkeeping of that ABI: instantiating
    // checkout-api takes ~67 µs instead of ~79 µs, a host call ~3 µs less, the floor ~15 µs
    // less CPU per request. A component that uses the async ABI fails to load.
    config.concurrency_support(false);

    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(MAX_CONCURRENT_INSTANCES)
        .total_core_instances(MAX_CONCURRENT_INSTANCES * 8)
        .total_memories(MAX_CONCURRENT_INSTANCES * 8)
        .total_tables(MAX_CONCURRENT_INSTANCES * 8)
        // A composed app (checkout-api with six capability components, each with its WASI
        // adapter) holds a few dozen memories and tables.
        .max_memories_per_component(64)
        .max_tables_per_component(64)
        .max_memory_size(crate::state::MEMORY_LIMIT_BYTES)
        .max_component_instance_size(1 << 20)
        .max_core_instance_size(1 << 20)
        // A request's instance dirties a few hundred KiB of its memories. By default the
        // pool gives every page back with `madvise` when the store drops, and the next
        // instance faults them in again; on a multi-core machine each `madvise` also
        // costs a TLB shoot-down on every core. Instead keep up to this much resident and
        // reset it in place, finding the dirty pages with the PAGEMAP_SCAN ioctl (Linux
        // 6.7+, else the low addresses are reset with `memset`); what remains is batched.
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(64 << 10)
        .pagemap_scan(Enabled::Auto)
        .decommit_batch_size(DECOMMIT_BATCH);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));

    // wasmtime's errors capture a Rust backtrace of the host whenever RUST_BACKTRACE (or
    // RUST_LIB_BACKTRACE) asks for one, and wasmtime 48 makes such an error every time a
    // store drops (it disposes the store's idle worker fiber with a "future dropped"
    // error): with RUST_BACKTRACE=1 that unwinding was 8% of the server's time per request.
    // Guest traps keep their wasm backtraces, which are a separate mechanism;
    // `COMMERCE_HOST_ERROR_BACKTRACE=1` keeps the host backtraces too, for debugging.
    if std::env::var_os("COMMERCE_HOST_ERROR_BACKTRACE").is_none_or(|v| v != "1") {
        wasmtime::error::disable_backtrace();
    }

    // `COMMERCE_HOST_PERFMAP=1` writes /tmp/perf-<pid>.map so `perf report` can name the
    // compiled wasm functions (profiling only).
    if std::env::var_os("COMMERCE_HOST_PERFMAP").is_some_and(|v| v == "1") {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }

    if let Some(dir) = cache_dir() {
        let mut cache = CacheConfig::new();
        cache.with_directory(dir);
        config.cache(Some(
            Cache::new(cache)
                .map_err(anyhow::Error::from)
                .context("opening the compiled-code cache")?,
        ));
    }
    Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("creating the wasmtime engine")
}

/// `$COMMERCE_HOST_CACHE`, else `$XDG_CACHE_HOME/commerce-host`, else
/// `~/.cache/commerce-host`; `COMMERCE_HOST_CACHE=off` disables the cache.
fn cache_dir() -> Option<std::path::PathBuf> {
    if let Ok(dir) = std::env::var("COMMERCE_HOST_CACHE") {
        return (dir != "off").then(|| dir.into());
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))?;
    Some(base.join("commerce-host"))
}
