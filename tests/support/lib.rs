//! The test harness of spin-commerce, in the manner of zero2prod's `spawn_app`: every test
//! gets the real app from `spin.toml`, run by commerce-host in wasmtime, over a fresh,
//! private state directory, and talks to it only through its public faces: HTTP requests
//! to the composed app, or calls to a capability component's WIT exports.
//!
//! The components are built once per test binary with the build commands in `spin.toml`,
//! the same commands `spin build` runs.

use bytes::Bytes;
use commerce_host::{App, AppOptions, Output};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub mod cart;
pub mod openapi;
pub mod orders;
pub mod payments;
pub mod served;
pub mod stripe_fake;

/// Typed host-side bindings of the catalog component's world, for component unit tests.
pub mod catalog {
    commerce_host::wasmtime::component::bindgen!({
        path: "../wit",
        world: "catalog-component",
        exports: { default: async },
        wasmtime_crate: commerce_host::wasmtime,
    });
    pub use commerce::types::types::{Money, PageRequest};
    pub use exports::commerce::catalog::catalog::{
        Attribute, Error, OptionValue, PriceRange, Product, ProductQuery, ProductStatus, SortOrder,
    };
    pub use exports::commerce::catalog::catalog_admin::{
        AdminProductFilter, NewCategory, NewCollection, NewProduct, NewVariant, ProductPatch,
    };

    /// A query for every published product, newest first.
    pub fn everything() -> ProductQuery {
        ProductQuery {
            text: None,
            category: None,
            collection: None,
            currency: None,
            price: None,
            options: vec![],
            attributes: vec![],
            sort: SortOrder::Relevance,
        }
    }
}

/// The repository root (where `spin.toml` lives).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The app's manifest.
pub fn manifest_path() -> PathBuf {
    repo_root().join("spin.toml")
}

/// A component's built `.wasm`.
pub fn wasm(name: &str) -> PathBuf {
    repo_root()
        .join("target/wasm32-wasip2/release")
        .join(format!("{name}.wasm"))
}

/// Runs the build commands of `spin.toml` once per test binary.
pub fn build_components() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let manifest = commerce_host::manifest::Manifest::from_file(&manifest_path())
            .expect("spin.toml must parse");
        commerce_host::builder::build_all(&manifest).expect("building the components");
    });
}

/// The app, over state no other test sees.
pub struct TestApp {
    pub app: App,
    /// Shared with the apps [`TestApp::sibling`] makes over the same state.
    pub state: std::sync::Arc<tempfile::TempDir>,
    /// The directory of an edited manifest ([`spawn_edited_app`]), kept while the app lives.
    _manifest_dir: Option<tempfile::TempDir>,
}

/// A collected response.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `content-type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body as text (lossy), for assertion messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The last segment of a problem answer's `type` (`"out-of-stock"`); panics with the
    /// body when the answer is no problem+json.
    pub fn problem_type(&self) -> String {
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.text()
        );
        let v = self.json();
        v["type"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned()
    }
}

/// Options for loading `manifest` over the state directory `state`.
pub fn options(manifest: &Path, state: &Path) -> AppOptions {
    let mut options = AppOptions::new(manifest);
    options.state_dir = Some(state.to_path_buf());
    options.output = Output::Capture;
    options
        .variables
        .insert("admin_token".into(), ADMIN_TOKEN.into());
    // Every request of a test comes from one address, in bursts no shopper makes (a
    // checkout retried at every statement under fault injection, races of hundreds of
    // requests), so the abuse limits get ceilings no test reaches; the limiter still runs
    // on every request. `tests/rate_limits.rs` sets its own.
    for name in LIMIT_VARIABLES {
        options
            .variables
            .insert((*name).to_owned(), "1000000/60".to_owned());
    }
    options
}

/// The Spin variables of the abuse limits (`api_kit::limits`), as spin.toml declares them.
pub const LIMIT_VARIABLES: &[&str] = &[
    "limit_checkout_per_client",
    "limit_api_writes_per_client",
    "limit_admin_auth_failures_per_client",
    "limit_sign_in_per_account",
    "limit_sign_in_per_client",
    "limit_password_reset_per_account",
    "limit_password_reset_per_client",
    "limit_registration_per_client",
];

/// The client address every request of a test comes from unless it says otherwise (the
/// `spin-client-addr` of `App::send`).
pub const DEFAULT_CLIENT: &str = "127.0.0.1:50000";

