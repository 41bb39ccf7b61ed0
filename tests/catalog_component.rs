//! Component unit tests: the catalog component on its own in wasmtime, called through its
//! WIT exports (`commerce:catalog/catalog`, `commerce:catalog/catalog-admin`) over fresh state.

use commerce_tests::catalog::{Error, PageRequest, ProductQuery, ProductStatus, everything};
use commerce_tests::{CatalogHandle, product, spawn_app};
use std::collections::HashSet;

fn first_page(limit: u32) -> PageRequest {
    PageRequest { after: None, limit }
}

async fn list(
    c: &mut CatalogHandle,
    query: &ProductQuery,
    page: &PageRequest,
) -> Result<commerce_tests::catalog::exports::commerce::catalog::catalog::ProductPage, Error> {
    c.bindings
        .commerce_catalog_catalog()
        .call_list_products(&mut c.lib.store, query, page)
        .await
        .expect("no trap")
}

/// Pages through the whole listing, returning slugs in order.
async fn all_slugs(c: &mut CatalogHandle, query: &ProductQuery, limit: u32) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut page = first_page(limit);
    loop {
        let p = list(c, query, &page).await.unwrap();
        assert!(p.items.len() <= limit as usize);
        slugs.extend(p.items.into_iter().map(|i| i.slug));
        match p.page.next {
            Some(next) => page.after = Some(next),
            None => return slugs,
        }
    }
}

#[tokio::test]
async fn a_fresh_catalog_creates_its_schema_and_lists_nothing() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let page = list(&mut c, &everything(), &first_page(0)).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.page.next, None);
    // A second instance over the same state finds the schema in place.
    let mut again = app.catalog().await;
    assert!(
        list(&mut again, &everything(), &first_page(0))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn a_created_product_is_found_by_id_and_by_slug() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let created = c.create_product(product("linen-shirt", 4900, vec![])).await;
    assert!(created.id.starts_with("prod_"), "{}", created.id);
    assert_eq!(created.variants.len(), 2);
    assert!(created.variants.iter().all(|v| v.id.starts_with("var_")));

    let api = c.bindings.commerce_catalog_catalog();
    let by_id = api
        .call_get_product(&mut c.lib.store, &created.id)
        .await
        .unwrap()
        .unwrap();
    let by_slug = api
        .call_get_product_by_slug(&mut c.lib.store, "linen-shirt")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(format!("{by_id:?}"), format!("{created:?}"));
    assert_eq!(format!("{by_slug:?}"), format!("{created:?}"));
    assert_eq!(by_id.variants[0].prices[0].amount, 4900);
    assert_eq!(by_id.variants[0].prices[0].currency, "EUR");
}

#[tokio::test]
async fn drafts_are_invisible_to_shoppers() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let mut draft = product("secret-thing", 100, vec![]);
    draft.status = ProductStatus::Draft;
    let created = c.create_product(draft).await;
    let api = c.bindings.commerce_catalog_catalog();
    let got = api
        .call_get_product(&mut c.lib.store, &created.id)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)));
    let by_slug = api
        .call_get_product_by_slug(&mut c.lib.store, "secret-thing")
        .await
        .unwrap();
    assert!(matches!(by_slug, Err(Error::NotFound)));
    assert!(
        list(&mut c, &everything(), &first_page(0))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_ids_and_ids_of_another_kind_are_not_found() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let created = c.create_product(product("mug", 1200, vec![])).await;
    let api = c.bindings.commerce_catalog_catalog();
    for id in [
        "prod_doesnotexist",
        created.variants[0].id.as_str(),
        "",
        "../etc",
    ] {
        let got = api
            .call_get_product(&mut c.lib.store, &id.to_string())
            .await
            .unwrap();
        assert!(matches!(got, Err(Error::NotFound)), "{id}: {got:?}");
    }
}

