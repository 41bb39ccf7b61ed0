//! HTTP tests of the admin API (`/admin/...`) through the composed app (admin-api +
//! catalog): auth, every endpoint, every class of bad input, import and export, cache
//! invalidation as a shopper sees it, and the demo catalog generator.

use bytes::Bytes;
use commerce_tests::{ADMIN_TOKEN, TestApp, TestResponse, repo_root, spawn_app};
use serde_json::{Value, json};

// --- helpers ------------------------------------------------------------------------------

/// A request with the admin token (and a JSON body when `body` is given).
async fn admin(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> TestResponse {
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"));
    let bytes = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    app.request(req.body(bytes).unwrap()).await
}

/// A request with the admin token, a raw body and a content type.
async fn admin_raw(
    app: &TestApp,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> TestResponse {
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    app.request(req.body(body.into()).unwrap()).await
}

async fn import(app: &TestApp, jsonl: &str) -> TestResponse {
    admin_raw(
        app,
        "POST",
        "/admin/products/import",
        Some("application/x-ndjson"),
        jsonl.to_owned(),
    )
    .await
}

fn ok(res: &TestResponse, status: u16) -> Value {
    assert_eq!(res.status, status, "{}", String::from_utf8_lossy(&res.body));
    if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    }
}

fn assert_problem(res: &TestResponse, status: u16, type_suffix: &str) -> Value {
    assert_eq!(res.status, status, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.content_type(), "application/problem+json");
    let body = res.json();
    assert_eq!(body["status"], status);
    let ty = body["type"].as_str().unwrap();
    assert!(
        ty.ends_with(type_suffix),
        "type {ty} should end with {type_suffix}"
    );
    assert!(body["detail"].is_string(), "{body}");
    body
}

/// The JSON pointers of a 400 problem's field errors.
fn error_paths(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

fn variant(sku: &str, size: &str, eur: i64) -> Value {
    json!({
        "sku": sku,
        "title": size,
        "options": [{"option": "size", "value": size}],
        "prices": [{"amount": eur, "currency": "EUR"}, {"amount": eur + 100, "currency": "USD"}],
        "compare_at_prices": [],
        "weight_grams": 300,
        "barcode": null,
    })
}

/// A valid product body with sizes S and M.
fn product_body(slug: &str, status: &str) -> Value {
    let sku = slug.to_uppercase();
    json!({
        "slug": slug,
        "title": format!("Product {slug}"),
        "description": "Made well.",
        "status": status,
        "images": [{"url": format!("/images/products/{slug}/front.jpg"), "alt": "Front"}],
        "attributes": [{"name": "brand", "value": "Nordvik"}],
        "options": ["size"],
        "variants": [variant(&format!("{sku}-S"), "S", 2900), variant(&format!("{sku}-M"), "M", 2900)],
    })
}

async fn create(app: &TestApp, slug: &str, status: &str) -> Value {
    ok(
        &admin(
            app,
            "POST",
            "/admin/products",
            Some(product_body(slug, status)),
        )
        .await,
        201,
    )
}

/// Every product of the admin listing (any status), newest first, paging through.
async fn all_products(app: &TestApp) -> Vec<Value> {
    let mut items = Vec::new();
    let mut url = "/admin/products?limit=100".to_owned();
    loop {
        let page = ok(&admin(app, "GET", &url, None).await, 200);
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => url = format!("/admin/products?limit=100&after={next}"),
            None => return items,
        }
    }
}

async fn slugs(app: &TestApp) -> Vec<String> {
    all_products(app)
        .await
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect()
}

// --- auth ---------------------------------------------------------------------------------

#[tokio::test]
async fn no_token_is_401_a_wrong_one_403_the_right_one_passes() {
    let app = spawn_app();
    let body = product_body("lamp", "draft").to_string();
    let without = app
        .request(
            http::Request::post("/admin/products")
                .header("content-type", "application/json")
                .body(Bytes::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_problem(&without, 401, "/unauthorized");
    assert_eq!(without.headers.get("www-authenticate").unwrap(), "Bearer");
    assert_eq!(without.headers.get("cache-control").unwrap(), "no-store");

    for bad in [
        "Basic dGVzdDp0ZXN0",
        "Bearer",
        "Bearer ",
        "bearer",
        "Token test-admin-token-5f0c2a9e71d4",
    ] {
        let res = app
            .request(
                http::Request::get("/admin/products")
                    .header("authorization", bad)
                    .body(Bytes::new())
                    .unwrap(),
            )
            .await;
        assert_problem(&res, 401, "/unauthorized");
    }

    // Wrong tokens: another value, a prefix of the right one, the right one plus more,
    // the right one in another case.
    let upper = ADMIN_TOKEN.to_uppercase();
    let longer = format!("{ADMIN_TOKEN}x");
    for wrong in [
        "not-the-token-at-all-000",
        &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1],
        longer.as_str(),
        upper.as_str(),
    ] {
        let res = app
            .request(
                http::Request::post("/admin/products")
                    .header("authorization", format!("Bearer {wrong}"))
                    .header("content-type", "application/json")
                    .body(Bytes::from(body.clone()))
                    .unwrap(),
            )
            .await;
        assert_problem(&res, 403, "/forbidden");
    }
    // Nothing was written by the refused requests.
    assert!(slugs(&app).await.is_empty());

    // The scheme is case-insensitive; the right token passes.
    let res = app
        .request(
            http::Request::post("/admin/products")
                .header("authorization", format!("bearer {ADMIN_TOKEN}"))
                .header("content-type", "application/json")
                .body(Bytes::from(body))
                .unwrap(),
        )
        .await;
    ok(&res, 201);
    assert_eq!(slugs(&app).await, ["lamp"]);
}

#[tokio::test]
async fn auth_comes_before_routing_and_before_the_body() {
    let app = spawn_app();
    // Unknown admin paths do not reveal themselves without a token.
    let res = app.get("/admin/nothing-here").await;
    assert_problem(&res, 401, "/unauthorized");
    assert_problem(
        &admin(&app, "GET", "/admin/nothing-here", None).await,
        404,
        "/not-found",
    );
    // An oversized body without a token is refused as unauthorized, unread.
    let res = app
        .request(
            http::Request::post("/admin/products/import")
                .header("content-type", "application/x-ndjson")
                .body(Bytes::from(vec![b'x'; 5 * 1024 * 1024]))
                .unwrap(),
        )
        .await;
    assert_problem(&res, 401, "/unauthorized");
}

// --- products -----------------------------------------------------------------------------

#[tokio::test]
async fn products_are_created_read_listed_updated_and_deleted() {
    let app = spawn_app();
    let res = admin(
        &app,
        "POST",
        "/admin/products",
        Some(product_body("desk-lamp", "draft")),
    )
    .await;
    let created = ok(&res, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(res.headers.get("cache-control").unwrap(), "no-store");
    assert!(id.starts_with("prod_"));
    assert_eq!(
        res.headers.get("location").unwrap().to_str().unwrap(),
        format!("/admin/products/{id}")
    );
    assert_eq!(created["status"], "draft");
    assert_eq!(created["variants"].as_array().unwrap().len(), 2);
    assert_eq!(
        created["variants"][0]["prices"][0],
        json!({"amount": 2900, "currency": "EUR"})
    );

    // A draft is visible to the admin (by id and by slug), not to shoppers.
    assert_eq!(
        ok(
            &admin(&app, "GET", &format!("/admin/products/{id}"), None).await,
            200
        ),
        created
    );
    assert_eq!(
        ok(
            &admin(&app, "GET", "/admin/products/desk-lamp", None).await,
            200
        )["id"],
        id.as_str()
    );
    assert_eq!(app.get("/api/products/desk-lamp").await.status, 404);

    create(&app, "floor-lamp", "published").await;
    create(&app, "wall-shelf", "archived").await;

    // Listing: newest first, any status; filtered by status and text; paged.
    assert_eq!(slugs(&app).await, ["wall-shelf", "floor-lamp", "desk-lamp"]);
    let drafts = ok(
        &admin(&app, "GET", "/admin/products?status=draft", None).await,
        200,
    );
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    assert_eq!(drafts["items"][0]["slug"], "desk-lamp");
    let lamps = ok(
        &admin(&app, "GET", "/admin/products?q=lamp", None).await,
        200,
    );
    let lamp_slugs: Vec<&str> = lamps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(lamp_slugs, ["floor-lamp", "desk-lamp"]);
    let by_sku = ok(
        &admin(&app, "GET", "/admin/products?q=WALL-SHELF-M", None).await,
        200,
    );
    assert_eq!(by_sku["items"][0]["slug"], "wall-shelf");
    let first = ok(
        &admin(&app, "GET", "/admin/products?limit=2", None).await,
        200,
    );
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_str().unwrap();
    let second = ok(
        &admin(
            &app,
            "GET",
            &format!("/admin/products?limit=2&after={next}"),
            None,
        )
        .await,
        200,
    );
    assert_eq!(second["items"][0]["slug"], "desk-lamp");
    assert!(second["next"].is_null());
    let bad = assert_problem(
        &admin(
            &app,
            "GET",
            "/admin/products?status=sold&limit=x&colour=red",
            None,
        )
        .await,
        400,
        "/invalid-input",
    );
    let paths = error_paths(&bad);
    for p in ["/status", "/limit", "/colour"] {
        assert!(paths.contains(&p.to_owned()), "{p} not in {paths:?}");
    }
    // A page size over the cap and a cursor that is not one: the catalog's errors.
    for (query, path) in [("limit=1000", "/limit"), ("after=bogus", "/after")] {
        let bad = assert_problem(
            &admin(&app, "GET", &format!("/admin/products?{query}"), None).await,
            400,
            "/invalid-input",
        );
        assert_eq!(error_paths(&bad), [path], "{query}");
    }

    // PATCH changes only what it names.
    let patched = ok(
        &admin(
            &app,
            "PATCH",
            &format!("/admin/products/{id}"),
            Some(json!({"title": "Brass Desk Lamp", "attributes": [{"name": "material", "value": "Brass"}]})),
        )
        .await,
        200,
    );
    assert_eq!(patched["title"], "Brass Desk Lamp");
    assert_eq!(patched["slug"], "desk-lamp");
    assert_eq!(patched["description"], "Made well.");
    assert_eq!(
        patched["attributes"],
        json!([{"name": "material", "value": "Brass"}])
    );

    // Status: PUT, publish, archive.
    let published = ok(
        &admin(
            &app,
            "PUT",
            &format!("/admin/products/{id}/status"),
            Some(json!({"status": "published"})),
        )
        .await,
        200,
    );
    assert_eq!(published["status"], "published");
    assert_eq!(app.get("/api/products/desk-lamp").await.status, 200);
    let archived = ok(
        &admin(&app, "POST", &format!("/admin/products/{id}/archive"), None).await,
        200,
    );
    assert_eq!(archived["status"], "archived");
    assert_eq!(app.get("/api/products/desk-lamp").await.status, 404);
    let republished = ok(
        &admin(&app, "POST", "/admin/products/desk-lamp/publish", None).await,
        200,
    );
    assert_eq!(republished["status"], "published");
    assert_problem(
        &admin(
            &app,
            "PUT",
            &format!("/admin/products/{id}/status"),
            Some(json!({"status": "sold"})),
        )
        .await,
        400,
        "/invalid-input",
    );

    // Delete: 204, then gone everywhere.
    let res = admin(&app, "DELETE", &format!("/admin/products/{id}"), None).await;
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());
    assert_problem(
        &admin(&app, "GET", &format!("/admin/products/{id}"), None).await,
        404,
        "/not-found",
    );
    assert_problem(
        &admin(&app, "DELETE", &format!("/admin/products/{id}"), None).await,
        404,
        "/not-found",
    );
    assert_eq!(app.get("/api/products/desk-lamp").await.status, 404);
    assert_eq!(slugs(&app).await, ["wall-shelf", "floor-lamp"]);

    // Unknown products and methods.
    assert_problem(
        &admin(&app, "GET", "/admin/products/prod_0000000000", None).await,
        404,
        "/not-found",
    );
    assert_problem(
        &admin(
            &app,
            "PATCH",
            "/admin/products/no-such-slug",
            Some(json!({"title": "X"})),
        )
        .await,
        404,
        "/not-found",
    );
    let res = admin(&app, "PUT", "/admin/products", None).await;
    assert_problem(&res, 405, "/method-not-allowed");
    assert_eq!(res.headers.get("allow").unwrap(), "GET, POST");
}

#[tokio::test]
async fn variants_are_added_replaced_and_deleted() {
    let app = spawn_app();
    let p = create(&app, "rain-jacket", "draft").await;
    let id = p["id"].as_str().unwrap();
    let other = create(&app, "wool-hat", "draft").await;

    let res = admin(
        &app,
        "POST",
        &format!("/admin/products/{id}/variants"),
        Some(variant("RAIN-JACKET-L", "L", 3900)),
    )
    .await;
    let with_l = ok(&res, 201);
    let variants = with_l["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3);
    let l = variants
        .iter()
        .find(|v| v["sku"] == "RAIN-JACKET-L")
        .unwrap();
    let l_id = l["id"].as_str().unwrap();
    assert_eq!(
        res.headers.get("location").unwrap().to_str().unwrap(),
        format!("/admin/products/{id}/variants/{l_id}")
    );

    // Replace: the id stays.
    let replaced = ok(
        &admin(
            &app,
            "PUT",
            &format!("/admin/products/{id}/variants/{l_id}"),
            Some(variant("RAIN-JACKET-L2", "L", 4100)),
        )
        .await,
        200,
    );
    let l2 = replaced["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == l_id)
        .unwrap()
        .clone();
    assert_eq!(l2["sku"], "RAIN-JACKET-L2");
    assert_eq!(l2["prices"][0]["amount"], 4100);

    // A SKU of another product, the same option values twice: 409, nothing changes.
    let taken = admin(
        &app,
        "POST",
        &format!("/admin/products/{id}/variants"),
        Some(variant("WOOL-HAT-S", "XL", 3900)),
    )
    .await;
    assert_problem(&taken, 409, "/conflict");
    let same_options = admin(
        &app,
        "POST",
        &format!("/admin/products/{id}/variants"),
        Some(variant("RAIN-JACKET-X", "L", 3900)),
    )
    .await;
    assert_problem(&same_options, 409, "/conflict");
    let now = ok(
        &admin(&app, "GET", &format!("/admin/products/{id}"), None).await,
        200,
    );
    assert_eq!(now["variants"].as_array().unwrap().len(), 3);

    // A variant of another product is not found under this one.
    let other_variant = other["variants"][0]["id"].as_str().unwrap();
    assert_problem(
        &admin(
            &app,
            "DELETE",
            &format!("/admin/products/{id}/variants/{other_variant}"),
            None,
        )
        .await,
        404,
        "/not-found",
    );
    assert_problem(
        &admin(
            &app,
            "POST",
            "/admin/products/prod_0000000000/variants",
            Some(variant("NEW-1", "L", 100)),
        )
        .await,
        404,
        "/not-found",
    );

    // Delete down to the last variant, which stays.
    let after = ok(
        &admin(
            &app,
            "DELETE",
            &format!("/admin/products/{id}/variants/{l_id}"),
            None,
        )
        .await,
        200,
    );
    assert_eq!(after["variants"].as_array().unwrap().len(), 2);
    let s_id = after["variants"][0]["id"].as_str().unwrap().to_owned();
    let m_id = after["variants"][1]["id"].as_str().unwrap().to_owned();
    ok(
        &admin(
            &app,
            "DELETE",
            &format!("/admin/products/{id}/variants/{s_id}"),
            None,
        )
        .await,
        200,
    );
    assert_problem(
        &admin(
            &app,
            "DELETE",
            &format!("/admin/products/{id}/variants/{m_id}"),
            None,
        )
        .await,
        400,
        "/invalid-input",
    );
    let last = ok(
        &admin(&app, "GET", &format!("/admin/products/{id}"), None).await,
        200,
    );
    assert_eq!(last["variants"].as_array().unwrap().len(), 1);
}

// --- categories and collections -----------------------------------------------------------

#[tokio::test]
async fn categories_are_created_listed_renamed_moved_and_deleted() {
    let app = spawn_app();
    let res = admin(
        &app,
        "POST",
        "/admin/categories",
        Some(json!({"slug": "home", "name": "Home"})),
    )
    .await;
    let home = ok(&res, 201);
    let home_id = home["id"].as_str().unwrap();
    assert_eq!(
        res.headers.get("location").unwrap().to_str().unwrap(),
        format!("/admin/categories/{home_id}")
    );
    assert_eq!(home["path"], "home");
    let garden = ok(
        &admin(
            &app,
            "POST",
            "/admin/categories",
            Some(json!({"slug": "garden", "name": "Garden", "position": 1})),
        )
        .await,
        201,
    );
    let lamps = ok(
        &admin(
            &app,
            "POST",
            "/admin/categories",
            Some(json!({"slug": "lamps", "name": "Lamps", "parent": home_id})),
        )
        .await,
        201,
    );
    let lamps_id = lamps["id"].as_str().unwrap();
    assert_eq!(lamps["path"], "home/lamps");

    let list = ok(&admin(&app, "GET", "/admin/categories", None).await, 200);
    let paths: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3);
    assert!(paths.contains(&"home/lamps"));
    assert_eq!(
        ok(
            &admin(&app, "GET", &format!("/admin/categories/{lamps_id}"), None).await,
            200
        ),
        lamps
    );

    // Rename and move under garden: the path follows.
    let moved = ok(
        &admin(
            &app,
            "PUT",
            &format!("/admin/categories/{lamps_id}"),
            Some(json!({"slug": "lights", "name": "Garden lights", "parent": garden["id"], "position": 0})),
        )
        .await,
        200,
    );
    assert_eq!(moved["path"], "garden/lights");
    assert_eq!(moved["name"], "Garden lights");

    // Bad input: unknown parent, under itself, a sibling slug taken, unknown fields.
    let bad_parent = assert_problem(
        &admin(
            &app,
            "POST",
            "/admin/categories",
            Some(json!({"slug": "x", "name": "X", "parent": "cat_000000"})),
        )
        .await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&bad_parent), ["/parent"]);
    assert_problem(
        &admin(
            &app,
            "PUT",
            &format!("/admin/categories/{home_id}"),
            Some(json!({"slug": "home", "name": "Home", "parent": home_id})),
        )
        .await,
        400,
        "/invalid-input",
    );
    assert_problem(
        &admin(
            &app,
            "POST",
            "/admin/categories",
            Some(json!({"slug": "home", "name": "Home again"})),
        )
        .await,
        409,
        "/conflict",
    );
    let unknown = assert_problem(
        &admin(
            &app,
            "POST",
            "/admin/categories",
            Some(json!({"slug": "y", "name": "Y", "colour": "red"})),
        )
        .await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&unknown), ["/colour"]);

    // A category with children cannot go; a leaf can, and its products leave it.
    let garden_id = garden["id"].as_str().unwrap();
    assert_problem(
        &admin(
            &app,
            "DELETE",
            &format!("/admin/categories/{garden_id}"),
            None,
        )
        .await,
        400,
        "/invalid-input",
    );
    // Categories of a new product by id or by path; a path must exist (only an import
    // creates categories from paths).
    let mut body = product_body("solar-light", "published");
    body["category_paths"] = json!(["garden/lights", "garden/sheds"]);
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(body.clone())).await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&problem), ["/category_paths/1"]);
    body["category_paths"] = json!(["garden/lights"]);
    body["category_ids"] = json!([lamps_id]);
    let p = ok(
        &admin(&app, "POST", "/admin/products", Some(body)).await,
        201,
    );
    assert_eq!(p["category_ids"], json!([lamps_id]));
    let mut by_path = product_body("garden-gnome", "draft");
    by_path["category_paths"] = json!(["garden", "garden/lights"]);
    let gnome = ok(
        &admin(&app, "POST", "/admin/products", Some(by_path)).await,
        201,
    );
    assert_eq!(gnome["category_ids"].as_array().unwrap().len(), 2);
    assert_eq!(
        admin(&app, "DELETE", "/admin/products/garden-gnome", None)
            .await
            .status,
        204
    );
    assert_eq!(
        admin(
            &app,
            "DELETE",
            &format!("/admin/categories/{lamps_id}"),
            None
        )
        .await
        .status,
        204
    );
    let p = ok(
        &admin(&app, "GET", "/admin/products/solar-light", None).await,
        200,
    );
    assert_eq!(p["category_ids"], json!([]));
    assert_problem(
        &admin(&app, "GET", &format!("/admin/categories/{lamps_id}"), None).await,
        404,
        "/not-found",
    );
    assert_eq!(
        ok(&admin(&app, "GET", "/admin/categories", None).await, 200)["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn collections_are_created_listed_replaced_and_deleted() {
    let app = spawn_app();
    let a = create(&app, "linen-shirt", "published").await;
    let b = create(&app, "wool-socks", "published").await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    let res = admin(
        &app,
        "POST",
        "/admin/collections",
        Some(json!({"slug": "summer", "title": "Summer", "description": "Light things.", "product_ids": [b_id, a_id]})),
    )
    .await;
    let summer = ok(&res, 201);
    let id = summer["id"].as_str().unwrap();
    assert!(id.starts_with("col_"));
    assert_eq!(summer["product_ids"], json!([b_id, a_id]));
    assert_eq!(
        ok(
            &admin(&app, "GET", "/admin/collections/summer", None).await,
            200
        ),
        summer
    );
    assert_eq!(
        ok(
            &admin(&app, "GET", &format!("/admin/collections/{id}"), None).await,
            200
        ),
        summer
    );
    let list = ok(&admin(&app, "GET", "/admin/collections", None).await, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let replaced = ok(
        &admin(
            &app,
            "PUT",
            &format!("/admin/collections/{id}"),
            Some(json!({"slug": "summer-sale", "title": "Summer sale", "product_ids": [a_id]})),
        )
        .await,
        200,
    );
    assert_eq!(replaced["slug"], "summer-sale");
    assert_eq!(replaced["description"], "");
    assert_eq!(replaced["product_ids"], json!([a_id]));

    let unknown = assert_problem(
        &admin(
            &app,
            "POST",
            "/admin/collections",
            Some(json!({"slug": "winter", "title": "Winter", "product_ids": ["prod_0000000000"]})),
        )
        .await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&unknown), ["/product_ids"]);
    assert_problem(
        &admin(
            &app,
            "POST",
            "/admin/collections",
            Some(json!({"slug": "summer-sale", "title": "Again"})),
        )
        .await,
        409,
        "/conflict",
    );
    assert_eq!(
        ok(&admin(&app, "GET", "/admin/collections", None).await, 200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    assert_eq!(
        admin(&app, "DELETE", &format!("/admin/collections/{id}"), None)
            .await
            .status,
        204
    );
    assert_problem(
        &admin(&app, "GET", &format!("/admin/collections/{id}"), None).await,
        404,
        "/not-found",
    );
    // Its products stay.
    assert_eq!(slugs(&app).await.len(), 2);
}

// --- bad input ----------------------------------------------------------------------------

#[tokio::test]
async fn bad_bodies_are_400_with_a_pointer_per_bad_field_and_change_nothing() {
    let app = spawn_app();
    let mut body = product_body("kettle", "draft");
    body["colour"] = json!("red");
    body["title"] = json!(42);
    body["variants"][0]["prices"][0]["amount"] = json!(-100);
    body["variants"][0]["prices"][1]["amount"] = json!(19.99);
    body["variants"][1]["prices"][0]["amount"] = json!(1e30);
    body["variants"][1]["prices"][1]["amount"] = json!("2900");
    body["variants"][1]["weight_grams"] = json!(-5);
    body["variants"][1]["size"] = json!("L");
    body["images"][0]["alt"] = Value::Null;
    body["status"] = json!("for-sale");
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(body)).await,
        400,
        "/invalid-input",
    );
    let mut paths = error_paths(&problem);
    paths.sort();
    let mut expected = vec![
        "/colour",
        "/title",
        "/status",
        "/images/0/alt",
        "/variants/0/prices/0/amount",
        "/variants/0/prices/1/amount",
        "/variants/1/prices/0/amount",
        "/variants/1/prices/1/amount",
        "/variants/1/weight_grams",
        "/variants/1/size",
    ];
    expected.sort();
    assert_eq!(paths, expected, "{problem:#}");
    for e in problem["errors"].as_array().unwrap() {
        assert!(!e["message"].as_str().unwrap().is_empty());
    }

    // Prices above 10^15 minor units are refused even when they fit in 64 bits.
    let mut absurd = product_body("kettle", "draft");
    absurd["variants"][0]["prices"][0]["amount"] = json!(1_000_000_000_000_000_000i64);
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(absurd)).await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&problem), ["/variants/0/prices/0/amount"]);

    // Currencies that are not ISO 4217: the catalog's own field errors come through.
    let mut currency = product_body("kettle", "draft");
    currency["variants"][0]["prices"][0]["currency"] = json!("XYZ");
    currency["variants"][1]["prices"][1]["currency"] = json!("eur");
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(currency)).await,
        400,
        "/invalid-input",
    );
    let paths = error_paths(&problem);
    assert!(
        paths.contains(&"/variants/0/prices/0/currency".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/variants/1/prices/1/currency".to_owned()),
        "{paths:?}"
    );

    // The catalog's rules: a bad slug, an empty title, a missing option value.
    let mut rules = product_body("Not A Slug", "draft");
    rules["title"] = json!("");
    rules["variants"][1]["options"] = json!([]);
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(rules)).await,
        400,
        "/invalid-input",
    );
    let paths = error_paths(&problem);
    assert!(paths.contains(&"/slug".to_owned()), "{paths:?}");
    assert!(paths.contains(&"/title".to_owned()), "{paths:?}");
    assert!(
        paths.iter().any(|p| p.starts_with("/variants/1")),
        "{paths:?}"
    );

    // Missing required fields, a body that is not an object, malformed JSON.
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(json!({}))).await,
        400,
        "/invalid-input",
    );
    let mut paths = error_paths(&problem);
    paths.sort();
    assert_eq!(paths, ["/slug", "/title", "/variants"]);
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(json!([1]))).await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&problem), [""]);
    let res = admin_raw(
        &app,
        "POST",
        "/admin/products",
        Some("application/json"),
        "{\"slug\": ",
    )
    .await;
    assert_eq!(
        error_paths(&assert_problem(&res, 400, "/invalid-input")),
        [""]
    );

    // PATCH is strict too.
    let p = create(&app, "teapot", "draft").await;
    let id = p["id"].as_str().unwrap();
    let problem = assert_problem(
        &admin(
            &app,
            "PATCH",
            &format!("/admin/products/{id}"),
            Some(json!({"title": ["x"], "status": "published", "category_ids": ["cat_000000"]})),
        )
        .await,
        400,
        "/invalid-input",
    );
    let mut paths = error_paths(&problem);
    paths.sort();
    assert_eq!(paths, ["/status", "/title"]);
    let problem = assert_problem(
        &admin(
            &app,
            "PATCH",
            &format!("/admin/products/{id}"),
            Some(json!({"category_ids": ["cat_000000"]})),
        )
        .await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&problem), ["/category_ids/0"]);
    let problem = assert_problem(
        &admin(
            &app,
            "PATCH",
            &format!("/admin/products/{id}"),
            Some(json!({"slug": "Bad Slug"})),
        )
        .await,
        400,
        "/invalid-input",
    );
    assert_eq!(error_paths(&problem), ["/slug"]);

    // Nothing of all that was written.
    let all = all_products(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], p);
}

