//! Seeding the shop through the capabilities' WIT exports, as the component tests do: the
//! catalog (`catalog-admin`), stock (`inventory-admin`) and a shipping method and tax rate
//! (`pricing-admin`), each component instantiated on its own over the app's state with the
//! grants of a component it is a dependency of.

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

mod inventory {
    commerce_host::wasmtime::component::bindgen!({
        path: "../../wit",
        world: "inventory-component",
        exports: { default: async },
        wasmtime_crate: commerce_host::wasmtime,
    });
}

mod pricing {
    commerce_host::wasmtime::component::bindgen!({
        path: "../../wit",
        world: "pricing-component",
        exports: { default: async },
        wasmtime_crate: commerce_host::wasmtime,
    });
}

use bindings::commerce::types::types::Money;
use bindings::exports::commerce::catalog::catalog::{Attribute, OptionValue, ProductStatus};
use bindings::exports::commerce::catalog::catalog_admin::{NewProduct, NewVariant};

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
            .commerce_catalog_catalog_admin()
            .call_create_product(&mut lib.store, &input)
            .await
            .map_err(anyhow::Error::from)
            .context("create-product trapped")?
            .map_err(|e| anyhow::anyhow!("create-product {slug} refused: {e:?}"))?;
    }
    Ok(())
}

/// Sets the on-hand count of each variant to `on_hand`, through `inventory-admin.set-on-hand`.
pub async fn seed_stock(
    app: &App,
    inventory_wasm: &Path,
    variant_ids: &[String],
    on_hand: u32,
) -> Result<()> {
    let mut lib = app
        .instantiate_library(inventory_wasm, "checkout-api")
        .await
        .context("instantiating the inventory component")?;
    let inventory = inventory::InventoryComponent::new(&mut lib.store, &lib.instance)
        .map_err(anyhow::Error::from)
        .context("the inventory component exports its world")?;
    for id in variant_ids {
        let count = inventory::exports::commerce::inventory::inventory_admin::NewCount {
            variant_id: id.clone(),
            on_hand,
            note: Some("commerce-bench: enough for every checkout of the run".into()),
            actor: "commerce-bench".into(),
            idempotency_key: None,
        };
        inventory
            .commerce_inventory_inventory_admin()
            .call_set_on_hand(&mut lib.store, &count)
            .await
            .map_err(anyhow::Error::from)
            .context("set-on-hand trapped")?
            .map_err(|e| anyhow::anyhow!("set-on-hand {id} refused: {e:?}"))?;
    }
    Ok(())
}

/// What a checkout to Germany needs from pricing: German VAT (19 %, included in prices) and
/// a EUR shipping method; the method's id.
pub async fn seed_pricing(app: &App, pricing_wasm: &Path) -> Result<String> {
    use pricing::commerce::types::types::{Money, TaxMode};
    use pricing::exports::commerce::pricing::pricing_admin::{ShippingMethodInput, TaxRate};
    let mut lib = app
        .instantiate_library(pricing_wasm, "checkout-api")
        .await
        .context("instantiating the pricing component")?;
    let pricing = pricing::PricingComponent::new(&mut lib.store, &lib.instance)
        .map_err(anyhow::Error::from)
        .context("the pricing component exports its world")?;
    let admin = pricing.commerce_pricing_pricing_admin();
    let rate = TaxRate {
        country: "DE".into(),
        rate_ppm: 190_000,
        mode: TaxMode::Inclusive,
        applies_to_shipping: true,
        label: "VAT 19%".into(),
    };
    admin
        .call_set_tax_rate(&mut lib.store, &rate)
        .await
        .map_err(anyhow::Error::from)
        .context("set-tax-rate trapped")?
        .map_err(|e| anyhow::anyhow!("set-tax-rate refused: {e:?}"))?;
    let method = ShippingMethodInput {
        name: "Standard".into(),
        rates: vec![Money {
            amount: 490,
            currency: "EUR".into(),
        }],
        countries: vec![],
        active: true,
        position: 0,
    };
    let created = admin
        .call_create_shipping_method(&mut lib.store, &method)
        .await
        .map_err(anyhow::Error::from)
        .context("create-shipping-method trapped")?
        .map_err(|e| anyhow::anyhow!("create-shipping-method refused: {e:?}"))?;
    Ok(created.id)
}
