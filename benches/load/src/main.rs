//! `commerce-bench`: spin-commerce's benchmark in one command.
//!
//! Generates the benchmark app (the shop's `spin.toml` as it is, plus the benchmark floor
//! and the host probe of `benches/floor.toml`), builds its components, loads it in
//! commerce-host in this process (its own multi-threaded tokio runtime), seeds the catalog
//! through its WIT exports, then drives every scenario over loopback with keep-alive
//! HTTP/1.1 connections from a separate client runtime, and prints a Markdown report (or
//! writes it into BENCHMARKS.md with `--write`).
//!
//! ```text
//! cargo run --profile host -p commerce-bench -- --products 500 --duration 10s
//! ```

#![forbid(unsafe_code)]

mod bench_app;
mod load;
mod micro;
mod report;
mod seed;

use anyhow::{Context, Result, bail};
use clap::Parser;
use commerce_host::{App, AppOptions, Output};
use load::{CheckoutSpec, LoadConfig, LoadResult, RequestSpec, Work};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser, Debug, Clone)]
#[command(about = "Benchmarks spin-commerce on commerce-host over loopback")]
pub struct Cli {
    /// Products to seed the catalog with before measuring.
    #[arg(long, default_value_t = 500)]
    products: usize,
    /// Measured duration of each scenario (e.g. 10s, 500ms).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Warm-up before each measurement (not recorded).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// Concurrent connections to run each scenario at.
    #[arg(long, value_delimiter = ',', default_value = "1,32")]
    connections: Vec<usize>,
    /// Scenarios to run (the floor always runs): floor, health, product-by-slug,
    /// product-list, product-list-deep, search-facets, add-to-cart, checkout, sign-in,
    /// account-signed-in, account-anonymous.
    #[arg(long, value_delimiter = ',')]
    scenarios: Option<Vec<String>>,
    /// Upper bound on measured requests per scenario and connection count.
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    /// Worker threads of the server's runtime (default: every core).
    #[arg(long)]
    server_threads: Option<usize>,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Also run the micro-benchmarks (instantiation, key-value, SQLite, sizes).
    #[arg(long)]
    micro: bool,
    /// Only the micro-benchmarks, no load.
    #[arg(long)]
    micro_only: bool,
    /// Iterations of each micro-benchmark.
    #[arg(long, default_value_t = 2000)]
    micro_iterations: usize,
    /// Log every request as `commerce-host up` does (formatted, into a sink), to measure
    /// what logging costs.
    #[arg(long)]
    log: bool,
    /// The shop's manifest; the benchmark serves it as it is, with benches/floor.toml (the
    /// floor and the host probe) appended.
    #[arg(long, default_value = "spin.toml")]
    manifest: PathBuf,
    /// The catalog's key-value cache (the Spin variable `catalog_cache`): on or off.
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    pub cache: String,
    /// Variable overrides for the app, NAME=VALUE (repeatable), as `commerce-host up` takes
    /// them; `admin_token` gets a random value per run unless given here.
    #[arg(long = "var", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Do not run the build commands (serve the .wasm files as they are).
    #[arg(long)]
    no_build: bool,
    /// A label for this run in the report (e.g. "before: per-request logging").
    #[arg(long)]
    label: Option<String>,
    /// Write the report into this Markdown file between the markers
    /// `<!-- commerce-bench:begin -->` and `<!-- commerce-bench:end -->` (appended if absent).
    #[arg(long)]
    write: Option<PathBuf>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))?;
    if name.is_empty() {
        return Err(format!("{s:?} has no variable name"));
    }
    Ok((name.to_ascii_lowercase(), value.to_string()))
}

/// The abuse limits' variables (`api_kit::limits`, declared in spin.toml).
const LIMIT_VARIABLES: &[&str] = &[
    "limit_checkout_per_client",
    "limit_api_writes_per_client",
    "limit_admin_auth_failures_per_client",
];

/// A limit no benchmark reaches: a million a second.
const UNREACHED_LIMIT: &str = "1000000/1";

