//! The rules of the payments' inputs. Each function returns every broken rule at once, as
//! (JSON-pointer path, message) pairs.

use capability_kit::{currency, cursor, validate::FieldErrors};
use sha2::{Digest, Sha256};

use crate::exports::commerce::payments::payments::{NewPayment, PaymentMethod, TestCard};
use crate::exports::commerce::payments::payments_admin::NewRefund;
use crate::providers::test::{self, Scenario};
use commerce_types::types::{Money, PageRequest};

/// The largest page a listing gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
/// The longest idempotency key.
pub const MAX_KEY_CHARS: usize = 200;
/// The largest amount taken in one payment (Stripe's limit of eight digits).
pub const MAX_AMOUNT: i64 = 99_999_999;

/// A create request, checked: what the store keeps of its method, and its fingerprint.
pub struct CheckedPayment {
    /// `test` or `stripe`.
    pub provider: crate::exports::commerce::payments::payments::Provider,
    /// The test card's scenario or the Stripe PaymentMethod id.
    pub method_ref: String,
    /// The test card's summary (Stripe's is known after it has seen the card).
    pub card: Option<crate::exports::commerce::payments::payments::CardSummary>,
    /// SHA-256 over every parameter, hex.
    pub fingerprint: String,
}

/// Lower-case hex SHA-256 of `parts`, each length-prefixed so that no two lists collide.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// An idempotency key: 1 to 200 characters, no control characters.
pub fn key(e: &mut FieldErrors, path: &str, key: &str) {
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        e.push(path, format!("must be 1 to {MAX_KEY_CHARS} characters"));
    } else if key.chars().any(char::is_control) {
        e.push(path, "must not contain control characters");
    }
}

/// A positive amount in an active currency, at most [`MAX_AMOUNT`].
pub fn money(e: &mut FieldErrors, path: &str, m: &Money) {
    if m.amount <= 0 {
        e.push(format!("{path}/amount"), "must be positive");
    } else if m.amount > MAX_AMOUNT {
        e.push(
            format!("{path}/amount"),
            format!("must be at most {MAX_AMOUNT}"),
        );
    }
    e.currency(&format!("{path}/currency"), &m.currency);
}

/// An absolute URL: `https://host…`, or `http://host…` when `http_ok`.
fn url(e: &mut FieldErrors, path: &str, url: &str, http_ok: bool) {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| http_ok));
    let ok = url.len() <= 2048
        && rest.is_some_and(|r| {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !r.chars().any(|c| c.is_whitespace() || c.is_control())
        });
    if !ok {
        let schemes = if http_ok { "https or http" } else { "https" };
        e.push(path, format!("must be an absolute {schemes} URL"));
    }
}

/// The rules of `create-payment`, at `now_ms`.
pub fn new_payment(p: &NewPayment, now_ms: i64) -> Result<CheckedPayment, Vec<(String, String)>> {
    use crate::exports::commerce::payments::payments::Provider;
    let mut e = FieldErrors::new();
    money(&mut e, "/amount", &p.amount);
    key(&mut e, "/idempotency-key", &p.idempotency_key);
    if let Some(order) = &p.order_id
        && (order.is_empty() || order.len() > 128 || order.chars().any(char::is_control))
    {
        e.push("/order-id", "must be 1 to 128 characters");
    }
    if let Some(d) = &p.statement_descriptor {
        let bad = d.trim().is_empty()
            || d.chars().count() > 22
            || !d.chars().all(|c| c.is_ascii_graphic() || c == ' ')
            || d.chars().any(|c| "<>\\'\"*".contains(c))
            || d.chars().all(|c| c.is_ascii_digit());
        if bad {
            e.push(
                "/statement-descriptor",
                "must be 1 to 22 printable ASCII characters, not only digits, without < > \\ ' \" *",
            );
        }
    }
    let (provider, method_ref, card, method_print) = match &p.method {
        PaymentMethod::TestCard(card) => {
            let scenario = test_card(&mut e, card, now_ms);
            if let Some(url) = &p.return_url {
                self::url(&mut e, "/return-url", url, true);
            } else if scenario.is_some_and(|s| s.needs_action()) {
                e.push(
                    "/return-url",
                    "is required: this card asks for a 3-D Secure challenge",
                );
            }
            let summary = test::card_summary(card);
            let print = format!(
                "{}|{}|{}|{}",
                summary.brand, summary.last4, card.exp_month, card.exp_year
            );
            (
                Provider::Test,
                scenario
                    .map(Scenario::as_text)
                    .unwrap_or_default()
                    .to_owned(),
                Some(summary),
                print,
            )
        }
        PaymentMethod::ProviderToken(token) => {
            let ok = token.len() > 3
                && token.len() <= 255
                && token.starts_with("pm_")
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                e.push(
                    "/method/provider-token",
                    "must be a Stripe PaymentMethod id (pm_…)",
                );
            }
            if let Some(url) = &p.return_url {
                self::url(&mut e, "/return-url", url, false);
            }
            (Provider::Stripe, token.clone(), None, token.clone())
        }
    };
    if !e.is_empty() {
        return Err(e.into_vec());
    }
    let amount = p.amount.amount.to_string();
    let capture = match p.capture_mode {
        crate::exports::commerce::payments::payments::CaptureMode::Automatic => "automatic",
        crate::exports::commerce::payments::payments::CaptureMode::Manual => "manual",
    };
    let fingerprint = fingerprint(&[
        "payment.v1",
        &amount,
        &p.amount.currency,
        crate::store::provider_text(provider),
        &method_print,
        capture,
        p.order_id.as_deref().unwrap_or("\u{0}"),
        p.return_url.as_deref().unwrap_or("\u{0}"),
        p.statement_descriptor.as_deref().unwrap_or("\u{0}"),
    ]);
    Ok(CheckedPayment {
        provider,
        method_ref,
        card,
        fingerprint,
    })
}

