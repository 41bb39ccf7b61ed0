//! The load generator: N keep-alive HTTP/1.1 connections over loopback, each sending its
//! requests one after another as fast as the server answers (a closed loop, like `wrk`),
//! for a warm-up and then a fixed measured duration, never more than a request budget.
//!
//! A scenario's unit of work is one request from a fixed list, or one whole checkout: a new
//! cart, a line added to it, and `POST /api/checkout` for it, each request using what the
//! previous one answered (the cart's token), with an `Idempotency-Key` no other checkout of
//! the run uses.

use anyhow::{Context, Result};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// The name of the server runtime's threads.
pub const SERVER_THREADS: &str = "server";

/// One request a scenario sends.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: http::Method,
    pub path: String,
    pub body: Option<(String, Bytes)>, // (content type, body)
    /// Request headers besides `Host` and `Content-Type`.
    pub headers: Vec<(&'static str, String)>,
    /// The status a correct answer has; anything else counts as an error.
    pub expect_status: u16,
}

impl RequestSpec {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: http::Method::GET,
            path: path.into(),
            body: None,
            headers: Vec::new(),
            expect_status: 200,
        }
    }

    /// A POST of a JSON body.
    pub fn post_json(path: impl Into<String>, body: impl Into<Bytes>, expect_status: u16) -> Self {
        Self {
            method: http::Method::POST,
            path: path.into(),
            body: Some(("application/json".into(), body.into())),
            headers: Vec::new(),
            expect_status,
        }
    }
}

/// What one connection repeats.
pub enum Work {
    /// One request at a time, cycling through the list.
    Requests(Vec<RequestSpec>),
    /// One whole checkout at a time.
    Checkout(CheckoutSpec),
}

/// A full checkout: `POST /api/carts` (EUR), `POST /api/cart/lines` (the token in the
/// `Cart-Token` header) with one unit of a variant (cycling through `variants`),
/// `POST /api/checkout` paying with the test provider's success card.
pub struct CheckoutSpec {
    pub variants: Vec<String>,
    pub shipping_method_id: String,
    /// Makes every checkout's `Idempotency-Key` unique across the rows of one run.
    pub keys: std::sync::atomic::AtomicU64,
}

impl CheckoutSpec {
    /// The checkout request for `cart_token`.
    pub fn body(&self, cart_token: &str) -> Bytes {
        Bytes::from(
            serde_json::json!({
                "cart_token": cart_token,
                "email": "bench@example.com",
                "shipping_address": {
                    "name": "Bench Buyer",
                    "line1": "Unter den Linden 1",
                    "city": "Berlin",
                    "postal_code": "10117",
                    "country": "DE"
                },
                "shipping_method_id": self.shipping_method_id,
                "payment_method": {
                    "type": "test_card",
                    "number": "4242424242424242",
                    "exp_month": 12,
                    "exp_year": 2040,
                    "cvc": "123"
                },
                "return_url": "https://shop.example/checkout/return"
            })
            .to_string(),
        )
    }
}

/// How hard and how long to push.
#[derive(Debug, Clone, Copy)]
pub struct LoadConfig {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Upper bound on measured requests (all connections together).
    pub max_requests: u64,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latency in microseconds of every measured request (errors included).
    pub latency: Histogram<u64>,
    /// The first error seen, to show why.
    pub first_error: Option<String>,
    /// CPU time the server's threads used during the measured window.
    pub server_cpu: Option<Duration>,
    /// For a checkout: the latency of its `POST /api/checkout` alone, in microseconds.
    pub step_latency: Option<Histogram<u64>>,
    /// What the guests asked of storage during the measured window (the host's counters).
    pub storage: Option<commerce_host::stats::StorageCounts>,
}

impl LoadResult {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Server CPU time per request: unlike throughput, barely moved by other processes
    /// competing for the cores.
    pub fn server_cpu_per_request(&self) -> Option<Duration> {
        let cpu = self.server_cpu?;
        (self.requests > 0).then(|| cpu / self.requests as u32)
    }
}

