//! Component tests of the catalog's listings at its WIT boundary: full-text search (ranking,
//! prefixes, typos, syntax treated as text), filters, orders, keyset pages under concurrent
//! inserts for every order, and facets that agree with the filtered result.

use commerce_tests::catalog::{
    Attribute, Error, Money, NewCollection, NewProduct, NewVariant, OptionValue, PriceRange,
    ProductQuery, ProductStatus, SortOrder, everything,
};
use commerce_tests::{CatalogHandle, page, spawn_app};
use std::collections::HashSet;

type Variants<'a> = &'a [(&'a [(&'a str, &'a str)], i64, Option<i64>)];

/// A published product; each variant is (option values, EUR cents, USD cents).
fn item(
    slug: &str,
    title: &str,
    description: &str,
    attributes: &[(&str, &str)],
    variants: Variants<'_>,
    categories: &[&str],
) -> NewProduct {
    let options: Vec<String> = variants
        .first()
        .map(|(o, _, _)| o.iter().map(|(n, _)| (*n).to_owned()).collect())
        .unwrap_or_default();
    NewProduct {
        slug: slug.into(),
        title: title.into(),
        description: description.into(),
        status: ProductStatus::Published,
        images: vec![],
        attributes: attributes
            .iter()
            .map(|(n, v)| Attribute {
                name: (*n).into(),
                value: (*v).into(),
            })
            .collect(),
        options,
        variants: variants
            .iter()
            .enumerate()
            .map(|(k, (opts, eur, usd))| NewVariant {
                sku: format!("{slug}-{k}").to_uppercase(),
                title: format!("Variant {k}"),
                options: opts
                    .iter()
                    .map(|(n, v)| OptionValue {
                        option: (*n).into(),
                        value: (*v).into(),
                    })
                    .collect(),
                prices: std::iter::once(Money {
                    amount: *eur,
                    currency: "EUR".into(),
                })
                .chain(usd.map(|amount| Money {
                    amount,
                    currency: "USD".into(),
                }))
                .collect(),
                compare_at_prices: vec![],
                weight_grams: None,
                barcode: None,
            })
            .collect(),
        category_ids: categories.iter().map(|c| (*c).to_owned()).collect(),
    }
}

struct Shop {
    clothing: String,
    shirts: String,
    hats: String,
    kitchen: String,
}

/// Five published products in a small tree, and a draft.
async fn shop(c: &mut CatalogHandle) -> Shop {
    let clothing = c.create_category("clothing", None).await.id;
    let shirts = c.create_category("shirts", Some(clothing.clone())).await.id;
    let hats = c.create_category("hats", Some(clothing.clone())).await.id;
    let kitchen = c.create_category("kitchen", None).await.id;
    c.create_product(item(
        "linen-shirt",
        "Linen Shirt",
        "Breathable summer shirt.",
        &[("brand", "Acme"), ("material", "linen")],
        &[
            (&[("size", "S"), ("colour", "white")], 4900, Some(5500)),
            (&[("size", "M"), ("colour", "white")], 4900, Some(5500)),
            (&[("size", "L"), ("colour", "blue")], 5900, Some(6500)),
        ],
        &[&shirts],
    ))
    .await;
    c.create_product(item(
        "oxford-shirt",
        "Oxford Shirt",
        "A classic cotton shirt, black or white.",
        &[("brand", "Bolt")],
        &[
            (&[("size", "S"), ("colour", "black")], 3900, Some(4200)),
            (&[("size", "M"), ("colour", "white")], 4500, Some(4900)),
        ],
        &[&shirts],
    ))
    .await;
    c.create_product(item(
        "wool-hat",
        "Wool Hat",
        "Warm hat for the winter.",
        &[("brand", "ACME")],
        &[(&[("size", "M"), ("colour", "grey")], 2500, Some(2900))],
        &[&hats],
    ))
    .await;
    c.create_product(item(
        "chef-knife",
        "Chef Knife",
        "Sharp steel; slices linen-thin tomatoes.",
        &[("brand", "Cutter")],
        &[(&[], 8900, None)],
        &[&kitchen],
    ))
    .await;
    c.create_product(item(
        "kitchen-apron",
        "Apron",
        "Keeps stains off.",
        &[("brand", "Acme"), ("material", "linen")],
        &[(&[], 1900, Some(2100))],
        &[&kitchen],
    ))
    .await;
    let mut draft = item(
        "linen-draft",
        "Linen Secret",
        "Not yet.",
        &[],
        &[(&[], 100, None)],
        &[&shirts],
    );
    draft.status = ProductStatus::Draft;
    c.create_product(draft).await;
    Shop {
        clothing,
        shirts,
        hats,
        kitchen,
    }
}

fn text(q: &str) -> ProductQuery {
    ProductQuery {
        text: Some(q.into()),
        ..everything()
    }
}

async fn slugs(c: &mut CatalogHandle, q: &ProductQuery) -> Vec<String> {
    c.all_slugs(q, 100).await
}

async fn sorted_slugs(c: &mut CatalogHandle, q: &ProductQuery) -> Vec<String> {
    let mut s = slugs(c, q).await;
    s.sort();
    s
}

#[tokio::test]
async fn text_ranks_title_then_attribute_then_description_matches() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    shop(&mut c).await;
    // Title + attribute, attribute only, description only; never the draft.
    assert_eq!(
        slugs(&mut c, &text("linen")).await,
        ["linen-shirt", "kitchen-apron", "chef-knife"]
    );
    // Diacritics and case do not matter.
    assert_eq!(
        slugs(&mut c, &text("LÏNEN")).await,
        ["linen-shirt", "kitchen-apron", "chef-knife"]
    );
    // Every word must match; the last one as a prefix.
    assert_eq!(slugs(&mut c, &text("shirt lin")).await, ["linen-shirt"]);
    assert_eq!(
        slugs(&mut c, &text("lin")).await,
        ["linen-shirt", "kitchen-apron", "chef-knife"]
    );
    // Words that are not the last are whole words, not prefixes.
    assert!(slugs(&mut c, &text("lin shirt")).await.is_empty());
    // Option values are searchable too.
    assert_eq!(slugs(&mut c, &text("grey")).await, ["wool-hat"]);
}

#[tokio::test]
async fn the_last_word_matches_with_one_typo_when_nothing_matches_exactly() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    shop(&mut c).await;
    let linen = ["chef-knife", "kitchen-apron", "linen-shirt"];
    // Insertion, deletion, substitution, transposition.
    for typo in ["linnen", "lnen", "linan", "lnien"] {
        assert_eq!(sorted_slugs(&mut c, &text(typo)).await, linen, "{typo}");
    }
    assert_eq!(
        sorted_slugs(&mut c, &text("shrt")).await,
        ["linen-shirt", "oxford-shirt"]
    );
    // A word still being typed, with a typo: "oxfr" is one edit from "oxfor", which
    // starts "oxford".
    assert_eq!(slugs(&mut c, &text("oxfr")).await, ["oxford-shirt"]);
    // Earlier words stay exact.
    assert_eq!(slugs(&mut c, &text("summer shrt")).await, ["linen-shirt"]);
    // Two typos, or nothing close: nothing.
    assert!(slugs(&mut c, &text("lnnenn")).await.is_empty());
    assert!(slugs(&mut c, &text("zzqqx")).await.is_empty());
    // An exact match wins over corrections: "hat" does not also find "hats"-like typos.
    assert_eq!(slugs(&mut c, &text("hat")).await, ["wool-hat"]);
    // Paging a corrected search keeps correcting.
    assert_eq!(
        {
            let mut s = c.all_slugs(&text("linnen"), 1).await;
            s.sort();
            s
        },
        linen
    );
}