#[tokio::test]
async fn duplicate_slugs_and_skus_conflict_and_write_nothing() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    c.create_product(product("cap", 1500, vec![])).await;
    let admin = c.bindings.commerce_catalog_catalog_admin();

    let same_slug = admin
        .call_create_product(&mut c.lib.store, &product("cap", 1500, vec![]))
        .await
        .unwrap();
    assert!(
        matches!(&same_slug, Err(Error::Conflict(what)) if what == "slug"),
        "{same_slug:?}"
    );

    // A new slug whose second variant reuses a taken SKU: the whole product is refused,
    // so its slug stays free.
    let mut clash = product("cap-two", 1500, vec![]);
    clash.variants[1].sku = "CAP-S".into();
    let got = admin
        .call_create_product(&mut c.lib.store, &clash)
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::Conflict(what)) if what == "sku"),
        "{got:?}"
    );
    let free = c
        .bindings
        .commerce_catalog_catalog()
        .call_get_product_by_slug(&mut c.lib.store, "cap-two")
        .await
        .unwrap();
    assert!(matches!(free, Err(Error::NotFound)));
    c.create_product(product("cap-two", 1500, vec![])).await;
}

#[tokio::test]
async fn invalid_products_are_refused_with_every_bad_field() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let mut bad = product("Not A Slug", 100, vec![]);
    bad.title = String::new();
    bad.variants[0].prices[0].amount = -5;
    bad.variants[1].prices[0].currency = "EURO".into();
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_product(&mut c.lib.store, &bad)
        .await
        .unwrap();
    let Err(Error::InvalidInput(errors)) = got else {
        panic!("expected invalid-input, got {got:?}");
    };
    let paths: HashSet<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for expected in [
        "/slug",
        "/title",
        "/variants/0/prices/0/amount",
        "/variants/1/prices/0/currency",
    ] {
        assert!(
            paths.contains(expected),
            "{expected} missing from {errors:?}"
        );
    }
    assert!(
        list(&mut c, &everything(), &first_page(0))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn pages_cover_every_product_once_newest_first() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    for i in 0..25 {
        c.create_product(product(&format!("item-{i:02}"), 1000 + i, vec![]))
            .await;
    }
    let slugs = all_slugs(&mut c, &everything(), 10).await;
    let expected: Vec<String> = (0..25).rev().map(|i| format!("item-{i:02}")).collect();
    assert_eq!(slugs, expected);
}

#[tokio::test]
async fn paging_never_skips_or_repeats_while_products_are_inserted() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    for i in 0..12 {
        c.create_product(product(&format!("old-{i:02}"), 1000, vec![]))
            .await;
    }
    let mut seen = Vec::new();
    let mut page = first_page(5);
    let mut inserted = 0;
    loop {
        let p = list(&mut c, &everything(), &page).await.unwrap();
        seen.extend(p.items.into_iter().map(|i| i.slug));
        // Someone adds products between every two page requests.
        for _ in 0..3 {
            c.create_product(product(&format!("new-{inserted:02}"), 1000, vec![]))
                .await;
            inserted += 1;
        }
        match p.page.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    let old: Vec<&String> = seen.iter().filter(|s| s.starts_with("old-")).collect();
    let expected: Vec<String> = (0..12).rev().map(|i| format!("old-{i:02}")).collect();
    assert_eq!(old, expected.iter().collect::<Vec<_>>());
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an item repeated: {seen:?}");
}

#[tokio::test]
async fn oversized_pages_and_foreign_cursors_are_invalid_input() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let max = c
        .bindings
        .commerce_catalog_catalog()
        .call_max_page_size(&mut c.lib.store)
        .await
        .unwrap();
    let too_big = list(&mut c, &everything(), &first_page(max + 1)).await;
    assert!(
        matches!(too_big, Err(Error::InvalidInput(_))),
        "{too_big:?}"
    );
    for cursor in ["garbage", "", "eyJ0YWciOiJvdGhlciJ9"] {
        let page = PageRequest {
            after: Some(cursor.into()),
            limit: 5,
        };
        let got = list(&mut c, &everything(), &page).await;
        assert!(
            matches!(got, Err(Error::InvalidInput(_))),
            "{cursor:?}: {got:?}"
        );
    }
}

