//! The JSON the admin API answers with. Products, categories and collections have the same
//! shape as on the shopper API (snake_case, money as `{"amount", "currency"}` in minor
//! units, timestamps in ms since the Unix epoch); see openapi.json.

use serde_json::{Value, json};

use crate::bindings::commerce::catalog::catalog::{
    Attribute, Category, Collection, Image, OptionValue, Product, Variant,
};
use crate::input::status_name;
use commerce_types::types::Money;

pub fn money(list: &[Money]) -> Value {
    serde_json::to_value(list).expect("money serialises")
}

pub fn images(list: &[Image]) -> Value {
    list.iter()
        .map(|i| json!({"url": i.url, "alt": i.alt}))
        .collect()
}

pub fn attributes(list: &[Attribute]) -> Value {
    list.iter()
        .map(|a| json!({"name": a.name, "value": a.value}))
        .collect()
}

pub fn option_values(list: &[OptionValue]) -> Value {
    list.iter()
        .map(|o| json!({"option": o.option, "value": o.value}))
        .collect()
}

pub fn variant(v: &Variant) -> Value {
    json!({
        "id": v.id,
        "sku": v.sku,
        "title": v.title,
        "options": option_values(&v.options),
        "prices": money(&v.prices),
        "compare_at_prices": money(&v.compare_at_prices),
        "weight_grams": v.weight_grams,
        "barcode": v.barcode,
    })
}

pub fn product(p: &Product) -> Value {
    json!({
        "id": p.id,
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "status": status_name(p.status),
        "images": images(&p.images),
        "attributes": attributes(&p.attributes),
        "options": p.options,
        "variants": p.variants.iter().map(variant).collect::<Vec<_>>(),
        "category_ids": p.category_ids,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    })
}

pub fn category(c: &Category) -> Value {
    json!({
        "id": c.id,
        "slug": c.slug,
        "name": c.name,
        "parent": c.parent,
        "path": c.path,
        "position": c.position,
    })
}

pub fn collection(c: &Collection) -> Value {
    json!({
        "id": c.id,
        "slug": c.slug,
        "title": c.title,
        "description": c.description,
        "product_ids": c.product_ids,
    })
}

/// A product as one line of an export: the import format (no ids or timestamps;
/// categories by path), so an export imports as it is into another store.
pub fn export_line(p: &Product, category_path: impl Fn(&str) -> Option<String>) -> Value {
    json!({
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "status": status_name(p.status),
        "images": images(&p.images),
        "attributes": attributes(&p.attributes),
        "options": p.options,
        "variants": p.variants.iter().map(|v| json!({
            "sku": v.sku,
            "title": v.title,
            "options": option_values(&v.options),
            "prices": money(&v.prices),
            "compare_at_prices": money(&v.compare_at_prices),
            "weight_grams": v.weight_grams,
            "barcode": v.barcode,
        })).collect::<Vec<_>>(),
        "category_paths": p.category_ids.iter().filter_map(|id| category_path(id)).collect::<Vec<_>>(),
    })
}

/// A category as one line of an export or import.
pub fn category_line(c: &Category) -> Value {
    json!({"category": {"path": c.path, "name": c.name, "position": c.position}})
}