#[tokio::test]
async fn query_syntax_and_sql_in_search_text_are_plain_text() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    shop(&mut c).await;
    for hostile in [
        "\"",
        "*",
        "OR",
        "NEAR(",
        "NEAR(linen shirt, 2)",
        "'; DROP TABLE catalog_products; --",
        "linen\"",
        "title:linen",
        "{title}: linen",
        "linen AND",
        "^linen",
        "(linen",
        "linen*",
        "-linen",
        "NOT linen",
        "\u{0}linen",
        "%_linen",
    ] {
        let got = c.search(&text(hostile), &page(None, 10)).await;
        assert!(got.is_ok(), "{hostile:?}: {got:?}");
    }
    // The operators are words like any other.
    assert_eq!(slugs(&mut c, &text("black OR")).await, ["oxford-shirt"]);
    assert_eq!(
        slugs(&mut c, &text("linen\"")).await,
        slugs(&mut c, &text("linen")).await
    );
    assert_eq!(
        slugs(&mut c, &text("linen*")).await,
        slugs(&mut c, &text("linen")).await
    );
    // Text without any word finds nothing (rather than everything).
    assert!(slugs(&mut c, &text("\"*()")).await.is_empty());
    // And nothing was dropped.
    assert_eq!(slugs(&mut c, &everything()).await.len(), 5);
}

