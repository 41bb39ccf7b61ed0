//! Checks a real response against what `openapi.json` documents for it, so that an API test
//! keeps the document true for every response it sees.

use crate::{TestResponse, repo_root};
use serde_json::Value;
use std::sync::OnceLock;

/// `openapi.json`, read once per test binary.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("openapi.json")).unwrap())
            .expect("openapi.json is JSON")
    })
}

/// Whether a concrete path matches a path template such as `/admin/orders/{key}`.
fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// Panics unless `method path` is documented with `res`'s status and media type, and its
/// body validates against the documented schema. A path matching several templated entries
/// uses the one with the fewest template segments. A request to an undocumented path may
/// only be answered 401, 403 or 404, and one with an undocumented method 401, 403 or 405
/// (auth comes before routing).
pub fn check_response(method: &str, path: &str, res: &TestResponse) {
    let doc = document();
    let path = path.split('?').next().unwrap();
    let found = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(t, _)| matches(t, path))
        .min_by_key(|(t, _)| t.matches('{').count());
    let Some((template, item)) = found else {
        assert!(
            [401, 403, 404].contains(&res.status),
            "{path} is not documented, yet answered {}",
            res.status
        );
        return;
    };
    let method = method.to_ascii_lowercase();
    let op = &item[&method];
    if !op.is_object() {
        assert!(
            [401, 403, 405].contains(&res.status),
            "{method} {template} is not documented, yet answered {}",
            res.status
        );
        return;
    }
    let status = res.status.to_string();
    let response = if op["responses"][&status].is_object() {
        &op["responses"][&status]
    } else {
        &op["responses"]["default"]
    };
    assert!(
        response.is_object(),
        "{method} {template} does not document status {status}"
    );
    if res.body.is_empty() {
        assert!(
            response["content"].is_null(),
            "{method} {template} {status}: documented with a body, answered without"
        );
        return;
    }
    let media_type = res.content_type().split(';').next().unwrap().trim();
    let media = &response["content"][media_type];
    assert!(
        media.is_object(),
        "{method} {template} {status} does not document {media_type}"
    );
    let mut root = doc.clone();
    root["$defs"] = serde_json::json!({ "response": media["schema"].clone() });
    root["$ref"] = Value::String("#/$defs/response".into());
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .expect("the document's schemas compile");
    let body = res.json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:#?}\n{body}"
    );
}
