//! The page shell every server-rendered page shares (head with its SEO tags, header with the
//! search box, category navigation, account and cart links, footer), the pieces pages reuse
//! (breadcrumbs, product cards), and the 404 and 503 pages.
//!
//! Every page of the shop is rendered with it, the cart, checkout, order and 404 pages
//! included, so each shows the shop's name (`store_name`) in its title and header.

use std::fmt::Write;

use crate::bindings::commerce::catalog::catalog::ProductSummary;
use crate::config::Ctx;
use crate::{Reply, money, url};
use web_kit::escape_html as esc;

/// The stylesheet, the module every page loads, and the module it imports.
pub const CSS: &str = "/assets/css/site.css";
pub const SITE_JS: &str = "/assets/js/site.js";
pub const API_JS: &str = "/assets/js/api.js";
pub const ICON: &str = "/assets/img/icon.svg";

/// The size product pictures are shown at (the demo's are drawn at this size; others are
/// scaled into it by CSS, so the space is reserved either way).
pub const IMAGE_SIZE: u32 = 400;

/// One page's head and body.
pub struct Page {
    /// The whole `<title>`.
    pub title: String,
    pub description: String,
    /// Absolute.
    pub canonical: Option<String>,
    /// `<meta name="robots">`, e.g. "noindex, follow".
    pub robots: Option<&'static str>,
    pub og_type: &'static str,
    /// Absolute.
    pub og_image: Option<String>,
    /// More `<head>` elements, already escaped (rel=prev/next links, product meta).
    pub extra_head: String,
    /// JSON-LD documents, one `<script type="application/ld+json">` each.
    pub json_ld: Vec<serde_json::Value>,
    /// The page's own module (a source path under `/assets/js/`), besides `site.js`.
    pub script: Option<&'static str>,
    /// More modules the page's module imports, preloaded besides `site.js` and `api.js`.
    pub preload: &'static [&'static str],
    /// What the header's search box shows.
    pub search_text: String,
    /// The `<main>` element's content, already escaped.
    pub main: String,
}

impl Page {
    pub fn new(title: String, description: String) -> Self {
        Self {
            title,
            description,
            canonical: None,
            robots: None,
            og_type: "website",
            og_image: None,
            extra_head: String::new(),
            json_ld: Vec::new(),
            script: None,
            preload: &[],
            search_text: String::new(),
            main: String::new(),
        }
    }
}

