//! Product listings: a category (`/categories/{path}`), a search (`/search?q=`) and every
//! product (`/products`). One page each: the products in a grid, a filter sidebar built from
//! the catalog's facets (sub-categories, brands, option values, price buckets, with counts),
//! a sort, and keyset pages linked with `rel="next"` and `rel="prev"`.
//!
//! Everything is a plain GET form or link, so the page works without JavaScript; the
//! listing script only submits the forms on change.
//!
//! Parameters: `q`, `category` (a path; search and all products), `brand` and
//! `option.<name>` (repeated, as checkboxes send them), `price` (`min-max` in minor units,
//! `max` inclusive and optional), `sort`, `after` (the catalog's cursor) and `trail` (the
//! cursors of the pages before, so "previous" can be linked: keyset cursors only go
//! forward). Unknown parameters are ignored.

use std::fmt::Write;

use crate::bindings::commerce::catalog::catalog::{
    self, Attribute, Category, FacetValue, Facets, OptionValue, PriceRange, ProductQuery, SortOrder,
};
use crate::config::Ctx;
use crate::html::{self, Page};
use crate::{Failure, Reply, money, url};
use commerce_types::types::PageRequest;
use web_kit::escape_html as esc;

/// Products per page.
pub const PAGE_SIZE: u32 = 24;
/// The most cursors a `trail` keeps; beyond, the oldest give way to [`TRUNCATED`] and the
/// earliest kept page links to the first page instead of its predecessor.
const MAX_TRAIL: usize = 20;
/// Marks a `trail` that lost its oldest cursors.
const TRUNCATED: &str = "~";
/// The longest search text the catalog takes.
const MAX_TEXT: usize = 200;
/// Picture loads not deferred: the first row or two of the grid.
const EAGER_IMAGES: usize = 4;

/// A query of every published product priced in the shop's currency, newest first.
pub fn base_query(ctx: &Ctx) -> ProductQuery {
    ProductQuery {
        text: None,
        category: None,
        collection: None,
        currency: Some(ctx.currency.clone()),
        price: None,
        options: Vec::new(),
        attributes: Vec::new(),
        sort: SortOrder::Newest,
    }
}

/// Which listing.
enum Scope<'a> {
    All,
    Search,
    Category(&'a Category),
}

/// The sorts a shopper may pick: parameter value, label, order.
const SORTS: &[(&str, &str, SortOrder)] = &[
    ("relevance", "Best match", SortOrder::Relevance),
    ("newest", "Newest", SortOrder::Newest),
    ("price_asc", "Price: low to high", SortOrder::PriceAsc),
    ("price_desc", "Price: high to low", SortOrder::PriceDesc),
    ("title", "Name: A to Z", SortOrder::Title),
];

/// What the shopper asked of the listing, validated.
struct Filters<'a> {
    text: Option<String>,
    /// A category chosen on the search or all-products page.
    category: Option<&'a Category>,
    brands: Vec<String>,
    options: Vec<(String, String)>,
    /// `(min, max)` inclusive, minor units, and the parameter's text.
    price: Option<(i64, Option<i64>, String)>,
    /// The `sort` parameter as given (validated); `None`: the default.
    sort: Option<&'static str>,
    after: Option<String>,
    trail: Vec<String>,
}

