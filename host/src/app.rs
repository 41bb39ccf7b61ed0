//! A loaded application: every routed component composed, compiled once and pre-instantiated;
//! requests routed and served each by a fresh instance, as Spin does for WASIp2 components.

use crate::builder::build_hint;
use crate::compose::{DependencySource, compose};
use crate::key_value::KeyValue;
use crate::manifest::{Dependency, FilesMount, Manifest};
use crate::outbound::AllowedHosts;
use crate::routes::{RouteMatch, Router};
use crate::sqlite::{Database, Databases};
use crate::state::{Backends, ComponentConfig, HostState, Output};
use crate::variables::ResolvedVariables;
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use wasmtime::component::{Component, Instance, InstancePre, Linker};
use wasmtime::{Engine, Store};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// How to load an application.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// The `spin.toml` to run.
    pub manifest: PathBuf,
    /// Where key-value and SQLite data live; `.spin/` beside the manifest by default, as
    /// with `spin up`.
    pub state_dir: Option<PathBuf>,
    /// Variable values that take precedence over the environment and the defaults.
    pub variables: BTreeMap<String, String>,
    /// Where guest output goes.
    pub output: Output,
}

impl AppOptions {
    /// Options for the manifest at `path`, with state in its `.spin/`.
    pub fn new(manifest: impl Into<PathBuf>) -> Self {
        Self {
            manifest: manifest.into(),
            state_dir: None,
            variables: BTreeMap::new(),
            output: Output::Inherit,
        }
    }
}

/// A routed component, ready to instantiate.
struct Routed {
    config: Arc<ComponentConfig>,
    pre: ProxyPre<HostState>,
    /// Size in bytes of the composed component (the component with its dependencies).
    composed_size: usize,
}

/// How long the two steps before a request's guest code runs took, for one instance.
#[derive(Debug, Clone, Copy)]
pub struct InstantiationTiming {
    /// Building the per-request state and its `Store`.
    pub store: std::time::Duration,
    /// Instantiating the component from its `InstancePre` into that store.
    pub instantiate: std::time::Duration,
    /// Dropping the store: the instance's memories and tables go back to the pool.
    pub teardown: std::time::Duration,
}

struct Inner {
    engine: Engine,
    manifest: Manifest,
    router: Router,
    components: HashMap<String, Routed>,
    backends: Backends,
    variables: ResolvedVariables,
    state_dir: PathBuf,
    output: Output,
}

/// A running application. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