/// A meta description: the text on one line, cut at a word before `max` characters.
pub fn summary(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// A label from a name: "size" → "Size", "blade length" → "Blade length".
pub fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// JSON for a `<script type="application/ld+json">` or `type="application/json"` block:
/// `<`, `>` and `&` escaped as `\u003c` and so on, so no text can end the element.
pub fn json_block(value: &serde_json::Value) -> String {
    web_kit::escape_json_for_script(&value.to_string())
}

/// `<meta {attr}="{key}" content="…">`, the content escaped.
pub fn meta(h: &mut String, attr: &str, key: &str, content: &str) {
    let _ = writeln!(h, "<meta {attr}=\"{key}\" content=\"{}\">", esc(content));
}

/// `<link rel="{rel}" href="…"{more}>`, the URL escaped; `more` is markup.
pub fn link(h: &mut String, rel: &str, href: &str, more: &str) {
    let _ = writeln!(h, "<link rel=\"{rel}\" href=\"{}\"{more}>", esc(href));
}

/// The whole document.
pub fn render(ctx: &Ctx, page: &Page) -> String {
    let mut h = String::with_capacity(page.main.len() + 4096);
    h.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    meta(
        &mut h,
        "name",
        "viewport",
        "width=device-width, initial-scale=1",
    );
    let _ = writeln!(h, "<title>{}</title>", esc(&page.title));
    meta(&mut h, "name", "description", &page.description);
    if let Some(robots) = page.robots {
        meta(&mut h, "name", "robots", robots);
    }
    link(&mut h, "stylesheet", ctx.asset(CSS), "");
    link(&mut h, "icon", ctx.asset(ICON), " type=\"image/svg+xml\"");
    if let Some(canonical) = &page.canonical {
        link(&mut h, "canonical", canonical, "");
    }
    h.push_str(&page.extra_head);
    meta(&mut h, "property", "og:site_name", &ctx.store_name);
    meta(&mut h, "property", "og:type", page.og_type);
    meta(&mut h, "property", "og:title", &page.title);
    meta(&mut h, "property", "og:description", &page.description);
    if let Some(canonical) = &page.canonical {
        meta(&mut h, "property", "og:url", canonical);
    }
    if let Some(image) = &page.og_image {
        meta(&mut h, "property", "og:image", image);
    }
    meta(&mut h, "name", "twitter:card", "summary");
    // The entry module imports site.js, which imports api.js: preloading them fetches the
    // chain at once instead of one after another.
    let entry = page.script.unwrap_or(SITE_JS);
    let modules = [API_JS, SITE_JS].iter().chain(page.preload);
    for module in modules.filter(|m| **m != entry) {
        link(&mut h, "modulepreload", ctx.asset(module), "");
    }
    let _ = writeln!(
        h,
        "<script type=\"module\" src=\"{}\"></script>",
        esc(ctx.asset(entry))
    );
    for doc in &page.json_ld {
        let _ = writeln!(
            h,
            "<script type=\"application/ld+json\">{}</script>",
            json_block(doc)
        );
    }
    h.push_str("</head>\n<body>\n");
    header(&mut h, ctx, &page.search_text);
    let _ = writeln!(h, "<main id=\"main\" class=\"wrap\">\n{}</main>", page.main);
    footer(&mut h);
    h.push_str("</body>\n</html>\n");
    h
}

/// The site header: skip link, shop name, search box, account and cart links, and the root
/// categories (when the tree can be read; a page renders without them otherwise).
///
/// The account link reads "Sign in" for everyone: the page is the same document for every
/// shopper (`no-cache` with an `ETag`, no customer data), and `site.js` turns it into
/// "Account" when this browser signed in (see `api.js`, `signedIn`).
fn header(h: &mut String, ctx: &Ctx, search_text: &str) {
    let _ = write!(
        h,
        "<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n\
         <header class=\"site-header\">\n<div class=\"wrap header-row\">\n\
         <a class=\"brand\" href=\"/\">{}</a>\n\
         <form class=\"site-search\" role=\"search\" aria-label=\"Site search\" action=\"/search\" method=\"get\">\n\
         <label class=\"visually-hidden\" for=\"site-search\">Search products</label>\n\
         <input id=\"site-search\" type=\"search\" name=\"q\" value=\"{}\" placeholder=\"Search products\" maxlength=\"200\" autocomplete=\"off\">\n\
         <button type=\"submit\" class=\"button\">Search</button>\n</form>\n\
         <a class=\"account-link\" href=\"/account/sign-in\" data-account-link>Sign in</a>\n\
         <a class=\"cart-link\" href=\"/cart\" data-cart-link>Cart <span class=\"cart-count\" data-cart-count hidden></span></a>\n\
         </div>\n",
        esc(&ctx.store_name),
        esc(search_text)
    );
    if let Ok(categories) = ctx.categories() {
        let roots: Vec<_> = categories.iter().filter(|c| c.parent.is_none()).collect();
        if !roots.is_empty() {
            h.push_str(
                "<nav class=\"category-nav\" aria-label=\"Categories\">\n<ul class=\"wrap\">\n",
            );
            for c in roots {
                let _ = writeln!(
                    h,
                    "<li><a href=\"/categories/{}\">{}</a></li>",
                    esc(&c.path),
                    esc(&c.name)
                );
            }
            h.push_str("</ul>\n</nav>\n");
        }
    }
    h.push_str("</header>\n");
}

fn footer(h: &mut String) {
    h.push_str(
        "<footer class=\"site-footer\">\n<div class=\"wrap\">\n<nav aria-label=\"Footer\">\n<ul>\n\
         <li><a href=\"/products\">All products</a></li>\n\
         <li><a href=\"/cart\">Cart</a></li>\n\
         <li><a href=\"/order\">Order status</a></li>\n\
         <li><a href=\"/sitemap.xml\">Sitemap</a></li>\n\
         </ul>\n</nav>\n</div>\n</footer>\n",
    );
}

/// A breadcrumb trail: `(name, href)` pairs; the last is the current page (no link).
pub fn breadcrumbs(h: &mut String, items: &[(String, String)]) {
    h.push_str("<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n<ol>\n");
    for (k, (name, href)) in items.iter().enumerate() {
        if k + 1 == items.len() {
            let _ = writeln!(
                h,
                "<li><span aria-current=\"page\">{}</span></li>",
                esc(name)
            );
        } else {
            let _ = writeln!(h, "<li><a href=\"{}\">{}</a></li>", esc(href), esc(name));
        }
    }
    h.push_str("</ol>\n</nav>\n");
}

/// The JSON-LD `BreadcrumbList` of the same trail (absolute URLs).
pub fn breadcrumb_ld(ctx: &Ctx, items: &[(String, String)]) -> serde_json::Value {
    let elements: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(k, (name, href))| {
            serde_json::json!({
                "@type": "ListItem",
                "position": k + 1,
                "name": name,
                "item": ctx.absolute(href),
            })
        })
        .collect();
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": elements,
    })
}