impl<'a> Filters<'a> {
    fn parse(ctx: &'a Ctx, query: &[(String, String)], scope: &Scope) -> Result<Self, Failure> {
        let text = url::first(query, "q").map(|t| t.chars().take(MAX_TEXT).collect::<String>());
        let category = match scope {
            Scope::Category(_) => None,
            _ => match url::first(query, "category") {
                Some(path) => ctx.categories()?.iter().find(|c| c.path == path),
                None => None,
            },
        };
        let mut options = Vec::new();
        for (name, value) in query {
            if let Some(option) = name.strip_prefix("option.") {
                let value = value.trim();
                let pair = (option.to_owned(), value.to_owned());
                if !option.is_empty() && !value.is_empty() && !options.contains(&pair) {
                    options.push(pair);
                }
            }
        }
        let price = url::first(query, "price").and_then(|raw| {
            let (min, max) = raw.split_once('-')?;
            let min: i64 = min.parse().ok().filter(|m| *m >= 0)?;
            let max: Option<i64> = match max {
                "" => None,
                m => Some(m.parse().ok().filter(|m| *m >= min)?),
            };
            Some((min, max, raw.to_owned()))
        });
        let sort = url::first(query, "sort")
            .and_then(|s| SORTS.iter().find(|(name, _, _)| *name == s))
            .map(|(name, _, _)| *name);
        let trail = url::first(query, "trail")
            .map(|t| t.split('.').map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Self {
            text,
            category,
            brands: url::all(query, "brand")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            options,
            price,
            sort,
            after: url::first(query, "after").map(str::to_owned),
            trail,
        })
    }

    /// The order: the one asked for, else best match for a search and newest otherwise.
    fn order(&self) -> (&'static str, SortOrder) {
        let default = if self.text.is_some() {
            "relevance"
        } else {
            "newest"
        };
        let name = self.sort.unwrap_or(default);
        let order = SORTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or(SortOrder::Newest, |(_, _, o)| *o);
        (name, order)
    }

    /// Only the search text, as parameters (what "clear the filters" keeps).
    fn text_only(&self) -> Vec<(String, String)> {
        self.text
            .iter()
            .map(|t| ("q".to_owned(), t.clone()))
            .collect()
    }

    fn is_filtered(&self) -> bool {
        self.category.is_some()
            || !self.brands.is_empty()
            || !self.options.is_empty()
            || self.price.is_some()
    }

    /// The catalog query.
    fn query(&self, ctx: &Ctx, scope: &Scope) -> ProductQuery {
        let mut q = base_query(ctx);
        q.text = self.text.clone();
        q.category = match scope {
            Scope::Category(c) => Some(c.id.clone()),
            _ => self.category.map(|c| c.id.clone()),
        };
        q.price = self.price.as_ref().map(|(min, max, _)| PriceRange {
            min: Some(*min),
            max: *max,
        });
        q.options = self
            .options
            .iter()
            .map(|(option, value)| OptionValue {
                option: option.clone(),
                value: value.clone(),
            })
            .collect();
        q.attributes = self
            .brands
            .iter()
            .map(|b| Attribute {
                name: "brand".to_owned(),
                value: b.clone(),
            })
            .collect();
        q.sort = self.order().1;
        q
    }

    /// The parameters that define the result (not the page), in a fixed order.
    fn state(&self, with_sort: bool) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if let Some(text) = &self.text {
            pairs.push(("q".to_owned(), text.clone()));
        }
        if let Some(c) = self.category {
            pairs.push(("category".to_owned(), c.path.clone()));
        }
        for b in &self.brands {
            pairs.push(("brand".to_owned(), b.clone()));
        }
        for (option, value) in &self.options {
            pairs.push((format!("option.{option}"), value.clone()));
        }
        if let Some((_, _, raw)) = &self.price {
            pairs.push(("price".to_owned(), raw.clone()));
        }
        if with_sort && let Some(sort) = self.sort {
            pairs.push(("sort".to_owned(), sort.to_owned()));
        }
        pairs
    }
}

/// `path` with `pairs` as its query.
fn link(path: &str, pairs: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    url::with_query(path, &borrowed)
}

/// `GET /categories/{path}`.
pub fn category(ctx: &Ctx, path: &str, query: &[(String, String)]) -> Result<Reply, Failure> {
    let category = ctx
        .categories()?
        .iter()
        .find(|c| c.path == path)
        .ok_or(Failure::NotFound)?;
    render(ctx, Scope::Category(category), query)
}

