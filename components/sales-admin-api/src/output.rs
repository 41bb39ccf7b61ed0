//! The JSON this API answers with: snake_case names, money as `{"amount", "currency"}` in
//! minor units, timestamps in ms since the Unix epoch, enums as snake_case strings. See the
//! `SalesAdmin*` schemas in openapi.json.

use commerce_bindings::inventory::inventory;
use commerce_bindings::inventory::inventory::{ReservationStatus, StockLevel};
use commerce_bindings::inventory::inventory_admin::{MovementReason, StockMovement};
use commerce_bindings::orders::orders::{Address, Order, OrderRefundStatus, OrderSummary};
use commerce_bindings::orders::orders_admin::{OrderEvent, OrderEventKind};
use commerce_bindings::payments::payments;
use commerce_bindings::payments::payments::{
    DeclineCode, Payment, PaymentStatus, Refund, RefundStatus,
};
use commerce_bindings::pricing::pricing::ShippingMethod;
use commerce_bindings::pricing::pricing_admin::TaxRate;
use commerce_types::types::Money;
use serde_json::{Value, json};

pub fn money(m: &Money) -> Value {
    serde_json::to_value(m).expect("money serialises")
}

/// The API name of `value` in a table of (name, value).
fn name_of<T: PartialEq + Copy>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("unknown", |(name, _)| name)
}

/// The names of order statuses, in the WIT's order.
pub use commerce_bindings::orders_json::{ORDER_STATUSES, order_status};

pub use commerce_types::tax_mode_name as tax_mode;

fn address(a: &Address) -> Value {
    json!({
        "name": a.name,
        "company": a.company,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "region": a.region,
        "postal_code": a.postal_code,
        "country": a.country,
        "phone": a.phone,
    })
}

/// The payment behind an order: set by `mark-paid`, or named in the snapshot.
pub fn payment_id(o: &Order) -> Option<&String> {
    o.payment_id.as_ref().or(o.snapshot.payment_id.as_ref())
}

/// What is left to refund of an order: its grand total less its refunds, pending ones
/// included (they hold their share until they settle).
pub fn refundable(o: &Order) -> Money {
    Money {
        amount: (o.snapshot.grand_total.amount
            - o.refunded_total.amount
            - o.refund_pending_total.amount)
            .max(0),
        currency: o.snapshot.currency.clone(),
    }
}

/// An order as the shop owner sees it: the snapshot, the bookkeeping and the ids of the
/// payment and the reservation behind it.
pub fn order(o: &Order) -> Value {
    let s = &o.snapshot;
    json!({
        "id": o.id,
        "number": o.number,
        "status": order_status(o.status),
        "currency": s.currency,
        "lines": s.lines.iter().map(|l| json!({
            "product_id": l.product_id,
            "variant_id": l.variant_id,
            "sku": l.sku,
            "product_title": l.product_title,
            "variant_title": l.variant_title,
            "quantity": l.quantity,
            "unit_price": money(&l.unit_price),
            "subtotal": money(&l.subtotal),
            "discount": money(&l.discount),
            "tax": money(&l.tax),
        })).collect::<Vec<_>>(),
        "discounts": s.discounts.iter().map(|d| json!({
            "code": d.code,
            "label": d.label,
            "amount": money(&d.amount),
        })).collect::<Vec<_>>(),
        "shipping": s.shipping.as_ref().map(|sh| json!({
            "method_id": sh.method_id,
            "name": sh.name,
            "amount": money(&sh.amount),
            "tax": money(&sh.tax),
        })),
        "taxes": s.taxes.iter().map(|t| json!({
            "label": t.label,
            "country": t.country,
            "rate_ppm": t.rate_ppm,
            "taxable_amount": money(&t.taxable_amount),
            "amount": money(&t.amount),
        })).collect::<Vec<_>>(),
        "tax_mode": tax_mode(s.tax_mode),
        "subtotal": money(&s.subtotal),
        "discount_total": money(&s.discount_total),
        "shipping_total": money(&s.shipping_total),
        "tax_total": money(&s.tax_total),
        "grand_total": money(&s.grand_total),
        "refunded_total": money(&o.refunded_total),
        "refund_pending_total": money(&o.refund_pending_total),
        "refundable": money(&refundable(o)),
        "shipping_address": address(&s.shipping_address),
        "billing_address": s.billing_address.as_ref().map(address),
        "email": s.email,
        "customer_id": s.customer_id,
        "reservation_id": o.reservation_id,
        "payment_id": payment_id(o),
        "tracking": o.tracking.as_ref().map(|t| json!({
            "carrier": t.carrier,
            "number": t.number,
            "url": t.url,
        })),
        "refunds": o.refunds.iter().map(|r| json!({
            "amount": money(&r.amount),
            "refund_id": r.refund_id,
            "status": order_refund_status(r.status),
            "reason": r.reason,
            "actor": r.actor,
            "created_at": r.created_at,
            "settled_at": r.settled_at,
        })).collect::<Vec<_>>(),
        "created_at": o.created_at,
        "paid_at": o.paid_at,
        "fulfilled_at": o.fulfilled_at,
        "shipped_at": o.shipped_at,
        "delivered_at": o.delivered_at,
        "cancelled_at": o.cancelled_at,
        "cancel_reason": o.cancel_reason,
        "updated_at": o.updated_at,
    })
}

fn order_refund_status(s: OrderRefundStatus) -> &'static str {
    match s {
        OrderRefundStatus::Pending => "pending",
        OrderRefundStatus::Succeeded => "succeeded",
        OrderRefundStatus::Failed => "failed",
    }
}

pub fn order_summary(o: &OrderSummary) -> Value {
    serde_json::to_value(commerce_bindings::orders_json::OrderSummaryJson::from(o))
        .expect("an order summary serialises")
}

