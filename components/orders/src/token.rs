//! Guest tokens and fingerprints. Pure: no SQL, no clock.
//!
//! The database never holds a guest token, only its SHA-256. Yet `create-order` must give
//! the same token to every replay of the same call. So the token is derived, not stored:
//!
//! ```text
//! token = "ogt_" + base64url(SHA-256("commerce:orders/guest-token/v1" ‖ 0 ‖ salt ‖ key))
//! ```
//!
//! where `salt` is 32 bytes from the host's CSPRNG, stored with the order, and `key` is the
//! caller's idempotency key, of which the database keeps only the SHA-256 as well. Whoever
//! replays the call knows the key and gets the token again; whoever reads the database has
//! the salt but neither the key nor the token. Without the salt the token is 256 bits no
//! one can predict (the WIT asks for at least 128).

use capability_kit::secret::base64url;
use sha2::{Digest, Sha256};

/// The prefix of guest tokens.
pub const GUEST_PREFIX: &str = "ogt_";
const DOMAIN: &[u8] = b"commerce:orders/guest-token/v1\0";
/// The length of a salt, in bytes.
pub const SALT_BYTES: usize = 32;

pub use capability_kit::secret::{hex, sha256};

/// Parses lower-case hex; `None` when malformed.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

/// A fresh random salt.
///
/// # Panics
///
/// When the host has no source of randomness, which a WASI host always has.
pub fn new_salt() -> [u8; SALT_BYTES] {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).expect("the host provides randomness (wasi:random)");
    salt
}

/// The guest token of the order created with `salt` by the call with idempotency `key`.
pub fn guest_token(salt: &[u8], key: &str) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(salt);
    h.update(key.as_bytes());
    let digest: [u8; 32] = h.finalize().into();
    let mut token = String::from(GUEST_PREFIX);
    token.push_str(&base64url(&digest));
    token
}

/// What the database keeps of a token: the hex SHA-256 of its text.
pub use capability_kit::secret::token_hash;

/// What the database keeps of an idempotency key: the hex SHA-256 of its text.
pub fn key_hash(key: &str) -> String {
    hex(&sha256(key.as_bytes()))
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keep the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answers() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
    }

    #[test]
    fn tokens_depend_on_salt_and_key() {
        let a = guest_token(&[1; 32], "k");
        assert!(a.starts_with(GUEST_PREFIX) && a.len() == 4 + 43);
        assert_eq!(a, guest_token(&[1; 32], "k"));
        assert_ne!(a, guest_token(&[2; 32], "k"));
        assert_ne!(a, guest_token(&[1; 32], "l"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
    }
}
