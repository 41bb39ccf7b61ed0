//! Component unit tests: the catalog component on its own in wasmtime, called through its
//! WIT exports (`commerce:shop/catalog`, `commerce:shop/catalog-admin`) over fresh state.

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
) -> Result<commerce_tests::catalog::exports::commerce::shop::catalog::ProductPage, Error> {
    c.bindings
        .commerce_shop_catalog()
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

    let api = c.bindings.commerce_shop_catalog();
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
    let api = c.bindings.commerce_shop_catalog();
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
    let api = c.bindings.commerce_shop_catalog();
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
    let admin = c.bindings.commerce_shop_catalog_admin();

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
        .commerce_shop_catalog()
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
        .commerce_shop_catalog_admin()
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
        .commerce_shop_catalog()
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
        .commerce_shop_catalog()
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