/// The process-wide engine: compiled code is shared by every app in the process (tests load
/// many), and cached on disk between runs.
pub fn engine() -> Result<Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| crate::engine::new_engine().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Compiles `bytes`, reusing an earlier compilation of the same bytes in this process.
fn compile(engine: &Engine, bytes: &[u8], what: &str) -> Result<Component> {
    use std::hash::{Hash, Hasher};
    static COMPILED: OnceLock<Mutex<HashMap<(u64, usize), Component>>> = OnceLock::new();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let key = (h.finish(), bytes.len());
    let cache = COMPILED.get_or_init(Default::default);
    if let Some(c) = cache.lock().unwrap().get(&key) {
        return Ok(c.clone());
    }
    let component = Component::new(engine, bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot compile {what}"))?;
    cache.lock().unwrap().insert(key, component.clone());
    Ok(component)
}

impl App {
    /// Loads the application: parses the manifest, resolves variables, opens the state,
    /// composes, compiles and pre-instantiates every routed component.
    pub fn load(options: AppOptions) -> Result<Self> {
        let manifest = Manifest::from_file(&options.manifest)?;
        let variables = ResolvedVariables::resolve(&manifest, &options.variables)?;
        let state_dir = options
            .state_dir
            .clone()
            .unwrap_or_else(|| manifest.resolve(".spin"));
        let backends = open_backends(&manifest, &state_dir)?;
        let engine = engine()?;
        let base = manifest
            .application
            .trigger
            .get("http")
            .and_then(|t| t.get("base"))
            .and_then(|b| b.as_str())
            .unwrap_or("/")
            .to_string();

        let mut routes = Vec::new();
        for t in &manifest.http_triggers {
            if let crate::manifest::Route::Pattern(p) = &t.route {
                routes.push((p.as_str(), t.component.as_str()));
            }
        }
        let router = Router::build(&base, routes.iter().copied())?;

        let mut components = HashMap::new();
        for (_, id) in router.routes() {
            if components.contains_key(id) {
                continue;
            }
            let config = component_config(&manifest, &variables, &state_dir, id)?;
            let (component, composed_size) = load_composed(&engine, &manifest, id)?;
            let pre = ProxyPre::new(instantiate_pre(&engine, &component, id)?)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("component {id:?} does not export wasi:http/incoming-handler")
                })?;
            components.insert(
                id.to_string(),
                Routed {
                    config,
                    pre,
                    composed_size,
                },
            );
        }

        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                manifest,
                router,
                components,
                backends,
                variables,
                state_dir,
                output: options.output,
            }),
        })
    }

    /// What this application's instances have asked of storage since it was loaded
    /// (instrumentation: see [`crate::stats`]).
    pub fn storage_counts(&self) -> crate::stats::StorageCounts {
        self.inner.backends.stats.read()
    }

    /// The manifest the app was loaded from.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// The router built from the manifest's HTTP triggers.
    pub fn router(&self) -> &Router {
        &self.inner.router
    }

    /// The routed components, each with the size in bytes of its composed component.
    pub fn component_sizes(&self) -> BTreeMap<String, usize> {
        self.inner
            .components
            .iter()
            .map(|(id, r)| (id.clone(), r.composed_size))
            .collect()
    }

    /// Makes one instance of routed component `id` the way a request does (fresh state, a
    /// new `Store`, instantiation from the `InstancePre`), drops it without calling it, and
    /// says how long each step took. For benchmarks.
    pub async fn instantiate_timed(&self, id: &str) -> Result<InstantiationTiming> {
        let routed = self
            .inner
            .components
            .get(id)
            .with_context(|| format!("no routed component {id:?}"))?;
        let started = Instant::now();
        let mut store = self.new_store(routed.config.clone())?;
        let store_built = started.elapsed();
        let started = Instant::now();
        let _proxy = routed.pre.instantiate_async(&mut store).await?;
        let instantiate = started.elapsed();
        let started = Instant::now();
        drop(store);
        let teardown = started.elapsed();
        Ok(InstantiationTiming {
            store: store_built,
            instantiate,
            teardown,
        })
    }

    /// The directory holding the app's key-value and SQLite files.
    pub fn state_dir(&self) -> &Path {
        &self.inner.state_dir
    }

    /// Serves one HTTP request with a fresh instance of the component its path routes to.
    /// Never fails: a missing route is a 404, a trap or a broken response a 500.
    pub async fn handle<B>(
        &self,
        req: hyper::Request<B>,
        client: SocketAddr,
    ) -> hyper::Response<HyperOutgoingBody>
    where
        B: hyper::body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let started = Instant::now();
        let method = req.method().clone();
        // The path only, never the query: the request log below prints it, and query strings
        // may carry secrets (a guest's order token travels in `?token=`).
        let path = req.uri().path().to_string();
        if let Some(response) = crate::server::well_known(&path, &self.inner.manifest) {
            tracing::info!("{method} {path} -> {} [spin]", response.status().as_u16());
            return response;
        }
        let route = self.inner.router.route(&path);
        let (response, component) = match route {
            None => (empty(404), None),
            Some(m) => {
                let component = m.component.clone();
                let response = match self.call(req, m, client).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(component = %component, "request failed: {e:?}");
                        empty(500)
                    }
                };
                (response, Some(component))
            }
        };
        tracing::info!(
            "{method} {path} -> {} [{}] {:.2?}",
            response.status().as_u16(),
            component.as_deref().unwrap_or("no route"),
            started.elapsed()
        );
        response
    }

    async fn call<B>(
        &self,
        req: hyper::Request<B>,
        m: RouteMatch,
        client: SocketAddr,
    ) -> Result<hyper::Response<HyperOutgoingBody>>
    where
        B: hyper::body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let routed = &self.inner.components[&m.component];
        let req = with_spin_headers(req, &m, client)?;
        let mut store = self.new_store(routed.config.clone())?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = {
            use wasmtime_wasi_http::WasiHttpView;
            let mut http = store.data_mut().http();
            let req = http.new_incoming_request(Scheme::Http, req)?;
            let out = http.new_response_outparam(sender)?;
            (req, out)
        };
        let pre = routed.pre.clone();
        let guest = async move {
            let result = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req.0, req.1)
                    .await
            }
            .await;
            store.data().flush_output();
            result
        };
        // The guest runs on this task, not a task of its own: most guests set the response
        // and write their body without waiting for anything, so they finish in this very
        // poll and the request costs no spawn and no cross-thread wake-up. A guest that is
        // still running when its response head is ready moves to a task of its own, which
        // keeps it streaming the body while hyper sends it.
        let mut guest = Box::pin(guest);
        let mut receiver = receiver;
        let outcome = tokio::select! {
            biased;
            result = &mut guest => match receiver.try_recv() {
                Ok(head) => Outcome::Head(head, Some(result)),
                Err(_) => Outcome::NoHead(result),
            },
            head = &mut receiver => match head {
                Ok(head) => Outcome::Head(head, None),
                Err(_) => Outcome::NoHead((&mut guest).await),
            },
        };
        match outcome {
            Outcome::Head(Ok(response), finished) => {
                match finished {
                    Some(Ok(())) => {}
                    Some(Err(e)) => {
                        tracing::error!(component = %m.component, "component trapped after responding: {e:?}");
                    }
                    None => {
                        // The guest may still be streaming the body; a trap after this
                        // point is logged and ends the body early.
                        let component = m.component.clone();
                        tokio::spawn(async move {
                            if let Err(e) = guest.await {
                                tracing::error!(component = %component, "component trapped after responding: {e:?}");
                            }
                        });
                    }
                }
                Ok(response)
            }
            Outcome::Head(Err(code), _) => {
                bail!("component answered with an error code: {code:?}")
            }
            Outcome::NoHead(Ok(())) => bail!("component returned without sending a response"),
            Outcome::NoHead(Err(e)) => Err(anyhow::Error::from(e).context("component trapped")),
        }
    }

    fn new_store(&self, config: Arc<ComponentConfig>) -> Result<Store<HostState>> {
        let state = HostState::new(config, self.inner.backends.clone(), self.inner.output)?;
        let mut store = Store::new(&self.inner.engine, state);
        store.limiter(|s| s.limiter());
        Ok(store)
    }

    /// Sends a request through the app in-process and collects the whole response. It
    /// comes from `127.0.0.1:50000` (the `spin-client-addr` the component sees).
    pub async fn send(&self, req: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        self.send_from(req, ([127, 0, 0, 1], 50000).into()).await
    }

    /// [`App::send`] as if from the client at `client`, as a connection from that address
    /// would be served.
    pub async fn send_from(
        &self,
        req: http::Request<Bytes>,
        client: SocketAddr,
    ) -> Result<http::Response<Bytes>> {
        let (mut parts, body) = req.into_parts();
        if !parts.headers.contains_key(http::header::HOST) {
            parts.headers.insert(
                http::header::HOST,
                http::HeaderValue::from_static("localhost:3000"),
            );
        }
        let req = hyper::Request::from_parts(
            parts,
            Full::new(body).map_err(|never| -> wasmtime_wasi_http::Error { match never {} }),
        );
        let response = self.handle(req, client).await;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| anyhow::anyhow!("reading the response body: {e:?}"))?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }

    /// Instantiates a library component (a capability) on its own, with the grants of
    /// `as_component`, the component whose dependency it is, so a test can call its exports.
    pub async fn instantiate_library(
        &self,
        wasm: &Path,
        as_component: &str,
    ) -> Result<LibraryInstance> {
        let bytes = std::fs::read(wasm).with_context(|| {
            format!(
                "cannot read {}; {}",
                wasm.display(),
                build_hint(&self.inner.manifest, as_component)
            )
        })?;
        let component = compile(&self.inner.engine, &bytes, &wasm.display().to_string())?;
        let config = component_config(
            &self.inner.manifest,
            &self.inner.variables,
            &self.inner.state_dir,
            as_component,
        )?;
        let pre = instantiate_pre(&self.inner.engine, &component, as_component)?;
        let mut store = self.new_store(config)?;
        let instance = pre.instantiate_async(&mut store).await?;
        Ok(LibraryInstance { store, instance })
    }
}