#[tokio::test]
async fn duplicate_slugs_and_skus_are_409_and_change_nothing() {
    let app = spawn_app();
    let first = create(&app, "oak-stool", "published").await;
    let res = admin(
        &app,
        "POST",
        "/admin/products",
        Some(product_body("oak-stool", "draft")),
    )
    .await;
    let problem = assert_problem(&res, 409, "/conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("slug"),
        "{problem}"
    );

    let mut same_sku = product_body("oak-bench", "draft");
    same_sku["variants"][0]["sku"] = json!("OAK-STOOL-S");
    let problem = assert_problem(
        &admin(&app, "POST", "/admin/products", Some(same_sku)).await,
        409,
        "/conflict",
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("sku"),
        "{problem}"
    );

    let second = create(&app, "pine-stool", "draft").await;
    let id = second["id"].as_str().unwrap();
    assert_problem(
        &admin(
            &app,
            "PATCH",
            &format!("/admin/products/{id}"),
            Some(json!({"slug": "oak-stool"})),
        )
        .await,
        409,
        "/conflict",
    );
    assert_eq!(slugs(&app).await, ["pine-stool", "oak-stool"]);
    assert_eq!(
        ok(
            &admin(&app, "GET", "/admin/products/oak-stool", None).await,
            200
        ),
        first
    );
}

