//! The orders' input rules. Each returns every broken rule as (path, message), the path a
//! JSON pointer into the input using the snake_case names of the WIT fields, e.g.
//! `/snapshot/lines/2/subtotal`. Query-like inputs use their parameter names: `/limit`,
//! `/after`, `/search`.

use capability_kit::cursor;
use capability_kit::ids;
use capability_kit::validate::FieldErrors;

use crate::exports::commerce::orders::orders::Tracking;
use crate::exports::commerce::orders::orders::{Address, OrderRefundStatus, OrderSnapshot};
use crate::exports::commerce::orders::orders_admin::{NewOrderRefund, OrderFilter};
use commerce_types::types::{Money, PageRequest};

/// The most lines of one order.
pub const MAX_LINES: usize = 500;
/// The most units of one line.
pub const MAX_QUANTITY: u32 = 1_000_000;
/// The longest idempotency key, in characters.
pub const MAX_KEY: usize = 200;
/// The longest cancel or refund reason, in characters.
pub const MAX_REASON: usize = 500;
/// The longest note, in characters.
pub const MAX_NOTE: usize = 2000;
/// The longest free-text search, in characters.
pub const MAX_SEARCH: usize = 100;
/// The longest email address, in characters.
pub const MAX_EMAIL: usize = 254;
/// The longest actor name, in characters.
pub const MAX_ACTOR: usize = 200;
/// The largest page a listing gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The longest id an order keeps (product, variant, method, customer, …), in bytes.
const MAX_ID: usize = 128;
const MAX_SKU: usize = 100;
const MAX_TITLE: usize = 200;
const MAX_LABEL: usize = 200;
const MAX_CODE: usize = 100;
const MAX_URL: usize = 2048;
/// A tax rate above 100 % is a mistake.
const MAX_RATE_PPM: u32 = 1_000_000;

fn key(e: &mut FieldErrors, path: &str, key: &str) {
    let n = key.chars().count();
    if n == 0 || n > MAX_KEY {
        e.push(path, format!("must be 1 to {MAX_KEY} characters"));
    }
}

fn opaque_id(e: &mut FieldErrors, path: &str, id: &str) {
    if id.is_empty() || id.len() > MAX_ID || id.chars().any(char::is_whitespace) {
        e.push(
            path,
            format!("must be an id of 1 to {MAX_ID} characters without spaces"),
        );
    }
}

fn id_of(e: &mut FieldErrors, path: &str, id: &str, prefix: &str) {
    if !ids::is_id_of(id, prefix) {
        e.push(
            path,
            format!("must be an id: \"{prefix}_\" followed by 1 to 64 ASCII letters or digits"),
        );
    }
}

fn optional_text(e: &mut FieldErrors, path: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        e.required_text(path, v, max);
    }
}

/// Requires `m` in `currency`, not negative (or positive when `positive`). Returns its
/// amount when its currency is right.
fn money(e: &mut FieldErrors, path: &str, m: &Money, currency: &str, positive: bool) -> i64 {
    if m.currency != currency {
        e.push(
            format!("{path}/currency"),
            format!("must be the order's currency, {currency}"),
        );
    }
    if positive && m.amount <= 0 {
        e.push(format!("{path}/amount"), "must be positive");
    } else if m.amount < 0 {
        e.push(format!("{path}/amount"), "must not be negative");
    }
    m.amount
}

/// Adds `x` to a running sum, recording an overflow at `path`.
fn add(e: &mut FieldErrors, path: &str, sum: &mut Option<i64>, x: i64) {
    *sum = sum.and_then(|s| s.checked_add(x));
    if sum.is_none() {
        e.push(path, "the amounts add up beyond what an amount can hold");
    }
}

pub use capability_kit::validate::is_email;

fn address(e: &mut FieldErrors, path: &str, a: &Address) {
    e.required_text(&format!("{path}/name"), &a.name, 200);
    optional_text(e, &format!("{path}/company"), a.company.as_deref(), 200);
    e.required_text(&format!("{path}/line1"), &a.line1, 200);
    optional_text(e, &format!("{path}/line2"), a.line2.as_deref(), 200);
    e.required_text(&format!("{path}/city"), &a.city, 100);
    optional_text(e, &format!("{path}/region"), a.region.as_deref(), 100);
    optional_text(
        e,
        &format!("{path}/postal_code"),
        a.postal_code.as_deref(),
        20,
    );
    e.country(&format!("{path}/country"), &a.country);
    optional_text(e, &format!("{path}/phone"), a.phone.as_deref(), 40);
}

