//! The HTTP server of the local runner: hyper on tokio, one task per connection.

use crate::app::App;
use crate::manifest::Manifest;
use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish (for up to ten seconds).
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let service = service_fn(move |req| {
                    let app = app.clone();
                    async move { Ok::<_, std::convert::Infallible>(app.handle(req, peer).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!("connection from {peer}: {e}");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("in-flight requests did not finish within 10 s");
        }
    }
    Ok(())
}

/// What Spin answers itself, before any route, for a path under `/.well-known/spin/`:
/// `health` is a 200 `OK` (no content type), `info` the application's name and version
/// (`version` left out when the manifest has none) as pretty-printed JSON, anything else a
/// 404 with an empty body. Any method. `None` for every other path.
pub fn well_known(path: &str, manifest: &Manifest) -> Option<hyper::Response<HyperOutgoingBody>> {
    let rest = path.strip_prefix(crate::routes::WELL_KNOWN_PREFIX)?;
    let response = hyper::Response::builder();
    let response = match rest {
        "health" => response.body(full(Bytes::from_static(b"OK"))),
        "info" => {
            let mut info = serde_json::Map::new();
            info.insert("name".into(), manifest.application.name.clone().into());
            if !manifest.application.version.is_empty() {
                info.insert(
                    "version".into(),
                    manifest.application.version.clone().into(),
                );
            }
            let body = serde_json::to_vec_pretty(&info).expect("a JSON object");
            response
                .header("content-type", "application/json")
                .body(full(body.into()))
        }
        _ => response.status(404).body(full(Bytes::new())),
    };
    Some(response.expect("a valid response"))
}

fn full(bytes: Bytes) -> HyperOutgoingBody {
    Full::new(bytes).map_err(|e| match e {}).boxed_unsync()
}

/// Binds `addr`, saying clearly when the port is taken.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another server using it? pass --listen)")
    })
}
