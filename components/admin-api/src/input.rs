//! The JSON request bodies of the admin API, read strictly into the catalog's WIT records.
//!
//! Every field is named in snake_case as in the WIT records (and in the responses), so the
//! catalog's own field errors (`/variants/0/prices/1/currency`) point into the same body. An
//! unknown field, a missing required field, a value of the wrong type or a price that is
//! not a whole number of minor units from 0 to 10^15 is reported here, all at once, before
//! the catalog is called; the catalog then checks what needs its data (ISO 4217 codes,
//! slugs and SKUs, option combinations, uniqueness).

use api_kit::{At, JsonChecker};

use crate::bindings::commerce::catalog::catalog::{Attribute, Image, OptionValue, ProductStatus};
use crate::bindings::commerce::catalog::catalog_admin::{
    NewCategory, NewCollection, NewProduct, NewVariant, ProductPatch,
};
use commerce_types::types::Money;

/// The largest price accepted: 10^15 minor units (the catalog's own bound).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// The fields of a product body (`POST /admin/products`, one import line).
pub const PRODUCT_FIELDS: &[&str] = &[
    "slug",
    "title",
    "description",
    "status",
    "images",
    "attributes",
    "options",
    "variants",
    "category_ids",
    "category_paths",
];

const VARIANT_FIELDS: &[&str] = &[
    "sku",
    "title",
    "options",
    "prices",
    "compare_at_prices",
    "weight_grams",
    "barcode",
];

const STATUSES: &[&str] = &["draft", "published", "archived"];

/// A product to create, with the categories it names by path (`"clothing/shirts"`),
/// which the caller resolves to ids.
pub struct ProductInput {
    pub product: NewProduct,
    pub category_paths: Vec<String>,
}

/// A product body. `slug`, `title` and `variants` are required; `status` defaults to
/// `draft`, lists to empty, `description` to "".
pub fn product(c: &mut JsonChecker, at: &At) -> ProductInput {
    let o = c.object(at, PRODUCT_FIELDS);
    let status = if o.has("status") {
        status(c, &o.field("status"))
    } else {
        ProductStatus::Draft
    };
    let product = NewProduct {
        slug: c.string(&o.field("slug")),
        title: c.string(&o.field("title")),
        description: c.opt_string(&o.field("description")).unwrap_or_default(),
        status,
        images: images(c, &o.field("images")),
        attributes: attributes(c, &o.field("attributes")),
        options: strings(c, &o.field("options")),
        variants: c
            .array(&o.field("variants"))
            .iter()
            .map(|v| variant(c, v))
            .collect(),
        category_ids: strings(c, &o.field("category_ids")),
    };
    ProductInput {
        product,
        category_paths: strings(c, &o.field("category_paths")),
    }
}

/// A variant body. `sku` and `title` are required.
pub fn variant(c: &mut JsonChecker, at: &At) -> NewVariant {
    let o = c.object(at, VARIANT_FIELDS);
    NewVariant {
        sku: c.string(&o.field("sku")),
        title: c.string(&o.field("title")),
        options: c
            .opt_array(&o.field("options"))
            .iter()
            .map(|item| {
                let ov = c.object(item, &["option", "value"]);
                OptionValue {
                    option: c.string(&ov.field("option")),
                    value: c.string(&ov.field("value")),
                }
            })
            .collect(),
        prices: money_list(c, &o.field("prices")),
        compare_at_prices: money_list(c, &o.field("compare_at_prices")),
        weight_grams: c.opt_u32(&o.field("weight_grams")),
        barcode: c.opt_string(&o.field("barcode")),
    }
}

/// `PATCH /admin/products/{id}`: only the fields given change.
pub fn patch(c: &mut JsonChecker, at: &At) -> ProductPatch {
    let o = c.object(
        at,
        &[
            "slug",
            "title",
            "description",
            "images",
            "attributes",
            "category_ids",
        ],
    );
    let has = |name: &str| o.has(name);
    ProductPatch {
        slug: c.opt_string(&o.field("slug")),
        title: c.opt_string(&o.field("title")),
        description: c.opt_string(&o.field("description")),
        images: has("images").then(|| images(c, &o.field("images"))),
        attributes: has("attributes").then(|| attributes(c, &o.field("attributes"))),
        category_ids: has("category_ids").then(|| strings(c, &o.field("category_ids"))),
    }
}

/// A product status by name.
pub fn status(c: &mut JsonChecker, at: &At) -> ProductStatus {
    match c.one_of(at, STATUSES).as_str() {
        "published" => ProductStatus::Published,
        "archived" => ProductStatus::Archived,
        _ => ProductStatus::Draft,
    }
}

/// The name of a product status.
pub fn status_name(status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Draft => "draft",
        ProductStatus::Published => "published",
        ProductStatus::Archived => "archived",
    }
}

/// A status from a query parameter value.
pub fn parse_status(value: &str) -> Option<ProductStatus> {
    match value {
        "draft" => Some(ProductStatus::Draft),
        "published" => Some(ProductStatus::Published),
        "archived" => Some(ProductStatus::Archived),
        _ => None,
    }
}

/// `{"status": "published"}` (`PUT /admin/products/{id}/status`).
pub fn status_body(c: &mut JsonChecker, at: &At) -> ProductStatus {
    let o = c.object(at, &["status"]);
    status(c, &o.field("status"))
}

/// A category body: `slug` and `name` required; `parent` (an id) null or absent for a
/// root; `position` defaults to 0.
pub fn category(c: &mut JsonChecker, at: &At) -> NewCategory {
    let o = c.object(at, &["slug", "name", "parent", "position"]);
    NewCategory {
        slug: c.string(&o.field("slug")),
        name: c.string(&o.field("name")),
        parent: c.opt_string(&o.field("parent")),
        position: c.opt_u32(&o.field("position")).unwrap_or(0),
    }
}

/// A collection body: `slug` and `title` required.
pub fn collection(c: &mut JsonChecker, at: &At) -> NewCollection {
    let o = c.object(at, &["slug", "title", "description", "product_ids"]);
    NewCollection {
        slug: c.string(&o.field("slug")),
        title: c.string(&o.field("title")),
        description: c.opt_string(&o.field("description")).unwrap_or_default(),
        product_ids: strings(c, &o.field("product_ids")),
    }
}

/// An optional list of strings (empty when absent).
fn strings(c: &mut JsonChecker, at: &At) -> Vec<String> {
    c.opt_array(at).iter().map(|item| c.string(item)).collect()
}

fn images(c: &mut JsonChecker, at: &At) -> Vec<Image> {
    c.opt_array(at)
        .iter()
        .map(|item| {
            let o = c.object(item, &["url", "alt"]);
            Image {
                url: c.string(&o.field("url")),
                alt: c.string(&o.field("alt")),
            }
        })
        .collect()
}

fn attributes(c: &mut JsonChecker, at: &At) -> Vec<Attribute> {
    c.opt_array(at)
        .iter()
        .map(|item| {
            let o = c.object(item, &["name", "value"]);
            Attribute {
                name: c.string(&o.field("name")),
                value: c.string(&o.field("value")),
            }
        })
        .collect()
}

fn money_list(c: &mut JsonChecker, at: &At) -> Vec<Money> {
    c.opt_array(at)
        .iter()
        .map(|item| {
            let o = c.object(item, &["amount", "currency"]);
            let amount_at = o.field("amount");
            let amount = c.integer(&amount_at, 0, MAX_AMOUNT);
            Money {
                amount,
                currency: c.string(&o.field("currency")),
            }
        })
        .collect()
}
