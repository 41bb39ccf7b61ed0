//! Component unit tests: the cart component on its own in wasmtime, called through its WIT
//! export (`commerce:cart/cart`) over fresh state, with the grants and variables of
//! `cart-api`, which composes it.
//!
//! The cart imports no other capability: the tests play its caller and pass the variant as
//! the catalog would report it (`VariantCheck`).

use commerce_host::faults::{self, FaultAction, SqliteFault};
use commerce_tests::cart::{
    Cart, CartHandle, Error, FieldError, Limit, LimitKind, VariantCheck, variant,
};
use commerce_tests::{spawn_app, spawn_app_with};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn eur(variant_id: &str) -> VariantCheck {
    variant(variant_id, &[("EUR", 1999), ("USD", 2199)])
}

async fn new_cart(c: &mut CartHandle, currency: &str) -> (String, Cart) {
    let created = c.create_cart(currency).await.expect("create-cart");
    (created.token, created.cart)
}

fn quantities(cart: &Cart) -> Vec<(String, u32)> {
    cart.lines
        .iter()
        .map(|l| (l.variant_id.clone(), l.quantity))
        .collect()
}

fn field(path: &str) -> impl Fn(&Error) -> bool + '_ {
    move |e| matches!(e, Error::InvalidInput(errs) if errs.iter().any(|f: &FieldError| f.path == path))
}

#[tokio::test]
async fn limits_are_the_documented_ones_and_the_idle_time_is_seven_days_by_default() {
    let app = spawn_app();
    let limits = app.cart().await.limits().await.unwrap();
    assert_eq!(limits.max_line_quantity, 99);
    assert_eq!(limits.max_cart_quantity, 500);
    assert_eq!(limits.max_lines, 50);
    assert_eq!(limits.idle_ttl_seconds, 7 * 24 * 3600);

    let app = spawn_app_with(&[("cart_idle_ttl_seconds", "3600")]);
    assert_eq!(
        app.cart().await.limits().await.unwrap().idle_ttl_seconds,
        3600
    );
}

#[tokio::test]
async fn a_malformed_idle_time_variable_is_an_error_not_a_silent_default() {
    for bad in ["0", "-5", "1.5", "soon", "31536001"] {
        let app = spawn_app_with(&[("cart_idle_ttl_seconds", bad)]);
        let mut c = app.cart().await;
        assert!(
            matches!(c.limits().await, Err(Error::Other(_))),
            "{bad} is refused"
        );
        assert!(matches!(c.create_cart("EUR").await, Err(Error::Other(_))));
    }
}

#[tokio::test]
async fn a_new_cart_is_empty_in_its_currency_with_an_unguessable_token() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, cart) = new_cart(&mut c, "EUR").await;
    assert!(token.starts_with("ctk_"), "{token}");
    // 256 bits in unpadded base64url: 43 characters after the prefix.
    assert_eq!(token.len(), 4 + 43);
    assert!(cart.id.starts_with("cart_"));
    assert_ne!(cart.id, token);
    assert_eq!(cart.currency, "EUR");
    assert!(cart.lines.is_empty());
    assert_eq!(cart.item_count, 0);
    assert_eq!(cart.created_at, cart.updated_at);
    assert_eq!(cart.expires_at, cart.created_at + 7 * 24 * 3600 * 1000);

    let again = app.cart().await.get_cart(&token).await.unwrap();
    assert_eq!(again.id, cart.id);

    // Many carts, all with distinct tokens and ids.
    let mut tokens = HashSet::new();
    let mut ids = HashSet::new();
    for _ in 0..50 {
        let (t, cart) = new_cart(&mut c, "USD").await;
        assert!(tokens.insert(t));
        assert!(ids.insert(cart.id));
    }
}

#[tokio::test]
async fn an_invalid_currency_is_refused() {
    let app = spawn_app();
    let mut c = app.cart().await;
    for bad in ["", "eur", "EURO", "XXY", "E1R"] {
        let e = c.create_cart(bad).await.unwrap_err();
        assert!(field("/currency")(&e), "{bad}: {e:?}");
    }
}