/// The admin API token the tests' apps run with (the `admin_token` variable).
pub const ADMIN_TOKEN: &str = "test-admin-token-5f0c2a9e71d4";

/// Starts the app from `spin.toml` with fresh state.
pub fn spawn_app() -> TestApp {
    spawn_app_with(&[])
}

/// Starts the app from `spin.toml` with fresh state and these application variables set.
pub fn spawn_app_with(variables: &[(&str, &str)]) -> TestApp {
    build_components();
    load_app(&manifest_path(), None, variables)
}

/// Loads the app of `manifest` over fresh state with these application variables set;
/// `manifest_dir` (a temporary directory holding it) lives as long as the app.
fn load_app(
    manifest: &Path,
    manifest_dir: Option<tempfile::TempDir>,
    variables: &[(&str, &str)],
) -> TestApp {
    let state = tempfile::tempdir().unwrap();
    let mut options = options(manifest, state.path());
    for (name, value) in variables {
        options
            .variables
            .insert((*name).to_owned(), (*value).to_owned());
    }
    let app = App::load(options).expect("the app loads");
    TestApp {
        app,
        state: std::sync::Arc::new(state),
        _manifest_dir: manifest_dir,
    }
}

/// `spin.toml` rewritten by `edit`, in a temporary directory, with component paths made
/// absolute so it loads the same `.wasm` files; the directory and the manifest's path.
pub fn edited_manifest(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    build_components();
    let text = std::fs::read_to_string(manifest_path()).unwrap();
    let target = repo_root().join("target");
    let text = edit(text.replace("\"target/", &format!("\"{}/", target.display())));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spin.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Starts the app from `spin.toml` as `edit` rewrites it (see [`edited_manifest`]), with
/// fresh state and these application variables set.
pub fn spawn_edited_app(edit: impl Fn(String) -> String, variables: &[(&str, &str)]) -> TestApp {
    let (dir, manifest) = edited_manifest(edit);
    load_app(&manifest, Some(dir), variables)
}

impl TestApp {
    /// Another app from `spin.toml` over this app's state directory, with these application
    /// variables set: the same shop after a restart with a changed configuration.
    pub fn sibling(&self, variables: &[(&str, &str)]) -> TestApp {
        let mut options = options(&manifest_path(), self.state.path());
        for (name, value) in variables {
            options
                .variables
                .insert((*name).to_owned(), (*value).to_owned());
        }
        TestApp {
            app: App::load(options).expect("the app loads"),
            state: self.state.clone(),
            _manifest_dir: None,
        }
    }

    /// Sends `req` and collects the response.
    pub async fn request(&self, req: http::Request<Bytes>) -> TestResponse {
        let client = DEFAULT_CLIENT.parse().unwrap();
        self.request_from(req, client).await
    }

    /// Sends `req` as if from the client at `client` (the `spin-client-addr` the component
    /// sees) and collects the response.
    pub async fn request_from(
        &self,
        req: http::Request<Bytes>,
        client: std::net::SocketAddr,
    ) -> TestResponse {
        let res = self
            .app
            .send_from(req, client)
            .await
            .expect("the host answers");
        let (parts, body) = res.into_parts();
        TestResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(http::Request::get(path).body(Bytes::new()).unwrap())
            .await
    }

    /// `GET path` with extra request headers.
    /// Sends `method path` with `headers` and, when given, `body` as JSON.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> TestResponse {
        self.send_from(DEFAULT_CLIENT, method, path, headers, body)
            .await
    }

    /// [`TestApp::send`] as if from the client at `client` (e.g. `"203.0.113.9:4000"`).
    pub async fn send_from(
        &self,
        client: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> TestResponse {
        let mut req = http::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let bytes = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Bytes::from(v.to_string())
            }
            None => Bytes::new(),
        };
        let client = client.parse().expect("a client is ip:port");
        self.request_from(req.body(bytes).unwrap(), client).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut req = http::Request::get(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        self.request(req.body(Bytes::new()).unwrap()).await
    }

    /// Makes the next SQLite statement of this app containing `matching` (e.g.
    /// `"UPDATE orders_orders"`) answer an error, once; [`TestApp::disarm_fault`] tells
    /// whether it fired.
    pub fn fail_next_statement(&self, matching: &str) {
        use commerce_host::faults::{FaultAction, SqliteFault, arm_sqlite};
        let fault = SqliteFault {
            matching: matching.to_owned(),
            nth: 1,
            action: FaultAction::Error,
        };
        arm_sqlite(&self.state.path().join("sqlite_db.db"), fault);
    }

    /// Removes the fault armed for this app's database; whether it fired.
    pub fn disarm_fault(&self) -> bool {
        commerce_host::faults::disarm(&self.state.path().join("sqlite_db.db"))
    }

    /// The keys of key-value store `default` starting with `prefix`, read from the host's
    /// backing file (as `spin up` keeps it, `.spin/sqlite_key_value.db`).
    pub fn kv_keys(&self, prefix: &str) -> Vec<String> {
        let path = self.state.path().join("sqlite_key_value.db");
        let conn = rusqlite::Connection::open(path).expect("the key-value file opens");
        // As under Spin, the table is made when a component first opens a store: no
        // table, no keys.
        let made: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'spin_key_value'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        if made == 0 {
            return Vec::new();
        }
        let mut stmt = conn
            .prepare("SELECT key FROM spin_key_value WHERE store = 'default' ORDER BY key")
            .unwrap();
        stmt.query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .filter(|k| k.starts_with(prefix))
            .collect()
    }

    /// The catalog component on its own, over this app's state, with the grants of the
    /// component it is a dependency of.
    pub async fn catalog(&self) -> CatalogHandle {
        let mut lib = self
            .app
            .instantiate_library(&wasm("catalog"), "products-api")
            .await
            .expect("the catalog component instantiates");
        let bindings = catalog::CatalogComponent::new(&mut lib.store, &lib.instance)
            .expect("the catalog component exports its world");
        CatalogHandle { lib, bindings }
    }
}

