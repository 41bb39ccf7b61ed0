//! Deciding the answer to a request from the files under a root directory (`/` in the
//! component, a temporary directory in unit tests).

use crate::request::{self, Refusal, SafePath};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The request facts the file server looks at.
pub struct Req<'a> {
    pub method: &'a str,
    /// The raw path, still percent-encoded, without the query.
    pub path: &'a str,
    pub query: &'a str,
    pub accept_encoding: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// An answer: status, headers (security headers included) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn new(status: u16) -> Self {
        let headers = web_kit::SECURITY_HEADERS
            .iter()
            .map(|(n, v)| (*n, v.to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn text(status: u16, text: &str) -> Self {
        let mut r = Reply::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .header("cache-control", "no-cache");
        r.body = text.as_bytes().to_vec();
        r
    }

    /// The value of header `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `Cache-Control` of a fingerprinted asset: its name changes whenever its content does.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of pages: cached, but revalidated (ETag) before every use.
pub const REVALIDATE: &str = "no-cache";
/// `Cache-Control` of other files (images, favicon): an hour, then revalidated.
pub const SHORT: &str = "public, max-age=3600";

/// The page served, with status 404, for every path that names no file.
pub const NOT_FOUND_PAGE: &str = "404.html";

/// Answers `req` from the files under `root`.
pub fn serve(root: &Path, req: &Req) -> Reply {
    let head = req.method == "HEAD";
    if req.method != "GET" && !head {
        return Reply::text(
            405,
            "405 Method Not Allowed: this address serves GET and HEAD.\n",
        )
        .header("allow", "GET, HEAD");
    }
    let mut reply = match request::parse(req.path) {
        Ok(path) => locate(root, req, &path),
        Err(Refusal::BadRequest) => Reply::text(400, "400 Bad Request: not a valid file path.\n"),
        Err(Refusal::NotFound) => not_found(root, req),
    };
    if head {
        reply.body.clear();
    } else if reply.status != 304 {
        let length = reply.body.len().to_string();
        reply = reply.header("content-length", length);
    }
    reply
}

fn locate(root: &Path, req: &Req, path: &SafePath) -> Reply {
    let rel = path.relative();
    let is_file = |rel: &str| root.join(rel).is_file();
    if path.trailing_slash {
        // A directory's index page; never a listing.
        let index = if rel.is_empty() {
            "index.html".to_string()
        } else {
            format!("{rel}/index.html")
        };
        return if is_file(&index) {
            file(root, req, &index, 200)
        } else {
            not_found(root, req)
        };
    }
    if is_file(&rel) {
        return file(root, req, &rel, 200);
    }
    if root.join(&rel).is_dir() && is_file(&format!("{rel}/index.html")) {
        // `/guide` → `/guide/`, so that the index page's relative links resolve.
        let mut location = format!("{}/", req.path);
        if !req.query.is_empty() {
            location = format!("{location}?{}", req.query);
        }
        return Reply::text(301, "301 Moved Permanently\n").header("location", location);
    }
    // Extensionless pages: `/cart` is `cart.html`.
    let page = format!("{rel}.html");
    if web_kit::extension(&rel).is_none() && is_file(&page) {
        return file(root, req, &page, 200);
    }
    not_found(root, req)
}

/// The custom 404 page (or a line of text when the site has none).
fn not_found(root: &Path, req: &Req) -> Reply {
    if root.join(NOT_FOUND_PAGE).is_file() {
        file(root, req, NOT_FOUND_PAGE, 404)
    } else {
        Reply::text(404, "404 Not Found\n")
    }
}

/// The fingerprint of a file the build renamed (`assets/…/name.<10 hex>.ext`).
fn fingerprint(rel: &str) -> Option<&str> {
    if rel.starts_with(web_kit::ASSETS_PREFIX.trim_start_matches('/')) {
        web_kit::fingerprint_of(rel)
    } else {
        None
    }
}

/// Serves the file `rel` (which exists) with `status`: 200 with validators and
/// conditional requests, or 404 for the not-found page (no validators, revalidated).
fn file(root: &Path, req: &Req, rel: &str, status: u16) -> Reply {
    let fingerprint = fingerprint(rel).filter(|_| status == 200);
    let cache = match (fingerprint, status) {
        (Some(_), _) => IMMUTABLE,
        (None, 200) if !rel.ends_with(".html") => SHORT,
        _ => REVALIDATE,
    };
    let mut reply = Reply::new(status)
        .header("content-type", web_kit::content_type_for_path(rel))
        .header("cache-control", cache);

    // The precompressed variant the client prefers, if the build wrote one.
    let mut coding = None;
    if web_kit::is_compressible(rel) {
        reply = reply.header("vary", "Accept-Encoding");
        coding = request::accepted_codings(req.accept_encoding)
            .into_iter()
            .find(|c| root.join(format!("{rel}.{}", c.extension())).is_file());
    }
    let served = match coding {
        Some(c) => format!("{rel}.{}", c.extension()),
        None => rel.to_string(),
    };
    let suffix = coding.map_or(String::new(), |c| format!("-{}", c.extension()));

    // A fingerprinted file's ETag is its fingerprint: a 304 needs no read.
    let known_etag = fingerprint.map(|f| format!("\"{f}{suffix}\""));
    if let (Some(etag), Some(inm)) = (&known_etag, req.if_none_match)
        && request::none_match(inm, etag)
    {
        return not_modified(reply, etag);
    }
    let body = match std::fs::read(root.join(&served)) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("file-server: reading {served}: {e}");
            return Reply::text(500, "500 Internal Server Error\n");
        }
    };
    if status == 200 {
        let etag = known_etag.unwrap_or_else(|| content_etag(&body));
        if req
            .if_none_match
            .is_some_and(|inm| request::none_match(inm, &etag))
        {
            return not_modified(reply, &etag);
        }
        reply = reply.header("etag", etag);
    }
    if let Some(c) = coding {
        reply = reply.header("content-encoding", c.name());
    }
    reply.body = body;
    reply
}

/// 304 with the headers a 200 would carry that caches need (RFC 9110 §15.4.5).
fn not_modified(reply: Reply, etag: &str) -> Reply {
    let mut r = reply.header("etag", etag);
    r.status = 304;
    r.headers.retain(|(n, _)| *n != "content-type");
    r
}

/// A strong ETag from the bytes served: 16 hex digits (64 bits) of their SHA-256.
pub fn content_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests;
