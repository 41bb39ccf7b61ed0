//! The cart's input rules and tokens. Each rule returns every broken rule as (path,
//! message), the path a JSON pointer using the snake_case names of the WIT fields, e.g.
//! `/variant/variant_id`.

use capability_kit::validate::FieldErrors;
use capability_kit::{ids, secret};

use crate::exports::commerce::cart::cart::VariantCheck;

/// Most units of one variant in a cart.
pub const MAX_LINE_QUANTITY: u32 = 99;
/// Most units in a cart, all lines together.
pub const MAX_CART_QUANTITY: u32 = 500;
/// Most lines in a cart.
pub const MAX_LINES: u32 = 50;
/// The idle time when `cart_idle_ttl_seconds` is not set: 7 days.
pub const DEFAULT_IDLE_TTL_SECONDS: u32 = 7 * 24 * 60 * 60;
/// The longest idle time the variable may set: one year.
pub const MAX_IDLE_TTL_SECONDS: u32 = 365 * 24 * 60 * 60;
/// The Spin variable holding the idle time.
pub const TTL_VARIABLE: &str = "cart_idle_ttl_seconds";

/// The prefix of cart tokens.
pub const TOKEN_PREFIX: &str = "ctk_";

/// The idle time from the variable's value (`None` when the variable is not defined).
pub fn idle_ttl(value: Option<&str>) -> Result<u32, String> {
    let Some(value) = value else {
        return Ok(DEFAULT_IDLE_TTL_SECONDS);
    };
    let trimmed = value.trim();
    match trimmed.parse::<u32>() {
        Ok(n)
            if (1..=MAX_IDLE_TTL_SECONDS).contains(&n)
                && trimmed.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(n)
        }
        _ => Err(format!(
            "the Spin variable {TTL_VARIABLE} must be a whole number of seconds from 1 to \
             {MAX_IDLE_TTL_SECONDS}, not {value:?}"
        )),
    }
}

/// The longest checkout holder and order reference, in characters.
pub const MAX_CHECKOUT_REF: usize = 200;

/// A checkout's holder and, when given, the order reference it completes with.
pub fn checkout(holder: &str, order_ref: Option<&str>) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    let mut reference = |path: &str, value: &str| {
        let n = value.chars().count();
        if n == 0 || n > MAX_CHECKOUT_REF {
            e.push(path, format!("must be 1 to {MAX_CHECKOUT_REF} characters"));
        }
    };
    reference("/holder", holder);
    if let Some(order_ref) = order_ref {
        reference("/order_ref", order_ref);
    }
    e.into_vec()
}

/// The currency of a new cart.
pub fn new_cart(currency: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.currency("/currency", currency);
    e.into_vec()
}

fn quantity(e: &mut FieldErrors, quantity: u32, zero_allowed: bool) {
    if quantity == 0 && !zero_allowed {
        e.push("/quantity", "must be at least 1");
    }
}

fn check(e: &mut FieldErrors, check: &VariantCheck) {
    if !ids::is_id_of(&check.variant_id, "var") {
        e.push(
            "/variant/variant_id",
            "must be a variant id: \"var_\" followed by 1 to 64 ASCII letters or digits",
        );
    }
    if !ids::is_id_of(&check.product_id, "prod") {
        e.push(
            "/variant/product_id",
            "must be a product id: \"prod_\" followed by 1 to 64 ASCII letters or digits",
        );
    }
}

/// The input of `add-line`.
pub fn add_line(variant: &VariantCheck, qty: u32) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    check(&mut e, variant);
    quantity(&mut e, qty, false);
    e.into_vec()
}

/// The input of `set-quantity` (zero removes the line).
pub fn set_quantity(variant: &VariantCheck) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    check(&mut e, variant);
    e.into_vec()
}

/// Whether `token` is shaped like a cart token; any other string names no cart.
pub fn is_token(token: &str) -> bool {
    secret::is_token(token, TOKEN_PREFIX)
}

/// A fresh cart token: the prefix and 256 random bits (see `capability_kit::secret`).
pub fn new_token() -> String {
    secret::new_token(TOKEN_PREFIX)
}

/// What the tables keep of a token: its SHA-256 in lower-case hex.
pub fn token_hash(token: &str) -> String {
    secret::token_hash(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_variable() {
        assert_eq!(idle_ttl(None), Ok(DEFAULT_IDLE_TTL_SECONDS));
        assert_eq!(idle_ttl(Some("60")), Ok(60));
        assert!(idle_ttl(Some("0")).is_err());
        assert!(idle_ttl(Some("-1")).is_err());
        assert!(idle_ttl(Some("+5")).is_err());
        assert!(idle_ttl(Some("1.5")).is_err());
        assert!(idle_ttl(Some("31536001")).is_err());
    }
}
