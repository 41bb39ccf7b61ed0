//! The pricing capability component: the glue between the WIT exports
//! (`commerce:pricing/pricing`, `commerce:pricing/pricing-admin`) and pricing's arithmetic
//! ([`calc`]), rules ([`validate`]) and tables ([`store`], [`schema`]).
//!
//! Every Spin request gets a fresh instance and the SQLite database is shared, so nothing
//! here keeps state between calls.

mod calc;
mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "pricing-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::{clock, cursor, ids};
use commerce_types::types::{FieldError, Money, PageInfo, PageRequest, TaxLine, TaxMode};
use exports::commerce::pricing::pricing::{
    Error, Guest as PricingGuest, Quote, QuoteRequest, QuotedLine, ShippingCharge, ShippingMethod,
    ShippingMethodPage,
};
use exports::commerce::pricing::pricing_admin::{
    Guest as AdminGuest, ShippingMethodInput, TaxRate, TaxRatePage,
};

pub(crate) const VARIANT_PREFIX: &str = "var";
pub(crate) const SHIPPING_PREFIX: &str = "ship";

/// The tags of the listings' cursors; a new cursor format gets a new tag.
const SHIPPING_CURSOR: &str = "pricing.shipping.v1";
const ALL_SHIPPING_CURSOR: &str = "pricing.shipping-all.v1";
const TAX_RATES_CURSOR: &str = "pricing.tax-rates.v1";

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("pricing sqlite: {e}"))
    }
}

fn invalid(errors: Vec<(String, String)>) -> Error {
    Error::InvalidInput(
        errors
            .into_iter()
            .map(|(path, message)| FieldError { path, message })
            .collect(),
    )
}

fn check(errors: Vec<(String, String)>) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors))
    }
}

fn money(amount: i64, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.to_owned(),
    }
}

fn page_info(tag: &str, next: Option<(i64, String)>) -> PageInfo {
    PageInfo {
        next: next.map(|(key, id)| cursor::encode(tag, key, &id)),
    }
}

/// The amount `method` charges for a quote in `currency` to `destination`, or
/// `shipping-unavailable` when it cannot be used for it.
fn shipping_amount(
    method: &ShippingMethod,
    currency: &str,
    destination: Option<&str>,
) -> Result<i64, Error> {
    let unavailable = || Error::ShippingUnavailable(method.id.clone());
    if !method.active {
        return Err(unavailable());
    }
    let serves = method.countries.is_empty()
        || destination.is_some_and(|d| method.countries.iter().any(|c| c == d));
    if !serves {
        return Err(unavailable());
    }
    method
        .rates
        .iter()
        .find(|r| r.currency == currency)
        .map(|r| r.amount)
        .ok_or_else(unavailable)
}

fn overflow(o: calc::Overflow) -> Error {
    let (path, message) = match o {
        calc::Overflow::Line(i) => (
            format!("/lines/{i}"),
            "unit_price × quantity does not fit in a 64-bit amount",
        ),
        calc::Overflow::Total => (
            "/lines".to_owned(),
            "the quote's totals do not fit in a 64-bit amount",
        ),
    };
    invalid(vec![(path, message.to_owned())])
}

impl PricingGuest for Component {
    fn max_page_size() -> u32 {
        validate::MAX_PAGE_SIZE
    }

    fn calculate(request: QuoteRequest) -> Result<Quote, Error> {
        check(validate::quote_request(&request))?;
        let currency = request.currency.as_str();
        let destination = request.destination.as_deref();
        let method_id = request.shipping_method.as_deref();
        // An id of another kind names no method: `not-found` without a lookup.
        let lookup = method_id.filter(|id| ids::is_id_of(id, SHIPPING_PREFIX));
        let (rate, method) = store::Store::open()?.quote_config(destination, lookup)?;
        if let (Some(country), None) = (destination, &rate) {
            return Err(Error::UnsupportedDestination(country.to_owned()));
        }
        let shipping = match method_id {
            None => None,
            Some(_) => {
                let method = method.ok_or(Error::NotFound)?;
                let amount = shipping_amount(&method, currency, destination)?;
                Some((method, amount))
            }
        };
        if let Some(code) = request.promotion_codes.first() {
            return Err(Error::PromotionRejected(code.clone()));
        }

        let rule = rate.as_ref().map(|r| calc::TaxRule {
            rate_ppm: r.rate_ppm,
            mode: match r.mode {
                TaxMode::Inclusive => calc::Mode::Inclusive,
                TaxMode::Exclusive => calc::Mode::Exclusive,
            },
            applies_to_shipping: r.applies_to_shipping,
        });
        let lines: Vec<calc::Line> = request
            .lines
            .iter()
            .map(|l| calc::Line {
                unit_price: l.unit_price.amount,
                quantity: l.quantity,
                discount: 0,
            })
            .collect();
        let totals =
            calc::quote(&lines, shipping.as_ref().map(|(_, a)| *a), rule).map_err(overflow)?;

        let quoted = request
            .lines
            .into_iter()
            .zip(&totals.lines)
            .map(|(line, priced)| QuotedLine {
                key: line.key,
                variant_id: line.variant_id,
                quantity: line.quantity,
                unit_price: line.unit_price,
                subtotal: money(priced.subtotal, currency),
                discount: money(priced.discount, currency),
                tax: money(priced.tax, currency),
            })
            .collect();
        let shipping = shipping
            .zip(totals.shipping)
            .map(|((method, _), priced)| ShippingCharge {
                method_id: method.id,
                name: method.name,
                amount: money(priced.amount, currency),
                tax: money(priced.tax, currency),
            });
        let taxes = rate
            .iter()
            .map(|r| TaxLine {
                label: r.label.clone(),
                country: r.country.clone(),
                rate_ppm: r.rate_ppm,
                taxable_amount: money(totals.taxable_total, currency),
                amount: money(totals.tax_total, currency),
            })
            .collect();
        Ok(Quote {
            currency: currency.to_owned(),
            lines: quoted,
            discounts: Vec::new(),
            shipping,
            taxes,
            tax_mode: rate.map(|r| r.mode),
            subtotal: money(totals.subtotal, currency),
            discount_total: money(totals.discount_total, currency),
            shipping_total: money(totals.shipping_total, currency),
            tax_total: money(totals.tax_total, currency),
            grand_total: money(totals.grand_total, currency),
        })
    }

