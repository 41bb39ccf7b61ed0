//! A signed-in customer's cart: found by the customer on every device, bought once, and a
//! guest cart merged into it on sign-in (see "A customer's cart" in
//! `wit/deps/cart/cart.wit`). The component tests call the cart's WIT export; the HTTP tests
//! go through cart-api and checkout-api with real sessions from identity.

use crate::cart_api::lines;
use crate::checkout_api::{CARD_OK, Shop, account_shop, signed_in_checkout, signed_in_customer};
use bytes::Bytes;
use commerce_tests::cart::{
    Cart, Error, MergeSkip, MergeSkipReason, VariantCheck, customer, variant,
};
use commerce_tests::orders::OrderStatus;
use commerce_tests::{TestApp, TestResponse, spawn_app};
use serde_json::{Value, json};
use std::sync::Arc;

const ANA: &str = "cus_ana";
const BO: &str = "cus_bo";

fn eur(variant_id: &str) -> VariantCheck {
    variant(variant_id, &[("EUR", 1999)])
}

fn quantities(cart: &Cart) -> Vec<(String, u32)> {
    cart.lines
        .iter()
        .map(|l| (l.variant_id.clone(), l.quantity))
        .collect()
}

fn pairs(items: &[(&str, u32)]) -> Vec<(String, u32)> {
    items.iter().map(|(v, q)| ((*v).to_owned(), *q)).collect()
}

// --- the cart component ---------------------------------------------------------------------

