//! `demo-shop`: makes a running spin-commerce store ready to sell, through its admin HTTP
//! API only (the owner's own path; no database access):
//!
//! 1. waits until `GET /api/health` answers 200 (the store may still be building);
//! 2. imports the catalog lines whose category path or product slug the store lacks
//!    (`GET /admin/products/export` says what it has; `POST /admin/products/import`);
//! 3. counts stock for every variant of the catalog's products that the inventory has never
//!    seen (`GET /admin/inventory/stock`; `PUT /admin/inventory/stock/{id}`), by a
//!    deterministic plan ([`plan::planned_units`]): most plenty, some low, a few none;
//! 4. creates the shipping methods whose name no method has (`/admin/shipping-methods`);
//! 5. sets the tax rates of the countries that have none (`/admin/tax-rates/{country}`).
//!
//! It only adds what is missing and never changes what is there, so a second run changes
//! nothing, duplicates nothing, and keeps the owner's edits, sales and stock counts.

pub mod admin;
pub mod plan;

use admin::{Admin, RUN_HINT, Unreachable, failure, field_error};
use anyhow::{Context, Result, bail};
use plan::{CatalogLine, Entry, Existing, Level};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

/// The admin token of the README's quick start, used when none is given.
pub const LOCAL_DEV_TOKEN: &str = "local-dev-admin-token";

/// What to set up, and where.
pub struct Options {
    /// The store's URL, e.g. `http://127.0.0.1:3000`.
    pub url: String,
    pub token: String,
    /// Where the token came from, for messages.
    pub token_source: String,
    /// How long to wait for `/api/health`; zero tries once.
    pub wait: Duration,
    /// The catalog, JSON Lines in the import's format.
    pub catalog: Cow<'static, str>,
}

impl Options {
    /// The demo catalog into the store at `url`, waiting up to a minute for it.
    pub fn new(url: &str, token: &str) -> Options {
        Options {
            url: url.to_owned(),
            token: token.to_owned(),
            token_source: "--token".to_owned(),
            wait: Duration::from_secs(60),
            catalog: Cow::Borrowed(plan::DEMO_CATALOG),
        }
    }
}

/// How many of something the run added, and how many were already there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub added: usize,
    pub existing: usize,
}

/// What the run did to stock, and the plan it followed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StockTally {
    /// Variants whose stock was counted now.
    pub set: usize,
    /// Variants the inventory already had (left as they are).
    pub kept: usize,
    /// New variants planned at zero: left unstocked, so they read sold out.
    pub left_empty: usize,
    /// The plan over every variant: plenty, low, none.
    pub in_stock: usize,
    pub low: usize,
    pub sold_out: usize,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub url: String,
    pub categories: Tally,
    pub products: Tally,
    pub stock: StockTally,
    pub shipping: Tally,
    pub tax_rates: Tally,
}

impl Summary {
    /// Whether the run wrote anything.
    pub fn changed(&self) -> bool {
        let added = self.categories.added + self.products.added + self.stock.set;
        added + self.shipping.added + self.tax_rates.added > 0
    }
}

/// Sets the store up; `progress` hears what is going on (for a terminal).
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Summary> {
    let catalog = plan::parse_catalog(&options.catalog).context("the catalog")?;
    let admin = Admin::new(&options.url, &options.token, &options.token_source)?;
    wait_for_store(&admin, options.wait, progress)?;
    let mut summary = Summary {
        url: admin.base().to_owned(),
        ..Summary::default()
    };
    (summary.categories, summary.products) = import_catalog(&admin, &catalog, progress)?;
    summary.stock = stock(&admin, &catalog, progress)?;
    summary.shipping = shipping_methods(&admin)?;
    summary.tax_rates = tax_rates(&admin)?;
    Ok(summary)
}