/// A live catalog component instance.
pub struct CatalogHandle {
    pub lib: commerce_host::LibraryInstance,
    pub bindings: catalog::CatalogComponent,
}

impl CatalogHandle {
    /// Creates a product, panicking with the catalog's error if it is refused.
    pub async fn create_product(
        &mut self,
        input: catalog::NewProduct,
    ) -> catalog::exports::commerce::catalog::catalog::Product {
        self.bindings
            .commerce_catalog_catalog_admin()
            .call_create_product(&mut self.lib.store, &input)
            .await
            .expect("no trap")
            .unwrap_or_else(|e| panic!("create-product refused: {e:?}"))
    }

    /// Creates a category, panicking with the catalog's error if it is refused.
    pub async fn create_category(
        &mut self,
        slug: &str,
        parent: Option<String>,
    ) -> catalog::exports::commerce::catalog::catalog::Category {
        let input = catalog::NewCategory {
            slug: slug.into(),
            name: slug.replace('-', " "),
            parent,
            position: 0,
        };
        self.bindings
            .commerce_catalog_catalog_admin()
            .call_create_category(&mut self.lib.store, &input)
            .await
            .expect("no trap")
            .unwrap_or_else(|e| panic!("create-category refused: {e:?}"))
    }
}

/// A valid, published product: slug `slug`, one variant per size in `sizes`, priced in EUR
/// (and USD), in `categories`.
pub fn product(slug: &str, eur_cents: i64, categories: Vec<String>) -> catalog::NewProduct {
    let sizes = ["S", "M"];
    catalog::NewProduct {
        slug: slug.into(),
        title: format!("Product {slug}"),
        description: format!("A fine {slug}."),
        status: catalog::ProductStatus::Published,
        images: vec![],
        attributes: vec![],
        options: vec!["size".into()],
        variants: sizes
            .iter()
            .enumerate()
            .map(|(i, size)| catalog::NewVariant {
                sku: format!("{slug}-{size}").to_uppercase(),
                title: size.to_string(),
                options: vec![catalog::exports::commerce::catalog::catalog::OptionValue {
                    option: "size".into(),
                    value: size.to_string(),
                }],
                prices: vec![
                    catalog::Money {
                        amount: eur_cents + i as i64 * 100,
                        currency: "EUR".into(),
                    },
                    catalog::Money {
                        amount: eur_cents + 50,
                        currency: "USD".into(),
                    },
                ],
                compare_at_prices: vec![],
                weight_grams: Some(250),
                barcode: None,
            })
            .collect(),
        category_ids: categories,
    }
}

/// A page request.
pub fn page(after: Option<String>, limit: u32) -> catalog::PageRequest {
    catalog::PageRequest { after, limit }
}

