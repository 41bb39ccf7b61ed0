//! `commerce:types` (`wit/deps/types/types.wit`), generated once.
//!
//! Every component's bindings remap the package here instead of generating their own copy:
//!
//! ```ignore
//! wit_bindgen::generate!({
//!     path: "../../wit",
//!     world: "cart-api",
//!     with: { "commerce:types/types@0.1.0": commerce_types::types },
//! });
//! ```
//!
//! so a `Money` made by one capability's bindings is the same Rust type in every other, and
//! its JSON form is defined once, here. The records derive `serde`: `Money` is
//! `{"amount": 1999, "currency": "EUR"}` (minor units), the form every API answers with.
//! Enums (`tax-mode`) are written in snake_case by [`tax_mode_name`] and read back by
//! [`parse_tax_mode`].

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "commerce:types/vocabulary",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq, Eq],
    });
}

pub use bindings::commerce::types::types;

use types::{Money, TaxMode};

impl Money {
    /// `amount` minor units of `currency`.
    pub fn new(amount: i64, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// The JSON (and SQL) name of a tax mode.
pub fn tax_mode_name(mode: TaxMode) -> &'static str {
    match mode {
        TaxMode::Inclusive => "inclusive",
        TaxMode::Exclusive => "exclusive",
    }
}

/// The tax mode named `name` ([`tax_mode_name`]'s inverse).
pub fn parse_tax_mode(name: &str) -> Option<TaxMode> {
    match name {
        "inclusive" => Some(TaxMode::Inclusive),
        "exclusive" => Some(TaxMode::Exclusive),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_minor_units_and_a_code_in_json() {
        let m = Money::new(1999, "EUR");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":1999,"currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }

    #[test]
    fn tax_modes_round_trip_by_name() {
        for mode in [TaxMode::Inclusive, TaxMode::Exclusive] {
            assert_eq!(parse_tax_mode(tax_mode_name(mode)), Some(mode));
        }
        assert_eq!(parse_tax_mode("Inclusive"), None);
    }
}
