//! The OpenAPI document stays true: every route in spin.toml is documented, and real
//! responses of the app validate against the schemas the document gives for them.

use commerce_tests::{TestResponse, manifest_path, product, repo_root, spawn_app};
use serde_json::Value;

fn document() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_root().join("openapi.json")).unwrap())
        .expect("openapi.json is JSON")
}

/// Whether a concrete path matches an OpenAPI path template such as `/api/products/{key}`.
fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// Validates a response against the schema the document declares for it.
fn check(doc: &Value, method: &str, path: &str, res: &TestResponse) {
    let path_only = path.split('?').next().unwrap();
    let (template, item) = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(t, _)| template_matches(t, path_only))
        .unwrap_or_else(|| panic!("{path_only} is not documented"));
    let op = &item[method];
    assert!(op.is_object(), "{method} {template} is not documented");
    let status = res.status.to_string();
    let response = if op["responses"][&status].is_object() {
        &op["responses"][&status]
    } else {
        &op["responses"]["default"]
    };
    assert!(
        response.is_object(),
        "{method} {template} does not document status {status}"
    );
    if res.status == 304 {
        assert!(res.body.is_empty(), "{method} {path}: a 304 has no body");
        assert!(
            response["content"].is_null(),
            "{method} {template}: 304 has no content"
        );
        return;
    }
    let content_type = res
        .content_type()
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let media = &response["content"][&content_type];
    assert!(
        media.is_object(),
        "{method} {template} {status} does not document {content_type}"
    );
    // Validate with the whole document as the root, so `#/components/...` references resolve.
    let mut root = doc.clone();
    root["$defs"] = serde_json::json!({ "response": media["schema"].clone() });
    root["$ref"] = Value::String("#/$defs/response".into());
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .expect("the document's schemas compile");
    // JSON Lines (an export): the schema is that of each line.
    let bodies: Vec<Value> = if content_type == "application/x-ndjson" {
        std::str::from_utf8(&res.body)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect()
    } else {
        vec![res.json()]
    };
    for body in bodies {
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {errors:#?}\n{body}"
        );
    }
}

#[test]
fn every_route_in_spin_toml_is_documented() {
    let doc = document();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    let manifest = commerce_host::manifest::Manifest::from_file(&manifest_path()).unwrap();
    for trigger in &manifest.http_triggers {
        let commerce_host::manifest::Route::Pattern(route) = &trigger.route else {
            continue;
        };
        match route.strip_suffix("/...") {
            Some(prefix) => assert!(
                paths
                    .iter()
                    .any(|p| p.as_str() == prefix || p.starts_with(&format!("{prefix}/"))),
                "wildcard route {route} has no documented path under {prefix}"
            ),
            None => assert!(
                paths.iter().any(|p| p.as_str() == route),
                "route {route} is not documented"
            ),
        }
    }
}

#[test]
fn the_document_is_openapi_3_1_with_an_operation_id_for_every_operation() {
    let doc = document();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                assert!(
                    op["operationId"].is_string(),
                    "{method} {path} has no operationId"
                );
            }
        }
    }
}