impl CatalogHandle {
    /// `list-products`.
    pub async fn list(
        &mut self,
        query: &catalog::ProductQuery,
        page: &catalog::PageRequest,
    ) -> Result<catalog::exports::commerce::catalog::catalog::ProductPage, catalog::Error> {
        self.bindings
            .commerce_catalog_catalog()
            .call_list_products(&mut self.lib.store, query, page)
            .await
            .expect("no trap")
    }

    /// `search`.
    pub async fn search(
        &mut self,
        query: &catalog::ProductQuery,
        page: &catalog::PageRequest,
    ) -> Result<catalog::exports::commerce::catalog::catalog::SearchResult, catalog::Error> {
        self.bindings
            .commerce_catalog_catalog()
            .call_search(&mut self.lib.store, query, page)
            .await
            .expect("no trap")
    }

    /// The slugs of every page of `query`, `limit` at a time, in order.
    pub async fn all_slugs(&mut self, query: &catalog::ProductQuery, limit: u32) -> Vec<String> {
        let mut slugs = Vec::new();
        let mut after = None;
        loop {
            let p = self
                .list(query, &page(after, limit))
                .await
                .unwrap_or_else(|e| panic!("list-products refused: {e:?}"));
            assert!(p.items.len() <= limit as usize);
            slugs.extend(p.items.into_iter().map(|i| i.slug));
            match p.page.next {
                Some(next) => after = Some(next),
                None => return slugs,
            }
        }
    }
}

pub mod pricing;

/// Typed host-side bindings of the inventory component's world, for component unit tests.
pub mod inventory {
    commerce_host::wasmtime::component::bindgen!({
        path: "../wit",
        world: "inventory-component",
        exports: { default: async },
        additional_derives: [PartialEq, Eq],
        wasmtime_crate: commerce_host::wasmtime,
    });
    pub use commerce::types::types::{FieldError, PageInfo, PageRequest};
    pub use exports::commerce::inventory::inventory::{
        Error, NewReservation, Reservation, ReservationLine, ReservationStatus, Shortage,
        StockLevel, StockStatus,
    };
    pub use exports::commerce::inventory::inventory_admin::{
        MovementFilter, MovementPage, MovementReason, NewAdjustment, NewCount, ReservationFilter,
        ReservationPage, StockFilter, StockMovement, StockPage,
    };
}

/// Builds, once per test binary, a library component that no `spin.toml` component depends
/// on yet (so no build command there builds it), with the same command the build commands
/// use: `cargo build --target wasm32-wasip2 --release -p <package>`.
pub fn build_library(package: &'static str) {
    static BUILT: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.contains(&package) {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "build",
            "--target",
            "wasm32-wasip2",
            "--release",
            "-p",
            package,
        ])
        .current_dir(repo_root())
        .status()
        .expect("running cargo");
    assert!(status.success(), "building {package} failed ({status})");
    built.push(package);
}

impl TestApp {
    /// The inventory component on its own, over this app's state. No HTTP component
    /// composes it yet, so it gets the grants of `products-api` (the default SQLite
    /// database), as the catalog does; each call is a fresh instance, as each Spin request
    /// is.
    pub async fn inventory(&self) -> InventoryHandle {
        build_library("inventory");
        let mut lib = self
            .app
            .instantiate_library(&wasm("inventory"), "products-api")
            .await
            .expect("the inventory component instantiates");
        let bindings = inventory::InventoryComponent::new(&mut lib.store, &lib.instance)
            .expect("the inventory component exports its world");
        InventoryHandle { lib, bindings }
    }
}

/// A live inventory component instance, with a method per export that panics on a trap
/// and returns the component's answer.
pub struct InventoryHandle {
    pub lib: commerce_host::LibraryInstance,
    pub bindings: inventory::InventoryComponent,
}

type InventoryResult<T> = Result<T, inventory::Error>;

impl InventoryHandle {
    pub async fn max_availability_batch(&mut self) -> u32 {
        self.bindings
            .commerce_inventory_inventory()
            .call_max_availability_batch(&mut self.lib.store)
            .await
            .expect("no trap")
    }

    pub async fn availability(
        &mut self,
        variant_ids: &[String],
    ) -> InventoryResult<Vec<inventory::StockLevel>> {
        self.bindings
            .commerce_inventory_inventory()
            .call_availability(&mut self.lib.store, variant_ids)
            .await
            .expect("no trap")
    }

