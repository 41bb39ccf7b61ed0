//! `POST /api/checkout`: the purchase as a resumable saga.
//!
//! ```text
//! plan (cart.begin-checkout: the cart claimed for this checkout and read in one step
//!       → catalog prices → pricing quote; stored with the key and the request hash)
//!   → reserve stock        (inventory, key checkout:<k>:reserve)   ⟲ nothing to undo
//!   → create the order     (orders, key checkout:<k>:order)        ⟲ release the reservation
//!   → create the payment   (payments, key checkout:<k>:payment)    ⟲ cancel the unpaid order
//!   → confirm it           (or complete its 3-D Secure action)     ⟲ cancel + release
//!   → mark the order paid                                          ⟲ refund the charge
//!   → commit the reservation (or reserve again if it lapsed)       ⟲ refund + cancel
//!     (see [`crate::stock`]: the order always names the reservation that was sold,
//!     and stock is never taken again for an order cancelled meanwhile)
//!   → cart.complete-checkout: the cart is marked ordered (never bought again)
//! ```
//!
//! A cart is bought once, whatever the number of keys: the plan step claims the cart for
//! this checkout's *holder* (a hash of the key and the request, see [`holder`]) in the
//! cart itself, so of concurrent checkouts of one cart with different keys one plans and
//! the others are answered 409 (`checkout-in-progress`, or `cart-ordered` naming the order
//! once it exists). Every final refusal gives the cart back (`cart.abandon-checkout`), so
//! the shopper may change it and pay with a new key.
//!
//! Nothing lives in memory between requests. Every step is idempotent by a key derived
//! from the checkout's `Idempotency-Key`, and every step first looks at where the previous
//! attempt left things (the reservation's, order's and payment's statuses), so a retry with
//! the same key, whenever it comes and however the last attempt ended, replays the steps
//! already done (each returns its first result) and finishes the checkout or undoes it.
//! Final refusals (out of stock, declined, cancelled) are stored with the key and answered
//! again as they were.

use crate::dto::{self, Line, Plan, Shipping, Tax};
use crate::request::{self, Checkout, Method};
use crate::stock;
use crate::store;
use api_kit::{FieldError, Problem};
use commerce_bindings::cart::cart;
use commerce_bindings::catalog::catalog;
use commerce_bindings::inventory::inventory;
use commerce_bindings::orders::orders;
use commerce_bindings::orders::orders_admin;
use commerce_bindings::payments::payments;
use commerce_bindings::payments::payments_admin;
use commerce_bindings::pricing::pricing;
use commerce_types::types;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spin_sdk::http::{Request, Response};

/// A refusal with its own problem type, e.g. `out-of-stock`: stored as the final answer of
/// a key when it is final (its serde form is what `checkout_attempts.outcome` holds).
pub type Refusal = api_kit::TypedProblem;

/// The answer of a refusal: its problem, never cached.
fn refused(refusal: Refusal, instance: &str) -> Response {
    let mut response = refusal.into_response(instance);
    response.set_header("cache-control", "no-store");
    response
}

/// What a step may end in besides going on.
enum Stop {
    /// An answer that is not final (a 5xx): the next retry picks up from here.
    Problem(Problem),
    /// A final refusal: stored with the key, answered to every retry.
    Refused(Refusal),
}

impl From<Problem> for Stop {
    fn from(p: Problem) -> Self {
        Stop::Problem(p)
    }
}

/// The key of one step of checkout `key`.
fn step_key(key: &str, step: &str) -> String {
    format!("checkout:{key}:{step}")
}

/// The name under which checkout `key` with the request of hash `request_hash` claims the
/// cart (`cart.begin-checkout`): the hex SHA-256 of both. The same request again (a retry,
/// a concurrent duplicate) is the same holder and goes on with the claim; another key, or
/// the same key with another body, is another holder. The key itself never reaches the
/// cart.
pub fn holder(key: &str, request_hash: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"checkout\n");
    hasher.update(key.as_bytes());
    hasher.update(b"\n");
    hasher.update(request_hash.as_bytes());
    request::hex(&hasher.finalize())
}

