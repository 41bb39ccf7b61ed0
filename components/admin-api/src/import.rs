//! Bulk import and export of the catalog as JSON Lines.
//!
//! **Import** (`POST /admin/products/import`, `Content-Type: application/x-ndjson`): one
//! JSON object per line, of two kinds:
//!
//! - a product: the body of `POST /admin/products`, upserted by slug (`put-product`: created
//!   when the slug is new, else replaced whole, variants keeping their ids by SKU). Its
//!   categories are given by id (`category_ids`) and/or by path (`category_paths`, e.g.
//!   `"clothing/men/t-shirts"`); a path that does not exist yet is created, each missing
//!   level named after its slug;
//! - a category: `{"category": {"path": "clothing/men", "name": "Men", "position": 1}}`,
//!   created (with any missing ancestors) or, when the path exists, renamed and moved to
//!   `position`. Category lines let an import (and every export) name categories properly.
//!
//! Lines are applied in order, each on its own: a line that fails writes nothing (the
//! categories it created are deleted again), and the lines after it still apply. Blank
//! lines are skipped. The answer is a report with one entry per non-blank line: its line
//! number, `ok`, what it was, the id and whether it was created, or the field errors (JSON
//! pointers into the line) saying why it failed.
//!
//! **Export** (`GET /admin/products/export[?status=]`): the category lines of the whole
//! tree, parents first, then one product line per product, newest first, in the import
//! format (no ids or timestamps; categories by path). It streams page by page; should the
//! catalog fail after the first page, the last line is `{"export_error": "…"}`, which an
//! import rejects, so a truncated export is never mistaken for a whole one.

use api_kit::{At, FieldError, JsonChecker, Problem, Query, allow, json};
use futures::SinkExt;
use serde_json::{Value, json};
use spin_sdk::http::{Fields, Method, OutgoingResponse, Request, Response, ResponseOutparam};

use crate::bindings::commerce::catalog::catalog::{self, Category, Error, ProductStatus};
use crate::bindings::commerce::catalog::catalog_admin::{
    self as admin, AdminProductFilter, AdminProductPage, NewCategory,
};
use crate::{field_errors, input, output, problem};
use commerce_types::types::PageRequest;

pub const IMPORT_PATH: &str = "/admin/products/import";
pub const EXPORT_PATH: &str = "/admin/products/export";
/// The most lines one import takes (besides the body size limit), so that one request
/// stays well within a serverless request's time budget; split bigger files.
pub const MAX_LINES: usize = 1000;
/// The media types of JSON Lines an import accepts.
pub const JSON_LINES: &[&str] = &[
    "application/x-ndjson",
    "application/jsonl",
    "application/x-jsonlines",
];
/// The media type of an export.
pub const NDJSON: &str = "application/x-ndjson";

/// The category tree as known during an import, kept up to date as lines create
/// categories.
struct Tree {
    categories: Vec<Category>,
}

/// Why a line failed: field errors into the line.
type LineErrors = Vec<FieldError>;

fn line_error(path: &str, message: impl Into<String>) -> LineErrors {
    vec![FieldError::new(path, message)]
}

impl Tree {
    fn load() -> Result<Self, Problem> {
        Ok(Self {
            categories: catalog::list_categories().map_err(problem)?,
        })
    }

    fn by_path(&self, path: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.path == path)
    }

    fn children(&self, parent: Option<&str>) -> u32 {
        let n = self
            .categories
            .iter()
            .filter(|c| c.parent.as_deref() == parent)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The id of the category at `path`, creating the levels that are missing (the last
    /// one with `leaf`'s name and position when given). Ids of created categories are
    /// appended to `created`. `at` is the JSON pointer of the path in the line.
    fn ensure(
        &mut self,
        path: &str,
        leaf: Option<(&str, Option<u32>)>,
        at: &str,
        created: &mut Vec<String>,
    ) -> Result<String, LineErrors> {
        let segments: Vec<&str> = path.split('/').collect();
        if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
            return Err(line_error(
                at,
                "must be category slugs joined by '/', e.g. \"clothing/shirts\"",
            ));
        }
        let mut parent: Option<String> = None;
        for depth in 0..segments.len() {
            let prefix = segments[..=depth].join("/");
            if let Some(existing) = self.by_path(&prefix) {
                parent = Some(existing.id.clone());
                continue;
            }
            let slug = segments[depth];
            let is_leaf = depth + 1 == segments.len();
            let (name, position) = match leaf {
                Some((name, position)) if is_leaf => (name.to_owned(), position),
                _ => (name_of(slug), None),
            };
            let input = NewCategory {
                slug: slug.to_owned(),
                name,
                parent: parent.clone(),
                position: position.unwrap_or_else(|| self.children(parent.as_deref())),
            };
            let category = match admin::create_category(&input) {
                // Created meanwhile by another request: use it.
                Err(Error::Conflict(_)) => {
                    self.categories = catalog::list_categories().map_err(storage)?;
                    if let Some(existing) = self.by_path(&prefix) {
                        parent = Some(existing.id.clone());
                        continue;
                    }
                    Err(Error::Conflict("slug".to_owned()))
                }
                other => other,
            };
            let category = category.map_err(|e| match e {
                Error::InvalidInput(errors) => errors
                    .into_iter()
                    .map(|e| {
                        let field = e.path.trim_start_matches('/');
                        let what = if field == "slug" {
                            format!("{slug:?}")
                        } else {
                            format!("the {field} of {prefix:?}")
                        };
                        FieldError::new(at, format!("{what} {}", e.message))
                    })
                    .collect(),
                Error::Conflict(_) => {
                    line_error(at, format!("{prefix:?} clashes with an existing category"))
                }
                e => storage(e),
            })?;
            parent = Some(category.id.clone());
            created.push(category.id.clone());
            self.categories.push(category);
        }
        Ok(parent.unwrap_or_default())
    }

    /// Deletes the categories a failed line created, children first.
    fn undo(&mut self, created: Vec<String>) {
        for id in created.into_iter().rev() {
            if let Err(e) = admin::delete_category(&id) {
                eprintln!("import: could not delete category {id} after a failed line: {e:?}");
            }
            self.categories.retain(|c| c.id != id);
        }
    }
}

