//! A fake Stripe on 127.0.0.1 that speaks Stripe's wire format: form-encoded requests with
//! a bearer key, JSON PaymentIntent, Refund and error objects, and the replay of the first
//! answer for a repeated `Idempotency-Key` (a different request under a used key is an
//! `idempotency_error`). It records every request it gets. The payments component's tests
//! talk to it directly; the checkout tests through `POST /api/checkout`. Point
//! `stripe_api_base` at [`Fake::base`] and set `stripe_secret_key` to
//! [`STRIPE_SECRET_KEY`](crate::payments::STRIPE_SECRET_KEY).
//!
//! Payment methods: `pm_card_chargeDeclinedInsufficientFunds` is declined on confirmation,
//! `pm_card_threeDSecure2Required` asks for an action (a later GET finds it succeeded), any
//! other `pm_card_…` succeeds, anything else is an unknown PaymentMethod.
//!
//! Refunds are answered `pending`, as Stripe answers most card refunds; [`Fake::settle_refund`]
//! then settles one and gives the webhook deliveries Stripe sends about it (`refund.updated`
//! or `refund.failed`, and the older `charge.refund.updated`), signed with
//! [`STRIPE_WEBHOOK_SECRET`].

use crate::payments::{STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, event, now_secs, sign};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub idempotency_key: Option<String>,
    pub fields: Vec<(String, String)>,
}

impl Seen {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub struct State {
    pub intents: BTreeMap<String, Value>,
    pub refunds: BTreeMap<String, Value>,
    replies: HashMap<String, (String, u16, Value)>,
    pub seen: Vec<Seen>,
    /// Acts on the next create but answers 500, as if the answer were lost.
    pub lose_next_create: bool,
    /// Refuses the next refund as Stripe refuses one larger than what is left.
    pub refuse_next_refund: bool,
    n: u32,
}

pub struct Fake {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

/// A webhook delivery: the raw body and its `Stripe-Signature` header.
pub struct Delivery {
    pub body: Vec<u8>,
    pub signature: String,
}

impl Fake {
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The ids (`re_…`) of the refunds made, oldest first.
    pub fn refund_ids(&self) -> Vec<String> {
        let st = self.state.lock().unwrap();
        let mut ids: Vec<&String> = st.refunds.keys().collect();
        ids.sort_by_key(|id| id[7..].parse::<u32>().unwrap_or(0));
        ids.into_iter().cloned().collect()
    }

    /// The variables that send an app's Stripe payments to this fake.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        vec![
            ("stripe_secret_key", STRIPE_SECRET_KEY.to_owned()),
            ("stripe_webhook_secret", STRIPE_WEBHOOK_SECRET.to_owned()),
            ("stripe_api_base", self.base.clone()),
        ]
    }

    /// Settles refund `id` at Stripe as `status` (`succeeded` or `failed`) and returns the
    /// two events Stripe sends about it, each with its own event id: `refund.updated` (or
    /// `refund.failed`) and `charge.refund.updated`, both carrying the Refund as it now is.
    pub fn settle_refund(&self, id: &str, status: &str) -> Vec<Delivery> {
        let mut st = self.state.lock().unwrap();
        let re = st.refunds.get_mut(id).expect("a refund the fake made");
        re["status"] = json!(status);
        if status == "failed" {
            re["failure_reason"] = json!("expired_or_canceled_card");
        }
        let re = re.clone();
        let kind = if status == "failed" {
            "refund.failed"
        } else {
            "refund.updated"
        };
        [kind, "charge.refund.updated"]
            .into_iter()
            .map(|kind| {
                st.n += 1;
                let body = event(&format!("evt_fake{}", st.n), kind, re.clone());
                let signature = sign(STRIPE_WEBHOOK_SECRET, &body, now_secs());
                Delivery { body, signature }
            })
            .collect()
    }
}

/// `spin.toml`'s text with `component`'s grant of `https://api.stripe.com` replaced by
/// `http://127.0.0.1:*`, so that its payments reach the fake; nothing else changes.
pub fn grant(text: String, component: &str) -> String {
    let header = format!("[component.{component}]\n");
    let section = text.find(&header).expect("spin.toml has the component");
    let end = text[section + 1..]
        .find("\n[")
        .map_or(text.len(), |e| section + 1 + e);
    let granted = text[section..end].replace(
        r#"allowed_outbound_hosts = ["https://api.stripe.com"]"#,
        r#"allowed_outbound_hosts = ["http://127.0.0.1:*"]"#,
    );
    assert_ne!(granted, text[section..end], "{component}'s grant changed");
    format!("{}{granted}{}", &text[..section], &text[end..])
}

pub async fn start() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = Arc::new(Mutex::new(State::default()));
    let shared = state.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let st = shared.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let st = st.clone();
                    async move { Ok::<_, std::convert::Infallible>(handle(st, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Fake {
        base: format!("http://127.0.0.1:{port}"),
        state,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn decode_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(n), percent_decode(v))
        })
        .collect()
}

