//! The capability interfaces an HTTP component imports (world `capability-imports` in
//! `wit/worlds.wit`), generated once, as [`commerce_types`] generates `commerce:types` once.
//!
//! An HTTP component remaps each capability interface of its world here instead of
//! generating its own copy:
//!
//! ```ignore
//! wit_bindgen::generate!({
//!     path: "../../wit",
//!     world: "sales-admin-api",
//!     with: {
//!         "commerce:types/types@0.1.0": commerce_types::types,
//!         "commerce:orders/orders@0.1.0": commerce_bindings::orders::orders,
//!         "commerce:orders/orders-admin@0.1.0": commerce_bindings::orders::orders_admin,
//!         // … every other interface of the world
//!     },
//! });
//! ```
//!
//! so an `orders::Order` is the same Rust type in every component, and a crate shared by
//! two components (`sales-kit`'s saga steps) can take and return it.
//!
//! What a component imports does not change: its own world still lists its imports, and
//! the glue here (`#[link(wasm_import_module = "commerce:orders/orders@0.1.0")]` functions)
//! becomes an import of the component's `.wasm` only where the component (or a crate it
//! uses) calls it; wit-component leaves every interface of this world that no code calls
//! out of the component, so a component never imports more than it uses.

/// The generated glue. Its ABI code is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "capability-imports",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
        // Every capability package the world imports is generated here.
        generate_all,
    });
}

pub use bindings::commerce::{cart, catalog, identity, inventory, orders, payments, pricing};

pub mod identity_json;
pub mod orders_json;
