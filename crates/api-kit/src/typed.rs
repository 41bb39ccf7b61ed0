//! Problems of a type of one API (`out-of-stock`, `illegal-transition`, …), with members of
//! their own besides RFC 9457's (`shortages`, `current`, …).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use spin_sdk::http::Response;

use crate::problem::TYPE_BASE;

/// An RFC 9457 problem whose type is not one of [`crate::ProblemType`]'s: its type URI is
/// [`TYPE_BASE`] plus `slug`, and `extra` holds its own members. It serialises to and from
/// its parts (`status`, `slug`, `title`, `detail`, `extra`), so a component may store one
/// and answer it again later (checkout-api stores its final refusals).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypedProblem {
    pub status: u16,
    pub slug: String,
    pub title: String,
    pub detail: String,
    /// Extra members of the problem object (e.g. `shortages`, `decline_code`).
    #[serde(default)]
    pub extra: Map<String, Value>,
}

impl TypedProblem {
    /// A problem of type `slug` with `status` and `title`, and this occurrence's `detail`.
    pub fn new(status: u16, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            slug: slug.to_owned(),
            title: title.to_owned(),
            detail: detail.into(),
            extra: Map::new(),
        }
    }

    /// Adds the member `name` (replacing one of that name).
    pub fn with(mut self, name: &str, value: Value) -> Self {
        self.extra.insert(name.to_owned(), value);
        self
    }

    /// The problem object: `type`, `title`, `status`, `detail`, `instance`, then the extra
    /// members.
    pub fn body(self, instance: &str) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), json!(format!("{TYPE_BASE}{}", self.slug)));
        body.insert("title".into(), json!(self.title));
        body.insert("status".into(), json!(self.status));
        body.insert("detail".into(), json!(self.detail));
        body.insert("instance".into(), json!(instance));
        body.extend(self.extra);
        Value::Object(body)
    }

    /// The `application/problem+json` response, with `instance`.
    pub fn into_response(self, instance: &str) -> Response {
        let status = self.status;
        Response::builder()
            .status(status)
            .header("content-type", crate::PROBLEM_JSON)
            .body(serde_json::to_vec(&self.body(instance)).unwrap_or_default())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_its_members_and_survives_storage() {
        let p = TypedProblem::new(409, "out-of-stock", "Out of stock", "gone")
            .with("shortages", json!([]));
        let stored: TypedProblem =
            serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        let body = stored.body("/api/checkout");
        assert_eq!(
            body["type"],
            "https://spin-commerce.dev/problems/out-of-stock"
        );
        assert_eq!(body["status"], 409);
        assert_eq!(body["instance"], "/api/checkout");
        assert_eq!(body["shortages"], json!([]));
        // Stored before `extra` existed: still readable.
        let old: TypedProblem =
            serde_json::from_str(r#"{"status":402,"slug":"x","title":"X","detail":"d"}"#).unwrap();
        assert!(old.extra.is_empty());
    }
}