/// CPU time so far of every thread of this process named `name` (from
/// /proc/self/task/*/schedstat, nanosecond resolution); `None` off Linux.
pub fn threads_cpu(name: &str) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// Runs the load: requests are spread round-robin over the connections, each connection
/// cycling through them from its own offset; checkouts run one after another on each.
pub async fn run(addr: SocketAddr, work: Arc<Work>, cfg: LoadConfig) -> Result<LoadResult> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the load generator only targets loopback"
    );
    let units = match &*work {
        Work::Requests(r) => r.len(),
        Work::Checkout(c) => c.variants.len(),
    };
    anyhow::ensure!(
        units > 0,
        "a scenario needs at least one request or variant"
    );
    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let deadline = measure_from + cfg.duration;
    let budget = Arc::new(std::sync::atomic::AtomicU64::new(cfg.max_requests));
    let cpu_at_start = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        (
            threads_cpu(SERVER_THREADS),
            commerce_host::stats::StorageCounts::now(),
        )
    });
    let mut tasks = Vec::new();
    for c in 0..cfg.connections {
        let work = work.clone();
        let budget = budget.clone();
        // Each connection starts at its own share of the request list, so a scenario whose
        // requests change state (add-to-cart) spreads them evenly over its targets.
        let first = c * units / cfg.connections;
        tasks.push(tokio::spawn(async move {
            connection(addr, work, c, first, measure_from, deadline, budget).await
        }));
    }
    let mut total = LoadResult::empty(matches!(*work, Work::Checkout(_)));
    for t in tasks {
        let r = t.await.context("a load connection panicked")??;
        total.requests += r.requests;
        total.errors += r.errors;
        total
            .latency
            .add(&r.latency)
            .context("merging histograms")?;
        if let (Some(t), Some(h)) = (total.step_latency.as_mut(), r.step_latency.as_ref()) {
            t.add(h).context("merging histograms")?;
        }
        if total.first_error.is_none() {
            total.first_error = r.first_error;
        }
    }
    let cpu_at_end = threads_cpu(SERVER_THREADS);
    let storage_at_end = commerce_host::stats::StorageCounts::now();
    if let Ok((cpu_at_start, storage_at_start)) = cpu_at_start.await {
        if let (Some(a), Some(b)) = (cpu_at_start, cpu_at_end) {
            total.server_cpu = Some(b.saturating_sub(a));
        }
        total.storage = Some(storage_at_end.since(&storage_at_start));
    }
    // The measured window ends at the deadline, or earlier when the budget ran out.
    let end = Instant::now().min(deadline);
    total.elapsed = end
        .saturating_duration_since(measure_from)
        .max(Duration::from_millis(1));
    Ok(total)
}

impl LoadResult {
    fn empty(steps: bool) -> Self {
        Self {
            requests: 0,
            errors: 0,
            elapsed: Duration::ZERO,
            latency: new_histogram(),
            first_error: None,
            server_cpu: None,
            step_latency: steps.then(new_histogram),
            storage: None,
        }
    }
}

