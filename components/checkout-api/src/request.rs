//! The body of `POST /api/checkout` and its `Idempotency-Key`, read strictly: every bad
//! field is reported by JSON pointer in one 400 problem, before anything is changed.

use crate::dto::Address;
use api_kit::{At, JsonChecker, Problem};
use commerce_bindings::cart::cart::CartKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The longest idempotency key a client may send: the keys derived from it for the
/// capabilities (e.g. `checkout:<key>:payment`) stay within their 200 characters.
pub const MAX_KEY_CHARS: usize = 150;
/// The longest email address (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// How the shopper pays.
#[derive(Debug, Clone)]
pub enum Method {
    /// Raw test card details, for the test provider.
    TestCard {
        number: String,
        exp_month: u8,
        exp_year: u16,
        cvc: String,
    },
    /// A token made by the provider's browser script (Stripe `pm_…`).
    ProviderToken(String),
}

/// A checkout request.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The signed-in customer, set by the caller from the session (never from the body).
    pub customer_id: Option<String>,
    /// The body's `cart_token`: a guest cart. Without it, the signed-in customer's cart.
    pub cart_token: Option<String>,
    /// The cart bought, set by [`Checkout::bind`].
    pub cart: CartKey,
    pub email: String,
    pub shipping_address: Address,
    pub billing_address: Option<Address>,
    pub shipping_method_id: Option<String>,
    pub payment_method: Method,
    pub return_url: Option<String>,
    /// SHA-256 (hex) of the body's canonical JSON (keys sorted, no whitespace): two bodies
    /// that mean the same have the same hash.
    pub hash: String,
}

fn text(c: &mut JsonChecker, at: &At, max: usize) -> String {
    let s = c.string(at);
    if !at.is_absent() && at.value().is_some_and(Value::is_string) {
        let n = s.trim().chars().count();
        if n == 0 || s.chars().count() > max {
            c.error(at.path(), format!("must be 1 to {max} characters"));
        }
    }
    s
}

fn opt_text(c: &mut JsonChecker, at: &At, max: usize) -> Option<String> {
    if at.is_absent() {
        None
    } else {
        Some(text(c, at, max))
    }
}

fn address(c: &mut JsonChecker, at: &At) -> Address {
    let o = c.object(
        at,
        &[
            "name",
            "company",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "phone",
        ],
    );
    let country_at = o.field("country");
    let country = c.string(&country_at);
    if country_at.value().is_some_and(Value::is_string)
        && !capability_kit::country::is_assigned(&country)
    {
        c.error(
            country_at.path(),
            "must be an ISO 3166-1 alpha-2 country code, e.g. DE",
        );
    }
    Address {
        name: text(c, &o.field("name"), 200),
        company: opt_text(c, &o.field("company"), 200),
        line1: text(c, &o.field("line1"), 200),
        line2: opt_text(c, &o.field("line2"), 200),
        city: text(c, &o.field("city"), 100),
        region: opt_text(c, &o.field("region"), 100),
        postal_code: opt_text(c, &o.field("postal_code"), 20),
        country,
        phone: opt_text(c, &o.field("phone"), 40),
    }
}

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces.
fn is_email(s: &str) -> bool {
    if s.chars().count() > MAX_EMAIL || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && local.chars().count() <= 64
        && !local.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

fn payment_method(c: &mut JsonChecker, at: &At) -> Method {
    let o = c.object(
        at,
        &["type", "number", "exp_month", "exp_year", "cvc", "token"],
    );
    let kind = c.one_of(&o.field("type"), &["test_card", "provider_token"]);
    let unexpected = |c: &mut JsonChecker, names: &[&str]| {
        for name in names {
            let f = o.field(name);
            if !f.is_absent() {
                c.error(
                    f.path(),
                    format!("is not a field of a {kind} payment method"),
                );
            }
        }
    };
    if kind == "provider_token" {
        unexpected(c, &["number", "exp_month", "exp_year", "cvc"]);
        return Method::ProviderToken(text(c, &o.field("token"), 255));
    }
    if kind == "test_card" {
        unexpected(c, &["token"]);
    }
    let number_at = o.field("number");
    let number = c.string(&number_at);
    if number_at.value().is_some_and(Value::is_string)
        && (!(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()))
    {
        c.error(number_at.path(), "must be 12 to 19 digits");
    }
    let exp_month = c.integer(&o.field("exp_month"), 1, 12) as u8;
    let exp_year = c.integer(&o.field("exp_year"), 2000, 2999) as u16;
    let cvc_at = o.field("cvc");
    let cvc = c.string(&cvc_at);
    if cvc_at.value().is_some_and(Value::is_string)
        && (!(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()))
    {
        c.error(cvc_at.path(), "must be 3 or 4 digits");
    }
    Method::TestCard {
        number,
        exp_month,
        exp_year,
        cvc,
    }
}

/// Reads a checkout body; a 400 problem listing every bad field otherwise.
pub fn parse(body: &Value) -> Result<Checkout, Problem> {
    let mut c = JsonChecker::new();
    let o = c.object(
        &At::root(body),
        &[
            "cart_token",
            "email",
            "shipping_address",
            "billing_address",
            "shipping_method_id",
            "payment_method",
            "return_url",
        ],
    );
    let cart_token = opt_text(&mut c, &o.field("cart_token"), 200);
    let email_at = o.field("email");
    let email = c.string(&email_at);
    if email_at.value().is_some_and(Value::is_string) && !is_email(&email) {
        c.error(email_at.path(), "must be an email address");
    }
    let shipping_address = address(&mut c, &o.field("shipping_address"));
    let billing_at = o.field("billing_address");
    let billing_address = (!billing_at.is_absent()).then(|| address(&mut c, &billing_at));
    let shipping_method_id = opt_text(&mut c, &o.field("shipping_method_id"), 100);
    let payment_method = payment_method(&mut c, &o.field("payment_method"));
    let return_at = o.field("return_url");
    let return_url = opt_text(&mut c, &return_at, 2000);
    if let Some(url) = &return_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        c.error(return_at.path(), "must be an absolute http or https URL");
    }
    c.finish()?;
    // serde_json's maps are ordered by key, so this is a canonical form of the body.
    let canonical = serde_json::to_vec(body).unwrap_or_default();
    let hash = hex(&Sha256::digest(&canonical));
    Ok(Checkout {
        customer_id: None,
        cart: CartKey::Token(cart_token.clone().unwrap_or_default()),
        cart_token,
        email,
        shipping_address,
        billing_address,
        shipping_method_id,
        payment_method,
        return_url,
        hash,
    })
}