/// The rules of a test card; its scenario when they hold.
fn test_card(out: &mut FieldErrors, card: &TestCard, now_ms: i64) -> Option<Scenario> {
    let mut e = FieldErrors::new();
    let n = &card.number;
    if n.len() < 12 || n.len() > 19 || !n.bytes().all(|b| b.is_ascii_digit()) {
        e.push("/method/test-card/number", "must be 12 to 19 digits");
    }
    if !(1..=12).contains(&card.exp_month) {
        e.push("/method/test-card/exp-month", "must be 1 to 12");
    }
    if !(1000..=9999).contains(&card.exp_year) {
        e.push("/method/test-card/exp-year", "must be four digits");
    } else if (1..=12).contains(&card.exp_month) {
        let (year, month) = year_month(now_ms);
        if (i64::from(card.exp_year), i64::from(card.exp_month)) < (year, month) {
            e.push("/method/test-card/exp-year", "the card has expired");
        }
    }
    let cvc = &card.cvc;
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        e.push("/method/test-card/cvc", "must be 3 or 4 digits");
    }
    if e.is_empty() {
        return Some(test::scenario(n));
    }
    for (path, message) in e.into_vec() {
        out.push(path, message);
    }
    None
}

/// The UTC (year, month) of `ms` since the epoch.
pub fn year_month(ms: i64) -> (i64, i64) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

/// The rules of `create-refund` that need no stored payment.
pub fn new_refund(r: &NewRefund) -> Result<String, Vec<(String, String)>> {
    let mut e = FieldErrors::new();
    key(&mut e, "/idempotency-key", &r.idempotency_key);
    if let Some(m) = &r.amount {
        money(&mut e, "/amount", m);
    }
    if let Some(reason) = &r.reason {
        e.max_chars("/reason", reason, 500);
    }
    if !e.is_empty() {
        return Err(e.into_vec());
    }
    let amount = r
        .amount
        .as_ref()
        .map(|m| format!("{} {}", m.amount, m.currency));
    Ok(fingerprint(&[
        "refund.v1",
        &r.payment_id,
        amount.as_deref().unwrap_or("\u{0}"),
        r.reason.as_deref().unwrap_or("\u{0}"),
    ]))
}

/// A checked page request: where to start and how many.
pub use capability_kit::cursor::Page;

/// The rules of a listing's page request, whose cursors carry the tag `tag`.
pub fn page(page: &PageRequest, tag: &str) -> Result<Page, Vec<(String, String)>> {
    cursor::check_page(
        page.limit,
        page.after.as_deref(),
        tag,
        MAX_PAGE_SIZE,
        DEFAULT_PAGE_SIZE,
    )
}

/// Whether `m` is in `currency`; for amounts checked against a stored payment.
pub fn same_currency(m: &Money, currency: &str) -> bool {
    m.currency == currency && currency::is_active(currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_of_known_instants() {
        assert_eq!(year_month(0), (1970, 1));
        // 2024-02-29T12:00:00Z
        assert_eq!(year_month(1_709_208_000_000), (2024, 2));
        // 2026-12-31T23:59:59Z
        assert_eq!(year_month(1_798_761_599_000), (2026, 12));
    }
}