pub fn order_event(e: &OrderEvent) -> Value {
    let (kind, status, amount) = match &e.kind {
        OrderEventKind::Created => ("created", None, None),
        OrderEventKind::StatusChanged(s) => ("status_changed", Some(order_status(*s)), None),
        OrderEventKind::RefundRecorded(m) => ("refund_recorded", None, Some(money(m))),
        OrderEventKind::RefundRequested(m) => ("refund_requested", None, Some(money(m))),
        OrderEventKind::RefundFailed(m) => ("refund_failed", None, Some(money(m))),
        OrderEventKind::Note => ("note", None, None),
    };
    json!({
        "kind": kind,
        "status": status,
        "amount": amount,
        "actor": e.actor,
        "note": e.note,
        "created_at": e.created_at,
    })
}

pub fn payment_status(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::RequiresConfirmation => "requires_confirmation",
        PaymentStatus::RequiresAction => "requires_action",
        PaymentStatus::Processing => "processing",
        PaymentStatus::RequiresCapture => "requires_capture",
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::Failed => "failed",
        PaymentStatus::Cancelled => "cancelled",
    }
}

pub fn decline_code(c: DeclineCode) -> &'static str {
    match c {
        DeclineCode::CardDeclined => "card_declined",
        DeclineCode::InsufficientFunds => "insufficient_funds",
        DeclineCode::ExpiredCard => "expired_card",
        DeclineCode::IncorrectCvc => "incorrect_cvc",
        DeclineCode::IncorrectNumber => "incorrect_number",
        DeclineCode::AuthenticationFailed => "authentication_failed",
        DeclineCode::Fraudulent => "fraudulent",
        DeclineCode::ProcessingError => "processing_error",
        DeclineCode::Other => "other",
    }
}

/// A payment as the shop owner sees it, with its refunds.
pub fn payment(p: &Payment, refunds: &[Refund]) -> Value {
    json!({
        "id": p.id,
        "provider": match p.provider {
            payments::Provider::Test => "test",
            payments::Provider::Stripe => "stripe",
        },
        "provider_reference": p.provider_reference,
        "status": payment_status(p.status),
        "amount": money(&p.amount),
        "amount_captured": money(&p.amount_captured),
        "amount_refunded": money(&p.amount_refunded),
        "card": p.card.as_ref().map(|c| json!({
            "brand": c.brand,
            "last4": c.last4,
            "exp_month": c.exp_month,
            "exp_year": c.exp_year,
        })),
        "last_decline": p.last_decline.as_ref().map(|d| json!({
            "code": decline_code(d.code),
            "message": d.message,
        })),
        "refunds": refunds.iter().map(refund).collect::<Vec<_>>(),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    })
}

pub fn refund(r: &Refund) -> Value {
    json!({
        "id": r.id,
        "payment_id": r.payment_id,
        "amount": money(&r.amount),
        "status": match r.status {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        },
        "reason": r.reason,
        "provider_reference": r.provider_reference,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    })
}

pub fn stock(s: &StockLevel) -> Value {
    json!({
        "variant_id": s.variant_id,
        "on_hand": s.on_hand,
        "reserved": s.reserved,
        "available": s.available,
    })
}

/// The movement reasons by name, in the WIT's order.
pub const MOVEMENT_REASONS: &[(&str, MovementReason)] = &[
    ("received", MovementReason::Received),
    ("recount", MovementReason::Recount),
    ("damaged", MovementReason::Damaged),
    ("lost", MovementReason::Lost),
    ("returned", MovementReason::Returned),
    ("cancellation", MovementReason::Cancellation),
    ("correction", MovementReason::Correction),
    ("sale", MovementReason::Sale),
];

pub fn movement_reason(value: MovementReason) -> &'static str {
    name_of(MOVEMENT_REASONS, value)
}

pub fn movement(m: &StockMovement) -> Value {
    json!({
        "id": m.id,
        "variant_id": m.variant_id,
        "delta": m.delta,
        "on_hand_after": m.on_hand_after,
        "reason": movement_reason(m.reason),
        "note": m.note,
        "actor": m.actor,
        "reservation_id": m.reservation_id,
        "created_at": m.created_at,
    })
}

/// The reservation statuses by name, in the WIT's order.
pub const RESERVATION_STATUSES: &[(&str, ReservationStatus)] = &[
    ("active", ReservationStatus::Active),
    ("committed", ReservationStatus::Committed),
    ("released", ReservationStatus::Released),
    ("expired", ReservationStatus::Expired),
];

pub fn reservation_status(value: ReservationStatus) -> &'static str {
    name_of(RESERVATION_STATUSES, value)
}

pub fn reservation(r: &inventory::Reservation) -> Value {
    json!({
        "id": r.id,
        "idempotency_key": r.idempotency_key,
        "lines": r.lines.iter().map(|l| json!({
            "variant_id": l.variant_id,
            "quantity": l.quantity,
        })).collect::<Vec<_>>(),
        "status": reservation_status(r.status),
        "created_at": r.created_at,
        "expires_at": r.expires_at,
        "closed_at": r.closed_at,
    })
}

pub fn shipping_method(m: &ShippingMethod) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "rates": m.rates.iter().map(money).collect::<Vec<_>>(),
        "countries": m.countries,
        "active": m.active,
        "position": m.position,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    })
}

pub fn tax_rate(r: &TaxRate) -> Value {
    json!({
        "country": r.country,
        "rate_ppm": r.rate_ppm,
        "mode": tax_mode(r.mode),
        "applies_to_shipping": r.applies_to_shipping,
        "label": r.label,
    })
}

/// A page of `items` with its next cursor.
pub fn page(items: Vec<Value>, next: Option<String>) -> Value {
    json!({"items": items, "next": next})
}
