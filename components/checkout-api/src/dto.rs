//! JSON shapes: the checkout plan stored per idempotency key, and the order and payment
//! as the API shows them.

use commerce_bindings::orders::orders;
use commerce_bindings::payments::payments;
use commerce_types::types;
use serde::{Deserialize, Serialize};

/// An amount in minor units with its ISO 4217 code; its JSON form (in answers and in the
/// stored plan) is `commerce-types`'.
pub use types::Money;

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

/// What a checkout decided on its first run, stored with its idempotency key so that every
/// retry creates exactly the same reservation and order, even after the cart was deleted
/// or a price changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub currency: String,
    pub lines: Vec<Line>,
    pub shipping: Option<Shipping>,
    pub taxes: Vec<Tax>,
    /// "inclusive" or "exclusive".
    pub tax_mode: String,
    pub subtotal: Money,
    pub discount_total: Money,
    pub shipping_total: Money,
    pub tax_total: Money,
    pub grand_total: Money,
    pub shipping_address: Address,
    pub billing_address: Option<Address>,
    pub email: String,
    /// The signed-in customer the order is placed for; `None` for a guest (and in plans
    /// stored before accounts existed).
    #[serde(default)]
    pub customer_id: Option<String>,
}

fn tax_mode_name(mode: types::TaxMode) -> &'static str {
    match mode {
        types::TaxMode::Inclusive => "inclusive",
        types::TaxMode::Exclusive => "exclusive",
    }
}

impl Plan {
    /// The order snapshot of this plan, holding `reservation_id`.
    pub fn snapshot(&self, reservation_id: &str) -> orders::OrderSnapshot {
        let money = Money::clone;
        orders::OrderSnapshot {
            currency: self.currency.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| orders::OrderLine {
                    product_id: l.product_id.clone(),
                    variant_id: l.variant_id.clone(),
                    sku: l.sku.clone(),
                    product_title: l.product_title.clone(),
                    variant_title: l.variant_title.clone(),
                    quantity: l.quantity,
                    unit_price: money(&l.unit_price),
                    subtotal: money(&l.subtotal),
                    discount: money(&l.discount),
                    tax: money(&l.tax),
                })
                .collect(),
            discounts: Vec::new(),
            shipping: self.shipping.as_ref().map(|s| orders::ShippingLine {
                method_id: s.method_id.clone(),
                name: s.name.clone(),
                amount: money(&s.amount),
                tax: money(&s.tax),
            }),
            taxes: self
                .taxes
                .iter()
                .map(|t| types::TaxLine {
                    label: t.label.clone(),
                    country: t.country.clone(),
                    rate_ppm: t.rate_ppm,
                    taxable_amount: money(&t.taxable_amount),
                    amount: money(&t.amount),
                })
                .collect(),
            tax_mode: if self.tax_mode == "inclusive" {
                types::TaxMode::Inclusive
            } else {
                types::TaxMode::Exclusive
            },
            subtotal: money(&self.subtotal),
            discount_total: money(&self.discount_total),
            shipping_total: money(&self.shipping_total),
            tax_total: money(&self.tax_total),
            grand_total: money(&self.grand_total),
            shipping_address: (&self.shipping_address).into(),
            billing_address: self.billing_address.as_ref().map(Into::into),
            email: self.email.clone(),
            customer_id: self.customer_id.clone(),
            reservation_id: Some(reservation_id.to_owned()),
            payment_id: None,
        }
    }
}

/// The status of an order as the API names it.
pub use commerce_bindings::orders_json::order_status;

/// The status of a payment as the API names it.
pub fn payment_status(s: payments::PaymentStatus) -> &'static str {
    use payments::PaymentStatus as S;
    match s {
        S::RequiresConfirmation => "requires_confirmation",
        S::RequiresAction => "requires_action",
        S::Processing => "processing",
        S::RequiresCapture => "requires_capture",
        S::Succeeded => "succeeded",
        S::Failed => "failed",
        S::Cancelled => "cancelled",
    }
}

/// A decline code as the API names it.
pub fn decline_code(c: payments::DeclineCode) -> &'static str {
    use payments::DeclineCode as C;
    match c {
        C::CardDeclined => "card_declined",
        C::InsufficientFunds => "insufficient_funds",
        C::ExpiredCard => "expired_card",
        C::IncorrectCvc => "incorrect_cvc",
        C::IncorrectNumber => "incorrect_number",
        C::AuthenticationFailed => "authentication_failed",
        C::Fraudulent => "fraudulent",
        C::ProcessingError => "processing_error",
        C::Other => "other",
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
            taxes: s
                .taxes
                .into_iter()
                .map(|t| Tax {
                    label: t.label,
                    country: t.country,
                    rate_ppm: t.rate_ppm,
                    taxable_amount: t.taxable_amount,
                    amount: t.amount,
                })
                .collect(),
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

/// What the shopper's browser must do for a payment that requires action.
#[derive(Debug, Serialize)]
pub struct NextAction {
    /// "redirect_to_url" or "provider_sdk".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The URL to send the shopper to, or the value for the provider's script.
    pub value: String,
}

/// A card as receipts show it.
#[derive(Debug, Serialize)]
pub struct Card {
    pub brand: String,
    pub last4: String,
}

/// A payment as the shopper sees it.
#[derive(Debug, Serialize)]
pub struct Payment {
    pub id: String,
    pub status: &'static str,
    pub amount: Money,
    pub next_action: Option<NextAction>,
    pub card: Option<Card>,
}

impl From<payments::Payment> for Payment {
    fn from(p: payments::Payment) -> Self {
        Self {
            id: p.id,
            status: payment_status(p.status),
            amount: p.amount,
            next_action: p.next_action.map(|a| match a {
                payments::NextAction::RedirectToUrl(url) => NextAction {
                    kind: "redirect_to_url",
                    value: url,
                },
                payments::NextAction::ProviderSdk(v) => NextAction {
                    kind: "provider_sdk",
                    value: v,
                },
            }),
            card: p.card.map(|c| Card {
                brand: c.brand,
                last4: c.last4,
            }),
        }
    }
}