/// `GET /search?q=`; without a text, the all-products page.
pub fn search(ctx: &Ctx, query: &[(String, String)]) -> Result<Reply, Failure> {
    if url::first(query, "q").is_none() {
        return Ok(Reply::redirect(302, "/products".to_owned()));
    }
    render(ctx, Scope::Search, query)
}

/// `GET /products`; a text search goes to `/search`.
pub fn all_products(ctx: &Ctx, query: &[(String, String)]) -> Result<Reply, Failure> {
    if url::first(query, "q").is_some() {
        let raw: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        return Ok(Reply::redirect(302, url::with_query("/search", &raw)));
    }
    render(ctx, Scope::All, query)
}

fn render(ctx: &Ctx, scope: Scope, query: &[(String, String)]) -> Result<Reply, Failure> {
    let filters = Filters::parse(ctx, query, &scope)?;
    let base = match &scope {
        Scope::All => "/products".to_owned(),
        Scope::Search => "/search".to_owned(),
        Scope::Category(c) => format!("/categories/{}", c.path),
    };
    let catalog_query = filters.query(ctx, &scope);
    let page_request = PageRequest {
        after: filters.after.clone(),
        limit: PAGE_SIZE,
    };
    let result = match catalog::search(&catalog_query, &page_request) {
        Ok(result) => result,
        // A stale or hand-made cursor, or values the catalog refuses: start again from the
        // first page of what can be shown.
        Err(catalog::Error::InvalidInput(_)) => {
            let keep = if filters.after.is_some() {
                filters.state(true)
            } else {
                Vec::new()
            };
            return Ok(Reply::redirect(303, link(&base, &keep)));
        }
        Err(e) => return Err(e.into()),
    };

    // The title, and the trail of links to this listing.
    let (heading, mut crumbs) = match &scope {
        Scope::Category(c) => {
            let mut crumbs = vec![("Home".to_owned(), "/".to_owned())];
            for ancestor in ctx.trail(c)? {
                crumbs.push((
                    ancestor.name.clone(),
                    format!("/categories/{}", ancestor.path),
                ));
            }
            (c.name.clone(), crumbs)
        }
        Scope::Search => (
            format!(
                "Search results for “{}”",
                filters.text.as_deref().unwrap_or("")
            ),
            vec![
                ("Home".to_owned(), "/".to_owned()),
                ("Search".to_owned(), base.clone()),
            ],
        ),
        Scope::All => (
            "All products".to_owned(),
            vec![
                ("Home".to_owned(), "/".to_owned()),
                ("All products".to_owned(), base.clone()),
            ],
        ),
    };
    if crumbs.len() == 1 {
        crumbs.push((heading.clone(), base.clone()));
    }

    // Pages: "previous" from the trail, "next" from the catalog's cursor.
    let page_number = match (&filters.after, filters.trail.iter().any(|t| t == TRUNCATED)) {
        (None, _) => Some(1),
        (Some(_), false) => Some(filters.trail.len() + 2),
        (Some(_), true) => None,
    };
    let state = filters.state(true);
    let prev = filters
        .after
        .as_ref()
        .and_then(|_| match filters.trail.split_last() {
            None => Some(link(&base, &state)),
            Some((last, _)) if last == TRUNCATED => None,
            Some((last, rest)) => {
                let mut pairs = state.clone();
                pairs.push(("after".to_owned(), last.clone()));
                if !rest.is_empty() {
                    pairs.push(("trail".to_owned(), rest.join(".")));
                }
                Some(link(&base, &pairs))
            }
        });
    let next = result.page.next.as_ref().map(|cursor| {
        let mut pairs = state.clone();
        pairs.push(("after".to_owned(), cursor.clone()));
        if let Some(after) = &filters.after {
            let mut trail = filters.trail.clone();
            trail.push(after.clone());
            if trail.len() > MAX_TRAIL {
                trail.drain(..trail.len() - MAX_TRAIL);
                trail[0] = TRUNCATED.to_owned();
            }
            pairs.push(("trail".to_owned(), trail.join(".")));
        }
        link(&base, &pairs)
    });
    let self_link = {
        let mut pairs = state.clone();
        if let Some(after) = &filters.after {
            pairs.push(("after".to_owned(), after.clone()));
            if !filters.trail.is_empty() {
                pairs.push(("trail".to_owned(), filters.trail.join(".")));
            }
        }
        link(&base, &pairs)
    };

    let mut main = String::new();
    html::breadcrumbs(&mut main, &crumbs);
    let count = match result.total {
        1 => "1 product".to_owned(),
        n => format!("{n} products"),
    };
    let _ = writeln!(
        main,
        "<div class=\"listing-head\">\n<h1>{}</h1>\n<p class=\"result-count\">{}{}</p>\n</div>",
        esc(&heading),
        count,
        page_number
            .filter(|n| *n > 1)
            .map(|n| format!(", page {n}"))
            .unwrap_or_default()
    );
    // On narrow screens the filters fold away behind a toggle (a checkbox and its label,
    // so it works without JavaScript); they start open when some are in use.
    let _ = writeln!(
        main,
        "<div class=\"listing\">\n<input type=\"checkbox\" id=\"show-filters\" class=\"filters-switch visually-hidden\"{}>\n\
         <label for=\"show-filters\" class=\"filters-toggle button button-secondary\">Show filters</label>",
        if filters.is_filtered() {
            " checked"
        } else {
            ""
        }
    );
    sidebar(&mut main, ctx, &scope, &filters, &base, &result.facets)?;
    main.push_str("<section class=\"results\" aria-labelledby=\"results-title\">\n<h2 id=\"results-title\" class=\"visually-hidden\">Products</h2>\n");
    sort_form(&mut main, &filters, &base);
    if result.items.is_empty() {
        main.push_str("<p class=\"empty\">No products match. ");
        if filters.is_filtered() {
            let clear: Vec<(String, String)> = filters.text_only();
            let _ = write!(
                main,
                "<a href=\"{}\">Clear the filters</a>",
                esc(&link(&base, &clear))
            );
        } else {
            main.push_str("<a href=\"/products\">See all products</a>");
        }
        main.push_str("</p>\n");
    } else {
        let eager = if filters.after.is_none() {
            EAGER_IMAGES
        } else {
            0
        };
        html::product_grid(&mut main, ctx, &result.items, eager);
    }
    if prev.is_some() || next.is_some() || filters.after.is_some() {
        main.push_str("<nav class=\"pagination\" aria-label=\"Pages\">\n");
        match &prev {
            Some(href) => {
                let _ = writeln!(
                    main,
                    "<a rel=\"prev\" href=\"{}\">Previous page</a>",
                    esc(href)
                );
            }
            None if filters.after.is_some() => {
                let _ = writeln!(
                    main,
                    "<a href=\"{}\">First page</a>",
                    esc(&link(&base, &state))
                );
            }
            None => {}
        }
        if let Some(n) = page_number {
            let _ = writeln!(main, "<span>Page {n}</span>");
        }
        if let Some(href) = &next {
            let _ = writeln!(main, "<a rel=\"next\" href=\"{}\">Next page</a>", esc(href));
        }
        main.push_str("</nav>\n");
    }
    main.push_str("</section>\n</div>\n");

    // The head.
    let store = &ctx.store_name;
    let page_suffix = page_number
        .filter(|n| *n > 1)
        .map(|n| format!(" – page {n}"))
        .unwrap_or_default();
    let (title, description) = match &scope {
        Scope::Category(c) => {
            let children: Vec<&str> = ctx
                .categories()?
                .iter()
                .filter(|x| x.parent.as_deref() == Some(c.id.as_str()))
                .map(|x| x.name.as_str())
                .collect();
            let mut d = format!("Shop {} at {store}: {count}", c.name);
            if !children.is_empty() {
                d.push_str(&format!(" in {}", children.join(", ")));
            }
            d.push('.');
            (format!("{}{page_suffix} | {store}", c.name), d)
        }
        Scope::Search => (
            format!("{heading}{page_suffix} | {store}"),
            format!("{count} at {store} match your search."),
        ),
        Scope::All => (
            format!("All products{page_suffix} | {store}"),
            format!("Browse all {count} at {store}."),
        ),
    };
    let mut page = Page::new(title, html::summary(&description, 160));
    page.search_text = filters.text.clone().unwrap_or_default();
    page.script = Some("/assets/js/listing.js");
    // Filtered, sorted and searched listings are variations of a page, not pages of their
    // own: crawlers may follow them, not index them, and are pointed at the plain listing.
    let variation = matches!(scope, Scope::Search)
        || filters.is_filtered()
        || filters.sort.is_some()
        || filters.text.is_some();
    if variation {
        page.robots = Some("noindex, follow");
        let plain: Vec<(String, String)> = match scope {
            Scope::Search => filters.text_only(),
            _ => Vec::new(),
        };
        page.canonical = Some(ctx.absolute(&link(&base, &plain)));
    } else {
        page.canonical = Some(ctx.absolute(&self_link));
    }
    for (rel, href) in [("prev", &prev), ("next", &next)] {
        if let Some(href) = href {
            html::link(&mut page.extra_head, rel, &ctx.absolute(href), "");
        }
    }
    if let Scope::Category(_) = scope {
        page.json_ld.push(html::breadcrumb_ld(ctx, &crumbs));
    }
    if let Some(first) = result.items.iter().find_map(|p| p.image.as_ref()) {
        page.og_image = Some(ctx.absolute(&first.url));
    }
    page.main = main;
    Ok(Reply::page(html::render(ctx, &page)))
}

