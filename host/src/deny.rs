//! The `commerce-host:deny/*` imports: Spin's "deny-all" adapter, host side.
//!
//! A dependency composed without `dependencies_inherit_configuration = true` has its Spin
//! imports renamed into this namespace (see [`crate::compose`]). Every function there answers
//! the way a Spin host answers a component that was granted nothing: opening a store or a
//! database gives `access-denied`, an outbound request `HTTP-request-denied`, a variable
//! `undefined`. Functions that need a resource no one could have opened trap.

use crate::state::HostState;
use anyhow::{Result, bail};
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, Linker, ResourceType, Val};

/// The resource type behind every denied resource; never instantiated.
struct Denied;

/// Defines every `commerce-host:deny/*` import of `component` in `linker`.
pub fn add_denied_imports(
    linker: &mut Linker<HostState>,
    engine: &Engine,
    component: &Component,
) -> Result<()> {
    let ty = component.component_type();
    for (name, item) in ty.imports(engine) {
        let item = item.ty;
        if !name.starts_with("commerce-host:deny/") {
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = item else {
            bail!("{name} should be an instance import");
        };
        let mut inst = linker.instance(name)?;
        for (export, item) in instance.exports(engine) {
            match item.ty {
                ComponentItem::Resource(_) => {
                    inst.resource(export, resource_type(export), |_, _| Ok(()))?;
                }
                ComponentItem::ComponentFunc(func) => {
                    let answer = denial(&func);
                    let what = format!("{name}#{export}");
                    inst.func_new(export, move |_store, _ty, _params, results| match &answer {
                        Some(v) if results.len() == 1 => {
                            results[0] = v.clone();
                            Ok(())
                        }
                        _ => wasmtime::bail!("{what}: this dependency was not granted the parent's configuration (set dependencies_inherit_configuration = true)"),
                    })?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The host type of a resource a denied instance mentions. `wasi:http/outgoing-handler`
/// names resources of `wasi:http/types`, which stays granted: they must be the very types
/// wasmtime-wasi-http defines there, or the import would not type-check. Resources of the
/// denied Spin interfaces themselves (a key-value `store`, an SQLite `connection`) can never
/// be made, so a type of their own is right.
fn resource_type(name: &str) -> ResourceType {
    use wasmtime_wasi_http::p2::types as http;
    match name {
        "outgoing-request" => ResourceType::host::<http::HostOutgoingRequest>(),
        "request-options" => ResourceType::host::<wasmtime_wasi_http::RequestOptions>(),
        "future-incoming-response" => ResourceType::host::<http::HostFutureIncomingResponse>(),
        _ => ResourceType::host::<Denied>(),
    }
}

/// The error value a function returns when denied, if its signature has one.
fn denial(func: &ComponentFunc) -> Option<Val> {
    use wasmtime::component::Type;
    let result = func.results().next()?;
    let Type::Result(result) = result else {
        return None;
    };
    let Some(Type::Variant(variant)) = result.err() else {
        return None;
    };
    let cases: Vec<_> = variant.cases().collect();
    for wanted in ["access-denied", "HTTP-request-denied"] {
        if cases.iter().any(|c| c.name == wanted && c.ty.is_none()) {
            return Some(Val::Result(Err(Some(Box::new(Val::Variant(
                wanted.into(),
                None,
            ))))));
        }
    }
    if cases
        .iter()
        .any(|c| c.name == "undefined" && matches!(c.ty, Some(Type::String)))
    {
        let why = Val::String("the dependency does not inherit the component's variables".into());
        return Some(Val::Result(Err(Some(Box::new(Val::Variant(
            "undefined".into(),
            Some(Box::new(why)),
        ))))));
    }
    None
}
