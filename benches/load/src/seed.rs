//! Seeding the catalog through its WIT exports (`catalog-admin`), as the component tests do:
//! the catalog component instantiated on its own over the app's state, with the grants of
//! the component it is a dependency of.

use anyhow::{Context, Result};
use commerce_host::App;
use std::path::Path;

mod bindings {
    commerce_host::wasmtime::component::bindgen!({
        path: "../../wit",
        world: "catalog-component",
        exports: { default: async },
        wasmtime_crate: commerce_host::wasmtime,
    });
}

use bindings::commerce::shop::types::Money;
use bindings::exports::commerce::shop::catalog::{Attribute, OptionValue, ProductStatus};
use bindings::exports::commerce::shop::catalog_admin::{NewProduct, NewVariant};

/// The slug of the `i`-th seeded product.
pub fn slug(i: usize) -> String {
    format!("bench-product-{i:05}")
}

/// Words the seeded titles are made of: product `i` is "{ADJECTIVES[i % 12]} {NOUNS[i % 10]}
/// {i}", so a one-word search for an adjective matches one product in twelve.
pub const ADJECTIVES: [&str; 12] = [
    "linen", "woollen", "leather", "cotton", "canvas", "silk", "denim", "velvet", "suede",
    "cashmere", "bamboo", "hemp",
];
const NOUNS: [&str; 10] = [
    "shirt", "scarf", "jacket", "bag", "cap", "sweater", "belt", "apron", "tote", "glove",
];
const BRANDS: [&str; 8] = [
    "Northwind",
    "Harbour",
    "Fjell",
    "Oakridge",
    "Lumen",
    "Kestrel",
    "Marlow",
    "Tidewater",
];

/// Creates `count` published products (a brand attribute; two variants, S and M, each priced
/// in EUR and USD).
pub async fn seed_products(app: &App, catalog_wasm: &Path, count: usize) -> Result<()> {
    let mut lib = app
        .instantiate_library(catalog_wasm, "products-api")
        .await
        .context("instantiating the catalog component")?;
    let catalog = bindings::CatalogComponent::new(&mut lib.store, &lib.instance)
        .map_err(anyhow::Error::from)
        .context("the catalog component exports its world")?;
    for i in 0..count {
        if i > 0 && i % 5000 == 0 {
            eprintln!("  seeded {i} products");
        }
        let slug = slug(i);
        let price = 1000 + (i as i64 % 90) * 100;
        let input = NewProduct {
            slug: slug.clone(),
            title: format!(
                "{} {} {i}",
                ADJECTIVES[i % ADJECTIVES.len()],
                NOUNS[i % NOUNS.len()]
            ),
            description: format!("Product number {i}, seeded by commerce-bench."),
            status: ProductStatus::Published,
            images: vec![],
            attributes: vec![Attribute {
                name: "brand".into(),
                value: BRANDS[i % BRANDS.len()].into(),
            }],
            options: vec!["size".into()],
            variants: ["S", "M"]
                .iter()
                .enumerate()
                .map(|(v, size)| NewVariant {
                    sku: format!("{slug}-{size}").to_uppercase(),
                    title: size.to_string(),
                    options: vec![OptionValue {
                        option: "size".into(),
                        value: size.to_string(),
                    }],
                    prices: vec![
                        Money {
                            amount: price + v as i64 * 100,
                            currency: "EUR".into(),
                        },
                        Money {
                            amount: price + 50,
                            currency: "USD".into(),
                        },
                    ],
                    compare_at_prices: vec![],
                    weight_grams: Some(250),
                    barcode: None,
                })
                .collect(),
            category_ids: vec![],
        };
        catalog
            .commerce_shop_catalog_admin()
            .call_create_product(&mut lib.store, &input)
            .await
            .map_err(anyhow::Error::from)
            .context("create-product trapped")?
            .map_err(|e| anyhow::anyhow!("create-product {slug} refused: {e:?}"))?;
    }
    Ok(())
}