/// Handles `POST /api/checkout`.
pub fn checkout(req: &Request, path: &str) -> Result<Response, Problem> {
    let key = api_kit::required_idempotency_key(req, request::MAX_KEY_CHARS, "checkout attempt")?;
    let body = api_kit::json_value_body(req)?;
    let mut co = request::parse(&body)?;
    // Who the order is for: known before anything is claimed, so a dead session stops here.
    co.bind(api_kit::session::customer(req, true)?)?;
    let holder = holder(&key, &co.hash);
    let conn = store::open().map_err(|e| Problem::unavailable(format!("checkout store: {e}")))?;
    let stored = store::get(&conn, &key).map_err(storage)?;
    // Whether this request claimed the cart (and so must give it back if it stops here).
    let mut planned_here = false;
    let attempt = match stored {
        Some(attempt) => attempt,
        None => match plan(&co, &holder) {
            Ok(plan) => {
                planned_here = true;
                let plan = serde_json::to_string(&plan).map_err(Problem::internal)?;
                store::claim(&conn, &key, &co.hash, &plan).map_err(storage)?
            }
            // A concurrent duplicate of this request may have claimed the key while this one
            // read the cart, and may even have finished and ordered the cart: its attempt,
            // not the held cart, is the answer.
            Err(failed) => match store::get(&conn, &key).map_err(storage)? {
                Some(attempt) => attempt,
                None => {
                    if failed.claimed && failed.ends() {
                        // The same cart and request would fail the same way: give the cart
                        // back, so that it can be fixed and checked out with any key. (A
                        // 5xx keeps the claim: the retry with this key goes on with it.)
                        abandon(&co.cart, &holder)?;
                    }
                    return match failed.stop {
                        Stop::Problem(p) => Err(p),
                        // A cart that cannot be bought yet: nothing was stored, the shopper
                        // fixes the cart and retries with the same key. Or another checkout
                        // holds the cart, or it was ordered: nothing was stored either.
                        Stop::Refused(r) => Ok(refused(r, path)),
                    };
                }
            },
        },
    };
    if attempt.request_hash != co.hash {
        if planned_here {
            // Another body of this key stored its attempt first (after an earlier one of
            // it gave the cart back): the claim this request took is nobody's.
            abandon(&co.cart, &holder)?;
        }
        return Ok(refused(
            Refusal::new(
                422,
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was used for another checkout request; use a new key for a new request.",
            ),
            path,
        ));
    }
    if let Some(outcome) = attempt.outcome {
        let refusal: Refusal = serde_json::from_str(&outcome).map_err(Problem::internal)?;
        // Given back when the refusal was stored; again, in case that attempt stopped in
        // between (idempotent: a cart held by another checkout since is left alone).
        abandon(&co.cart, &holder)?;
        return Ok(refused(refusal, path));
    }
    let plan: Plan = serde_json::from_str(&attempt.plan).map_err(Problem::internal)?;
    match run(&key, &holder, &co, &plan) {
        Ok(response) => Ok(response),
        Err(Stop::Problem(p)) => Err(p),
        Err(Stop::Refused(r)) => {
            let json = serde_json::to_string(&r).map_err(Problem::internal)?;
            store::finish(&conn, &key, &json).map_err(storage)?;
            // The checkout ended without an order: the cart is the shopper's again.
            abandon(&co.cart, &holder)?;
            Ok(refused(r, path))
        }
    }
}

/// Why the plan step stopped, and whether it had claimed the cart by then.
struct PlanFailed {
    stop: Stop,
    claimed: bool,
}