#[tokio::test]
async fn unknown_malformed_and_foreign_tokens_are_not_found() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, cart) = new_cart(&mut c, "EUR").await;
    let mut guessed = token.clone();
    guessed.pop();
    guessed.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [
        "",
        "ctk_",
        guessed.as_str(),
        cart.id.as_str(),
        "ogt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        &token[..token.len() - 1],
    ] {
        assert_eq!(c.get_cart(bad).await, Err(Error::NotFound), "{bad}");
        assert_eq!(
            c.add_line(bad, &eur("var_A"), 1).await,
            Err(Error::NotFound),
            "{bad}"
        );
        assert_eq!(c.remove_line(bad, "line_X").await, Err(Error::NotFound));
        assert_eq!(c.delete_cart(bad).await, Ok(()), "delete is idempotent");
    }
    // Nothing happened to the real cart.
    assert!(c.get_cart(&token).await.unwrap().lines.is_empty());
}

#[tokio::test]
async fn adding_a_variant_twice_grows_its_line() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    let cart = c.add_line(&token, &eur("var_A"), 2).await.unwrap();
    assert_eq!(cart.lines.len(), 1);
    let line = &cart.lines[0];
    assert!(line.id.starts_with("line_"));
    assert_eq!(line.product_id, "prod_TEST");
    assert_eq!(cart.item_count, 2);
    assert_eq!(line.added_at, line.updated_at);

    let cart = c.add_line(&token, &eur("var_B"), 1).await.unwrap();
    let cart2 = c.add_line(&token, &eur("var_A"), 3).await.unwrap();
    assert_eq!(
        quantities(&cart2),
        vec![("var_A".into(), 5), ("var_B".into(), 1)],
        "oldest first; the line of var_A grew"
    );
    assert_eq!(cart2.lines[0].id, cart.lines[0].id, "the line keeps its id");
    assert_eq!(cart2.item_count, 6);
    assert!(cart2.updated_at >= cart.updated_at);
}

#[tokio::test]
async fn zero_quantities_and_malformed_ids_are_invalid_input_and_change_nothing() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    let e = c.add_line(&token, &eur("var_A"), 0).await.unwrap_err();
    assert!(field("/quantity")(&e), "{e:?}");
    let e = c.add_line(&token, &eur("prod_A"), 1).await.unwrap_err();
    assert!(field("/variant/variant_id")(&e), "{e:?}");
    let mut bad_product = eur("var_A");
    bad_product.product_id = "var_A".into();
    let e = c.add_line(&token, &bad_product, 1).await.unwrap_err();
    assert!(field("/variant/product_id")(&e), "{e:?}");
    assert!(c.get_cart(&token).await.unwrap().lines.is_empty());
}

#[tokio::test]
async fn unpublished_and_unpriced_variants_are_refused_and_change_nothing() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "GBP").await;
    let mut draft = variant("var_D", &[("GBP", 100)]);
    draft.published = false;
    assert_eq!(
        c.add_line(&token, &draft, 1).await,
        Err(Error::Unavailable("var_D".into()))
    );
    // Priced in other currencies only: the cart is in GBP.
    assert_eq!(
        c.add_line(&token, &eur("var_A"), 1).await,
        Err(Error::NoPrice("GBP".into()))
    );
    assert_eq!(
        c.add_line(&token, &variant("var_N", &[]), 1).await,
        Err(Error::NoPrice("GBP".into()))
    );
    assert!(c.get_cart(&token).await.unwrap().lines.is_empty());
    // The same variant priced in GBP goes in.
    let cart = c
        .add_line(&token, &variant("var_A", &[("GBP", 1500)]), 1)
        .await
        .unwrap();
    assert_eq!(quantities(&cart), vec![("var_A".into(), 1)]);
}