#[tokio::test]
async fn a_customer_has_one_current_cart_found_by_their_id_alone() {
    let app = spawn_app();
    let mut c = app.cart().await;
    assert!(matches!(
        c.get_cart(customer(ANA)).await,
        Err(Error::NotFound)
    ));
    let cart = c.create_customer_cart(ANA, "EUR").await.unwrap();
    assert_eq!(
        c.create_customer_cart(ANA, "EUR").await.unwrap().id,
        cart.id
    );
    c.add_line(customer(ANA), &eur("var_a"), 2).await.unwrap();

    // Another request (another device) finds the same cart by the customer alone.
    let mut other = app.cart().await;
    let seen = other.get_cart(customer(ANA)).await.unwrap();
    assert_eq!(seen.id, cart.id);
    assert_eq!(quantities(&seen), pairs(&[("var_a", 2)]));
    assert!(matches!(
        other.get_cart(customer(BO)).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        other.get_cart(customer("ana")).await,
        Err(Error::InvalidInput(e)) if e[0].path == "/customer_id"
    ));

    // A cart with lines keeps its currency: a switch drops nothing, it is refused.
    assert!(matches!(
        other.create_customer_cart(ANA, "USD").await,
        Err(Error::InvalidInput(e)) if e[0].path == "/currency"
    ));
    assert_eq!(other.get_cart(customer(ANA)).await.unwrap().item_count, 2);
    // Emptied, it is replaced by a cart in the new currency.
    other
        .remove_line(customer(ANA), &seen.lines[0].id)
        .await
        .unwrap();
    let usd = other.create_customer_cart(ANA, "USD").await.unwrap();
    assert_eq!(usd.currency, "USD");
    assert_ne!(usd.id, cart.id);
    assert_eq!(other.get_cart(customer(ANA)).await.unwrap().id, usd.id);
    // Deleting it leaves the customer without a cart.
    other.delete_cart(customer(ANA)).await.unwrap();
    assert!(matches!(
        other.get_cart(customer(ANA)).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn an_ordered_customer_cart_is_no_longer_current_and_its_checkout_still_ends_on_it() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let first = c.create_customer_cart(ANA, "EUR").await.unwrap();
    c.add_line(customer(ANA), &eur("var_a"), 1).await.unwrap();
    assert_eq!(
        c.begin_checkout(customer(ANA), "h1").await.unwrap().id,
        first.id
    );
    assert!(matches!(
        c.add_line(customer(ANA), &eur("var_b"), 1).await,
        Err(Error::CheckoutHeld(_))
    ));
    assert!(matches!(
        c.begin_checkout(customer(ANA), "h2").await,
        Err(Error::CheckoutHeld(_))
    ));
    assert_eq!(
        c.complete_checkout(customer(ANA), "h1", "1001")
            .await
            .unwrap()
            .id,
        first.id
    );

    // The ordered cart is not current any more: the next one starts empty.
    assert!(matches!(
        c.get_cart(customer(ANA)).await,
        Err(Error::NotFound)
    ));
    let second = c.create_customer_cart(ANA, "EUR").await.unwrap();
    assert_ne!(second.id, first.id);
    assert!(second.lines.is_empty());
    c.add_line(customer(ANA), &eur("var_b"), 3).await.unwrap();

    // The first checkout's retries end on the cart it claimed, never on the new one.
    let again = c
        .complete_checkout(customer(ANA), "h1", "1001")
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(
        c.begin_checkout(customer(ANA), "h1").await.unwrap().id,
        first.id
    );
    c.abandon_checkout(customer(ANA), "h1").await.unwrap();
    let current = c.get_cart(customer(ANA)).await.unwrap();
    assert_eq!(current.id, second.id);
    assert!(current.checkout.is_none());
    assert_eq!(quantities(&current), pairs(&[("var_b", 3)]));
}

#[tokio::test]
async fn a_guest_cart_becomes_the_customers_when_they_have_none_and_its_token_opens_nothing() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let guest = c.create_cart("EUR").await.unwrap();
    c.add_line(&guest.token, &eur("var_a"), 2).await.unwrap();

    let merged = c
        .merge_guest_cart(&guest.token, ANA, &[eur("var_a")])
        .await
        .unwrap();
    assert!(merged.adopted);
    assert!(merged.skipped.is_empty());
    assert_eq!(merged.cart.id, guest.cart.id);
    assert!(matches!(
        c.get_cart(&guest.token).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        c.add_line(&guest.token, &eur("var_b"), 1).await,
        Err(Error::NotFound)
    ));
    let mine = c.get_cart(customer(ANA)).await.unwrap();
    assert_eq!(mine.id, guest.cart.id);
    assert_eq!(quantities(&mine), pairs(&[("var_a", 2)]));
    // A merge is done once.
    assert!(matches!(
        c.merge_guest_cart(&guest.token, ANA, &[eur("var_a")]).await,
        Err(Error::NotFound)
    ));

    // An empty customer cart gives way to the guest's, in the guest's currency.
    let empty = c.create_customer_cart(BO, "EUR").await.unwrap();
    let usd_guest = c.create_cart("USD").await.unwrap();
    let usd = variant("var_u", &[("USD", 500)]);
    c.add_line(&usd_guest.token, &usd, 1).await.unwrap();
    let merged = c
        .merge_guest_cart(&usd_guest.token, BO, &[usd])
        .await
        .unwrap();
    assert!(merged.adopted);
    assert_eq!(merged.cart.currency, "USD");
    assert_ne!(merged.cart.id, empty.id);
}

#[tokio::test]
async fn merging_sums_quantities_within_the_limits_and_reports_what_it_left_out() {
    let app = spawn_app();
    let mut c = app.cart().await;
    c.create_customer_cart(ANA, "EUR").await.unwrap();
    c.add_line(customer(ANA), &eur("var_a"), 90).await.unwrap();
    c.add_line(customer(ANA), &eur("var_b"), 1).await.unwrap();
    let guest = c.create_cart("EUR").await.unwrap();
    for (v, q) in [
        ("var_a", 20),
        ("var_c", 1),
        ("var_d", 2),
        ("var_e", 3),
        ("var_f", 4),
    ] {
        c.add_line(&guest.token, &eur(v), q).await.unwrap();
    }
    let mut unpublished = eur("var_c");
    unpublished.published = false;
    let checks = [
        eur("var_a"),
        unpublished,
        // Since added, var_d lost its EUR price; var_f is unknown to the catalog (no check).
        variant("var_d", &[("USD", 2199)]),
        eur("var_e"),
        // A check of a variant the guest cart does not have changes nothing.
        eur("var_z"),
    ];
    let merged = c
        .merge_guest_cart(&guest.token, ANA, &checks)
        .await
        .unwrap();
    assert!(!merged.adopted);
    let skip = |v: &str, wanted, moved, reason| MergeSkip {
        variant_id: v.to_owned(),
        wanted,
        moved,
        reason,
    };
    assert_eq!(
        merged.skipped,
        vec![
            skip("var_a", 20, 9, MergeSkipReason::LineQuantity),
            skip("var_c", 1, 0, MergeSkipReason::Unavailable),
            skip("var_d", 2, 0, MergeSkipReason::NoPrice),
            skip("var_f", 4, 0, MergeSkipReason::Unavailable),
        ]
    );
    let mine = c.get_cart(customer(ANA)).await.unwrap();
    assert_eq!(mine.id, merged.cart.id);
    assert_eq!(
        quantities(&mine),
        pairs(&[("var_a", 99), ("var_b", 1), ("var_e", 3)])
    );
    assert!(matches!(
        c.get_cart(&guest.token).await,
        Err(Error::NotFound)
    ));

    // A guest cart in another currency: only what is priced in the customer's moves.
    let usd_guest = c.create_cart("USD").await.unwrap();
    let both = variant("var_g", &[("USD", 500), ("EUR", 450)]);
    let usd_only = variant("var_h", &[("USD", 500)]);
    c.add_line(&usd_guest.token, &both, 2).await.unwrap();
    c.add_line(&usd_guest.token, &usd_only, 1).await.unwrap();
    let merged = c
        .merge_guest_cart(&usd_guest.token, ANA, &[both, usd_only])
        .await
        .unwrap();
    assert_eq!(merged.cart.currency, "EUR");
    assert_eq!(
        merged.skipped,
        vec![skip("var_h", 1, 0, MergeSkipReason::NoPrice)]
    );
    assert_eq!(
        quantities(&merged.cart),
        pairs(&[("var_a", 99), ("var_b", 1), ("var_e", 3), ("var_g", 2)])
    );
}

#[tokio::test]
async fn a_merge_moves_nothing_while_a_checkout_holds_either_cart() {
    let app = spawn_app();
    let mut c = app.cart().await;
    c.create_customer_cart(ANA, "EUR").await.unwrap();
    c.add_line(customer(ANA), &eur("var_a"), 1).await.unwrap();
    let guest = c.create_cart("EUR").await.unwrap();
    c.add_line(&guest.token, &eur("var_b"), 2).await.unwrap();
    let checks = [eur("var_b")];

    c.begin_checkout(&guest.token, "guest-checkout")
        .await
        .unwrap();
    assert!(matches!(
        c.merge_guest_cart(&guest.token, ANA, &checks).await,
        Err(Error::CheckoutHeld(_))
    ));
    c.abandon_checkout(&guest.token, "guest-checkout")
        .await
        .unwrap();

    c.begin_checkout(customer(ANA), "customer-checkout")
        .await
        .unwrap();
    assert!(matches!(
        c.merge_guest_cart(&guest.token, ANA, &checks).await,
        Err(Error::CheckoutHeld(_))
    ));
    // Both carts are as they were, and the guest token still opens its cart.
    assert_eq!(
        quantities(&c.get_cart(customer(ANA)).await.unwrap()),
        pairs(&[("var_a", 1)])
    );
    assert_eq!(
        quantities(&c.get_cart(&guest.token).await.unwrap()),
        pairs(&[("var_b", 2)])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_merges_and_checkouts_of_one_guest_cart_merge_it_or_buy_it_once() {
    let app = Arc::new(spawn_app());
    let (mut merges_won, mut checkouts_won) = (0, 0);
    for round in 0..6 {
        let owner = format!("cus_race{round}");
        let mut c = app.cart().await;
        // Half the rounds merge into a cart with a line, half adopt the guest cart.
        if round % 2 == 0 {
            c.create_customer_cart(&owner, "EUR").await.unwrap();
            c.add_line(customer(&owner), &eur("var_b"), 1)
                .await
                .unwrap();
        }
        let guest = c.create_cart("EUR").await.unwrap();
        c.add_line(&guest.token, &eur("var_a"), 2).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (app, token, owner) = (app.clone(), guest.token.clone(), owner.clone());
            tasks.push(tokio::spawn(async move {
                let mut c = app.cart().await;
                if i % 2 == 0 {
                    (
                        "merge",
                        c.merge_guest_cart(&token, &owner, &[eur("var_a")])
                            .await
                            .is_ok(),
                    )
                } else {
                    let holder = format!("checkout-{i}");
                    ("checkout", c.begin_checkout(&token, &holder).await.is_ok())
                }
            }));
        }
        let mut won = Vec::new();
        for task in tasks {
            let (kind, ok) = task.await.unwrap();
            if ok {
                won.push(kind);
            }
        }
        assert_eq!(won.len(), 1, "round {round}: one winner, not {won:?}");
        let mut c = app.cart().await;
        let mine = c.get_cart(customer(&owner)).await;
        if won[0] == "merge" {
            merges_won += 1;
            let expected: &[(&str, u32)] = if round % 2 == 0 {
                &[("var_b", 1), ("var_a", 2)]
            } else {
                &[("var_a", 2)]
            };
            assert_eq!(quantities(&mine.unwrap()), pairs(expected), "round {round}");
            assert!(matches!(
                c.get_cart(&guest.token).await,
                Err(Error::NotFound)
            ));
        } else {
            checkouts_won += 1;
            assert!(c.get_cart(&guest.token).await.unwrap().checkout.is_some());
            if round % 2 == 0 {
                assert_eq!(quantities(&mine.unwrap()), pairs(&[("var_b", 1)]));
            } else {
                assert!(matches!(mine, Err(Error::NotFound)));
            }
        }
    }
    eprintln!("merges won {merges_won}, checkouts won {checkouts_won}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guest_carts_merged_at_once_from_several_devices_all_add_up_in_one_cart() {
    let app = Arc::new(spawn_app());
    let mut guests = Vec::new();
    for quantity in [1u32, 2, 3, 4] {
        let mut c = app.cart().await;
        let guest = c.create_cart("EUR").await.unwrap();
        c.add_line(&guest.token, &eur("var_a"), quantity)
            .await
            .unwrap();
        guests.push(guest.token);
    }
    let tasks: Vec<_> = guests
        .into_iter()
        .map(|token| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut c = app.cart().await;
                c.merge_guest_cart(&token, ANA, &[eur("var_a")]).await
            })
        })
        .collect();
    let mut adopted = 0;
    for task in tasks {
        if task.await.unwrap().expect("every merge succeeds").adopted {
            adopted += 1;
        }
    }
    assert_eq!(adopted, 1, "the first merge adopts, the others add to it");
    let mine = app.cart().await.get_cart(customer(ANA)).await.unwrap();
    assert_eq!(quantities(&mine), pairs(&[("var_a", 10)]));
}