pub fn new_histogram() -> Histogram<u64> {
    // 1 µs .. 60 s, 3 significant figures.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Result<Sender> {
    let stream = TcpStream::connect(addr).await.context("connecting")?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP/1.1 handshake")?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request on the connection (connecting first when there is none); its status
/// and body.
async fn send(
    sender: &mut Option<Sender>,
    addr: SocketAddr,
    host: &str,
    spec: &RequestSpec,
) -> Result<(u16, Bytes)> {
    if sender.is_none() {
        *sender = Some(connect(addr).await?);
    }
    let s = sender.as_mut().unwrap();
    s.ready().await.context("connection not ready")?;
    let mut req = http::Request::builder()
        .method(spec.method.clone())
        .uri(spec.path.as_str())
        .header(http::header::HOST, host);
    for (name, value) in &spec.headers {
        req = req.header(*name, value.as_str());
    }
    let body = match &spec.body {
        Some((ct, b)) => {
            req = req.header(http::header::CONTENT_TYPE, ct.as_str());
            b.clone()
        }
        None => Bytes::new(),
    };
    let res = s
        .send_request(req.body(Full::new(body))?)
        .await
        .context("sending")?;
    let status = res.status().as_u16();
    let body = res
        .into_body()
        .collect()
        .await
        .context("reading the body")?
        .to_bytes();
    Ok((status, body))
}

/// How one unit of work went: `Ok(None)` when every answer was the expected one,
/// `Ok(Some(why))` for an unexpected answer, `Err` for a transport error.
type Outcome = Result<Option<String>>;

/// Sends `spec`; an unexpected status is described.
async fn one(
    sender: &mut Option<Sender>,
    addr: SocketAddr,
    host: &str,
    spec: &RequestSpec,
) -> Result<(Option<String>, Bytes)> {
    let (status, body) = send(sender, addr, host, spec)
        .await
        .with_context(|| format!("{} {}", spec.method, spec.path))?;
    if status == spec.expect_status {
        return Ok((None, body));
    }
    Ok((
        Some(format!(
            "{} {} -> {status}: {}",
            spec.method,
            spec.path,
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
        body,
    ))
}

/// One checkout, the `n`-th of this connection: a cart, a line, the checkout. Also the
/// time its `POST /api/checkout` took.
async fn checkout(
    sender: &mut Option<Sender>,
    addr: SocketAddr,
    host: &str,
    spec: &CheckoutSpec,
    n: usize,
) -> (Outcome, Option<Duration>) {
    use std::sync::atomic::Ordering;
    let flow = async {
        let create = RequestSpec::post_json("/api/carts", &br#"{"currency":"EUR"}"#[..], 201);
        let (bad, body) = one(sender, addr, host, &create).await?;
        if bad.is_some() {
            return Ok((bad, None));
        }
        let json: serde_json::Value = serde_json::from_slice(&body).context("the new cart")?;
        let token = json["token"]
            .as_str()
            .with_context(|| format!("POST /api/carts gave no token: {json}"))?
            .to_owned();
        let variant = &spec.variants[n % spec.variants.len()];
        let mut line = RequestSpec::post_json(
            "/api/cart/lines",
            format!(r#"{{"variant_id":"{variant}","quantity":1}}"#),
            200,
        );
        line.headers.push(("cart-token", token.clone()));
        let (bad, _) = one(sender, addr, host, &line).await?;
        if bad.is_some() {
            return Ok((bad, None));
        }
        let mut pay = RequestSpec::post_json("/api/checkout", spec.body(&token), 201);
        let key = spec.keys.fetch_add(1, Ordering::Relaxed);
        pay.headers
            .push(("idempotency-key", format!("bench-checkout-{key}")));
        let t0 = Instant::now();
        let (bad, _) = one(sender, addr, host, &pay).await?;
        Ok((bad, Some(t0.elapsed())))
    };
    match flow.await {
        Ok((bad, took)) => (Ok(bad), took),
        Err(e) => (Err(e), None),
    }
}

/// Runs one unit of `work` on a fresh connection: `Err` with the reason unless every answer
/// was the expected one.
pub async fn trial(addr: SocketAddr, work: &Work) -> Result<()> {
    let mut sender = None;
    let host = addr.to_string();
    let outcome = match work {
        Work::Requests(requests) => one(&mut sender, addr, &host, &requests[0])
            .await
            .map(|(bad, _)| bad),
        Work::Checkout(spec) => checkout(&mut sender, addr, &host, spec, 0).await.0,
    };
    match outcome? {
        None => Ok(()),
        Some(why) => anyhow::bail!("{why}"),
    }
}

async fn connection(
    addr: SocketAddr,
    work: Arc<Work>,
    index: usize,
    first: usize,
    measure_from: Instant,
    deadline: Instant,
    budget: Arc<std::sync::atomic::AtomicU64>,
) -> Result<LoadResult> {
    use std::sync::atomic::Ordering;
    let mut result = LoadResult::empty(matches!(*work, Work::Checkout(_)));
    let host = addr.to_string();
    let mut sender: Option<Sender> = None;
    let mut reconnects = 0u32;
    let mut i = first;
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let measuring = now >= measure_from;
        if measuring
            && budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                .is_err()
        {
            break;
        }
        let n = i;
        i += 1;
        let t0 = Instant::now();
        let (outcome, step) = match &*work {
            Work::Requests(requests) => {
                let spec = &requests[n % requests.len()];
                (
                    one(&mut sender, addr, &host, spec)
                        .await
                        .map(|(bad, _)| bad),
                    None,
                )
            }
            Work::Checkout(spec) => checkout(&mut sender, addr, &host, spec, n).await,
        };
        let took = t0.elapsed();
        let ok = match outcome {
            Ok(None) => true,
            Ok(Some(why)) => {
                result.first_error.get_or_insert(why);
                false
            }
            Err(e) => {
                result.first_error.get_or_insert_with(|| format!("{e:#}"));
                sender = None;
                reconnects += 1;
                if reconnects > 100 {
                    anyhow::bail!("connection {index}: more than 100 transport errors; giving up");
                }
                false
            }
        };
        if measuring && Instant::now() <= deadline {
            result.requests += 1;
            if !ok {
                result.errors += 1;
            }
            let us = |d: Duration| d.as_micros().clamp(1, 60_000_000) as u64;
            result.latency.record(us(took)).ok();
            if let (Some(h), Some(step), true) = (result.step_latency.as_mut(), step, ok) {
                h.record(us(step)).ok();
            }
        }
    }
    Ok(result)
}