#[tokio::test]
async fn real_responses_validate_against_the_documented_schemas() {
    let doc = document();
    let app = spawn_app();
    let mut c = app.catalog().await;
    let cat = c.create_category("garden", None).await;
    for i in 0..3 {
        c.create_product(product(&format!("spade-{i}"), 2500, vec![cat.id.clone()]))
            .await;
    }
    let collection = c
        .bindings
        .commerce_catalog_catalog_admin()
        .call_create_collection(
            &mut c.lib.store,
            &commerce_tests::catalog::NewCollection {
                slug: "tools".into(),
                title: "Tools".into(),
                description: "Our picks.".into(),
                product_ids: vec![],
            },
        )
        .await
        .unwrap()
        .unwrap();
    let first = app.get("/api/products?limit=2").await.json();
    let next = first["next"].as_str().unwrap().to_string();
    let id = first["items"][0]["id"].as_str().unwrap().to_string();
    // Stock for two variants, so availability shows each status.
    let spade = app.get("/api/products/spade-1").await.json();
    for (k, units) in [(0, 40), (1, 2)] {
        let variant_id = spade["variants"][k]["id"].as_str().unwrap();
        app.inventory().await.receive(variant_id, units).await;
    }
    let search = app.get("/api/search?q=spade&currency=EUR&limit=1").await;
    let search_next = search.json()["next"].as_str().unwrap().to_string();
    let etag = app.get("/api/products/spade-1").await.headers["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let not_modified = app
        .get_with("/api/products/spade-1", &[("if-none-match", &etag)])
        .await;
    assert_eq!(not_modified.status, 304);
    check(&doc, "get", "/api/products/spade-1", &not_modified);

    let requests = [
        "/api/products".to_string(),
        "/api/products?limit=2".to_string(),
        format!("/api/products?limit=2&after={next}"),
        format!("/api/products?category={}", cat.id),
        "/api/products?in_stock=true&limit=1".to_string(),
        "/api/products?in_stock=yes".to_string(),
        "/api/search?q=spade&in_stock=true".to_string(),
        format!("/api/categories/{}?in_stock=true", cat.id),
        "/api/collections/tools?in_stock=true".to_string(),
        "/api/products/spade-1".to_string(),
        format!("/api/products/{id}"),
        "/api/products/missing".to_string(),
        "/api/products?limit=-1".to_string(),
        "/api/products?after=bogus".to_string(),
        "/api/categories".to_string(),
        "/api/products?q=spade&sort=price_asc&currency=EUR&min_price=0&max_price=9000&option.size=S,M&brand=acme&attr.material=steel".to_string(),
        "/api/products?sort=bogus&min_price=-1".to_string(),
        "/api/search?q=spade&currency=EUR".to_string(),
        format!("/api/search?q=spade&currency=EUR&limit=1&after={search_next}"),
        "/api/search?q=%22*%20OR%20NEAR(".to_string(),
        "/api/search?currency=usd".to_string(),
        "/api/categories/garden".to_string(),
        format!("/api/categories/{}?sort=title&limit=1", cat.id),
        "/api/categories/nowhere".to_string(),
        "/api/collections".to_string(),
        "/api/collections/tools".to_string(),
        format!("/api/collections/{}", collection.id),
        "/api/collections/missing".to_string(),
        "/api/health".to_string(),
    ];
    for path in &requests {
        let res = app.get(path).await;
        check(&doc, "get", path, &res);
    }
}

/// A request body and its content type.
type Body<'a> = Option<(&'a str, String)>;

/// A request to the admin API with its token (and a JSON body, or a raw one with its type).
fn admin_request(method: &str, path: &str, body: Body) -> http::Request<bytes::Bytes> {
    let mut req = http::Request::builder().method(method).uri(path).header(
        "authorization",
        format!("Bearer {}", commerce_tests::ADMIN_TOKEN),
    );
    let bytes = match body {
        Some((content_type, body)) => {
            req = req.header("content-type", content_type);
            bytes::Bytes::from(body)
        }
        None => bytes::Bytes::new(),
    };
    req.body(bytes).unwrap()
}

