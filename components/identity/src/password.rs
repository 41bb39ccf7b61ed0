//! Argon2id password hashes, as PHC strings. Pure apart from the salt's randomness.
//!
//! The hashing work is the point of the scheme and costs tens of milliseconds at the
//! default parameters, so callers do it outside any database transaction: nothing holds
//! the write lock while a password is hashed.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The random bytes of a salt.
const SALT_BYTES: usize = 16;
/// The bytes of a hash's output.
const OUTPUT_BYTES: usize = 32;

/// The cost parameters new hashes are made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Memory, in KiB (Argon2's `m`).
    pub memory_kib: u32,
    /// Passes over the memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub lanes: u32,
}

impl Cost {
    /// OWASP's first recommended Argon2id setting: 19 MiB, 2 passes, 1 lane.
    pub const DEFAULT: Cost = Cost {
        memory_kib: 19 * 1024,
        iterations: 2,
        lanes: 1,
    };

    fn hasher(self) -> Result<Argon2<'static>, String> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.lanes,
            Some(OUTPUT_BYTES),
        )
        .map_err(|e| format!("argon2 parameters {self:?}: {e}"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// A new hash of `password` with `cost` and a fresh random salt.
///
/// # Panics
///
/// When the host has no source of randomness, which a WASI host always has.
pub fn hash(password: &str, cost: Cost) -> Result<String, String> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).expect("the host provides randomness (wasi:random)");
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("argon2 salt: {e}"))?;
    cost.hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("argon2 hashing: {e}"))
}

/// What checking a password against a stored hash found.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// The password is wrong (or the stored hash is unreadable).
    Wrong,
    /// The password is right, and the hash was made with `cost`.
    Right,
    /// The password is right, but the hash was made with other parameters (or another
    /// algorithm) than `cost`: hash it again.
    RightButStale,
}

/// Checks `password` against the PHC string `stored`, with the parameters the string
/// names, and whether it was made with `cost`.
pub fn check(password: &str, stored: &str, cost: Cost) -> Check {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Check::Wrong;
    };
    // Verification takes the algorithm and parameters from the string itself.
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Check::Wrong;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && parsed.version == Some(0x13)
        && Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() == cost.memory_kib
                && p.t_cost() == cost.iterations
                && p.p_cost() == cost.lanes
                && p.output_len() == Some(OUTPUT_BYTES)
        });
    if current {
        Check::Right
    } else {
        Check::RightButStale
    }
}

/// The same work as checking a password against an account's hash, for an email that has
/// no account: a hash of `password` with `cost`, thrown away. Returns nothing on purpose.
pub fn waste(password: &str, cost: Cost) {
    let _ = std::hint::black_box(hash(password, cost));
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Cost = Cost {
        memory_kib: 64,
        iterations: 1,
        lanes: 1,
    };

    #[test]
    fn hashes_check_and_say_when_they_are_stale() {
        let stored = hash("correct horse battery", CHEAP).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{stored}"
        );
        assert_eq!(check("correct horse battery", &stored, CHEAP), Check::Right);
        assert_eq!(check("correct horse batterY", &stored, CHEAP), Check::Wrong);
        let stronger = Cost {
            memory_kib: 128,
            ..CHEAP
        };
        assert_eq!(
            check("correct horse battery", &stored, stronger),
            Check::RightButStale
        );
        assert_eq!(check("anything", "not a phc string", CHEAP), Check::Wrong);
        // Two hashes of one password differ by their salts.
        assert_ne!(stored, hash("correct horse battery", CHEAP).unwrap());
    }
}
