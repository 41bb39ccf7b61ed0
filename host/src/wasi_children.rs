//! WASI 0.2's parent/child resource rule for `wasi:http/types`, enforced by this host even
//! though its wasmtime-wasi-http no longer enforces all of it.
//!
//! The WIT of `wasi:http/types` (0.2.0 to today's 0.2.x) says that some resources a method
//! returns are *children* of the resource it was called on: the child must be dropped before
//! its parent is dropped or consumed, or the host traps. wasmtime records a child in its
//! `ResourceTable` with the parent's index, and deleting an entry that still has children
//! fails with `resource has children`: the trap a guest sees.
//!
//! | method (child returned) | parent | wasmtime 42 (Spin 3.6) | wasmtime 44+ (Spin 4), 48 |
//! |---|---|---|---|
//! | `incoming-request.headers` | `incoming-request` | child | copy |
//! | `incoming-response.headers` | `incoming-response` | child | copy |
//! | `outgoing-request.headers` | `outgoing-request` | child | copy |
//! | `outgoing-response.headers` | `outgoing-response` | child | copy |
//! | `future-trailers.get` (the `trailers`) | `future-trailers` | copy | copy |
//! | `incoming-body.stream` | `incoming-body` | child | child |
//! | `outgoing-body.write` | `outgoing-body` | child | child |
//!
//! "Copy" is lenient: the guest may drop the request, or hand the response to
//! `response-outparam.set`, while it still holds the headers, and nothing happens. On
//! Spin 3.6 (the Spin inside the SpinKube shim) the same guest traps. So that tests see what
//! the strictest Spin does, this module shadows the five methods of the first five rows: each
//! calls wasmtime-wasi-http's own implementation and then records the resource it returned as
//! a child of its parent, as wasmtime 42 did. The trailers row goes beyond wasmtime 42: the
//! WIT documents that child too, so a host may enforce it. The last two rows wasmtime 48
//! enforces itself.
//!
//! The linker registers `wasi:http/types` under one version ([`HTTP_TYPES`]); a component
//! importing any `wasi:http/types@0.2.x` is served by it (wasmtime's semver-compatible
//! lookup), so the shadowing covers every 0.2 version a guest may import.

use crate::state::HostState;
use anyhow::Result;
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, LinkerInstance, Resource};
use wasmtime_wasi_http::p2::bindings::http::types as wit;
use wasmtime_wasi_http::p2::body::HostFutureTrailers;
use wasmtime_wasi_http::p2::types::{
    HostIncomingRequest, HostIncomingResponse, HostOutgoingRequest, HostOutgoingResponse,
};
use wasmtime_wasi_http::{FieldMap, WasiHttpCtxView, WasiHttpView};

/// The instance name under which wasmtime-wasi-http's bindings define `wasi:http/types`
/// (the version of the WIT it ships). A test checks it is the very instance they define.
pub(crate) const HTTP_TYPES: &str = "wasi:http/types@0.2.12";

/// Shadows, in `linker` (which already holds wasmtime-wasi-http), the methods whose result
/// the WIT makes a child of their receiver, so that the child is recorded as such.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> Result<()> {
    linker.allow_shadowing(true);
    let result = shadow(&mut linker.instance(HTTP_TYPES)?);
    linker.allow_shadowing(false);
    result
}

fn shadow(types: &mut LinkerInstance<'_, HostState>) -> Result<()> {
    headers_child::<HostIncomingRequest>(
        types,
        "[method]incoming-request.headers",
        |http, parent| wit::HostIncomingRequest::headers(http, parent),
    )?;
    headers_child::<HostIncomingResponse>(
        types,
        "[method]incoming-response.headers",
        |http, parent| wit::HostIncomingResponse::headers(http, parent),
    )?;
    headers_child::<HostOutgoingRequest>(
        types,
        "[method]outgoing-request.headers",
        |http, parent| wit::HostOutgoingRequest::headers(http, parent),
    )?;
    headers_child::<HostOutgoingResponse>(
        types,
        "[method]outgoing-response.headers",
        |http, parent| wit::HostOutgoingResponse::headers(http, parent),
    )?;
    types.func_wrap(
        "[method]future-trailers.get",
        |mut store: StoreContextMut<'_, HostState>, (parent,): (Resource<HostFutureTrailers>,)| {
            let mut http = store.data_mut().http();
            let got = wit::HostFutureTrailers::get(&mut http, borrow(&parent))?;
            if let Some(Ok(Ok(Some(trailers)))) = &got {
                adopt(&mut http, trailers, parent)?;
            }
            Ok((got,))
        },
    )?;
    Ok(())
}

/// Defines method `name`, which returns the headers of its receiver `P`, as `original`
/// followed by recording the headers as a child of the receiver.
fn headers_child<P: Send + 'static>(
    types: &mut LinkerInstance<'_, HostState>,
    name: &str,
    original: impl Fn(&mut WasiHttpCtxView<'_>, Resource<P>) -> wasmtime::Result<Resource<FieldMap>>
    + Send
    + Sync
    + 'static,
) -> Result<()> {
    types.func_wrap(
        name,
        move |mut store: StoreContextMut<'_, HostState>, (parent,): (Resource<P>,)| {
            let mut http = store.data_mut().http();
            let headers = original(&mut http, borrow(&parent))?;
            adopt(&mut http, &headers, parent)?;
            Ok((headers,))
        },
    )?;
    Ok(())
}

/// A borrow of the same table entry, for passing on to the original implementation.
fn borrow<T: 'static>(r: &Resource<T>) -> Resource<T> {
    Resource::new_borrow(r.rep())
}

/// Records `child`, just pushed without a parent, as a child of `parent`.
fn adopt<P: 'static>(
    http: &mut WasiHttpCtxView<'_>,
    child: &Resource<FieldMap>,
    parent: Resource<P>,
) -> wasmtime::Result<()> {
    http.table
        .add_child(Resource::<FieldMap>::new_own(child.rep()), parent)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`HTTP_TYPES`] names the instance wasmtime-wasi-http defines: defining one of its
    /// functions again without shadowing fails. With another version the shadows would go
    /// into an instance of their own, and either never be used or hide the real one.
    #[test]
    fn the_shadowed_instance_is_the_one_wasmtime_wasi_http_defines() {
        let engine = wasmtime::Engine::default();
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
        let err = shadow(&mut linker.instance(HTTP_TYPES).unwrap())
            .expect_err("the functions are already defined in this instance");
        assert!(format!("{err:#}").contains("defined twice"), "{err:#}");
        add_to_linker(&mut linker).unwrap();
    }
}
