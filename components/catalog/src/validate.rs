//! The catalog's input rules. Each returns every broken rule as (path, message), the path
//! a JSON pointer into the input using the snake_case JSON names of its fields, e.g.
//! `/variants/2/prices/0/currency`.

use std::collections::{HashMap, HashSet};

use capability_kit::validate::FieldErrors;

use crate::exports::commerce::catalog::catalog::{Attribute, Image, ProductStatus};
use crate::exports::commerce::catalog::catalog_admin::{
    NewCategory, NewCollection, NewProduct, NewVariant, ProductPatch,
};

const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 20_000;
const MAX_NAME: usize = 100;
const MAX_OPTION_VALUE: usize = 100;
const MAX_ATTRIBUTE_VALUE: usize = 500;
const MAX_URL: usize = 2048;
const MAX_ALT: usize = 300;
const MAX_SKU: usize = 64;
const MAX_BARCODE: usize = 64;
const MAX_IMAGES: usize = 50;
const MAX_OPTIONS: usize = 10;
pub const MAX_VARIANTS: usize = 250;
const MAX_CATEGORIES: usize = 50;
const MAX_COLLECTION_PRODUCTS: usize = 1000;
/// The largest price: 10^11 minor units (a billion euros or dollars), far above any real
/// price; more is a typo or an attack, and sums of many stay far from overflow.
pub const MAX_AMOUNT: i64 = 100_000_000_000;

/// The rules of `create-product`.
pub fn new_product(p: &NewProduct) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.slug("/slug", &p.slug);
    e.required_text("/title", &p.title, MAX_TITLE);
    e.max_chars("/description", &p.description, MAX_DESCRIPTION);

    images(&mut e, &p.images);
    attributes(&mut e, &p.attributes);

    if p.options.len() > MAX_OPTIONS {
        e.push(
            "/options",
            format!("must have at most {MAX_OPTIONS} options"),
        );
    }
    let mut option_names = HashSet::new();
    let mut lower_names = HashSet::new();
    for (i, option) in p.options.iter().enumerate() {
        e.required_text(&format!("/options/{i}"), option, MAX_NAME);
        // Names compare case-insensitively, as filters do.
        if !lower_names.insert(option.to_lowercase()) || !option_names.insert(option.as_str()) {
            e.push(format!("/options/{i}"), "is given twice");
        }
    }

    if p.variants.is_empty() {
        e.push("/variants", "must have at least one variant");
    } else if p.variants.len() > MAX_VARIANTS {
        e.push(
            "/variants",
            format!("must have at most {MAX_VARIANTS} variants"),
        );
    }
    let mut skus = HashMap::new();
    let mut combinations: HashMap<Vec<(&str, &str)>, usize> = HashMap::new();
    for (i, v) in p.variants.iter().enumerate() {
        let base = format!("/variants/{i}");
        variant(
            &mut e,
            &base,
            v,
            &p.options,
            p.status == ProductStatus::Published,
        );
        if let Some(first) = skus.insert(v.sku.as_str(), i) {
            e.push(
                format!("{base}/sku"),
                format!("is the SKU of variant {first} too"),
            );
        }
        // Only a variant with a value for every option has a combination to compare.
        let mut combination: Vec<(&str, &str)> = v
            .options
            .iter()
            .map(|o| (o.option.as_str(), o.value.as_str()))
            .collect();
        combination.sort_unstable();
        combination.dedup_by_key(|(option, _)| *option);
        let complete = combination.len() == p.options.len()
            && combination
                .iter()
                .all(|(option, _)| option_names.contains(option));
        if complete && let Some(first) = combinations.insert(combination, i) {
            e.push(
                format!("{base}/options"),
                format!("repeats the option values of variant {first}"),
            );
        }
    }

    category_ids(&mut e, &p.category_ids);
    e.into_vec()
}

fn images(e: &mut FieldErrors, images: &[Image]) {
    if images.len() > MAX_IMAGES {
        e.push("/images", format!("must have at most {MAX_IMAGES} images"));
    }
    for (i, image) in images.iter().enumerate() {
        let url = image.url.as_str();
        if url.trim().is_empty() {
            e.push(format!("/images/{i}/url"), "must not be empty");
        } else if url.len() > MAX_URL
            || !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            e.push(
                format!("/images/{i}/url"),
                format!(
                    "must be an http(s) URL or an absolute path, without spaces, at most {MAX_URL} characters"
                ),
            );
        }
        e.required_text(&format!("/images/{i}/alt"), &image.alt, MAX_ALT);
    }
}

fn attributes(e: &mut FieldErrors, attributes: &[Attribute]) {
    let mut names = HashSet::new();
    for (i, attribute) in attributes.iter().enumerate() {
        e.required_text(&format!("/attributes/{i}/name"), &attribute.name, MAX_NAME);
        e.required_text(
            &format!("/attributes/{i}/value"),
            &attribute.value,
            MAX_ATTRIBUTE_VALUE,
        );
        // Names compare case-insensitively, as filters do.
        if !names.insert(attribute.name.to_lowercase()) {
            e.push(format!("/attributes/{i}/name"), "is given twice");
        }
    }
}

fn category_ids(e: &mut FieldErrors, ids: &[String]) {
    if ids.len() > MAX_CATEGORIES {
        e.push(
            "/category_ids",
            format!("must have at most {MAX_CATEGORIES} categories"),
        );
    }
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            e.push(format!("/category_ids/{i}"), "is given twice");
        }
    }
}

