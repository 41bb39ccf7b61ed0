//! The input rules of the limits capability (see `limit` and `unit` in `limits.wit`).

use sha2::{Digest, Sha256};

/// The most units one `take` or `peek` may name.
pub const MAX_UNITS: usize = 8;
/// The largest capacity of a limit.
pub const MAX_CAPACITY: u32 = 1_000_000;
/// The longest window of a limit: 30 days.
pub const MAX_WINDOW_SECONDS: u32 = 30 * 24 * 3600;
/// The longest subject, in bytes.
pub const MAX_SUBJECT_BYTES: usize = 512;
/// The longest limit name.
pub const MAX_NAME_LEN: usize = 64;

/// What is wrong with a limit of this shape, if anything.
pub fn limit(name: &str, capacity: u32, window_seconds: u32) -> Option<String> {
    if name.is_empty()
        || name.len() > MAX_NAME_LEN
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some(format!(
            "limit name {name:?}: 1 to {MAX_NAME_LEN} characters of a-z, 0-9 and -"
        ));
    }
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Some(format!(
            "limit {name}: capacity {capacity} is not within 1 to {MAX_CAPACITY}"
        ));
    }
    if !(1..=MAX_WINDOW_SECONDS).contains(&window_seconds) {
        return Some(format!(
            "limit {name}: window of {window_seconds} s is not within 1 to {MAX_WINDOW_SECONDS}"
        ));
    }
    None
}

/// What is wrong with a subject, if anything.
pub fn subject(subject: &str) -> Option<String> {
    if subject.is_empty() || subject.len() > MAX_SUBJECT_BYTES {
        Some(format!("a subject is 1 to {MAX_SUBJECT_BYTES} bytes"))
    } else {
        None
    }
}

/// The stored form of a subject: the lower-case hex SHA-256 of its bytes.
pub fn subject_hash(subject: &str) -> String {
    Sha256::digest(subject.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        assert_eq!(limit("checkout-client", 10, 60), None);
        assert!(limit("", 10, 60).is_some());
        assert!(limit("Checkout", 10, 60).is_some());
        assert!(limit("a_b", 10, 60).is_some());
        assert!(limit(&"a".repeat(65), 10, 60).is_some());
        assert!(limit("x", 0, 60).is_some());
        assert!(limit("x", MAX_CAPACITY + 1, 60).is_some());
        assert!(limit("x", 1, 0).is_some());
        assert!(limit("x", 1, MAX_WINDOW_SECONDS + 1).is_some());
        assert_eq!(limit("x", MAX_CAPACITY, MAX_WINDOW_SECONDS), None);
    }

    #[test]
    fn subjects_are_stored_hashed() {
        assert!(subject("").is_some());
        assert!(subject(&"x".repeat(513)).is_some());
        assert_eq!(subject("203.0.113.7"), None);
        let h = subject_hash("203.0.113.7");
        assert_eq!(h.len(), 64);
        assert!(!h.contains("203"));
        assert_ne!(h, subject_hash("203.0.113.8"));
    }
}