/// How a guest's handling of a request ended, as far as the response goes.
enum Outcome<R, E> {
    /// The guest set its response (or an error code); the guest's own result when it has
    /// finished already.
    Head(R, Option<wasmtime::Result<()>>),
    /// The guest finished, or dropped its response outparam, without setting a response.
    NoHead(Result<(), E>),
}

/// A library component instantiated on its own, for component unit tests.
pub struct LibraryInstance {
    pub store: Store<HostState>,
    pub instance: Instance,
}

impl Drop for LibraryInstance {
    fn drop(&mut self) {
        self.store.data().flush_output();
    }
}

/// Spin's own answers, a 404 for a path no route matches and a 500 for a component that
/// trapped or failed, have no body and no content type.
fn empty(status: u16) -> hyper::Response<HyperOutgoingBody> {
    hyper::Response::builder()
        .status(status)
        .body(
            Full::new(Bytes::new())
                .map_err(|e| match e {})
                .boxed_unsync(),
        )
        .unwrap()
}

/// Adds the `spin-*` headers Spin gives a component, replacing any the client sent, and
/// makes the URI absolute.
fn with_spin_headers<B>(
    req: hyper::Request<B>,
    m: &RouteMatch,
    client: SocketAddr,
) -> Result<hyper::Request<B>> {
    let (mut parts, body) = req.into_parts();
    // Spin hands a component its header values as text and refuses a request with a value
    // that is not UTF-8 (`prepare_request_headers` in spin-trigger-http): a 500.
    for (name, value) in &parts.headers {
        std::str::from_utf8(value.as_bytes())
            .with_context(|| format!("the request header {name} is not UTF-8"))?;
    }
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| std::str::from_utf8(h.as_bytes()).ok())
        .unwrap_or("localhost")
        .to_string();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let full_url = format!("http://{host}{path_and_query}");
    parts.uri = full_url.parse().context("building the request URL")?;
    let h = &mut parts.headers;
    let mut set = |name: &str, value: &str| -> Result<()> {
        h.insert(
            http::HeaderName::from_bytes(name.as_bytes())?,
            http::HeaderValue::from_str(value)?,
        );
        Ok(())
    };
    set("spin-full-url", &full_url)?;
    set("spin-path-info", &m.path_info)?;
    set("spin-matched-route", &m.based_route)?;
    set("spin-base-path", "/")?;
    set("spin-raw-component-route", &m.raw_route)?;
    set("spin-component-route", m.component_route())?;
    set("spin-client-addr", &client.to_string())?;
    for (name, value) in &m.captures {
        set(
            &format!("spin-path-match-{}", name.to_ascii_lowercase()),
            value,
        )?;
    }
    h.remove(http::header::CONNECTION);
    Ok(hyper::Request::from_parts(parts, body))
}