#[tokio::test]
async fn filters_combine_and_options_hold_for_one_variant() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let s = shop(&mut c).await;
    let q = |f: &dyn Fn(&mut ProductQuery)| {
        let mut q = everything();
        f(&mut q);
        q
    };
    let opt = |o: &str, v: &str| OptionValue {
        option: o.into(),
        value: v.into(),
    };
    let attr = |n: &str, v: &str| Attribute {
        name: n.into(),
        value: v.into(),
    };
    let cases: Vec<(ProductQuery, Vec<&str>)> = vec![
        (
            q(&|q| q.category = Some(s.clothing.clone())),
            vec!["linen-shirt", "oxford-shirt", "wool-hat"],
        ),
        (
            q(&|q| q.category = Some(s.shirts.clone())),
            vec!["linen-shirt", "oxford-shirt"],
        ),
        (q(&|q| q.category = Some(s.hats.clone())), vec!["wool-hat"]),
        (
            q(&|q| q.currency = Some("USD".into())),
            vec!["kitchen-apron", "linen-shirt", "oxford-shirt", "wool-hat"],
        ),
        (
            // The lowest EUR price must be within [4000, 6000].
            q(&|q| {
                q.currency = Some("EUR".into());
                q.price = Some(PriceRange {
                    min: Some(4000),
                    max: Some(6000),
                });
            }),
            vec!["linen-shirt"],
        ),
        (
            q(&|q| {
                q.currency = Some("EUR".into());
                q.price = Some(PriceRange {
                    min: None,
                    max: Some(2500),
                });
            }),
            vec!["kitchen-apron", "wool-hat"],
        ),
        (
            q(&|q| q.options = vec![opt("size", "m"), opt("Colour", "white")]),
            vec!["linen-shirt", "oxford-shirt"],
        ),
        (
            // The oxford shirt has an S (black) and a white (M), but no white S.
            q(&|q| q.options = vec![opt("size", "S"), opt("colour", "white")]),
            vec!["linen-shirt"],
        ),
        (
            q(&|q| q.options = vec![opt("size", "S"), opt("size", "L")]),
            vec!["linen-shirt", "oxford-shirt"],
        ),
        (
            q(&|q| q.attributes = vec![attr("brand", "acme")]),
            vec!["kitchen-apron", "linen-shirt", "wool-hat"],
        ),
        (
            q(&|q| q.attributes = vec![attr("brand", "acme"), attr("brand", "Bolt")]),
            vec!["kitchen-apron", "linen-shirt", "oxford-shirt", "wool-hat"],
        ),
        (
            q(&|q| {
                q.attributes = vec![attr("material", "linen")];
                q.category = Some(s.kitchen.clone());
            }),
            vec!["kitchen-apron"],
        ),
        (
            q(&|q| {
                q.text = Some("shirt".into());
                q.attributes = vec![attr("brand", "bolt")];
            }),
            vec!["oxford-shirt"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(sorted_slugs(&mut c, &query).await, expected, "{query:?}");
    }
}

#[tokio::test]
async fn orders_sort_by_price_title_and_creation() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    shop(&mut c).await;
    let by = |sort, currency: Option<&str>| ProductQuery {
        sort,
        currency: currency.map(Into::into),
        ..everything()
    };
    let asc = [
        "kitchen-apron",
        "wool-hat",
        "oxford-shirt",
        "linen-shirt",
        "chef-knife",
    ];
    assert_eq!(
        slugs(&mut c, &by(SortOrder::PriceAsc, Some("EUR"))).await,
        asc
    );
    let mut desc = asc;
    desc.reverse();
    assert_eq!(
        slugs(&mut c, &by(SortOrder::PriceDesc, Some("EUR"))).await,
        desc
    );
    assert_eq!(
        slugs(&mut c, &by(SortOrder::Title, None)).await,
        [
            "kitchen-apron",
            "chef-knife",
            "linen-shirt",
            "oxford-shirt",
            "wool-hat"
        ]
    );
    assert_eq!(
        slugs(&mut c, &by(SortOrder::Newest, None)).await,
        [
            "kitchen-apron",
            "chef-knife",
            "wool-hat",
            "oxford-shirt",
            "linen-shirt"
        ]
    );
    // A price order needs a currency.
    let got = c
        .list(&by(SortOrder::PriceAsc, None), &page(None, 10))
        .await;
    assert!(
        matches!(&got, Err(Error::InvalidInput(e)) if e.iter().any(|e| e.path == "/currency")),
        "{got:?}"
    );
}