#[tokio::test]
async fn line_quantity_cart_quantity_and_line_count_limits_hold() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    let line_limit = Err(Error::LimitExceeded(Limit {
        kind: LimitKind::LineQuantity,
        max: 99,
    }));
    assert_eq!(c.add_line(&token, &eur("var_A"), 100).await, line_limit);
    c.add_line(&token, &eur("var_A"), 99).await.unwrap();
    assert_eq!(c.add_line(&token, &eur("var_A"), 1).await, line_limit);
    assert_eq!(
        c.add_line(&token, &eur("var_A"), u32::MAX).await,
        line_limit,
        "no overflow"
    );

    // 99 + 4 × 99 = 495 units; 5 more fit, 6 do not.
    for v in ["var_B", "var_C", "var_D", "var_E"] {
        c.add_line(&token, &eur(v), 99).await.unwrap();
    }
    assert_eq!(
        c.add_line(&token, &eur("var_F"), 6).await,
        Err(Error::LimitExceeded(Limit {
            kind: LimitKind::CartQuantity,
            max: 500
        }))
    );
    let cart = c.add_line(&token, &eur("var_F"), 5).await.unwrap();
    assert_eq!(cart.item_count, 500);

    // Line count: a fresh cart with 50 lines takes no 51st, but an existing line still grows.
    let (token, _) = new_cart(&mut c, "EUR").await;
    for n in 0..50 {
        c.add_line(&token, &eur(&format!("var_L{n}")), 1)
            .await
            .unwrap();
    }
    let before = c.get_cart(&token).await.unwrap();
    assert_eq!(
        c.add_line(&token, &eur("var_L50"), 1).await,
        Err(Error::LimitExceeded(Limit {
            kind: LimitKind::LineCount,
            max: 50
        }))
    );
    let after = c.get_cart(&token).await.unwrap();
    assert_eq!(quantities(&before), quantities(&after), "nothing changed");
    let grown = c.add_line(&token, &eur("var_L0"), 1).await.unwrap();
    assert_eq!(grown.lines[0].quantity, 2);
}

#[tokio::test]
async fn set_quantity_raises_lowers_and_removes() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    let cart = c.add_line(&token, &eur("var_A"), 2).await.unwrap();
    let line = cart.lines[0].id.clone();

    let cart = c
        .set_quantity(&token, &line, 7, &eur("var_A"))
        .await
        .unwrap();
    assert_eq!(quantities(&cart), vec![("var_A".into(), 7)]);
    // Idempotent.
    let again = c
        .set_quantity(&token, &line, 7, &eur("var_A"))
        .await
        .unwrap();
    assert_eq!(quantities(&again), vec![("var_A".into(), 7)]);
    assert_eq!(
        again.updated_at, cart.updated_at,
        "no change, no new updated-at"
    );

    assert_eq!(
        c.set_quantity(&token, &line, 100, &eur("var_A")).await,
        Err(Error::LimitExceeded(Limit {
            kind: LimitKind::LineQuantity,
            max: 99
        }))
    );
    // Another variant's reading is not this line's.
    let e = c
        .set_quantity(&token, &line, 3, &eur("var_B"))
        .await
        .unwrap_err();
    assert!(field("/variant/variant_id")(&e), "{e:?}");

    // Unknown lines and lines of other carts are not found.
    let (other, _) = new_cart(&mut c, "EUR").await;
    assert_eq!(
        c.set_quantity(&other, &line, 1, &eur("var_A")).await,
        Err(Error::NotFound)
    );
    assert_eq!(
        c.set_quantity(&token, "line_NOPE", 1, &eur("var_A")).await,
        Err(Error::NotFound)
    );
    assert_eq!(
        c.set_quantity(&token, "not-a-line", 1, &eur("var_A")).await,
        Err(Error::NotFound)
    );

    let cart = c
        .set_quantity(&token, &line, 0, &eur("var_A"))
        .await
        .unwrap();
    assert!(cart.lines.is_empty());
    assert_eq!(cart.item_count, 0);
}

#[tokio::test]
async fn a_line_that_is_no_longer_for_sale_can_be_lowered_but_not_raised() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    let cart = c.add_line(&token, &eur("var_A"), 5).await.unwrap();
    let line = cart.lines[0].id.clone();

    let mut gone = eur("var_A");
    gone.published = false;
    assert_eq!(
        c.set_quantity(&token, &line, 6, &gone).await,
        Err(Error::Unavailable("var_A".into()))
    );
    let unpriced = variant("var_A", &[("USD", 100)]);
    assert_eq!(
        c.set_quantity(&token, &line, 6, &unpriced).await,
        Err(Error::NoPrice("EUR".into()))
    );
    assert_eq!(
        c.add_line(&token, &unpriced, 1).await,
        Err(Error::NoPrice("EUR".into()))
    );
    let cart = c.set_quantity(&token, &line, 2, &gone).await.unwrap();
    assert_eq!(quantities(&cart), vec![("var_A".into(), 2)]);
    let cart = c.set_quantity(&token, &line, 0, &unpriced).await.unwrap();
    assert!(cart.lines.is_empty());
}