/// The rules of `create-order`: the snapshot is whole and adds up (see the WIT).
pub fn create_order(idempotency_key: &str, s: &OrderSnapshot) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    key(&mut e, "/idempotency_key", idempotency_key);
    let p = "/snapshot";
    let currency = s.currency.as_str();
    e.currency(&format!("{p}/currency"), currency);

    if s.lines.is_empty() {
        e.push(format!("{p}/lines"), "must have at least one line");
    } else if s.lines.len() > MAX_LINES {
        e.push(
            format!("{p}/lines"),
            format!("must have at most {MAX_LINES} lines"),
        );
    }
    let mut subtotal = Some(0i64);
    let mut line_discounts = Some(0i64);
    let mut line_taxes = Some(0i64);
    for (n, l) in s.lines.iter().enumerate() {
        let lp = format!("{p}/lines/{n}");
        opaque_id(&mut e, &format!("{lp}/product_id"), &l.product_id);
        opaque_id(&mut e, &format!("{lp}/variant_id"), &l.variant_id);
        e.required_text(&format!("{lp}/sku"), &l.sku, MAX_SKU);
        e.required_text(&format!("{lp}/product_title"), &l.product_title, MAX_TITLE);
        e.max_chars(&format!("{lp}/variant_title"), &l.variant_title, MAX_TITLE);
        if l.quantity == 0 || l.quantity > MAX_QUANTITY {
            e.push(
                format!("{lp}/quantity"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            );
        }
        let unit = money(
            &mut e,
            &format!("{lp}/unit_price"),
            &l.unit_price,
            currency,
            false,
        );
        let sub = money(
            &mut e,
            &format!("{lp}/subtotal"),
            &l.subtotal,
            currency,
            false,
        );
        if unit.checked_mul(i64::from(l.quantity)) != Some(sub) {
            e.push(
                format!("{lp}/subtotal/amount"),
                "must be unit_price times quantity",
            );
        }
        let discount = money(
            &mut e,
            &format!("{lp}/discount"),
            &l.discount,
            currency,
            false,
        );
        // (A negative subtotal is reported once, at the subtotal.)
        if discount > sub && sub >= 0 {
            e.push(
                format!("{lp}/discount/amount"),
                "must not be more than the line's subtotal",
            );
        }
        let tax = money(&mut e, &format!("{lp}/tax"), &l.tax, currency, false);
        add(&mut e, &format!("{p}/subtotal"), &mut subtotal, sub);
        add(
            &mut e,
            &format!("{p}/discount_total"),
            &mut line_discounts,
            discount,
        );
        add(&mut e, &format!("{p}/tax_total"), &mut line_taxes, tax);
    }

    let mut discount_lines = Some(0i64);
    for (n, d) in s.discounts.iter().enumerate() {
        let dp = format!("{p}/discounts/{n}");
        optional_text(&mut e, &format!("{dp}/code"), d.code.as_deref(), MAX_CODE);
        e.required_text(&format!("{dp}/label"), &d.label, MAX_LABEL);
        let amount = money(&mut e, &format!("{dp}/amount"), &d.amount, currency, true);
        add(
            &mut e,
            &format!("{p}/discount_total"),
            &mut discount_lines,
            amount,
        );
    }

    let mut shipping_amount = 0;
    if let Some(sh) = &s.shipping {
        let sp = format!("{p}/shipping");
        opaque_id(&mut e, &format!("{sp}/method_id"), &sh.method_id);
        e.required_text(&format!("{sp}/name"), &sh.name, MAX_LABEL);
        shipping_amount = money(&mut e, &format!("{sp}/amount"), &sh.amount, currency, false);
        let tax = money(&mut e, &format!("{sp}/tax"), &sh.tax, currency, false);
        add(&mut e, &format!("{p}/tax_total"), &mut line_taxes, tax);
    }

    let mut tax_lines = Some(0i64);
    for (n, t) in s.taxes.iter().enumerate() {
        let tp = format!("{p}/taxes/{n}");
        e.required_text(&format!("{tp}/label"), &t.label, MAX_LABEL);
        e.country(&format!("{tp}/country"), &t.country);
        if t.rate_ppm > MAX_RATE_PPM {
            e.push(
                format!("{tp}/rate_ppm"),
                format!("must be at most {MAX_RATE_PPM}"),
            );
        }
        money(
            &mut e,
            &format!("{tp}/taxable_amount"),
            &t.taxable_amount,
            currency,
            false,
        );
        let amount = money(&mut e, &format!("{tp}/amount"), &t.amount, currency, false);
        add(&mut e, &format!("{p}/tax_total"), &mut tax_lines, amount);
    }

    let sub_total = money(
        &mut e,
        &format!("{p}/subtotal"),
        &s.subtotal,
        currency,
        false,
    );
    let discount_total = money(
        &mut e,
        &format!("{p}/discount_total"),
        &s.discount_total,
        currency,
        false,
    );
    let shipping_total = money(
        &mut e,
        &format!("{p}/shipping_total"),
        &s.shipping_total,
        currency,
        false,
    );
    let tax_total = money(
        &mut e,
        &format!("{p}/tax_total"),
        &s.tax_total,
        currency,
        false,
    );
    let grand_total = money(
        &mut e,
        &format!("{p}/grand_total"),
        &s.grand_total,
        currency,
        false,
    );

    if subtotal.is_some_and(|x| x != sub_total) {
        e.push(
            format!("{p}/subtotal/amount"),
            "must be the sum of the lines' subtotals",
        );
    }
    if line_discounts.is_some_and(|x| x != discount_total) {
        e.push(
            format!("{p}/discount_total/amount"),
            "must be the sum of the lines' discounts",
        );
    }
    if discount_lines.is_some_and(|x| x != discount_total) {
        e.push(format!("{p}/discounts"), "must add up to discount_total");
    }
    if shipping_amount != shipping_total {
        e.push(
            format!("{p}/shipping_total/amount"),
            "must be the shipping line's amount (0 without one)",
        );
    }
    if line_taxes.is_some_and(|x| x != tax_total) {
        e.push(
            format!("{p}/tax_total/amount"),
            "must be the sum of the lines' taxes and the shipping tax",
        );
    }
    if tax_lines.is_some_and(|x| x != tax_total) {
        e.push(format!("{p}/taxes"), "must add up to tax_total");
    }
    let expected = sub_total
        .checked_sub(discount_total)
        .and_then(|x| x.checked_add(shipping_total))
        .and_then(|x| match s.tax_mode {
            commerce_types::types::TaxMode::Exclusive => x.checked_add(tax_total),
            commerce_types::types::TaxMode::Inclusive => Some(x),
        });
    if expected != Some(grand_total) {
        e.push(
            format!("{p}/grand_total/amount"),
            "must be subtotal - discount_total + shipping_total (+ tax_total when exclusive)",
        );
    }

    address(
        &mut e,
        &format!("{p}/shipping_address"),
        &s.shipping_address,
    );
    if let Some(b) = &s.billing_address {
        address(&mut e, &format!("{p}/billing_address"), b);
    }
    if !is_email(&s.email) {
        e.push(
            format!("{p}/email"),
            format!("must be an email address of at most {MAX_EMAIL} characters"),
        );
    }
    if let Some(c) = &s.customer_id {
        id_of(&mut e, &format!("{p}/customer_id"), c, "cus");
    }
    if let Some(r) = &s.reservation_id {
        id_of(&mut e, &format!("{p}/reservation_id"), r, "res");
    }
    if let Some(pay) = &s.payment_id {
        id_of(&mut e, &format!("{p}/payment_id"), pay, "pay");
    }
    e.into_vec()
}

