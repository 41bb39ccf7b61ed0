//! The Stripe provider: PaymentIntents and Refunds over Stripe's HTTP API, form-encoded
//! requests and JSON answers, as documented at <https://docs.stripe.com/api>.
//!
//! Configuration comes from Spin variables: `stripe_secret_key` (secret; empty or missing
//! means Stripe is off and every call answers `provider-unavailable`) and `stripe_api_base`
//! (default `https://api.stripe.com`). Every POST carries an `Idempotency-Key` derived from
//! the caller's key and the operation, so a retry after a timeout is replayed by Stripe
//! rather than acted on twice.

use serde_json::Value;
use spin_sdk::http::{Method, Request, Response};

use crate::exports::commerce::payments::payments::{
    CaptureMode, CardSummary, Decline, DeclineCode, NextAction, Payment, PaymentStatus,
    RefundStatus,
};
use crate::providers::{EventSubject, Outcome, PaymentProvider, ProviderError, RefundOutcome};
use crate::store::{StoredPayment, StoredRefund};
use crate::validate::fingerprint;
use crate::webhook::Event;

/// The API base when `stripe_api_base` is not set.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Stripe's credentials and address.
pub struct Config {
    secret_key: String,
    base: String,
}

fn variable(name: &str) -> Option<String> {
    spin_sdk::variables::get(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The configuration, or `Unavailable` when no secret key is set.
pub fn config() -> Result<Config, ProviderError> {
    let secret_key = variable("stripe_secret_key").ok_or_else(|| {
        ProviderError::Unavailable("Stripe is not configured (stripe_secret_key)".into())
    })?;
    let base = variable("stripe_api_base").unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
    Ok(Config {
        secret_key,
        base: base.trim_end_matches('/').to_owned(),
    })
}

/// The `Idempotency-Key` of operation `op` for the caller's `key`: stable across retries,
/// distinct per operation, and header-safe whatever the key contains.
pub fn idempotency_key(op: &str, key: &str) -> String {
    format!("commerce-{op}-{}", fingerprint(&[op, key]))
}

/// `application/x-www-form-urlencoded` text of `fields`.
pub fn form(fields: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

fn encode_into(out: &mut String, text: &str) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

impl Config {
    /// One call: `POST` with `fields` and `idempotency` or `GET`; the answer's JSON or the
    /// error Stripe described.
    fn call(
        &self,
        method: Method,
        path: &str,
        fields: &[(&str, String)],
        idempotency: Option<&str>,
    ) -> Result<Value, ProviderError> {
        let url = format!("{}{path}", self.base);
        let mut builder = Request::builder();
        builder
            .method(method.clone())
            .uri(url)
            .header("authorization", format!("Bearer {}", self.secret_key))
            .header("stripe-version", "2024-06-20")
            .header("accept", "application/json");
        if let Some(key) = idempotency {
            builder.header("idempotency-key", key);
        }
        let request = if method == Method::Post {
            let body = form(fields).into_bytes();
            builder
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", body.len().to_string())
                .body(body)
                .build()
        } else {
            builder.body(Vec::new()).build()
        };
        let response: Response = spin_sdk::http::run(spin_sdk::http::send(request))
            .map_err(|e| ProviderError::Unavailable(format!("Stripe unreachable: {e}")))?;
        let status = *response.status();
        let body: Value = serde_json::from_slice(response.body()).map_err(|_| {
            ProviderError::Unavailable(format!("Stripe answered {status} without JSON"))
        })?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(error(status, &body))
    }

    /// `POST /v1/payment_intents`: a PaymentIntent for the payment, not yet confirmed.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &self,
        payment_id: &str,
        amount: i64,
        currency: &str,
        payment_method: &str,
        manual_capture: bool,
        order_id: Option<&str>,
        statement_descriptor: Option<&str>,
        key: &str,
    ) -> Result<Outcome, ProviderError> {
        let mut fields = vec![
            ("amount", amount.to_string()),
            ("currency", currency.to_ascii_lowercase()),
            ("payment_method", payment_method.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            (
                "capture_method",
                if manual_capture {
                    "manual"
                } else {
                    "automatic"
                }
                .to_owned(),
            ),
            ("confirm", "false".to_owned()),
            ("metadata[payment_id]", payment_id.to_owned()),
            ("expand[]", "payment_method".to_owned()),
        ];
        if let Some(order) = order_id {
            fields.push(("metadata[order_id]", order.to_owned()));
        }
        if let Some(d) = statement_descriptor {
            fields.push(("statement_descriptor_suffix", d.to_owned()));
        }
        let pi = self.call(
            Method::Post,
            "/v1/payment_intents",
            &fields,
            Some(&idempotency_key("create", key)),
        )?;
        intent_outcome(&pi).ok_or_else(unexpected)
    }

    /// `POST /v1/payment_intents/{id}/confirm`.
    pub fn confirm(
        &self,
        reference: &str,
        return_url: Option<&str>,
        key: &str,
    ) -> Result<Outcome, ProviderError> {
        let mut fields = vec![("expand[]", "payment_method".to_owned())];
        if let Some(url) = return_url {
            fields.push(("return_url", url.to_owned()));
        }
        let pi = self.call(
            Method::Post,
            &format!("/v1/payment_intents/{}/confirm", path_segment(reference)?),
            &fields,
            Some(&idempotency_key("confirm", key)),
        )?;
        intent_outcome(&pi).ok_or_else(unexpected)
    }

    /// `GET /v1/payment_intents/{id}`.
    pub fn retrieve(&self, reference: &str) -> Result<Outcome, ProviderError> {
        let pi = self.call(
            Method::Get,
            &format!(
                "/v1/payment_intents/{}?expand%5B%5D=payment_method",
                path_segment(reference)?
            ),
            &[],
            None,
        )?;
        intent_outcome(&pi).ok_or_else(unexpected)
    }

    /// `POST /v1/payment_intents/{id}/capture`.
    pub fn capture(
        &self,
        reference: &str,
        amount: i64,
        key: &str,
    ) -> Result<Outcome, ProviderError> {
        let pi = self.call(
            Method::Post,
            &format!("/v1/payment_intents/{}/capture", path_segment(reference)?),
            &[
                ("amount_to_capture", amount.to_string()),
                ("expand[]", "payment_method".to_owned()),
            ],
            Some(&idempotency_key(&format!("capture-{amount}"), key)),
        )?;
        intent_outcome(&pi).ok_or_else(unexpected)
    }

    /// `POST /v1/payment_intents/{id}/cancel`.
    pub fn cancel(&self, reference: &str, key: &str) -> Result<Outcome, ProviderError> {
        let pi = self.call(
            Method::Post,
            &format!("/v1/payment_intents/{}/cancel", path_segment(reference)?),
            &[("expand[]", "payment_method".to_owned())],
            Some(&idempotency_key("cancel", key)),
        )?;
        intent_outcome(&pi).ok_or_else(unexpected)
    }

    /// `POST /v1/refunds`.
    pub fn refund(
        &self,
        reference: &str,
        amount: i64,
        refund_id: &str,
        key: &str,
    ) -> Result<RefundOutcome, ProviderError> {
        let re = self.call(
            Method::Post,
            "/v1/refunds",
            &[
                ("payment_intent", reference.to_owned()),
                ("amount", amount.to_string()),
                ("metadata[refund_id]", refund_id.to_owned()),
            ],
            Some(&idempotency_key("refund", key)),
        )?;
        refund_outcome(&re).ok_or_else(unexpected)
    }
}

/// The Stripe provider. Its configuration is read at each call that needs it, so a shop
/// without Stripe keys still reads, lists and refuses Stripe payments as before.
pub struct Stripe;

impl PaymentProvider for Stripe {
    fn reference_at_creation(&self) -> Option<String> {
        None
    }

    fn create(&self, s: &StoredPayment) -> Result<Option<Outcome>, ProviderError> {
        let p = &s.payment;
        config()?
            .create(
                &p.id,
                p.amount.amount,
                &p.amount.currency,
                &s.method_ref,
                p.capture_mode == CaptureMode::Manual,
                p.order_id.as_deref(),
                s.statement_descriptor.as_deref(),
                &s.idempotency_key,
            )
            .map(Some)
    }

    fn confirm(&self, s: &StoredPayment, p: &Payment) -> Result<Outcome, ProviderError> {
        let reference = p.provider_reference.clone().unwrap_or_default();
        config()?.confirm(&reference, p.return_url.as_deref(), &s.idempotency_key)
    }

    fn complete_action(&self, s: &StoredPayment) -> Result<Outcome, ProviderError> {
        let reference = s.payment.provider_reference.clone().unwrap_or_default();
        config()?.retrieve(&reference)
    }

    fn capture(&self, s: &StoredPayment, amount: i64) -> Result<Outcome, ProviderError> {
        let reference = s.payment.provider_reference.clone().unwrap_or_default();
        config()?.capture(&reference, amount, &s.idempotency_key)
    }

    fn cancel(&self, s: &StoredPayment, p: &Payment) -> Result<Outcome, ProviderError> {
        let reference = p.provider_reference.clone().unwrap_or_default();
        config()?.cancel(&reference, &s.idempotency_key)
    }

    fn refund(&self, s: &StoredPayment, r: &StoredRefund) -> Result<RefundOutcome, ProviderError> {
        config()?.refund(
            s.payment.provider_reference.as_deref().unwrap_or_default(),
            r.refund.amount.amount,
            &r.refund.id,
            &r.refund.idempotency_key,
        )
    }

    fn webhook_secret_variable(&self) -> &'static str {
        crate::service::STRIPE_WEBHOOK_SECRET
    }

    fn parse_event(&self, event: &Event) -> Result<Option<EventSubject>, Vec<(String, String)>> {
        parse_event(event)
    }
}

/// What a Stripe event says: a PaymentIntent's or a Refund's state for the kinds the shop
/// acts on, `None` for the others.
pub fn parse_event(event: &Event) -> Result<Option<EventSubject>, Vec<(String, String)>> {
    match event.kind.as_str() {
        "payment_intent.succeeded"
        | "payment_intent.amount_capturable_updated"
        | "payment_intent.requires_action"
        | "payment_intent.payment_failed"
        | "payment_intent.canceled"
        | "payment_intent.processing" => {
            let Some(mut outcome) = intent_outcome(&event.object) else {
                return Err(vec![(
                    "/body/data/object".into(),
                    "must be a payment_intent".into(),
                )]);
            };
            if event.kind == "payment_intent.payment_failed" {
                outcome.status = PaymentStatus::Failed;
                outcome.next_action = None;
            }
            if outcome.status == PaymentStatus::Failed && outcome.decline.is_none() {
                // A failure without Stripe's `last_payment_error`: still a decline.
                outcome.decline = Some(Decline {
                    code: DeclineCode::Other,
                    message: "The payment failed.".into(),
                    provider_code: None,
                });
            }
            Ok(Some(EventSubject::Payment(outcome)))
        }
        "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
            match refund_outcome(&event.object) {
                Some(outcome) => Ok(Some(EventSubject::Refund(outcome))),
                None => Err(vec![(
                    "/body/data/object".into(),
                    "must be a refund".into(),
                )]),
            }
        }
        // Kinds the shop does not use are acknowledged.
        _ => Ok(None),
    }
}

fn unexpected() -> ProviderError {
    ProviderError::Unavailable("Stripe answered an unexpected object".into())
}

/// A Stripe id as a URL path segment (they are `[A-Za-z0-9_]`).
fn path_segment(id: &str) -> Result<&str, ProviderError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(id)
    } else {
        Err(ProviderError::Unavailable(
            "stored Stripe id is malformed".into(),
        ))
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The decline a Stripe error object (`error` or `last_payment_error`) describes.
pub fn decline(error: &Value) -> Decline {
    let code = str_at(error, "code");
    let decline_code = str_at(error, "decline_code");
    let mapped = |c: &str| match c {
        "insufficient_funds" => Some(DeclineCode::InsufficientFunds),
        "expired_card" => Some(DeclineCode::ExpiredCard),
        "incorrect_cvc" | "invalid_cvc" => Some(DeclineCode::IncorrectCvc),
        "incorrect_number" | "invalid_number" => Some(DeclineCode::IncorrectNumber),
        "payment_intent_authentication_failure" | "authentication_required" => {
            Some(DeclineCode::AuthenticationFailed)
        }
        "fraudulent" | "stolen_card" | "lost_card" | "pickup_card" => Some(DeclineCode::Fraudulent),
        "processing_error" => Some(DeclineCode::ProcessingError),
        "card_declined" | "generic_decline" | "do_not_honor" => Some(DeclineCode::CardDeclined),
        _ => None,
    };
    let code_value = decline_code
        .and_then(mapped)
        .or_else(|| code.and_then(mapped))
        .unwrap_or(DeclineCode::Other);
    Decline {
        code: code_value,
        message: str_at(error, "message")
            .unwrap_or("The payment was declined.")
            .to_owned(),
        provider_code: decline_code.or(code).map(str::to_owned),
    }
}

/// What a Stripe error answer means.
fn error(status: u16, body: &Value) -> ProviderError {
    let Some(e) = body.get("error") else {
        return ProviderError::Unavailable(format!("Stripe answered {status}"));
    };
    let kind = str_at(e, "type").unwrap_or("");
    let message = str_at(e, "message").unwrap_or("").to_owned();
    let intent = e.get("payment_intent").and_then(intent_outcome);
    match kind {
        "card_error" => ProviderError::Declined(Box::new((decline(e), intent))),
        "idempotency_error" => ProviderError::Conflict,
        "invalid_request_error" if status == 400 || status == 404 => {
            if let Some(o) = intent {
                return ProviderError::State(Box::new(o));
            }
            match str_at(e, "param") {
                Some("payment_method") => ProviderError::Invalid(vec![(
                    "/method/provider-token".into(),
                    format!("Stripe refused it: {message}"),
                )]),
                Some("amount") | Some("amount_to_capture") => {
                    ProviderError::Invalid(vec![("/amount".into(), message)])
                }
                Some("currency") => {
                    ProviderError::Invalid(vec![("/amount/currency".into(), message)])
                }
                _ => ProviderError::Unavailable(format!("Stripe refused the request: {message}")),
            }
        }
        _ => ProviderError::Unavailable(format!("Stripe answered {status} ({kind}): {message}")),
    }
}

fn card(pi: &Value) -> Option<CardSummary> {
    let from_pm = pi.get("payment_method").and_then(|pm| pm.get("card"));
    let from_charge = pi
        .get("latest_charge")
        .and_then(|c| c.get("payment_method_details"))
        .and_then(|d| d.get("card"));
    let c = from_pm.or(from_charge)?;
    Some(CardSummary {
        brand: str_at(c, "brand").unwrap_or("unknown").to_ascii_lowercase(),
        last4: str_at(c, "last4")?.to_owned(),
        exp_month: u8::try_from(c.get("exp_month")?.as_u64()?).ok()?,
        exp_year: u16::try_from(c.get("exp_year")?.as_u64()?).ok()?,
    })
}

/// What a PaymentIntent object says, or `None` when it is not one.
pub fn intent_outcome(pi: &Value) -> Option<Outcome> {
    if str_at(pi, "object") != Some("payment_intent") {
        return None;
    }
    let reference = str_at(pi, "id")?.to_owned();
    let status = match str_at(pi, "status")? {
        "requires_payment_method" if pi.get("last_payment_error").is_some_and(|e| !e.is_null()) => {
            PaymentStatus::Failed
        }
        "requires_payment_method" | "requires_confirmation" => PaymentStatus::RequiresConfirmation,
        "requires_action" => PaymentStatus::RequiresAction,
        "processing" => PaymentStatus::Processing,
        "requires_capture" => PaymentStatus::RequiresCapture,
        "succeeded" => PaymentStatus::Succeeded,
        "canceled" => PaymentStatus::Cancelled,
        _ => return None,
    };
    let next_action = (status == PaymentStatus::RequiresAction).then(|| {
        let action = pi.get("next_action");
        let redirect = action
            .filter(|a| str_at(a, "type") == Some("redirect_to_url"))
            .and_then(|a| a.get("redirect_to_url"))
            .and_then(|r| str_at(r, "url"));
        match redirect {
            Some(url) => NextAction::RedirectToUrl(url.to_owned()),
            None => NextAction::ProviderSdk(str_at(pi, "client_secret").unwrap_or("").to_owned()),
        }
    });
    Some(Outcome {
        reference: Some(reference),
        status,
        amount_captured: pi.get("amount_received").and_then(Value::as_i64),
        next_action,
        card: card(pi),
        decline: (status == PaymentStatus::Failed)
            .then(|| pi.get("last_payment_error").map(decline))
            .flatten(),
    })
}

/// What a Refund object says, or `None` when it is not one.
pub fn refund_outcome(re: &Value) -> Option<RefundOutcome> {
    if str_at(re, "object") != Some("refund") {
        return None;
    }
    let status = match str_at(re, "status")? {
        "succeeded" => RefundStatus::Succeeded,
        "failed" | "canceled" => RefundStatus::Failed,
        _ => RefundStatus::Pending,
    };
    Some(RefundOutcome {
        reference: Some(str_at(re, "id")?.to_owned()),
        status,
    })
}