impl PlanFailed {
    /// Whether the stop is final for this cart and request (a refusal or a 4xx), so the
    /// claim is given back; a 5xx is retried with the same key and keeps it.
    fn ends(&self) -> bool {
        match &self.stop {
            Stop::Refused(_) => true,
            Stop::Problem(p) => p.status() < 500,
        }
    }
}

/// The plan step's failures before the cart was claimed.
fn unclaimed(stop: impl Into<Stop>) -> PlanFailed {
    PlanFailed {
        stop: stop.into(),
        claimed: false,
    }
}

/// The 409 for a cart that another checkout holds, or that was ordered.
fn held(hold: &cart::CheckoutHold) -> Refusal {
    match hold.order_ref.as_deref() {
        Some(order_ref) => {
            let number: Option<u64> = order_ref.parse().ok();
            let detail = match number {
                Some(n) => format!(
                    "This cart was already ordered: order #{n}. A cart is bought once; \
                     start a new cart to buy again."
                ),
                None => "This cart was already ordered. A cart is bought once; start a new \
                         cart to buy again."
                    .to_owned(),
            };
            Refusal::new(409, "cart-ordered", "Cart already ordered", detail)
                .with("order_number", json!(number))
        }
        None => Refusal::new(
            409,
            "checkout-in-progress",
            "Checkout in progress",
            "Another checkout of this cart is in progress (another tab, or an earlier \
             attempt with another Idempotency-Key). Finish that attempt by sending it \
             again with its own key, or wait for it to end.",
        ),
    }
}

/// Gives the cart back after a checkout that ended without an order; idempotent.
fn abandon(key: &cart::CartKey, holder: &str) -> Result<(), Problem> {
    match cart::abandon_checkout(key, holder) {
        Ok(()) => Ok(()),
        Err(cart::Error::Storage(m)) => Err(Problem::unavailable(format!("cart: {m}"))),
        Err(e) => Err(Problem::internal(format!("cart: {e:?}"))),
    }
}

/// Marks the cart the order `order` was made of as ordered (idempotent). A failure leaves
/// the cart held by this checkout, which still keeps any other checkout from buying it, so
/// it does not fail the paid checkout.
fn complete_cart(key: &str, holder: &str, co: &Checkout, order: &orders::Order) {
    match cart::complete_checkout(&co.cart, holder, &order.number.to_string()) {
        // Gone: deleted by the shopper or expired; nothing can buy it again.
        Ok(_) | Err(cart::Error::NotFound) => {}
        Err(e) => eprintln!("checkout {key}: marking the cart ordered failed: {e:?}"),
    }
}

fn storage(e: impl std::fmt::Display) -> Problem {
    Problem::unavailable(format!("storage: {e}"))
}

/// Claims the cart for `holder` and reads it in one step (`cart.begin-checkout`), then
/// reads the variants' current data and prices (the catalog's prices are the only ones
/// used), and prices the cart for the destination.
fn plan(co: &Checkout, holder: &str) -> Result<Plan, PlanFailed> {
    let cart = match cart::begin_checkout(&co.cart, holder) {
        Ok(cart) => cart,
        Err(cart::Error::NotFound) if matches!(co.cart, cart::CartKey::Customer(_)) => {
            return Err(unclaimed(Stop::Refused(not_ready(
                "The signed-in customer has no cart.",
            ))));
        }
        Err(cart::Error::NotFound) => {
            return Err(unclaimed(Problem::invalid_input(vec![FieldError::new(
                "/cart_token",
                "no cart has this token (it is unknown or expired)",
            )])));
        }
        Err(cart::Error::CheckoutHeld(hold)) => return Err(unclaimed(Stop::Refused(held(&hold)))),
        Err(cart::Error::Storage(m)) => {
            return Err(unclaimed(Problem::unavailable(format!("cart: {m}"))));
        }
        Err(e) => return Err(unclaimed(Problem::internal(format!("cart: {e:?}")))),
    };
    plan_cart(co, &cart).map_err(|stop| PlanFailed {
        stop,
        claimed: true,
    })
}

