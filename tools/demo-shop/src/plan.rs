//! What the demo shop holds, as data and pure functions: the catalog's lines, the stock
//! plan, the shipping methods and the tax rates. Nothing here talks to a store.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::HashSet;

/// The demo catalog as `catalog-gen` wrote it (`data/demo-catalog.jsonl`), built into the
/// binary so that the tool works from any directory.
pub const DEMO_CATALOG: &str = include_str!("../../../data/demo-catalog.jsonl");

/// The most lines in one import request (the import takes 1,000; fewer keep a request well
/// within a serverless platform's time limit).
pub const BATCH_LINES: usize = 500;
/// The most bytes in one import request (the import takes 4 MiB).
pub const BATCH_BYTES: usize = 3 * 1024 * 1024;

/// What one line of a catalog file is, as far as the setup needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `{"category": {"path": …}}`.
    Category { path: String },
    /// A product, with the SKUs of its variants in the file's order.
    Product { slug: String, skus: Vec<String> },
}

/// One non-blank line of a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogLine<'a> {
    /// The line number in the file, from 1.
    pub number: usize,
    pub text: &'a str,
    pub entry: Entry,
}

/// Reads a catalog file in the import's format: every non-blank line must be a category
/// line or a product with a slug and SKUs (the store checks the rest when it imports).
pub fn parse_catalog(text: &str) -> Result<Vec<CatalogLine<'_>>> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(line).with_context(|| format!("line {number} is not JSON"))?;
        let entry = entry_of(&value).with_context(|| format!("line {number}"))?;
        lines.push(CatalogLine {
            number,
            text: line,
            entry,
        });
    }
    if lines.is_empty() {
        bail!("the catalog has no lines");
    }
    Ok(lines)
}

fn entry_of(value: &Value) -> Result<Entry> {
    if let Some(category) = value.get("category") {
        let Some(path) = category.get("path").and_then(Value::as_str) else {
            bail!("a category line without a \"path\"");
        };
        return Ok(Entry::Category {
            path: path.to_owned(),
        });
    }
    if let Some(error) = value.get("export_error") {
        bail!("the export failed part-way: {error}");
    }
    let Some(slug) = value.get("slug").and_then(Value::as_str) else {
        bail!("neither a category line nor a product with a \"slug\"");
    };
    let skus = value
        .get("variants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("sku").and_then(Value::as_str).map(str::to_owned))
        .collect();
    Ok(Entry::Product {
        slug: slug.to_owned(),
        skus,
    })
}

/// What a store's catalog already holds: category paths and product slugs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Existing {
    pub categories: HashSet<String>,
    pub products: HashSet<String>,
}

impl Existing {
    /// Notes one line of `GET /admin/products/export` (the import format); fails on the
    /// export's `{"export_error": …}` line, which means the listing is incomplete.
    pub fn add_export_line(&mut self, line: &str) -> Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let value: Value =
            serde_json::from_str(line).context("a line of the store's export is not JSON")?;
        match entry_of(&value).context("the store's export")? {
            Entry::Category { path } => self.categories.insert(path),
            Entry::Product { slug, .. } => self.products.insert(slug),
        };
        Ok(())
    }

    /// Whether the store already has what `line` would create.
    pub fn has(&self, line: &CatalogLine<'_>) -> bool {
        match &line.entry {
            Entry::Category { path } => self.categories.contains(path),
            Entry::Product { slug, .. } => self.products.contains(slug),
        }
    }
}

/// The lines of `catalog` the store does not have yet, in the file's order. Lines it has
/// are left alone, so that a second run changes nothing and an owner's edits to a demo
/// product survive.
pub fn missing<'a, 'b>(
    catalog: &'b [CatalogLine<'a>],
    existing: &Existing,
) -> Vec<&'b CatalogLine<'a>> {
    catalog.iter().filter(|l| !existing.has(l)).collect()
}

/// Splits `lines` into import requests of at most [`BATCH_LINES`] lines and
/// [`BATCH_BYTES`] bytes, in order (categories come first in a catalog file, so they are
/// created before the products that name them).
pub fn batches<'b, 'a>(lines: &[&'b CatalogLine<'a>]) -> Vec<Vec<&'b CatalogLine<'a>>> {
    let mut out: Vec<Vec<&CatalogLine>> = Vec::new();
    let mut bytes = 0;
    for &line in lines {
        let size = line.text.len() + 1;
        match out.last_mut() {
            Some(batch) if batch.len() < BATCH_LINES && bytes + size <= BATCH_BYTES => {
                batch.push(line);
                bytes += size;
            }
            _ => {
                out.push(vec![line]);
                bytes = size;
            }
        }
    }
    out
}

