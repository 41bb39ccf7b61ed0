//! Identity's input rules and settings. Pure: no SQL, no clock, no Spin call. Each rule
//! returns every broken rule as (path, message), the path a JSON pointer into the input
//! using the snake_case names of the WIT fields (`/email`, `/new_password`).

use capability_kit::validate::{FieldErrors, MAX_EMAIL, is_email};

/// The shortest password, in Unicode scalar values.
pub const MIN_PASSWORD: usize = 10;
/// The longest password, in Unicode scalar values: bounds the hashing work a caller asks.
pub const MAX_PASSWORD: usize = 128;
/// The longest name, in characters.
pub const MAX_NAME: usize = 200;
/// The longest API token name, in characters.
pub const MAX_TOKEN_NAME: usize = 100;
/// The longest actor name, in characters.
pub const MAX_ACTOR: usize = 200;
/// The largest page a listing gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// Passwords of ten characters or more that lead every published list of leaked
/// passwords; a password equal to one of them, ignoring case, is refused as weak. (The
/// length rule already refuses the shorter favourites.)
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "0123456789",
    "0987654321",
    "1111111111",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcd123456",
    "abc1234567",
    "iloveyou12",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "asdfghjkl1",
    "zxcvbnm123",
    "letmein123",
    "welcome123",
    "admin12345",
    "administrator",
    "football123",
    "baseball123",
    "sunshine123",
    "princess123",
    "monkey12345",
    "dragon12345",
    "changeme123",
];

/// The form of an email that accounts are found by: trimmed, ASCII letters in lower case.
pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// An email given for an account (register, profile).
pub fn email(e: &mut FieldErrors, path: &str, value: &str) {
    if !is_email(value.trim()) {
        e.push(
            path,
            format!("must be an email address of at most {MAX_EMAIL} characters"),
        );
    }
}

/// A new password: 10 to 128 characters, not one of the most common ones, not the email
/// or its local part.
pub fn new_password(e: &mut FieldErrors, path: &str, password: &str, email: Option<&str>) {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        e.push(path, format!("must be at least {MIN_PASSWORD} characters"));
        return;
    }
    if n > MAX_PASSWORD {
        e.push(path, format!("must be at most {MAX_PASSWORD} characters"));
        return;
    }
    let lower = password.to_lowercase();
    let first = password.chars().next();
    let weak = COMMON_PASSWORDS.contains(&lower.as_str())
        || password.chars().all(|c| Some(c) == first)
        || email.is_some_and(|email| {
            let key = email_key(email);
            let local = key.split('@').next().unwrap_or("");
            lower == key || lower == local
        });
    if weak {
        e.push(
            path,
            "is too easy to guess: it is one of the most common passwords, one character \
             repeated, or the email address",
        );
    }
}

/// A name: 1 to 200 characters, not blank.
pub fn name(e: &mut FieldErrors, path: &str, value: &str) {
    e.required_text(path, value, MAX_NAME);
}

/// What `sign-in` accepts as the shape of its input before any lookup: an email and a
/// password that could be an account's. Anything else is `invalid-input`, which says
/// nothing about accounts.
pub fn sign_in(email: &str, password: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    let n = email.trim().chars().count();
    if n == 0 || n > MAX_EMAIL {
        e.push("/email", format!("must be 1 to {MAX_EMAIL} characters"));
    }
    let n = password.chars().count();
    if n == 0 || n > MAX_PASSWORD {
        e.push(
            "/password",
            format!("must be 1 to {MAX_PASSWORD} characters"),
        );
    }
    e.into_vec()
}

/// An API token's name and expiry.
pub fn new_api_token(name: &str, expires_at: Option<i64>, now: i64) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.required_text("/name", name, MAX_TOKEN_NAME);
    if name.chars().any(char::is_control) {
        e.push("/name", "must not contain control characters");
    }
    if expires_at.is_some_and(|at| at <= now) {
        e.push("/expires_at", "must be in the future");
    }
    e.into_vec()
}

/// An actor's name, as recorded with what they did.
pub fn actor(actor: &str) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    e.required_text("/actor", actor, MAX_ACTOR);
    e.into_vec()
}

/// A whole-number Spin variable within `min..=max`, `default` when it is not defined.
pub fn number_variable(
    name: &str,
    value: Option<&str>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    let trimmed = value.trim();
    match trimmed.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) && trimmed.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "the Spin variable {name} must be a whole number from {min} to {max}, not {value:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password_errors(password: &str, email: Option<&str>) -> usize {
        let mut e = FieldErrors::new();
        new_password(&mut e, "/password", password, email);
        e.into_vec().len()
    }

    #[test]
    fn passwords() {
        assert_eq!(password_errors("correct horse battery", None), 0);
        assert_eq!(password_errors("short", None), 1);
        assert_eq!(password_errors(&"x".repeat(129), None), 1);
        assert_eq!(password_errors("QWERTYUIOP", None), 1);
        assert_eq!(password_errors("aaaaaaaaaaaa", None), 1);
        assert_eq!(
            password_errors("ana.lopez@example.com", Some("Ana.Lopez@example.com")),
            1
        );
        assert_eq!(
            password_errors("anamaria.lopez", Some("anamaria.lopez@example.com")),
            1
        );
        // Ten scalar values, whatever their bytes.
        assert_eq!(password_errors("ünïcödé-pw", None), 0);
    }

    #[test]
    fn email_keys_fold_ascii_case_and_trim() {
        assert_eq!(email_key("  Ana@Example.COM "), "ana@example.com");
    }

    #[test]
    fn number_variables() {
        assert_eq!(number_variable("v", None, 5, 1, 10), Ok(5));
        assert_eq!(number_variable("v", Some("7"), 5, 1, 10), Ok(7));
        assert!(number_variable("v", Some("0"), 5, 1, 10).is_err());
        assert!(number_variable("v", Some("+7"), 5, 1, 10).is_err());
        assert!(number_variable("v", Some("11"), 5, 1, 10).is_err());
    }
}