/// A grid of product cards. The first `eager` pictures load at once (they are in the first
/// screen); the rest lazily.
pub fn product_grid(h: &mut String, ctx: &Ctx, items: &[ProductSummary], eager: usize) {
    h.push_str("<ul class=\"product-grid\">\n");
    for (k, p) in items.iter().enumerate() {
        let href = format!("/products/{}", url::encode(&p.slug));
        h.push_str("<li class=\"card\">\n");
        let _ = write!(h, "<a class=\"card-link\" href=\"{}\">", esc(&href));
        match &p.image {
            Some(image) => {
                let loading = if k < eager {
                    if k == 0 {
                        "fetchpriority=\"high\""
                    } else {
                        "loading=\"eager\""
                    }
                } else {
                    "loading=\"lazy\""
                };
                // The link's text is the title; the picture adds nothing for a screen reader.
                let _ = write!(
                    h,
                    "<img src=\"{}\" alt=\"\" width=\"{IMAGE_SIZE}\" height=\"{IMAGE_SIZE}\" {loading} decoding=\"async\">",
                    esc(&image.url)
                );
            }
            None => h.push_str("<span class=\"card-placeholder\" aria-hidden=\"true\"></span>"),
        }
        let _ = writeln!(h, "<span class=\"card-title\">{}</span></a>", esc(&p.title));
        match money::amount_in(&p.price_from, &ctx.currency) {
            Some(amount) => {
                let _ = writeln!(
                    h,
                    "<p class=\"card-price\">{}</p>",
                    esc(&money::display(amount, &ctx.currency))
                );
            }
            None => h.push_str("<p class=\"card-price\">Not sold in this currency</p>\n"),
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ul>\n");
}

/// The main content of the 404 page.
pub const NOT_FOUND_MAIN: &str = "<div class=\"page-message\">\n\
<h1>Page not found</h1>\n\
<p>We could not find the page you asked for. It may have moved, or the product may no longer be sold.</p>\n\
<form class=\"inline-search\" role=\"search\" aria-label=\"Search the shop\" action=\"/search\" method=\"get\">\n\
<label for=\"not-found-search\">Search the shop</label>\n\
<input id=\"not-found-search\" type=\"search\" name=\"q\" maxlength=\"200\">\n\
<button type=\"submit\" class=\"button\">Search</button>\n\
</form>\n\
<p><a href=\"/\">Go to the home page</a></p>\n\
</div>\n";

/// The 404 page.
pub fn not_found(ctx: &Ctx) -> Reply {
    let mut page = Page::new(
        format!("Page not found | {}", ctx.store_name),
        "The page you asked for does not exist.".to_owned(),
    );
    page.robots = Some("noindex");
    page.main = NOT_FOUND_MAIN.to_owned();
    Reply {
        status: 404,
        ..Reply::page(render(ctx, &page))
    }
}

/// The 503 page: the shop's storage did not answer.
pub fn unavailable(ctx: &Ctx) -> Reply {
    let mut page = Page::new(
        format!("Temporarily unavailable | {}", ctx.store_name),
        "The shop could not load this page.".to_owned(),
    );
    page.robots = Some("noindex");
    page.main = "<div class=\"page-message\">\n<h1>We could not load this page</h1>\n\
                 <p>Something went wrong on our side. Please try again in a moment.</p>\n</div>\n"
        .to_owned();
    Reply {
        status: 503,
        ..Reply::page(render(ctx, &page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_cut_at_a_word() {
        assert_eq!(summary("Short  text\nhere.", 50), "Short text here.");
        let long = "A handmade floor cushion in linen, as good on day one as on day one thousand.";
        let s = summary(long, 40);
        assert!(s.chars().count() <= 40, "{s}");
        assert!(s.ends_with('…') && s.starts_with("A handmade floor cushion in linen"));
    }

    #[test]
    fn labels_capitalise() {
        assert_eq!(capitalise("size"), "Size");
        assert_eq!(capitalise("blade length"), "Blade length");
        assert_eq!(capitalise(""), "");
    }

    #[test]
    fn json_blocks_cannot_end_the_script() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        let block = json_block(&v);
        assert!(!block.contains('<'));
        let back: serde_json::Value = serde_json::from_str(&block).unwrap();
        assert_eq!(back, v);
    }
}
