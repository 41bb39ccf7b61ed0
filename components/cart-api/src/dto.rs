//! The JSON shapes of the cart API (snake_case), built from the cart, the catalog's
//! variants and pricing's quotes.

use std::collections::HashMap;

use serde::Serialize;

use crate::bindings::commerce::cart::cart;
use crate::bindings::commerce::catalog::catalog::{ProductStatus, VariantInfo};
use crate::bindings::commerce::pricing::pricing;
use commerce_types::types;

/// An amount in minor units and its currency; its JSON form is `commerce-types`'.
pub use types::Money;

/// Whether a line can be bought right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Published, and priced in the cart's currency.
    Available,
    /// The product is no longer published, or the variant no longer exists.
    Discontinued,
    /// The variant has no price in the cart's currency any more.
    Unpriced,
}

/// A cart line with the catalog's current data.
#[derive(Debug, Serialize)]
pub struct Line {
    pub id: String,
    pub product_id: String,
    pub variant_id: String,
    pub sku: Option<String>,
    pub product_title: Option<String>,
    pub variant_title: Option<String>,
    pub quantity: u32,
    pub status: LineStatus,
    /// The current price of one unit in the cart's currency; `null` unless `available`.
    pub unit_price: Option<Money>,
    /// `unit_price` × `quantity`; `null` unless `available`.
    pub line_total: Option<Money>,
    pub added_at: i64,
    pub updated_at: i64,
}

/// A cart as the shopper sees it.
#[derive(Debug, Serialize)]
pub struct Cart {
    pub id: String,
    pub currency: String,
    pub lines: Vec<Line>,
    /// The units of all lines.
    pub item_count: u32,
    /// The sum of the `available` lines' totals.
    pub subtotal: Money,
    /// At least one line, every line `available`, and the cart not ordered.
    pub ready_for_checkout: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    /// The checkout holding the cart or that ordered it; `null` while the cart is open.
    pub checkout: Option<Checkout>,
}

/// Where a cart stands with checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStatus {
    /// A checkout holds the cart: its lines cannot change until it ends.
    InProgress,
    /// The cart became an order and is never bought again.
    Ordered,
}

/// The checkout of a cart (never the checkout's key or holder).
#[derive(Debug, Serialize)]
pub struct Checkout {
    pub status: CheckoutStatus,
    /// When the checkout claimed the cart.
    pub since: i64,
    /// The number of the order the cart became; `null` while in progress.
    pub order_number: Option<u64>,
}

impl Checkout {
    pub fn new(hold: &cart::CheckoutHold) -> Self {
        Self {
            status: if hold.order_ref.is_some() {
                CheckoutStatus::Ordered
            } else {
                CheckoutStatus::InProgress
            },
            since: hold.since,
            order_number: hold.order_ref.as_deref().and_then(|r| r.parse().ok()),
        }
    }
}

impl Cart {
    /// The cart with each line's current title and price from `variants`.
    pub fn new(cart: cart::Cart, variants: &HashMap<String, VariantInfo>) -> Self {
        let currency = cart.currency;
        let lines: Vec<Line> = cart
            .lines
            .into_iter()
            .map(|line| {
                let info = variants.get(&line.variant_id);
                let price = info.and_then(|i| {
                    i.variant
                        .prices
                        .iter()
                        .find(|p| p.currency == currency)
                        .map(|p| p.amount)
                });
                let status = match info {
                    Some(i) if i.status == ProductStatus::Published => {
                        if price.is_some() {
                            LineStatus::Available
                        } else {
                            LineStatus::Unpriced
                        }
                    }
                    _ => LineStatus::Discontinued,
                };
                let unit_price = price.filter(|_| status == LineStatus::Available);
                Line {
                    id: line.id,
                    product_id: line.product_id,
                    variant_id: line.variant_id,
                    sku: info.map(|i| i.variant.sku.clone()),
                    product_title: info.map(|i| i.product_title.clone()),
                    variant_title: info.map(|i| i.variant.title.clone()),
                    quantity: line.quantity,
                    status,
                    unit_price: unit_price.map(|amount| Money {
                        amount,
                        currency: currency.clone(),
                    }),
                    line_total: unit_price.map(|amount| Money {
                        amount: amount.saturating_mul(i64::from(line.quantity)),
                        currency: currency.clone(),
                    }),
                    added_at: line.added_at,
                    updated_at: line.updated_at,
                }
            })
            .collect();
        let subtotal = lines
            .iter()
            .filter_map(|l| l.line_total.as_ref())
            .fold(0i64, |sum, m| sum.saturating_add(m.amount));
        let checkout = cart.checkout.as_ref().map(Checkout::new);
        let ordered = checkout
            .as_ref()
            .is_some_and(|c| c.status == CheckoutStatus::Ordered);
        let ready = !ordered
            && !lines.is_empty()
            && lines.iter().all(|l| l.status == LineStatus::Available);
        Self {
            id: cart.id,
            currency: currency.clone(),
            lines,
            item_count: cart.item_count,
            subtotal: Money {
                amount: subtotal,
                currency,
            },
            ready_for_checkout: ready,
            created_at: cart.created_at,
            updated_at: cart.updated_at,
            expires_at: cart.expires_at,
            checkout,
        }
    }
}

