//! Bearer-token authorization (RFC 6750) against a secret the component holds, compared in
//! constant time.

use crate::Problem;

/// Checks an `Authorization` header value against `expected`.
///
/// - no header, an empty one, or another scheme than `Bearer`: 401 (`WWW-Authenticate:
///   Bearer`);
/// - a bearer token that is not `expected`: 403.
///
/// The scheme name is case-insensitive, as RFC 9110 says. The token is compared with
/// [`constant_time_eq`], so the time taken says nothing about how much of it was right, nor
/// how long the expected token is.
pub fn check_bearer(authorization: Option<&str>, expected: &str) -> Result<(), Problem> {
    let Some(token) = authorization.and_then(bearer_token) else {
        return Err(Problem::unauthorized(
            "This resource needs an `Authorization: Bearer <token>` header.",
        ));
    };
    if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Problem::forbidden("The bearer token is not valid here."))
    }
}

/// The token of a `Bearer <token>` credential, or `None` for another scheme or no token.
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let value = authorization.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim_start_matches(' ');
    (!token.is_empty()).then_some(token)
}

/// Whether `given` equals `expected`, in time that depends only on the length of `given`
/// (which its sender knows anyway): every byte of `given` is compared, against the expected
/// byte at the same position taken modulo the expected length, and the lengths are compared
/// too, all without an early exit or a data-dependent branch.
pub fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    if expected.is_empty() {
        // Nothing to cycle through; an empty secret matches only an empty input, and the
        // caller should never configure one.
        return given.is_empty();
    }
    // Lengths differ -> a non-zero bit somewhere in `diff`.
    let mut diff = (given.len() ^ expected.len()) as u64;
    let mut j = 0usize;
    for &g in given {
        diff |= u64::from(g ^ expected[j]);
        j += 1;
        // Wrap without a division: `j == len` becomes 0 through a mask, not a branch.
        let wrap = ((j == expected.len()) as usize).wrapping_neg();
        j &= !wrap;
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_and_unequal_tokens() {
        assert!(constant_time_eq(b"secret-token", b"secret-token"));
        assert!(!constant_time_eq(b"secret-tokeN", b"secret-token"));
        assert!(!constant_time_eq(b"secret", b"secret-token"));
        assert!(!constant_time_eq(b"secret-token-and-more", b"secret-token"));
        // A repetition of the secret matches it byte for byte modulo its length: the
        // length check must still refuse it.
        assert!(!constant_time_eq(b"abcabc", b"abc"));
        assert!(!constant_time_eq(b"", b"abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"x", b""));
    }

    #[test]
    fn bearer_tokens_are_parsed() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token(""), None);
    }

    #[test]
    fn missing_credentials_are_401_and_wrong_ones_403() {
        let none = check_bearer(None, "s3cret").unwrap_err();
        assert_eq!(none.status(), 401);
        assert!(
            none.headers()
                .iter()
                .any(|(n, v)| *n == "www-authenticate" && v == "Bearer")
        );
        assert_eq!(
            check_bearer(Some("Basic czNjcmV0"), "s3cret")
                .unwrap_err()
                .status(),
            401
        );
        assert_eq!(
            check_bearer(Some("Bearer nope"), "s3cret")
                .unwrap_err()
                .status(),
            403
        );
        assert!(check_bearer(Some("Bearer s3cret"), "s3cret").is_ok());
    }
}
