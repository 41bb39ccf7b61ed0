//! The Markdown report: the machine, the command, one table of load results with ratios to
//! the floor of the same run, and the micro-benchmarks.

use crate::micro::Micro;
use crate::{Cli, Row};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub const BEGIN: &str = "<!-- commerce-bench:begin -->";
pub const END: &str = "<!-- commerce-bench:end -->";

/// The machine and its load at one moment.
pub struct Machine {
    pub date: String,
    pub cpus: usize,
    pub cpu_model: String,
    pub memory: String,
    pub load_average: String,
    pub commit: String,
    pub opt_level: String,
}

fn run(cmd: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl Machine {
    pub fn probe(root: &Path) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, m)| m.trim().to_string())
            .unwrap_or_else(|| "unknown CPU".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| format!("{:.1} GiB", kb as f64 / (1024.0 * 1024.0)))
            .unwrap_or_else(|| "unknown".into());
        let load_average = std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let mut commit =
            run("git", &["rev-parse", "--short", "HEAD"], root).unwrap_or_else(|| "unknown".into());
        if run(
            "git",
            &["status", "--porcelain", "--untracked-files=no"],
            root,
        )
        .is_some_and(|s| !s.is_empty())
        {
            commit.push_str(" (with uncommitted changes)");
        }
        let date = run("date", &["-u", "+%Y-%m-%d %H:%M UTC"], root).unwrap_or_default();
        Self {
            date,
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            memory,
            load_average,
            commit,
            opt_level: wasm_opt_level(root),
        }
    }
}

/// The wasm release profile's opt-level: `CARGO_PROFILE_RELEASE_OPT_LEVEL` when set (it
/// reaches the build commands), else the root Cargo.toml's `[profile.release]`.
fn wasm_opt_level(root: &Path) -> String {
    if let Ok(v) = std::env::var("CARGO_PROFILE_RELEASE_OPT_LEVEL") {
        return format!("{v} (CARGO_PROFILE_RELEASE_OPT_LEVEL)");
    }
    let toml = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let mut in_release = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_release = line == "[profile.release]";
        } else if in_release && let Some(v) = line.strip_prefix("opt-level") {
            return format!("{} (Cargo.toml)", v.trim_start_matches([' ', '=']).trim());
        }
    }
    "unknown".into()
}

/// Peak and current resident memory of this process (server, client and compiler).
pub struct Memory {
    pub peak_kib: Option<u64>,
    pub current_kib: Option<u64>,
}

impl Memory {
    pub fn probe() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        Self {
            peak_kib: field("VmHWM:"),
            current_kib: field("VmRSS:"),
        }
    }
}

