//! The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header): the
//! client's name for one attempt of a request, sent again unchanged on every retry.
//! Components derive the keys of the capability calls they make from it
//! (`checkout:<key>:order`, `admin-refund:<order>:<key>`), which is what makes a retry
//! finish the work instead of doing it twice.

use crate::{FieldError, Problem};
use spin_sdk::http::Request;

/// The header's name.
pub const HEADER: &str = "idempotency-key";
/// The pointer a bad key is reported at.
const PATH: &str = "/headers/idempotency-key";

/// The request's `Idempotency-Key`: `None` when it has none; 1 to `max` visible ASCII
/// characters, else a 400 at `/headers/idempotency-key`. `max` keeps the keys derived from
/// it within what the capabilities accept (200 characters).
pub fn idempotency_key(req: &Request, max: usize) -> Result<Option<String>, Problem> {
    check(req.header(HEADER).map(|v| v.as_bytes()), max)
}

/// [`idempotency_key`] for a request that needs one: a missing key is a 400 saying so, with
/// `what` naming the attempt ("checkout attempt", "refund").
pub fn required_idempotency_key(req: &Request, max: usize, what: &str) -> Result<String, Problem> {
    idempotency_key(req, max)?.ok_or_else(|| {
        Problem::invalid_input(vec![FieldError::new(
            PATH,
            format!(
                "the Idempotency-Key header is required: a unique value per {what}, sent \
                 again unchanged on every retry"
            ),
        )])
    })
}

fn check(value: Option<&[u8]>, max: usize) -> Result<Option<String>, Problem> {
    let Some(value) = value else {
        return Ok(None);
    };
    let ok = !value.is_empty() && value.len() <= max && value.iter().all(u8::is_ascii_graphic);
    match std::str::from_utf8(value) {
        Ok(key) if ok => Ok(Some(key.to_owned())),
        _ => Err(Problem::invalid_input(vec![FieldError::new(
            PATH,
            format!("must be 1 to {max} visible ASCII characters"),
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_within_the_limit() {
        assert_eq!(check(None, 10).unwrap(), None);
        assert_eq!(check(Some(b"k-1"), 10).unwrap().as_deref(), Some("k-1"));
        for bad in [&b""[..], b"a b", b"k\x7f", "ké".as_bytes(), &[b'k'; 11]] {
            let p = check(Some(bad), 10).unwrap_err();
            assert_eq!(p.errors()[0].path, PATH, "{bad:?}");
        }
    }
}