#[tokio::test]
async fn a_category_lists_its_own_and_its_descendants_products() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let clothing = c.create_category("clothing", None).await;
    let shirts = c.create_category("shirts", Some(clothing.id.clone())).await;
    let kitchen = c.create_category("kitchen", None).await;
    assert_eq!(shirts.path, "clothing/shirts");
    c.create_product(product("oxford-shirt", 5000, vec![shirts.id.clone()]))
        .await;
    c.create_product(product("scarf", 2000, vec![clothing.id.clone()]))
        .await;
    c.create_product(product("kettle", 3000, vec![kitchen.id.clone()]))
        .await;

    let in_clothing = ProductQuery {
        category: Some(clothing.id.clone()),
        ..everything()
    };
    let mut slugs = all_slugs(&mut c, &in_clothing, 10).await;
    slugs.sort();
    assert_eq!(slugs, vec!["oxford-shirt", "scarf"]);
    let in_shirts = ProductQuery {
        category: Some(shirts.id.clone()),
        ..everything()
    };
    assert_eq!(
        all_slugs(&mut c, &in_shirts, 10).await,
        vec!["oxford-shirt"]
    );

    let tree = c
        .bindings
        .commerce_catalog_catalog()
        .call_list_categories(&mut c.lib.store)
        .await
        .unwrap()
        .unwrap();
    let pos = |id: &str| tree.iter().position(|t| t.id == id).unwrap();
    assert!(
        pos(&clothing.id) < pos(&shirts.id),
        "parents come before children"
    );
}

#[tokio::test]
async fn the_currency_filter_keeps_products_priced_in_it() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    c.create_product(product("both", 1000, vec![])).await;
    let mut eur_only = product("eur-only", 1000, vec![]);
    for v in &mut eur_only.variants {
        v.prices.retain(|p| p.currency == "EUR");
    }
    c.create_product(eur_only).await;
    let usd = ProductQuery {
        currency: Some("USD".into()),
        ..everything()
    };
    assert_eq!(all_slugs(&mut c, &usd, 10).await, vec!["both"]);
    let listed = list(&mut c, &everything(), &first_page(10)).await.unwrap();
    let both = listed.items.iter().find(|i| i.slug == "both").unwrap();
    let eur_from = both
        .price_from
        .iter()
        .find(|m| m.currency == "EUR")
        .unwrap();
    assert_eq!(eur_from.amount, 1000, "price-from is the cheapest variant");
}