#[tokio::test]
async fn raising_a_line_respects_the_cart_total() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    for v in ["var_A", "var_B", "var_C", "var_D", "var_E"] {
        c.add_line(&token, &eur(v), 99).await.unwrap();
    }
    let cart = c.add_line(&token, &eur("var_F"), 1).await.unwrap();
    let f = cart.lines[5].id.clone();
    assert_eq!(cart.item_count, 496);
    assert_eq!(
        c.set_quantity(&token, &f, 6, &eur("var_F")).await,
        Err(Error::LimitExceeded(Limit {
            kind: LimitKind::CartQuantity,
            max: 500
        }))
    );
    let cart = c.set_quantity(&token, &f, 5, &eur("var_F")).await.unwrap();
    assert_eq!(cart.item_count, 500);
}

#[tokio::test]
async fn remove_line_and_delete_cart_are_idempotent() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = new_cart(&mut c, "EUR").await;
    c.add_line(&token, &eur("var_A"), 1).await.unwrap();
    let cart = c.add_line(&token, &eur("var_B"), 2).await.unwrap();
    let a = cart.lines[0].id.clone();

    let cart = c.remove_line(&token, &a).await.unwrap();
    assert_eq!(quantities(&cart), vec![("var_B".into(), 2)]);
    let again = c.remove_line(&token, &a).await.unwrap();
    assert_eq!(quantities(&again), vec![("var_B".into(), 2)]);
    assert_eq!(again.updated_at, cart.updated_at);

    // A line of another cart is not removed through this one.
    let (other, _) = new_cart(&mut c, "EUR").await;
    let b = cart.lines[0].id.clone();
    c.remove_line(&other, &b).await.unwrap();
    assert_eq!(c.get_cart(&token).await.unwrap().lines.len(), 1);

    c.delete_cart(&token).await.unwrap();
    assert_eq!(c.get_cart(&token).await, Err(Error::NotFound));
    c.delete_cart(&token).await.unwrap();
    assert!(c.get_cart(&other).await.is_ok(), "other carts stay");
}

#[tokio::test]
async fn every_use_moves_the_expiry_by_the_idle_time() {
    let app = spawn_app_with(&[("cart_idle_ttl_seconds", "3600")]);
    let mut c = app.cart().await;
    let (token, cart) = new_cart(&mut c, "EUR").await;
    assert_eq!(cart.expires_at, cart.created_at + 3_600_000);
    let later = c.get_cart(&token).await.unwrap();
    assert!(later.expires_at >= cart.expires_at);
    assert!(later.expires_at - 3_600_000 >= later.created_at);
}

/// Viewing a cart takes no write lock: a read writes only when the cart's last use is older
/// than a tenth of the idle time (at most a minute), and its `expires-at` is the true one.
#[tokio::test]
async fn reading_a_cart_writes_only_when_its_last_use_has_grown_old() {
    let app = spawn_app_with(&[("cart_idle_ttl_seconds", "10")]);
    let db = app.state.path().join("sqlite_db.db");
    let mut c = app.cart().await;
    let (token, cart) = new_cart(&mut c, "EUR").await;
    // Any statement that marks a cart used fails while this is armed.
    let refuse_writes = || {
        faults::arm_sqlite(
            &db,
            SqliteFault {
                matching: "UPDATE cart_carts".into(),
                nth: 1,
                action: FaultAction::Error,
            },
        )
    };

    refuse_writes();
    let fresh = c.get_cart(&token).await.unwrap();
    assert!(!faults::disarm(&db), "a read of a fresh cart wrote");
    assert_eq!(
        fresh.expires_at,
        cart.created_at + 10_000,
        "the true expiry"
    );
    assert_eq!(fresh.updated_at, cart.updated_at);

    // Past a tenth of the idle time, a read marks the cart used.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    refuse_writes();
    assert!(
        matches!(c.get_cart(&token).await, Err(Error::Storage(_))),
        "the read must have tried to mark the cart used"
    );
    assert!(faults::disarm(&db));
    let touched = c.get_cart(&token).await.unwrap();
    assert!(
        touched.expires_at >= cart.created_at + 11_100,
        "the expiry moved"
    );
    assert_eq!(
        touched.updated_at, cart.updated_at,
        "marking used changes no content"
    );
}

