//! `GET /`: the featured collection (the one with slug `featured`, else the first), the
//! newest products, and the category tree.

use std::fmt::Write;

use crate::bindings::commerce::catalog::catalog::{self, SortOrder};
use crate::config::Ctx;
use crate::html::{self, Page};
use crate::listing::base_query;
use crate::{Failure, Reply};
use commerce_types::types::PageRequest;
use web_kit::escape_html as esc;

/// Products per home-page section.
const SECTION_SIZE: u32 = 8;

pub fn page(ctx: &Ctx) -> Result<Reply, Failure> {
    let categories = ctx.categories()?;
    let collections = catalog::list_collections()?;
    let featured = collections
        .iter()
        .find(|c| c.slug == "featured")
        .or(collections.first());
    let first_page = PageRequest {
        after: None,
        limit: SECTION_SIZE,
    };

    let roots: Vec<_> = categories.iter().filter(|c| c.parent.is_none()).collect();
    let names: Vec<&str> = roots.iter().map(|c| c.name.as_str()).collect();
    let pitch = match names.split_last() {
        None => "Welcome to our shop.".to_owned(),
        Some((only, [])) => format!("Shop {only} online."),
        Some((last, rest)) => format!("Shop {} and {last} online.", rest.join(", ")),
    };

    let mut main = String::new();
    let _ = writeln!(
        main,
        "<section class=\"hero\">\n<h1>{}</h1>\n<p>{}</p>\n\
         <p><a class=\"button\" href=\"/products\">Shop all products</a></p>\n</section>",
        esc(&ctx.store_name),
        esc(&pitch)
    );
    let mut eager = 4;
    if let Some(collection) = featured {
        let mut query = base_query(ctx);
        query.collection = Some(collection.id.clone());
        let items = catalog::list_products(&query, &first_page)?.items;
        if !items.is_empty() {
            let _ = writeln!(
                main,
                "<section aria-labelledby=\"featured-title\">\n<h2 id=\"featured-title\">{}</h2>",
                esc(&collection.title)
            );
            if !collection.description.is_empty() {
                let _ = writeln!(main, "<p>{}</p>", esc(&collection.description));
            }
            html::product_grid(&mut main, ctx, &items, eager);
            main.push_str("</section>\n");
            eager = 0;
        }
    }
    let mut query = base_query(ctx);
    query.sort = SortOrder::Newest;
    let newest = catalog::list_products(&query, &first_page)?.items;
    main.push_str(
        "<section aria-labelledby=\"new-title\">\n<h2 id=\"new-title\">New arrivals</h2>\n",
    );
    if newest.is_empty() {
        main.push_str("<p>There are no products yet.</p>\n");
    } else {
        html::product_grid(&mut main, ctx, &newest, eager);
        main.push_str("<p><a href=\"/products?sort=newest\">See all new products</a></p>\n");
    }
    main.push_str("</section>\n");

    if !roots.is_empty() {
        main.push_str(
            "<section aria-labelledby=\"categories-title\">\n<h2 id=\"categories-title\">Shop by category</h2>\n<ul class=\"category-list\">\n",
        );
        for root in &roots {
            let _ = writeln!(
                main,
                "<li>\n<h3><a href=\"/categories/{}\">{}</a></h3>",
                esc(&root.path),
                esc(&root.name)
            );
            let children: Vec<_> = categories
                .iter()
                .filter(|c| c.parent.as_deref() == Some(root.id.as_str()))
                .collect();
            if !children.is_empty() {
                main.push_str("<ul>\n");
                for child in children {
                    let _ = writeln!(
                        main,
                        "<li><a href=\"/categories/{}\">{}</a></li>",
                        esc(&child.path),
                        esc(&child.name)
                    );
                }
                main.push_str("</ul>\n");
            }
            main.push_str("</li>\n");
        }
        main.push_str("</ul>\n</section>\n");
    }

    let description = format!("{}: {pitch}", ctx.store_name);
    let mut page = Page::new(ctx.store_name.clone(), html::summary(&description, 160));
    page.canonical = Some(ctx.absolute("/"));
    page.json_ld.push(serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": ctx.store_name,
        "url": ctx.absolute("/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": ctx.absolute("/search?q={search_term_string}"),
            },
            "query-input": "required name=search_term_string",
        },
    }));
    page.main = main;
    Ok(Reply::page(html::render(ctx, &page)))
}