#[tokio::test]
async fn summaries_carry_their_variant_ids_in_the_products_order() {
    use commerce_tests::catalog::exports::commerce::catalog::catalog::ProductSummary as Summary;
    let app = spawn_app();
    let mut c = app.catalog().await;
    let shirt = c.create_product(product("shirt", 1000, vec![])).await;
    let scarf = c.create_product(product("scarf", 2000, vec![])).await;
    let ids = |p: &commerce_tests::catalog::Product| -> Vec<String> {
        p.variants.iter().map(|v| v.id.clone()).collect()
    };
    let shown = |page: &[Summary], slug: &str| {
        page.iter()
            .find(|s| s.slug == slug)
            .map(|s| s.variant_ids.clone())
            .unwrap()
    };
    // The first page (cached by the catalog) and a later page (never cached).
    let listed = list(&mut c, &everything(), &first_page(10)).await.unwrap();
    assert_eq!(shown(&listed.items, "shirt"), ids(&shirt));
    assert_eq!(shown(&listed.items, "scarf"), ids(&scarf));
    let first = list(&mut c, &everything(), &first_page(1)).await.unwrap();
    assert_eq!(shown(&first.items, "scarf"), ids(&scarf));
    let second = list(
        &mut c,
        &everything(),
        &PageRequest {
            after: first.page.next,
            limit: 1,
        },
    )
    .await
    .unwrap();
    assert_eq!(shown(&second.items, "shirt"), ids(&shirt));

    // A variant added, then one deleted, shows in the next listing.
    let added = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_add_variant(&mut c.lib.store, &shirt.id, &variant("SHIRT-L", "L", 1200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(added.variants.len(), 3);
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_delete_variant(&mut c.lib.store, &added.variants[0].id)
        .await
        .unwrap()
        .unwrap();
    let now: Vec<String> = ids(&added)[1..].to_vec();
    let listed = list(&mut c, &everything(), &first_page(10)).await.unwrap();
    assert_eq!(shown(&listed.items, "shirt"), now);
    let found = c
        .bindings
        .commerce_catalog_catalog()
        .call_search(&mut c.lib.store, &everything(), &first_page(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown(&found.items, "shirt"), now);
    assert_eq!(shown(&found.items, "scarf"), ids(&scarf));
    // Prices still come with the page, one per currency, ordered by currency.
    let currencies: Vec<&str> = found.items[0]
        .price_from
        .iter()
        .map(|m| m.currency.as_str())
        .collect();
    assert_eq!(currencies, ["EUR", "USD"]);
}

// --- catalog-admin --------------------------------------------------------------------

use commerce_tests::catalog::{
    AdminProductFilter, Money, NewCategory, NewCollection, NewVariant, OptionValue, ProductPatch,
};
use commerce_tests::page;

fn variant(sku: &str, size: &str, eur: i64) -> NewVariant {
    NewVariant {
        sku: sku.into(),
        title: size.into(),
        options: vec![OptionValue {
            option: "size".into(),
            value: size.into(),
        }],
        prices: vec![Money {
            amount: eur,
            currency: "EUR".into(),
        }],
        compare_at_prices: vec![],
        weight_grams: None,
        barcode: None,
    }
}

fn no_patch() -> ProductPatch {
    ProductPatch {
        slug: None,
        title: None,
        description: None,
        images: None,
        attributes: None,
        category_ids: None,
    }
}

#[tokio::test]
async fn put_product_creates_then_replaces_keeping_variant_ids_by_sku() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let (created, was_new) = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_put_product(&mut c.lib.store, &product("tee", 1500, vec![]))
        .await
        .unwrap()
        .unwrap();
    assert!(was_new);
    let mut again = product("tee", 1500, vec![]);
    again.title = "Better Tee".into();
    // Keep the S variant (same SKU), drop M, add L.
    again.variants.truncate(1);
    again.variants.push(variant("TEE-L", "L", 1900));
    let (replaced, was_new) = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_put_product(&mut c.lib.store, &again)
        .await
        .unwrap()
        .unwrap();
    assert!(!was_new);
    assert_eq!(replaced.id, created.id);
    assert_eq!(replaced.created_at, created.created_at);
    assert_eq!(replaced.title, "Better Tee");
    let skus: Vec<&str> = replaced.variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["TEE-S", "TEE-L"]);
    assert_eq!(replaced.variants[0].id, created.variants[0].id);
    // The dropped SKU is free again, the kept one is not.
    c.create_product(product("other", 100, vec![])).await;
    let mut clash = product("clash", 100, vec![]);
    clash.variants[0].sku = "TEE-S".into();
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_product(&mut c.lib.store, &clash)
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::Conflict(w)) if w == "sku"),
        "{got:?}"
    );
    let mut reuse = product("reuse", 100, vec![]);
    reuse.variants[0].sku = "TEE-M".into();
    assert!(
        c.bindings
            .commerce_catalog_catalog_admin()
            .call_create_product(&mut c.lib.store, &reuse)
            .await
            .unwrap()
            .is_ok()
    );
    // The replaced product is searchable by its new title only.
    let found = c
        .list(
            &ProductQuery {
                text: Some("better".into()),
                ..everything()
            },
            &page(None, 10),
        )
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    // A put whose SKU belongs to another product writes nothing.
    let mut stolen = again.clone();
    stolen.title = "Stolen".into();
    stolen.variants.push(variant("REUSE-M", "M", 100));
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_put_product(&mut c.lib.store, &stolen)
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::Conflict(w)) if w == "sku"),
        "{got:?}"
    );
    let kept = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_get_product_admin(&mut c.lib.store, "tee")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.title, "Better Tee");
}