/// Opens the key-value and SQLite files under `state_dir`, checking that every store and
/// database a component lists exists.
fn open_backends(manifest: &Manifest, state_dir: &Path) -> Result<Backends> {
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    let kv_db = Database::open(&state_dir.join("sqlite_key_value.db"))?;
    let key_value = KeyValue::open(kv_db, BTreeSet::from(["default".to_string()]))?;
    let mut databases = BTreeMap::new();
    databases.insert(
        "default".to_string(),
        Database::open(&state_dir.join("sqlite_db.db"))?,
    );
    for (id, c) in &manifest.components {
        for label in &c.key_value_stores {
            if !key_value.has_store(label) {
                bail!(
                    "unknown key_value_stores label {label:?} for component {id:?}: only \"default\" exists without a runtime config"
                );
            }
        }
        for label in &c.sqlite_databases {
            if !databases.contains_key(label) {
                bail!(
                    "unknown sqlite_databases label {label:?} for component {id:?}: only \"default\" exists without a runtime config"
                );
            }
        }
    }
    Ok(Backends {
        key_value,
        databases: Databases(databases),
        stats: Default::default(),
    })
}

/// The grants of component `id`, from its manifest entry.
fn component_config(
    manifest: &Manifest,
    variables: &ResolvedVariables,
    state_dir: &Path,
    id: &str,
) -> Result<Arc<ComponentConfig>> {
    let c = manifest
        .components
        .get(id)
        .with_context(|| format!("no component {id:?} in the manifest"))?;
    let files = mount_files(manifest, id, &c.files, &c.exclude_files, state_dir)?;
    Ok(Arc::new(ComponentConfig {
        component_id: id.into(),
        key_value_stores: c.key_value_stores.iter().cloned().collect(),
        sqlite_databases: c.sqlite_databases.iter().cloned().collect(),
        variables: variables.for_component(id),
        allowed_hosts: Arc::new(AllowedHosts::parse(&c.allowed_outbound_hosts)?),
        environment: c.environment.clone(),
        files,
    }))
}

