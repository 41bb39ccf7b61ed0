//! `GET /sitemap.xml` and `GET /robots.txt`.
//!
//! The sitemap lists the home page, the all-products page, every category and every
//! published product (drafts and archived products are never listed: the catalog's
//! listings show published products only). When that is more than `sitemap_max_urls` URLs
//! (10,000 by default; the protocol allows 50,000 per file), `/sitemap.xml` is a sitemap
//! index instead. Every file of the index holds at most `sitemap_max_urls` URLs: the pages
//! (home, all products, categories) in `?part=pages` and, when there are more of them,
//! `?part=pages&from=<n>` (the pages from the n-th on, n a multiple of the limit), and the
//! products in consecutive `?part=products` files, each starting `after` the catalog's cursor
//! where the one before ended. A part the index would not name is a 404.

use std::fmt::Write;

use crate::bindings::commerce::catalog::catalog::{self, ProductSummary};
use crate::config::Ctx;
use crate::{Failure, Reply, url};
use commerce_types::types::PageRequest;
use web_kit::escape_html as esc;

const XML: &str = "application/xml; charset=utf-8";
/// Crawlers may reuse these for an hour.
const CACHE: &str = "public, max-age=3600";
const URLSET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";

/// `GET /robots.txt`: everything but the API, the admin, the cart, checkout, order and
/// search pages may be crawled; the sitemap is named.
pub fn robots(ctx: &Ctx) -> Reply {
    let body = format!(
        "User-agent: *\nDisallow: /api/\nDisallow: /admin/\nDisallow: /cart\nDisallow: /checkout\nDisallow: /order\nDisallow: /search\n\nSitemap: {}\n",
        ctx.absolute("/sitemap.xml")
    );
    Reply {
        status: 200,
        content_type: "text/plain; charset=utf-8",
        body,
        cache_control: CACHE,
        location: None,
    }
}

fn xml(body: String) -> Reply {
    Reply {
        status: 200,
        content_type: XML,
        body,
        cache_control: CACHE,
        location: None,
    }
}

/// Visits up to `n` published products from `after`, newest first; answers the cursor to
/// continue from, or `None` when the catalog has no more.
fn walk(
    ctx: &Ctx,
    after: Option<String>,
    n: usize,
    mut visit: impl FnMut(&ProductSummary),
) -> Result<Option<String>, catalog::Error> {
    let max_page = catalog::max_page_size().max(1) as usize;
    let mut query = crate::listing::base_query(ctx);
    query.currency = None;
    let mut cursor = after;
    let mut left = n;
    while left > 0 {
        let limit = left.min(max_page);
        let page = catalog::list_products(
            &query,
            &PageRequest {
                after: cursor.clone(),
                limit: limit as u32,
            },
        )?;
        for p in &page.items {
            visit(p);
        }
        left = left.saturating_sub(page.items.len());
        match page.page.next {
            Some(next) if !page.items.is_empty() => cursor = Some(next),
            _ => return Ok(None),
        }
    }
    Ok(cursor)
}

/// The home page, the all-products page and every category.
fn page_urls(ctx: &Ctx) -> Result<Vec<String>, Failure> {
    let mut urls = vec![ctx.absolute("/"), ctx.absolute("/products")];
    for c in ctx.categories()? {
        urls.push(ctx.absolute(&format!("/categories/{}", c.path)));
    }
    Ok(urls)
}

fn product_url(ctx: &Ctx, p: &ProductSummary) -> String {
    ctx.absolute(&format!("/products/{}", url::encode(&p.slug)))
}

fn push_url(h: &mut String, loc: &str) {
    let _ = writeln!(h, "<url><loc>{}</loc></url>", esc(loc));
}

/// `GET /sitemap.xml[?part=pages|products[&after=…]]`.
pub fn sitemap(ctx: &Ctx, query: &[(String, String)]) -> Result<Reply, Failure> {
    let max = ctx.sitemap_max_urls;
    match url::first(query, "part") {
        None => {}
        Some("pages") => {
            let pages = page_urls(ctx)?;
            let from = match url::first(query, "from") {
                None => 0,
                // Only the offsets the index names: one URL per file.
                Some(n) => n
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0 && n % max == 0 && *n < pages.len())
                    .ok_or(Failure::NotFound)?,
            };
            let mut h = URLSET_OPEN.to_owned();
            for u in pages.iter().skip(from).take(max) {
                push_url(&mut h, u);
            }
            h.push_str("</urlset>\n");
            return Ok(xml(h));
        }
        Some("products") => {
            let mut h = URLSET_OPEN.to_owned();
            let after = url::first(query, "after").map(str::to_owned);
            // A cursor that is not the catalog's: no such file.
            walk(ctx, after, max, |p| push_url(&mut h, &product_url(ctx, p))).map_err(
                |e| match e {
                    catalog::Error::InvalidInput(_) => Failure::NotFound,
                    e => e.into(),
                },
            )?;
            h.push_str("</urlset>\n");
            return Ok(xml(h));
        }
        Some(_) => return Err(Failure::NotFound),
    }

    // One file when everything fits.
    let pages = page_urls(ctx)?;
    if pages.len() < max {
        let mut products = Vec::new();
        let rest = walk(ctx, None, max - pages.len(), |p| {
            products.push(product_url(ctx, p));
        })?;
        if rest.is_none() {
            let mut h = URLSET_OPEN.to_owned();
            for u in pages.iter().chain(&products) {
                push_url(&mut h, u);
            }
            h.push_str("</urlset>\n");
            return Ok(xml(h));
        }
    }

    // Otherwise an index of files of at most `max` URLs each: the pages, then the products.
    let mut h = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n".to_owned();
    let push_part = |h: &mut String, pairs: &[(&str, &str)]| {
        let loc = ctx.absolute(&url::with_query("/sitemap.xml", pairs));
        let _ = writeln!(h, "<sitemap><loc>{}</loc></sitemap>", esc(&loc));
    };
    push_part(&mut h, &[("part", "pages")]);
    for from in (max..pages.len()).step_by(max) {
        push_part(&mut h, &[("part", "pages"), ("from", &from.to_string())]);
    }
    let mut first_file = 0;
    let mut cursor = walk(ctx, None, max, |_| first_file += 1)?;
    if first_file > 0 {
        push_part(&mut h, &[("part", "products")]);
    }
    while let Some(after) = cursor {
        push_part(&mut h, &[("part", "products"), ("after", &after)]);
        cursor = walk(ctx, Some(after), max, |_| {})?;
    }
    h.push_str("</sitemapindex>\n");
    Ok(xml(h))
}
