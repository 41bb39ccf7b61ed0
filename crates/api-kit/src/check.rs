//! Strict reading of JSON bodies: every bad field is reported, with the JSON pointer of the
//! field, in one 400 problem.
//!
//! serde stops at the first mismatch and names it by line and column; a client fixing a
//! request wants every bad field by path. [`JsonChecker`] walks a parsed
//! [`serde_json::Value`] instead: each read names the field by its location ([`At`]),
//! records what is wrong with it (missing, wrong type, unknown field, out of range) and gives
//! back a default so reading goes on. When the checker has no errors, every value read is the
//! real one.
//!
//! ```ignore
//! let body = api_kit::json_value_body(req)?;
//! let mut c = JsonChecker::new();
//! let o = c.object(&At::root(&body), &["name", "position"]);
//! let name = c.string(&o.field("name"));
//! let position = c.opt_u32(&o.field("position")).unwrap_or(0);
//! c.finish()?;
//! ```

use crate::{FieldError, Problem};
use serde_json::{Map, Value};

/// A place in a JSON document: the value there, if any, and its JSON pointer.
#[derive(Debug, Clone)]
pub struct At<'v> {
    value: Option<&'v Value>,
    path: String,
    /// A field of something that is not an object, already reported: reading it reports
    /// nothing more.
    reported: bool,
}

impl<'v> At<'v> {
    /// The whole document, at path `""`.
    pub fn root(value: &'v Value) -> Self {
        Self {
            value: Some(value),
            path: String::new(),
            reported: false,
        }
    }

    /// The JSON pointer of this place.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value here, `None` when the field is absent.
    pub fn value(&self) -> Option<&'v Value> {
        self.value
    }

    /// Whether the field is absent or `null`.
    pub fn is_absent(&self) -> bool {
        matches!(self.value, None | Some(Value::Null))
    }

    /// The place of array element `index` under this one.
    pub fn index(&self, index: usize, value: &'v Value) -> Self {
        Self {
            value: Some(value),
            path: format!("{}/{index}", self.path),
            reported: false,
        }
    }
}

/// A JSON object being read: its fields by name.
#[derive(Debug, Clone)]
pub struct Object<'v> {
    map: Option<&'v Map<String, Value>>,
    path: String,
}

impl<'v> Object<'v> {
    /// The place of field `name` (absent when the object lacks it or was not an object).
    pub fn field(&self, name: &str) -> At<'v> {
        At {
            value: self.map.and_then(|m| m.get(name)),
            path: format!("{}/{}", self.path, escape(name)),
            reported: self.map.is_none(),
        }
    }

    /// Whether the object has field `name` with a non-null value.
    pub fn has(&self, name: &str) -> bool {
        !self.field(name).is_absent()
    }

    /// The names of the object's fields.
    pub fn keys(&self) -> impl Iterator<Item = &'v str> {
        self.map
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }
}

