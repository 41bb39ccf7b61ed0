//! `GET /products/{slug}`: a published product with its stock.
//!
//! The page has everything without JavaScript: the gallery (a scroll-snapped strip with
//! anchor thumbnails), the price and availability of the selected variant (`?variant=`, else
//! the first that can be bought), a `<select>` of every variant, and the add-to-cart form
//! (a GET to `/cart?add=<variant>&quantity=n`, which the cart page completes). For the
//! script it also has the option groups as radio buttons (hidden until the script shows them)
//! and every variant's options, price, compare-at price and availability as a JSON data block
//! (`#product-data`). For search engines: title, meta description, canonical URL, Open Graph,
//! and JSON-LD `Product` (one `Offer` per variant priced in the shop's currency, with its
//! availability) and `BreadcrumbList`.

use std::fmt::Write;

use crate::bindings::commerce::catalog::catalog::{self, Product, Variant};
use crate::bindings::commerce::inventory::inventory;
use crate::config::Ctx;
use crate::html::{self, IMAGE_SIZE, Page};
use crate::{Failure, Reply, money, url};
use serde_json::{Value, json};
use web_kit::escape_html as esc;

/// Where a variant stands for a shopper.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Availability {
    InStock,
    /// At most the low-stock threshold available.
    Low(u32),
    OutOfStock,
    /// No price in the shop's currency: cannot be bought here.
    Unpriced,
}

impl Availability {
    /// A variant's availability: the inventory's status (`stock-status`, the rule the
    /// products API shows too), unless it has no price in the shop's currency.
    fn of(level: &inventory::StockLevel, priced: bool) -> Self {
        use inventory::StockStatus;
        match (priced, level.status) {
            (false, _) => Availability::Unpriced,
            (true, StockStatus::OutOfStock) => Availability::OutOfStock,
            (true, StockStatus::LowStock) => Availability::Low(level.available),
            (true, StockStatus::InStock) => Availability::InStock,
        }
    }

    fn purchasable(self) -> bool {
        matches!(self, Availability::InStock | Availability::Low(_))
    }

    fn key(self) -> &'static str {
        match self {
            Availability::InStock => "in_stock",
            Availability::Low(_) => "low_stock",
            Availability::OutOfStock => "out_of_stock",
            Availability::Unpriced => "unpriced",
        }
    }

    fn text(self, currency: &str) -> String {
        match self {
            Availability::InStock => "In stock".to_owned(),
            Availability::Low(n) => format!("Only {n} left"),
            Availability::OutOfStock => "Sold out".to_owned(),
            Availability::Unpriced => format!("Not sold in {currency}"),
        }
    }

    /// The schema.org availability of an offer.
    fn schema(self) -> &'static str {
        if self.purchasable() {
            "https://schema.org/InStock"
        } else {
            "https://schema.org/OutOfStock"
        }
    }
}

/// A variant as the page shows it.
struct View<'a> {
    variant: &'a Variant,
    price: Option<i64>,
    /// Only when above the price.
    compare_at: Option<i64>,
    stock: Availability,
    /// The index of the picture showing it (one naming its option values in its alt text).
    image: Option<usize>,
}

/// The stock of `ids`, in batches the inventory takes.
fn availability(ids: &[String]) -> Result<Vec<inventory::StockLevel>, Failure> {
    let batch = inventory::max_availability_batch().max(1) as usize;
    let mut levels = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(batch) {
        levels.extend(inventory::availability(chunk)?);
    }
    Ok(levels)
}

/// The lower-case words of a text.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `alt` mentions `value` as whole words ("Shirt in dusty pink" mentions "Dusty
/// Pink", not "M").
fn mentions(alt: &[String], value: &str) -> bool {
    let needle = words(value);
    !needle.is_empty() && alt.windows(needle.len()).any(|w| w == needle.as_slice())
}