/// A name for a category the import creates from its slug: "t-shirts" -> "T shirts".
fn name_of(slug: &str) -> String {
    let words = slug.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A catalog failure that is not about the line's content: logged, reported in general.
fn storage(e: Error) -> LineErrors {
    eprintln!("import: catalog error: {e:?}");
    line_error(
        "",
        "the catalog could not store this line; see the server log",
    )
}

/// `POST /admin/products/import`
pub fn import(req: &Request) -> Result<Response, Problem> {
    api_kit::require_media_type(req, JSON_LINES)?;
    let text = std::str::from_utf8(req.body()).map_err(|e| {
        Problem::invalid_input(vec![FieldError::new(
            "",
            format!("the body is not UTF-8 text: {e}"),
        )])
    })?;
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return Err(Problem::invalid_input(vec![FieldError::new(
            "",
            "the body has no lines to import",
        )]));
    }
    if lines.len() > MAX_LINES {
        return Err(Problem::new(
            api_kit::ProblemType::PayloadTooLarge,
            format!(
                "An import takes at most {MAX_LINES} lines; this one has {}. Split the file.",
                lines.len()
            ),
        ));
    }
    let mut tree = Tree::load()?;
    let mut results = Vec::with_capacity(lines.len());
    let mut failed = 0;
    for (number, line) in lines {
        let result = import_line(&mut tree, line);
        let entry = match result {
            Ok(mut ok) => {
                ok["line"] = json!(number);
                ok["ok"] = json!(true);
                ok
            }
            Err((kind, errors)) => {
                failed += 1;
                json!({"line": number, "ok": false, "kind": kind, "errors": errors})
            }
        };
        results.push(entry);
    }
    let total = results.len();
    json(
        200,
        &json!({
            "lines": total,
            "succeeded": total - failed,
            "failed": failed,
            "results": results,
        }),
    )
}

/// Applies one line: `Ok` with the report fields of a success, `Err` with the kind of the
/// line and why it failed (having written nothing).
fn import_line(tree: &mut Tree, line: &str) -> Result<Value, (&'static str, LineErrors)> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        (
            "unknown",
            line_error("", format!("the line is not valid JSON: {e}")),
        )
    })?;
    if value.get("category").is_some() {
        import_category(tree, &value).map_err(|e| ("category", e))
    } else {
        import_product(tree, &value).map_err(|e| ("product", e))
    }
}

fn import_category(tree: &mut Tree, value: &Value) -> Result<Value, LineErrors> {
    let mut c = JsonChecker::new();
    let line = c.object(&At::root(value), &["category"]);
    let o = c.object(&line.field("category"), &["path", "name", "position"]);
    let path = c.string(&o.field("path"));
    let name = c.string(&o.field("name"));
    let position = c.opt_u32(&o.field("position"));
    if !c.is_ok() {
        return Err(c.into_errors());
    }
    if let Some(existing) = tree.by_path(&path).cloned() {
        let position = position.unwrap_or(existing.position);
        if existing.name != name || existing.position != position {
            let input = NewCategory {
                slug: existing.slug.clone(),
                name,
                parent: existing.parent.clone(),
                position,
            };
            let updated = admin::update_category(&existing.id, &input).map_err(|e| match e {
                Error::InvalidInput(errors) => errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("/category{}", e.path), e.message))
                    .collect(),
                e => storage(e),
            })?;
            tree.categories.retain(|c| c.id != existing.id);
            tree.categories.push(updated);
        }
        return Ok(json!({"kind": "category", "id": existing.id, "path": path, "created": false}));
    }
    let mut created = Vec::new();
    match tree.ensure(
        &path,
        Some((&name, position)),
        "/category/path",
        &mut created,
    ) {
        Ok(id) => Ok(json!({"kind": "category", "id": id, "path": path, "created": true})),
        Err(errors) => {
            tree.undo(created);
            Err(errors)
        }
    }
}