/// The rules of `update-product`: those of `create-product` for each field given.
pub fn product_patch(p: &ProductPatch) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    if let Some(slug) = &p.slug {
        e.slug("/slug", slug);
    }
    if let Some(title) = &p.title {
        e.required_text("/title", title, MAX_TITLE);
    }
    if let Some(description) = &p.description {
        e.max_chars("/description", description, MAX_DESCRIPTION);
    }
    if let Some(list) = &p.images {
        images(&mut e, list);
    }
    if let Some(list) = &p.attributes {
        attributes(&mut e, list);
    }
    if let Some(list) = &p.category_ids {
        category_ids(&mut e, list);
    }
    e.into_vec()
}

/// The rules of `add-variant` and `update-variant` for a variant of a product with
/// `options`, published or not; paths are relative to the variant (`/sku`).
pub fn standalone_variant(
    v: &NewVariant,
    options: &[String],
    published: bool,
) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    variant(&mut e, "", v, options, published);
    e.into_vec()
}

/// The rules of `create-collection` and `update-collection`.
pub fn new_collection(c: &NewCollection) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.slug("/slug", &c.slug);
    e.required_text("/title", &c.title, MAX_TITLE);
    e.max_chars("/description", &c.description, MAX_DESCRIPTION);
    if c.product_ids.len() > MAX_COLLECTION_PRODUCTS {
        e.push(
            "/product_ids",
            format!("must have at most {MAX_COLLECTION_PRODUCTS} products"),
        );
    }
    let mut seen = HashSet::new();
    for (i, id) in c.product_ids.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            e.push(format!("/product_ids/{i}"), "is given twice");
        }
    }
    e.into_vec()
}

fn variant(e: &mut FieldErrors, base: &str, v: &NewVariant, options: &[String], published: bool) {
    let sku_ok = !v.sku.is_empty()
        && v.sku.len() <= MAX_SKU
        && v.sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !sku_ok {
        e.push(
            format!("{base}/sku"),
            format!("must be 1 to {MAX_SKU} ASCII letters, digits, '-', '_' or '.'"),
        );
    }
    e.required_text(&format!("{base}/title"), &v.title, MAX_TITLE);

    let mut given = HashSet::new();
    for (k, ov) in v.options.iter().enumerate() {
        if !options.contains(&ov.option) {
            e.push(
                format!("{base}/options/{k}/option"),
                "is not one of the product's options",
            );
        } else if !given.insert(ov.option.as_str()) {
            e.push(format!("{base}/options/{k}/option"), "is given twice");
        }
        e.required_text(
            &format!("{base}/options/{k}/value"),
            &ov.value,
            MAX_OPTION_VALUE,
        );
    }
    let mut reported = HashSet::new();
    for option in options.iter().filter(|o| !given.contains(o.as_str())) {
        // Unknown or repeated entries were reported above; a missing one is reported here,
        // once even if the product lists it twice.
        if !option.trim().is_empty() && reported.insert(option.as_str()) {
            e.push(
                format!("{base}/options"),
                format!("has no value for the option \"{option}\""),
            );
        }
    }

    let mut prices: HashMap<&str, i64> = HashMap::new();
    for (k, m) in v.prices.iter().enumerate() {
        let path = format!("{base}/prices/{k}");
        let currency_ok = e.currency(&format!("{path}/currency"), &m.currency);
        if m.amount < 0 {
            e.push(format!("{path}/amount"), "must not be negative");
        } else if m.amount > MAX_AMOUNT {
            e.push(
                format!("{path}/amount"),
                format!("must be at most {MAX_AMOUNT}"),
            );
        }
        if currency_ok && prices.contains_key(m.currency.as_str()) {
            e.push(
                format!("{path}/currency"),
                "repeats a currency: at most one price per currency",
            );
        } else if currency_ok {
            prices.insert(m.currency.as_str(), m.amount);
        }
    }
    if v.prices.is_empty() && published {
        e.push(
            format!("{base}/prices"),
            "must have at least one price when the product is published",
        );
    }

    let mut compared = HashSet::new();
    for (k, m) in v.compare_at_prices.iter().enumerate() {
        let path = format!("{base}/compare_at_prices/{k}");
        if !e.currency(&format!("{path}/currency"), &m.currency) {
            continue;
        }
        if !compared.insert(m.currency.as_str()) {
            e.push(
                format!("{path}/currency"),
                "repeats a currency: at most one compare-at price per currency",
            );
        } else if let Some(&price) = prices.get(m.currency.as_str()) {
            if m.amount <= price {
                e.push(
                    format!("{path}/amount"),
                    format!("must be above the price in {}", m.currency),
                );
            } else if m.amount > MAX_AMOUNT {
                e.push(
                    format!("{path}/amount"),
                    format!("must be at most {MAX_AMOUNT}"),
                );
            }
        } else {
            e.push(format!("{path}/currency"), "has no price in this currency");
        }
    }

    if let Some(barcode) = &v.barcode {
        let ok = !barcode.is_empty()
            && barcode.len() <= MAX_BARCODE
            && barcode.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            e.push(
                format!("{base}/barcode"),
                format!("must be 1 to {MAX_BARCODE} printable ASCII characters without spaces"),
            );
        }
    }
}

/// The rules of `create-category`.
pub fn new_category(c: &NewCategory) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.slug("/slug", &c.slug);
    e.required_text("/name", &c.name, MAX_NAME);
    e.into_vec()
}