#[tokio::test]
async fn an_idle_cart_expires_and_is_gone_for_every_call() {
    let app = spawn_app_with(&[("cart_idle_ttl_seconds", "1")]);
    let mut c = app.cart().await;
    let (token, cart) = new_cart(&mut c, "EUR").await;
    assert_eq!(cart.expires_at, cart.created_at + 1000);
    // Wait for the idle time to pass: poll, with a bound.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        match app.cart().await.get_cart(&token).await {
            Err(Error::NotFound) => break,
            Ok(_) => assert!(Instant::now() < deadline, "the cart never expired"),
            Err(e) => panic!("{e:?}"),
        }
    }
    let mut c = app.cart().await;
    assert_eq!(c.get_cart(&token).await, Err(Error::NotFound));
    assert_eq!(
        c.add_line(&token, &eur("var_A"), 1).await,
        Err(Error::NotFound)
    );
    assert_eq!(c.remove_line(&token, "line_X").await, Err(Error::NotFound));
    assert_eq!(c.delete_cart(&token).await, Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_adds_to_one_cart_never_pass_the_cart_limit() {
    let app = Arc::new(spawn_app());
    let (token, _) = new_cart(&mut app.cart().await, "EUR").await;
    // 40 tabs each add 20 units of their own variant: only 25 fit under 500.
    let mut tasks = Vec::new();
    for n in 0..40 {
        let app = Arc::clone(&app);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = app.cart().await;
            c.add_line(&token, &eur(&format!("var_R{n}")), 20).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::LimitExceeded(Limit {
                kind: LimitKind::CartQuantity,
                max: 500,
            })) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 25);
    let cart = app.cart().await.get_cart(&token).await.unwrap();
    assert_eq!(cart.item_count, 500);
    assert_eq!(cart.lines.len(), 25);
}

// --- A cart is bought once: the checkout claim -------------------------------------------

/// A cart with one line of `var_A` (2 units) and one of `var_B` (1 unit).
async fn filled_cart(c: &mut CartHandle) -> (String, Cart) {
    let (token, _) = new_cart(c, "EUR").await;
    c.add_line(&token, &eur("var_A"), 2).await.unwrap();
    let cart = c.add_line(&token, &eur("var_B"), 1).await.unwrap();
    (token, cart)
}

fn held_by<'a>(holder: &'a str, order: Option<&'a str>) -> impl Fn(&Error) -> bool + 'a {
    move |e| {
        matches!(e, Error::CheckoutHeld(h)
            if h.holder == holder && h.order_ref.as_deref() == order)
    }
}

#[tokio::test]
async fn a_claim_freezes_the_cart_for_its_holder_and_refuses_every_other() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, before) = filled_cart(&mut c).await;
    assert_eq!(before.checkout, None, "a new cart is open");

    let claimed = c.begin_checkout(&token, "holder-1").await.unwrap();
    assert_eq!(
        quantities(&claimed),
        quantities(&before),
        "the claim reads the lines"
    );
    let hold = claimed.checkout.clone().expect("held");
    assert_eq!(hold.holder, "holder-1");
    assert_eq!(hold.order_ref, None);
    assert!(hold.since >= before.created_at);
    assert_eq!(
        c.get_cart(&token).await.unwrap().checkout,
        Some(hold.clone())
    );

    // The same holder again (a retry): the same frozen cart, the same hold.
    let again = c.begin_checkout(&token, "holder-1").await.unwrap();
    assert_eq!(quantities(&again), quantities(&before));
    assert_eq!(again.checkout, Some(hold.clone()));

    // Another holder is told who holds it.
    let other = c.begin_checkout(&token, "holder-2").await.unwrap_err();
    assert!(held_by("holder-1", None)(&other), "{other:?}");
    // Completing another holder's claim is refused too.
    let other = c
        .complete_checkout(&token, "holder-2", "1001")
        .await
        .unwrap_err();
    assert!(held_by("holder-1", None)(&other), "{other:?}");
    // Another holder's abandon changes nothing.
    c.abandon_checkout(&token, "holder-2").await.unwrap();
    assert_eq!(c.get_cart(&token).await.unwrap().checkout, Some(hold));
}

