//! What every page needs to know besides the catalog: the shop's name, currency and public
//! URL (Spin variables), the fingerprinted names of the assets (the build's manifest, from
//! the component's files), and the category tree (read once per request, when a page asks).

use std::cell::OnceCell;
use std::collections::HashMap;

use crate::Failure;
use crate::bindings::commerce::catalog::catalog::{self, Category};
use spin_sdk::http::Request;

/// The build's asset manifest: static-build's output directory (`target/storefront`, what the
/// file server serves) is mounted at `/site` (spin.toml `files`). It maps each asset's URL to
/// its fingerprinted URL: `{"/assets/css/site.css": "/assets/css/site.0123456789.css", …}`.
pub const ASSET_MANIFEST: &str = "/site/asset-manifest.json";

/// The currency prices are shown in when `storefront_currency` is unset or not a currency.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// URLs per sitemap file when `sitemap_max_urls` is unset; the protocol's limit is 50,000.
pub const DEFAULT_SITEMAP_MAX_URLS: usize = 10_000;

/// One request's view of the shop.
pub struct Ctx {
    pub store_name: String,
    /// ISO 4217, e.g. "EUR".
    pub currency: String,
    /// The shop's public origin without a trailing slash, e.g. `https://shop.example`: the
    /// `store_url` variable, else the origin the request came to.
    pub base_url: String,
    /// The most URLs in one sitemap file (1 to 50,000).
    pub sitemap_max_urls: usize,
    assets: HashMap<String, String>,
    categories: OnceCell<Vec<Category>>,
}

fn variable(name: &str) -> Option<String> {
    spin_sdk::variables::get(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Ctx {
    pub fn load(req: &Request) -> Self {
        let currency = variable("storefront_currency")
            .filter(|c| capability_kit::currency::is_active(c))
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
        let base_url = variable("store_url")
            .and_then(|u| origin(&u).map(str::to_owned))
            .or_else(|| {
                req.header("spin-full-url")
                    .and_then(|v| v.as_str())
                    .and_then(origin)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let sitemap_max_urls = variable("sitemap_max_urls")
            .and_then(|v| v.parse().ok())
            .filter(|n| (1..=50_000).contains(n))
            .unwrap_or(DEFAULT_SITEMAP_MAX_URLS);
        Self {
            store_name: variable("store_name").unwrap_or_else(|| "Shop".to_owned()),
            currency,
            base_url,
            sitemap_max_urls,
            assets: read_asset_manifest(),
            categories: OnceCell::new(),
        }
    }

    /// The URL to reference an asset by: its fingerprinted name when the build made one,
    /// else the source path itself (`/assets/css/site.css`).
    pub fn asset<'a>(&'a self, source: &'a str) -> &'a str {
        self.assets.get(source).map_or(source, String::as_str)
    }

    /// An absolute URL for a path of this shop (`/products/x` → `https://shop/products/x`);
    /// absolute URLs are returned as they are.
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base_url)
        }
    }

    /// The whole category tree, parents before children, read once per request.
    pub fn categories(&self) -> Result<&[Category], Failure> {
        if let Some(list) = self.categories.get() {
            return Ok(list);
        }
        let list = catalog::list_categories()?;
        Ok(self.categories.get_or_init(|| list))
    }

    /// The category with this id, if it is in the tree.
    pub fn category(&self, id: &str) -> Result<Option<&Category>, Failure> {
        Ok(self.categories()?.iter().find(|c| c.id == id))
    }

    /// `category` and its ancestors, root first.
    pub fn trail<'a>(&'a self, category: &'a Category) -> Result<Vec<&'a Category>, Failure> {
        let all = self.categories()?;
        let mut trail = Vec::new();
        let mut prefix = String::new();
        for segment in category.path.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(segment);
            if let Some(c) = all.iter().find(|c| c.path == prefix) {
                trail.push(c);
            }
        }
        Ok(trail)
    }
}

/// `scheme://authority` of an absolute http(s) URL.
pub fn origin(url: &str) -> Option<&str> {
    let rest_at = url.find("://")? + 3;
    let scheme = &url[..rest_at - 3];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let end = url[rest_at..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest_at + i);
    (end > rest_at).then(|| &url[..end])
}

/// The asset manifest, or an empty map when there is none (a build without the static
/// build step): pages then reference the source paths, which the file server also serves.
fn read_asset_manifest() -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(ASSET_MANIFEST) else {
        return HashMap::new();
    };
    parse_asset_manifest(&text)
}

/// The `source → fingerprinted` pairs of a manifest: a JSON object of strings, or one under
/// an `assets` key.
pub fn parse_asset_manifest(text: &str) -> HashMap<String, String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return HashMap::new();
    };
    let map = value.get("assets").unwrap_or(&value);
    map.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin("http://127.0.0.1:3000/products/x?y=1"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin("https://shop.example"), Some("https://shop.example"));
        assert_eq!(
            origin("https://shop.example/"),
            Some("https://shop.example")
        );
        assert_eq!(origin("ftp://shop.example/"), None);
        assert_eq!(origin("https:///x"), None);
        assert_eq!(origin("/products"), None);
    }

    #[test]
    fn manifests_flat_or_under_assets() {
        let flat = parse_asset_manifest(r#"{"/assets/a.css":"/assets/a.0123456789.css"}"#);
        assert_eq!(flat["/assets/a.css"], "/assets/a.0123456789.css");
        let nested =
            parse_asset_manifest(r#"{"version":1,"assets":{"/assets/b.js":"/assets/b.1.js"}}"#);
        assert_eq!(nested["/assets/b.js"], "/assets/b.1.js");
        assert!(parse_asset_manifest("not json").is_empty());
    }
}