/// Pages through `query` `limit` at a time, letting `between` insert products before each
/// next page; returns every slug seen in order.
async fn page_while_inserting(
    c: &mut CatalogHandle,
    query: &ProductQuery,
    round: &mut usize,
    collection: Option<&(String, NewCollection)>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let p = c.list(query, &page(after, 2)).await.unwrap();
        seen.extend(p.items.into_iter().map(|i| i.slug));
        // Two matching products whose sort keys fall before, between and after the ones
        // already listed: cheap and dear, early and late in the alphabet.
        for (k, (price, title)) in [(500, "Aardvark linen"), (99_000, "Zebra linen")]
            .iter()
            .enumerate()
        {
            *round += 1;
            let slug = format!("new-{round}-{k}");
            let created = c
                .create_product(item(
                    &slug,
                    &format!("{title} {round}"),
                    "linen",
                    &[],
                    &[(&[], *price, None)],
                    &[],
                ))
                .await;
            if let Some((id, input)) = collection
                && k == 0
            {
                // Added at the end, as a shop owner appends to a collection (one per page,
                // so the listing still ends).
                let mut input = input.clone();
                let current = c
                    .bindings
                    .commerce_catalog_catalog()
                    .call_get_collection(&mut c.lib.store, id)
                    .await
                    .unwrap()
                    .unwrap();
                input.product_ids = current.product_ids;
                input.product_ids.push(created.id);
                c.bindings
                    .commerce_catalog_catalog_admin()
                    .call_update_collection(&mut c.lib.store, id, &input)
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        match p.page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn no_order_skips_or_repeats_a_product_while_products_are_inserted() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    // Ten products with tied prices and tied titles, all mentioning linen.
    let mut ids = Vec::new();
    for k in 0..10 {
        let title = format!("Linen thing {}", k % 3);
        let p = c
            .create_product(item(
                &format!("base-{k}"),
                &title,
                if k % 2 == 0 { "linen" } else { "plain" },
                &[],
                &[(&[], 1000 + (k % 4) * 100, None)],
                &[],
            ))
            .await;
        ids.push(p.id);
    }
    let input = NewCollection {
        slug: "picks".into(),
        title: "Picks".into(),
        description: String::new(),
        product_ids: ids.iter().rev().cloned().collect(),
    };
    let collection = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(&mut c.lib.store, &input)
        .await
        .unwrap()
        .unwrap();
    let eur = |sort| ProductQuery {
        sort,
        currency: Some("EUR".into()),
        ..everything()
    };
    let queries = vec![
        ("newest", eur(SortOrder::Newest), None),
        ("price-asc", eur(SortOrder::PriceAsc), None),
        ("price-desc", eur(SortOrder::PriceDesc), None),
        ("title", eur(SortOrder::Title), None),
        (
            "relevance",
            ProductQuery {
                text: Some("linen".into()),
                ..everything()
            },
            None,
        ),
        (
            "collection",
            ProductQuery {
                collection: Some(collection.id.clone()),
                ..everything()
            },
            Some((collection.id.clone(), input.clone())),
        ),
    ];
    let mut round = 0;
    for (name, query, in_collection) in queries {
        // The order of the products there before paging starts.
        let before: Vec<String> = c
            .all_slugs(&query, 100)
            .await
            .into_iter()
            .filter(|s| s.starts_with("base-"))
            .collect();
        assert_eq!(before.len(), 10, "{name}");
        let seen = page_while_inserting(&mut c, &query, &mut round, in_collection.as_ref()).await;
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{name}: a product repeated: {seen:?}"
        );
        let base: Vec<String> = seen
            .iter()
            .filter(|s| s.starts_with("base-"))
            .cloned()
            .collect();
        assert_eq!(base, before, "{name}: skipped or reordered: {seen:?}");
    }
}

#[tokio::test]
async fn cursors_belong_to_their_query_and_bad_filters_name_their_field() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    shop(&mut c).await;
    let first = c.list(&everything(), &page(None, 2)).await.unwrap();
    let cursor = first.page.next.unwrap();
    // The same cursor with another query or order is refused.
    for other in [
        text("linen"),
        ProductQuery {
            sort: SortOrder::Title,
            ..everything()
        },
    ] {
        let got = c.list(&other, &page(Some(cursor.clone()), 2)).await;
        assert!(
            matches!(&got, Err(Error::InvalidInput(e)) if e[0].path == "/after"),
            "{got:?}"
        );
    }
    // With the same query it works, in search too.
    assert!(
        c.search(&everything(), &page(Some(cursor), 2))
            .await
            .is_ok()
    );

    let bad = ProductQuery {
        text: Some("x".repeat(201)),
        currency: Some("EURO".into()),
        price: Some(PriceRange {
            min: Some(-1),
            max: Some(200_000_000_000),
        }),
        ..everything()
    };
    let Err(Error::InvalidInput(errors)) = c.list(&bad, &page(None, 101)).await else {
        panic!("expected invalid-input");
    };
    let paths: HashSet<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for expected in ["/text", "/currency", "/price/min", "/price/max", "/limit"] {
        assert!(
            paths.contains(expected),
            "{expected} missing from {errors:?}"
        );
    }
    let inverted = ProductQuery {
        currency: Some("EUR".into()),
        price: Some(PriceRange {
            min: Some(10),
            max: Some(5),
        }),
        ..everything()
    };
    let got = c.list(&inverted, &page(None, 0)).await;
    assert!(
        matches!(&got, Err(Error::InvalidInput(e)) if e[0].path == "/price/max"),
        "{got:?}"
    );
    for unknown in [
        ProductQuery {
            category: Some("cat_NOPE".into()),
            ..everything()
        },
        ProductQuery {
            collection: Some("col_NOPE".into()),
            ..everything()
        },
    ] {
        let got = c.list(&unknown, &page(None, 0)).await;
        assert!(matches!(got, Err(Error::NotFound)), "{got:?}");
    }
}