#[tokio::test]
async fn absurd_prices_and_bad_patches_are_refused_with_paths() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let mut absurd = product("gold", 100, vec![]);
    absurd.variants[0].prices[0].amount = 100_000_000_001;
    absurd.attributes = vec![
        commerce_tests::catalog::Attribute {
            name: "Brand".into(),
            value: "x".into(),
        },
        commerce_tests::catalog::Attribute {
            name: "brand".into(),
            value: "y".into(),
        },
    ];
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_product(&mut c.lib.store, &absurd)
        .await
        .unwrap();
    let Err(Error::InvalidInput(errors)) = got else {
        panic!("{got:?}")
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"/variants/0/prices/0/amount"), "{paths:?}");
    assert!(paths.contains(&"/attributes/1/name"), "{paths:?}");

    let p = c.create_product(product("plain", 100, vec![])).await;
    let bad = ProductPatch {
        slug: Some("Bad Slug".into()),
        title: Some(" ".into()),
        ..no_patch()
    };
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_product(&mut c.lib.store, &p.id, &bad)
        .await
        .unwrap();
    let Err(Error::InvalidInput(errors)) = got else {
        panic!("{got:?}")
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/slug", "/title"]);
    c.create_product(product("taken", 100, vec![])).await;
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_product(
            &mut c.lib.store,
            &p.id,
            &ProductPatch {
                slug: Some("taken".into()),
                ..no_patch()
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::Conflict(w)) if w == "slug"),
        "{got:?}"
    );
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_product(&mut c.lib.store, &"prod_NOPE".to_string(), &no_patch())
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)));
    let renamed = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_product(
            &mut c.lib.store,
            &p.id,
            &ProductPatch {
                slug: Some("renamed".into()),
                title: Some("Renamed".into()),
                ..no_patch()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (renamed.slug.as_str(), renamed.title.as_str()),
        ("renamed", "Renamed")
    );
    assert!(renamed.updated_at >= p.updated_at);
}

#[tokio::test]
async fn status_changes_publish_archive_and_delete() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let mut draft = product("lamp", 100, vec![]);
    draft.status = ProductStatus::Draft;
    draft.variants[1].prices.clear();
    let draft = c.create_product(draft).await;
    // Publishing needs a price on every variant.
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_set_product_status(&mut c.lib.store, &draft.id, ProductStatus::Published)
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::InvalidInput(e)) if e[0].path == "/variants/1/prices"),
        "{got:?}"
    );
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_update_variant(
            &mut c.lib.store,
            &draft.variants[1].id,
            &variant("LAMP-M", "M", 300),
        )
        .await
        .unwrap()
        .unwrap();
    let published = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_set_product_status(&mut c.lib.store, &draft.id, ProductStatus::Published)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(published.status, ProductStatus::Published);
    assert_eq!(
        list(&mut c, &everything(), &first_page(0))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_set_product_status(&mut c.lib.store, &draft.id, ProductStatus::Archived)
        .await
        .unwrap()
        .unwrap();
    assert!(
        list(&mut c, &everything(), &first_page(0))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_delete_product(&mut c.lib.store, &draft.id)
        .await
        .unwrap()
        .unwrap();
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_get_product_admin(&mut c.lib.store, &draft.id)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)));
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_delete_product(&mut c.lib.store, &draft.id)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)));
    // Its SKUs are free again.
    c.create_product(product("lamp", 100, vec![])).await;
}