pub fn page(ctx: &Ctx, slug: &str, query: &[(String, String)]) -> Result<Reply, Failure> {
    let product = catalog::get_product_by_slug(slug)?;
    let ids: Vec<String> = product.variants.iter().map(|v| v.id.clone()).collect();
    let levels = availability(&ids)?;
    let alts: Vec<Vec<String>> = product.images.iter().map(|i| words(&i.alt)).collect();
    let views: Vec<View> = product
        .variants
        .iter()
        .zip(levels)
        .map(|(variant, level)| {
            let price = money::amount_in(&variant.prices, &ctx.currency);
            let compare_at = money::amount_in(&variant.compare_at_prices, &ctx.currency)
                .filter(|c| price.is_some_and(|p| *c > p));
            View {
                variant,
                price,
                compare_at,
                stock: Availability::of(&level, price.is_some()),
                image: alts
                    .iter()
                    .position(|alt| variant.options.iter().any(|o| mentions(alt, &o.value))),
            }
        })
        .collect();
    let selected = url::first(query, "variant")
        .and_then(|id| views.iter().position(|v| v.variant.id == id))
        .or_else(|| views.iter().position(|v| v.stock.purchasable()))
        .or_else(|| views.iter().position(|v| v.price.is_some()))
        .unwrap_or(0);

    // The category trail: the product's first category that is in the tree.
    let mut crumbs = vec![("Home".to_owned(), "/".to_owned())];
    let mut category = None;
    for id in &product.category_ids {
        if let Some(c) = ctx.category(id)? {
            category = Some(c);
            break;
        }
    }
    if let Some(c) = category {
        for ancestor in ctx.trail(c)? {
            crumbs.push((
                ancestor.name.clone(),
                format!("/categories/{}", ancestor.path),
            ));
        }
    }
    let path = format!("/products/{}", url::encode(&product.slug));
    crumbs.push((product.title.clone(), path.clone()));
    let canonical = ctx.absolute(&path);
    let brand = product
        .attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case("brand"))
        .map(|a| a.value.as_str());

    let mut main = String::new();
    html::breadcrumbs(&mut main, &crumbs);
    main.push_str("<div class=\"product\">\n");
    gallery(&mut main, &product);
    main.push_str("<div class=\"product-info\">\n");
    let _ = writeln!(main, "<h1>{}</h1>", esc(&product.title));
    if let Some(brand) = brand {
        let _ = writeln!(main, "<p class=\"brand-name\">{}</p>", esc(brand));
    }
    let chosen = &views[selected];
    price_block(&mut main, ctx, chosen);
    buy_form(&mut main, ctx, &product, &views, selected);
    if !product.description.is_empty() {
        let _ = writeln!(
            main,
            "<section class=\"description\" aria-labelledby=\"description-title\">\n<h2 id=\"description-title\">Description</h2>\n<p>{}</p>\n</section>",
            esc(&product.description)
        );
    }
    if !product.attributes.is_empty() {
        main.push_str("<section aria-labelledby=\"details-title\">\n<h2 id=\"details-title\">Details</h2>\n<dl class=\"attributes\">\n");
        for a in &product.attributes {
            let _ = writeln!(
                main,
                "<div><dt>{}</dt><dd>{}</dd></div>",
                esc(&html::capitalise(&a.name)),
                esc(&a.value)
            );
        }
        main.push_str("</dl>\n</section>\n");
    }
    main.push_str("</div>\n</div>\n");
    let data = data_block(ctx, &product, &views, selected);
    let _ = writeln!(
        main,
        "<script type=\"application/json\" id=\"product-data\">{}</script>",
        html::json_block(&data)
    );

    let description = if product.description.trim().is_empty() {
        product.title.clone()
    } else {
        html::summary(&product.description, 160)
    };
    let mut page = Page::new(
        format!("{} | {}", product.title, ctx.store_name),
        description,
    );
    page.canonical = Some(canonical.clone());
    page.og_type = "product";
    page.og_image = product.images.first().map(|i| ctx.absolute(&i.url));
    page.script = Some("/assets/js/product.js");
    if let Some(price) = chosen.price {
        let amount = money::decimal(price, &ctx.currency);
        html::meta(
            &mut page.extra_head,
            "property",
            "product:price:amount",
            &amount,
        );
        html::meta(
            &mut page.extra_head,
            "property",
            "product:price:currency",
            &ctx.currency,
        );
    }
    page.json_ld.push(product_ld(
        ctx, &product, &views, selected, &canonical, brand,
    ));
    page.json_ld.push(html::breadcrumb_ld(ctx, &crumbs));
    page.main = main;
    Ok(Reply::page(html::render(ctx, &page)))
}

