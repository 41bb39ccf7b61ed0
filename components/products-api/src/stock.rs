//! Availability: the inventory's stock levels merged into the catalog's answers.
//!
//! The catalog's reads may come from its key-value cache, which knows nothing of stock;
//! stock changes with every checkout. So every answer is built in two steps: the catalog's
//! read (cached or not), then one fresh `inventory.availability` call (or a few, for more
//! variants than one batch takes) for the variants it shows. Nothing here is stored.
//!
//! - A variant shows `{status, available}`, the status as the inventory rules it
//!   (`stock-status` in inventory.wit: `out_of_stock` when nothing is available,
//!   `low_stock` when at most `low_stock_threshold` units are, else `in_stock`); the
//!   storefront shows the same status, so the two never disagree.
//! - A variant the inventory has never been told about has nothing on hand (inventory.wit:
//!   there is no "not tracked" state), so checkout cannot reserve it: it shows
//!   `out_of_stock` with `available: 0`, exactly as a counted zero.
//! - A product is `in_stock` when at least one of its variants has a unit available.
//!
//! A listing's summaries carry their variant ids, so a page of a listing costs one
//! availability call whatever its length.

use std::collections::HashMap;

use api_kit::Problem;

use crate::bindings::commerce::catalog::catalog::{self, ProductSummary};
use crate::bindings::commerce::inventory::inventory;
use crate::dto::ProductList;
use crate::params::Listing;
use commerce_types::types::PageRequest;

/// The most products one `in_stock=true` page looks at, and the most catalog pages it
/// reads, before it answers with what it found and a `next` cursor to go on from.
const MAX_SCANNED: usize = 200;
const MAX_CATALOG_PAGES: usize = 8;

/// What a shopper is told about one variant's stock (`availability` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Availability {
    /// `in_stock`, `low_stock` or `out_of_stock`.
    pub status: &'static str,
    /// Units that can be bought now.
    pub available: u32,
}

/// The stock of some variants, as of this request.
pub struct Levels {
    levels: HashMap<String, inventory::StockLevel>,
}

impl Levels {
    /// The levels of `variant_ids`, read now.
    pub fn of(variant_ids: &[String]) -> Result<Self, Problem> {
        Ok(Self {
            levels: read(variant_ids)?,
        })
    }

    /// A variant's availability; an id not asked for counts as nothing available.
    pub fn variant(&self, variant_id: &str) -> Availability {
        match self.levels.get(variant_id) {
            Some(level) => Availability {
                status: status_name(level.status),
                available: level.available,
            },
            None => Availability {
                status: status_name(inventory::StockStatus::OutOfStock),
                available: 0,
            },
        }
    }

    /// Whether any of these variants has a unit available.
    pub fn any_available<'a>(&self, mut variant_ids: impl Iterator<Item = &'a String>) -> bool {
        variant_ids.any(|id| self.levels.get(id).is_some_and(|l| l.available > 0))
    }
}

/// The JSON name of a stock status; the rule itself is the inventory's (`stock-status`).
fn status_name(status: inventory::StockStatus) -> &'static str {
    match status {
        inventory::StockStatus::InStock => "in_stock",
        inventory::StockStatus::LowStock => "low_stock",
        inventory::StockStatus::OutOfStock => "out_of_stock",
    }
}

/// The stock levels per variant id, in batches the inventory accepts.
fn read(variant_ids: &[String]) -> Result<HashMap<String, inventory::StockLevel>, Problem> {
    let mut out = HashMap::with_capacity(variant_ids.len());
    if variant_ids.is_empty() {
        return Ok(out);
    }
    let batch = inventory::max_availability_batch().max(1) as usize;
    for chunk in variant_ids.chunks(batch) {
        let levels = inventory::availability(chunk).map_err(inventory_problem)?;
        out.extend(levels.into_iter().map(|l| (l.variant_id.clone(), l)));
    }
    Ok(out)
}

/// The problem for an inventory error; details go to the log only.
fn inventory_problem(e: inventory::Error) -> Problem {
    match e {
        inventory::Error::Storage(log) => Problem::unavailable(format!("inventory storage: {log}")),
        e => Problem::internal(format!("inventory availability: {e:?}")),
    }
}

/// For each summary, whether its product has a variant available now: one availability
/// call (per batch) for the variants of the whole page.
pub fn in_stock(items: &[ProductSummary]) -> Result<Vec<bool>, Problem> {
    let all: Vec<String> = items
        .iter()
        .flat_map(|item| item.variant_ids.iter().cloned())
        .collect();
    let levels = Levels::of(&all)?;
    Ok(items
        .iter()
        .map(|item| levels.any_available(item.variant_ids.iter()))
        .collect())
}

/// A page of the listing with each product's `in_stock` flag. With `in_stock=true` the
/// filter is applied before paging, so pages hold only products in stock and the cursor
/// resumes right after the last product looked at:
///
/// each catalog page asked for is exactly as long as the number of products still missing,
/// so every product it returns is either shown or skipped and its `next` cursor is where
/// the following page starts (the catalog's cursors do not depend on the page size). A page
/// is full unless the listing ended (`next` is null) or the scan bound was reached: after
/// `MAX_SCANNED` products or `MAX_CATALOG_PAGES` catalog pages, the page is answered with
/// what was found (possibly nothing) and a `next` cursor, so a catalog mostly out of stock
/// costs bounded work per request.
pub fn product_page(listing: &Listing) -> Result<ProductList, Problem> {
    let first =
        catalog::list_products(&listing.query, &listing.page).map_err(|e| listing.problem(e))?;
    if !listing.in_stock {
        let flags = in_stock(&first.items)?;
        return Ok(ProductList::new(
            first.items.into_iter().zip(flags).collect(),
            first.page.next,
        ));
    }
    // A page that has a `next` is full, so its length is the page size even when the
    // request left the limit to the catalog.
    let want = match listing.page.limit {
        0 => first.items.len(),
        n => n as usize,
    };
    let mut found = Vec::with_capacity(want);
    let mut scanned = 0;
    let mut page = first;
    let mut pages = 0;
    loop {
        pages += 1;
        scanned += page.items.len();
        let flags = in_stock(&page.items)?;
        found.extend(
            page.items
                .into_iter()
                .zip(flags)
                .filter(|(_, in_stock)| *in_stock),
        );
        let Some(next) = page.page.next else {
            return Ok(ProductList::new(found, None));
        };
        if found.len() >= want || scanned >= MAX_SCANNED || pages >= MAX_CATALOG_PAGES {
            return Ok(ProductList::new(found, Some(next)));
        }
        let request = PageRequest {
            after: Some(next),
            limit: (want - found.len()) as u32,
        };
        page = catalog::list_products(&listing.query, &request).map_err(|e| listing.problem(e))?;
    }
}