/// The body of one import request: the lines, each ended by a newline.
pub fn import_body(batch: &[&CatalogLine<'_>]) -> String {
    let mut body = String::with_capacity(batch.iter().map(|l| l.text.len() + 1).sum());
    for line in batch {
        body.push_str(line.text);
        body.push('\n');
    }
    body
}

/// The most units of a variant planned as low stock: at or below the storefront's
/// default `low_stock_threshold` (5), so such a variant reads "Only n left".
pub const LOW_MAX: u32 = 3;
/// The fewest units of a variant planned as plentiful: above the default threshold.
pub const PLENTY_MIN: u32 = 12;
/// The most units of a variant planned as plentiful.
pub const PLENTY_MAX: u32 = 120;

/// The availability a planned quantity shows with the default low-stock threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    InStock,
    Low,
    SoldOut,
}

impl Level {
    pub fn of(units: u32) -> Level {
        match units {
            0 => Level::SoldOut,
            n if n <= LOW_MAX => Level::Low,
            _ => Level::InStock,
        }
    }
}

/// Units on hand planned for the variant with this SKU. The same SKU always gets the same
/// number, on every machine and every run: about 85 % of variants get 12 to 120 units,
/// 10 % get 1 to 3 (low stock) and 5 % none (sold out), so the storefront shows every
/// availability state.
pub fn planned_units(sku: &str) -> u32 {
    let h = mix(fnv1a(sku.as_bytes()));
    let bucket = h % 100;
    let spread = h / 100;
    match bucket {
        0..5 => 0,
        5..15 => 1 + (spread % u64::from(LOW_MAX)) as u32,
        _ => PLENTY_MIN + (spread % u64::from(PLENTY_MAX - PLENTY_MIN + 1)) as u32,
    }
}

/// FNV-1a, 64 bits: a stable hash (std's hashers may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64's finaliser: spreads FNV's output over every bit, so that SKUs differing
/// only in their last characters land in unrelated buckets.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A shipping method of the demo shop: a flat rate per order in each currency the demo
/// catalog is priced in, to every country the shop sells to (has a tax rate for).
#[derive(Debug, Clone, Copy)]
pub struct ShippingPlan {
    pub name: &'static str,
    /// (amount in minor units, ISO 4217 currency).
    pub rates: &'static [(i64, &'static str)],
    pub position: u32,
}

pub const SHIPPING: &[ShippingPlan] = &[
    ShippingPlan {
        name: "Standard",
        rates: &[(495, "EUR"), (599, "USD"), (395, "GBP")],
        position: 0,
    },
    ShippingPlan {
        name: "Express",
        rates: &[(1495, "EUR"), (1799, "USD"), (1295, "GBP")],
        position: 1,
    },
];

impl ShippingPlan {
    /// The body of `POST /admin/shipping-methods`.
    pub fn body(&self) -> Value {
        let rates: Vec<Value> = self
            .rates
            .iter()
            .map(|(amount, currency)| json!({"amount": amount, "currency": currency}))
            .collect();
        json!({
            "name": self.name,
            "rates": rates,
            "countries": [],
            "active": true,
            "position": self.position,
        })
    }
}

/// A tax rate of the demo shop. The catalog's prices are consumer prices: in the EU and the
/// UK VAT is included in them (and charged on shipping too); US prices are shown before
/// sales tax, which varies by state and which the demo shop does not collect, so the US
/// has a 0 % exclusive rate (a shop sells only where it has a rate).
#[derive(Debug, Clone, Copy)]
pub struct TaxPlan {
    pub country: &'static str,
    /// Parts per million: 190 000 is 19 %.
    pub rate_ppm: u32,
    pub inclusive: bool,
    pub applies_to_shipping: bool,
    pub label: &'static str,
}

const fn vat(country: &'static str, rate_ppm: u32, label: &'static str) -> TaxPlan {
    TaxPlan {
        country,
        rate_ppm,
        inclusive: true,
        applies_to_shipping: true,
        label,
    }
}

/// Standard VAT rates of the demo's destinations, by country code.
pub const TAX_RATES: &[TaxPlan] = &[
    vat("AT", 200_000, "VAT 20%"),
    vat("BE", 210_000, "VAT 21%"),
    vat("DE", 190_000, "VAT 19%"),
    vat("ES", 210_000, "VAT 21%"),
    vat("FR", 200_000, "VAT 20%"),
    vat("GB", 200_000, "VAT 20%"),
    vat("IE", 230_000, "VAT 23%"),
    vat("IT", 220_000, "VAT 22%"),
    vat("NL", 210_000, "VAT 21%"),
    TaxPlan {
        country: "US",
        rate_ppm: 0,
        inclusive: false,
        applies_to_shipping: false,
        label: "Sales tax not collected",
    },
];

