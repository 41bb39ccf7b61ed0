//! Making a running store ready to sell the demo catalog, through its admin APIs: tax rates
//! (without one the shop does not sell to a country), shipping methods, and stock for every
//! variant (the inventory starts at zero, so every product would read "Sold out").
//!
//! Safe to run again: tax rates and stock counts are set (PUT), and a shipping method is
//! created only when none has its name.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::post::{parse_base, request};

/// VAT rates of the demo's destinations, prices including tax as usual for consumers:
/// (country, rate in parts per million, label).
pub const TAX_RATES: &[(&str, u32, &str)] = &[
    ("AT", 200_000, "VAT 20%"),
    ("BE", 210_000, "VAT 21%"),
    ("DE", 190_000, "VAT 19%"),
    ("ES", 210_000, "VAT 21%"),
    ("FR", 200_000, "VAT 20%"),
    ("GB", 200_000, "VAT 20%"),
    ("IE", 230_000, "VAT 23%"),
    ("IT", 220_000, "VAT 22%"),
    ("NL", 210_000, "VAT 21%"),
];

/// Shipping methods to every destination: name and flat rates in EUR, USD and GBP.
pub const SHIPPING: &[(&str, [i64; 3])] = &[
    ("Standard (3–5 days)", [495, 599, 399]),
    ("Express (next day)", [1295, 1499, 999]),
];

/// What a setup did.
#[derive(Debug, Default)]
pub struct Setup {
    pub tax_rates: usize,
    pub shipping_created: usize,
    pub variants_stocked: usize,
}

struct Admin {
    host: String,
    port: u16,
    prefix: String,
    token: String,
}

impl Admin {
    /// A JSON request; fails unless the answer is 2xx.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let text = body.map(Value::to_string);
        let (status, answer) = request(
            &self.host,
            self.port,
            method,
            &format!("{}{path}", self.prefix),
            &self.token,
            text.as_deref().map(|t| ("application/json", t.as_bytes())),
        )?;
        if !(200..300).contains(&status) {
            bail!(
                "{method} {path}: the store answered {status}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        if answer.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer).with_context(|| format!("{method} {path}: not JSON"))
    }

    /// Every item of a keyset-paginated admin listing.
    fn all(&self, path: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let url = match &after {
                Some(cursor) => format!("{path}?limit=100&after={cursor}"),
                None => format!("{path}?limit=100"),
            };
            let page = self.call("GET", &url, None)?;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                // Cursors are base64url: safe in a query as they are.
                Some(next) => after = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }
}

/// Sets the demo's tax rates and shipping methods, and `stock` units on hand of every
/// variant of every product in the store at `base`.
pub fn setup_demo(base: &str, token: &str, stock: u32) -> Result<Setup> {
    let (host, port, prefix) = parse_base(base)?;
    let admin = Admin {
        host,
        port,
        prefix,
        token: token.to_owned(),
    };
    let mut done = Setup::default();
    for (country, rate, label) in TAX_RATES {
        let body = json!({"rate_ppm": rate, "mode": "inclusive", "applies_to_shipping": true, "label": label});
        admin.call("PUT", &format!("/admin/tax-rates/{country}"), Some(&body))?;
        done.tax_rates += 1;
    }
    let existing = admin.all("/admin/shipping-methods")?;
    for (position, (name, [eur, usd, gbp])) in SHIPPING.iter().enumerate() {
        if existing.iter().any(|m| m["name"] == *name) {
            continue;
        }
        let body = json!({
            "name": name,
            "rates": [
                {"amount": eur, "currency": "EUR"},
                {"amount": usd, "currency": "USD"},
                {"amount": gbp, "currency": "GBP"},
            ],
            "countries": [],
            "position": position,
        });
        admin.call("POST", "/admin/shipping-methods", Some(&body))?;
        done.shipping_created += 1;
    }
    let count = json!({"on_hand": stock, "note": "catalog-gen --setup-demo"});
    for (k, product) in admin.all("/admin/products")?.iter().enumerate() {
        for variant in product["variants"].as_array().into_iter().flatten() {
            let id = variant["id"].as_str().context("a variant without an id")?;
            admin.call("PUT", &format!("/admin/inventory/stock/{id}"), Some(&count))?;
            done.variants_stocked += 1;
        }
        if k % 100 == 99 {
            eprintln!("stocked the variants of {} products", k + 1);
        }
    }
    Ok(done)
}