#[tokio::test]
async fn admin_responses_validate_against_the_documented_schemas() {
    let doc = document();
    let app = spawn_app();
    let json = |v: Value| Some(("application/json", v.to_string()));
    let product = serde_json::json!({
        "slug": "trowel",
        "title": "Trowel",
        "status": "published",
        "attributes": [{"name": "brand", "value": "Acme"}],
        "options": ["size"],
        "variants": [
            {"sku": "TR-S", "title": "S", "options": [{"option": "size", "value": "S"}],
             "prices": [{"amount": 1500, "currency": "EUR"}], "weight_grams": 400},
            {"sku": "TR-M", "title": "M", "options": [{"option": "size", "value": "M"}],
             "prices": [{"amount": 1700, "currency": "EUR"}], "compare_at_prices": [{"amount": 1900, "currency": "EUR"}]},
        ],
    });
    let created = app
        .request(admin_request(
            "POST",
            "/admin/products",
            json(product.clone()),
        ))
        .await;
    check(&doc, "post", "/admin/products", &created);
    let created = created.json();
    let id = created["id"].as_str().unwrap().to_string();
    let variant = created["variants"][0]["id"].as_str().unwrap().to_string();
    let category = app
        .request(admin_request(
            "POST",
            "/admin/categories",
            json(serde_json::json!({"slug": "garden", "name": "Garden"})),
        ))
        .await;
    check(&doc, "post", "/admin/categories", &category);
    let category_id = category.json()["id"].as_str().unwrap().to_string();
    let collection = app
        .request(admin_request(
            "POST",
            "/admin/collections",
            json(serde_json::json!({"slug": "picks", "title": "Picks", "product_ids": [id]})),
        ))
        .await;
    check(&doc, "post", "/admin/collections", &collection);
    let import_file = format!(
        "{}\n{}\n{{\"slug\": 1}}\n",
        serde_json::json!({"category": {"path": "garden/tools", "name": "Tools"}}),
        serde_json::json!({"slug": "rake", "title": "Rake", "variants": [{"sku": "RAKE", "title": "Rake"}], "category_paths": ["garden/tools"]}),
    );
    let new_variant = serde_json::json!({"sku": "TR-L", "title": "L", "options": [{"option": "size", "value": "L"}], "prices": [{"amount": 1800, "currency": "EUR"}]});

    let requests: Vec<(&str, String, Body)> = vec![
        ("get", "/admin/products".into(), None),
        (
            "get",
            "/admin/products?status=published&q=trow&limit=1".into(),
            None,
        ),
        ("get", "/admin/products?status=sold".into(), None),
        ("get", format!("/admin/products/{id}"), None),
        ("get", "/admin/products/trowel".into(), None),
        ("get", "/admin/products/nothing".into(), None),
        (
            "patch",
            format!("/admin/products/{id}"),
            json(serde_json::json!({"title": "Garden Trowel"})),
        ),
        (
            "patch",
            format!("/admin/products/{id}"),
            json(serde_json::json!({"title": 1, "colour": "red"})),
        ),
        (
            "put",
            format!("/admin/products/{id}/status"),
            json(serde_json::json!({"status": "draft"})),
        ),
        ("post", format!("/admin/products/{id}/publish"), None),
        ("post", format!("/admin/products/{id}/archive"), None),
        (
            "post",
            format!("/admin/products/{id}/variants"),
            json(new_variant.clone()),
        ),
        (
            "post",
            format!("/admin/products/{id}/variants"),
            json(new_variant),
        ),
        (
            "put",
            format!("/admin/products/{id}/variants/{variant}"),
            json(
                serde_json::json!({"sku": "TR-S2", "title": "S", "options": [{"option": "size", "value": "S"}]}),
            ),
        ),
        ("post", "/admin/products".into(), json(product)),
        (
            "post",
            "/admin/products".into(),
            Some(("text/plain", "x".into())),
        ),
        (
            "post",
            "/admin/products".into(),
            Some(("application/json", " ".repeat(1024 * 1024 + 1))),
        ),
        (
            "post",
            "/admin/products/import".into(),
            Some(("application/x-ndjson", import_file)),
        ),
        ("get", "/admin/products/export".into(), None),
        ("get", "/admin/categories".into(), None),
        ("get", format!("/admin/categories/{category_id}"), None),
        (
            "put",
            format!("/admin/categories/{category_id}"),
            json(serde_json::json!({"slug": "garden", "name": "The garden"})),
        ),
        ("get", "/admin/collections".into(), None),
        ("get", "/admin/collections/picks".into(), None),
        (
            "put",
            "/admin/collections/picks".into(),
            json(serde_json::json!({"slug": "picks", "title": "Our picks"})),
        ),
        ("delete", "/admin/collections/picks".into(), None),
        (
            "delete",
            format!("/admin/products/{id}/variants/{variant}"),
            None,
        ),
        ("delete", format!("/admin/products/{id}"), None),
    ];
    for (method, path, body) in requests {
        let res = app
            .request(admin_request(&method.to_uppercase(), &path, body))
            .await;
        if res.status == 204 {
            let op = &doc["paths"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(t, _)| template_matches(t, path.split('?').next().unwrap()))
                .unwrap()
                .1[method];
            assert!(op["responses"]["204"].is_object(), "{method} {path} 204");
            continue;
        }
        check(&doc, method, &path, &res);
    }
    // Without a token, and with a wrong one.
    let res = app.get("/admin/products").await;
    check(&doc, "get", "/admin/products", &res);
    let res = app
        .request(
            http::Request::get("/admin/products")
                .header("authorization", "Bearer wrong-token-0000000000")
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await;
    check(&doc, "get", "/admin/products", &res);
}

#[tokio::test]
async fn cart_responses_validate_against_the_documented_schemas() {
    let doc = document();
    let app = spawn_app();
    let (tee, draft) = {
        let mut c = app.catalog().await;
        let tee = c.create_product(product("tee", 1999, vec![])).await;
        let mut draft = product("draft", 500, vec![]);
        draft.status = commerce_tests::catalog::ProductStatus::Draft;
        let draft = c.create_product(draft).await;
        (tee, draft)
    };
    let ship = {
        let mut p = app.pricing().await;
        p.set_tax_rate(&commerce_tests::pricing::TaxRate {
            country: "DE".into(),
            rate_ppm: 190_000,
            mode: commerce_tests::pricing::TaxMode::Exclusive,
            applies_to_shipping: true,
            label: "VAT 19%".into(),
        })
        .await
        .unwrap();
        p.create_shipping_method(&commerce_tests::pricing::ShippingMethodInput {
            name: "Standard".into(),
            rates: vec![commerce_tests::pricing::Money {
                amount: 490,
                currency: "EUR".into(),
            }],
            countries: vec![],
            active: true,
            position: 0,
        })
        .await
        .unwrap()
        .id
    };
    // The cart token travels in the Cart-Token header, never in the path.
    let send = |method: &str, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut req = http::Request::builder().method(method).uri(path);
        if let Some(token) = token {
            req = req.header("cart-token", token);
        }
        let bytes = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                bytes::Bytes::from(b.to_string())
            }
            None => bytes::Bytes::new(),
        };
        req.body(bytes).unwrap()
    };
    let created = app
        .request(send(
            "POST",
            "/api/carts",
            None,
            Some(serde_json::json!({"currency": "EUR"})),
        ))
        .await;
    check(&doc, "post", "/api/carts", &created);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    let (v0, v1) = (tee.variants[0].id.clone(), tee.variants[1].id.clone());
    let added = app
        .request(send(
            "POST",
            "/api/cart/lines",
            Some(token.as_str()),
            Some(serde_json::json!({"variant_id": v0, "quantity": 2})),
        ))
        .await;
    let line = added.json()["lines"][0]["id"].as_str().unwrap().to_owned();
    let j = |v: Value| Some(v);
    let t = Some(token.as_str());
    let unknown = Some("ctk_unknown");
    let requests: Vec<(&str, String, Option<&str>, Option<Value>)> = vec![
        (
            "post",
            "/api/carts".into(),
            None,
            j(serde_json::json!({"currency": "eur"})),
        ),
        (
            "post",
            "/api/carts".into(),
            None,
            j(serde_json::json!({"currency": "EUR", "x": 1})),
        ),
        ("get", "/api/carts".into(), None, None),
        ("get", "/api/cart".into(), t, None),
        ("get", "/api/cart?x=1".into(), t, None),
        ("get", "/api/cart".into(), unknown, None),
        (
            "post",
            "/api/cart/lines".into(),
            t,
            j(serde_json::json!({"variant_id": v1, "quantity": 1})),
        ),
        (
            "post",
            "/api/cart/lines".into(),
            t,
            j(serde_json::json!({"variant_id": v1, "quantity": 1, "unit_price": 1})),
        ),
        (
            "post",
            "/api/cart/lines".into(),
            t,
            j(serde_json::json!({"variant_id": draft.variants[0].id, "quantity": 1})),
        ),
        (
            "post",
            "/api/cart/lines".into(),
            t,
            j(serde_json::json!({"variant_id": v1, "quantity": 1.5})),
        ),
        (
            "post",
            "/api/cart/lines".into(),
            unknown,
            j(serde_json::json!({"variant_id": v1, "quantity": 1})),
        ),
        (
            "patch",
            format!("/api/cart/lines/{line}"),
            t,
            j(serde_json::json!({"quantity": 5})),
        ),
        (
            "patch",
            format!("/api/cart/lines/{line}"),
            t,
            j(serde_json::json!({"quantity": 100})),
        ),
        (
            "patch",
            "/api/cart/lines/line_NOPE".into(),
            t,
            j(serde_json::json!({"quantity": 1})),
        ),
        ("get", "/api/cart/totals".into(), t, None),
        (
            "get",
            format!("/api/cart/totals?country=DE&shipping_method={ship}"),
            t,
            None,
        ),
        ("get", "/api/cart/totals?country=FR".into(), t, None),
        (
            "get",
            "/api/cart/totals?shipping_method=ship_NOPE".into(),
            t,
            None,
        ),
        (
            "get",
            "/api/shipping-methods?currency=EUR&country=DE".into(),
            None,
            None,
        ),
        (
            "get",
            "/api/shipping-methods?currency=EUR".into(),
            None,
            None,
        ),
        ("get", "/api/shipping-methods".into(), None, None),
        ("post", "/api/shipping-methods".into(), None, None),
        ("delete", format!("/api/cart/lines/{line}"), t, None),
        ("get", "/api/cart/totals".into(), t, None),
        ("put", "/api/cart".into(), t, None),
        ("get", "/api/cart".into(), None, None),
        ("get", "/api/cart/totals".into(), Some(""), None),
        (
            "post",
            "/api/cart/lines".into(),
            None,
            j(serde_json::json!({"variant_id": v1, "quantity": 1})),
        ),
        ("delete", "/api/cart".into(), t, None),
        ("get", "/api/cart".into(), t, None),
    ];
    for (method, path, token, body) in requests {
        let res = app
            .request(send(&method.to_uppercase(), &path, token, body))
            .await;
        if res.status == 204 {
            let op = &doc["paths"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(t, _)| template_matches(t, path.split('?').next().unwrap()))
                .unwrap()
                .1[method];
            assert!(op["responses"]["204"].is_object(), "{method} {path} 204");
            continue;
        }
        if res.status == 405 {
            // The documented operation does not exist for this method: the 405 is checked
            // against the path's other operations' Problem schema.
            assert_eq!(res.content_type(), "application/problem+json");
            assert!(res.headers.contains_key("allow"));
            continue;
        }
        check(&doc, method, &path, &res);
    }
}

