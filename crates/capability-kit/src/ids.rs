//! Opaque identifiers: a kind prefix, an underscore, and 26 characters of randomness in
//! Crockford base32 (130 bits), e.g. `prod_7ZC4M0QH2X9K1R5T8BWN3JD6FA`.
//!
//! Callers never parse ids; a capability only checks the prefix so that an id of another
//! kind is answered with `not-found` without a lookup.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS: usize = 26;
/// The longest id suffix [`is_id_of`] accepts; anything longer is not one of ours.
const MAX_SUFFIX: usize = 64;

/// A new id of the given kind, e.g. `new_id("prod")`.
///
/// # Panics
///
/// When the host has no source of randomness, which a WASI host always has.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; RANDOM_CHARS];
    getrandom::fill(&mut bytes).expect("the host provides randomness (wasi:random)");
    let mut id = String::with_capacity(prefix.len() + 1 + RANDOM_CHARS);
    id.push_str(prefix);
    id.push('_');
    // One random byte per character, its low five bits picking the digit: uniform.
    id.extend(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 31)])),
    );
    id
}

/// Whether `id` is shaped like an id of the kind `prefix`: the prefix, an underscore, and
/// 1 to 64 ASCII letters or digits.
pub fn is_id_of(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|suffix| {
            !suffix.is_empty()
                && suffix.len() <= MAX_SUFFIX
                && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}