#[tokio::test]
async fn variants_are_added_updated_and_deleted_with_their_rules() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let p = c.create_product(product("sock", 500, vec![])).await;
    c.create_product(product("shoe", 500, vec![])).await;
    let added = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_add_variant(&mut c.lib.store, &p.id, &variant("SOCK-L", "L", 700))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(added.variants.len(), 3);
    for (input, expected) in [
        (variant("SOCK-X", "M", 700), "options"),
        (variant("SHOE-S", "XL", 700), "sku"),
    ] {
        let got = c
            .bindings
            .commerce_catalog_catalog_admin()
            .call_add_variant(&mut c.lib.store, &p.id, &input)
            .await
            .unwrap();
        assert!(
            matches!(&got, Err(Error::Conflict(w)) if w == expected),
            "{got:?}"
        );
    }
    let mut wrong = variant("SOCK-Q", "Q", -1);
    wrong.options[0].option = "colour".into();
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_add_variant(&mut c.lib.store, &p.id, &wrong)
        .await
        .unwrap();
    let Err(Error::InvalidInput(errors)) = got else {
        panic!("{got:?}")
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"/options/0/option"), "{paths:?}");
    assert!(paths.contains(&"/prices/0/amount"), "{paths:?}");
    // Updating a variant to its own combination and SKU is fine.
    let l = added.variants[2].id.clone();
    let updated = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_variant(&mut c.lib.store, &l, &variant("SOCK-L", "L", 650))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.variants[2].prices[0].amount, 650);
    assert_eq!(updated.variants[2].id, l);
    for v in &updated.variants[1..] {
        c.bindings
            .commerce_catalog_catalog_admin()
            .call_delete_variant(&mut c.lib.store, &v.id)
            .await
            .unwrap()
            .unwrap();
    }
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_delete_variant(&mut c.lib.store, &updated.variants[0].id)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::InvalidInput(_))), "{got:?}");
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_delete_variant(&mut c.lib.store, &"var_NOPE".to_string())
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)));
    // The price filter follows the variants' prices.
    let cheap = ProductQuery {
        currency: Some("EUR".into()),
        price: Some(commerce_tests::catalog::PriceRange {
            min: Some(500),
            max: Some(500),
        }),
        ..everything()
    };
    let mut slugs = c.all_slugs(&cheap, 10).await;
    slugs.sort();
    assert_eq!(slugs, ["shoe", "sock"]);
}

