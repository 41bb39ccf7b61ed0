//! The server-rendered storefront (components/storefront) through the composed app: product
//! pages with their SEO tags and JSON-LD, escaping of hostile catalog text, category and
//! search listings with facets and keyset pages, the 404 page, sitemap.xml and robots.txt,
//! and the security headers on every response. Also the demo catalog's pictures.

use commerce_tests::catalog::{
    self, Attribute, Money, NewCategory, NewProduct, NewVariant, OptionValue, ProductStatus,
};
use commerce_tests::{TestApp, TestResponse, repo_root, spawn_app_with};
use serde_json::Value;

const STORE: &str = "https://shop.example";

/// The app with a fixed public URL, so canonical and Open Graph URLs are known.
fn app() -> TestApp {
    spawn_app_with(&[("store_url", STORE), ("store_name", "Test & Co")])
}

fn app_with(variables: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("store_url", STORE), ("store_name", "Test & Co")];
    all.extend_from_slice(variables);
    spawn_app_with(&all)
}

fn text(res: &TestResponse) -> String {
    String::from_utf8(res.body.to_vec()).expect("pages are UTF-8")
}

/// A variant with these option values, priced in EUR (and `was` as its compare-at price).
fn variant(sku: &str, options: &[(&str, &str)], eur: i64, was: Option<i64>) -> NewVariant {
    NewVariant {
        sku: sku.into(),
        title: options
            .iter()
            .map(|(_, v)| *v)
            .collect::<Vec<_>>()
            .join(" / "),
        options: options
            .iter()
            .map(|(o, v)| OptionValue {
                option: (*o).into(),
                value: (*v).into(),
            })
            .collect(),
        prices: vec![Money {
            amount: eur,
            currency: "EUR".into(),
        }],
        compare_at_prices: was
            .map(|amount| {
                vec![Money {
                    amount,
                    currency: "EUR".into(),
                }]
            })
            .unwrap_or_default(),
        weight_grams: Some(300),
        barcode: None,
    }
}

fn new_product(
    slug: &str,
    title: &str,
    variants: Vec<NewVariant>,
    categories: Vec<String>,
) -> NewProduct {
    NewProduct {
        slug: slug.into(),
        title: title.into(),
        description: format!("{title}: a sturdy thing, made to last."),
        status: ProductStatus::Published,
        images: vec![catalog::exports::commerce::catalog::catalog::Image {
            url: format!("/images/products/{slug}.svg"),
            alt: format!("{title}, front"),
        }],
        attributes: vec![Attribute {
            name: "brand".into(),
            value: "Fieldmark".into(),
        }],
        options: vec!["size".into()],
        variants,
        category_ids: categories,
    }
}

/// A product sold in one size (its SKU is its slug).
fn one_size(slug: &str, title: &str, eur: i64, categories: Vec<String>) -> NewProduct {
    new_product(
        slug,
        title,
        vec![variant(slug, &[("size", "M")], eur, None)],
        categories,
    )
}

async fn category(app: &TestApp, slug: &str, name: &str, parent: Option<String>) -> String {
    let mut c = app.catalog().await;
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_create_category(
            &mut c.lib.store,
            &NewCategory {
                slug: slug.into(),
                name: name.into(),
                parent,
                position: 0,
            },
        )
        .await
        .expect("no trap")
        .unwrap_or_else(|e| panic!("create-category refused: {e:?}"))
        .id
}

/// The content of `<meta {attr}="{name}" content="…">`, still HTML-escaped.
fn meta<'a>(page: &'a str, attr: &str, name: &str) -> Option<&'a str> {
    let start = page.find(&format!("<meta {attr}=\"{name}\" content=\""))?;
    let rest = &page[start..];
    let value = &rest[rest.find("content=\"")? + 9..];
    Some(&value[..value.find('"')?])
}

/// The `href` of `<link rel="{rel}" href="…">`.
fn link<'a>(page: &'a str, rel: &str) -> Option<&'a str> {
    let prefix = format!("<link rel=\"{rel}\" href=\"");
    let value = &page[page.find(&prefix)? + prefix.len()..];
    Some(&value[..value.find('"')?])
}

/// Every `<script type="application/ld+json">` block, parsed.
fn json_ld(page: &str) -> Vec<Value> {
    let open = "<script type=\"application/ld+json\">";
    page.match_indices(open)
        .map(|(at, _)| {
            let body = &page[at + open.len()..];
            let body = &body[..body.find("</script>").expect("the block ends")];
            serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON-LD parses ({e}): {body}"))
        })
        .collect()
}

fn of_type<'a>(docs: &'a [Value], ty: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["@type"] == ty)
        .unwrap_or_else(|| panic!("no {ty} in {docs:#?}"))
}

/// The `<main>` element's inner HTML.
fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("a main element");
    let start = start + page[start..].find('>').unwrap() + 1;
    &page[start..page.find("</main>").expect("main ends")]
}