#[tokio::test]
async fn wrong_content_types_are_415_and_oversized_bodies_413() {
    let app = spawn_app();
    let body = product_body("mug", "draft").to_string();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let res = admin_raw(&app, "POST", "/admin/products", ct, body.clone()).await;
        assert_problem(&res, 415, "/unsupported-media-type");
    }
    // JSON with parameters is JSON.
    let res = admin_raw(
        &app,
        "POST",
        "/admin/products",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    ok(&res, 201);
    // An import is JSON Lines, not JSON.
    let line = product_body("cup", "draft").to_string();
    let res = admin_raw(
        &app,
        "POST",
        "/admin/products/import",
        Some("application/json"),
        line,
    )
    .await;
    assert_problem(&res, 415, "/unsupported-media-type");

    // Over the limits: 1 MiB for JSON writes, 4 MiB for imports.
    let mut big = product_body("big", "draft");
    big["description"] = json!("x".repeat(1024 * 1024));
    let res = admin(&app, "POST", "/admin/products", Some(big)).await;
    assert_problem(&res, 413, "/payload-too-large");
    let huge = format!("{}\n", product_body("huge", "draft")).repeat(4 * 1024 * 1024 / 500 + 10);
    assert!(huge.len() > 4 * 1024 * 1024);
    let res = import(&app, &huge).await;
    assert_problem(&res, 413, "/payload-too-large");
    // More than 1,000 lines is too much for one request, however small.
    let many = "{}\n".repeat(1001);
    assert_problem(&import(&app, &many).await, 413, "/payload-too-large");
    // The same with a declared length and no body read: refused from the header.
    let res = app
        .request(
            http::Request::post("/admin/products")
                .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                .header("content-type", "application/json")
                .header("content-length", "2000000")
                .body(Bytes::from(vec![b' '; 2_000_000]))
                .unwrap(),
        )
        .await;
    assert_problem(&res, 413, "/payload-too-large");
    assert_eq!(slugs(&app).await, ["mug"]);
}