// --- over HTTP ------------------------------------------------------------------------------

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> TestResponse {
    let mut req = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let bytes = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    let r = app.request(req.body(bytes).unwrap()).await;
    commerce_tests::openapi::check_response(method, path, &r);
    r
}

fn bearer(session: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {session}"))
}

/// `method path` as the customer of `session`.
async fn as_customer(
    app: &TestApp,
    session: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let (name, value) = bearer(session);
    send(app, method, path, &[(name, &value)], body).await
}

/// Makes the signed-in customer's own EUR cart and puts `quantity` of the shop's variant in
/// it (none for 0).
async fn own_cart(shop: &Shop, session: &str, quantity: u32) {
    let currency = json!({"currency": "EUR"});
    let r = as_customer(&shop.app, session, "POST", "/api/carts", Some(currency)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    if quantity > 0 {
        let add = json!({"variant_id": shop.variant, "quantity": quantity});
        let r = as_customer(&shop.app, session, "POST", "/api/cart/lines", Some(add)).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

/// A checkout of the signed-in customer's own cart: the shop's body without a cart token.
fn own_cart_body(shop: &Shop) -> Value {
    let mut body = shop.body("unused", CARD_OK);
    body.as_object_mut().unwrap().remove("cart_token");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_shoppers_cart_follows_them_to_every_device_and_is_bought_from_any() {
    let shop = account_shop().await;
    let app = &shop.app;
    let phone = signed_in_customer(app, "ana@example.com").await;
    let laptop = signed_in_customer(app, "ana@example.com").await;
    let bo = signed_in_customer(app, "bo@example.com").await;

    let r = as_customer(
        app,
        &phone,
        "POST",
        "/api/carts",
        Some(json!({"currency": "EUR"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.json().get("token").is_none(),
        "a customer's cart has no token"
    );
    let cart_id = r.json()["cart"]["id"].as_str().unwrap().to_owned();
    let add = json!({"variant_id": shop.variant, "quantity": 2});
    let r = as_customer(app, &phone, "POST", "/api/cart/lines", Some(add)).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The laptop's session finds the same cart; another customer finds none of it.
    let r = as_customer(app, &laptop, "GET", "/api/cart", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], cart_id);
    assert_eq!(lines(&r.json()), vec![(shop.variant.clone(), 2)]);
    assert_eq!(r.headers["vary"], "Cart-Token, Authorization, Cookie");
    let r = as_customer(app, &bo, "GET", "/api/cart", None).await;
    assert_eq!(r.status, 404);
    let r = send(app, "GET", "/api/cart", &[], None).await;
    assert_eq!(r.status, 401);
    // A session that ended opens nothing.
    let r = send(
        app,
        "GET",
        "/api/cart",
        &[("authorization", "Bearer stk_forged")],
        None,
    )
    .await;
    assert_eq!(r.status, 401);

    // Bought from the laptop: the order is Ana's, and her next cart starts empty.
    let r = signed_in_checkout(app, &laptop, "own-cart-1", &own_cart_body(&shop)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let number = r.json()["order"]["number"].as_u64().unwrap();
    let r = as_customer(app, &phone, "GET", &format!("/api/orders/{number}"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(shop.stock().await, (8, 0, 8));
    let r = as_customer(app, &phone, "GET", "/api/cart", None).await;
    assert_eq!(r.status, 404);
    let r = as_customer(
        app,
        &phone,
        "POST",
        "/api/carts",
        Some(json!({"currency": "EUR"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_ne!(r.json()["cart"]["id"], cart_id);
    assert!(lines(&r.json()["cart"]).is_empty());

    // Without a cart of their own, a customer's checkout is refused and changes nothing.
    let r = signed_in_checkout(app, &bo, "own-cart-bo", &own_cart_body(&shop)).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.problem_type(), "cart-not-ready");
    // And a guest must name a cart.
    let r = shop.checkout("no-cart-guest", &own_cart_body(&shop)).await;
    assert_eq!(r.status, 400);
    assert_eq!(shop.stock().await, (8, 0, 8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_cart_is_merged_into_the_customers_cart_on_sign_in_once() {
    let shop = account_shop().await;
    let app = &shop.app;
    let ana = signed_in_customer(app, "ana@example.com").await;
    own_cart(&shop, &ana, 1).await;
    let guest = shop.cart(2).await;

    // Both the guest's token and the session are needed.
    let r = send(
        app,
        "POST",
        "/api/cart/merge",
        &[("cart-token", &guest)],
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    let r = as_customer(app, &ana, "POST", "/api/cart/merge", None).await;
    assert_eq!(r.status, 401);

    let (name, value) = bearer(&ana);
    let headers = [(name, value.as_str()), ("cart-token", guest.as_str())];
    let r = send(app, "POST", "/api/cart/merge", &headers, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let merged = r.json();
    assert_eq!(merged["adopted"], false);
    assert_eq!(merged["skipped"], json!([]));
    assert_eq!(lines(&merged["cart"]), vec![(shop.variant.clone(), 3)]);

    // The guest token opens nothing now, and a second merge finds nothing to merge.
    let r = send(app, "GET", "/api/cart", &[("cart-token", &guest)], None).await;
    assert_eq!(r.status, 404);
    let r = send(app, "POST", "/api/cart/merge", &headers, None).await;
    assert_eq!(r.status, 404);
    let r = as_customer(app, &ana, "GET", "/api/cart", None).await;
    assert_eq!(lines(&r.json()), vec![(shop.variant.clone(), 3)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_session_changes_the_cart_only_from_the_shops_own_pages() {
    let shop = account_shop().await;
    let app = &shop.app;
    let ana = signed_in_customer(app, "ana@example.com").await;
    let cookie = format!("__Host-session={ana}");
    own_cart(&shop, &ana, 0).await;
    let add = json!({"variant_id": shop.variant, "quantity": 1});
    let r = send(
        app,
        "POST",
        "/api/cart/lines",
        &[("cookie", &cookie), ("origin", "https://evil.example")],
        Some(add.clone()),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Reading with the cookie needs no proof; nothing was added.
    let r = send(app, "GET", "/api/cart", &[("cookie", &cookie)], None).await;
    assert_eq!(r.status, 200);
    assert!(lines(&r.json()).is_empty());
    let r = send(
        app,
        "POST",
        "/api/cart/lines",
        &[("cookie", &cookie), ("sec-fetch-site", "same-origin")],
        Some(add),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_checkouts_of_a_customers_cart_from_two_devices_buy_it_once() {
    let shop = account_shop().await;
    let app = shop.app.clone();
    let phone = signed_in_customer(&app, "ana@example.com").await;
    let laptop = signed_in_customer(&app, "ana@example.com").await;
    own_cart(&shop, &phone, 2).await;
    let body = own_cart_body(&shop);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (app, body) = (app.clone(), body.clone());
            let session = if i % 2 == 0 {
                phone.clone()
            } else {
                laptop.clone()
            };
            tokio::spawn(async move {
                let key = format!("device-key-{i}");
                let mut r = signed_in_checkout(&app, &session, &key, &body).await;
                // A 503 (SQLite's busy timeout under the crowd) is retried with its key.
                for _ in 0..5 {
                    if r.status != 503 {
                        break;
                    }
                    r = signed_in_checkout(&app, &session, &key, &body).await;
                }
                r.status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
    assert_eq!(shop.stock().await, (8, 0, 8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_and_body_sent_by_two_customers_are_two_checkouts_never_one_answer() {
    let shop = account_shop().await;
    let app = &shop.app;
    let ana = signed_in_customer(app, "ana@example.com").await;
    let bo = signed_in_customer(app, "bo@example.com").await;
    for session in [&ana, &bo] {
        own_cart(&shop, session, 1).await;
    }
    let body = own_cart_body(&shop);
    let a = signed_in_checkout(app, &ana, "shared-key", &body).await;
    let b = signed_in_checkout(app, &bo, "shared-key", &body).await;
    assert_eq!(a.status, 201, "{}", a.text());
    // Bo's request is not Ana's: it is never answered with her order.
    assert_ne!(b.status, 201, "{}", b.text());
    assert_eq!(b.problem_type(), "idempotency-key-reused");
    assert_eq!(shop.orders_with(OrderStatus::Paid).await, 1);
    let r = as_customer(app, &bo, "GET", "/api/orders", None).await;
    assert_eq!(r.json()["items"], json!([]));
    let r = signed_in_checkout(app, &bo, "bo-own-key", &body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(shop.stock().await, (8, 0, 8));
}