#[tokio::test]
async fn line_changes_are_refused_while_held_and_work_again_once_abandoned() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, before) = filled_cart(&mut c).await;
    let line = before.lines[0].id.clone();
    c.begin_checkout(&token, "h").await.unwrap();

    let refused = [
        c.add_line(&token, &eur("var_C"), 1).await.unwrap_err(),
        c.add_line(&token, &eur("var_A"), 1).await.unwrap_err(),
        c.set_quantity(&token, &line, 5, &eur("var_A"))
            .await
            .unwrap_err(),
        c.set_quantity(&token, &line, 0, &eur("var_A"))
            .await
            .unwrap_err(),
        c.remove_line(&token, &line).await.unwrap_err(),
        c.remove_line(&token, "line_NOTHERE").await.unwrap_err(),
    ];
    for e in &refused {
        assert!(held_by("h", None)(e), "{e:?}");
    }
    let during = c.get_cart(&token).await.unwrap();
    assert_eq!(quantities(&during), quantities(&before), "nothing changed");
    assert_eq!(during.updated_at, before.updated_at);

    c.abandon_checkout(&token, "h").await.unwrap();
    c.abandon_checkout(&token, "h").await.unwrap(); // idempotent
    let open = c.get_cart(&token).await.unwrap();
    assert_eq!(open.checkout, None);
    let changed = c.add_line(&token, &eur("var_C"), 1).await.unwrap();
    assert_eq!(changed.lines.len(), 3);
    // Another holder may claim it now, and sees the new line.
    let next = c.begin_checkout(&token, "h2").await.unwrap();
    assert_eq!(next.lines.len(), 3);
    assert_eq!(next.checkout.unwrap().holder, "h2");
}

#[tokio::test]
async fn a_completed_checkout_orders_the_cart_once_and_names_the_order() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, before) = filled_cart(&mut c).await;
    c.begin_checkout(&token, "h").await.unwrap();
    let ordered = c.complete_checkout(&token, "h", "1001").await.unwrap();
    let hold = ordered.checkout.clone().unwrap();
    assert_eq!(
        (hold.holder.as_str(), hold.order_ref.as_deref()),
        ("h", Some("1001"))
    );
    assert_eq!(
        quantities(&ordered),
        quantities(&before),
        "the lines stay, frozen"
    );

    // Idempotent for its holder, keeping the first reference.
    let again = c.complete_checkout(&token, "h", "9999").await.unwrap();
    assert_eq!(again.checkout, Some(hold.clone()));
    // Its holder's abandon cannot undo an order.
    c.abandon_checkout(&token, "h").await.unwrap();
    assert_eq!(c.get_cart(&token).await.unwrap().checkout, Some(hold));

    // Every other holder is told the order; no line changes.
    let e = c.begin_checkout(&token, "h2").await.unwrap_err();
    assert!(held_by("h", Some("1001"))(&e), "{e:?}");
    let e = c.add_line(&token, &eur("var_C"), 1).await.unwrap_err();
    assert!(held_by("h", Some("1001"))(&e), "{e:?}");
    let e = c.complete_checkout(&token, "h2", "1002").await.unwrap_err();
    assert!(held_by("h", Some("1001"))(&e), "{e:?}");

    // Discarding the ordered cart works; then it is gone for everyone.
    c.delete_cart(&token).await.unwrap();
    assert_eq!(c.begin_checkout(&token, "h").await, Err(Error::NotFound));
    assert_eq!(
        c.complete_checkout(&token, "h", "1001").await,
        Err(Error::NotFound)
    );
    assert_eq!(c.abandon_checkout(&token, "h").await, Ok(()));
}

#[tokio::test]
async fn completing_an_open_cart_claims_and_orders_it() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = filled_cart(&mut c).await;
    let ordered = c.complete_checkout(&token, "h", "1001").await.unwrap();
    assert_eq!(ordered.checkout.unwrap().order_ref.as_deref(), Some("1001"));
    assert!(held_by("h", Some("1001"))(
        &c.begin_checkout(&token, "x").await.unwrap_err()
    ));
}

#[tokio::test]
async fn a_held_cart_may_be_discarded_and_malformed_claims_are_refused() {
    let app = spawn_app();
    let mut c = app.cart().await;
    let (token, _) = filled_cart(&mut c).await;
    let long = "h".repeat(201);
    for bad in ["", long.as_str()] {
        assert!(field("/holder")(
            &c.begin_checkout(&token, bad).await.unwrap_err()
        ));
        assert!(field("/holder")(
            &c.abandon_checkout(&token, bad).await.unwrap_err()
        ));
        assert!(field("/holder")(
            &c.complete_checkout(&token, bad, "1").await.unwrap_err()
        ));
        assert!(field("/order_ref")(
            &c.complete_checkout(&token, "h", bad).await.unwrap_err()
        ));
    }
    assert_eq!(
        c.get_cart(&token).await.unwrap().checkout,
        None,
        "nothing claimed"
    );
    assert_eq!(
        c.begin_checkout("ctk_nope", "h").await,
        Err(Error::NotFound)
    );
    c.begin_checkout(&token, "h").await.unwrap();
    // The shopper's way out of a checkout that never comes back.
    c.delete_cart(&token).await.unwrap();
    assert_eq!(c.get_cart(&token).await, Err(Error::NotFound));
    assert_eq!(
        c.complete_checkout(&token, "h", "1001").await,
        Err(Error::NotFound)
    );
}