// --- import and export --------------------------------------------------------------------

#[tokio::test]
async fn an_import_applies_good_lines_reports_bad_ones_and_writes_nothing_for_them() {
    let app = spawn_app();
    let existing = create(&app, "old-lamp", "published").await;

    let mut good_new = product_body("new-chair", "published");
    good_new["category_paths"] = json!(["home/living/chairs"]);
    let mut update = product_body("old-lamp", "published");
    update["title"] = json!("Old lamp, restored");
    let mut unknown_field = product_body("bad-field", "draft");
    unknown_field["colour"] = json!("red");
    let mut negative = product_body("bad-price", "draft");
    negative["variants"][0]["prices"][0]["amount"] = json!(-1);
    negative["category_paths"] = json!(["garden/sheds"]);
    let mut taken_sku = product_body("bad-sku", "draft");
    taken_sku["variants"][0]["sku"] = json!("NEW-CHAIR-S");
    taken_sku["category_paths"] = json!(["garden/benches"]);
    let mut bad_path = product_body("bad-path", "draft");
    bad_path["category_paths"] = json!(["home//lamps"]);
    let mut bad_segment = product_body("bad-segment", "draft");
    bad_segment["category_paths"] = json!(["home/Living Room"]);
    let mut good_second = product_body("new-table", "draft");
    good_second["category_paths"] = json!(["home/living/tables", "home"]);

    let file = [
        json!({"category": {"path": "home", "name": "Home & kitchen", "position": 0}}).to_string(),
        good_new.to_string(),
        String::new(), // blank lines are skipped
        update.to_string(),
        unknown_field.to_string(),
        "{not json".to_owned(),
        negative.to_string(),
        taken_sku.to_string(),
        bad_path.to_string(),
        bad_segment.to_string(),
        json!({"category": {"path": "home/living", "name": ""}}).to_string(),
        good_second.to_string(),
    ]
    .join("\n");
    let report = ok(&import(&app, &file).await, 200);
    assert_eq!(report["lines"], 11, "{report:#}");
    assert_eq!(report["succeeded"], 4, "{report:#}");
    assert_eq!(report["failed"], 7, "{report:#}");
    let results = report["results"].as_array().unwrap();
    let by_line = |n: u64| {
        results
            .iter()
            .find(|r| r["line"] == n)
            .unwrap_or_else(|| panic!("no line {n}: {report:#}"))
    };

    let category = by_line(1);
    assert_eq!(category["ok"], true);
    assert_eq!(category["kind"], "category");
    assert_eq!(category["created"], true);
    let chair = by_line(2);
    assert_eq!(
        (chair["ok"].clone(), chair["created"].clone()),
        (json!(true), json!(true)),
        "{chair}"
    );
    assert!(chair["id"].as_str().unwrap().starts_with("prod_"));
    let lamp = by_line(4);
    assert_eq!(lamp["ok"], true);
    assert_eq!(lamp["created"], false);
    assert_eq!(lamp["id"], existing["id"]);

    let failed_paths = |n: u64| -> Vec<String> {
        let r = by_line(n);
        assert_eq!(r["ok"], false, "line {n}: {r}");
        assert!(r.get("id").is_none());
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert!(!e["message"].as_str().unwrap().is_empty());
                e["path"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(failed_paths(5), ["/colour"]);
    assert_eq!(failed_paths(6), [""]);
    assert_eq!(failed_paths(7), ["/variants/0/prices/0/amount"]);
    assert_eq!(failed_paths(8), ["/variants"]);
    assert_eq!(failed_paths(9), ["/category_paths/0"]);
    assert_eq!(failed_paths(10), ["/category_paths/0"]);
    assert_eq!(failed_paths(11), ["/category/name"]);
    let table = by_line(12);
    assert_eq!(table["ok"], true, "{table}");

    // The good lines are written.
    assert_eq!(slugs(&app).await, ["new-table", "new-chair", "old-lamp"]);
    let lamp = ok(
        &admin(&app, "GET", "/admin/products/old-lamp", None).await,
        200,
    );
    assert_eq!(lamp["title"], "Old lamp, restored");
    assert_eq!(lamp["id"], existing["id"]);
    assert_eq!(
        lamp["variants"][0]["id"], existing["variants"][0]["id"],
        "variants keep their ids by SKU"
    );

    // Categories: named by their category line, or after their slug; the failing lines'
    // categories ("garden/sheds", "garden/benches", "home/Living Room") are gone again.
    let categories = ok(&admin(&app, "GET", "/admin/categories", None).await, 200);
    let mut paths: Vec<(String, String)> = categories["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("home".to_owned(), "Home & kitchen".to_owned()),
            ("home/living".to_owned(), "Living".to_owned()),
            ("home/living/chairs".to_owned(), "Chairs".to_owned()),
            ("home/living/tables".to_owned(), "Tables".to_owned()),
        ]
    );
    let table = ok(
        &admin(&app, "GET", "/admin/products/new-table", None).await,
        200,
    );
    assert_eq!(table["category_ids"].as_array().unwrap().len(), 2);

    // Re-importing the same category line renames nothing; a changed one renames.
    let again = ok(
        &import(
            &app,
            &json!({"category": {"path": "home/living", "name": "Living room"}}).to_string(),
        )
        .await,
        200,
    );
    assert_eq!(again["results"][0]["created"], false);
    let categories = ok(&admin(&app, "GET", "/admin/categories", None).await, 200);
    assert!(
        categories["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Living room")
    );

    // An empty import is a 400.
    assert_problem(&import(&app, "\n\n").await, 400, "/invalid-input");
}

/// Products as an export compares them: without ids, timestamps or category ids.
fn comparable(export: &str) -> Vec<Value> {
    export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

#[tokio::test]
async fn an_export_imports_into_a_fresh_store_as_the_same_catalog() {
    let source = spawn_app();
    let catalog = catalog_gen::catalog(40, 9);
    let report = ok(&import(&source, &catalog).await, 200);
    assert_eq!(report["failed"], 0, "{report:#}");
    // Some hand-made changes on top, so the export is not just the file.
    create(&source, "extra-one", "draft").await;
    ok(
        &admin(
            &source,
            "PATCH",
            "/admin/products/extra-one",
            Some(json!({"description": "Changed."})),
        )
        .await,
        200,
    );

    let res = admin(&source, "GET", "/admin/products/export", None).await;
    let exported = String::from_utf8(ok_raw(&res)).unwrap();
    assert_eq!(res.content_type(), "application/x-ndjson");
    assert_eq!(res.headers.get("cache-control").unwrap(), "no-store");
    let lines = comparable(&exported);
    let categories = lines.iter().filter(|l| l.get("category").is_some()).count();
    let products = lines.iter().filter(|l| l.get("slug").is_some()).count();
    assert_eq!(categories, catalog_gen::words::CATEGORIES.len());
    assert_eq!(products, 41);
    assert!(
        lines[..categories]
            .iter()
            .all(|l| l.get("category").is_some()),
        "categories come first"
    );

    let target = spawn_app();
    let report = ok(&import(&target, &exported).await, 200);
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(report["succeeded"], lines.len());
    let again = String::from_utf8(ok_raw(
        &admin(&target, "GET", "/admin/products/export", None).await,
    ))
    .unwrap();
    // The same categories in the same order, and the same products (an import creates them
    // in file order, so the newest-first export of the copy lists them the other way round).
    let sorted = |lines: Vec<Value>| {
        let (mut categories, mut products): (Vec<Value>, Vec<Value>) =
            lines.into_iter().partition(|l| l.get("category").is_some());
        categories.sort_by_key(|c| c["category"]["path"].as_str().unwrap().to_owned());
        products.sort_by_key(|p| p["slug"].as_str().unwrap().to_owned());
        (categories, products)
    };
    assert_eq!(
        sorted(comparable(&again)),
        sorted(lines.clone()),
        "the re-exported catalog is the same"
    );

    // And product by product, through the admin API.
    let strip = |mut p: Value| {
        for key in ["id", "created_at", "updated_at", "category_ids"] {
            p.as_object_mut().unwrap().remove(key);
        }
        for v in p["variants"].as_array_mut().unwrap() {
            v.as_object_mut().unwrap().remove("id");
        }
        p
    };
    let a: Vec<Value> = all_products(&source).await.into_iter().map(strip).collect();
    let b: Vec<Value> = all_products(&target).await.into_iter().map(strip).collect();
    assert_eq!(a.len(), 41);
    let mut a_sorted = a.clone();
    let mut b_sorted = b.clone();
    let key = |p: &Value| p["slug"].as_str().unwrap().to_owned();
    a_sorted.sort_by_key(key);
    b_sorted.sort_by_key(key);
    assert_eq!(a_sorted, b_sorted);

    // A status filter exports only those products.
    let drafts = String::from_utf8(ok_raw(
        &admin(&source, "GET", "/admin/products/export?status=draft", None).await,
    ))
    .unwrap();
    let draft_lines: Vec<Value> = comparable(&drafts)
        .into_iter()
        .filter(|l| l.get("slug").is_some())
        .collect();
    assert!(draft_lines.iter().all(|l| l["status"] == "draft"));
    assert!(draft_lines.iter().any(|l| l["slug"] == "extra-one"));
    assert_problem(
        &admin(&source, "GET", "/admin/products/export?status=nope", None).await,
        400,
        "/invalid-input",
    );
    assert_problem(
        &admin(&source, "POST", "/admin/products/export", None).await,
        405,
        "/method-not-allowed",
    );
}

fn ok_raw(res: &TestResponse) -> Vec<u8> {
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.body.to_vec()
}

// --- what shoppers see --------------------------------------------------------------------

#[tokio::test]
async fn an_admin_update_is_visible_on_the_next_public_read() {
    let app = spawn_app();
    let p = create(&app, "canvas-tote", "published").await;
    let id = p["id"].as_str().unwrap();
    // Read twice so that the cache holds the product page and the first list page.
    for _ in 0..2 {
        assert_eq!(
            app.get("/api/products/canvas-tote").await.json()["title"],
            "Product canvas-tote"
        );
        assert_eq!(
            app.get("/api/products").await.json()["items"][0]["title"],
            "Product canvas-tote"
        );
    }
    ok(
        &admin(
            &app,
            "PATCH",
            &format!("/admin/products/{id}"),
            Some(json!({"title": "Waxed Canvas Tote"})),
        )
        .await,
        200,
    );
    assert_eq!(
        app.get("/api/products/canvas-tote").await.json()["title"],
        "Waxed Canvas Tote"
    );
    assert_eq!(
        app.get("/api/products").await.json()["items"][0]["title"],
        "Waxed Canvas Tote"
    );

    // A price change through a variant, and an archive, likewise.
    let v = p["variants"][0]["id"].as_str().unwrap();
    ok(
        &admin(
            &app,
            "PUT",
            &format!("/admin/products/{id}/variants/{v}"),
            Some(variant("CANVAS-TOTE-S", "S", 1500)),
        )
        .await,
        200,
    );
    let shown = app.get("/api/products/canvas-tote").await.json();
    assert_eq!(shown["variants"][0]["prices"][0]["amount"], 1500);
    ok(
        &admin(&app, "POST", &format!("/admin/products/{id}/archive"), None).await,
        200,
    );
    assert_eq!(app.get("/api/products/canvas-tote").await.status, 404);
    assert!(
        app.get("/api/products").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

// --- the demo catalog ---------------------------------------------------------------------

#[test]
fn the_generator_is_deterministic_and_the_checked_in_demo_is_its_output() {
    let demo = catalog_gen::catalog(500, 1);
    assert_eq!(demo, catalog_gen::catalog(500, 1));
    assert_ne!(demo, catalog_gen::catalog(500, 2));
    let file = std::fs::read_to_string(repo_root().join("data/demo-catalog.jsonl")).unwrap();
    assert!(
        file == demo,
        "data/demo-catalog.jsonl is stale: regenerate it with \
         `cargo run -p catalog-gen -- --products 500 --seed 1 --out data/demo-catalog.jsonl`"
    );
    assert!(file.len() < 2 * 1024 * 1024);
}

#[test]
fn the_demo_catalog_is_realistic() {
    let lines = comparable(&catalog_gen::catalog(500, 1));
    let categories: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("category").is_some())
        .collect();
    let products: Vec<&Value> = lines.iter().filter(|l| l.get("slug").is_some()).collect();
    assert_eq!(products.len(), 500);
    assert!(
        categories
            .iter()
            .any(|c| c["category"]["path"].as_str().unwrap().split('/').count() == 3)
    );
    let mut currencies = std::collections::BTreeSet::new();
    let mut variants = 0;
    let mut on_sale = 0;
    let mut with_options = 0;
    for p in &products {
        assert!(p["title"].as_str().unwrap().split(' ').count() >= 3);
        assert!(p["description"].as_str().unwrap().len() > 80);
        let attrs: Vec<&str> = p["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(attrs, ["brand", "material"]);
        assert!(!p["images"].as_array().unwrap().is_empty());
        for image in p["images"].as_array().unwrap() {
            assert!(image["url"].as_str().unwrap().starts_with("/images/"));
            assert!(!image["alt"].as_str().unwrap().is_empty());
        }
        if !p["options"].as_array().unwrap().is_empty() {
            with_options += 1;
        }
        for v in p["variants"].as_array().unwrap() {
            variants += 1;
            for price in v["prices"].as_array().unwrap() {
                currencies.insert(price["currency"].as_str().unwrap().to_owned());
            }
            if !v["compare_at_prices"].as_array().unwrap().is_empty() {
                on_sale += 1;
            }
        }
    }
    assert_eq!(
        currencies.into_iter().collect::<Vec<_>>(),
        ["EUR", "GBP", "USD"]
    );
    assert!(variants > 1500, "{variants}");
    assert!(on_sale > 0);
    assert!(with_options > 400, "{with_options}");
}

#[tokio::test]
async fn the_checked_in_demo_catalog_imports_whole() {
    let app = spawn_app();
    let file = std::fs::read_to_string(repo_root().join("data/demo-catalog.jsonl")).unwrap();
    let report = ok(&import(&app, &file).await, 200);
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(report["succeeded"], file.lines().count());
    let products = all_products(&app).await;
    assert_eq!(products.len(), 500);
    let categories = ok(&admin(&app, "GET", "/admin/categories", None).await, 200);
    assert_eq!(
        categories["items"].as_array().unwrap().len(),
        catalog_gen::words::CATEGORIES.len()
    );
    // Shoppers see the published ones, in a category of the tree, with its sub-categories.
    let clothing = categories["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "clothing")
        .unwrap();
    let page = app
        .get(&format!(
            "/api/products?category={}&limit=5",
            clothing["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert_eq!(page.json()["items"].as_array().unwrap().len(), 5);
    // Importing it again changes nothing but says so.
    let report = ok(&import(&app, &file).await, 200);
    assert_eq!(report["failed"], 0);
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["created"] == false)
    );
    assert_eq!(all_products(&app).await.len(), 500);

    // The export pages through all of it (five pages of 100): every product once, and the
    // same products as the file (the file lists them oldest first, the export newest first).
    let exported = String::from_utf8(ok_raw(
        &admin(&app, "GET", "/admin/products/export", None).await,
    ))
    .unwrap();
    let sorted_products = |text: &str| {
        let mut products: Vec<Value> = comparable(text)
            .into_iter()
            .filter(|l| l.get("slug").is_some())
            .collect();
        products.sort_by_key(|p| p["slug"].as_str().unwrap().to_owned());
        products
    };
    let exported_products = sorted_products(&exported);
    assert_eq!(exported_products.len(), 500);
    assert_eq!(exported_products, sorted_products(&file));
}