/// Checks every facet value of `query`'s search against the total of the query with that
/// facet's own filter replaced by the value.
async fn assert_facets_match_results(c: &mut CatalogHandle, query: &ProductQuery) {
    let result = c.search(query, &page(None, 1)).await.unwrap();
    assert_eq!(
        result.total as usize,
        c.all_slugs(query, 100).await.len(),
        "total of {query:?}"
    );
    for f in &result.facets.categories {
        let q = ProductQuery {
            category: Some(f.value.clone()),
            ..query.clone()
        };
        let total = c.search(&q, &page(None, 1)).await.unwrap().total;
        assert_eq!(total, f.count, "category {} of {query:?}", f.label);
    }
    for f in &result.facets.brands {
        let mut q = query.clone();
        q.attributes
            .retain(|a| !a.name.eq_ignore_ascii_case("brand"));
        q.attributes.push(Attribute {
            name: "brand".into(),
            value: f.value.clone(),
        });
        let total = c.search(&q, &page(None, 1)).await.unwrap().total;
        assert_eq!(total, f.count, "brand {} of {query:?}", f.value);
    }
    for o in &result.facets.options {
        for v in &o.values {
            let mut q = query.clone();
            q.options
                .retain(|x| !x.option.eq_ignore_ascii_case(&o.option));
            q.options.push(OptionValue {
                option: o.option.clone(),
                value: v.value.clone(),
            });
            let total = c.search(&q, &page(None, 1)).await.unwrap().total;
            assert_eq!(total, v.count, "{}={} of {query:?}", o.option, v.value);
        }
    }
    for b in &result.facets.price_buckets {
        let q = ProductQuery {
            price: Some(PriceRange {
                min: Some(b.min),
                max: b.max.map(|m| m - 1),
            }),
            ..query.clone()
        };
        let total = c.search(&q, &page(None, 1)).await.unwrap().total;
        assert_eq!(total, b.count, "bucket {b:?} of {query:?}");
    }
}