/// The 409 for a cart with nothing to buy.
fn not_ready(detail: &str) -> Refusal {
    Refusal::new(409, "cart-not-ready", "Cart not ready for checkout", detail)
}

/// The plan of the claimed `cart`.
fn plan_cart(co: &Checkout, cart: &cart::Cart) -> Result<Plan, Stop> {
    if cart.lines.is_empty() {
        return Err(Stop::Refused(not_ready("The cart is empty.")));
    }
    let ids: Vec<String> = cart.lines.iter().map(|l| l.variant_id.clone()).collect();
    let variants =
        catalog::get_variants(&ids).map_err(|e| Problem::unavailable(format!("catalog: {e:?}")))?;
    let mut problems = Vec::new();
    let mut priced = Vec::new();
    for line in &cart.lines {
        let info = variants
            .iter()
            .find(|v| v.variant.id == line.variant_id && v.product_id == line.product_id);
        let Some(info) = info.filter(|v| v.status == catalog::ProductStatus::Published) else {
            problems.push(json!({"line_id": line.id, "variant_id": line.variant_id, "reason": "discontinued"}));
            continue;
        };
        let Some(price) = info
            .variant
            .prices
            .iter()
            .find(|p| p.currency == cart.currency)
        else {
            problems.push(
                json!({"line_id": line.id, "variant_id": line.variant_id, "reason": "unpriced"}),
            );
            continue;
        };
        priced.push((line, info, price.clone()));
    }
    if !problems.is_empty() {
        return Err(Stop::Refused(
            not_ready("Some lines of the cart can no longer be bought; remove them and try again.")
                .with("lines", Value::Array(problems)),
        ));
    }
    let request = pricing::QuoteRequest {
        currency: cart.currency.clone(),
        lines: priced
            .iter()
            .map(|(line, _, price)| pricing::QuoteLine {
                key: line.id.clone(),
                variant_id: line.variant_id.clone(),
                quantity: line.quantity,
                unit_price: price.clone(),
            })
            .collect(),
        destination: Some(co.shipping_address.country.clone()),
        shipping_method: co.shipping_method_id.clone(),
        promotion_codes: Vec::new(),
    };
    let quote = match pricing::calculate(&request) {
        Ok(quote) => quote,
        Err(pricing::Error::UnsupportedDestination(country)) => {
            return Err(Problem::invalid_input(vec![FieldError::new(
                "/shipping_address/country",
                format!("the shop does not ship to {country}"),
            )])
            .into());
        }
        Err(pricing::Error::NotFound) => {
            return Err(Problem::invalid_input(vec![FieldError::new(
                "/shipping_method_id",
                "no shipping method has this id",
            )])
            .into());
        }
        Err(pricing::Error::ShippingUnavailable(_)) => {
            return Err(Problem::invalid_input(vec![FieldError::new(
                "/shipping_method_id",
                "this shipping method cannot be used for this cart and destination",
            )])
            .into());
        }
        Err(pricing::Error::Storage(e)) => {
            return Err(Problem::unavailable(format!("pricing: {e}")).into());
        }
        Err(e) => return Err(Problem::internal(format!("pricing: {e:?}")).into()),
    };
    let lines = quote
        .lines
        .iter()
        .zip(&priced)
        .map(|(q, (line, info, _))| Line {
            product_id: line.product_id.clone(),
            variant_id: q.variant_id.clone(),
            sku: info.variant.sku.clone(),
            product_title: info.product_title.clone(),
            variant_title: info.variant.title.clone(),
            quantity: q.quantity,
            unit_price: q.unit_price.clone(),
            subtotal: q.subtotal.clone(),
            discount: q.discount.clone(),
            tax: q.tax.clone(),
        })
        .collect();
    Ok(Plan {
        currency: quote.currency,
        lines,
        shipping: quote.shipping.map(|s| Shipping {
            method_id: s.method_id,
            name: s.name,
            amount: s.amount,
            tax: s.tax,
        }),
        taxes: quote.taxes.into_iter().map(Tax::from).collect(),
        tax_mode: match quote.tax_mode {
            Some(types::TaxMode::Inclusive) => "inclusive",
            _ => "exclusive",
        }
        .to_owned(),
        subtotal: quote.subtotal,
        discount_total: quote.discount_total,
        shipping_total: quote.shipping_total,
        tax_total: quote.tax_total,
        grand_total: quote.grand_total,
        shipping_address: co.shipping_address.clone(),
        billing_address: co.billing_address.clone(),
        email: co.email.clone(),
        customer_id: co.customer_id.clone(),
    })
}

