//! The JSON names of the orders' enums and the JSON form of an order summary, in one place
//! for every HTTP component that answers them (checkout-api's shopper views,
//! sales-admin-api's owner views).

use serde::Serialize;

use crate::orders::orders::{OrderStatus, OrderSummary};
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
