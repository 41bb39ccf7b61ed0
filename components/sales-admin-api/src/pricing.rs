//! `/admin/shipping-methods` and `/admin/tax-rates`: what pricing is configured with. Quotes
//! already taken and orders already placed keep the values they had (they are snapshots).

use crate::fail::Fail;
use crate::orders::all_pages;
use crate::{json, listing_query, no_content, no_query, no_route, output, page};
use api_kit::{At, JsonChecker, Problem, allow};
use commerce_bindings::pricing::pricing::{self, ShippingMethod};
use commerce_bindings::pricing::pricing_admin::{self as admin, ShippingMethodInput, TaxRate};
use commerce_types::types::{Money, TaxMode};
use spin_sdk::http::{Method, Request, Response};

/// The largest rate a body may name: 10^15 minor units.
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

// --- shipping methods ---------------------------------------------------------------------

/// `/admin/shipping-methods/...`, `rest` being the segments after `shipping-methods`.
pub fn shipping_route(req: &Request, rest: &[&str]) -> Result<Response, Fail> {
    match rest {
        [] => {
            allow(req, &[Method::Get, Method::Post])?;
            if *req.method() == Method::Get {
                list_methods(req)
            } else {
                no_query(req)?;
                let input = crate::body(req, method_input)?;
                let method = admin::create_shipping_method(&input)?;
                let mut res = json(201, &output::shipping_method(&method))?;
                res.set_header("location", format!("/admin/shipping-methods/{}", method.id));
                Ok(res)
            }
        }
        [id] => {
            allow(req, &[Method::Get, Method::Put, Method::Delete])?;
            no_query(req)?;
            match req.method() {
                Method::Get => json(200, &output::shipping_method(&find_method(id)?)),
                Method::Put => {
                    let input = crate::body(req, method_input)?;
                    let method = admin::update_shipping_method(id, &input)?;
                    json(200, &output::shipping_method(&method))
                }
                _ => {
                    admin::delete_shipping_method(id)?;
                    no_content()
                }
            }
        }
        _ => Err(no_route()),
    }
}

/// A shipping method body: `name` and `rates` required; `countries` (every country the shop
/// sells to when empty), `active` (true) and `position` (0) optional. A `PUT` replaces every
/// field, so what it leaves out takes these defaults.
fn method_input(c: &mut JsonChecker, at: &At) -> ShippingMethodInput {
    let o = c.object(at, &["name", "rates", "countries", "active", "position"]);
    let rates = c
        .array(&o.field("rates"))
        .iter()
        .map(|item| {
            let m = c.object(item, &["amount", "currency"]);
            Money {
                amount: c.integer(&m.field("amount"), 0, MAX_AMOUNT),
                currency: c.string(&m.field("currency")),
            }
        })
        .collect();
    let countries = c
        .opt_array(&o.field("countries"))
        .iter()
        .map(|item| c.string(item))
        .collect();
    let active = if o.has("active") {
        c.boolean(&o.field("active"))
    } else {
        true
    };
    ShippingMethodInput {
        name: c.string(&o.field("name")),
        rates,
        countries,
        active,
        position: c.opt_u32(&o.field("position")).unwrap_or(0),
    }
}

/// `GET /admin/shipping-methods?limit=&after=`: every method, active or not, by position.
fn list_methods(req: &Request) -> Result<Response, Fail> {
    let mut q = listing_query(req, &[]);
    let page = page(&mut q);
    crate::page_response(
        q,
        admin::list_all_shipping_methods(&page).map(|p| (p.items, p.page.next)),
        output::shipping_method,
    )
}

/// One shipping method (pricing lists them; a shop has a handful).
fn find_method(id: &str) -> Result<ShippingMethod, Fail> {
    all_pages(|page| admin::list_all_shipping_methods(&page).map(|p| (p.items, p.page.next)))?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| pricing::Error::NotFound.into())
}

// --- tax rates ----------------------------------------------------------------------------

/// `/admin/tax-rates/...`, `rest` being the segments after `tax-rates`.
pub fn tax_route(req: &Request, rest: &[&str]) -> Result<Response, Fail> {
    match rest {
        [] => {
            allow(req, &[Method::Get])?;
            let mut q = listing_query(req, &[]);
            let page = page(&mut q);
            crate::page_response(
                q,
                admin::list_tax_rates(&page).map(|p| (p.items, p.page.next)),
                output::tax_rate,
            )
        }
        [country] => {
            allow(req, &[Method::Get, Method::Put, Method::Delete])?;
            no_query(req)?;
            match req.method() {
                Method::Get => match find_rate(country)? {
                    Some(rate) => json(200, &output::tax_rate(&rate)),
                    None => Err(no_rate(country)),
                },
                Method::Put => {
                    let mut rate = crate::body(req, tax_rate)?;
                    rate.country = (*country).to_owned();
                    let existed = find_rate(country)?.is_some();
                    let rate = admin::set_tax_rate(&rate)?;
                    json(if existed { 200 } else { 201 }, &output::tax_rate(&rate))
                }
                _ => {
                    admin::delete_tax_rate(country)?;
                    no_content()
                }
            }
        }
        _ => Err(no_route()),
    }
}

fn no_rate(country: &str) -> Fail {
    Problem::not_found(format!("No tax rate is set for {country}.")).into()
}

/// The rate of `country`, if one is set.
fn find_rate(country: &str) -> Result<Option<TaxRate>, Fail> {
    Ok(
        all_pages(|page| admin::list_tax_rates(&page).map(|p| (p.items, p.page.next)))?
            .into_iter()
            .find(|r| r.country == country),
    )
}

/// A tax rate body (the country is in the URL): `{"rate_ppm": 190000, "mode": "inclusive",
/// "applies_to_shipping": true, "label": "VAT 19%"}`, every field required.
fn tax_rate(c: &mut JsonChecker, at: &At) -> TaxRate {
    let o = c.object(at, &["rate_ppm", "mode", "applies_to_shipping", "label"]);
    let rate_ppm = c.u32(&o.field("rate_ppm"));
    let mode = match c
        .one_of(&o.field("mode"), &["inclusive", "exclusive"])
        .as_str()
    {
        "exclusive" => TaxMode::Exclusive,
        _ => TaxMode::Inclusive,
    };
    TaxRate {
        country: String::new(),
        rate_ppm,
        mode,
        applies_to_shipping: c.boolean(&o.field("applies_to_shipping")),
        label: c.string(&o.field("label")),
    }
}
