//! Bearer tokens (`types.token`) and what the tables keep of them.
//!
//! A token is a kind prefix (`ctk_`, `stk_`, …) and 256 random bits in unpadded base64url
//! (43 characters). The tables keep only [`token_hash`], its SHA-256 in lower-case hex: a
//! lookup by that hash is an index lookup on a value an attacker cannot steer, so it tells
//! nothing about other tokens through timing, and a copy of the database holds no usable
//! token.

use sha2::{Digest, Sha256};

/// The random bytes of a token.
pub const TOKEN_BYTES: usize = 32;
/// The characters after the prefix: 32 bytes in unpadded base64url.
pub const TOKEN_CHARS: usize = 43;

/// A fresh token of the kind `prefix` (which ends with `_`, e.g. `"stk_"`).
///
/// # Panics
///
/// When the host has no source of randomness, which a WASI host always has.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).expect("the host provides randomness (wasi:random)");
    let mut token = String::with_capacity(prefix.len() + TOKEN_CHARS);
    token.push_str(prefix);
    token.push_str(&base64url(&bytes));
    token
}

/// Whether `token` is shaped like a token of the kind `prefix`: any other string names
/// nothing, and is refused without a lookup.
pub fn is_token(token: &str, prefix: &str) -> bool {
    token.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == TOKEN_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// What the tables keep of a token (or of any secret the caller names, such as an
/// idempotency key): the SHA-256 of its text in lower-case hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Unpadded base64url (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for k in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn tokens_have_their_kind_and_length() {
        let token = new_token("stk_");
        assert!(is_token(&token, "stk_"));
        assert!(!is_token(&token, "ctk_"));
        assert!(!is_token(&token[..token.len() - 1], "stk_"));
        assert!(!is_token("stk_", "stk_"));
        assert_ne!(new_token("stk_"), token);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
