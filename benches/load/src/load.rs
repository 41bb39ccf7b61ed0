//! The load generator: N keep-alive HTTP/1.1 connections over loopback, each sending its
//! requests one after another as fast as the server answers (a closed loop, like `wrk`),
//! for a warm-up and then a fixed measured duration, never more than a request budget.

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
    /// The status a correct answer has; anything else counts as an error.
    pub expect_status: u16,
}

impl RequestSpec {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: http::Method::GET,
            path: path.into(),
            body: None,
            expect_status: 200,
        }
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

/// Runs the load: the requests are spread round-robin over the connections, each connection
/// cycling through them from its own offset.
pub async fn run(
    addr: SocketAddr,
    requests: Arc<Vec<RequestSpec>>,
    cfg: LoadConfig,
) -> Result<LoadResult> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the load generator only targets loopback"
    );
    anyhow::ensure!(
        !requests.is_empty(),
        "a scenario needs at least one request"
    );
    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let deadline = measure_from + cfg.duration;
    let budget = Arc::new(std::sync::atomic::AtomicU64::new(cfg.max_requests));
    let cpu_at_start = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        threads_cpu(SERVER_THREADS)
    });
    let mut tasks = Vec::new();
    for c in 0..cfg.connections {
        let requests = requests.clone();
        let budget = budget.clone();
        // Each connection starts at its own share of the request list, so a scenario whose
        // requests change state (add-to-cart) spreads them evenly over its targets.
        let first = c * requests.len() / cfg.connections;
        tasks.push(tokio::spawn(async move {
            connection(addr, requests, c, first, measure_from, deadline, budget).await
        }));
    }
    let mut total = LoadResult {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latency: new_histogram(),
        first_error: None,
        server_cpu: None,
    };
    for t in tasks {
        let r = t.await.context("a load connection panicked")??;
        total.requests += r.requests;
        total.errors += r.errors;
        total
            .latency
            .add(&r.latency)
            .context("merging histograms")?;
        if total.first_error.is_none() {
            total.first_error = r.first_error;
        }
    }
    let cpu_at_end = threads_cpu(SERVER_THREADS);
    if let (Ok(Some(a)), Some(b)) = (cpu_at_start.await, cpu_at_end) {
        total.server_cpu = Some(b.saturating_sub(a));
    }
    // The measured window ends at the deadline, or earlier when the budget ran out.
    let end = Instant::now().min(deadline);
    total.elapsed = end
        .saturating_duration_since(measure_from)
        .max(Duration::from_millis(1));
    Ok(total)
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

async fn connection(
    addr: SocketAddr,
    requests: Arc<Vec<RequestSpec>>,
    index: usize,
    first: usize,
    measure_from: Instant,
    deadline: Instant,
    budget: Arc<std::sync::atomic::AtomicU64>,
) -> Result<LoadResult> {
    use std::sync::atomic::Ordering;
    let mut result = LoadResult {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latency: new_histogram(),
        first_error: None,
        server_cpu: None,
    };
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
        let spec = &requests[i % requests.len()];
        i += 1;
        let t0 = Instant::now();
        let outcome = async {
            if sender.is_none() {
                sender = Some(connect(addr).await?);
            }
            let s = sender.as_mut().unwrap();
            s.ready().await.context("connection not ready")?;
            let mut req = http::Request::builder()
                .method(spec.method.clone())
                .uri(spec.path.as_str())
                .header(http::header::HOST, host.as_str());
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
            Ok::<_, anyhow::Error>((status, body))
        }
        .await;
        let took = t0.elapsed();
        let ok = match outcome {
            Ok((status, _)) if status == spec.expect_status => true,
            Ok((status, body)) => {
                if result.first_error.is_none() {
                    result.first_error = Some(format!(
                        "{} {} -> {status}: {}",
                        spec.method,
                        spec.path,
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    ));
                }
                false
            }
            Err(e) => {
                if result.first_error.is_none() {
                    result.first_error = Some(format!("{} {}: {e:#}", spec.method, spec.path));
                }
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
            let us = took.as_micros().clamp(1, 60_000_000) as u64;
            result.latency.record(us).ok();
        }
    }
    Ok(result)
}