/// The rules of `mark-paid`'s arguments (the amount is checked against the order).
pub fn mark_paid(payment_id: &str, amount: &Money) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    id_of(&mut e, "/payment_id", payment_id, "pay");
    e.currency("/amount/currency", &amount.currency);
    e.into_vec()
}

/// The rules of `replace-reservation`.
pub fn replace_reservation(previous: &str, next: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    id_of(&mut e, "/previous", previous, "res");
    id_of(&mut e, "/next", next, "res");
    if previous == next {
        e.push("/next", "must differ from previous");
    }
    e.into_vec()
}

/// The rules of a cancel reason.
pub fn reason(reason: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.max_chars("/reason", reason, MAX_REASON);
    e.into_vec()
}

/// The rules of `add-note`.
pub fn note(note: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.required_text("/note", note, MAX_NOTE);
    e.into_vec()
}

/// The rules of tracking details.
pub fn tracking(t: Option<&Tracking>) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    if let Some(t) = t {
        e.required_text("/tracking/carrier", &t.carrier, 100);
        e.required_text("/tracking/number", &t.number, 100);
        if let Some(url) = &t.url
            && !is_https_url(url)
        {
            e.push(
                "/tracking/url",
                format!("must be an absolute https URL of at most {MAX_URL} characters"),
            );
        }
    }
    e.into_vec()
}