/// The directories to mount for a component's `files`. Spin gives a component one file tree:
/// placements (`{ source, destination }`) at their destination, glob matches at their path
/// relative to the manifest. A lone placement is mounted directly (what `spin up
/// --direct-mounts` does, and the guest sees the same tree); otherwise everything is copied,
/// as Spin copies it, into one directory under the state directory mounted at `/`, so a
/// placement at `/` and a glob share the root instead of shadowing each other.
fn mount_files(
    manifest: &Manifest,
    id: &str,
    files: &[FilesMount],
    exclude: &[String],
    state_dir: &Path,
) -> Result<Vec<(PathBuf, String)>> {
    let mut placements = Vec::new();
    let mut patterns = Vec::new();
    for f in files {
        match f {
            FilesMount::Placement {
                source,
                destination,
            } => {
                let dir = manifest.resolve(source);
                if !dir.is_dir() {
                    bail!("[component.{id}] files source {source:?} is not a directory");
                }
                if !destination.starts_with('/') || destination.split('/').any(|s| s == "..") {
                    bail!(
                        "[component.{id}] files destination {destination:?} must be an absolute path without `..`"
                    );
                }
                placements.push((dir, destination.clone()));
            }
            FilesMount::Pattern(p) => patterns.push(p.clone()),
        }
    }
    if patterns.is_empty() && placements.len() <= 1 {
        return Ok(placements);
    }
    let target = state_dir.join("files").join(id);
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    std::fs::create_dir_all(&target)?;
    for (dir, destination) in &placements {
        let into = target.join(destination.trim_start_matches('/'));
        crate::files::copy_tree(dir, &into)
            .with_context(|| format!("[component.{id}] files {}", dir.display()))?;
    }
    crate::files::copy_matching(&manifest.root, &patterns, exclude, &target)
        .with_context(|| format!("[component.{id}] files"))?;
    Ok(vec![(target, "/".to_string())])
}

/// Reads component `id` and its dependencies, composes them and compiles the result; also
/// returns the composed component's size in bytes.
fn load_composed(engine: &Engine, manifest: &Manifest, id: &str) -> Result<(Component, usize)> {
    let read = |path: &Path, whose: &str| {
        std::fs::read(path).with_context(|| {
            format!(
                "component {whose:?}: cannot read {}; {}",
                path.display(),
                build_hint(manifest, whose)
            )
        })
    };
    let c = &manifest.components[id];
    let bytes = read(&manifest.source_path(id)?, id)?;
    let mut deps = Vec::new();
    for (name, dep) in &c.dependencies {
        let bytes = match dep {
            Dependency::Local { path, .. } => read(&manifest.resolve(path), id)?,
            Dependency::AppComponent { component, .. } => {
                let other = manifest.components.get(component).with_context(|| {
                    format!("component {id:?} depends on component {component:?}, which the manifest does not define")
                })?;
                if !other.key_value_stores.is_empty()
                    || !other.sqlite_databases.is_empty()
                    || !other.allowed_outbound_hosts.is_empty()
                    || !other.variables.is_empty()
                {
                    bail!(
                        "component {component:?} is a dependency of {id:?}: dependencies may not have their own resources or permissions"
                    );
                }
                read(&manifest.source_path(component)?, component)?
            }
            _ => unreachable!("rejected by manifest validation"),
        };
        deps.push(DependencySource {
            name: name.clone(),
            bytes,
            export: dep.export().map(str::to_string),
        });
    }
    let inherit = c.dependencies_inherit_configuration.unwrap_or(false);
    let composed = compose(id, bytes, deps, inherit)
        .with_context(|| format!("failed to resolve dependencies for component {id:?}"))?;
    let size = composed.len();
    Ok((
        compile(engine, &composed, &format!("component {id:?}"))?,
        size,
    ))
}

/// Links a component against the host: WASI, wasi:http, the Spin interfaces and, for
/// non-inheriting dependencies, the denied imports.
fn instantiate_pre(
    engine: &Engine,
    component: &Component,
    id: &str,
) -> Result<InstancePre<HostState>> {
    let mut linker = Linker::<HostState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    crate::wasi_children::add_to_linker(&mut linker)?;
    crate::bindings::SpinHost::add_to_linker::<HostState, wasmtime::component::HasSelf<HostState>>(
        &mut linker,
        |s| s,
    )?;
    crate::deny::add_denied_imports(&mut linker, engine, component)?;
    linker.instantiate_pre(component).map_err(|e| {
        let e = anyhow::Error::from(e);
        let imports: Vec<String> = component
            .component_type()
            .imports(engine)
            .map(|(n, _)| n.to_string())
            .collect();
        e.context(format!(
            "component {id:?} imports something this host does not provide (its imports: {})",
            imports.join(", ")
        ))
    })
}