#[tokio::test]
async fn checkout_responses_validate_against_the_documented_schemas() {
    use commerce_tests::payments::{event, intent, now_secs, sign};
    const SECRET: &str = "whsec_openapi_checkout_1";
    let doc = document();
    let app = commerce_tests::spawn_app_with(&[("payments_test_webhook_secret", SECRET)]);
    let tee = app
        .catalog()
        .await
        .create_product(product("tee", 1999, vec![]))
        .await;
    let variant = tee.variants[0].id.clone();
    app.inventory().await.receive(&variant, 3).await;
    let ship = {
        let mut p = app.pricing().await;
        p.set_tax_rate(&commerce_tests::pricing::TaxRate {
            country: "DE".into(),
            rate_ppm: 190_000,
            mode: commerce_tests::pricing::TaxMode::Exclusive,
            applies_to_shipping: true,
            label: "VAT 19%".into(),
        })
        .await
        .unwrap();
        p.create_shipping_method(&commerce_tests::pricing::ShippingMethodInput {
            name: "Standard".into(),
            rates: vec![commerce_tests::pricing::Money {
                amount: 490,
                currency: "EUR".into(),
            }],
            countries: vec![],
            active: true,
            position: 0,
        })
        .await
        .unwrap()
        .id
    };
    let send = |method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>| {
        let mut req = http::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(bytes::Bytes::from(body)).unwrap()
    };
    let json = [("content-type", "application/json")];
    let mut carts = Vec::new();
    for quantity in [1, 1, 1, 5] {
        let created = app
            .request(send(
                "POST",
                "/api/carts",
                &json,
                br#"{"currency":"EUR"}"#.to_vec(),
            ))
            .await;
        let token = created.json()["token"].as_str().unwrap().to_owned();
        let line = serde_json::json!({"variant_id": variant, "quantity": quantity});
        app.request(send(
            "POST",
            "/api/cart/lines",
            &[json[0], ("cart-token", token.as_str())],
            line.to_string().into_bytes(),
        ))
        .await;
        carts.push(token);
    }
    let body = |cart: &str, card: &str| {
        serde_json::json!({
            "cart_token": cart,
            "email": "ada@example.com",
            "shipping_address": {"name": "Ada", "company": null, "line1": "Street 1", "city": "Berlin", "region": null, "postal_code": "10117", "country": "DE", "phone": null},
            "billing_address": null,
            "shipping_method_id": ship,
            "payment_method": {"type": "test_card", "number": card, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
            "return_url": "https://shop.example/return"
        })
        .to_string()
        .into_bytes()
    };
    let checkout = |key: Option<&str>, body: Vec<u8>| {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(k) = key {
            headers.push(("idempotency-key", k));
        }
        send("POST", "/api/checkout", &headers, body)
    };
    let paid = app
        .request(checkout(Some("oa-1"), body(&carts[0], "4242424242424242")))
        .await;
    check(&doc, "post", "/api/checkout", &paid);
    assert_eq!(paid.status, 201);
    let order = paid.json()["order"]["number"].as_u64().unwrap();
    let token = paid.json()["guest_token"].as_str().unwrap().to_owned();
    let action = app
        .request(checkout(Some("oa-3"), body(&carts[2], "4000002500003155")))
        .await;
    assert_eq!(action.status, 202);
    check(&doc, "post", "/api/checkout", &action);
    let payment_id = action.json()["payment"]["id"].as_str().unwrap().to_owned();
    let responses = [
        checkout(Some("oa-1"), body(&carts[0], "4242424242424242")),
        checkout(Some("oa-1"), body(&carts[1], "4242424242424242")),
        checkout(None, body(&carts[1], "4242424242424242")),
        checkout(Some("oa-2"), br#"{"cart_token": 1, "price": 1}"#.to_vec()),
        checkout(Some("oa-2"), body("ctk_nothing", "4242424242424242")),
        checkout(Some("oa-2"), body(&carts[1], "4000000000000002")),
        checkout(Some("oa-4"), body(&carts[3], "4242424242424242")),
        send(
            "POST",
            "/api/checkout",
            &[("idempotency-key", "oa-5")],
            b"x".to_vec(),
        ),
    ];
    let mut statuses = Vec::new();
    for req in responses {
        let res = app.request(req).await;
        statuses.push(res.status);
        check(&doc, "post", "/api/checkout", &res);
    }
    assert_eq!(statuses, [201, 422, 400, 400, 400, 402, 409, 415]);
    for path in [
        format!("/api/orders/{order}?token={token}"),
        format!("/api/orders/{order}?token=ogt_wrong"),
        format!("/api/orders/{order}"),
        "/api/orders/x?token=ogt_x".to_owned(),
    ] {
        let res = app.get(&path).await;
        check(&doc, "get", &path, &res);
    }
    let reference = {
        let mut lib = app
            .app
            .instantiate_library(&commerce_tests::wasm("payments"), "checkout-api")
            .await
            .unwrap();
        let b = commerce_tests::payments::PaymentsComponent::new(&mut lib.store, &lib.instance)
            .unwrap();
        b.commerce_payments_payments()
            .call_get_payment(&mut lib.store, &payment_id)
            .await
            .unwrap()
            .unwrap()
            .provider_reference
            .unwrap()
    };
    let delivery = event(
        "evt_openapi_1",
        "payment_intent.succeeded",
        intent(&reference, "succeeded", 1999 + 490 + 473, &payment_id),
    );
    let good = sign(SECRET, &delivery, now_secs());
    let bad = sign("whsec_wrong", &delivery, now_secs());
    let path = "/api/payments/webhooks/test";
    for signature in [bad.as_str(), good.as_str(), good.as_str()] {
        let res = app
            .request(send(
                "POST",
                path,
                &[
                    ("content-type", "application/json"),
                    ("stripe-signature", signature),
                ],
                delivery.clone(),
            ))
            .await;
        check(&doc, "post", path, &res);
    }
    let res = app
        .request(send(
            "POST",
            "/api/payments/webhooks/paypal",
            &json,
            b"{}".to_vec(),
        ))
        .await;
    check(&doc, "post", "/api/payments/webhooks/paypal", &res);
}

/// A JSON object with the same key twice is read by most tools as its last value, silently:
/// the first description of that answer is lost (the webhook route had two "503"s).
#[test]
fn the_openapi_document_repeats_no_key() {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Unique;
    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(UniqueVisitor)
        }
    }
    struct UniqueVisitor;
    impl<'de> Visitor<'de> for UniqueVisitor {
        type Value = Unique;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!("key {key:?} repeated")));
                }
                map.next_value::<Unique>()?;
            }
            Ok(Unique)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
            while seq.next_element::<Unique>()?.is_some() {}
            Ok(Unique)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_unit<E>(self) -> Result<Unique, E> {
            Ok(Unique)
        }
    }
    let text = std::fs::read_to_string(commerce_tests::repo_root().join("openapi.json")).unwrap();
    if let Err(e) = serde_json::from_str::<Unique>(&text) {
        panic!("openapi.json: {e}");
    }
}
