//! Request bodies: reading them with a size limit, checking their media type, parsing JSON.

use crate::{FieldError, Problem, ProblemType};
use futures::StreamExt;
use spin_sdk::http::{IncomingRequest, Request};

/// A header of an incoming request as text (the first value, if it is UTF-8).
pub fn incoming_header(req: &IncomingRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .into_iter()
        .next()
        .and_then(|v| String::from_utf8(v).ok())
}

/// The path of an incoming request, without the query.
pub fn incoming_path(req: &IncomingRequest) -> String {
    let target = req.path_with_query().unwrap_or_default();
    let end = target.find('?').unwrap_or(target.len());
    target[..end].to_owned()
}

/// Reads the body of `req`, at most `limit` bytes, into a [`Request`].
///
/// A body over the limit is a 413 problem: refused from its `Content-Length` without
/// reading it when it declares one, else as soon as the bytes read pass the limit, so a
/// client cannot make the component buffer more than `limit` bytes.
///
/// No resource of the request outlives it: the headers are copied before the body is read.
pub async fn read_limited(req: IncomingRequest, limit: usize) -> Result<Request, Problem> {
    if let Some(length) = incoming_header(&req, "content-length") {
        match length.trim().parse::<u64>() {
            Ok(n) if n > limit as u64 => return Err(Problem::payload_too_large(limit)),
            Ok(_) => {}
            Err(_) => {
                return Err(Problem::invalid_input(vec![FieldError::new(
                    "",
                    "the Content-Length header is not a number",
                )]));
            }
        }
    }
    let method = req.method();
    let uri = req.uri();
    // Copied out, so that the `headers` resource (a child of the request) is dropped before
    // `into_body_stream` consumes the request: WASI 0.2 traps otherwise (Spin 3.6 does).
    let headers = req.headers().entries();
    let mut body = Vec::new();
    let mut stream = req.into_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::invalid_input(vec![FieldError::new(
                "",
                format!("the body could not be read: {}", e.to_debug_string()),
            )])
        })?;
        if body.len() + chunk.len() > limit {
            return Err(Problem::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Request::builder()
        .method(method)
        .uri(uri)
        .headers(headers)
        .body(body)
        .build())
}

/// The media type of the request's body (`Content-Type` without parameters), lower case;
/// empty when there is none.
pub fn media_type(req: &Request) -> String {
    req.header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `Ok` when the body's media type is one of `accepted` (lower case), else a 415 problem
/// naming them.
pub fn require_media_type(req: &Request, accepted: &[&str]) -> Result<(), Problem> {
    let media = media_type(req);
    if accepted.contains(&media.as_str()) {
        return Ok(());
    }
    let given = if media.is_empty() {
        "no Content-Type".to_owned()
    } else {
        media
    };
    Err(Problem::new(
        ProblemType::UnsupportedMediaType,
        format!(
            "The body must be {}; the request sent {given}.",
            accepted.join(" or ")
        ),
    ))
}

/// Parses `bytes` as one JSON value: a syntax error is a 400 problem at path `""` saying
/// where the text went wrong.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        Problem::invalid_input(vec![FieldError::new(
            "",
            format!("the body is not valid JSON: {e}"),
        )])
    })
}

/// The body of an `application/json` request as a JSON value: 415 for another media type,
/// 400 for malformed JSON. Check its shape with [`crate::JsonChecker`].
pub fn json_value_body(req: &Request) -> Result<serde_json::Value, Problem> {
    require_media_type(req, &[crate::JSON])?;
    parse_json(req.body())
}
