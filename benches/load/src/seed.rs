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
use bindings::exports::commerce::shop::catalog::{OptionValue, ProductStatus};
use bindings::exports::commerce::shop::catalog_admin::{NewProduct, NewVariant};

/// The slug of the `i`-th seeded product.
pub fn slug(i: usize) -> String {
    format!("bench-product-{i:05}")
}

/// Creates `count` published products (two variants each, priced in EUR and USD).
pub async fn seed_products(app: &App, catalog_wasm: &Path, count: usize) -> Result<()> {
    let mut lib = app
        .instantiate_library(catalog_wasm, "products-api")
        .await
        .context("instantiating the catalog component")?;
    let catalog = bindings::CatalogComponent::new(&mut lib.store, &lib.instance)
        .map_err(anyhow::Error::from)
        .context("the catalog component exports its world")?;
    for i in 0..count {
        let slug = slug(i);
        let price = 1000 + (i as i64 % 90) * 100;
        let input = NewProduct {
            slug: slug.clone(),
            title: format!("Bench product {i}"),
            description: format!("Product number {i}, seeded by commerce-bench."),
            status: ProductStatus::Published,
            images: vec![],
            attributes: vec![],
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