#[tokio::test]
async fn a_held_cart_expires_like_any_other() {
    let app = spawn_app_with(&[("cart_idle_ttl_seconds", "1")]);
    let mut c = app.cart().await;
    let (token, _) = filled_cart(&mut c).await;
    c.begin_checkout(&token, "h").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        match app.cart().await.begin_checkout(&token, "h").await {
            Err(Error::NotFound) => break,
            Ok(_) => assert!(Instant::now() < deadline, "the cart never expired"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(
        app.cart().await.complete_checkout(&token, "h", "1").await,
        Err(Error::NotFound)
    );
}

/// 16 checkouts race for each of 10 carts at once (lines from 1 to 20 per cart), each with
/// its own holder, each in its own instance: exactly one claims each cart, and every other
/// is told that holder; the lines the winner read are the cart's.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_claims_of_one_cart_have_exactly_one_winner() {
    let app = Arc::new(spawn_app());
    let mut carts = Vec::new();
    for n in 0..10u32 {
        let mut c = app.cart().await;
        let (token, _) = new_cart(&mut c, "EUR").await;
        let lines = 1 + n * 19 / 9; // 1 ..= 20
        let mut cart = None;
        for l in 0..lines {
            cart = Some(
                c.add_line(&token, &eur(&format!("var_{n}L{l}")), 1)
                    .await
                    .unwrap(),
            );
        }
        carts.push((token, cart.unwrap()));
    }
    assert_eq!(carts.last().unwrap().1.lines.len(), 20);
    let mut tasks = Vec::new();
    for (i, (token, _)) in carts.iter().enumerate() {
        for h in 0..16 {
            let app = Arc::clone(&app);
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let holder = format!("holder-{i}-{h}");
                let got = app.cart().await.begin_checkout(&token, &holder).await;
                (i, holder, got)
            }));
        }
    }
    let mut winners: Vec<Vec<String>> = vec![Vec::new(); carts.len()];
    let mut losers = Vec::new();
    for t in tasks {
        let (i, holder, got) = t.await.unwrap();
        match got {
            Ok(cart) => {
                assert_eq!(quantities(&cart), quantities(&carts[i].1), "cart {i}");
                winners[i].push(holder);
            }
            Err(Error::CheckoutHeld(hold)) => losers.push((i, hold.holder)),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    for (i, w) in winners.iter().enumerate() {
        assert_eq!(w.len(), 1, "cart {i}: one winner, not {w:?}");
    }
    assert_eq!(losers.len(), 10 * 15);
    for (i, holder) in losers {
        assert_eq!(
            holder, winners[i][0],
            "cart {i}: losers are told the winner"
        );
    }
    let distinct: HashSet<_> = winners.iter().map(|w| w[0].clone()).collect();
    assert_eq!(distinct.len(), 10);
}

/// Claims race with line changes: a change either lands before the claim (and the claim
/// reads it) or is refused; none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn line_changes_racing_a_claim_land_before_it_or_are_refused() {
    let app = Arc::new(spawn_app());
    let (token, _) = filled_cart(&mut app.cart().await).await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app = Arc::clone(&app);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = app.cart().await;
            if n == 6 {
                c.begin_checkout(&token, "h").await.map(Some)
            } else {
                c.add_line(&token, &eur(&format!("var_X{n}")), 1)
                    .await
                    .map(|_| None)
            }
        }));
    }
    let mut added = 0;
    let mut claimed = None;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Some(cart)) => claimed = Some(cart),
            Ok(None) => added += 1,
            Err(e) => assert!(held_by("h", None)(&e), "{e:?}"),
        }
    }
    let claimed = claimed.expect("the claim won");
    assert_eq!(
        claimed.lines.len(),
        2 + added,
        "the claim read every change that landed"
    );
    let now = app.cart().await.get_cart(&token).await.unwrap();
    assert_eq!(quantities(&now), quantities(&claimed));
}