    fn list_shipping_methods(
        currency: String,
        destination: Option<String>,
        page: PageRequest,
    ) -> Result<ShippingMethodPage, Error> {
        let mut errors = validate::shipping_filter(&currency, destination.as_deref());
        let page = match validate::page(&page, SHIPPING_CURSOR) {
            Ok(page) => Some(page),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        check(errors)?;
        let page = page.expect("checked above");
        let (items, next) = store::Store::open()?.list_shipping_methods(
            &currency,
            destination.as_deref(),
            &page,
        )?;
        Ok(ShippingMethodPage {
            items,
            page: page_info(SHIPPING_CURSOR, next),
        })
    }
}

/// The method id, or `not-found` without a lookup when it is not shaped like one.
fn shipping_id(id: &str) -> Result<&str, Error> {
    if ids::is_id_of(id, SHIPPING_PREFIX) {
        Ok(id)
    } else {
        Err(Error::NotFound)
    }
}

impl AdminGuest for Component {
    fn create_shipping_method(input: ShippingMethodInput) -> Result<ShippingMethod, Error> {
        check(validate::shipping_method(&input))?;
        store::Store::open()?.create_shipping_method(&input, clock::now_ms())
    }

    fn update_shipping_method(
        id: String,
        input: ShippingMethodInput,
    ) -> Result<ShippingMethod, Error> {
        check(validate::shipping_method(&input))?;
        let id = shipping_id(&id)?;
        store::Store::open()?
            .update_shipping_method(id, &input, clock::now_ms())?
            .ok_or(Error::NotFound)
    }

    fn delete_shipping_method(id: String) -> Result<(), Error> {
        if !ids::is_id_of(&id, SHIPPING_PREFIX) {
            // Names no method: deleting it is already done.
            return Ok(());
        }
        store::Store::open()?.delete_shipping_method(&id)
    }

    fn list_all_shipping_methods(page: PageRequest) -> Result<ShippingMethodPage, Error> {
        let page = validate::page(&page, ALL_SHIPPING_CURSOR).map_err(invalid)?;
        let (items, next) = store::Store::open()?.list_all_shipping_methods(&page)?;
        Ok(ShippingMethodPage {
            items,
            page: page_info(ALL_SHIPPING_CURSOR, next),
        })
    }

    fn set_tax_rate(rate: TaxRate) -> Result<TaxRate, Error> {
        check(validate::tax_rate(&rate))?;
        store::Store::open()?.set_tax_rate(&rate, clock::now_ms())
    }

    fn delete_tax_rate(country: String) -> Result<(), Error> {
        check(validate::country_param(&country))?;
        store::Store::open()?.delete_tax_rate(&country)
    }

    fn list_tax_rates(page: PageRequest) -> Result<TaxRatePage, Error> {
        let page = validate::page(&page, TAX_RATES_CURSOR).map_err(invalid)?;
        if page
            .after
            .as_ref()
            .is_some_and(|p| !validate::is_country_position(p))
        {
            return Err(invalid(vec![(
                "/after".into(),
                "is not a cursor of this listing".into(),
            )]));
        }
        let (items, next) = store::Store::open()?.list_tax_rates(&page)?;
        Ok(TaxRatePage {
            items,
            page: page_info(TAX_RATES_CURSOR, next),
        })
    }
}
