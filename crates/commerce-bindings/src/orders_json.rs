//! The JSON names of the orders' enums and the JSON form of an order summary, in one place
//! for every HTTP component that answers them (checkout-api's shopper views,
//! sales-admin-api's owner views).

use serde::{Deserialize, Serialize};

use crate::orders::orders::{self, OrderStatus, OrderSummary};
use commerce_types::tax_mode_name;
use commerce_types::types::Money;

/// Every order status and its API name (snake_case), in the lifecycle's order.
pub const ORDER_STATUSES: &[(&str, OrderStatus)] = &[
    ("pending_payment", OrderStatus::PendingPayment),
    ("paid", OrderStatus::Paid),
    ("fulfilled", OrderStatus::Fulfilled),
    ("shipped", OrderStatus::Shipped),
    ("delivered", OrderStatus::Delivered),
    ("cancelled", OrderStatus::Cancelled),
    ("refunded", OrderStatus::Refunded),
    ("partially_refunded", OrderStatus::PartiallyRefunded),
];

/// The API name of an order status.
pub fn order_status(status: OrderStatus) -> &'static str {
    ORDER_STATUSES
        .iter()
        .find(|(_, s)| *s == status)
        .map_or("unknown", |(name, _)| name)
}

/// An order in a listing.
#[derive(Serialize)]
pub struct OrderSummaryJson<'a> {
    pub id: &'a str,
    pub number: u64,
    pub status: &'static str,
    pub email: &'a str,
    /// The shipping address's name.
    pub name: &'a str,
    pub grand_total: &'a Money,
    pub item_count: u32,
    pub created_at: i64,
}

impl<'a> From<&'a OrderSummary> for OrderSummaryJson<'a> {
    fn from(o: &'a OrderSummary) -> Self {
        Self {
            id: &o.id,
            number: o.number,
            status: order_status(o.status),
            email: &o.email,
            name: &o.name,
            grand_total: &o.grand_total,
            item_count: o.item_count,
            created_at: o.created_at,
        }
    }
}

/// A postal address, in the request, the stored plan and the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub phone: Option<String>,
}

impl From<&Address> for orders::Address {
    fn from(a: &Address) -> Self {
        Self {
            name: a.name.clone(),
            company: a.company.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            phone: a.phone.clone(),
        }
    }
}

impl From<orders::Address> for Address {
    fn from(a: orders::Address) -> Self {
        Self {
            name: a.name,
            company: a.company,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
            phone: a.phone,
        }
    }
}

/// One order line as priced at checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub product_id: String,
    pub variant_id: String,
    pub sku: String,
    pub product_title: String,
    pub variant_title: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
}

/// The shipping charge as priced at checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipping {
    pub method_id: String,
    pub name: String,
    pub amount: Money,
    pub tax: Money,
}

/// Tax charged at one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tax {
    pub label: String,
    pub country: String,
    pub rate_ppm: u32,
    pub taxable_amount: Money,
    pub amount: Money,
}

impl From<commerce_types::types::TaxLine> for Tax {
    fn from(t: commerce_types::types::TaxLine) -> Self {
        Self {
            label: t.label,
            country: t.country,
            rate_ppm: t.rate_ppm,
            taxable_amount: t.taxable_amount,
            amount: t.amount,
        }
    }
}

/// A shipment's tracking details.
#[derive(Debug, Serialize)]
pub struct Tracking {
    pub carrier: String,
    pub number: String,
    pub url: Option<String>,
}

/// An order as shoppers see it (checkout answer and guest lookup).
#[derive(Debug, Serialize)]
pub struct Order {
    pub id: String,
    pub number: u64,
    pub status: &'static str,
    pub currency: String,
    pub lines: Vec<Line>,
    pub shipping: Option<Shipping>,
    pub taxes: Vec<Tax>,
    pub tax_mode: &'static str,
    pub subtotal: Money,
    pub discount_total: Money,
    pub shipping_total: Money,
    pub tax_total: Money,
    pub grand_total: Money,
    pub refunded_total: Money,
    pub shipping_address: Address,
    pub billing_address: Option<Address>,
    pub email: String,
    pub tracking: Option<Tracking>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub fulfilled_at: Option<i64>,
    pub shipped_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub cancelled_at: Option<i64>,
}

impl From<orders::Order> for Order {
    fn from(o: orders::Order) -> Self {
        let s = o.snapshot;
        Self {
            id: o.id,
            number: o.number,
            status: order_status(o.status),
            currency: s.currency,
            lines: s
                .lines
                .into_iter()
                .map(|l| Line {
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    sku: l.sku,
                    product_title: l.product_title,
                    variant_title: l.variant_title,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    subtotal: l.subtotal,
                    discount: l.discount,
                    tax: l.tax,
                })
                .collect(),
            shipping: s.shipping.map(|sh| Shipping {
                method_id: sh.method_id,
                name: sh.name,
                amount: sh.amount,
                tax: sh.tax,
            }),
            taxes: s.taxes.into_iter().map(Tax::from).collect(),
            tax_mode: tax_mode_name(s.tax_mode),
            subtotal: s.subtotal,
            discount_total: s.discount_total,
            shipping_total: s.shipping_total,
            tax_total: s.tax_total,
            grand_total: s.grand_total,
            refunded_total: o.refunded_total,
            shipping_address: s.shipping_address.into(),
            billing_address: s.billing_address.map(Into::into),
            email: s.email,
            tracking: o.tracking.map(|t| Tracking {
                carrier: t.carrier,
                number: t.number,
                url: t.url,
            }),
            created_at: o.created_at,
            paid_at: o.paid_at,
            fulfilled_at: o.fulfilled_at,
            shipped_at: o.shipped_at,
            delivered_at: o.delivered_at,
            cancelled_at: o.cancelled_at,
        }
    }
}