impl TaxPlan {
    /// The body of `PUT /admin/tax-rates/{country}`.
    pub fn body(&self) -> Value {
        json!({
            "rate_ppm": self.rate_ppm,
            "mode": if self.inclusive { "inclusive" } else { "exclusive" },
            "applies_to_shipping": self.applies_to_shipping,
            "label": self.label,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<CatalogLine<'static>> {
        parse_catalog(DEMO_CATALOG).expect("the demo catalog parses")
    }

    fn demo_skus() -> Vec<String> {
        demo()
            .into_iter()
            .flat_map(|l| match l.entry {
                Entry::Product { skus, .. } => skus,
                Entry::Category { .. } => vec![],
            })
            .collect()
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_plan_of_a_sku_never_changes() {
        // Pinned, so that a change of the plan (which would restock a demo shop
        // differently than before) is a deliberate one.
        let pinned: Vec<u32> = ["GTL-000000", "WLT-000001-GREY", "WLT-000001-TAN"]
            .iter()
            .map(|s| planned_units(s))
            .collect();
        assert_eq!(pinned, [12, 1, 36]);
    }

    #[test]
    fn the_demo_catalog_shows_every_availability_state_mostly_in_stock() {
        let skus = demo_skus();
        assert!(skus.len() > 500, "{} variants", skus.len());
        let mut counts = [0usize; 3];
        for sku in &skus {
            let units = planned_units(sku);
            assert!(units <= PLENTY_MAX, "{sku}: {units}");
            let level = Level::of(units);
            if level == Level::InStock {
                assert!(units >= PLENTY_MIN, "{sku}: {units}");
            }
            counts[level as usize] += 1;
        }
        let [in_stock, low, sold_out] = counts;
        let n = skus.len();
        assert!(in_stock * 100 >= n * 75, "{counts:?} of {n}");
        assert!(
            low * 100 >= n * 4 && low * 100 <= n * 20,
            "{counts:?} of {n}"
        );
        assert!(
            sold_out * 100 >= n && sold_out * 100 <= n * 10,
            "{counts:?} of {n}"
        );
    }

    #[test]
    fn low_stock_is_at_or_below_the_default_threshold_and_plenty_above_it() {
        // The shop's default threshold, from the manifest.
        let manifest = include_str!("../../../spin.toml");
        let line = manifest
            .lines()
            .find(|l| l.starts_with("low_stock_threshold"))
            .expect("spin.toml declares low_stock_threshold");
        let threshold: u32 = line
            .split('"')
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("a numeric default: {line}"));
        assert!((1..=threshold).contains(&LOW_MAX), "{line}");
        assert!(PLENTY_MIN > threshold, "{line}");
        assert_eq!(Level::of(0), Level::SoldOut);
        assert_eq!(Level::of(1), Level::Low);
        assert_eq!(Level::of(LOW_MAX), Level::Low);
        assert_eq!(Level::of(LOW_MAX + 1), Level::InStock);
    }

    #[test]
    fn the_demo_catalog_has_categories_first_and_unique_slugs_and_skus() {
        let lines = demo();
        let first_product = lines
            .iter()
            .position(|l| matches!(l.entry, Entry::Product { .. }))
            .unwrap();
        assert!(first_product > 0);
        assert!(
            lines[first_product..]
                .iter()
                .all(|l| matches!(l.entry, Entry::Product { .. })),
            "category lines come before every product"
        );
        let mut slugs = HashSet::new();
        for line in &lines {
            if let Entry::Product { slug, skus } = &line.entry {
                assert!(slugs.insert(slug.clone()), "{slug} twice");
                assert!(!skus.is_empty(), "{slug} has no SKU");
            }
        }
        let skus = demo_skus();
        assert_eq!(
            skus.iter().collect::<HashSet<_>>().len(),
            skus.len(),
            "SKUs are unique"
        );
    }

    #[test]
    fn parsing_keeps_line_numbers_and_refuses_what_is_not_a_catalog_line() {
        let text = "{\"category\":{\"path\":\"a\",\"name\":\"A\"}}\n\n\
                    {\"slug\":\"p\",\"variants\":[{\"sku\":\"S1\"},{\"sku\":\"S2\"}]}\r\n";
        let lines = parse_catalog(text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].number, 1);
        assert_eq!(lines[0].entry, Entry::Category { path: "a".into() });
        assert_eq!(lines[1].number, 3);
        assert!(!lines[1].text.ends_with('\r'));
        assert_eq!(
            lines[1].entry,
            Entry::Product {
                slug: "p".into(),
                skus: vec!["S1".into(), "S2".into()]
            }
        );

        let err = parse_catalog("{\"slug\":\"p\"}\nnot json\n").unwrap_err();
        assert!(format!("{err:#}").contains("line 2 is not JSON"), "{err:#}");
        let err = parse_catalog("{\"title\":\"no slug\"}").unwrap_err();
        assert!(format!("{err:#}").contains("line 1"), "{err:#}");
        assert!(parse_catalog("\n  \n").is_err());
    }

    #[test]
    fn only_what_the_store_lacks_is_imported() {
        let text = "{\"category\":{\"path\":\"a\",\"name\":\"A\"}}\n\
                    {\"category\":{\"path\":\"a/b\",\"name\":\"B\"}}\n\
                    {\"slug\":\"p\",\"variants\":[{\"sku\":\"S1\"}]}\n\
                    {\"slug\":\"q\",\"variants\":[{\"sku\":\"S2\"}]}\n";
        let lines = parse_catalog(text).unwrap();
        let mut existing = Existing::default();
        assert_eq!(missing(&lines, &existing).len(), 4);

        existing
            .add_export_line("{\"category\":{\"path\":\"a\",\"name\":\"Renamed\"}}")
            .unwrap();
        existing.add_export_line("").unwrap();
        existing
            .add_export_line("{\"slug\":\"q\",\"title\":\"Edited\",\"variants\":[]}")
            .unwrap();
        let left: Vec<usize> = missing(&lines, &existing)
            .iter()
            .map(|l| l.number)
            .collect();
        assert_eq!(left, [2, 3]);

        let err = existing
            .add_export_line("{\"export_error\":{\"detail\":\"db\"}}")
            .unwrap_err();
        assert!(format!("{err:#}").contains("export failed"), "{err:#}");
    }

    #[test]
    fn batches_keep_the_order_and_the_import_limits() {
        let lines = demo();
        let all: Vec<&CatalogLine> = lines.iter().collect();
        let split = batches(&all);
        assert!(
            split.len() >= 2,
            "the demo catalog takes more than one request"
        );
        let flat: Vec<usize> = split.iter().flatten().map(|l| l.number).collect();
        let numbers: Vec<usize> = lines.iter().map(|l| l.number).collect();
        assert_eq!(flat, numbers);
        for batch in &split {
            assert!(!batch.is_empty() && batch.len() <= BATCH_LINES);
            assert!(import_body(batch).len() <= BATCH_BYTES);
        }
        assert_eq!(import_body(&split[0]).lines().count(), split[0].len());

        // Bytes split too: three lines of 2 MiB each go one by one.
        let big = format!("{{\"slug\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let text = format!("{big}\n{big}\n{big}\n");
        let lines = parse_catalog(&text).unwrap();
        let all: Vec<&CatalogLine> = lines.iter().collect();
        assert_eq!(batches(&all).len(), 3);
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn shipping_methods_have_unique_names_and_one_rate_per_currency() {
        let names: HashSet<_> = SHIPPING.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), SHIPPING.len());
        for method in SHIPPING {
            let mut currencies: Vec<_> = method.rates.iter().map(|r| r.1).collect();
            currencies.sort_unstable();
            assert_eq!(currencies, ["EUR", "GBP", "USD"], "{}", method.name);
            assert!(method.rates.iter().all(|r| r.0 > 0));
            let body = method.body();
            assert_eq!(body["name"], method.name);
            assert_eq!(body["rates"].as_array().unwrap().len(), 3);
            assert_eq!(body["countries"], json!([]));
        }
        let standard = SHIPPING.iter().find(|m| m.name == "Standard").unwrap();
        let express = SHIPPING.iter().find(|m| m.name == "Express").unwrap();
        for (s, e) in standard.rates.iter().zip(express.rates) {
            assert_eq!(s.1, e.1);
            assert!(e.0 > s.0, "express costs more than standard");
        }
    }

    #[test]
    fn tax_rates_are_one_per_country_within_the_pricing_rules() {
        let countries: HashSet<_> = TAX_RATES.iter().map(|t| t.country).collect();
        assert_eq!(countries.len(), TAX_RATES.len());
        for rate in TAX_RATES {
            assert!(
                rate.country.len() == 2 && rate.country.bytes().all(|b| b.is_ascii_uppercase())
            );
            assert!(rate.rate_ppm <= 1_000_000);
            assert!(!rate.label.trim().is_empty() && rate.label.len() <= 100);
            let body = rate.body();
            assert_eq!(body["rate_ppm"], rate.rate_ppm);
            assert_eq!(
                body["mode"],
                if rate.inclusive {
                    "inclusive"
                } else {
                    "exclusive"
                }
            );
        }
        let de = TAX_RATES.iter().find(|t| t.country == "DE").unwrap();
        assert_eq!((de.rate_ppm, de.inclusive), (190_000, true));
        let us = TAX_RATES.iter().find(|t| t.country == "US").unwrap();
        assert_eq!((us.rate_ppm, us.inclusive), (0, false));
    }
}