fn import_product(tree: &mut Tree, value: &Value) -> Result<Value, LineErrors> {
    let mut c = JsonChecker::new();
    let input::ProductInput {
        mut product,
        category_paths,
    } = input::product(&mut c, &At::root(value));
    if !c.is_ok() {
        return Err(c.into_errors());
    }
    let mut created = Vec::new();
    let result = (|| {
        for (i, path) in category_paths.iter().enumerate() {
            let id = tree.ensure(path, None, &format!("/category_paths/{i}"), &mut created)?;
            if !product.category_ids.contains(&id) {
                product.category_ids.push(id);
            }
        }
        admin::put_product(&product).map_err(|e| match e {
            Error::InvalidInput(errors) => field_errors(errors),
            Error::Conflict(what) if what == "slug" => {
                line_error("/slug", "is already taken by another product")
            }
            Error::Conflict(what) => line_error(
                "/variants",
                format!("a {what} of these variants is already taken by another product"),
            ),
            Error::NotFound => line_error(
                "/category_ids",
                "contains an id that is not the id of a category",
            ),
            e => storage(e),
        })
    })();
    match result {
        Ok((product, was_created)) => Ok(json!({
            "kind": "product",
            "id": product.id,
            "slug": product.slug,
            "created": was_created,
        })),
        Err(errors) => {
            tree.undo(created);
            Err(errors)
        }
    }
}

/// An export whose first page has been read: nothing can fail with a problem anymore.
pub struct Export {
    filter: AdminProductFilter,
    categories: Vec<Category>,
    first: AdminProductPage,
    page_size: u32,
}

/// `GET /admin/products/export[?status=]`: checks the request and reads the categories and
/// the first page, so that what fails early is a proper problem response.
pub fn start_export(req: &Request) -> Result<Export, Problem> {
    allow(req, &[Method::Get])?;
    let mut q = Query::parse(req.query(), &["status"]);
    let status = q.text("status");
    let status: Option<ProductStatus> = match status.as_deref() {
        Some(s) => {
            let parsed = input::parse_status(s);
            if parsed.is_none() {
                q.reject("status", "must be one of: draft, published, archived");
            }
            parsed
        }
        None => None,
    };
    q.finish()?;
    let filter = AdminProductFilter { status, text: None };
    let categories = catalog::list_categories().map_err(problem)?;
    let page_size = catalog::max_page_size();
    let first = admin::list_products_admin(
        &filter,
        &PageRequest {
            after: None,
            limit: page_size,
        },
    )
    .map_err(problem)?;
    Ok(Export {
        filter,
        categories,
        first,
        page_size,
    })
}

impl Export {
    /// Streams the export, a page of products per chunk.
    pub async fn stream(self, out: ResponseOutparam) {
        let headers = Fields::from_list(&[
            ("content-type".to_owned(), NDJSON.as_bytes().to_vec()),
            (
                "content-disposition".to_owned(),
                b"attachment; filename=\"catalog.jsonl\"".to_vec(),
            ),
            ("cache-control".to_owned(), b"no-store".to_vec()),
        ]);
        let headers = match headers {
            Ok(h) => h,
            Err(e) => return eprintln!("export: headers: {e:?}"),
        };
        let response = OutgoingResponse::new(headers);
        if response.set_status_code(200).is_err() {
            return eprintln!("export: could not set the status");
        }
        let mut body = response.take_body();
        out.set(response);

        let paths: std::collections::HashMap<&str, &str> = self
            .categories
            .iter()
            .map(|c| (c.id.as_str(), c.path.as_str()))
            .collect();
        let mut chunk = String::new();
        for category in &self.categories {
            push_line(&mut chunk, &output::category_line(category));
        }
        let mut page = self.first;
        loop {
            for product in &page.items {
                let line = output::export_line(product, |id| paths.get(id).map(|p| p.to_string()));
                push_line(&mut chunk, &line);
            }
            if let Err(e) = body.send(std::mem::take(&mut chunk).into_bytes()).await {
                return eprintln!("export: the client went away: {e:?}");
            }
            let Some(after) = page.page.next.take() else {
                break;
            };
            let request = PageRequest {
                after: Some(after),
                limit: self.page_size,
            };
            page = match admin::list_products_admin(&self.filter, &request) {
                Ok(page) => page,
                Err(e) => {
                    eprintln!("export: stopped early: {e:?}");
                    push_line(
                        &mut chunk,
                        &json!({"export_error": "the export stopped early because the catalog failed; see the server log"}),
                    );
                    let _ = body.send(chunk.into_bytes()).await;
                    return;
                }
            };
        }
    }
}

fn push_line(buffer: &mut String, value: &Value) {
    buffer.push_str(&value.to_string());
    buffer.push('\n');
}

#[cfg(test)]
mod tests {
    use super::name_of;

    #[test]
    fn names_from_slugs() {
        assert_eq!(name_of("t-shirts"), "T shirts");
        assert_eq!(name_of("kitchen"), "Kitchen");
        assert_eq!(name_of(""), "");
    }
}