impl Checkout {
    /// Binds the checkout to who sends it, `customer` (from the session, never from the
    /// body): the cart it buys is the body's `cart_token`, else the customer's cart (400
    /// without either), and the customer is part of the request's hash, so that one
    /// `Idempotency-Key` and body sent by two customers are two different requests, never
    /// one answered to the other.
    pub fn bind(&mut self, customer: Option<String>) -> Result<(), Problem> {
        self.cart = match (&self.cart_token, &customer) {
            (Some(token), _) => CartKey::Token(token.clone()),
            (None, Some(customer)) => CartKey::Customer(customer.clone()),
            (None, None) => {
                return Err(Problem::invalid_input(vec![api_kit::FieldError::new(
                    "/cart_token",
                    "is required without a signed-in customer (whose own cart is bought then)",
                )]));
            }
        };
        if let Some(customer) = &customer {
            let mut hasher = Sha256::new();
            hasher.update(self.hash.as_bytes());
            hasher.update(b"\ncustomer\n");
            hasher.update(customer.as_bytes());
            self.hash = hex(&hasher.finalize());
        }
        self.customer_id = customer;
        Ok(())
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "cart_token": "ctk_x",
            "email": "a@example.com",
            "shipping_address": {"name": "A", "line1": "Street 1", "city": "Berlin", "country": "DE"},
            "payment_method": {"type": "test_card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
        })
    }

    #[test]
    fn same_meaning_same_hash() {
        let a = parse(&body()).unwrap();
        let reordered: Value = serde_json::from_str(
            r#"{"payment_method": {"cvc": "123", "exp_year": 2030, "exp_month": 12, "number": "4242424242424242", "type": "test_card"},
                "shipping_address": {"country": "DE", "city": "Berlin", "line1": "Street 1", "name": "A"},
                "email": "a@example.com", "cart_token": "ctk_x"}"#,
        )
        .unwrap();
        assert_eq!(a.hash, parse(&reordered).unwrap().hash);
        let mut other = body();
        other["email"] = json!("b@example.com");
        assert_ne!(a.hash, parse(&other).unwrap().hash);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut b = body();
        b["email"] = json!("nope");
        b["shipping_address"]["country"] = json!("XX");
        b["payment_method"]["cvc"] = json!("1");
        b["extra"] = json!(1);
        let p = parse(&b).unwrap_err();
        let paths: Vec<&str> = p.errors().iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"/email"), "{paths:?}");
        assert!(paths.contains(&"/shipping_address/country"), "{paths:?}");
        assert!(paths.contains(&"/payment_method/cvc"), "{paths:?}");
        assert!(paths.contains(&"/extra"), "{paths:?}");
    }
}