fn error(
    status: u16,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> (u16, Value) {
    let mut e = json!({ "type": kind, "message": message });
    if let Some(c) = code {
        e["code"] = json!(c);
    }
    if let Some(p) = param {
        e["param"] = json!(p);
    }
    (status, json!({ "error": e }))
}

/// The PaymentIntent as sent, with `payment_method` expanded when asked.
fn render(pi: &Value, fields: &[(String, String)]) -> Value {
    let mut pi = pi.clone();
    let expand = fields
        .iter()
        .any(|(n, v)| n == "expand[]" && v == "payment_method");
    if expand {
        let id = pi["payment_method"].as_str().unwrap_or("").to_owned();
        pi["payment_method"] = json!({
            "id": id, "object": "payment_method", "type": "card",
            "card": { "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034 }
        });
    }
    pi
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header("authorization");
    let content_type = header("content-type");
    let idempotency_key = header("idempotency-key");
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    let mut fields = decode_form(&body);
    fields.extend(decode_form(&query));
    let seen = Seen {
        method: method.clone(),
        path: path.clone(),
        authorization: authorization.clone(),
        content_type,
        idempotency_key: idempotency_key.clone(),
        fields: fields.clone(),
    };
    let (status, value) = {
        let mut st = state.lock().unwrap();
        st.seen.push(seen);
        answer(
            &mut st,
            &method,
            &path,
            &body,
            &fields,
            authorization,
            idempotency_key,
        )
    };
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("request-id", "req_fake")
        .body(Full::new(Bytes::from(value.to_string())))
        .unwrap()
}

fn answer(
    st: &mut State,
    method: &str,
    path: &str,
    body: &str,
    fields: &[(String, String)],
    authorization: Option<String>,
    idempotency_key: Option<String>,
) -> (u16, Value) {
    if authorization.as_deref() != Some(&format!("Bearer {STRIPE_SECRET_KEY}")) {
        return error(
            401,
            "invalid_request_error",
            None,
            None,
            "Invalid API Key provided",
        );
    }
    if method == "POST" {
        let Some(key) = idempotency_key else {
            return error(
                400,
                "invalid_request_error",
                None,
                None,
                "this fake wants an Idempotency-Key on every POST",
            );
        };
        let request = format!("{path}?{body}");
        if let Some((first, status, value)) = st.replies.get(&key) {
            if *first == request {
                return (*status, value.clone());
            }
            return error(
                400,
                "idempotency_error",
                None,
                None,
                "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            );
        }
        let (status, value) = act(st, method, path, fields);
        st.replies.insert(key, (request, status, value.clone()));
        if st.lose_next_create && path == "/v1/payment_intents" {
            st.lose_next_create = false;
            return error(500, "api_error", None, None, "the answer was lost");
        }
        return (status, value);
    }
    act(st, method, path, fields)
}

fn act(st: &mut State, method: &str, path: &str, fields: &[(String, String)]) -> (u16, Value) {
    let f = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", ["v1", "payment_intents"]) => {
            for required in ["amount", "currency", "payment_method", "capture_method"] {
                if f(required).is_none() {
                    return error(
                        400,
                        "invalid_request_error",
                        Some("parameter_missing"),
                        Some(required),
                        "Missing required param",
                    );
                }
            }
            let pm = f("payment_method").unwrap();
            if !pm.starts_with("pm_card_") {
                return error(
                    400,
                    "invalid_request_error",
                    Some("resource_missing"),
                    Some("payment_method"),
                    &format!("No such PaymentMethod: '{pm}'"),
                );
            }
            st.n += 1;
            let id = format!("pi_fake{}", st.n);
            let metadata: serde_json::Map<String, Value> = fields
                .iter()
                .filter_map(|(n, v)| {
                    n.strip_prefix("metadata[")
                        .and_then(|k| k.strip_suffix(']'))
                        .map(|k| (k.to_owned(), json!(v)))
                })
                .collect();
            let pi = json!({
                "id": id, "object": "payment_intent",
                "amount": f("amount").unwrap().parse::<i64>().unwrap(),
                "amount_received": 0,
                "currency": f("currency").unwrap(),
                "capture_method": f("capture_method").unwrap(),
                "client_secret": format!("{id}_secret_fake"),
                "status": "requires_confirmation",
                "last_payment_error": null, "next_action": null,
                "metadata": metadata,
                "payment_method": pm,
                "statement_descriptor_suffix": f("statement_descriptor_suffix"),
                "livemode": false,
            });
            st.intents.insert(id, pi.clone());
            (200, render(&pi, fields))
        }
        ("POST", ["v1", "payment_intents", id, op])
        | ("GET", ["v1", "payment_intents", id, op @ ""]) => {
            let _ = op;
            let Some(pi) = st.intents.get_mut(*id) else {
                return error(
                    404,
                    "invalid_request_error",
                    Some("resource_missing"),
                    Some("intent"),
                    "No such payment_intent",
                );
            };
            let status = pi["status"].as_str().unwrap().to_owned();
            let unexpected = |pi: &Value| {
                let (s, mut e) = error(
                    400,
                    "invalid_request_error",
                    Some("payment_intent_unexpected_state"),
                    None,
                    "unexpected state",
                );
                e["error"]["payment_intent"] = pi.clone();
                (s, e)
            };
            match *op {
                "confirm" => {
                    if status != "requires_confirmation" {
                        return unexpected(pi);
                    }
                    let pm = pi["payment_method"].as_str().unwrap().to_owned();
                    match pm.as_str() {
                        "pm_card_chargeDeclinedInsufficientFunds" => {
                            let e = json!({
                                "type": "card_error", "code": "card_declined",
                                "decline_code": "insufficient_funds",
                                "message": "Your card has insufficient funds.",
                            });
                            pi["status"] = json!("requires_payment_method");
                            pi["last_payment_error"] = e.clone();
                            let mut err = json!({ "error": e });
                            err["error"]["payment_intent"] = pi.clone();
                            (402, err)
                        }
                        "pm_card_threeDSecure2Required" => {
                            pi["status"] = json!("requires_action");
                            pi["next_action"] =
                                json!({ "type": "use_stripe_sdk", "use_stripe_sdk": {} });
                            (200, render(pi, fields))
                        }
                        _ => {
                            if pi["capture_method"] == "manual" {
                                pi["status"] = json!("requires_capture");
                            } else {
                                pi["status"] = json!("succeeded");
                                pi["amount_received"] = pi["amount"].clone();
                            }
                            (200, render(pi, fields))
                        }
                    }
                }
                "capture" => {
                    if status != "requires_capture" {
                        return unexpected(pi);
                    }
                    let amount = f("amount_to_capture")
                        .map(|a| a.parse::<i64>().unwrap())
                        .unwrap_or(pi["amount"].as_i64().unwrap());
                    pi["status"] = json!("succeeded");
                    pi["amount_received"] = json!(amount);
                    (200, render(pi, fields))
                }
                "cancel" => {
                    if ![
                        "requires_confirmation",
                        "requires_action",
                        "requires_capture",
                        "requires_payment_method",
                    ]
                    .contains(&status.as_str())
                    {
                        return unexpected(pi);
                    }
                    pi["status"] = json!("canceled");
                    pi["next_action"] = Value::Null;
                    (200, render(pi, fields))
                }
                _ => error(
                    404,
                    "invalid_request_error",
                    None,
                    None,
                    "Unrecognized request URL",
                ),
            }
        }
        ("GET", ["v1", "payment_intents", id]) => {
            let Some(pi) = st.intents.get_mut(*id) else {
                return error(
                    404,
                    "invalid_request_error",
                    Some("resource_missing"),
                    Some("intent"),
                    "No such payment_intent",
                );
            };
            // The shopper has finished the challenge by the time the shop asks.
            if pi["status"] == "requires_action" {
                pi["status"] = json!("succeeded");
                pi["amount_received"] = pi["amount"].clone();
                pi["next_action"] = Value::Null;
            }
            (200, render(pi, fields))
        }
        ("POST", ["v1", "refunds"]) => {
            let Some(pi_id) = f("payment_intent") else {
                return error(
                    400,
                    "invalid_request_error",
                    Some("parameter_missing"),
                    Some("payment_intent"),
                    "Missing required param",
                );
            };
            let Some(pi) = st.intents.get(&pi_id) else {
                return error(
                    400,
                    "invalid_request_error",
                    Some("resource_missing"),
                    Some("payment_intent"),
                    "No such payment_intent",
                );
            };
            let amount = f("amount").map(|a| a.parse::<i64>().unwrap()).unwrap();
            if std::mem::take(&mut st.refuse_next_refund)
                || amount > pi["amount_received"].as_i64().unwrap()
            {
                return error(
                    400,
                    "invalid_request_error",
                    Some("amount_too_large"),
                    Some("amount"),
                    "Refund amount is greater than the charge.",
                );
            }
            st.n += 1;
            let id = format!("re_fake{}", st.n);
            let re = json!({
                "id": id, "object": "refund", "amount": amount, "currency": pi["currency"],
                "payment_intent": pi_id, "charge": format!("ch_{}", &pi_id[3..]),
                "status": "pending", "failure_reason": null, "created": now_secs(),
                "metadata": { "refund_id": f("metadata[refund_id]") },
            });
            st.refunds.insert(id, re.clone());
            (200, re)
        }
        _ => error(
            404,
            "invalid_request_error",
            None,
            None,
            "Unrecognized request URL",
        ),
    }
}
