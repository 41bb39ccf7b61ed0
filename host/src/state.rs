//! What one instance sees: the per-store state behind every host interface.
//!
//! A fresh [`HostState`] is made for every request (or every library instance in tests), from
//! the component's [`ComponentConfig`], computed once at load time, and the application's
//! shared [`Backends`].

use crate::key_value::KeyValue;
use crate::outbound::{AllowedHosts, OutboundHooks};
use crate::sqlite::Databases;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Linear memory one instance may grow to. Spin leaves this to the runtime; a bound keeps
/// a runaway component from taking the machine down: it traps and its request gets a 500.
pub const MEMORY_LIMIT_BYTES: usize = 256 << 20;

/// A component's grants, as its manifest entry states them.
#[derive(Debug, Clone, Default)]
pub struct ComponentConfig {
    pub component_id: Arc<str>,
    pub key_value_stores: BTreeSet<String>,
    pub sqlite_databases: BTreeSet<String>,
    pub variables: BTreeMap<String, String>,
    pub allowed_hosts: Arc<AllowedHosts>,
    pub environment: BTreeMap<String, String>,
    /// (host directory, guest path) pairs mounted read-only.
    pub files: Vec<(PathBuf, String)>,
}

/// Storage shared by every instance of an application.
#[derive(Clone)]
pub struct Backends {
    pub key_value: KeyValue,
    pub databases: Databases,
    /// What this application's instances asked of storage (`App::storage_counts`).
    pub stats: Arc<crate::stats::Counters>,
}

/// Where guest stdout and stderr go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Straight to the host's own stdout/stderr (the local runner).
    Inherit,
    /// Into a buffer, printed through the test harness after each call so that `cargo test`
    /// shows it for a failing test only.
    Capture,
}

/// The `T` of every `Store<T>`.
pub struct HostState {
    pub(crate) config: Arc<ComponentConfig>,
    pub(crate) backends: Backends,
    pub(crate) table: ResourceTable,
    pub(crate) open_stores: usize,
    /// SQLite connections open in this instance (Spin allows 256).
    pub(crate) open_connections: usize,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    limits: StoreLimits,
    captured: Option<(MemoryOutputPipe, MemoryOutputPipe)>,
}

impl HostState {
    /// State for one instance of the component `config` describes.
    pub fn new(
        config: Arc<ComponentConfig>,
        backends: Backends,
        output: Output,
    ) -> anyhow::Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        let captured = match output {
            Output::Inherit => {
                wasi.inherit_stdout().inherit_stderr();
                None
            }
            Output::Capture => {
                let out = MemoryOutputPipe::new(1 << 20);
                let err = MemoryOutputPipe::new(1 << 20);
                wasi.stdout(out.clone()).stderr(err.clone());
                Some((out, err))
            }
        };
        for (k, v) in &config.environment {
            wasi.env(k, v);
        }
        for (host, guest) in &config.files {
            wasi.preopened_dir(host, guest, FsPerms::ReadOnly)?;
        }
        // Spin grants no raw sockets unless allowed_outbound_hosts asks for them, and this
        // app never does: outbound traffic goes through wasi:http and its allow-list.
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        let hooks = OutboundHooks {
            allowed: config.allowed_hosts.clone(),
            component_id: config.component_id.clone(),
        };
        Ok(Self {
            config,
            backends,
            table: ResourceTable::new(),
            open_stores: 0,
            open_connections: 0,
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks,
            limits: StoreLimitsBuilder::new()
                .memory_size(MEMORY_LIMIT_BYTES)
                .trap_on_grow_failure(true)
                .build(),
            captured,
        })
    }

    /// The limiter wasmtime consults when memories and tables grow.
    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limits
    }

    /// The component this state belongs to.
    pub fn component_id(&self) -> &str {
        &self.config.component_id
    }

    /// Prints what the guest wrote so far (captured mode), prefixed by the component id,
    /// through `print!` so the test harness captures it.
    pub fn flush_output(&self) {
        if let Some((out, err)) = &self.captured {
            for (name, pipe) in [("stdout", out), ("stderr", err)] {
                let bytes = pipe.contents();
                if !bytes.is_empty() {
                    print!(
                        "[{} {name}] {}",
                        self.config.component_id,
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