/// A token for the admin API that differs per run (the benchmark never calls it, but the app
/// does not start without one).
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("bench-");
    for _ in 0..2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: f64 = num.parse().map_err(|_| format!("bad duration {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("bad duration unit in {s:?} (use ms, s or m)")),
    };
    if !(0.0..=600.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (at most 10 minutes)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Every scenario, in report order. Those the shop cannot serve yet say why.
pub const SCENARIOS: &[&str] = &[
    "floor",
    "health",
    "product-by-slug",
    "product-list",
    "product-list-deep",
    "search-facets",
    "add-to-cart",
    "checkout",
    "sign-in",
    "account-signed-in",
    "account-anonymous",
];

/// A scenario ready to run, or the reason it cannot run in this build.
pub enum Prepared {
    Ready { what: String, work: Arc<Work> },
    NotYet(&'static str),
}

/// One measured row.
pub struct Row {
    pub scenario: &'static str,
    pub what: String,
    pub connections: usize,
    pub result: Option<LoadResult>,
    pub note: Option<String>,
}

/// What the scenarios need to know about the running app.
struct Ctx<'a> {
    app: &'a App,
    root: &'a Path,
    /// Where the server listens.
    addr: SocketAddr,
    rt: &'a tokio::runtime::Runtime,
    products: usize,
    /// Requests a state-changing scenario may have to absorb in the whole run (all rows).
    expected_requests: u64,
}

/// Variants each add-to-cart cart is filled with, and the checkouts buy.
const CART_VARIANTS: usize = 5;
/// The on-hand count each checkout variant starts with: more than any run can sell (at
/// 10,000 checkouts a second, a 10-minute window sells 6 million units over 5 variants).
const CHECKOUT_STOCK: u32 = 100_000_000;

async fn get_json(app: &App, path: &str) -> Result<serde_json::Value> {
    let res = app
        .send(http::Request::get(path).body(bytes::Bytes::new())?)
        .await?;
    anyhow::ensure!(res.status() == 200, "{path} answered {}", res.status());
    Ok(serde_json::from_slice(res.body())?)
}

/// Pre-creates enough EUR carts that add-to-cart never meets the cart's limits (at most 99
/// units a line and 500 a cart): request `i` adds one unit of variant `(i / carts) % 5` to
/// cart `i % carts`, so each cart gets a fifth of its requests per variant.
async fn cart_requests(ctx: &Ctx<'_>) -> Result<Vec<RequestSpec>> {
    let variants = bench_variants(ctx).await?;
    // 90 units per line leaves headroom below 99 for uneven spreading over connections.
    let per_cart = (90 * variants.len()).min(450) as u64;
    let carts = ctx.expected_requests.div_ceil(per_cart).clamp(1, 20_000) as usize;
    eprintln!("creating {carts} carts for add-to-cart");
    let mut tokens = Vec::with_capacity(carts);
    for _ in 0..carts {
        let res = ctx
            .app
            .send(
                http::Request::post("/api/carts")
                    .header("content-type", "application/json")
                    .body(bytes::Bytes::from_static(br#"{"currency":"EUR"}"#))?,
            )
            .await?;
        anyhow::ensure!(
            res.status() == 201,
            "POST /api/carts answered {}",
            res.status()
        );
        let json: serde_json::Value = serde_json::from_slice(res.body())?;
        let token = json["token"]
            .as_str()
            .with_context(|| format!("POST /api/carts gave no token: {json}"))?;
        tokens.push(token.to_string());
    }
    let mut requests = Vec::with_capacity(carts * variants.len());
    for v in &variants {
        let body = bytes::Bytes::from(format!(r#"{{"variant_id":"{v}","quantity":1}}"#));
        for t in &tokens {
            let mut line = RequestSpec::post_json("/api/cart/lines", body.clone(), 200);
            line.headers.push(("cart-token", t.clone()));
            requests.push(line);
        }
    }
    Ok(requests)
}

/// The first variant (size S) of each of the first [`CART_VARIANTS`] products.
async fn bench_variants(ctx: &Ctx<'_>) -> Result<Vec<String>> {
    let mut variants = Vec::new();
    for i in 0..CART_VARIANTS.min(ctx.products) {
        let json = get_json(ctx.app, &format!("/api/products/{}", seed::slug(i))).await?;
        let id = json["variants"][0]["id"]
            .as_str()
            .with_context(|| format!("product {} has no variant id: {json}", seed::slug(i)))?;
        variants.push(id.to_string());
    }
    Ok(variants)
}

/// Stock and pricing for the checkout scenario.
async fn checkout_spec(ctx: &Ctx<'_>) -> Result<CheckoutSpec> {
    let variants = bench_variants(ctx).await?;
    let release = ctx.root.join("target/wasm32-wasip2/release");
    seed::seed_stock(
        ctx.app,
        &release.join("inventory.wasm"),
        &variants,
        CHECKOUT_STOCK,
    )
    .await?;
    let shipping_method_id = seed::seed_pricing(ctx.app, &release.join("pricing.wasm")).await?;
    let spec = CheckoutSpec {
        variants,
        shipping_method_id,
        keys: std::sync::atomic::AtomicU64::new(0),
    };
    Ok(spec)
}

fn requests(list: Vec<RequestSpec>) -> Arc<Work> {
    Arc::new(Work::Requests(list))
}

fn prepare(name: &str, ctx: &Ctx) -> Result<Prepared> {
    Ok(match name {
        "floor" => Prepared::Ready {
            what: "GET /bench/hello (spin-sdk hello component)".into(),
            work: requests(vec![RequestSpec::get("/bench/hello")]),
        },
        "health" => Prepared::Ready {
            what: "GET /api/health (SQLite + key-value check)".into(),
            work: requests(vec![RequestSpec::get("/api/health")]),
        },
        "product-by-slug" => {
            anyhow::ensure!(ctx.products > 0, "product-by-slug needs --products > 0");
            // Cycle through up to 256 different products so no single row is hot.
            let n = ctx.products.min(256);
            Prepared::Ready {
                what: format!("GET /api/products/{{slug}}, {n} different slugs"),
                work: requests(
                    (0..n)
                        .map(|i| RequestSpec::get(format!("/api/products/{}", seed::slug(i))))
                        .collect(),
                ),
            }
        }
        "product-list" => Prepared::Ready {
            what: "GET /api/products (first page, 20 products)".into(),
            work: requests(vec![RequestSpec::get("/api/products")]),
        },
        "product-list-deep" => {
            let (page, cursor) = ctx.rt.block_on(last_page_cursor(ctx.app))?;
            match cursor {
                None => Prepared::NotYet("needs more than one page of products (--products > 20)"),
                Some(c) => Prepared::Ready {
                    what: format!("GET /api/products?after=… (page {page}, the last)"),
                    work: requests(vec![RequestSpec::get(format!(
                        "/api/products?after={}",
                        percent_encode(&c)
                    ))]),
                },
            }
        }
        "search-facets" => {
            anyhow::ensure!(ctx.products > 0, "search-facets needs --products > 0");
            let path = format!(
                "/api/search?q={}&currency=EUR&option.size=M",
                seed::ADJECTIVES[0]
            );
            // Check once that the answer really carries facets.
            let json = ctx.rt.block_on(get_json(ctx.app, &path))?;
            anyhow::ensure!(
                json.get("facets").is_some() && json.get("total").is_some(),
                "{path} answered without facets or total: {json}"
            );
            Prepared::Ready {
                what: format!(
                    "GET {path} (text, currency and option filter; {} matches, facets)",
                    json["total"]
                ),
                work: requests(vec![RequestSpec::get(path)]),
            }
        }
        "add-to-cart" => {
            anyhow::ensure!(ctx.products > 0, "add-to-cart needs --products > 0");
            let list = ctx.rt.block_on(cart_requests(ctx))?;
            Prepared::Ready {
                what: format!(
                    "POST /api/cart/lines (token in Cart-Token), 1 unit of one of {CART_VARIANTS} variants, over {} pre-created EUR carts",
                    list.len() / CART_VARIANTS
                ),
                work: requests(list),
            }
        }
        "checkout" => {
            anyhow::ensure!(ctx.products > 0, "checkout needs --products > 0");
            let spec = ctx.rt.block_on(checkout_spec(ctx))?;
            let variants = spec.variants.len();
            let work = Arc::new(Work::Checkout(spec));
            // One checkout outside the measurement, to fail early with the reason.
            ctx.rt
                .block_on(load::trial(ctx.addr, &work))
                .context("the trial checkout")?;
            Prepared::Ready {
                what: format!(
                    "one full checkout per unit: POST /api/carts (EUR), POST /api/cart/lines (token in Cart-Token; 1 unit of one of {} variants, {CHECKOUT_STOCK} on hand each), POST /api/checkout (test provider, success card 4242…, shipping to DE, unique Idempotency-Key); req/s is checkouts/s (3 HTTP requests each), latency and server CPU are per checkout",
                    variants
                ),
                work,
            }
        }
        "sign-in" => {
            ctx.rt.block_on(bench_account(ctx.app))?;
            let body = serde_json::json!({"email": BENCH_EMAIL, "password": BENCH_PASSWORD});
            Prepared::Ready {
                what: "POST /api/account/sign-in (one Argon2id verification at the cost the app runs with, a session written); run with the sign-in limits off".into(),
                work: requests(vec![RequestSpec::post_json(
                    "/api/account/sign-in",
                    body.to_string(),
                    200,
                )]),
            }
        }
        "account-signed-in" => {
            let token = ctx.rt.block_on(bench_account(ctx.app))?;
            let mut spec = RequestSpec::get("/api/account");
            spec.headers
                .push(("authorization", format!("Bearer {token}")));
            Prepared::Ready {
                what: "GET /api/account with a session token (identity reads the session and the customer)".into(),
                work: requests(vec![spec]),
            }
        }
        "account-anonymous" => {
            let mut spec = RequestSpec::get("/api/account");
            spec.expect_status = 401;
            Prepared::Ready {
                what: "GET /api/account without a session (the same component, answered 401 before identity is called)".into(),
                work: requests(vec![spec]),
            }
        }
        other => bail!(
            "unknown scenario {other:?} (known: {})",
            SCENARIOS.join(", ")
        ),
    })
}

const BENCH_EMAIL: &str = "bench@example.com";
const BENCH_PASSWORD: &str = "bench passphrase 42";

/// Registers the bench's customer (a second registration changes nothing) and signs in;
/// the session token.
async fn bench_account(app: &App) -> Result<String> {
    let body = serde_json::json!({"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).to_string();
    for path in ["/api/account/register", "/api/account/sign-in"] {
        let res = app
            .send(
                http::Request::post(path)
                    .header("content-type", "application/json")
                    .body(bytes::Bytes::from(body.clone()))?,
            )
            .await?;
        if path.ends_with("sign-in") {
            anyhow::ensure!(res.status() == 200, "{path} answered {}", res.status());
            let json: serde_json::Value = serde_json::from_slice(res.body())?;
            return json["token"]
                .as_str()
                .map(str::to_owned)
                .context("sign-in answered no token");
        }
        anyhow::ensure!(res.status() == 202, "{path} answered {}", res.status());
    }
    unreachable!("the loop returns at sign-in")
}

/// Walks the product list page by page (20 a page) and returns the last page's number and
/// the cursor that fetches it.
async fn last_page_cursor(app: &App) -> Result<(usize, Option<String>)> {
    let mut cursor: Option<String> = None;
    let mut page = 1;
    loop {
        let path = match &cursor {
            None => "/api/products".to_string(),
            Some(c) => format!("/api/products?after={}", percent_encode(c)),
        };
        let res = app
            .send(http::Request::get(path.as_str()).body(bytes::Bytes::new())?)
            .await?;
        anyhow::ensure!(res.status() == 200, "{path} answered {}", res.status());
        let json: serde_json::Value = serde_json::from_slice(res.body())?;
        match json.get("next").and_then(|n| n.as_str()) {
            Some(next) => {
                cursor = Some(next.to_string());
                page += 1;
            }
            None => return Ok((page, cursor)),
        }
        anyhow::ensure!(page < 100_000, "the product list does not end");
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The repository root: the nearest ancestor of the current directory with `spin.toml`.
fn repo_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    cwd.ancestors()
        .find(|d| d.join("spin.toml").is_file() && d.join("benches").is_dir())
        .map(Path::to_path_buf)
        .context("run commerce-bench inside the spin-commerce repository")
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = repo_root()?;
    let manifest_path = if cli.manifest.is_absolute() {
        cli.manifest.clone()
    } else {
        root.join(&cli.manifest)
    };
    if cli.log {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "info,wasmtime=warn,cranelift=warn",
            ))
            .with_target(false)
            .with_writer(std::io::sink)
            .init();
    }

    let bench = bench_app::generate(&root, &manifest_path)?;
    if !cli.no_build {
        eprintln!(
            "building the components of {} and {}",
            manifest_path.display(),
            bench_app::FLOOR
        );
        commerce_host::builder::build_all(&bench.for_build)?;
    }

    let machine_before = report::Machine::probe(&root);
    let server_threads = cli
        .server_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .thread_name(load::SERVER_THREADS)
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .thread_name("client")
        .enable_all()
        .build()?;

    let state = tempfile::tempdir()?;
    let mut options = AppOptions::new(&bench.path);
    options.state_dir = Some(state.path().to_path_buf());
    options.output = Output::Inherit;
    options
        .variables
        .insert("catalog_cache".into(), cli.cache.clone());
    options
        .variables
        .insert("admin_token".into(), random_token());
    // Every request comes from one address (loopback), thousands a second: the abuse
    // limits get a ceiling no run reaches, so they are counted (their cost measured) but
    // never refuse; `--var limit_…=off` measures without them.
    for name in LIMIT_VARIABLES {
        options
            .variables
            .insert((*name).into(), UNREACHED_LIMIT.into());
    }
    for (name, value) in &cli.vars {
        options.variables.insert(name.clone(), value.clone());
    }
    let load_started = std::time::Instant::now();
    let app = App::load(options)?;
    let load_time = load_started.elapsed();

    let catalog_wasm = root.join("target/wasm32-wasip2/release/catalog.wasm");
    let started = std::time::Instant::now();
    if cli.products > 0 {
        eprintln!("seeding {} products", cli.products);
        server_rt.block_on(seed::seed_products(&app, &catalog_wasm, cli.products))?;
        eprintln!("seeded in {:.1?}", started.elapsed());
    }
    let seed_time = started.elapsed();

    let mut micro = if cli.micro || cli.micro_only {
        eprintln!("micro-benchmarks");
        // On a worker of the server runtime, where requests run.
        let (app, root, iterations) = (app.clone(), root.clone(), cli.micro_iterations);
        Some(
            server_rt
                .block_on(server_rt.spawn(async move { micro::run(&app, &root, iterations).await }))
                .context("the micro-benchmarks panicked")??,
        )
    } else {
        None
    };

    let mut rows = Vec::new();
    if !cli.micro_only {
        let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr: SocketAddr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = server_rt.spawn(commerce_host::server::serve(
            app.clone(),
            listener,
            async move {
                let _ = stopped.await;
            },
        ));

        let wanted: Vec<&'static str> = SCENARIOS
            .iter()
            .copied()
            .filter(|s| {
                *s == "floor"
                    || cli
                        .scenarios
                        .as_ref()
                        .is_none_or(|list| list.iter().any(|w| w == s))
            })
            .collect();
        if let Some(list) = &cli.scenarios {
            for s in list {
                if !SCENARIOS.contains(&s.as_str()) {
                    bail!("unknown scenario {s:?} (known: {})", SCENARIOS.join(", "));
                }
            }
        }
        let ctx = Ctx {
            app: &app,
            root: &root,
            addr,
            rt: &server_rt,
            products: cli.products,
            // A generous bound: 10,000 requests/s over every row's warm-up and measurement.
            expected_requests: ((cli.warmup + cli.duration).as_secs_f64()
                * 10_000.0
                * cli.connections.len() as f64)
                .min(cli.max_requests as f64 * cli.connections.len() as f64)
                as u64,
        };
        let mut prepared = Vec::new();
        for name in wanted {
            prepared.push((name, prepare(name, &ctx)?));
        }
        for &connections in &cli.connections {
            anyhow::ensure!(
                (1..=1024).contains(&connections),
                "connections must be 1..=1024"
            );
            for (name, p) in &prepared {
                match p {
                    Prepared::NotYet(why) => rows.push(Row {
                        scenario: name,
                        what: String::new(),
                        connections,
                        result: None,
                        note: Some(why.to_string()),
                    }),
                    Prepared::Ready { what, work } => {
                        eprintln!("{name} at {connections} connection(s)");
                        let cfg = LoadConfig {
                            connections,
                            warmup: cli.warmup,
                            duration: cli.duration,
                            max_requests: cli.max_requests,
                        };
                        let result = client_rt.block_on(load::run(addr, work.clone(), cfg))?;
                        eprintln!(
                            "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
                            result.requests_per_second(),
                            result.latency.value_at_quantile(0.5) as f64 / 1000.0,
                            result.latency.value_at_quantile(0.99) as f64 / 1000.0,
                            result.errors
                        );
                        let note = result
                            .first_error
                            .clone()
                            .map(|e| format!("first error: {e}"));
                        rows.push(Row {
                            scenario: name,
                            what: what.clone(),
                            connections,
                            result: Some(result),
                            note,
                        });
                    }
                }
            }
        }
        let _ = stop.send(());
        server_rt.block_on(server)??;
    }
    if let Some(micro) = micro.as_mut() {
        // After the load, which has migrated the capabilities it exercised.
        micro.connections = Some(micro::connection_costs(
            app.state_dir(),
            cli.micro_iterations,
        )?);
    }
    let memory = report::Memory::probe();
    let machine_after = report::Machine::probe(&root);
    drop(client_rt);

    let text = report::render(&report::Report {
        cli: &cli,
        machine_before: &machine_before,
        machine_after: &machine_after,
        server_threads,
        load_time,
        seed_time,
        rows: &rows,
        micro: micro.as_ref(),
        memory: &memory,
    });
    println!("{text}");
    if let Some(path) = &cli.write {
        report::write_into(path, &text)?;
        eprintln!("wrote the report into {}", path.display());
    }
    drop(server_rt);
    Ok(())
}