/// Every response carries web-kit's security headers, and the policy allows no inline code.
fn assert_security_headers(res: &TestResponse, what: &str) {
    for (name, value) in web_kit::SECURITY_HEADERS {
        assert_eq!(
            res.headers.get(*name).and_then(|v| v.to_str().ok()),
            Some(*value),
            "{what}: header {name}"
        );
    }
    let csp = res.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

/// Units available of each of `variants`.
async fn stock(app: &TestApp, variants: &[(&str, i32)]) {
    let mut inventory = app.inventory().await;
    for (id, units) in variants {
        inventory.receive(id, *units).await;
    }
}

#[tokio::test]
async fn a_product_page_has_its_seo_tags_and_json_ld_offers_with_the_stock() {
    let app = app();
    let clothing = category(&app, "clothing", "Clothing", None).await;
    let shirts = category(&app, "shirts", "Shirts", Some(clothing)).await;
    let mut c = app.catalog().await;
    let product = c
        .create_product(new_product(
            "oxford-shirt",
            "Oxford Shirt",
            vec![
                variant("OX-S", &[("size", "S")], 4995, Some(5995)),
                variant("OX-M", &[("size", "M")], 5495, None),
                variant("OX-L", &[("size", "L")], 5495, None),
            ],
            vec![shirts],
        ))
        .await;
    let ids: Vec<&str> = product.variants.iter().map(|v| v.id.as_str()).collect();
    // S: plenty; M: two (low stock); L: none.
    stock(&app, &[(ids[0], 40), (ids[1], 2)]).await;

    let res = app.get("/products/oxford-shirt").await;
    assert_eq!(res.status, 200, "{}", text(&res));
    assert_eq!(res.content_type(), "text/html; charset=utf-8");
    assert_security_headers(&res, "product page");
    let page = text(&res);
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en\">"));
    assert!(
        page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(
        page.contains("<title>Oxford Shirt | Test &amp; Co</title>"),
        "{page}"
    );
    assert_eq!(
        meta(&page, "name", "description"),
        Some("Oxford Shirt: a sturdy thing, made to last.")
    );
    let canonical = format!("{STORE}/products/oxford-shirt");
    assert_eq!(link(&page, "canonical"), Some(canonical.as_str()));
    assert_eq!(meta(&page, "property", "og:type"), Some("product"));
    assert_eq!(
        meta(&page, "property", "og:title"),
        Some("Oxford Shirt | Test &amp; Co")
    );
    assert_eq!(meta(&page, "property", "og:url"), Some(canonical.as_str()));
    assert_eq!(
        meta(&page, "property", "og:image"),
        Some(format!("{STORE}/images/products/oxford-shirt.svg").as_str())
    );
    assert_eq!(
        meta(&page, "property", "og:site_name"),
        Some("Test &amp; Co")
    );
    // The first variant that can be bought is shown: S, on sale.
    assert_eq!(
        meta(&page, "property", "product:price:amount"),
        Some("49.95")
    );
    assert!(page.contains("<span class=\"price-now\" data-price>€49.95</span>"));
    assert!(page.contains("<span data-compare-at-amount>€59.95</span>"));

    let docs = json_ld(&page);
    let ld = of_type(&docs, "Product");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["name"], "Oxford Shirt");
    assert_eq!(ld["url"], canonical);
    assert_eq!(ld["brand"]["name"], "Fieldmark");
    assert_eq!(
        ld["image"][0],
        format!("{STORE}/images/products/oxford-shirt.svg")
    );
    let offers = ld["offers"].as_array().expect("offers");
    assert_eq!(offers.len(), 3);
    let expect = [
        ("OX-S", "49.95", "https://schema.org/InStock"),
        ("OX-M", "54.95", "https://schema.org/InStock"),
        ("OX-L", "54.95", "https://schema.org/OutOfStock"),
    ];
    for (offer, (sku, price, availability)) in offers.iter().zip(expect) {
        assert_eq!(offer["@type"], "Offer");
        assert_eq!(offer["sku"], sku);
        assert_eq!(offer["price"], price, "a decimal string of the minor units");
        assert_eq!(offer["priceCurrency"], "EUR");
        assert_eq!(offer["availability"], availability, "{sku}");
    }
    let crumbs = of_type(&docs, "BreadcrumbList")["itemListElement"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = crumbs.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Home", "Clothing", "Shirts", "Oxford Shirt"]);
    assert_eq!(
        crumbs[2]["item"],
        format!("{STORE}/categories/clothing/shirts")
    );
    assert_eq!(crumbs[3]["position"], 4);

    // The script's data: every variant with its availability, as the page words it.
    let data_at = page
        .find("<script type=\"application/json\" id=\"product-data\">")
        .unwrap();
    let data = &page[data_at..];
    let data: Value =
        serde_json::from_str(&data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()])
            .unwrap();
    let states: Vec<(&str, &str)> = data["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["state"].as_str().unwrap(),
                v["availability"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("in_stock", "In stock"),
            ("low_stock", "Only 2 left"),
            ("out_of_stock", "Sold out")
        ]
    );
    assert_eq!(data["selected"], ids[0]);

    // ?variant= selects another variant; a sold-out one cannot be added.
    let sold_out = text(
        &app.get(&format!("/products/oxford-shirt?variant={}", ids[2]))
            .await,
    );
    assert!(sold_out.contains("data-state=\"out_of_stock\">Sold out</p>"));
    assert!(sold_out.contains("data-add-button disabled>Add to cart</button>"));
    assert!(sold_out.contains(&format!("<option value=\"{}\" selected>", ids[2])));

    // Assets by the fingerprinted names the build gave them (the file server's manifest).
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("target/storefront/asset-manifest.json"))
            .expect("the build wrote the asset manifest"),
    )
    .unwrap();
    for asset in [
        "/assets/css/site.css",
        "/assets/js/product.js",
        "/assets/js/api.js",
    ] {
        let built = manifest[asset].as_str().expect("in the manifest");
        assert_ne!(built, asset);
        assert!(
            page.contains(&format!("=\"{built}\"")),
            "{asset} as {built}"
        );
    }

    // Revalidation: the same page answers 304 to its ETag.
    let etag = res.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(res.headers["cache-control"], "no-cache");
    let again = app
        .get_with("/products/oxford-shirt", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_security_headers(&again, "304");
}