fn inventory_problem(e: inventory::Error) -> Stop {
    match e {
        inventory::Error::Storage(m) => Problem::unavailable(format!("inventory: {m}")).into(),
        other => Problem::internal(format!("inventory: {other:?}")).into(),
    }
}

fn orders_problem(e: orders::Error) -> Stop {
    match e {
        orders::Error::Storage(m) => Problem::unavailable(format!("orders: {m}")).into(),
        other => Problem::internal(format!("orders: {other:?}")).into(),
    }
}

fn stock_problem(e: stock::Error) -> Stop {
    match e {
        stock::Error::Inventory(e) => inventory_problem(e),
        stock::Error::Orders(e) => orders_problem(e),
        stock::Error::Unsettled(m) => Problem::unavailable(m).into(),
    }
}

fn payments_problem(e: payments::Error) -> Stop {
    match e {
        payments::Error::Storage(m) | payments::Error::ProviderUnavailable(m) => {
            Problem::unavailable(format!("payments: {m}")).into()
        }
        other => Problem::internal(format!("payments: {other:?}")).into(),
    }
}

fn key_reused() -> Stop {
    Stop::Refused(Refusal::new(
        422,
        "idempotency-key-reused",
        "Idempotency key reused",
        "This Idempotency-Key was used for another checkout request; use a new key for a new request.",
    ))
}

fn out_of_stock(shortages: &[inventory::Shortage], refunded: bool) -> Refusal {
    let detail = if refunded {
        "The stock ran out before the order could be completed; the payment was refunded."
    } else {
        "Not enough stock for some lines of the cart; nothing was charged."
    };
    Refusal::new(409, "out-of-stock", "Out of stock", detail).with(
        "shortages",
        Value::Array(
            shortages
                .iter()
                .map(|s| json!({"variant_id": s.variant_id, "requested": s.requested, "available": s.available}))
                .collect(),
        ),
    )
}

fn declined(d: &payments::Decline) -> Refusal {
    Refusal::new(
        402,
        "payment-declined",
        "Payment declined",
        format!(
            "{} Nothing was charged and the order was cancelled.",
            d.message
        ),
    )
    .with("decline_code", json!(dto::decline_code(d.code)))
}

fn cancelled(refunded: bool) -> Refusal {
    let detail = if refunded {
        "The checkout was cancelled before the order was completed; the payment was refunded."
    } else {
        "The checkout was cancelled before the payment went through; nothing was charged."
    };
    Refusal::new(409, "checkout-cancelled", "Checkout cancelled", detail)
}