/// Polls `GET /api/health` until it answers 200 or `wait` has passed.
fn wait_for_store(admin: &Admin, wait: Duration, progress: &mut dyn FnMut(&str)) -> Result<()> {
    let deadline = Instant::now() + wait;
    let base = admin.base();
    let mut told = false;
    loop {
        let why = match admin.send("GET", "/api/health", None) {
            Ok(answer) if answer.status == 200 => return Ok(()),
            Ok(answer) if answer.status == 503 => format!(
                "the store at {base} answers but is not healthy: {}",
                String::from_utf8_lossy(&answer.body)
            ),
            Ok(answer) => bail!(
                "{}",
                failure("GET", "/api/health", answer.status, &answer.body, base, "")
            ),
            Err((Unreachable::Refused | Unreachable::Timeout, _)) => {
                format!("nothing answers at {base}")
            }
            Err((_, error)) => return Err(error.context(format!("reaching the store at {base}"))),
        };
        if Instant::now() >= deadline {
            bail!(
                "{why} (waited {} s): is the store running? Start it with `{RUN_HINT}` \
                 (or pass its URL with --url)",
                wait.as_secs()
            );
        }
        if !told {
            progress(&format!(
                "waiting for the store at {base} ({why}; it may still be building: \
                 `{RUN_HINT}` runs it)"
            ));
            told = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Imports the catalog lines the store lacks; (categories, products).
fn import_catalog(
    admin: &Admin,
    catalog: &[CatalogLine<'_>],
    progress: &mut dyn FnMut(&str),
) -> Result<(Tally, Tally)> {
    let mut existing = Existing::default();
    admin.lines("/admin/products/export", |line| {
        existing.add_export_line(line)
    })?;
    let missing = plan::missing(catalog, &existing);
    let is_category = |l: &CatalogLine| matches!(l.entry, Entry::Category { .. });
    let categories_total = catalog.iter().filter(|l| is_category(l)).count();
    let categories_added = missing.iter().filter(|l| is_category(l)).count();
    let products_added = missing.len() - categories_added;
    let batches = plan::batches(&missing);
    for (i, batch) in batches.iter().enumerate() {
        progress(&format!(
            "importing {} catalog lines ({} of {} requests)",
            batch.len(),
            i + 1,
            batches.len()
        ));
        let path = "/admin/products/import";
        let body = plan::import_body(batch).into_bytes();
        let answer = admin
            .send("POST", path, Some(("application/x-ndjson", body)))
            .map_err(|(_, e)| e)?;
        admin.expect("POST", path, &answer, &[200])?;
        let report: Value =
            serde_json::from_slice(&answer.body).context("the import report is not JSON")?;
        let failures = import_failures(&report, batch);
        if !failures.is_empty() {
            bail!(
                "the store refused {} line(s) of the catalog:\n{}",
                failures.len(),
                failures.join("\n")
            );
        }
    }
    Ok((
        Tally {
            added: categories_added,
            existing: categories_total - categories_added,
        },
        Tally {
            added: products_added,
            existing: catalog.len() - categories_total - products_added,
        },
    ))
}

/// The failed lines of an import report, by their line number in the catalog file.
fn import_failures(report: &Value, batch: &[&CatalogLine<'_>]) -> Vec<String> {
    let results = report.get("results").and_then(Value::as_array);
    results
        .into_iter()
        .flatten()
        .filter(|r| r.get("ok") != Some(&Value::Bool(true)))
        .map(|r| {
            let in_batch = r.get("line").and_then(Value::as_u64).unwrap_or(0) as usize;
            let number = in_batch
                .checked_sub(1)
                .and_then(|i| batch.get(i))
                .map_or(0, |l| l.number);
            let errors: Vec<String> = r
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(field_error)
                .collect();
            format!("  line {number}: {}", errors.join("; "))
        })
        .collect()
}

/// Counts stock for the catalog's variants the inventory has never seen.
fn stock(
    admin: &Admin,
    catalog: &[CatalogLine<'_>],
    progress: &mut dyn FnMut(&str),
) -> Result<StockTally> {
    let products = admin.all("/admin/products")?;
    let by_slug: HashMap<&str, &Value> = products
        .iter()
        .filter_map(|p| Some((p.get("slug")?.as_str()?, p)))
        .collect();
    // The store's variants of the catalog's products, in the file's order.
    let mut variants: Vec<(&str, &str)> = Vec::new();
    for line in catalog {
        let Entry::Product { slug, .. } = &line.entry else {
            continue;
        };
        let product = by_slug
            .get(slug.as_str())
            .with_context(|| format!("the store has no product {slug:?} after the import"))?;
        for variant in product["variants"].as_array().into_iter().flatten() {
            let (Some(id), Some(sku)) = (variant["id"].as_str(), variant["sku"].as_str()) else {
                bail!("GET /admin/products: a variant of {slug:?} without an id or SKU");
            };
            variants.push((id, sku));
        }
    }
    let known = listed(admin, "/admin/inventory/stock", "variant_id")?;
    let mut tally = StockTally::default();
    for (id, sku) in variants {
        let units = plan::planned_units(sku);
        match Level::of(units) {
            Level::InStock => tally.in_stock += 1,
            Level::Low => tally.low += 1,
            Level::SoldOut => tally.sold_out += 1,
        }
        if known.contains(id) {
            tally.kept += 1;
        } else if units == 0 {
            tally.left_empty += 1;
        } else {
            let body = json!({"on_hand": units, "note": "demo stock (demo-shop)"});
            admin.call(
                "PUT",
                &format!("/admin/inventory/stock/{id}"),
                Some(&body),
                &[200],
            )?;
            tally.set += 1;
            if tally.set % 250 == 0 {
                progress(&format!("stocked {} variants", tally.set));
            }
        }
    }
    Ok(tally)
}

/// Creates the shipping methods no method is named like.
fn shipping_methods(admin: &Admin) -> Result<Tally> {
    let path = "/admin/shipping-methods";
    let names = listed(admin, path, "name")?;
    add_missing(
        &names,
        plan::SHIPPING,
        |m| m.name,
        |m| admin.call("POST", path, Some(&m.body()), &[201]).map(drop),
    )
}

/// Sets the tax rates of the countries without one.
fn tax_rates(admin: &Admin) -> Result<Tally> {
    let countries = listed(admin, "/admin/tax-rates", "country")?;
    add_missing(
        &countries,
        plan::TAX_RATES,
        |t| t.country,
        |t| {
            let path = format!("/admin/tax-rates/{}", t.country);
            admin
                .call("PUT", &path, Some(&t.body()), &[200, 201])
                .map(drop)
        },
    )
}

/// The string `field` of every item of the admin listing at `path`.
fn listed(admin: &Admin, path: &str, field: &str) -> Result<HashSet<String>> {
    Ok(admin
        .all(path)?
        .iter()
        .filter_map(|item| item.get(field)?.as_str().map(str::to_owned))
        .collect())
}

/// Adds each of `wanted` whose key `have` lacks, in order.
fn add_missing<T>(
    have: &HashSet<String>,
    wanted: &[T],
    key: impl Fn(&T) -> &str,
    mut add: impl FnMut(&T) -> Result<()>,
) -> Result<Tally> {
    let mut tally = Tally::default();
    for item in wanted {
        if have.contains(key(item)) {
            tally.existing += 1;
        } else {
            add(item)?;
            tally.added += 1;
        }
    }
    Ok(tally)
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stock;
        let names: Vec<&str> = plan::SHIPPING.iter().map(|m| m.name).collect();
        let countries: Vec<&str> = plan::TAX_RATES.iter().map(|t| t.country).collect();
        writeln!(f, "The shop at {} is ready to sell:", self.url)?;
        writeln!(
            f,
            "  categories  {} added, {} already there",
            self.categories.added, self.categories.existing
        )?;
        writeln!(
            f,
            "  products    {} added, {} already there",
            self.products.added, self.products.existing
        )?;
        writeln!(
            f,
            "  stock       {} variants counted now, {} already stocked (left as they are), \
             {} left sold out",
            s.set, s.kept, s.left_empty
        )?;
        writeln!(
            f,
            "              the plan: {} in stock, {} low (1 to {}), {} sold out",
            s.in_stock,
            s.low,
            plan::LOW_MAX,
            s.sold_out
        )?;
        writeln!(
            f,
            "  shipping    {}: {} added, {} already there",
            names.join(", "),
            self.shipping.added,
            self.shipping.existing
        )?;
        writeln!(
            f,
            "  tax rates   {}: {} added, {} already there",
            countries.join(" "),
            self.tax_rates.added,
            self.tax_rates.existing
        )?;
        if !self.changed() {
            writeln!(f, "Nothing changed: everything was already there.")?;
        }
        write!(f, "Open {}/ to shop.", self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_failures_name_the_catalog_file_lines() {
        let lines = plan::parse_catalog(
            "{\"category\":{\"path\":\"a\",\"name\":\"A\"}}\n\n\
             {\"slug\":\"p\",\"variants\":[{\"sku\":\"S1\"}]}\n\
             {\"slug\":\"q\",\"variants\":[{\"sku\":\"S2\"}]}\n",
        )
        .unwrap();
        // The store lacked only p and q, so the batch is the file's lines 3 and 4.
        let batch: Vec<&CatalogLine> = lines[1..].iter().collect();
        let report = json!({
            "lines": 2, "succeeded": 1, "failed": 1,
            "results": [
                {"line": 1, "ok": true, "kind": "product", "slug": "p"},
                {"line": 2, "ok": false, "kind": "product", "errors": [
                    {"pointer": "/variants/0/prices", "detail": "at least one price"},
                    {"pointer": "/title", "detail": "must not be blank"}
                ]}
            ]
        });
        assert_eq!(
            import_failures(&report, &batch),
            ["  line 4: /variants/0/prices: at least one price; /title: must not be blank"]
        );
        let clean = json!({"results": [{"line": 1, "ok": true}]});
        assert!(import_failures(&clean, &batch).is_empty());
    }

    #[test]
    fn a_summary_says_whether_anything_changed() {
        let mut summary = Summary {
            url: "http://127.0.0.1:3000".into(),
            products: Tally {
                added: 0,
                existing: 500,
            },
            ..Summary::default()
        };
        assert!(!summary.changed());
        let text = summary.to_string();
        assert!(text.contains("Nothing changed"), "{text}");
        assert!(
            text.ends_with("Open http://127.0.0.1:3000/ to shop."),
            "{text}"
        );
        summary.tax_rates.added = 1;
        assert!(summary.changed());
        assert!(!summary.to_string().contains("Nothing changed"));
    }
}