#[tokio::test]
async fn hostile_catalog_text_is_escaped_everywhere_including_json_ld() {
    let app = app();
    let evil = "<script>alert(1)</script>";
    let quoted = "Quote \" apostrophe ' & <b>bold</b>";
    let cat = category(&app, "tricks", "Tricks \"&<i>", None).await;
    let mut p = new_product(
        "evil-product",
        evil,
        vec![
            variant("EV-1", &[("size", quoted)], 1000, None),
            variant("EV-2", &[("size", "M")], 1200, None),
        ],
        vec![cat],
    );
    p.description = format!("{quoted} {evil}");
    p.images[0].alt = format!("{evil}\"><img src=x onerror=alert(2)>");
    p.attributes = vec![Attribute {
        name: "brand".into(),
        value: quoted.into(),
    }];
    app.catalog().await.create_product(p).await;

    let pages = [
        "/products/evil-product",
        "/categories/tricks",
        "/search?q=alert",
        "/",
    ];
    for path in pages {
        let res = app.get(path).await;
        assert_eq!(res.status, 200, "{path}");
        let page = text(&res);
        assert!(!page.contains(evil), "{path} has the raw title:\n{page}");
        assert!(!page.contains("<b>bold</b>"), "{path}");
        assert!(!page.contains("onerror=alert(2)>"), "{path}");
        assert!(!page.contains("<i>"), "{path}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path} shows the title as text"
        );
        // The only script elements are the page's own: the module and the data blocks.
        let scripts = page.matches("<script").count();
        let ours = page
            .matches("<script type=\"module\" src=\"/assets/js/")
            .count()
            + page
                .matches("<script type=\"application/ld+json\">")
                .count()
            + page
                .matches("<script type=\"application/json\" id=\"product-data\">")
                .count();
        assert_eq!(scripts, ours, "{path}");
        for doc in json_ld(&page) {
            let raw = doc.to_string();
            if path == "/products/evil-product" && doc["@type"] == "Product" {
                // The data survives exactly; only its encoding in the page changed.
                assert_eq!(doc["name"], evil);
                assert!(doc["description"].as_str().unwrap().contains(quoted));
            }
            assert!(!raw.is_empty());
        }
    }
    let page = text(&app.get("/products/evil-product").await);
    // In attributes: quotes and ampersands cannot end the value.
    assert_eq!(
        meta(&page, "property", "og:title"),
        Some("&lt;script&gt;alert(1)&lt;/script&gt; | Test &amp; Co")
    );
    assert!(page.contains("value=\"Quote &quot; apostrophe &#39; &amp; &lt;b&gt;bold&lt;/b&gt;\""));
    assert!(page.contains(
        "alt=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\""
    ));
    // Inside the JSON-LD and data blocks `<` never appears, so no text can close them.
    let blocks: Vec<&str> = page
        .split("<script type=\"application/")
        .skip(1)
        .map(|block| &block[block.find('>').unwrap() + 1..block.find("</script>").unwrap()])
        .collect();
    assert_eq!(
        blocks.len(),
        3,
        "Product, BreadcrumbList, the variants' data"
    );
    for body in &blocks {
        assert!(!body.contains('<') && !body.contains('>'), "{body}");
    }
    assert!(blocks[0].contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
    assert!(
        blocks[2].contains("Quote \\\" apostrophe ' \\u0026 \\u003cb\\u003e"),
        "{}",
        blocks[2]
    );
}

#[tokio::test]
async fn a_category_page_lists_products_with_facets_sort_and_keyset_pages() {
    let app = app();
    let gear = category(&app, "gear", "Gear", None).await;
    let packs = category(&app, "packs", "Packs", Some(gear.clone())).await;
    let mut c = app.catalog().await;
    for i in 0..30 {
        let sizes: &[&str] = if i % 3 == 0 { &["S", "M"] } else { &["L"] };
        let mut p = new_product(
            &format!("pack-{i:02}"),
            &format!("Pack {i:02}"),
            sizes
                .iter()
                .map(|s| variant(&format!("PK-{i}-{s}"), &[("size", s)], 2000 + i * 100, None))
                .collect(),
            vec![packs.clone()],
        );
        if i % 2 == 0 {
            p.attributes[0].value = "Summit Line".into();
        }
        c.create_product(p).await;
    }
    c.create_product(one_size("lamp", "Lamp", 900, vec![]))
        .await;

    let res = app.get("/categories/gear").await;
    assert_eq!(res.status, 200);
    assert_security_headers(&res, "category page");
    let page = text(&res);
    assert!(page.contains("<title>Gear | Test &amp; Co</title>"));
    assert!(page.contains("<h1>Gear</h1>"));
    assert!(page.contains("<p class=\"result-count\">30 products</p>"));
    assert_eq!(
        page.matches("<li class=\"card\">").count(),
        24,
        "a page of 24"
    );
    assert!(page.contains("href=\"/products/pack-29\""), "newest first");
    assert!(
        !page.contains("href=\"/products/lamp\""),
        "only the category's products"
    );
    assert_eq!(
        link(&page, "canonical"),
        Some(format!("{STORE}/categories/gear").as_str())
    );
    // Facets: the sub-category, brands and sizes with their counts.
    assert!(page.contains(
        "<a href=\"/categories/gear/packs\">Packs <span class=\"count\">(30)</span></a>"
    ));
    assert!(page.contains("name=\"brand\" value=\"Summit Line\"><label for=\"f0-"));
    assert!(page.contains(">Summit Line <span class=\"count\">(15)</span></label>"));
    assert!(page.contains(">Fieldmark <span class=\"count\">(15)</span></label>"));
    assert!(
        page.contains(">L <span class=\"count\">(20)</span>"),
        "{page}"
    );
    assert!(page.contains(">S <span class=\"count\">(10)</span>"));
    assert!(page.contains("<select id=\"sort\" name=\"sort\">"));
    let crumbs = json_ld(&page);
    assert_eq!(
        of_type(&crumbs, "BreadcrumbList")["itemListElement"][0]["name"],
        "Home"
    );

    // Page 2 through rel=next; it links back with rel=prev and holds the other 6.
    let next = link(&page, "next")
        .expect("a next page")
        .replace("&amp;", "&");
    let next_path = next.strip_prefix(STORE).expect("absolute");
    let page2 = text(&app.get(next_path).await);
    assert_eq!(page2.matches("<li class=\"card\">").count(), 6);
    assert!(page2.contains("href=\"/products/pack-00\""));
    assert!(link(&page2, "next").is_none());
    assert_eq!(
        link(&page2, "prev"),
        Some(format!("{STORE}/categories/gear").as_str())
    );
    assert!(page2.contains("<title>Gear – page 2 | Test &amp; Co</title>"));
    assert!(page2.contains("<a rel=\"prev\" href=\"/categories/gear\">Previous page</a>"));

    // A filter: the query narrows the listing and the page is a variation (noindex).
    let filtered = text(
        &app.get("/categories/gear?option.size=S&brand=Summit+Line&sort=price_desc")
            .await,
    );
    assert!(
        filtered.contains("<p class=\"result-count\">5 products</p>"),
        "{filtered}"
    );
    assert!(filtered.contains("<meta name=\"robots\" content=\"noindex, follow\">"));
    assert!(filtered.contains("<option value=\"price_desc\" selected>"));
    let first = filtered.find("href=\"/products/pack-24\"").unwrap();
    let last = filtered.find("href=\"/products/pack-00\"").unwrap();
    assert!(first < last, "dearest first");
    assert!(filtered.contains("value=\"S\" checked>"));

    // A stale cursor starts again from the first page.
    let stale = app.get("/categories/gear?after=bm90LWEtY3Vyc29y").await;
    assert_eq!(stale.status, 303);
    assert_eq!(stale.headers["location"], "/categories/gear");

    assert_eq!(app.get("/categories/nowhere").await.status, 404);
}

#[tokio::test]
async fn the_search_page_lists_matches_and_is_not_indexed() {
    let app = app();
    let mut c = app.catalog().await;
    c.create_product(one_size("linen-shirt", "Linen Shirt", 3000, vec![]))
        .await;
    c.create_product(one_size("wool-hat", "Wool Hat", 2000, vec![]))
        .await;

    let res = app.get("/search?q=linen").await;
    assert_eq!(res.status, 200);
    assert_security_headers(&res, "search page");
    let page = text(&res);
    assert!(page.contains("Search results for “linen”"));
    assert!(page.contains("href=\"/products/linen-shirt\""));
    assert!(!page.contains("href=\"/products/wool-hat\""));
    assert!(page.contains("<meta name=\"robots\" content=\"noindex, follow\">"));
    assert!(page.contains("id=\"site-search\" type=\"search\" name=\"q\" value=\"linen\""));
    assert_eq!(
        link(&page, "canonical"),
        Some(format!("{STORE}/search?q=linen").as_str())
    );

    let none = text(&app.get("/search?q=zebra").await);
    assert!(none.contains("<p class=\"result-count\">0 products</p>"));
    assert!(none.contains("No products match."));

    let empty = app.get("/search?q=").await;
    assert_eq!(empty.status, 302);
    assert_eq!(empty.headers["location"], "/products");
    let all = text(&app.get("/products").await);
    assert!(
        all.contains("<h1>All products</h1>")
            && all.contains("<p class=\"result-count\">2 products</p>")
    );
}

#[tokio::test]
async fn unknown_pages_get_the_storefront_404_page() {
    let app = app();
    let reference = text(&app.get("/no/such/page").await);
    for path in [
        "/products/no-such-thing",
        "/categories/no/such/path",
        "/products/a/b",
        "/missing.css",
        "/404.html",
        "/asset-manifest.json",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(res.content_type(), "text/html; charset=utf-8");
        assert_security_headers(&res, path);
        let page = text(&res);
        assert!(page.contains("<h1>Page not found</h1>"));
        assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert_eq!(
            main_of(&page),
            main_of(&reference),
            "{path}: every unknown page gets the same 404 page"
        );
        assert!(page.contains("<title>Page not found | Test &amp; Co</title>"));
    }
    // One URL per page: a trailing slash redirects.
    let slash = app.get("/categories/x/").await;
    assert_eq!(slash.status, 301);
    assert_eq!(slash.headers["location"], "/categories/x");
    // Pages are read-only.
    let post = app
        .request(
            http::Request::post("/products/x")
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    assert_security_headers(&post, "405");
}

#[tokio::test]
async fn the_cart_checkout_order_and_404_pages_carry_the_shops_name_escaped() {
    let name = "<script>alert(1)</script> & Sons";
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons";
    let app = app_with(&[("store_name", name)]);
    category(&app, "tools", "Tools", None).await;
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("target/storefront/asset-manifest.json"))
            .unwrap(),
    )
    .unwrap();
    let asset = |source: &str| manifest[source].as_str().unwrap_or(source).to_owned();
    for (path, status, title, module, root) in [
        ("/cart", 200, "Your cart", "cart.js", "data-cart-root"),
        (
            "/checkout",
            200,
            "Checkout",
            "checkout.js",
            "data-checkout-form",
        ),
        (
            "/checkout?resume=1",
            200,
            "Checkout",
            "checkout.js",
            "data-checkout-form",
        ),
        ("/order", 200, "Order status", "order.js", "data-order-root"),
        (
            "/order?number=7&token=x",
            200,
            "Order status",
            "order.js",
            "data-lookup",
        ),
        (
            "/no/such/page",
            404,
            "Page not found",
            "site.js",
            "not-found-search",
        ),
        (
            "/favicon.ico",
            404,
            "Page not found",
            "site.js",
            "not-found-search",
        ),
        (
            "/products/nope",
            404,
            "Page not found",
            "site.js",
            "not-found-search",
        ),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, status, "{path}");
        assert_eq!(res.content_type(), "text/html; charset=utf-8", "{path}");
        assert_eq!(res.headers["cache-control"], "no-cache", "{path}");
        assert_security_headers(&res, path);
        let page = text(&res);
        assert!(
            page.contains(&format!("<title>{title} | {escaped}</title>")),
            "{path}: the title names the shop: {page}"
        );
        assert!(
            page.contains(&format!("<a class=\"brand\" href=\"/\">{escaped}</a>")),
            "{path}: the header names the shop"
        );
        assert_eq!(meta(&page, "property", "og:site_name"), Some(escaped));
        assert!(!page.contains("<script>alert(1)"), "{path}: escaped");
        assert!(!page.contains("spin-commerce"), "{path}: no fixed name");
        assert!(page.contains(root), "{path}: the page's own markup");
        assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
        // The same shell as every page: categories, footer, the fingerprinted module.
        assert!(
            page.contains("<a href=\"/categories/tools\">Tools</a>"),
            "{path}"
        );
        assert!(page.contains("<footer class=\"site-footer\">"), "{path}");
        let src = asset(&format!("/assets/js/{module}"));
        assert!(
            page.contains(&format!("<script type=\"module\" src=\"{src}\"></script>")),
            "{path}: loads {src}"
        );
        // No inline code: every script element names a file or holds JSON.
        for (at, _) in page.match_indices("<script") {
            let tag = &page[at..at + page[at..].find('>').unwrap()];
            assert!(
                tag.contains(" src=\"") || tag.contains("type=\"application/ld+json\""),
                "{path}: inline script {tag}"
            );
        }
        assert!(!page.contains("<style"), "{path}: no inline style");
        // Every asset the page names is served.
        for (at, _) in page.match_indices("\"/assets/") {
            let url = &page[at + 1..at + 1 + page[at + 1..].find('"').unwrap()];
            assert_eq!(app.get(url).await.status, 200, "{path} names {url}");
        }
    }
    // The checkout also preloads what its module imports.
    let checkout = text(&app.get("/checkout").await);
    for module in ["api.js", "site.js", "countries.js", "totals.js"] {
        let href = asset(&format!("/assets/js/{module}"));
        assert!(
            checkout.contains(&format!("<link rel=\"modulepreload\" href=\"{href}\">")),
            "preloads {href}"
        );
    }
    // The old file names of these pages redirect, query and all.
    for (old, to) in [
        ("/cart.html", "/cart"),
        ("/checkout.html?resume=1", "/checkout?resume=1"),
        ("/order.html?number=7&token=x", "/order?number=7&token=x"),
    ] {
        let res = app.get(old).await;
        assert_eq!(res.status, 301, "{old}");
        assert_eq!(res.headers["location"], to, "{old}");
    }
}