/// A price bucket's label and parameter value (`max` made inclusive).
fn bucket(ctx: &Ctx, min: i64, max: Option<i64>) -> (String, String) {
    let show = |amount| money::display(amount, &ctx.currency);
    match max {
        Some(max) if min == 0 => (format!("Under {}", show(max)), format!("0-{}", max - 1)),
        Some(max) => (
            format!("{} to {}", show(min), show(max)),
            format!("{min}-{}", max - 1),
        ),
        None => (format!("{} and above", show(min)), format!("{min}-")),
    }
}

/// The filter sidebar: sub-categories as links, then one GET form with a fieldset per facet.
fn sidebar(
    h: &mut String,
    ctx: &Ctx,
    scope: &Scope,
    filters: &Filters,
    base: &str,
    facets: &Facets,
) -> Result<(), Failure> {
    h.push_str("<aside class=\"filters\" aria-labelledby=\"filters-title\">\n<h2 id=\"filters-title\">Filters</h2>\n");

    // Categories one level below the current one (or the roots), with their counts.
    let parent = match scope {
        Scope::Category(c) => Some(c.id.as_str()),
        _ => filters.category.map(|c| c.id.as_str()),
    };
    let all = ctx.categories()?;
    let subcategories: Vec<(&Category, u32)> = facets
        .categories
        .iter()
        .filter_map(|f| {
            let c = all.iter().find(|c| c.id == f.value)?;
            (c.parent.as_deref() == parent).then_some((c, f.count))
        })
        .collect();
    if !subcategories.is_empty() {
        h.push_str("<nav class=\"facet\" aria-labelledby=\"facet-categories\">\n<h3 id=\"facet-categories\">Categories</h3>\n<ul>\n");
        for (c, count) in subcategories {
            let href = match scope {
                Scope::Category(_) => format!("/categories/{}", c.path),
                _ => {
                    let mut pairs: Vec<(String, String)> = filters.text_only();
                    pairs.push(("category".to_owned(), c.path.clone()));
                    link(base, &pairs)
                }
            };
            let _ = writeln!(
                h,
                "<li><a href=\"{}\">{} <span class=\"count\">({count})</span></a></li>",
                esc(&href),
                esc(&c.name)
            );
        }
        h.push_str("</ul>\n</nav>\n");
    }

    let _ = writeln!(
        h,
        "<form class=\"filter-form\" method=\"get\" action=\"{}\" data-filter-form>",
        esc(base)
    );
    match scope {
        Scope::Search => {
            let _ = writeln!(
                h,
                "<input type=\"hidden\" name=\"q\" value=\"{}\">",
                esc(filters.text.as_deref().unwrap_or(""))
            );
        }
        Scope::Category(c) => {
            let _ = writeln!(
                h,
                "<div class=\"facet\">\n<label for=\"within\">Search in {}</label>\n\
                 <input id=\"within\" type=\"search\" name=\"q\" value=\"{}\" maxlength=\"200\">\n</div>",
                esc(&c.name),
                esc(filters.text.as_deref().unwrap_or(""))
            );
        }
        Scope::All => {}
    }
    if let Some(c) = filters.category {
        let _ = writeln!(
            h,
            "<input type=\"hidden\" name=\"category\" value=\"{}\">",
            esc(&c.path)
        );
    }
    if let Some(sort) = filters.sort {
        let _ = writeln!(h, "<input type=\"hidden\" name=\"sort\" value=\"{sort}\">");
    }

    // Brands, then each option, as checkboxes; chosen values stay listed even when the
    // facet no longer counts them.
    let mut groups = vec![Group {
        legend: "Brand".to_owned(),
        param: "brand".to_owned(),
        values: merge(facets.brands.iter(), &filters.brands),
        chosen: filters.brands.clone(),
    }];
    let mut option_names: Vec<String> = facets.options.iter().map(|o| o.option.clone()).collect();
    for (name, _) in &filters.options {
        if !option_names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            option_names.push(name.clone());
        }
    }
    for name in option_names {
        let counted = facets
            .options
            .iter()
            .find(|o| o.option == name)
            .map(|o| o.values.as_slice())
            .unwrap_or_default();
        let chosen: Vec<String> = filters
            .options
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.clone())
            .collect();
        groups.push(Group {
            legend: html::capitalise(&name),
            param: format!("option.{name}"),
            values: merge(counted.iter(), &chosen),
            chosen,
        });
    }
    for (k, group) in groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.values.is_empty())
    {
        let _ = writeln!(
            h,
            "<fieldset class=\"facet\">\n<legend>{}</legend>",
            esc(&group.legend)
        );
        for (j, choice) in group.values.iter().enumerate() {
            let id = format!("f{k}-{j}");
            let checked = group
                .chosen
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&choice.value));
            let count = choice
                .count
                .map(|c| format!(" <span class=\"count\">({c})</span>"))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<div class=\"check\"><input type=\"checkbox\" id=\"{id}\" name=\"{}\" value=\"{}\"{}><label for=\"{id}\">{}{count}</label></div>",
                esc(&group.param),
                esc(&choice.value),
                if checked { " checked" } else { "" },
                esc(&choice.label),
            );
        }
        h.push_str("</fieldset>\n");
    }

    if !facets.price_buckets.is_empty() || filters.price.is_some() {
        h.push_str("<fieldset class=\"facet\">\n<legend>Price</legend>\n");
        let chosen = filters.price.as_ref().map(|(_, _, raw)| raw.as_str());
        let _ = writeln!(
            h,
            "<div class=\"check\"><input type=\"radio\" id=\"price-any\" name=\"price\" value=\"\"{}><label for=\"price-any\">Any price</label></div>",
            if chosen.is_none() { " checked" } else { "" }
        );
        let mut listed = false;
        for (j, b) in facets.price_buckets.iter().enumerate() {
            let (label, value) = bucket(ctx, b.min, b.max);
            let checked = chosen == Some(value.as_str());
            listed |= checked;
            let _ = writeln!(
                h,
                "<div class=\"check\"><input type=\"radio\" id=\"price-{j}\" name=\"price\" value=\"{}\"{}><label for=\"price-{j}\">{} <span class=\"count\">({})</span></label></div>",
                esc(&value),
                if checked { " checked" } else { "" },
                esc(&label),
                b.count
            );
        }
        if let (Some(raw), false) = (chosen, listed) {
            let _ = writeln!(
                h,
                "<div class=\"check\"><input type=\"radio\" id=\"price-chosen\" name=\"price\" value=\"{}\" checked><label for=\"price-chosen\">Your price range</label></div>",
                esc(raw)
            );
        }
        h.push_str("</fieldset>\n");
    }
    h.push_str("<div class=\"filter-actions\">\n<button type=\"submit\" class=\"button\" data-apply>Apply filters</button>\n");
    if filters.is_filtered() {
        let keep: Vec<(String, String)> = match scope {
            Scope::Search => filters.text_only(),
            _ => Vec::new(),
        };
        let _ = writeln!(
            h,
            "<a href=\"{}\">Clear filters</a>",
            esc(&link(base, &keep))
        );
    }
    h.push_str("</div>\n</form>\n</aside>\n");
    Ok(())
}