#[tokio::test]
async fn moving_a_category_moves_its_descendants_paths_and_products() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let home = c.create_category("home", None).await;
    let garden = c.create_category("garden", None).await;
    let tools = c.create_category("tools", Some(home.id.clone())).await;
    let spades = c.create_category("spades", Some(tools.id.clone())).await;
    c.create_product(product("spade", 100, vec![spades.id.clone()]))
        .await;
    let moved = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_category(
            &mut c.lib.store,
            &tools.id,
            &NewCategory {
                slug: "garden-tools".into(),
                name: "Garden tools".into(),
                parent: Some(garden.id.clone()),
                position: 3,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.path, "garden/garden-tools");
    let api = c.bindings.commerce_catalog_catalog();
    let child = api
        .call_get_category(&mut c.lib.store, "garden/garden-tools/spades")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(child.id, spades.id);
    let old = api
        .call_get_category(&mut c.lib.store, "home/tools/spades")
        .await
        .unwrap();
    assert!(matches!(old, Err(Error::NotFound)));
    // The spade is under garden now, and no longer under home.
    let under = |id: &str| ProductQuery {
        category: Some(id.to_owned()),
        ..everything()
    };
    assert_eq!(c.all_slugs(&under(&garden.id), 10).await, ["spade"]);
    assert!(c.all_slugs(&under(&home.id), 10).await.is_empty());
    // Not under itself or its own descendant.
    for parent in [&tools.id, &spades.id] {
        let got = c
            .bindings
            .commerce_catalog_catalog_admin()
            .call_update_category(
                &mut c.lib.store,
                &tools.id,
                &NewCategory {
                    slug: "tools".into(),
                    name: "Tools".into(),
                    parent: Some(parent.clone()),
                    position: 0,
                },
            )
            .await
            .unwrap();
        assert!(
            matches!(&got, Err(Error::InvalidInput(e)) if e[0].path == "/parent"),
            "{got:?}"
        );
    }
    // A sibling with the same slug conflicts.
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_update_category(
            &mut c.lib.store,
            &home.id,
            &NewCategory {
                slug: "garden".into(),
                name: "Home".into(),
                parent: None,
                position: 0,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::Conflict(w)) if w == "slug"),
        "{got:?}"
    );
    // A category with children cannot go; a leaf can, and its products leave it.
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_delete_category(&mut c.lib.store, &garden.id)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::InvalidInput(_))), "{got:?}");
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_delete_category(&mut c.lib.store, &spades.id)
        .await
        .unwrap()
        .unwrap();
    let spade = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_get_product_admin(&mut c.lib.store, "spade")
        .await
        .unwrap()
        .unwrap();
    assert!(spade.category_ids.is_empty());
    assert!(c.all_slugs(&under(&garden.id), 10).await.is_empty());
}

#[tokio::test]
async fn collections_keep_their_order_and_their_products() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let a = c.create_product(product("a-thing", 100, vec![])).await;
    let b = c.create_product(product("b-thing", 100, vec![])).await;
    let input = NewCollection {
        slug: "summer".into(),
        title: "Summer".into(),
        description: "Hot picks".into(),
        product_ids: vec![a.id.clone(), b.id.clone()],
    };
    let col = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(&mut c.lib.store, &input)
        .await
        .unwrap()
        .unwrap();
    assert!(col.id.starts_with("col_"));
    let in_col = ProductQuery {
        collection: Some(col.id.clone()),
        ..everything()
    };
    // Hand-picked order, not newest first.
    assert_eq!(c.all_slugs(&in_col, 1).await, ["a-thing", "b-thing"]);
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(&mut c.lib.store, &input)
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(Error::Conflict(w)) if w == "slug"),
        "{got:?}"
    );
    let mut unknown = input.clone();
    unknown.slug = "other".into();
    unknown.product_ids.push("prod_NOPE".into());
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(&mut c.lib.store, &unknown)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)), "{got:?}");
    let mut reversed = input.clone();
    reversed.product_ids.reverse();
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_update_collection(&mut c.lib.store, &col.id, &reversed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.all_slugs(&in_col, 10).await, ["b-thing", "a-thing"]);
    // Deleting a product takes it out of the collection.
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_delete_product(&mut c.lib.store, &b.id)
        .await
        .unwrap()
        .unwrap();
    let api = c.bindings.commerce_catalog_catalog();
    let by_slug = api
        .call_get_collection(&mut c.lib.store, "summer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_slug.product_ids, std::slice::from_ref(&a.id));
    let all = api
        .call_list_collections(&mut c.lib.store)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(all.len(), 1);
    c.bindings
        .commerce_catalog_catalog_admin()
        .call_delete_collection(&mut c.lib.store, &col.id)
        .await
        .unwrap()
        .unwrap();
    let got = c
        .bindings
        .commerce_catalog_catalog()
        .call_get_collection(&mut c.lib.store, &col.id)
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::NotFound)));
    let got = list(&mut c, &in_col, &first_page(0)).await;
    assert!(matches!(got, Err(Error::NotFound)), "{got:?}");
}