#[tokio::test]
async fn the_account_pages_are_one_document_for_everyone_with_no_customer_data() {
    let app = app();
    category(&app, "tools", "Tools", None).await;
    // A signed-in shopper with the session in the cookie, as the pages sign in.
    let email = "ana.private@example.com";
    let body = serde_json::json!({ "email": email, "password": "correct horse battery", "name": "Ana Private" });
    let r = app
        .send("POST", "/api/account/register", &[], Some(&body))
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let body = serde_json::json!({ "email": email, "password": "correct horse battery", "session": "cookie" });
    let r = app
        .send("POST", "/api/account/sign-in", &[], Some(&body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let set_cookie = r.headers["set-cookie"].to_str().unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-session=stk_"), "{set_cookie}");
    let token = &cookie["__Host-session=".len()..];

    for (path, title, form) in [
        ("/account/sign-in", "Sign in", "data-form=\"sign-in\""),
        (
            "/account/sign-in?next=%2Fcart",
            "Sign in",
            "data-form=\"sign-in\"",
        ),
        (
            "/account/register",
            "Create an account",
            "data-form=\"register\"",
        ),
        ("/account", "Your account", "data-form=\"profile\""),
        (
            "/account/password-reset",
            "Reset your password",
            "data-form=\"password-reset\"",
        ),
        (
            "/account/password-reset/confirm?token=prt_secret123",
            "Set a new password",
            "data-form=\"password-reset-confirm\"",
        ),
        (
            "/account/verify?token=vft_secret123",
            "Confirm your email",
            "data-account=\"verify\"",
        ),
    ] {
        let anonymous = app.get(path).await;
        let signed_in = app.get_with(path, &[("cookie", &cookie)]).await;
        for res in [&anonymous, &signed_in] {
            assert_eq!(res.status, 200, "{path}");
            assert_eq!(res.content_type(), "text/html; charset=utf-8", "{path}");
            assert_eq!(res.headers["cache-control"], "no-cache", "{path}");
            assert!(res.headers.get("set-cookie").is_none(), "{path}");
            assert!(
                res.headers
                    .get("vary")
                    .is_none_or(|v| v == "accept-encoding"),
                "{path}"
            );
            assert_security_headers(res, path);
        }
        // The same bytes and the same tag whoever asks: the server reads no cookie, so a
        // cache can hold the page and it holds nobody's data.
        assert_eq!(anonymous.body, signed_in.body, "{path}");
        assert_eq!(
            anonymous.headers["etag"], signed_in.headers["etag"],
            "{path}"
        );
        let page = text(&signed_in);
        for private in [email, "Ana Private", token, "secret123"] {
            assert!(!page.contains(private), "{path} shows {private}");
        }
        assert!(
            page.contains(&format!("<title>{title} | Test &amp; Co</title>")),
            "{path}"
        );
        assert!(
            page.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{path}"
        );
        assert!(page.contains(form), "{path}: the page's own markup");
        assert!(
            page.contains("/assets/js/account"),
            "{path}: loads account.js"
        );
        assert!(
            page.contains("<a href=\"/categories/tools\">Tools</a>"),
            "{path}"
        );
        // The header offers "Sign in"; the module turns it into "Account" when signed in.
        assert!(
            page.contains(
                "<a class=\"account-link\" href=\"/account/sign-in\" data-account-link>Sign in</a>"
            ),
            "{path}"
        );
        // Every password field says what a password manager should offer.
        for (at, _) in page.match_indices("type=\"password\"") {
            let tag = &page[at..at + page[at..].find('>').unwrap()];
            assert!(
                tag.contains("autocomplete=\"current-password\"")
                    || tag.contains("autocomplete=\"new-password\""),
                "{path}: {tag}"
            );
        }
        for (at, _) in page.match_indices("type=\"email\"") {
            let tag = &page[at..at + page[at..].find('>').unwrap()];
            assert!(tag.contains("autocomplete=\""), "{path}: {tag}");
        }
        let revalidated = app
            .get_with(
                path,
                &[("if-none-match", anonymous.headers["etag"].to_str().unwrap())],
            )
            .await;
        assert_eq!(revalidated.status, 304, "{path}");
        // Only GET and HEAD: a form posted without its module is refused, not taken.
        let posted = app.send("POST", path, &[], None).await;
        assert_eq!(posted.status, 405, "{path}");
    }
    // Every other path under /account is the 404 page.
    let res = app.get("/account/nope").await;
    assert_eq!(res.status, 404);
    assert!(text(&res).contains("not-found-search"));
}

/// The `<loc>`s of a sitemap or sitemap index, checked to be well-formed XML of `root`.
fn locs(xml: &str, root: &str) -> Vec<String> {
    let doc =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("well-formed XML ({e}): {xml}"));
    assert_eq!(doc.root_element().tag_name().name(), root);
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    doc.descendants()
        .filter(|n| n.has_tag_name(("http://www.sitemaps.org/schemas/sitemap/0.9", "loc")))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_sitemap_lists_published_products_and_categories_only() {
    let app = app();
    let cat = category(&app, "tools", "Tools & more", None).await;
    let mut c = app.catalog().await;
    for (slug, status) in [
        ("spade", ProductStatus::Published),
        ("rake", ProductStatus::Published),
        ("secret-draft", ProductStatus::Draft),
        ("old-hoe", ProductStatus::Archived),
    ] {
        let mut p = one_size(slug, slug, 1500, vec![cat.clone()]);
        p.status = status;
        c.create_product(p).await;
    }

    let res = app.get("/sitemap.xml").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.content_type(), "application/xml; charset=utf-8");
    assert_security_headers(&res, "sitemap");
    let urls = locs(&text(&res), "urlset");
    let expected: Vec<String> = [
        "/",
        "/products",
        "/categories/tools",
        "/products/rake",
        "/products/spade",
    ]
    .iter()
    .map(|p| format!("{STORE}{p}"))
    .collect();
    let mut sorted = urls.clone();
    sorted.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want, "drafts and archived products are not listed");

    let robots = app.get("/robots.txt").await;
    assert_eq!(robots.status, 200);
    assert_eq!(robots.content_type(), "text/plain; charset=utf-8");
    assert_security_headers(&robots, "robots.txt");
    let robots = text(&robots);
    assert!(robots.starts_with("User-agent: *\n"));
    assert!(robots.contains("\nDisallow: /api/\n") && robots.contains("\nDisallow: /checkout\n"));
    assert!(robots.contains(&format!("\nSitemap: {STORE}/sitemap.xml\n")));
}

