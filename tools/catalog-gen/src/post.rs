//! Posting a catalog to a running store's `POST /admin/products/import`, in batches that
//! stay within the import's limits (lines and bytes per request). Plain HTTP/1.1 over TCP:
//! the local runner listens on `http://127.0.0.1:3000`; for an HTTPS deployment, write the
//! file and post it with curl.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// The most lines per request (the import takes 1,000; 500 keep a request well within a
/// serverless time limit).
pub const BATCH_LINES: usize = 500;
/// The most bytes per request (the import takes 4 MiB).
pub const BATCH_BYTES: usize = 3 * 1024 * 1024;

/// What a whole post did.
#[derive(Debug, Default)]
pub struct Summary {
    pub requests: usize,
    pub lines: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// The first failures, as "line N: errors".
    pub failures: Vec<String>,
}

/// Splits `lines` into batches of at most [`BATCH_LINES`] lines and [`BATCH_BYTES`] bytes,
/// lazily, so that a 100,000-product catalog never has to be in memory at once.
pub fn batches(lines: impl IntoIterator<Item = String>) -> impl Iterator<Item = String> {
    let mut lines = lines.into_iter().peekable();
    std::iter::from_fn(move || {
        let mut batch = String::new();
        let mut count = 0;
        while let Some(line) = lines.peek() {
            if count > 0 && (count == BATCH_LINES || batch.len() + line.len() + 1 > BATCH_BYTES) {
                break;
            }
            batch.push_str(line);
            batch.push('\n');
            count += 1;
            lines.next();
        }
        (count > 0).then_some(batch)
    })
}

/// Posts every line to `{base}/admin/products/import` with the bearer `token`.
pub fn post_catalog(
    base: &str,
    token: &str,
    lines: impl IntoIterator<Item = String>,
) -> Result<Summary> {
    let (host, port, prefix) = parse_base(base)?;
    let mut summary = Summary::default();
    let mut offset = 0u64;
    for batch in batches(lines) {
        let (status, body) = request(
            &host,
            port,
            "POST",
            &format!("{prefix}/admin/products/import"),
            token,
            Some(("application/x-ndjson", batch.as_bytes())),
        )?;
        if status != 200 {
            bail!(
                "the store answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        let report: serde_json::Value =
            serde_json::from_slice(&body).context("the import report is not JSON")?;
        summary.requests += 1;
        summary.lines += report["lines"].as_u64().unwrap_or(0);
        summary.succeeded += report["succeeded"].as_u64().unwrap_or(0);
        summary.failed += report["failed"].as_u64().unwrap_or(0);
        for r in report["results"].as_array().into_iter().flatten() {
            if r["ok"] == false && summary.failures.len() < 20 {
                let line = r["line"].as_u64().unwrap_or(0) + offset;
                summary
                    .failures
                    .push(format!("line {line}: {}", r["errors"]));
            }
        }
        offset += batch.lines().count() as u64;
        eprintln!(
            "posted batch {} ({} lines so far, {} failed)",
            summary.requests, summary.lines, summary.failed
        );
    }
    Ok(summary)
}

/// `http://host[:port][/prefix]` -> (host, port, prefix without a trailing slash).
pub fn parse_base(base: &str) -> Result<(String, u16, String)> {
    let Some(rest) = base.strip_prefix("http://") else {
        bail!("--post takes an http:// URL (for https, write the file and use curl)");
    };
    let (authority, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().context("the port is not a number")?),
        None => (authority, 80),
    };
    Ok((host.to_owned(), port, prefix.to_owned()))
}

/// One HTTP/1.1 request with the bearer `token` and an optional `(content type, body)`;
/// returns the status and the (de-chunked) body.
pub fn request(
    host: &str,
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<(&str, &[u8])>,
) -> Result<(u16, Vec<u8>)> {
    let mut stream =
        TcpStream::connect((host, port)).with_context(|| format!("connecting to {host}:{port}"))?;
    let (content_type, body) = body.unwrap_or(("", b""));
    let content_type = if content_type.is_empty() {
        String::new()
    } else {
        format!("Content-Type: {content_type}\r\n")
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n\
         {content_type}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("not an HTTP status line: {status_line:?}"))?;
    let mut chunked = false;
    let mut length = None;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("transfer-encoding")
                && value.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .with_context(|| format!("bad chunk size {size_line:?}"))?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_both_limits() {
        let lines: Vec<String> = (0..2500).map(|i| format!("{{\"n\":{i}}}")).collect();
        let b: Vec<String> = batches(lines).collect();
        assert_eq!(b.len(), 5);
        assert_eq!(b[0].lines().count(), BATCH_LINES);
        assert_eq!(b.iter().map(|x| x.lines().count()).sum::<usize>(), 2500);
        let big: Vec<String> = (0..10).map(|_| "x".repeat(1024 * 1024)).collect();
        let b: Vec<String> = batches(big).collect();
        assert!(b.iter().all(|x| x.len() <= BATCH_BYTES));
        assert_eq!(b.len(), 5);
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base("http://127.0.0.1:3000").unwrap(),
            ("127.0.0.1".into(), 3000, "".into())
        );
        assert_eq!(
            parse_base("http://shop.local/base/").unwrap(),
            ("shop.local".into(), 80, "/base".into())
        );
        assert!(parse_base("https://x").is_err());
    }
}