/// Runs (or resumes) the saga of checkout `key` with its stored plan.
fn run(key: &str, holder: &str, co: &Checkout, plan: &Plan) -> Result<Response, Stop> {
    // 1. Reserve the stock.
    let ttl_seconds = stock::reservation_ttl().map_err(Problem::internal)?;
    let reservation = match inventory::reserve(&inventory::NewReservation {
        idempotency_key: step_key(key, "reserve"),
        lines: plan
            .lines
            .iter()
            .map(|l| inventory::ReservationLine {
                variant_id: l.variant_id.clone(),
                quantity: l.quantity,
            })
            .collect(),
        ttl_seconds,
    }) {
        Ok(r) => r,
        Err(inventory::Error::InsufficientStock(shortages)) => {
            return Err(Stop::Refused(out_of_stock(&shortages, false)));
        }
        Err(inventory::Error::Conflict(_)) => return Err(key_reused()),
        Err(e) => return Err(inventory_problem(e)),
    };

    // 2. Create the order, pending payment, holding the reservation.
    let created =
        match orders::create_order(&step_key(key, "order"), &plan.snapshot(&reservation.id)) {
            Ok(created) => created,
            Err(orders::Error::Conflict(_)) => return Err(key_reused()),
            Err(orders::Error::InvalidInput(errors)) => {
                // Undo step 1, then say which fields of the request were refused.
                release(&reservation.id)?;
                let errors = errors
                    .into_iter()
                    .map(|e| {
                        let path = e
                            .path
                            .strip_prefix("/snapshot")
                            .unwrap_or(&e.path)
                            .to_owned();
                        FieldError::new(path, e.message)
                    })
                    .collect();
                return Err(Problem::invalid_input(errors).into());
            }
            Err(e) => return Err(orders_problem(e)),
        };
    let order = created.order;
    let token = created.guest_token;
    let payments_of_order = || -> Result<Vec<payments::Payment>, Stop> {
        let page = payments_admin::list_payments(
            &payments_admin::PaymentFilter {
                status: None,
                order_id: Some(order.id.clone()),
            },
            &types::PageRequest {
                after: None,
                limit: 0,
            },
        )
        .map_err(payments_problem)?;
        Ok(page.items)
    };

    match order.status {
        orders::OrderStatus::PendingPayment => {}
        orders::OrderStatus::Cancelled if order.paid_at.is_none() => {
            // An earlier attempt (or a webhook) undid the checkout; finish undoing it.
            release(&reservation.id)?;
            let mut refunded = false;
            let mut decline = None;
            for p in payments_of_order()? {
                if p.status == payments::PaymentStatus::Succeeded {
                    refund(&order, &p)?;
                    refunded = true;
                }
                if let Some(d) = &p.last_decline {
                    decline = Some(declined(d));
                }
            }
            return Err(Stop::Refused(match (refunded, decline) {
                (false, Some(d)) => d,
                (r, _) => cancelled(r),
            }));
        }
        status => {
            // Paid (or later): only the commit and the cart may be left to do. An order
            // the shop owner cancelled after it was paid is shown as it is: its stock and
            // money went back through the admin.
            let payment = match &order.payment_id {
                Some(id) => payments::get_payment(id).map_err(payments_problem)?,
                None => return Err(Problem::internal("a paid order without a payment").into()),
            };
            if status == orders::OrderStatus::Cancelled {
                complete_cart(key, holder, co, &order);
                return respond(201, "paid", order, token, payment);
            }
            return finish_paid(key, holder, co, order, token, payment);
        }
    }

    // 3. Create the payment (no money moves yet).
    let method = match &co.payment_method {
        Method::TestCard {
            number,
            exp_month,
            exp_year,
            cvc,
        } => payments::PaymentMethod::TestCard(payments::TestCard {
            number: number.clone(),
            exp_month: *exp_month,
            exp_year: *exp_year,
            cvc: cvc.clone(),
        }),
        Method::ProviderToken(t) => payments::PaymentMethod::ProviderToken(t.clone()),
    };
    let created_payment = payments::create_payment(&payments::NewPayment {
        amount: plan.grand_total.clone(),
        idempotency_key: step_key(key, "payment"),
        method,
        capture_mode: payments::CaptureMode::Automatic,
        order_id: Some(order.id.clone()),
        return_url: co.return_url.clone(),
        statement_descriptor: None,
    });
    let payment = match created_payment {
        Ok(p) => p,
        Err(payments::Error::IdempotencyConflict) => return Err(key_reused()),
        Err(payments::Error::InvalidInput(errors)) => {
            // The payment method or return URL is refused: undo steps 2 and 1.
            cancel_unpaid(&order.id, "the payment method was refused")?;
            release(&reservation.id)?;
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| {
                    let path = if e.path.starts_with("/return_url") {
                        "/return_url".to_owned()
                    } else {
                        "/payment_method".to_owned()
                    };
                    FieldError::new(path, e.message)
                })
                .collect();
            let mut r = Refusal::new(
                400,
                "invalid-input",
                "Invalid input",
                "The payment method was refused; nothing was charged and the order was cancelled.",
            );
            r = r.with(
                "errors",
                serde_json::to_value(errors).unwrap_or(Value::Null),
            );
            return Err(Stop::Refused(r));
        }
        Err(e) => return Err(payments_problem(e)),
    };

    // 4. Confirm it, or complete the 3-D Secure action the shopper was sent to.
    let outcome = match payment.status {
        payments::PaymentStatus::RequiresConfirmation => payments::confirm_payment(&payment.id),
        payments::PaymentStatus::RequiresAction => payments::complete_action(&payment.id),
        _ => Ok(payment),
    };
    let payment = match outcome {
        Ok(p) => p,
        Err(payments::Error::Declined(d)) => {
            cancel_unpaid(&order.id, "the payment was declined")?;
            release(&reservation.id)?;
            return Err(Stop::Refused(declined(&d)));
        }
        Err(payments::Error::InvalidState(_)) => {
            cancel_unpaid(&order.id, "the payment was cancelled")?;
            release(&reservation.id)?;
            return Err(Stop::Refused(cancelled(false)));
        }
        Err(e) => return Err(payments_problem(e)),
    };
    match payment.status {
        payments::PaymentStatus::Succeeded => {}
        payments::PaymentStatus::RequiresAction
        | payments::PaymentStatus::Processing
        | payments::PaymentStatus::RequiresCapture
        | payments::PaymentStatus::RequiresConfirmation => {
            // The shopper must act (or the provider is still working): answer 202; the
            // reservation holds the stock meanwhile. The next call with the same key and
            // body completes it (or a webhook does).
            let status = dto::payment_status(payment.status);
            return respond(202, status, order, token, payment);
        }
        payments::PaymentStatus::Failed => {
            cancel_unpaid(&order.id, "the payment failed")?;
            release(&reservation.id)?;
            let refusal = match &payment.last_decline {
                Some(d) => declined(d),
                None => cancelled(false),
            };
            return Err(Stop::Refused(refusal));
        }
        payments::PaymentStatus::Cancelled => {
            cancel_unpaid(&order.id, "the payment was cancelled")?;
            release(&reservation.id)?;
            return Err(Stop::Refused(cancelled(false)));
        }
    }

    // 5. Mark the order paid.
    let order = match orders::mark_paid(&order.id, &payment.id, &payment.amount) {
        Ok(o) => o,
        Err(orders::Error::IllegalTransition(_)) => {
            // The order was cancelled meanwhile: give the money back.
            release(&reservation.id)?;
            refund(&order, &payment)?;
            return Err(Stop::Refused(cancelled(true)));
        }
        Err(e) => return Err(orders_problem(e)),
    };
    finish_paid(key, holder, co, order, token, payment)
}