    pub async fn reserve(
        &mut self,
        request: &inventory::NewReservation,
    ) -> InventoryResult<inventory::Reservation> {
        self.bindings
            .commerce_inventory_inventory()
            .call_reserve(&mut self.lib.store, request)
            .await
            .expect("no trap")
    }

    pub async fn commit(&mut self, id: &str) -> InventoryResult<inventory::Reservation> {
        self.bindings
            .commerce_inventory_inventory()
            .call_commit(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn release(&mut self, id: &str) -> InventoryResult<inventory::Reservation> {
        self.bindings
            .commerce_inventory_inventory()
            .call_release(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn get_reservation(&mut self, id: &str) -> InventoryResult<inventory::Reservation> {
        self.bindings
            .commerce_inventory_inventory()
            .call_get_reservation(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn max_page_size(&mut self) -> u32 {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_max_page_size(&mut self.lib.store)
            .await
            .expect("no trap")
    }

    pub async fn adjust(
        &mut self,
        adjustment: &inventory::NewAdjustment,
    ) -> InventoryResult<inventory::StockMovement> {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_adjust(&mut self.lib.store, adjustment)
            .await
            .expect("no trap")
    }

    pub async fn set_on_hand(
        &mut self,
        count: &inventory::NewCount,
    ) -> InventoryResult<inventory::StockMovement> {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_set_on_hand(&mut self.lib.store, count)
            .await
            .expect("no trap")
    }

    pub async fn list_movements(
        &mut self,
        filter: &inventory::MovementFilter,
        page: &inventory::PageRequest,
    ) -> InventoryResult<inventory::MovementPage> {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_list_movements(&mut self.lib.store, filter, page)
            .await
            .expect("no trap")
    }

    pub async fn list_stock(
        &mut self,
        filter: &inventory::StockFilter,
        page: &inventory::PageRequest,
    ) -> InventoryResult<inventory::StockPage> {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_list_stock(&mut self.lib.store, *filter, page)
            .await
            .expect("no trap")
    }

    pub async fn list_reservations(
        &mut self,
        filter: &inventory::ReservationFilter,
        page: &inventory::PageRequest,
    ) -> InventoryResult<inventory::ReservationPage> {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_list_reservations(&mut self.lib.store, filter, page)
            .await
            .expect("no trap")
    }

    pub async fn reclaim_expired(&mut self, limit: u32) -> InventoryResult<u32> {
        self.bindings
            .commerce_inventory_inventory_admin()
            .call_reclaim_expired(&mut self.lib.store, limit)
            .await
            .expect("no trap")
    }

    /// Adds `delta` units of `variant_id` as received goods, panicking if refused.
    pub async fn receive(&mut self, variant_id: &str, delta: i32) -> inventory::StockMovement {
        let adjustment = inventory::NewAdjustment {
            variant_id: variant_id.into(),
            delta,
            reason: inventory::MovementReason::Received,
            note: None,
            actor: "test".into(),
            idempotency_key: None,
        };
        self.adjust(&adjustment)
            .await
            .unwrap_or_else(|e| panic!("adjust refused: {e:?}"))
    }

    /// The stock of one variant, panicking if refused.
    pub async fn stock(&mut self, variant_id: &str) -> inventory::StockLevel {
        self.availability(&[variant_id.to_string()])
            .await
            .unwrap_or_else(|e| panic!("availability refused: {e:?}"))
            .remove(0)
    }
}

/// The staff roles, as `identity.wit` names them.
pub const ROLES: [&str; 5] = [
    "owner",
    "catalog-manager",
    "fulfilment",
    "support",
    "read-only",
];

/// Whether `role` grants `permission`: the table of `identity.wit`, written out again so
/// that a change to either is caught.
pub fn role_grants(role: &str, permission: &str) -> bool {
    let read = permission.ends_with("-read");
    match role {
        "owner" => true,
        "read-only" => read,
        "catalog-manager" => matches!(
            permission,
            "catalog-read"
                | "catalog-write"
                | "pricing-read"
                | "pricing-write"
                | "inventory-read"
                | "orders-read"
        ),
        "fulfilment" => matches!(
            permission,
            "orders-read" | "orders-write" | "inventory-read" | "inventory-write" | "catalog-read"
        ),
        "support" => matches!(
            permission,
            "orders-read"
                | "orders-write"
                | "payments-write"
                | "customers-read"
                | "customers-write"
                | "catalog-read"
                | "inventory-read"
        ),
        other => panic!("unknown role {other}"),
    }
}