#[tokio::test]
async fn the_admin_listing_shows_every_status_and_filters_by_title_or_sku() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    for (k, status) in [
        ProductStatus::Draft,
        ProductStatus::Published,
        ProductStatus::Archived,
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = product(&format!("thing-{k}"), 100, vec![]);
        p.status = status;
        c.create_product(p).await;
    }
    let filter = |status, text: Option<&str>| AdminProductFilter {
        status,
        text: text.map(Into::into),
    };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let p = c
            .bindings
            .commerce_catalog_catalog_admin()
            .call_list_products_admin(&mut c.lib.store, &filter(None, None), &page(after, 2))
            .await
            .unwrap()
            .unwrap();
        seen.extend(p.items.into_iter().map(|p| p.slug));
        match p.page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["thing-2", "thing-1", "thing-0"]);
    let drafts = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_list_products_admin(
            &mut c.lib.store,
            &filter(Some(ProductStatus::Draft), None),
            &page(None, 0),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(drafts.items.len(), 1);
    let by_sku = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_list_products_admin(
            &mut c.lib.store,
            &filter(None, Some("thing-1-m")),
            &page(None, 0),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_sku.items.len(), 1);
    assert_eq!(by_sku.items[0].slug, "thing-1");
    // A cursor of another filter is refused.
    let first = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_list_products_admin(&mut c.lib.store, &filter(None, None), &page(None, 1))
        .await
        .unwrap()
        .unwrap();
    let got = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_list_products_admin(
            &mut c.lib.store,
            &filter(Some(ProductStatus::Draft), None),
            &page(first.page.next, 1),
        )
        .await
        .unwrap();
    assert!(matches!(got, Err(Error::InvalidInput(_))), "{got:?}");
}

#[tokio::test]
async fn migration_2_back_fills_a_version_1_catalog() {
    let app = spawn_app();
    let mut c = app.catalog().await;
    let shirts = c.create_category("shirts", None).await;
    let mut p = product("old-linen-shirt", 4900, vec![shirts.id.clone()]);
    p.title = "Old Linen Shirt".into();
    p.attributes = vec![commerce_tests::catalog::Attribute {
        name: "brand".into(),
        value: "Acme".into(),
    }];
    c.create_product(p).await;
    drop(c);
    // Back to the schema of version 1: the tables of migration 2 gone, the core rows kept.
    let db = rusqlite::Connection::open(app.state.path().join("sqlite_db.db")).unwrap();
    db.execute_batch(
        "DROP TABLE catalog_category_tree; DROP TABLE catalog_product_prices;
         DROP TABLE catalog_variant_options; DROP TABLE catalog_product_attributes;
         DROP TABLE catalog_collection_products; DROP TABLE catalog_collections;
         DROP TABLE catalog_search_terms; DROP TABLE catalog_search;
         DROP INDEX catalog_products_by_title; DROP TABLE catalog_cache_state;
         UPDATE catalog_schema_version SET version = 1;",
    )
    .unwrap();
    drop(db);

    let mut c = app.catalog().await;
    let q = ProductQuery {
        text: Some("linen".into()),
        category: Some(shirts.id.clone()),
        currency: Some("EUR".into()),
        price: Some(commerce_tests::catalog::PriceRange {
            min: Some(4900),
            max: Some(4900),
        }),
        options: vec![commerce_tests::catalog::OptionValue {
            option: "size".into(),
            value: "M".into(),
        }],
        attributes: vec![commerce_tests::catalog::Attribute {
            name: "brand".into(),
            value: "acme".into(),
        }],
        ..everything()
    };
    let found = c.search(&q, &page(None, 10)).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].slug, "old-linen-shirt");
    assert_eq!(found.items[0].price_from[0].amount, 4900);
    let version: i64 = rusqlite::Connection::open(app.state.path().join("sqlite_db.db"))
        .unwrap()
        .query_row("SELECT version FROM catalog_schema_version", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(version, 2);
}