/// Steps 6 and 7 of a paid order: commit its stock (reserving again if the reservation
/// lapsed, see [`stock::commit`]) and mark the cart ordered.
fn finish_paid(
    key: &str,
    holder: &str,
    co: &Checkout,
    order: orders::Order,
    token: String,
    payment: payments::Payment,
) -> Result<Response, Stop> {
    let order = match stock::commit(order).map_err(stock_problem)? {
        stock::Outcome::Committed(order) => order,
        // The shop owner cancelled it meanwhile: its stock and money went back through the
        // admin. Shown as it is, as a retry after the cancellation shows it.
        stock::Outcome::Cancelled(order) => {
            complete_cart(key, holder, co, &order);
            return respond(201, "paid", order, token, payment);
        }
        stock::Outcome::SoldOut(order, shortages) => {
            // Sold out meanwhile: cancel the paid order and refund it.
            cancel_paid(&order.id)?;
            refund(&order, &payment)?;
            return Err(Stop::Refused(out_of_stock(&shortages, true)));
        }
    };
    // The cart has become an order: no other checkout may buy it again.
    complete_cart(key, holder, co, &order);
    respond(201, "paid", order, token, payment)
}

fn respond(
    status: u16,
    state: &str,
    order: orders::Order,
    guest_token: String,
    payment: payments::Payment,
) -> Result<Response, Stop> {
    let body = json!({
        "status": state,
        "order": dto::Order::from(order),
        "guest_token": guest_token,
        "payment": dto::Payment::from(payment),
    });
    let bytes = serde_json::to_vec(&body).map_err(Problem::internal)?;
    Ok(Response::builder()
        .status(status)
        .header("content-type", api_kit::JSON)
        .header("cache-control", "no-store")
        .body(bytes)
        .build())
}