/// One checkbox of a facet.
#[derive(Debug, PartialEq)]
struct Choice {
    value: String,
    label: String,
    /// `None` for a chosen value the facet no longer counts.
    count: Option<u32>,
}

/// A fieldset of checkboxes: its legend, the parameter it sets, its values and the values
/// the shopper chose.
struct Group {
    legend: String,
    param: String,
    values: Vec<Choice>,
    chosen: Vec<String>,
}

/// The facet's values and, after them, the chosen values it does not list.
fn merge<'f>(counted: impl Iterator<Item = &'f FacetValue>, chosen: &[String]) -> Vec<Choice> {
    let mut values: Vec<Choice> = counted
        .map(|f| Choice {
            value: f.value.clone(),
            label: f.label.clone(),
            count: Some(f.count),
        })
        .collect();
    for c in chosen {
        if !values.iter().any(|v| v.value.eq_ignore_ascii_case(c)) {
            values.push(Choice {
                value: c.clone(),
                label: c.clone(),
                count: None,
            });
        }
    }
    values
}

/// The sort control: a GET form carrying the filters.
fn sort_form(h: &mut String, filters: &Filters, base: &str) {
    let _ = writeln!(
        h,
        "<form class=\"sort-form\" method=\"get\" action=\"{}\" data-sort-form>",
        esc(base)
    );
    for (name, value) in filters.state(false) {
        let _ = writeln!(
            h,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(&name),
            esc(&value)
        );
    }
    let current = filters.order().0;
    h.push_str("<label for=\"sort\">Sort by</label>\n<select id=\"sort\" name=\"sort\">\n");
    for (name, label, _) in SORTS {
        if *name == "relevance" && filters.text.is_none() {
            continue;
        }
        let selected = if *name == current { " selected" } else { "" };
        let _ = writeln!(h, "<option value=\"{name}\"{selected}>{label}</option>");
    }
    h.push_str("</select>\n<button type=\"submit\" class=\"button button-secondary\" data-apply>Sort</button>\n</form>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_values_stay_listed() {
        let counted = [FacetValue {
            value: "M".to_owned(),
            label: "M".to_owned(),
            count: 3,
        }];
        let merged = merge(counted.iter(), &["m".to_owned(), "XL".to_owned()]);
        assert_eq!(merged.len(), 2);
        assert_eq!(
            merged[1],
            Choice {
                value: "XL".to_owned(),
                label: "XL".to_owned(),
                count: None
            }
        );
    }
}
