//! Money as text. Amounts are integer minor units everywhere; here they become a decimal
//! string (`2995` EUR → `29.95`, for JSON-LD and Open Graph) or a price for people
//! (`€29.95`, `¥2,995`, `CHF 29.95`), with the currency's own number of decimals.

use commerce_types::types::Money;

/// Decimals of the currency's minor unit (2 when the code is unknown).
fn exponent(currency: &str) -> u32 {
    capability_kit::currency::minor_units(currency).map_or(2, u32::from)
}

/// The amount as a plain decimal number: `2995` EUR → `"29.95"`, `2995` JPY → `"2995"`,
/// `-5` EUR → `"-0.05"`.
pub fn decimal(amount: i64, currency: &str) -> String {
    let exp = exponent(currency);
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exp);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

/// The amount for people: a symbol for the common currencies, else the code; thousands
/// grouped with commas (as `Intl.NumberFormat("en")` does in the scripts).
pub fn display(amount: i64, currency: &str) -> String {
    let plain = decimal(amount.abs(), currency);
    let (whole, fraction) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut grouped = String::new();
    for (k, c) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if !fraction.is_empty() {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    let sign = if amount < 0 { "-" } else { "" };
    match currency {
        "EUR" => format!("{sign}€{grouped}"),
        "USD" => format!("{sign}${grouped}"),
        "GBP" => format!("{sign}£{grouped}"),
        "JPY" => format!("{sign}¥{grouped}"),
        other => format!("{sign}{other}\u{a0}{grouped}"),
    }
}

/// The amount in `currency` among `prices`, if any.
pub fn amount_in(prices: &[Money], currency: &str) -> Option<i64> {
    prices
        .iter()
        .find(|m| m.currency == currency)
        .map(|m| m.amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_currency() {
        assert_eq!(decimal(2995, "EUR"), "29.95");
        assert_eq!(decimal(5, "EUR"), "0.05");
        assert_eq!(decimal(2995, "JPY"), "2995");
        assert_eq!(decimal(12345, "KWD"), "12.345");
        assert_eq!(decimal(-5, "EUR"), "-0.05");
        assert_eq!(decimal(0, "USD"), "0.00");
    }

    #[test]
    fn prices_for_people() {
        assert_eq!(display(2995, "EUR"), "€29.95");
        assert_eq!(display(129_900, "USD"), "$1,299.00");
        assert_eq!(display(123_456_789, "GBP"), "£1,234,567.89");
        assert_eq!(display(2995, "JPY"), "¥2,995");
        assert_eq!(display(2995, "CHF"), "CHF\u{a0}29.95");
        assert_eq!(display(-500, "EUR"), "-€5.00");
    }
}