/// Escapes a key for a JSON pointer (RFC 6901): `~` as `~0`, `/` as `~1`.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Collects the problems found while reading a JSON document.
#[derive(Debug, Default)]
pub struct JsonChecker {
    errors: Vec<FieldError>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl JsonChecker {
    /// A checker with no errors.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem at `path`.
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(path, message));
    }

    /// Whether nothing was wrong so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems found, in the order found.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// `Ok` when nothing was wrong, else the 400 problem listing every bad field.
    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::invalid_input(self.errors))
        }
    }

    /// The value at `at`, recording "is required" when it is absent or null.
    fn required<'v>(&mut self, at: &At<'v>) -> Option<&'v Value> {
        if at.reported {
            None
        } else if at.is_absent() {
            self.error(&at.path, "is required");
            None
        } else {
            at.value
        }
    }

    fn wrong_type(&mut self, at: &At, expected: &str, found: &Value) {
        self.error(&at.path, format!("must be {expected}, not {}", kind(found)));
    }

    /// A required object whose fields are all in `known`: every other field is an error
    /// ("unknown field"), so misspelt fields are never silently ignored.
    pub fn object<'v>(&mut self, at: &At<'v>, known: &[&str]) -> Object<'v> {
        let map = match self.required(at) {
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                self.wrong_type(at, "an object", other);
                None
            }
            None => None,
        };
        for key in map.iter().flat_map(|m| m.keys()) {
            if !known.contains(&key.as_str()) {
                self.error(
                    format!("{}/{}", at.path, escape(key)),
                    format!("is not a known field; known fields: {}", known.join(", ")),
                );
            }
        }
        Object {
            map,
            path: at.path.clone(),
        }
    }

    /// A required string ("" when missing or wrong).
    pub fn string(&mut self, at: &At) -> String {
        match self.required(at) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                self.wrong_type(at, "a string", other);
                String::new()
            }
            None => String::new(),
        }
    }

    /// An optional string: `None` when absent or null.
    pub fn opt_string(&mut self, at: &At) -> Option<String> {
        if at.is_absent() {
            None
        } else {
            Some(self.string(at))
        }
    }

    /// A required string that must be one of `allowed`.
    pub fn one_of(&mut self, at: &At, allowed: &[&str]) -> String {
        let s = self.string(at);
        if at.is_absent() || matches!(at.value, Some(v) if !v.is_string()) {
            return s;
        }
        if !allowed.contains(&s.as_str()) {
            self.error(&at.path, format!("must be one of: {}", allowed.join(", ")));
        }
        s
    }

    /// A required whole number in `min..=max` (0 when missing or wrong). A number with a
    /// decimal point or an exponent (`19.99`, `2.0`, `1e3`) is a float, not a whole number,
    /// and an error, as is a number out of range.
    pub fn integer(&mut self, at: &At, min: i64, max: i64) -> i64 {
        let Some(value) = self.required(at) else {
            return 0;
        };
        let Value::Number(n) = value else {
            self.wrong_type(at, "a whole number", value);
            return 0;
        };
        if let Some(i) = n.as_i64() {
            if (min..=max).contains(&i) {
                return i;
            }
            self.error(&at.path, format!("must be from {min} to {max}"));
        } else if n.as_u64().is_some() || n.as_f64().is_some_and(|f| f.abs() >= 9.2e18) {
            // Written as an integer too big for 64 bits (or as a huge float): out of range
            // either way.
            self.error(&at.path, format!("must be from {min} to {max}"));
        } else {
            // A fraction, or a whole number written with a decimal point or an exponent:
            // not an integer in JSON, and money is never a float.
            self.error(
                &at.path,
                "must be a whole number, without a decimal point or exponent",
            );
        }
        0
    }

    /// A required whole number from 0 to 4294967295.
    pub fn u32(&mut self, at: &At) -> u32 {
        u32::try_from(self.integer(at, 0, i64::from(u32::MAX))).unwrap_or(0)
    }

    /// An optional whole number from 0 to 4294967295: `None` when absent or null.
    pub fn opt_u32(&mut self, at: &At) -> Option<u32> {
        if at.is_absent() {
            None
        } else {
            Some(self.u32(at))
        }
    }

    /// A required array: the places of its elements (none when missing or wrong).
    pub fn array<'v>(&mut self, at: &At<'v>) -> Vec<At<'v>> {
        match self.required(at) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| at.index(i, v))
                .collect(),
            Some(other) => {
                self.wrong_type(at, "an array", other);
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// An optional array: empty when absent or null.
    pub fn opt_array<'v>(&mut self, at: &At<'v>) -> Vec<At<'v>> {
        if at.is_absent() {
            Vec::new()
        } else {
            self.array(at)
        }
    }

    /// A required array of strings.
    pub fn strings(&mut self, at: &At) -> Vec<String> {
        self.array(at)
            .iter()
            .map(|item| self.string(item))
            .collect()
    }

    /// A required boolean (false when missing or wrong).
    pub fn boolean(&mut self, at: &At) -> bool {
        match self.required(at) {
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.wrong_type(at, "true or false", other);
                false
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_good_document() {
        let doc = json!({"name": "Lamps", "position": 3, "tags": ["a", "b"], "parent": null});
        let mut c = JsonChecker::new();
        let o = c.object(&At::root(&doc), &["name", "position", "tags", "parent"]);
        assert_eq!(c.string(&o.field("name")), "Lamps");
        assert_eq!(c.opt_u32(&o.field("position")), Some(3));
        assert_eq!(c.strings(&o.field("tags")), ["a", "b"]);
        assert_eq!(c.opt_string(&o.field("parent")), None);
        assert!(o.has("name") && !o.has("parent") && !o.has("nothing"));
        assert!(c.finish().is_ok());
    }

    #[test]
    fn reports_every_bad_field_by_pointer() {
        let doc = json!({
            "name": 7,
            "colour": "red",
            "a/b": 1,
            "items": [{"amount": 19.99}, {"amount": "5"}, {"amount": -1}, {"amount": 1e40}, {"amount": 2e3}, {"amount": 12}],
        });
        let mut c = JsonChecker::new();
        let o = c.object(&At::root(&doc), &["name", "items", "missing"]);
        c.string(&o.field("name"));
        c.string(&o.field("missing"));
        let amounts: Vec<i64> = c
            .array(&o.field("items"))
            .iter()
            .map(|item| {
                let item = c.object(item, &["amount"]);
                c.integer(&item.field("amount"), 0, 1_000_000)
            })
            .collect();
        assert_eq!(amounts[5], 12);
        let errors = c.into_errors();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/a~1b",
                "/colour",
                "/name",
                "/missing",
                "/items/0/amount",
                "/items/1/amount",
                "/items/2/amount",
                "/items/3/amount",
                "/items/4/amount",
            ]
        );
        assert!(errors[0].message.contains("not a known field"));
        assert!(errors[2].message.contains("must be a string"));
        assert_eq!(errors[3].message, "is required");
        assert!(errors[4].message.contains("whole number"));
        assert!(errors[6].message.contains("from 0 to"));
    }

    #[test]
    fn a_non_object_is_one_error() {
        let doc = json!([1, 2]);
        let mut c = JsonChecker::new();
        let o = c.object(&At::root(&doc), &["x", "y"]);
        assert_eq!(c.opt_string(&o.field("x")), None);
        assert_eq!(c.string(&o.field("y")), "");
        let inner = c.object(&o.field("x"), &["z"]);
        c.integer(&inner.field("z"), 0, 1);
        let errors = c.into_errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "");
    }
}