/// Gives a reservation's stock back ([`sales_kit::release`]; one no longer active is
/// already free, or sold, which only an admin adjustment puts back).
fn release(reservation_id: &str) -> Result<(), Stop> {
    sales_kit::release(reservation_id)
        .map(|_| ())
        .map_err(inventory_problem)
}

/// Cancels an unpaid order; idempotent.
fn cancel_unpaid(order_id: &str, reason: &str) -> Result<(), Stop> {
    match orders::cancel_unpaid(order_id, reason) {
        Ok(_) => Ok(()),
        Err(e) => Err(orders_problem(e)),
    }
}

fn cancel_paid(order_id: &str) -> Result<(), Stop> {
    match orders_admin::cancel(order_id, "out of stock after payment", "checkout") {
        Ok(_) => Ok(()),
        Err(e) => Err(orders_problem(e)),
    }
}

/// Refunds what is left of `payment` and books it on the order. The refund's key names
/// the payment alone, so the checkout and the webhook handler never refund one payment
/// twice; idempotent.
fn refund(order: &orders::Order, payment: &payments::Payment) -> Result<(), Stop> {
    refund_payment(order, payment, "the checkout could not be completed").map_err(|e| match e {
        sales_kit::RefundError::Payments(e) => payments_problem(e),
        sales_kit::RefundError::Orders(e) => orders_problem(e),
    })
}

/// Refunds everything not yet refunded of `payment` (key `refund:<payment id>`) and books
/// the refund on `order` ([`sales_kit::refund_and_book`]). Idempotent: a payment already
/// fully refunded is left alone.
pub fn refund_payment(
    order: &orders::Order,
    payment: &payments::Payment,
    reason: &str,
) -> Result<(), sales_kit::RefundError> {
    sales_kit::refund_and_book(
        &order.id,
        &payment.id,
        sales_kit::refund_key(&payment.id),
        reason.to_owned(),
        REFUND_ACTOR,
    )
    .map(|_| ())
}

/// Books a payments refund on its order as the provider now has it
/// ([`sales_kit::book_refund`]). Idempotent by the refund id, so the checkout, its retries
/// and every webhook about the refund may call it in any order.
pub fn record_refund(order_id: &str, refund: &payments::Refund) -> Result<(), orders::Error> {
    sales_kit::book_refund(order_id, refund, REFUND_ACTOR).map(|_| ())
}

/// Who the order's history names for refunds booked by the checkout and the webhook.
const REFUND_ACTOR: &str = "checkout";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_render_as_problems() {
        let r =
            Refusal::new(409, "out-of-stock", "Out of stock", "gone").with("shortages", json!([]));
        let stored: Refusal = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(stored.status, 409);
        assert_eq!(stored.extra["shortages"], json!([]));
        assert_eq!(step_key("k", "order"), "checkout:k:order");
    }
}