/// A new cart and its token, which is shown only here. A customer's cart has none: the
/// session finds it.
#[derive(Debug, Serialize)]
pub struct NewCart {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub cart: Cart,
}

/// A guest line that a merge did not move whole.
#[derive(Debug, Serialize)]
pub struct MergeSkip {
    pub variant_id: String,
    pub wanted: u32,
    pub moved: u32,
    /// `unavailable`, `no_price`, `line_quantity`, `cart_quantity` or `line_count`.
    pub reason: &'static str,
}

/// `POST /api/cart/merge`: the customer's cart after a guest cart was merged into it.
#[derive(Debug, Serialize)]
pub struct MergedCart {
    pub cart: Cart,
    pub adopted: bool,
    pub skipped: Vec<MergeSkip>,
}

impl MergedCart {
    pub fn new(merged: cart::MergedCart, variants: &HashMap<String, VariantInfo>) -> Self {
        Self {
            cart: Cart::new(merged.cart, variants),
            adopted: merged.adopted,
            skipped: merged
                .skipped
                .into_iter()
                .map(|s| MergeSkip {
                    variant_id: s.variant_id,
                    wanted: s.wanted,
                    moved: s.moved,
                    reason: match s.reason {
                        cart::MergeSkipReason::Unavailable => "unavailable",
                        cart::MergeSkipReason::NoPrice => "no_price",
                        cart::MergeSkipReason::LineQuantity => "line_quantity",
                        cart::MergeSkipReason::CartQuantity => "cart_quantity",
                        cart::MergeSkipReason::LineCount => "line_count",
                    },
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TotalsLine {
    pub line_id: String,
    pub variant_id: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
}

#[derive(Debug, Serialize)]
pub struct Shipping {
    pub method_id: String,
    pub name: String,
    pub amount: Money,
    pub tax: Money,
}

#[derive(Debug, Serialize)]
pub struct TaxLine {
    pub label: String,
    pub country: String,
    pub rate_ppm: u32,
    pub taxable_amount: Money,
    pub amount: Money,
}

/// A priced cart: pricing's quote of its `available` lines.
#[derive(Debug, Serialize)]
pub struct Totals {
    pub currency: String,
    pub lines: Vec<TotalsLine>,
    /// Lines left out because they cannot be bought now.
    pub excluded_line_ids: Vec<String>,
    pub shipping: Option<Shipping>,
    pub taxes: Vec<TaxLine>,
    /// `inclusive` or `exclusive`; `null` without a country.
    pub tax_mode: Option<&'static str>,
    pub subtotal: Money,
    pub discount_total: Money,
    pub shipping_total: Money,
    pub tax_total: Money,
    pub grand_total: Money,
}

impl Totals {
    pub fn new(quote: pricing::Quote, excluded_line_ids: Vec<String>) -> Self {
        Self {
            currency: quote.currency,
            lines: quote
                .lines
                .into_iter()
                .map(|l| TotalsLine {
                    line_id: l.key,
                    variant_id: l.variant_id,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    subtotal: l.subtotal,
                    discount: l.discount,
                    tax: l.tax,
                })
                .collect(),
            excluded_line_ids,
            shipping: quote.shipping.map(|s| Shipping {
                method_id: s.method_id,
                name: s.name,
                amount: s.amount,
                tax: s.tax,
            }),
            taxes: quote
                .taxes
                .into_iter()
                .map(|t| TaxLine {
                    label: t.label,
                    country: t.country,
                    rate_ppm: t.rate_ppm,
                    taxable_amount: t.taxable_amount,
                    amount: t.amount,
                })
                .collect(),
            tax_mode: quote.tax_mode.map(|m| match m {
                types::TaxMode::Inclusive => "inclusive",
                types::TaxMode::Exclusive => "exclusive",
            }),
            subtotal: quote.subtotal,
            discount_total: quote.discount_total,
            shipping_total: quote.shipping_total,
            tax_total: quote.tax_total,
            grand_total: quote.grand_total,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ShippingMethod {
    pub id: String,
    pub name: String,
    /// The flat rate in the asked currency.
    pub price: Money,
    /// The countries it ships to; empty means every country the shop sells to.
    pub countries: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ShippingMethods {
    pub items: Vec<ShippingMethod>,
    /// The `after` of the next page; `null` on the last.
    pub next: Option<String>,
}

impl ShippingMethods {
    pub fn new(page: pricing::ShippingMethodPage, currency: &str) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .filter_map(|m| {
                    let rate = m.rates.into_iter().find(|r| r.currency == currency)?;
                    Some(ShippingMethod {
                        id: m.id,
                        name: m.name,
                        price: rate,
                        countries: m.countries,
                    })
                })
                .collect(),
            next: page.page.next,
        }
    }
}
