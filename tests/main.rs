//! spin-commerce's tests, one binary with a module per subject (see the package's
//! Cargo.toml for why one). Run one subject with its module path as the filter, e.g.
//! `cargo test -p commerce-tests --test commerce checkout_api::`.
//!
//! Component tests (`*_component`) call one capability's WIT exports; the others talk HTTP
//! to the app composed from spin.toml. Each test gets its own state directory, so they run
//! side by side.

mod accounts_api;
mod admin_api;
mod browser;
mod cart_api;
mod cart_component;
mod catalog_component;
mod checkout_api;
mod composition;
mod customer_cart;
mod demo_shop;
mod file_server;
mod identity_admin_api;
mod inventory_component;
mod once;
mod openapi;
mod orders_component;
mod orders_upgrade;
mod payments_component;
mod pricing_component;
mod product_availability;
mod products_api;
mod rate_limits;
mod sales_admin_api;
mod search;
mod staff_members;
mod staff_roles;
mod storefront;
mod system_api;