/// The pictures in a scroll-snapped strip; thumbnails link to each (`#image-n`). The first
/// loads at once (it is the largest element of the first screen), the others lazily.
fn gallery(h: &mut String, product: &Product) {
    h.push_str("<section class=\"gallery\" aria-label=\"Pictures\">\n");
    if product.images.is_empty() {
        h.push_str("<div class=\"gallery-empty\" role=\"img\" aria-label=\"No picture\"></div>\n</section>\n");
        return;
    }
    h.push_str("<ul class=\"gallery-track\" data-gallery>\n");
    for (k, image) in product.images.iter().enumerate() {
        let loading = if k == 0 {
            "fetchpriority=\"high\""
        } else {
            "loading=\"lazy\""
        };
        let _ = writeln!(
            h,
            "<li id=\"image-{}\"><img src=\"{}\" alt=\"{}\" width=\"{IMAGE_SIZE}\" height=\"{IMAGE_SIZE}\" {loading} decoding=\"async\"></li>",
            k + 1,
            esc(&image.url),
            esc(&image.alt)
        );
    }
    h.push_str("</ul>\n");
    if product.images.len() > 1 {
        h.push_str("<ul class=\"gallery-thumbs\">\n");
        let n = product.images.len();
        for (k, image) in product.images.iter().enumerate() {
            let _ = writeln!(
                h,
                "<li><a href=\"#image-{}\" aria-label=\"Picture {} of {n}: {}\"><img src=\"{}\" alt=\"\" width=\"72\" height=\"72\" loading=\"lazy\" decoding=\"async\"></a></li>",
                k + 1,
                k + 1,
                esc(&image.alt),
                esc(&image.url)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// The selected variant's price, compare-at price and availability; the script updates them.
fn price_block(h: &mut String, ctx: &Ctx, v: &View) {
    h.push_str("<div class=\"price-block\">\n<p class=\"price\">");
    let _ = write!(
        h,
        "<span class=\"price-now\" data-price>{}</span>",
        esc(&v
            .price
            .map(|p| money::display(p, &ctx.currency))
            .unwrap_or_default())
    );
    let _ = write!(
        h,
        " <s class=\"price-was\" data-compare-at{}><span class=\"visually-hidden\">Was </span><span data-compare-at-amount>{}</span></s>",
        if v.compare_at.is_some() {
            ""
        } else {
            " hidden"
        },
        esc(&v
            .compare_at
            .map(|p| money::display(p, &ctx.currency))
            .unwrap_or_default())
    );
    h.push_str("</p>\n");
    let _ = writeln!(
        h,
        "<p class=\"availability\" data-availability data-state=\"{}\">{}</p>\n</div>",
        v.stock.key(),
        esc(&v.stock.text(&ctx.currency))
    );
}

/// The variant's line in the `<select>`: "M / Navy – €29.95 – In stock".
fn variant_line(ctx: &Ctx, v: &View) -> String {
    let mut line = v.variant.title.clone();
    if let Some(price) = v.price {
        line.push_str(" – ");
        line.push_str(&money::display(price, &ctx.currency));
    }
    line.push_str(" – ");
    line.push_str(&v.stock.text(&ctx.currency));
    line
}

/// The option groups (for the script), the variant `<select>`, quantity and button.
fn buy_form(h: &mut String, ctx: &Ctx, product: &Product, views: &[View], selected: usize) {
    let chosen = &views[selected];
    // Without JavaScript the form goes to the cart page, which adds the variant; the
    // currency tells it which cart to open if there is none yet.
    let _ = writeln!(
        h,
        "<form class=\"buy\" method=\"get\" action=\"/cart\" data-add-to-cart>\n<input type=\"hidden\" name=\"currency\" value=\"{}\">",
        esc(&ctx.currency)
    );
    if views.len() > 1 {
        // One radio group per option, in the product's order; values in first-seen order.
        h.push_str("<div class=\"option-groups\" data-option-groups hidden>\n");
        for (k, option) in product.options.iter().enumerate() {
            let mut values: Vec<&str> = Vec::new();
            for v in views {
                if let Some(o) = v.variant.options.iter().find(|o| &o.option == option)
                    && !values.contains(&o.value.as_str())
                {
                    values.push(&o.value);
                }
            }
            let current = chosen
                .variant
                .options
                .iter()
                .find(|o| &o.option == option)
                .map(|o| o.value.as_str());
            let _ = writeln!(
                h,
                "<fieldset class=\"option-group\">\n<legend>{}</legend>\n<div class=\"swatches\">",
                esc(&html::capitalise(option))
            );
            for (j, value) in values.iter().enumerate() {
                let _ = writeln!(
                    h,
                    "<label class=\"swatch\" for=\"opt-{k}-{j}\"><input type=\"radio\" id=\"opt-{k}-{j}\" name=\"opt-{k}\" value=\"{}\" data-option=\"{}\"{}><span>{}</span></label>",
                    esc(value),
                    esc(option),
                    if current == Some(*value) {
                        " checked"
                    } else {
                        ""
                    },
                    esc(value)
                );
            }
            h.push_str("</div>\n</fieldset>\n");
        }
        h.push_str("</div>\n<div class=\"field\" data-variant-field>\n<label for=\"variant\">Variant</label>\n<select id=\"variant\" name=\"add\" data-variant-select>\n");
        for (k, v) in views.iter().enumerate() {
            let _ = writeln!(
                h,
                "<option value=\"{}\"{}{}>{}</option>",
                esc(&v.variant.id),
                if k == selected { " selected" } else { "" },
                if v.price.is_none() { " disabled" } else { "" },
                esc(&variant_line(ctx, v))
            );
        }
        h.push_str("</select>\n</div>\n");
    } else {
        let _ = writeln!(
            h,
            "<input type=\"hidden\" name=\"add\" value=\"{}\" data-variant-select>",
            esc(&chosen.variant.id)
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"field field-quantity\">\n<label for=\"quantity\">Quantity</label>\n\
         <input id=\"quantity\" name=\"quantity\" type=\"number\" inputmode=\"numeric\" min=\"1\" max=\"99\" value=\"1\" required>\n</div>\n\
         <button type=\"submit\" class=\"button button-primary\" data-add-button{}>Add to cart</button>\n\
         <p class=\"form-status\" role=\"status\" data-cart-status></p>\n</form>",
        if chosen.stock.purchasable() {
            ""
        } else {
            " disabled"
        }
    );
}

/// What the product script needs: every variant's options, prices and availability, already
/// formatted as the page shows them.
fn data_block(ctx: &Ctx, product: &Product, views: &[View], selected: usize) -> Value {
    let variants: Vec<Value> = views
        .iter()
        .map(|v| {
            let options: serde_json::Map<String, Value> = v
                .variant
                .options
                .iter()
                .map(|o| (o.option.clone(), Value::String(o.value.clone())))
                .collect();
            json!({
                "id": v.variant.id,
                "title": v.variant.title,
                "options": options,
                "price": v.price.map(|p| money::display(p, &ctx.currency)),
                "compare_at": v.compare_at.map(|p| money::display(p, &ctx.currency)),
                "state": v.stock.key(),
                "availability": v.stock.text(&ctx.currency),
                "purchasable": v.stock.purchasable(),
                "image": v.image.map(|k| format!("image-{}", k + 1)),
            })
        })
        .collect();
    json!({
        "product_id": product.id,
        "currency": ctx.currency,
        "options": product.options,
        "selected": views[selected].variant.id,
        "variants": variants,
    })
}

/// The JSON-LD `Product`: one `Offer` per variant priced in the shop's currency.
fn product_ld(
    ctx: &Ctx,
    product: &Product,
    views: &[View],
    selected: usize,
    canonical: &str,
    brand: Option<&str>,
) -> Value {
    let offers: Vec<Value> = views
        .iter()
        .filter_map(|v| {
            let price = v.price?;
            Some(json!({
                "@type": "Offer",
                "sku": v.variant.sku,
                "name": v.variant.title,
                "price": money::decimal(price, &ctx.currency),
                "priceCurrency": ctx.currency,
                "availability": v.stock.schema(),
                "itemCondition": "https://schema.org/NewCondition",
                "url": format!("{canonical}?variant={}", url::encode(&v.variant.id)),
            }))
        })
        .collect();
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": product.description,
        "url": canonical,
        "sku": views[selected].variant.sku,
        "image": product.images.iter().map(|i| ctx.absolute(&i.url)).collect::<Vec<_>>(),
    });
    if let Some(brand) = brand {
        ld["brand"] = json!({"@type": "Brand", "name": brand});
    }
    if !offers.is_empty() {
        ld["offers"] = Value::Array(offers);
    }
    ld
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_states() {
        use inventory::{StockLevel, StockStatus};
        let level = |available, status| StockLevel {
            variant_id: "var_1".into(),
            on_hand: available,
            reserved: 0,
            available,
            status,
        };
        assert_eq!(
            Availability::of(&level(10, StockStatus::InStock), true),
            Availability::InStock
        );
        assert_eq!(
            Availability::of(&level(5, StockStatus::LowStock), true),
            Availability::Low(5)
        );
        assert_eq!(
            Availability::of(&level(0, StockStatus::OutOfStock), true),
            Availability::OutOfStock
        );
        assert_eq!(
            Availability::of(&level(9, StockStatus::InStock), false),
            Availability::Unpriced
        );
        assert!(!Availability::OutOfStock.purchasable() && Availability::Low(1).purchasable());
        assert_eq!(Availability::Low(2).text("EUR"), "Only 2 left");
    }

    #[test]
    fn pictures_are_matched_by_whole_words() {
        let alt = words("Harbour Linen Shirt in dusty pink");
        assert!(mentions(&alt, "Dusty Pink"));
        assert!(!mentions(&alt, "M"));
        assert!(!mentions(&alt, "Pink Dusty"));
        assert!(!mentions(&alt, ""));
    }
}