/// Whether `s` is an absolute `https://` URL with a host and no spaces.
fn is_https_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    s.len() <= MAX_URL
        && !host.is_empty()
        && !host.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The rules of `record-refund` (currency against the order is the store's check).
pub fn new_refund(r: &NewOrderRefund) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    if r.amount.amount <= 0 {
        e.push("/amount/amount", "must be positive");
    }
    e.currency("/amount/currency", &r.amount.currency);
    match &r.refund_id {
        Some(id) => {
            id_of(&mut e, "/refund_id", id, "ref");
            e.max_chars("/idempotency_key", &r.idempotency_key, MAX_KEY);
        }
        None => key(&mut e, "/idempotency_key", &r.idempotency_key),
    }
    match r.status {
        OrderRefundStatus::Succeeded => {}
        OrderRefundStatus::Pending if r.refund_id.is_none() => e.push(
            "/refund_id",
            "is required for a pending refund: settle-refund finds it by it",
        ),
        OrderRefundStatus::Pending => {}
        OrderRefundStatus::Failed => e.push(
            "/status",
            "must be succeeded or pending: a failed refund gave nothing back",
        ),
    }
    if let Some(reason) = &r.reason {
        e.max_chars("/reason", reason, MAX_REASON);
    }
    e.required_text("/actor", &r.actor, MAX_ACTOR);
    e.into_vec()
}

/// The rules of `settle-refund`.
pub fn settle_refund(
    refund_id: &str,
    outcome: OrderRefundStatus,
    actor: &str,
) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    id_of(&mut e, "/refund_id", refund_id, "ref");
    if outcome == OrderRefundStatus::Pending {
        e.push("/outcome", "must be succeeded or failed");
    }
    e.required_text("/actor", actor, MAX_ACTOR);
    e.into_vec()
}

/// A free-text search as the store matches it: the lower-cased prefix, and the order
/// number it names, if it is one (with or without `#`).
pub struct Search {
    pub prefix: String,
    pub number: Option<i64>,
}

/// The rules of `list-orders`' filter; the search to run.
pub fn order_filter(f: &OrderFilter) -> Result<Option<Search>, Vec<(String, String)>> {
    let mut e = FieldErrors::new();
    if let (Some(after), Some(before)) = (f.created_after, f.created_before)
        && after >= before
    {
        e.push("/created_after", "must be before created_before");
    }
    let mut search = None;
    if let Some(text) = &f.search {
        let n = text.chars().count();
        if text.trim().is_empty() || n > MAX_SEARCH {
            e.push(
                "/search",
                format!("must be 1 to {MAX_SEARCH} characters, not blank"),
            );
        } else {
            let trimmed = text.trim();
            let digits = trimmed.strip_prefix('#').unwrap_or(trimmed);
            let number = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                digits.parse::<i64>().ok()
            } else {
                None
            };
            search = Some(Search {
                prefix: trimmed.to_lowercase(),
                number,
            });
        }
    }
    if let Some(c) = &f.customer_id
        && c.is_empty()
    {
        e.push("/customer_id", "must not be empty");
    }
    if e.is_empty() {
        Ok(search)
    } else {
        Err(e.into_vec())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@example.com", "ü@bücher.de"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b..de", "a@-b.de", ".a@b.de",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