pub struct Report<'a> {
    pub cli: &'a Cli,
    pub machine_before: &'a Machine,
    pub machine_after: &'a Machine,
    pub server_threads: usize,
    pub load_time: Duration,
    /// How long seeding the products took.
    pub seed_time: Duration,
    pub rows: &'a [Row],
    pub micro: Option<&'a Micro>,
    pub memory: &'a Memory,
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn us_from_ns(ns: u64) -> String {
    format!("{:.1} µs", ns as f64 / 1000.0)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

pub fn render(r: &Report) -> String {
    let m = r.machine_before;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### {}{}\n",
        m.date,
        r.cli
            .label
            .as_ref()
            .map(|l| format!(" — {l}"))
            .unwrap_or_default()
    );
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| {
            if a.contains(|c: char| c.is_whitespace() || "\"'`$|&;()<>".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect();
    let _ = writeln!(
        s,
        "- Command: `cargo run --profile host -p commerce-bench -- {}`",
        args.join(" ")
    );
    let _ = writeln!(s, "- Commit: {}", m.commit);
    let _ = writeln!(
        s,
        "- Machine: {} CPUs ({}), {} RAM; load average {} before, {} after",
        m.cpus, m.cpu_model, m.memory, m.load_average, r.machine_after.load_average
    );
    let _ = writeln!(
        s,
        "- Setup: commerce-host in-process ({} server worker threads), load generator on its own runtime ({} thread(s)), keep-alive HTTP/1.1 over loopback; warm-up {:.1?}, measured {:.1?} per row; {} products seeded through the catalog's WIT exports in {:.1?}; catalog key-value cache {}; wasm opt-level {}; app loaded in {:.0?}{}",
        r.server_threads,
        r.cli.client_threads,
        r.cli.warmup,
        r.cli.duration,
        r.cli.products,
        r.seed_time,
        r.cli.cache,
        m.opt_level,
        r.load_time,
        if r.cli.log {
            "; every request logged (formatted into a sink) as `commerce-host up` does"
        } else {
            "; no request log"
        }
    );
    if !r.rows.is_empty() {
        let _ = writeln!(
            s,
            "\n| Scenario | Conns | req/s | p50 | p90 | p99 | max | errors | vs floor | server CPU/req |"
        );
        let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for row in r.rows {
            match &row.result {
                None => {
                    let _ = writeln!(
                        s,
                        "| {} | {} | — | — | — | — | — | — | {} | — |",
                        row.scenario,
                        row.connections,
                        row.note.as_deref().unwrap_or("")
                    );
                }
                Some(res) => {
                    let floor = r
                        .rows
                        .iter()
                        .find(|f| f.scenario == "floor" && f.connections == row.connections)
                        .and_then(|f| f.result.as_ref())
                        .map(|f| f.requests_per_second());
                    let ratio = floor
                        .map(|f| format!("{:.2}", res.requests_per_second() / f))
                        .unwrap_or_else(|| "—".into());
                    let h = &res.latency;
                    let _ = writeln!(
                        s,
                        "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
                        row.scenario,
                        row.connections,
                        res.requests_per_second(),
                        ms(h.value_at_quantile(0.5)),
                        ms(h.value_at_quantile(0.9)),
                        ms(h.value_at_quantile(0.99)),
                        ms(h.max()),
                        res.errors,
                        ratio,
                        res.server_cpu_per_request()
                            .map(|d| format!("{:.0} µs", d.as_secs_f64() * 1e6))
                            .unwrap_or_else(|| "—".into())
                    );
                }
            }
        }
        if r.rows
            .iter()
            .any(|row| row.result.as_ref().is_some_and(|res| res.storage.is_some()))
        {
            let _ = writeln!(
                s,
                "\nStorage per request (a checkout: per purchase), from the host's counters over the measured window (`commerce_host::stats`):\n"
            );
            let _ = writeln!(
                s,
                "| Scenario | Conns | SQLite opens | connections made | statements | write transactions | key-value opens | reads | writes |"
            );
            let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|--:|--:|");
            for row in r.rows {
                let Some(res) = &row.result else { continue };
                let Some(c) = &res.storage else { continue };
                if res.requests == 0 {
                    continue;
                }
                let per = |n: u64| format!("{:.2}", n as f64 / res.requests as f64);
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    row.scenario,
                    row.connections,
                    per(c.sqlite_opens),
                    per(c.sqlite_connections),
                    per(c.sqlite_statements),
                    per(c.sqlite_write_transactions),
                    per(c.kv_opens),
                    per(c.kv_reads),
                    per(c.kv_writes)
                );
            }
        }
        let _ = writeln!(s, "\nScenarios:");
        let mut seen = Vec::new();
        for row in r.rows {
            if seen.contains(&row.scenario) {
                continue;
            }
            seen.push(row.scenario);
            if !row.what.is_empty() {
                let _ = writeln!(s, "- {}: {}", row.scenario, row.what);
            }
        }
        for row in r.rows {
            let Some((res, step)) = row
                .result
                .as_ref()
                .and_then(|res| Some((res, res.step_latency.as_ref()?)))
            else {
                continue;
            };
            let _ = writeln!(
                s,
                "- {} at {} connection(s): {:.0} checkouts/s ({:.0} HTTP requests/s); `POST /api/checkout` alone: p50 {}, p90 {}, p99 {}, max {}",
                row.scenario,
                row.connections,
                res.requests_per_second(),
                3.0 * res.requests_per_second(),
                ms(step.value_at_quantile(0.5)),
                ms(step.value_at_quantile(0.9)),
                ms(step.value_at_quantile(0.99)),
                ms(step.max())
            );
        }
        for row in r.rows.iter().filter(|r| r.result.is_some()) {
            if let Some(note) = &row.note {
                let _ = writeln!(
                    s,
                    "- {} at {} connection(s): {note}",
                    row.scenario, row.connections
                );
            }
        }
    }
    if let Some(micro) = r.micro {
        let _ = writeln!(
            s,
            "\nInstantiation per request, from the `InstancePre` ({} iterations, in-process):\n",
            micro.iterations
        );
        let _ = writeln!(
            s,
            "| Component (composed) | size | state + Store p50 | instantiate p50 | instantiate p99 | drop p50 |"
        );
        let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|");
        for i in &micro.instantiation {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                i.component,
                kib(i.composed_size as u64),
                us_from_ns(i.store_p50_ns),
                us_from_ns(i.instantiate_p50_ns),
                us_from_ns(i.instantiate_p99_ns),
                us_from_ns(i.teardown_p50_ns)
            );
        }
        if !micro.calls.is_empty() {
            let base = micro.calls[0].p50_ns;
            let _ = writeln!(
                s,
                "\nHost calls through the probe component (whole in-process requests, {} iterations):\n",
                micro.iterations
            );
            let _ = writeln!(s, "| Request | p50 | p99 | p50 minus baseline |");
            let _ = writeln!(s, "|---|--:|--:|--:|");
            for c in &micro.calls {
                let _ = writeln!(
                    s,
                    "| {} (`{}`) | {} | {} | {} |",
                    c.what,
                    c.path,
                    us_from_ns(c.p50_ns),
                    us_from_ns(c.p99_ns),
                    us_from_ns(c.p50_ns.saturating_sub(base))
                );
            }
        }
        if let Some(c) = &micro.connections {
            let _ = writeln!(
                s,
                "\nA new SQLite connection, natively, made as Spin makes one per `open` (open, first statement, close; {} iterations; the shop's database then held {} schema objects):\n",
                c.iterations, c.schema_objects
            );
            let _ = writeln!(s, "| Connection | p50 | p99 |");
            let _ = writeln!(s, "|---|--:|--:|");
            for cost in &c.costs {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    cost.what,
                    us_from_ns(cost.p50_ns),
                    us_from_ns(cost.p99_ns)
                );
            }
        }
        let _ = writeln!(s, "\nComponent files (target/wasm32-wasip2/release):\n");
        let _ = writeln!(s, "| .wasm | size |");
        let _ = writeln!(s, "|---|--:|");
        for (name, size) in &micro.wasm_sizes {
            let _ = writeln!(s, "| {name} | {} |", kib(*size));
        }
    }
    if let Some(peak) = r.memory.peak_kib {
        let _ = writeln!(
            s,
            "\nPeak RSS of the bench process (host + load generator, VmHWM): {:.1} MiB; at the end {:.1} MiB.",
            peak as f64 / 1024.0,
            r.memory.current_kib.unwrap_or(0) as f64 / 1024.0
        );
    }
    s
}

/// Replaces the text between the markers in `path` (appending a marked section when they
/// are missing).
pub fn write_into(path: &Path, text: &str) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{BEGIN}\n{text}\n{END}");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{section}{}", &old[..b], &old[e + END.len()..])
        }
        _ => format!("{old}\n{section}\n"),
    };
    std::fs::write(path, new).with_context(|| format!("writing {}", path.display()))
}
