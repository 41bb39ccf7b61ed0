//! Routes that break, or keep, WASI 0.2's rule that a child resource is dropped before its
//! parent is dropped or consumed (see the host's `wasi_children.rs`). Each `*-outlives-*`
//! route breaks the rule before it sets a response, so a host that enforces the rule traps
//! (a 500) and a lenient one answers 200; each `*-dropped-first` route does the same work in
//! the right order and answers 200 `ok`.

use spin_sdk::http::{
    Fields, IncomingRequest, IncomingResponse, OutgoingBody, OutgoingRequest, OutgoingResponse,
    ResponseOutparam, Trailers,
};
use spin_sdk::wit::wasi::http0_2_0::types::{FutureTrailers, IncomingBody};

/// Answers `case`; `None` for an unknown case or when its setup (an outbound request) fails.
pub async fn probe(case: &str, req: IncomingRequest, out: ResponseOutparam) -> Option<()> {
    match case {
        // What `read_limited` in api-kit once did: the headers kept, the request consumed.
        "request-headers-outlive-request" => {
            let headers = req.headers();
            let body = req.into_body().await;
            drop(headers);
            let _ = body;
        }
        "request-headers-dropped-first" => {
            let entries = req.headers().entries();
            let _ = (entries, req.into_body().await);
        }
        "response-headers-outlive-response" => {
            let response = OutgoingResponse::new(Fields::new());
            let headers = response.headers();
            // `set` consumes the response while its headers live.
            out.set(response);
            drop(headers);
            return Some(());
        }
        "response-headers-dropped-first" => {
            let response = OutgoingResponse::new(Fields::new());
            drop(response.headers());
            let _ = out.set_with_body(response, b"ok".to_vec()).await;
            return Some(());
        }
        "outgoing-request-headers-outlive-request" => {
            let request = OutgoingRequest::new(Fields::new());
            let headers = request.headers();
            drop(request);
            drop(headers);
        }
        "outgoing-request-headers-dropped-first" => {
            let request = OutgoingRequest::new(Fields::new());
            drop(request.headers());
            drop(request);
        }
        // The answer to an outbound request (`?url=<url>`), its headers kept past it.
        "incoming-response-headers-outlive-response" => {
            let response = fetch(&req).await?;
            let headers = response.headers();
            drop(response);
            drop(headers);
        }
        "incoming-response-headers-dropped-first" => {
            let response = fetch(&req).await?;
            drop(response.headers());
            drop(response);
        }
        // The trailers of an outbound response (`?url=<url>`) kept past their future.
        "trailers-outlive-future" => {
            let (future, trailers) = trailers(&req).await?;
            drop(future);
            drop(trailers);
        }
        "trailers-dropped-first" => {
            let (future, trailers) = trailers(&req).await?;
            drop(trailers);
            drop(future);
        }
        "body-stream-outlives-finish" => {
            let response = OutgoingResponse::new(Fields::new());
            let body = response.body().expect("the body");
            let stream = body.write().expect("the body's stream");
            let _ = stream.blocking_write_and_flush(b"x");
            let _ = OutgoingBody::finish(body, None);
            drop(stream);
        }
        "body-stream-dropped-first" => {
            let response = OutgoingResponse::new(Fields::new());
            let body = response.body().expect("the body");
            let stream = body.write().expect("the body's stream");
            let _ = stream.blocking_write_and_flush(b"x");
            drop(stream);
            let _ = OutgoingBody::finish(body, None);
        }
        "incoming-stream-outlives-body" => {
            let body = req.consume().expect("the request body");
            let stream = body.stream().expect("the body's stream");
            drop(body);
            drop(stream);
        }
        "incoming-stream-dropped-first" => {
            let body = req.consume().expect("the request body");
            let stream = body.stream().expect("the body's stream");
            drop(stream);
            drop(body);
        }
        _ => return None,
    }
    let response = OutgoingResponse::new(Fields::new());
    let _ = out.set_with_body(response, b"ok".to_vec()).await;
    Some(())
}

/// Sends a GET to the `url` of the request's query; `None` when that fails.
async fn fetch(req: &IncomingRequest) -> Option<IncomingResponse> {
    let target = req.path_with_query().unwrap_or_default();
    let url = target.split_once("?url=")?.1.to_string();
    spin_sdk::http::send::<_, IncomingResponse>(spin_sdk::http::Request::get(url).build())
        .await
        .ok()
}

/// Reads the whole body of a GET to the `url` of the request's query and gets its trailers
/// (`None` when there are none), with the `future-trailers` they came from.
async fn trailers(req: &IncomingRequest) -> Option<(FutureTrailers, Trailers)> {
    let response = fetch(req).await?;
    let body = response.consume().ok()?;
    let stream = body.stream().ok()?;
    while stream.blocking_read(4096).is_ok() {}
    drop(stream);
    let future = IncomingBody::finish(body);
    future.subscribe().block();
    let trailers = future.get()?.ok()?.ok()??;
    Some((future, trailers))
}
