//! Webhook deliveries: the `Stripe-Signature` scheme (used by the test provider too, with
//! its own secret) and the event envelope.
//!
//! The header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…]` (other schemes, such as Stripe's
//! `v0` test signatures, are ignored). A delivery is genuine when one `v1` equals
//! HMAC-SHA256(secret, "<t>.<raw body>"), compared in constant time, and `t` is within
//! [`TOLERANCE_SECS`] of now, in either direction.

use sha2::{Digest, Sha256};

/// How far a signature's timestamp may be from now.
pub const TOLERANCE_SECS: i64 = 300;

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for part in message {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `header` signs `body` with `secret`, at `now_secs`.
pub fn verify(secret: &str, body: &[u8], header: &str, now_secs: i64) -> bool {
    if secret.is_empty() || header.len() > 4096 {
        return false;
    }
    let mut timestamp: Option<&str> = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((name, value)) = item.trim().split_once('=') else {
            return false;
        };
        match name {
            "t" if timestamp.is_none() => timestamp = Some(value),
            "t" => return false,
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 12 {
        return false;
    }
    let Ok(seconds) = t.parse::<i64>() else {
        return false;
    };
    if (now_secs - seconds).abs() > TOLERANCE_SECS {
        return false;
    }
    let expected = hmac_sha256(secret.as_bytes(), &[t.as_bytes(), b".", body]);
    // Every candidate is compared, so the time taken does not tell which one matched.
    let mut matched = false;
    for candidate in signatures {
        if let Some(bytes) = unhex(candidate) {
            matched |= constant_time_eq(&bytes, &expected);
        }
    }
    matched
}

/// One event, as the provider sends it (Stripe's event object).
pub struct Event {
    /// `evt_…`.
    pub id: String,
    /// E.g. `payment_intent.succeeded`.
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    /// `data.object`: a PaymentIntent or a Refund.
    pub object: serde_json::Value,
}

/// The event in `body`, or the field errors that make it not one.
pub fn parse(body: &[u8]) -> Result<Event, Vec<(String, String)>> {
    let bad = |path: &str, message: &str| vec![(path.to_owned(), message.to_owned())];
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| bad("/body", "is not JSON"))?;
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or_else(|| bad("/body/id", "must be the event id"))?;
    if value.get("object").and_then(|v| v.as_str()) != Some("event") {
        return Err(bad("/body/object", "must be \"event\""));
    }
    let kind = value
        .get("type")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("/body/type", "must be the event type"))?;
    let created = value
        .get("created")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| bad("/body/created", "must be unix seconds"))?;
    let object = value
        .get("data")
        .and_then(|d| d.get("object"))
        .filter(|o| o.is_object())
        .ok_or_else(|| bad("/body/data/object", "must be an object"))?;
    Ok(Event {
        id: id.to_owned(),
        kind: kind.to_owned(),
        created,
        object: object.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_with_a_long_key_matches_rfc_4231_case_6() {
        let key = [0xaau8; 131];
        let mac = hmac_sha256(
            &key,
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn verify_accepts_any_matching_v1_and_refuses_stale_or_forged() {
        let body = b"{}";
        let sig = hex(&hmac_sha256(b"whsec", &[b"1000.", body]));
        assert!(verify(
            "whsec",
            body,
            &format!("t=1000,v1=00,v1={sig}"),
            1000
        ));
        assert!(verify("whsec", body, &format!("t=1000,v1={sig}"), 1300));
        assert!(!verify("whsec", body, &format!("t=1000,v1={sig}"), 1301));
        assert!(!verify("whsec", body, &format!("t=1000,v1={sig}"), 699));
        assert!(!verify("other", body, &format!("t=1000,v1={sig}"), 1000));
        assert!(!verify("whsec", b"{ }", &format!("t=1000,v1={sig}"), 1000));
        assert!(!verify("whsec", body, &format!("t=1001,v1={sig}"), 1000));
        assert!(!verify("whsec", body, &format!("v1={sig}"), 1000));
        assert!(!verify("", body, &format!("t=1000,v1={sig}"), 1000));
    }
}