#[tokio::test]
async fn facets_count_the_result_with_their_own_filter_removed() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let s = shop(&mut c).await;
    let all = c
        .search(
            &ProductQuery {
                currency: Some("EUR".into()),
                ..everything()
            },
            &page(None, 0),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 5);
    let count =
        |values: &[commerce_tests::catalog::exports::commerce::catalog::catalog::FacetValue],
         value: &str| {
            values
                .iter()
                .find(|v| v.value.eq_ignore_ascii_case(value) || v.label == value)
                .map(|v| v.count)
        };
    let f = &all.facets;
    assert_eq!(
        count(&f.categories, &s.clothing),
        Some(3),
        "ancestors count"
    );
    assert_eq!(count(&f.categories, &s.shirts), Some(2));
    assert_eq!(count(&f.categories, &s.hats), Some(1));
    assert_eq!(count(&f.categories, &s.kitchen), Some(2));
    assert_eq!(
        count(&f.brands, "Acme"),
        Some(3),
        "brands are case-insensitive"
    );
    assert_eq!(count(&f.brands, "Bolt"), Some(1));
    let size = f.options.iter().find(|o| o.option == "size").unwrap();
    assert_eq!(count(&size.values, "M"), Some(3));
    assert_eq!(count(&size.values, "S"), Some(2));
    assert_eq!(count(&size.values, "L"), Some(1));
    let buckets: Vec<(i64, Option<i64>, u32)> = f
        .price_buckets
        .iter()
        .map(|b| (b.min, b.max, b.count))
        .collect();
    assert_eq!(
        buckets,
        [
            (1000, Some(2500), 1),
            (2500, Some(5000), 3),
            (5000, Some(10000), 1)
        ]
    );
    // Without a currency there are no price buckets.
    let plain = c.search(&everything(), &page(None, 0)).await.unwrap();
    assert!(plain.facets.price_buckets.is_empty());

    let opt = |o: &str, v: &str| OptionValue {
        option: o.into(),
        value: v.into(),
    };
    let filtered = [
        everything(),
        ProductQuery {
            category: Some(s.clothing.clone()),
            attributes: vec![Attribute {
                name: "brand".into(),
                value: "acme".into(),
            }],
            options: vec![opt("size", "M")],
            currency: Some("EUR".into()),
            ..everything()
        },
        ProductQuery {
            text: Some("shirt".into()),
            options: vec![opt("colour", "white"), opt("size", "S")],
            currency: Some("EUR".into()),
            price: Some(PriceRange {
                min: Some(3000),
                max: None,
            }),
            ..everything()
        },
        ProductQuery {
            category: Some(s.shirts.clone()),
            ..everything()
        },
    ];
    for query in &filtered {
        assert_facets_match_results(&mut c, query).await;
    }
}

#[tokio::test]
async fn get_variants_answers_in_the_order_asked_whatever_the_status() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    shop(&mut c).await;
    let admin = c.bindings.commerce_catalog_catalog_admin();
    let draft = admin
        .call_get_product_admin(&mut c.lib.store, "linen-draft")
        .await
        .unwrap()
        .unwrap();
    let hat = admin
        .call_get_product_admin(&mut c.lib.store, "wool-hat")
        .await
        .unwrap()
        .unwrap();
    let api = c.bindings.commerce_catalog_catalog();
    let asked = vec![
        hat.variants[0].id.clone(),
        "var_UNKNOWN".to_owned(),
        hat.id.clone(),
        draft.variants[0].id.clone(),
    ];
    let got = api
        .call_get_variants(&mut c.lib.store, &asked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].product_slug, "wool-hat");
    assert_eq!(got[0].variant.prices[0].amount, 2500);
    assert_eq!(got[1].product_id, draft.id);
    assert_eq!(got[1].status, ProductStatus::Draft);
    let too_many: Vec<String> = (0..101).map(|k| format!("var_{k}")).collect();
    let got = api
        .call_get_variants(&mut c.lib.store, &too_many)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::InvalidInput(_))), "{got:?}");
}

#[tokio::test]
async fn non_ascii_filter_values_match_as_given() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    c.create_product(item(
        "oeko-shirt",
        "Shirt",
        "Organic.",
        &[("Marke", "Öko")],
        &[(&[("Größe", "Ü")], 1000, None)],
        &[],
    ))
    .await;
    let q = ProductQuery {
        attributes: vec![Attribute {
            name: "marke".into(),
            value: "Öko".into(),
        }],
        options: vec![OptionValue {
            option: "Größe".into(),
            value: "Ü".into(),
        }],
        ..everything()
    };
    assert_eq!(slugs(&mut c, &q).await, ["oeko-shirt"]);
    let facets = c
        .search(&everything(), &page(None, 1))
        .await
        .unwrap()
        .facets;
    assert_eq!(facets.options[0].option, "Größe");
    assert_eq!(facets.options[0].values[0].value, "Ü");
}
