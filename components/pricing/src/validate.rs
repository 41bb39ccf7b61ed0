//! Pricing's input rules. Each returns every broken rule as (path, message), the path a JSON
//! pointer into the input using the snake_case JSON names of its fields, e.g.
//! `/lines/2/unit_price/amount`. Query-like inputs use their parameter names: `/currency`,
//! `/destination`, `/limit`, `/after`.

use std::collections::HashSet;

use capability_kit::validate::FieldErrors;
use capability_kit::{country, cursor, ids};

use crate::VARIANT_PREFIX;
use crate::exports::commerce::pricing::pricing::QuoteRequest;
use crate::exports::commerce::pricing::pricing_admin::{ShippingMethodInput, TaxRate};
use commerce_types::types::{Money, PageRequest};

/// The most lines one quote prices.
pub const MAX_LINES: usize = 500;
/// The longest line key, in characters.
pub const MAX_KEY: usize = 100;
/// The most promotion codes one quote carries.
pub const MAX_PROMOTION_CODES: usize = 5;
/// The longest promotion code, in characters.
pub const MAX_PROMOTION_CODE: usize = 100;
/// The longest shipping method name, in characters.
pub const MAX_NAME: usize = 200;
/// The longest tax label, in characters.
pub const MAX_LABEL: usize = 100;
/// The highest tax rate, in parts per million (100 %).
pub const MAX_RATE_PPM: u32 = 1_000_000;
/// The largest page a listing gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// The rules of `calculate` that need no configuration: the shape of the request. Amount
/// overflow is found while computing (see `calc`).
pub fn quote_request(r: &QuoteRequest) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.currency("/currency", &r.currency);
    if r.lines.is_empty() {
        e.push("/lines", "must have at least one line");
    } else if r.lines.len() > MAX_LINES {
        e.push("/lines", format!("must have at most {MAX_LINES} lines"));
    }
    let mut keys = HashSet::new();
    for (i, line) in r.lines.iter().enumerate() {
        let n = line.key.chars().count();
        if n == 0 || n > MAX_KEY {
            e.push(
                format!("/lines/{i}/key"),
                format!("must be 1 to {MAX_KEY} characters"),
            );
        } else if !keys.insert(line.key.as_str()) {
            e.push(
                format!("/lines/{i}/key"),
                "is given twice: each key at most once per request",
            );
        }
        if !ids::is_id_of(&line.variant_id, VARIANT_PREFIX) {
            e.push(
                format!("/lines/{i}/variant_id"),
                "must be a variant id: \"var_\" followed by 1 to 64 ASCII letters or digits",
            );
        }
        if line.quantity == 0 {
            e.push(format!("/lines/{i}/quantity"), "must be at least 1");
        }
        if line.unit_price.amount < 0 {
            e.push(
                format!("/lines/{i}/unit_price/amount"),
                "must not be negative",
            );
        }
        if line.unit_price.currency != r.currency {
            e.push(
                format!("/lines/{i}/unit_price/currency"),
                format!("must be the quote's currency {:?}", r.currency),
            );
        }
    }
    if let Some(destination) = &r.destination {
        e.country("/destination", destination);
    }
    if r.promotion_codes.len() > MAX_PROMOTION_CODES {
        e.push(
            "/promotion_codes",
            format!("must have at most {MAX_PROMOTION_CODES} codes"),
        );
    }
    for (i, code) in r.promotion_codes.iter().enumerate() {
        let n = code.chars().count();
        if code.trim().is_empty() || n > MAX_PROMOTION_CODE {
            e.push(
                format!("/promotion_codes/{i}"),
                format!("must be 1 to {MAX_PROMOTION_CODE} characters, not blank"),
            );
        }
    }
    e.into_vec()
}

/// The rules of `list-shipping-methods`' currency and destination.
pub fn shipping_filter(currency: &str, destination: Option<&str>) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.currency("/currency", currency);
    if let Some(destination) = destination {
        e.country("/destination", destination);
    }
    e.into_vec()
}

fn rates(e: &mut FieldErrors, rates: &[Money]) {
    let mut currencies = HashSet::new();
    for (i, rate) in rates.iter().enumerate() {
        if e.currency(&format!("/rates/{i}/currency"), &rate.currency)
            && !currencies.insert(rate.currency.as_str())
        {
            e.push(
                format!("/rates/{i}/currency"),
                "is given twice: at most one rate per currency",
            );
        }
        if rate.amount < 0 {
            e.push(format!("/rates/{i}/amount"), "must not be negative");
        }
    }
}

/// The rules of `create-shipping-method` and `update-shipping-method`.
pub fn shipping_method(input: &ShippingMethodInput) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.required_text("/name", &input.name, MAX_NAME);
    rates(&mut e, &input.rates);
    let mut seen = HashSet::new();
    for (i, code) in input.countries.iter().enumerate() {
        let path = format!("/countries/{i}");
        if e.country(&path, code) && !seen.insert(code.as_str()) {
            e.push(path, "is given twice: each country at most once");
        }
    }
    e.into_vec()
}

/// The rules of `set-tax-rate`.
pub fn tax_rate(rate: &TaxRate) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.country("/country", &rate.country);
    if rate.rate_ppm > MAX_RATE_PPM {
        e.push(
            "/rate_ppm",
            format!("must be at most {MAX_RATE_PPM} (100 %)"),
        );
    }
    e.required_text("/label", &rate.label, MAX_LABEL);
    e.into_vec()
}

/// The rules of `delete-tax-rate`.
pub fn country_param(code: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.country("/country", code);
    e.into_vec()
}

/// A checked page request: where to start and how many.
pub use capability_kit::cursor::Page;

/// The rules of a listing's page request, whose cursors carry the tag `tag`.
pub fn page(page: &PageRequest, tag: &str) -> Result<Page, Vec<(String, String)>> {
    cursor::check_page(
        page.limit,
        page.after.as_deref(),
        tag,
        MAX_PAGE_SIZE,
        DEFAULT_PAGE_SIZE,
    )
}

/// Whether a decoded tax-rate cursor names a country (its id part); a cursor that does not
/// is not one this listing made.
pub fn is_country_position(position: &(i64, String)) -> bool {
    position.0 == 0 && country::is_assigned(&position.1)
}