#[tokio::test]
async fn a_large_catalog_gets_a_sitemap_index_whose_files_cover_every_product() {
    // Three URLs per file: two categories, home and all-products make four page URLs
    // already, so this needs an index.
    let app = app_with(&[("sitemap_max_urls", "3")]);
    let cat = category(&app, "a", "A", None).await;
    category(&app, "b", "B", None).await;
    let mut c = app.catalog().await;
    for i in 0..8 {
        let slug = format!("item-{i}");
        c.create_product(one_size(&slug, &slug, 100, vec![cat.clone()]))
            .await;
    }
    let mut draft = one_size("hidden", "hidden", 100, vec![]);
    draft.status = ProductStatus::Draft;
    c.create_product(draft).await;

    let index = locs(&text(&app.get("/sitemap.xml").await), "sitemapindex");
    assert_eq!(
        index[..2],
        [
            format!("{STORE}/sitemap.xml?part=pages"),
            format!("{STORE}/sitemap.xml?part=pages&from=3")
        ]
    );
    assert_eq!(
        index.len(),
        2 + 3,
        "4 page URLs in files of 3, then 8 products in files of 3: {index:?}"
    );
    let mut products = Vec::new();
    let mut pages = Vec::new();
    for part in &index {
        let path = part.strip_prefix(STORE).unwrap();
        let res = app.get(path).await;
        assert_eq!(res.status, 200, "{path}");
        let urls = locs(&text(&res), "urlset");
        assert!(
            (1..=3).contains(&urls.len()),
            "{path}: at most sitemap_max_urls URLs: {urls:?}"
        );
        if path.contains("part=pages") {
            pages.extend(urls);
        } else {
            products.extend(urls);
        }
    }
    pages.sort();
    assert_eq!(
        pages,
        [
            format!("{STORE}/"),
            format!("{STORE}/categories/a"),
            format!("{STORE}/categories/b"),
            format!("{STORE}/products"),
        ],
        "every page once, in some file"
    );
    products.sort();
    let want: Vec<String> = (0..8)
        .map(|i| format!("{STORE}/products/item-{i}"))
        .collect();
    assert_eq!(products, want, "every published product once, in some file");
    // Only the offsets the index names are files.
    for from in ["0", "1", "6", "-3", "x"] {
        let path = format!("/sitemap.xml?part=pages&from={from}");
        assert_eq!(app.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(
        app.get("/sitemap.xml?part=products&after=bogus")
            .await
            .status,
        404
    );
    assert_eq!(app.get("/sitemap.xml?part=nothing").await.status, 404);
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = app();
    let mut c = app.catalog().await;
    c.create_product(one_size("thing", "Thing", 100, vec![]))
        .await;
    for path in [
        "/",
        "/products",
        "/products/thing",
        "/search?q=thing",
        "/sitemap.xml",
        "/robots.txt",
        "/products/missing",
        "/search",
    ] {
        let res = app.get(path).await;
        assert_security_headers(&res, path);
    }
    // The home page names the shop and links the categories' pages and the search.
    let home = text(&app.get("/").await);
    assert!(home.contains("<title>Test &amp; Co</title>"));
    assert!(home.contains("<h2 id=\"new-title\">New arrivals</h2>"));
    assert!(home.contains("href=\"/products/thing\""));
    let site = of_type(&json_ld(&home), "WebSite").clone();
    assert_eq!(
        site["potentialAction"]["target"]["urlTemplate"],
        format!("{STORE}/search?q={{search_term_string}}")
    );
}

#[tokio::test]
async fn pages_are_gzipped_for_clients_that_take_it() {
    use std::io::Read;
    let app = app();
    app.catalog()
        .await
        .create_product(one_size("thing", "Thing", 100, vec![]))
        .await;
    let plain = app.get("/products/thing").await;
    assert!(plain.headers.get("content-encoding").is_none());
    assert_eq!(plain.headers["vary"], "accept-encoding");
    let zipped = app
        .get_with(
            "/products/thing",
            &[("accept-encoding", "br;q=1, gzip;q=0.8")],
        )
        .await;
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.headers["content-encoding"], "gzip");
    assert_eq!(zipped.headers["vary"], "accept-encoding");
    assert_security_headers(&zipped, "gzipped page");
    let mut page = Vec::new();
    flate2::read::GzDecoder::new(zipped.body.as_ref())
        .read_to_end(&mut page)
        .unwrap();
    assert_eq!(page, plain.body.to_vec(), "the same page");
    assert!(zipped.body.len() * 2 < plain.body.len());
    // Each encoding has its own entity tag, and revalidates against it.
    let tag = zipped.headers["etag"].to_str().unwrap().to_owned();
    assert_ne!(tag, plain.headers["etag"].to_str().unwrap());
    let again = app
        .get_with(
            "/products/thing",
            &[("accept-encoding", "gzip"), ("if-none-match", &tag)],
        )
        .await;
    assert_eq!(again.status, 304);
    // gzip;q=0 is a refusal.
    let refused = app
        .get_with("/products/thing", &[("accept-encoding", "gzip;q=0")])
        .await;
    assert!(refused.headers.get("content-encoding").is_none());
}

#[test]
fn the_demo_catalog_pictures_are_the_generated_ones() {
    let dir = repo_root().join("static/images/products");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let generated = catalog_gen::art::images();
    let names: Vec<String> = generated.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        on_disk, names,
        "static/images/products is stale: run `cargo run -p catalog-gen -- --images static/images`"
    );
    for (name, svg) in &generated {
        assert_eq!(
            &std::fs::read_to_string(dir.join(name)).unwrap(),
            svg,
            "{name}"
        );
    }
    // Every picture the demo catalog points at exists.
    let demo = std::fs::read_to_string(repo_root().join("data/demo-catalog.jsonl")).unwrap();
    let mut pointed = 0;
    for line in demo.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for image in v["images"].as_array().into_iter().flatten() {
            let url = image["url"].as_str().unwrap();
            let name = url
                .strip_prefix("/images/products/")
                .expect("under /images/products/");
            assert!(names.iter().any(|n| n == name), "{url} is not drawn");
            pointed += 1;
        }
    }
    assert!(pointed > 500, "{pointed}");
}
