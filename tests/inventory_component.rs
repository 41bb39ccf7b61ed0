//! Component unit tests: the inventory component on its own in wasmtime, called through its
//! WIT exports (`commerce:inventory/inventory`, `commerce:inventory/inventory-admin`) over fresh state.
//!
//! Every call goes through a real instance over the app's real SQLite file. The racing tests
//! run many instances at once on a multi-threaded runtime, each with its own database
//! connection, as concurrent Spin requests would.

use commerce_tests::inventory::{
    Error, MovementFilter, MovementReason, NewAdjustment, NewCount, NewReservation, PageRequest,
    Reservation, ReservationFilter, ReservationLine, ReservationStatus, Shortage, StockFilter,
    StockLevel, StockMovement, StockStatus,
};
use commerce_tests::{InventoryHandle, spawn_app};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// --- helpers ---------------------------------------------------------------------------

fn lines(spec: &[(&str, u32)]) -> Vec<ReservationLine> {
    spec.iter()
        .map(|(variant_id, quantity)| ReservationLine {
            variant_id: variant_id.to_string(),
            quantity: *quantity,
        })
        .collect()
}

fn request(key: &str, spec: &[(&str, u32)], ttl_seconds: u32) -> NewReservation {
    NewReservation {
        idempotency_key: key.into(),
        lines: lines(spec),
        ttl_seconds,
    }
}

fn adjustment(variant_id: &str, delta: i32, reason: MovementReason) -> NewAdjustment {
    NewAdjustment {
        variant_id: variant_id.into(),
        delta,
        reason,
        note: None,
        actor: "owner@example.com".into(),
        idempotency_key: None,
    }
}

fn count(variant_id: &str, on_hand: u32) -> NewCount {
    NewCount {
        variant_id: variant_id.into(),
        on_hand,
        note: None,
        actor: "owner@example.com".into(),
        idempotency_key: None,
    }
}

/// A stock level as the inventory reports it with no `low_stock_threshold` variable (the
/// default threshold, 5).
fn level(variant_id: &str, on_hand: u32, reserved: u32) -> StockLevel {
    let available = on_hand - reserved;
    StockLevel {
        variant_id: variant_id.into(),
        on_hand,
        reserved,
        available,
        status: match available {
            0 => StockStatus::OutOfStock,
            1..=5 => StockStatus::LowStock,
            _ => StockStatus::InStock,
        },
    }
}

fn page(limit: u32) -> PageRequest {
    PageRequest { after: None, limit }
}

fn all_movements() -> MovementFilter {
    MovementFilter {
        variant_id: None,
        reason: None,
        since: None,
    }
}

fn all_reservations() -> ReservationFilter {
    ReservationFilter {
        status: None,
        variant_id: None,
    }
}

fn all_stock() -> StockFilter {
    StockFilter {
        available_below: None,
    }
}

/// The field paths of an `invalid-input` error; panics on any other answer.
fn paths<T: std::fmt::Debug>(result: Result<T, Error>) -> Vec<String> {
    match result {
        Err(Error::InvalidInput(errors)) => {
            for e in &errors {
                assert!(!e.message.is_empty(), "{} has no message", e.path);
            }
            errors.into_iter().map(|e| e.path).collect()
        }
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn movements(inv: &mut InventoryHandle, filter: &MovementFilter) -> Vec<StockMovement> {
    inv.list_movements(filter, &page(100))
        .await
        .unwrap_or_else(|e| panic!("list-movements refused: {e:?}"))
        .items
}

async fn reservations(inv: &mut InventoryHandle, filter: &ReservationFilter) -> Vec<Reservation> {
    inv.list_reservations(filter, &page(100))
        .await
        .unwrap_or_else(|e| panic!("list-reservations refused: {e:?}"))
        .items
}

async fn reserve_ok(inv: &mut InventoryHandle, req: &NewReservation) -> Reservation {
    inv.reserve(req)
        .await
        .unwrap_or_else(|e| panic!("reserve refused: {e:?}"))
}

// --- stock and availability --------------------------------------------------------------

#[tokio::test]
async fn unknown_variants_have_nothing_and_answers_follow_the_order_asked() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    assert_eq!(inv.max_availability_batch().await, 250);
    inv.receive("var_B", 4).await;
    let asked: Vec<String> = ["var_Z", "var_B", "not-a-variant", "var_B"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        inv.availability(&asked).await.unwrap(),
        vec![
            level("var_Z", 0, 0),
            level("var_B", 4, 0),
            level("not-a-variant", 0, 0),
            level("var_B", 4, 0),
        ]
    );
    assert_eq!(inv.availability(&[]).await.unwrap(), vec![]);
    // A second instance over the same state finds the schema and the stock in place.
    let mut again = app.inventory().await;
    assert_eq!(again.stock("var_B").await, level("var_B", 4, 0));
}

#[tokio::test]
async fn availability_refuses_oversized_batches_and_empty_ids() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    let full: Vec<String> = (0..250).map(|n| format!("var_{n}")).collect();
    assert_eq!(inv.availability(&full).await.unwrap().len(), 250);
    let over: Vec<String> = (0..251).map(|n| format!("var_{n}")).collect();
    assert_eq!(paths(inv.availability(&over).await), ["/variant_ids"]);
    let empty = vec!["var_A".to_string(), String::new()];
    assert_eq!(paths(inv.availability(&empty).await), ["/variant_ids/1"]);
}

// --- adjustments and counts ----------------------------------------------------------------

#[tokio::test]
async fn adjustments_change_on_hand_and_write_the_audit_trail() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    let before = now_ms();
    let mut received = adjustment("var_TEE", 10, MovementReason::Received);
    received.note = Some("PO 1234".into());
    let m1 = inv.adjust(&received).await.unwrap();
    assert!(m1.id.starts_with("mov_"), "{}", m1.id);
    assert_eq!(
        (m1.variant_id.as_str(), m1.delta, m1.on_hand_after),
        ("var_TEE", 10, 10)
    );
    assert_eq!(m1.reason, MovementReason::Received);
    assert_eq!(m1.note.as_deref(), Some("PO 1234"));
    assert_eq!(m1.actor, "owner@example.com");
    assert_eq!(m1.reservation_id, None);
    assert!(m1.created_at >= before && m1.created_at <= now_ms());

    for (delta, reason) in [
        (-2, MovementReason::Damaged),
        (-1, MovementReason::Lost),
        (1, MovementReason::Returned),
        (3, MovementReason::Cancellation),
        (-4, MovementReason::Correction),
    ] {
        inv.adjust(&adjustment("var_TEE", delta, reason))
            .await
            .unwrap();
    }
    assert_eq!(inv.stock("var_TEE").await, level("var_TEE", 7, 0));

    // The audit trail, newest first, replays to the current number.
    let trail = movements(&mut inv, &all_movements()).await;
    let deltas: Vec<i32> = trail.iter().map(|m| m.delta).collect();
    assert_eq!(deltas, [-4, 3, 1, -1, -2, 10]);
    let afters: Vec<u32> = trail.iter().map(|m| m.on_hand_after).collect();
    assert_eq!(afters, [7, 11, 8, 7, 8, 10]);
    assert_eq!(trail.last().unwrap(), &m1);
}

#[tokio::test]
async fn invalid_adjustments_are_refused_with_every_bad_field_and_change_nothing() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    let bad = NewAdjustment {
        variant_id: "prod_X".into(),
        delta: 0,
        reason: MovementReason::Sale,
        note: Some("n".repeat(501)),
        actor: "  ".into(),
        idempotency_key: Some(String::new()),
    };
    assert_eq!(
        paths(inv.adjust(&bad).await),
        [
            "/variant_id",
            "/delta",
            "/reason",
            "/note",
            "/actor",
            "/idempotency_key"
        ]
    );
    let mut out_of_range = adjustment("var_A", 1_000_001, MovementReason::Recount);
    out_of_range.actor = "a".repeat(201);
    out_of_range.idempotency_key = Some("k".repeat(201));
    assert_eq!(
        paths(inv.adjust(&out_of_range).await),
        ["/delta", "/reason", "/actor", "/idempotency_key"]
    );
    assert_eq!(
        paths(
            inv.adjust(&adjustment("var_A", -1_000_001, MovementReason::Lost))
                .await
        ),
        ["/delta"]
    );
    // The limits themselves are accepted.
    let mut edge = adjustment("var_A", 1_000_000, MovementReason::Received);
    edge.note = Some("n".repeat(500));
    edge.actor = "a".repeat(200);
    edge.idempotency_key = Some("k".repeat(200));
    inv.adjust(&edge).await.unwrap();
    inv.adjust(&adjustment("var_A", -1_000_000, MovementReason::Lost))
        .await
        .unwrap();
    assert_eq!(movements(&mut inv, &all_movements()).await.len(), 2);
    assert_eq!(inv.stock("var_A").await, level("var_A", 0, 0));

    let mut bad_count = count("var", 5);
    bad_count.actor = String::new();
    bad_count.note = Some("n".repeat(501));
    bad_count.on_hand = u32::MAX;
    assert_eq!(
        paths(inv.set_on_hand(&bad_count).await),
        ["/variant_id", "/on_hand", "/note", "/actor"]
    );
    assert_eq!(movements(&mut inv, &all_movements()).await.len(), 2);
}

#[tokio::test]
async fn removals_never_take_reserved_or_missing_stock() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 10).await;
    reserve_ok(&mut inv, &request("order-1", &[("var_A", 7)], 600)).await;

    let refused = inv
        .adjust(&adjustment("var_A", -4, MovementReason::Damaged))
        .await;
    assert_eq!(
        refused,
        Err(Error::InsufficientStock(vec![Shortage {
            variant_id: "var_A".into(),
            requested: 4,
            available: 3,
        }]))
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 10, 7));

    // Exactly what is not reserved may go.
    inv.adjust(&adjustment("var_A", -3, MovementReason::Damaged))
        .await
        .unwrap();
    assert_eq!(inv.stock("var_A").await, level("var_A", 7, 7));
    assert_eq!(
        inv.adjust(&adjustment("var_A", -1, MovementReason::Lost))
            .await,
        Err(Error::InsufficientStock(vec![Shortage {
            variant_id: "var_A".into(),
            requested: 1,
            available: 0,
        }]))
    );
    // A count below what is reserved is refused too.
    assert_eq!(
        inv.set_on_hand(&count("var_A", 6)).await,
        Err(Error::InsufficientStock(vec![Shortage {
            variant_id: "var_A".into(),
            requested: 1,
            available: 0,
        }]))
    );
    // A variant never seen has nothing to remove.
    assert_eq!(
        inv.adjust(&adjustment("var_NEW", -2, MovementReason::Lost))
            .await,
        Err(Error::InsufficientStock(vec![Shortage {
            variant_id: "var_NEW".into(),
            requested: 2,
            available: 0,
        }]))
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 7, 7));
    assert_eq!(inv.stock("var_NEW").await, level("var_NEW", 0, 0));
    // Refused changes left no trace: the receipt, the reservation-free removal only.
    assert_eq!(movements(&mut inv, &all_movements()).await.len(), 2);
}

#[tokio::test]
async fn a_count_sets_on_hand_and_records_the_difference() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    // A variant never seen starts at zero.
    let first = inv.set_on_hand(&count("var_A", 12)).await.unwrap();
    assert_eq!(
        (first.delta, first.on_hand_after, first.reason),
        (12, 12, MovementReason::Recount)
    );
    reserve_ok(&mut inv, &request("order-1", &[("var_A", 5)], 600)).await;
    let mut down = count("var_A", 9);
    down.note = Some("shelf count".into());
    let second = inv.set_on_hand(&down).await.unwrap();
    assert_eq!((second.delta, second.on_hand_after), (-3, 9));
    assert_eq!(second.note.as_deref(), Some("shelf count"));
    assert_eq!(inv.stock("var_A").await, level("var_A", 9, 5));
    // A count equal to what is there still shows in the trail, with delta 0.
    let same = inv.set_on_hand(&count("var_A", 9)).await.unwrap();
    assert_eq!((same.delta, same.on_hand_after), (0, 9));
    // Exactly the reserved number is allowed.
    inv.set_on_hand(&count("var_A", 5)).await.unwrap();
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 5));
    let recounts = movements(
        &mut inv,
        &MovementFilter {
            variant_id: None,
            reason: Some(MovementReason::Recount),
            since: None,
        },
    )
    .await;
    let deltas: Vec<i32> = recounts.iter().map(|m| m.delta).collect();
    assert_eq!(deltas, [-4, 0, -3, 12]);
}

#[tokio::test]
async fn adjustment_and_count_keys_make_retries_safe() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    let mut received = adjustment("var_A", 5, MovementReason::Received);
    received.idempotency_key = Some("delivery-77".into());
    let first = inv.adjust(&received).await.unwrap();
    let again = inv.adjust(&received).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 0));

    // The same key for another change is a conflict naming the first movement.
    let mut other = received.clone();
    other.delta = 6;
    let conflict = format!("movement {}", first.id);
    assert_eq!(
        inv.adjust(&other).await,
        Err(Error::Conflict(conflict.clone()))
    );
    let mut as_count = count("var_A", 5);
    as_count.idempotency_key = Some("delivery-77".into());
    assert_eq!(
        inv.set_on_hand(&as_count).await,
        Err(Error::Conflict(conflict))
    );

    let mut counted = count("var_A", 8);
    counted.idempotency_key = Some("count-2026-11".into());
    let c1 = inv.set_on_hand(&counted).await.unwrap();
    // Meanwhile stock moves; the retried count changes nothing.
    inv.receive("var_A", 2).await;
    assert_eq!(inv.set_on_hand(&counted).await.unwrap(), c1);
    assert_eq!(inv.stock("var_A").await, level("var_A", 10, 0));
    counted.on_hand = 9;
    assert_eq!(
        inv.set_on_hand(&counted).await,
        Err(Error::Conflict(format!("movement {}", c1.id)))
    );
    assert_eq!(movements(&mut inv, &all_movements()).await.len(), 3);
}

// --- reservations -------------------------------------------------------------------------

#[tokio::test]
async fn a_reservation_holds_stock_until_committed() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 5).await;
    inv.receive("var_B", 3).await;
    let before = now_ms();
    let r = reserve_ok(
        &mut inv,
        &request("checkout-1", &[("var_B", 1), ("var_A", 2)], 900),
    )
    .await;
    assert!(r.id.starts_with("res_"), "{}", r.id);
    assert_eq!(r.idempotency_key, "checkout-1");
    assert_eq!(r.lines, lines(&[("var_B", 1), ("var_A", 2)]));
    assert_eq!(r.status, ReservationStatus::Active);
    assert!(r.created_at >= before && r.created_at <= now_ms());
    assert_eq!(r.expires_at, r.created_at + 900_000);
    assert_eq!(r.closed_at, None);
    assert_eq!(inv.get_reservation(&r.id).await.unwrap(), r);
    assert_eq!(
        inv.availability(&["var_A".into(), "var_B".into()])
            .await
            .unwrap(),
        vec![level("var_A", 5, 2), level("var_B", 3, 1)]
    );

    let committed = inv.commit(&r.id).await.unwrap();
    assert_eq!(committed.status, ReservationStatus::Committed);
    let closed_at = committed
        .closed_at
        .expect("a committed reservation is closed");
    assert!(closed_at >= r.created_at);
    assert_eq!(committed.lines, r.lines);
    // Sold units left on-hand and reserved together: available did not change.
    assert_eq!(
        inv.availability(&["var_A".into(), "var_B".into()])
            .await
            .unwrap(),
        vec![level("var_A", 3, 0), level("var_B", 2, 0)]
    );
    // One sale movement per line, by "system", naming the reservation.
    let sales = movements(
        &mut inv,
        &MovementFilter {
            variant_id: None,
            reason: Some(MovementReason::Sale),
            since: None,
        },
    )
    .await;
    let mut seen: Vec<(String, i32, u32)> = sales
        .iter()
        .map(|m| (m.variant_id.clone(), m.delta, m.on_hand_after))
        .collect();
    seen.sort();
    assert_eq!(seen, [("var_A".into(), -2, 3), ("var_B".into(), -1, 2)]);
    for m in &sales {
        assert_eq!(m.actor, "system");
        assert_eq!(m.reservation_id.as_deref(), Some(r.id.as_str()));
        assert_eq!(m.created_at, closed_at);
    }

    // Committing again returns it and changes nothing; it cannot be released any more.
    assert_eq!(inv.commit(&r.id).await.unwrap(), committed);
    assert_eq!(
        inv.release(&r.id).await,
        Err(Error::ReservationNotActive(ReservationStatus::Committed))
    );
    assert_eq!(inv.get_reservation(&r.id).await.unwrap(), committed);
    assert_eq!(inv.stock("var_A").await, level("var_A", 3, 0));
    assert_eq!(movements(&mut inv, &all_movements()).await.len(), 4);
}

#[tokio::test]
async fn a_released_reservation_gives_its_stock_back() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 4).await;
    let r = reserve_ok(&mut inv, &request("checkout-1", &[("var_A", 4)], 600)).await;
    assert_eq!(inv.stock("var_A").await, level("var_A", 4, 4));
    let released = inv.release(&r.id).await.unwrap();
    assert_eq!(released.status, ReservationStatus::Released);
    assert!(released.closed_at.is_some());
    assert_eq!(inv.stock("var_A").await, level("var_A", 4, 0));
    // Releasing again returns it; committing it is refused.
    assert_eq!(inv.release(&r.id).await.unwrap(), released);
    assert_eq!(
        inv.commit(&r.id).await,
        Err(Error::ReservationNotActive(ReservationStatus::Released))
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 4, 0));
    // The same key answers with the released reservation and holds nothing; a new key holds.
    assert_eq!(
        inv.reserve(&request("checkout-1", &[("var_A", 4)], 600))
            .await
            .unwrap(),
        released
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 4, 0));
    reserve_ok(&mut inv, &request("checkout-2", &[("var_A", 4)], 600)).await;
    assert_eq!(inv.stock("var_A").await, level("var_A", 4, 4));
    // No movement for holding or releasing: on-hand never changed.
    assert_eq!(movements(&mut inv, &all_movements()).await.len(), 1);
}

#[tokio::test]
async fn unknown_reservations_and_ids_of_another_kind_are_not_found() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 1).await;
    let mov = movements(&mut inv, &all_movements()).await.remove(0).id;
    for id in [
        "res_0000000000000000000000000".to_string(),
        mov,
        "var_A".into(),
        "res_".into(),
        "res_with-dash".into(),
        String::new(),
    ] {
        assert_eq!(inv.get_reservation(&id).await, Err(Error::NotFound), "{id}");
        assert_eq!(inv.commit(&id).await, Err(Error::NotFound), "{id}");
        assert_eq!(inv.release(&id).await, Err(Error::NotFound), "{id}");
    }
    assert_eq!(inv.stock("var_A").await, level("var_A", 1, 0));
}

#[tokio::test]
async fn invalid_reservations_are_refused_with_every_bad_field_and_hold_nothing() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 10).await;
    let bad = request(
        "",
        &[("var_A", 0), ("var_B", 1), ("var_A", 1), ("sku-123", 1)],
        59,
    );
    assert_eq!(
        paths(inv.reserve(&bad).await),
        [
            "/idempotency_key",
            "/lines/0/quantity",
            "/lines/2/variant_id",
            "/lines/3/variant_id",
            "/ttl_seconds"
        ]
    );
    assert_eq!(
        paths(inv.reserve(&request(&"k".repeat(201), &[], 7201)).await),
        ["/idempotency_key", "/lines", "/ttl_seconds"]
    );
    let many: Vec<String> = (0..101).map(|n| format!("var_{n}")).collect();
    let spec: Vec<(&str, u32)> = many.iter().map(|v| (v.as_str(), 1)).collect();
    assert_eq!(
        paths(inv.reserve(&request("k", &spec, 60)).await),
        ["/lines"]
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 10, 0));
    assert!(reservations(&mut inv, &all_reservations()).await.is_empty());

    // The limits themselves are accepted.
    let r = reserve_ok(&mut inv, &request(&"k".repeat(200), &[("var_A", 1)], 7200)).await;
    assert_eq!(r.expires_at - r.created_at, 7_200_000);
    let r = reserve_ok(&mut inv, &request("k", &[("var_A", 1)], 60)).await;
    assert_eq!(r.expires_at - r.created_at, 60_000);
    // 100 lines, each variant stocked once.
    for v in &many[..100] {
        inv.receive(v, 1).await;
    }
    reserve_ok(&mut inv, &request("wide", &spec[..100], 60)).await;
    assert_eq!(inv.stock("var_99").await, level("var_99", 1, 1));
}

#[tokio::test]
async fn a_short_reservation_lists_every_short_line_and_holds_nothing() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 5).await;
    inv.receive("var_B", 2).await;
    inv.receive("var_D", 3).await;
    reserve_ok(&mut inv, &request("other", &[("var_D", 2)], 600)).await;
    let short = inv
        .reserve(&request(
            "checkout-1",
            &[("var_A", 3), ("var_B", 5), ("var_C", 1), ("var_D", 2)],
            600,
        ))
        .await;
    assert_eq!(
        short,
        Err(Error::InsufficientStock(vec![
            Shortage {
                variant_id: "var_B".into(),
                requested: 5,
                available: 2,
            },
            Shortage {
                variant_id: "var_C".into(),
                requested: 1,
                available: 0,
            },
            Shortage {
                variant_id: "var_D".into(),
                requested: 2,
                available: 1,
            },
        ]))
    );
    // The line that fitted (var_A) was not held either.
    let ids: Vec<String> = ["var_A", "var_B", "var_C", "var_D"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        inv.availability(&ids).await.unwrap(),
        vec![
            level("var_A", 5, 0),
            level("var_B", 2, 0),
            level("var_C", 0, 0),
            level("var_D", 3, 2)
        ]
    );
    assert_eq!(reservations(&mut inv, &all_reservations()).await.len(), 1);
    // The key was not used: the same key may reserve what fits.
    let r = reserve_ok(&mut inv, &request("checkout-1", &[("var_A", 5)], 600)).await;
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 5));
    assert_eq!(r.status, ReservationStatus::Active);
}

#[tokio::test]
async fn the_same_key_returns_the_first_reservation_and_another_request_conflicts() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 10).await;
    inv.receive("var_B", 10).await;
    let first = reserve_ok(
        &mut inv,
        &request("ord_1", &[("var_A", 2), ("var_B", 1)], 600),
    )
    .await;
    // Same lines, in another order and with another time-to-live: the same reservation.
    let again = reserve_ok(
        &mut inv,
        &request("ord_1", &[("var_B", 1), ("var_A", 2)], 1200),
    )
    .await;
    assert_eq!(again, first);
    assert_eq!(inv.stock("var_A").await, level("var_A", 10, 2));
    assert_eq!(inv.stock("var_B").await, level("var_B", 10, 1));

    let conflict = Err(Error::Conflict(format!("reservation {}", first.id)));
    for other in [
        request("ord_1", &[("var_A", 3), ("var_B", 1)], 600),
        request("ord_1", &[("var_A", 2)], 600),
        request("ord_1", &[("var_A", 2), ("var_B", 1), ("var_C", 1)], 600),
    ] {
        assert_eq!(inv.reserve(&other).await, conflict);
    }
    // A conflict wins over a shortage: nothing is looked at but the key.
    assert_eq!(
        inv.reserve(&request("ord_1", &[("var_A", 99)], 600)).await,
        conflict
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 10, 2));
    // After a commit, the same request still answers with the (now committed) reservation.
    let committed = inv.commit(&first.id).await.unwrap();
    assert_eq!(
        inv.reserve(&request("ord_1", &[("var_A", 2), ("var_B", 1)], 600))
            .await
            .unwrap(),
        committed
    );
    assert_eq!(inv.stock("var_A").await, level("var_A", 8, 0));
    assert_eq!(reservations(&mut inv, &all_reservations()).await.len(), 1);
}

// --- listings -----------------------------------------------------------------------------

#[tokio::test]
async fn the_audit_trail_pages_newest_first_and_filters() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    assert_eq!(inv.max_page_size().await, 100);
    inv.receive("var_A", 5).await;
    inv.receive("var_B", 5).await;
    let since = now_ms();
    // Wait for the clock to tick past the first two movements' millisecond.
    while now_ms() <= since {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let since = now_ms();
    for n in 1..=5 {
        inv.adjust(&adjustment("var_A", -1, MovementReason::Damaged))
            .await
            .unwrap();
        inv.receive("var_B", n).await;
    }
    let everything = movements(&mut inv, &all_movements()).await;
    assert_eq!(everything.len(), 12);

    // Pages of 5 cover the trail once, in the same order, even while movements are added.
    let mut paged = Vec::new();
    let mut request = page(5);
    let mut pages = 0;
    loop {
        let p = inv
            .list_movements(&all_movements(), &request)
            .await
            .unwrap();
        assert!(p.items.len() <= 5);
        paged.extend(p.items);
        pages += 1;
        if pages == 1 {
            inv.receive("var_C", 1).await;
        }
        match p.page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(paged, everything);

    let a_only = movements(
        &mut inv,
        &MovementFilter {
            variant_id: Some("var_A".into()),
            reason: None,
            since: None,
        },
    )
    .await;
    let a: Vec<(i32, u32)> = a_only.iter().map(|m| (m.delta, m.on_hand_after)).collect();
    assert_eq!(a, [(-1, 0), (-1, 1), (-1, 2), (-1, 3), (-1, 4), (5, 5)]);
    let received_since = movements(
        &mut inv,
        &MovementFilter {
            variant_id: Some("var_B".into()),
            reason: Some(MovementReason::Received),
            since: Some(since),
        },
    )
    .await;
    let b: Vec<i32> = received_since.iter().map(|m| m.delta).collect();
    assert_eq!(b, [5, 4, 3, 2, 1]);
    assert!(received_since.iter().all(|m| m.created_at >= since));
    assert!(
        movements(
            &mut inv,
            &MovementFilter {
                variant_id: Some("var_NONE".into()),
                reason: None,
                since: None,
            }
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn listings_refuse_oversized_pages_and_foreign_cursors() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    for v in ["var_A", "var_B", "var_C"] {
        inv.receive(v, 1).await;
        reserve_ok(&mut inv, &request(v, &[(v, 1)], 600)).await;
    }
    let stock_cursor = inv
        .list_stock(&all_stock(), &page(1))
        .await
        .unwrap()
        .page
        .next
        .unwrap();
    let movement_cursor = inv
        .list_movements(&all_movements(), &page(1))
        .await
        .unwrap()
        .page
        .next
        .unwrap();
    let reservation_cursor = inv
        .list_reservations(&all_reservations(), &page(1))
        .await
        .unwrap()
        .page
        .next
        .unwrap();
    let foreign = |cursor: &str| PageRequest {
        after: Some(cursor.to_string()),
        limit: 101,
    };
    assert_eq!(
        paths(
            inv.list_movements(&all_movements(), &foreign(&stock_cursor))
                .await
        ),
        ["/limit", "/after"]
    );
    assert_eq!(
        paths(
            inv.list_stock(&all_stock(), &foreign(&reservation_cursor))
                .await
        ),
        ["/limit", "/after"]
    );
    assert_eq!(
        paths(
            inv.list_reservations(&all_reservations(), &foreign(&movement_cursor))
                .await
        ),
        ["/limit", "/after"]
    );
    let garbage = PageRequest {
        after: Some("not a cursor".into()),
        limit: 0,
    };
    assert_eq!(
        paths(inv.list_stock(&all_stock(), &garbage).await),
        ["/after"]
    );
    // A limit of 0 means the default page, and 100 is allowed.
    assert_eq!(
        inv.list_stock(&all_stock(), &page(0))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert_eq!(
        inv.list_stock(&all_stock(), &page(100))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
}

#[tokio::test]
async fn stock_lists_by_variant_id_and_reports_low_stock() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    for (v, n) in [
        ("var_D", 1),
        ("var_B", 9),
        ("var_E", 4),
        ("var_A", 2),
        ("var_C", 6),
    ] {
        inv.receive(v, n).await;
    }
    reserve_ok(&mut inv, &request("c1", &[("var_C", 4)], 600)).await;
    // An id never written is not listed.
    inv.availability(&["var_0".into()]).await.unwrap();

    let mut listed = Vec::new();
    let mut request = page(2);
    loop {
        let p = inv.list_stock(&all_stock(), &request).await.unwrap();
        listed.extend(p.items);
        match p.page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        listed,
        vec![
            level("var_A", 2, 0),
            level("var_B", 9, 0),
            level("var_C", 6, 4),
            level("var_D", 1, 0),
            level("var_E", 4, 0),
        ]
    );
    let low = inv
        .list_stock(
            &StockFilter {
                available_below: Some(3),
            },
            &page(0),
        )
        .await
        .unwrap();
    assert_eq!(
        low.items,
        vec![
            level("var_A", 2, 0),
            level("var_C", 6, 4),
            level("var_D", 1, 0)
        ]
    );
    assert_eq!(low.page.next, None);
    let none = inv
        .list_stock(
            &StockFilter {
                available_below: Some(0),
            },
            &page(0),
        )
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

#[tokio::test]
async fn reservations_list_newest_first_by_status_and_variant() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    inv.receive("var_A", 10).await;
    inv.receive("var_B", 10).await;
    let r1 = reserve_ok(&mut inv, &request("k1", &[("var_A", 1)], 600)).await;
    let r2 = reserve_ok(&mut inv, &request("k2", &[("var_B", 1)], 600)).await;
    let r3 = reserve_ok(&mut inv, &request("k3", &[("var_A", 1), ("var_B", 1)], 600)).await;
    let r4 = reserve_ok(&mut inv, &request("k4", &[("var_A", 2)], 600)).await;
    let r2 = inv.commit(&r2.id).await.unwrap();
    let r4 = inv.release(&r4.id).await.unwrap();

    let ids = |rs: Vec<Reservation>| rs.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = reservations(&mut inv, &all_reservations()).await;
    assert_eq!(all, vec![r4.clone(), r3.clone(), r2.clone(), r1.clone()]);

    let mut paged = Vec::new();
    let mut request = page(3);
    loop {
        let p = inv
            .list_reservations(&all_reservations(), &request)
            .await
            .unwrap();
        paged.extend(p.items);
        match p.page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, all);

    let by = |status: Option<ReservationStatus>, variant: Option<&str>| ReservationFilter {
        status,
        variant_id: variant.map(String::from),
    };
    assert_eq!(
        ids(reservations(&mut inv, &by(Some(ReservationStatus::Active), None)).await),
        [r3.id.clone(), r1.id.clone()]
    );
    assert_eq!(
        ids(reservations(&mut inv, &by(Some(ReservationStatus::Committed), None)).await),
        [r2.id.as_str()]
    );
    assert_eq!(
        ids(reservations(&mut inv, &by(Some(ReservationStatus::Released), None)).await),
        [r4.id.as_str()]
    );
    assert!(
        reservations(&mut inv, &by(Some(ReservationStatus::Expired), None))
            .await
            .is_empty()
    );
    assert_eq!(
        ids(reservations(&mut inv, &by(None, Some("var_B"))).await),
        [r3.id.clone(), r2.id.clone()]
    );
    assert_eq!(
        ids(reservations(
            &mut inv,
            &by(Some(ReservationStatus::Active), Some("var_A"))
        )
        .await),
        [r3.id.clone(), r1.id.clone()]
    );
}

#[tokio::test]
async fn reclaim_expired_checks_its_limit() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    assert_eq!(paths(inv.reclaim_expired(0).await), ["/limit"]);
    assert_eq!(paths(inv.reclaim_expired(10_001).await), ["/limit"]);
    assert_eq!(inv.reclaim_expired(10_000).await, Ok(0));
    inv.receive("var_A", 1).await;
    reserve_ok(&mut inv, &request("k", &[("var_A", 1)], 600)).await;
    // An active reservation is not reclaimed.
    assert_eq!(inv.reclaim_expired(1).await, Ok(0));
    assert_eq!(inv.stock("var_A").await, level("var_A", 1, 1));
}

// --- a model ------------------------------------------------------------------------------

/// A small deterministic pseudo-random generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A reservation as the model knows it.
struct Held {
    id: String,
    key: String,
    spec: Vec<(&'static str, u32)>,
    status: ReservationStatus,
}

#[tokio::test]
async fn a_random_sequence_of_calls_agrees_with_a_simple_model() {
    use std::collections::HashMap;
    let app = spawn_app();
    let mut inv = app.inventory().await;
    let variants = ["var_M0", "var_M1", "var_M2", "var_M3"];
    // variant -> (on hand, reserved); reservations: (id, key, lines, status).
    let mut stock: HashMap<&str, (u32, u32)> = variants.iter().map(|v| (*v, (0, 0))).collect();
    let mut held: Vec<Held> = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Which outcomes the sequence reached, so the test shows it covered them all.
    let mut outcomes: HashSet<&str> = HashSet::new();
    for step in 0..300 {
        match rng.below(6) {
            0 => {
                let mut spec: Vec<(&str, u32)> = Vec::new();
                for v in variants {
                    if rng.below(2) == 0 {
                        spec.push((v, 1 + rng.below(4) as u32));
                    }
                }
                if spec.is_empty() {
                    spec.push((variants[0], 1));
                }
                let key = format!("m-{step}");
                let short: Vec<Shortage> = spec
                    .iter()
                    .filter(|(v, q)| stock[v].0 - stock[v].1 < *q)
                    .map(|(v, q)| Shortage {
                        variant_id: v.to_string(),
                        requested: *q,
                        available: stock[v].0 - stock[v].1,
                    })
                    .collect();
                let answer = inv.reserve(&request(&key, &spec, 600)).await;
                if short.is_empty() {
                    outcomes.insert("reserved");
                    let r = answer.unwrap_or_else(|e| panic!("step {step}: {e:?}"));
                    for (v, q) in &spec {
                        stock.get_mut(v).unwrap().1 += q;
                    }
                    held.push(Held {
                        id: r.id,
                        key,
                        spec,
                        status: ReservationStatus::Active,
                    });
                } else {
                    outcomes.insert("reserve short");
                    assert_eq!(answer, Err(Error::InsufficientStock(short)), "step {step}");
                }
            }
            1 | 2 if !held.is_empty() => {
                let k = rng.below(held.len() as u64) as usize;
                let commit = rng.below(2) == 0;
                let Held {
                    id, spec, status, ..
                } = &mut held[k];
                let answer = if commit {
                    inv.commit(id).await
                } else {
                    inv.release(id).await
                };
                use ReservationStatus::*;
                match (*status, commit) {
                    (Active, true) => {
                        outcomes.insert("committed");
                        assert_eq!(answer.unwrap().status, Committed, "step {step}");
                        for (v, q) in spec.iter() {
                            let s = stock.get_mut(v).unwrap();
                            s.0 -= q;
                            s.1 -= q;
                        }
                        *status = Committed;
                    }
                    (Active, false) => {
                        outcomes.insert("released");
                        assert_eq!(answer.unwrap().status, Released, "step {step}");
                        for (v, q) in spec.iter() {
                            stock.get_mut(v).unwrap().1 -= q;
                        }
                        *status = Released;
                    }
                    (Committed, true) | (Released, false) => {
                        outcomes.insert("repeated");
                        assert_eq!(answer.unwrap().status, *status, "step {step}")
                    }
                    (s, _) => {
                        outcomes.insert("not active");
                        assert_eq!(answer, Err(Error::ReservationNotActive(s)), "step {step}")
                    }
                }
            }
            3 => {
                let v = variants[rng.below(4) as usize];
                let delta = rng.below(11) as i32 - 5;
                let answer = inv
                    .adjust(&adjustment(v, delta, MovementReason::Correction))
                    .await;
                let (on_hand, reserved) = stock[v];
                if delta == 0 {
                    outcomes.insert("adjust invalid");
                    assert_eq!(paths(answer), ["/delta"]);
                } else if i64::from(on_hand) + i64::from(delta) < i64::from(reserved) {
                    outcomes.insert("adjust short");
                    assert_eq!(
                        answer,
                        Err(Error::InsufficientStock(vec![Shortage {
                            variant_id: v.into(),
                            requested: delta.unsigned_abs(),
                            available: on_hand - reserved,
                        }])),
                        "step {step}"
                    );
                } else {
                    let m = answer.unwrap_or_else(|e| panic!("step {step}: {e:?}"));
                    outcomes.insert("adjusted");
                    let after = (i64::from(on_hand) + i64::from(delta)) as u32;
                    assert_eq!((m.delta, m.on_hand_after), (delta, after));
                    stock.get_mut(v).unwrap().0 = after;
                }
            }
            4 => {
                let v = variants[rng.below(4) as usize];
                let counted = rng.below(16) as u32;
                let answer = inv.set_on_hand(&count(v, counted)).await;
                let (on_hand, reserved) = stock[v];
                if counted < reserved {
                    outcomes.insert("count short");
                    assert_eq!(
                        answer,
                        Err(Error::InsufficientStock(vec![Shortage {
                            variant_id: v.into(),
                            requested: on_hand - counted,
                            available: on_hand - reserved,
                        }])),
                        "step {step}"
                    );
                } else {
                    let m = answer.unwrap_or_else(|e| panic!("step {step}: {e:?}"));
                    outcomes.insert("counted");
                    assert_eq!(m.delta, counted as i32 - on_hand as i32);
                    stock.get_mut(v).unwrap().0 = counted;
                }
            }
            _ if !held.is_empty() => {
                // A retried reserve answers the first reservation as it now is.
                let k = rng.below(held.len() as u64) as usize;
                let Held {
                    id,
                    key,
                    spec,
                    status,
                } = &held[k];
                outcomes.insert("replayed");
                let r = inv.reserve(&request(key, spec, 60)).await.unwrap();
                assert_eq!((&r.id, r.status), (id, *status), "step {step}");
            }
            _ => {}
        }
        let ids: Vec<String> = variants.map(String::from).to_vec();
        let expected: Vec<StockLevel> = variants
            .iter()
            .map(|v| level(v, stock[v].0, stock[v].1))
            .collect();
        assert_eq!(
            inv.availability(&ids).await.unwrap(),
            expected,
            "step {step}"
        );
    }
    let mut reached: Vec<&str> = outcomes.into_iter().collect();
    reached.sort();
    assert_eq!(
        reached,
        [
            "adjust invalid",
            "adjust short",
            "adjusted",
            "committed",
            "count short",
            "counted",
            "not active",
            "released",
            "repeated",
            "replayed",
            "reserve short",
            "reserved"
        ]
    );
    // The audit trail replays to the stock: per variant, the deltas sum to on-hand and each
    // movement's on-hand-after follows from the one before.
    let mut trail = Vec::new();
    let mut request_page = page(100);
    loop {
        let p = inv
            .list_movements(&all_movements(), &request_page)
            .await
            .unwrap();
        trail.extend(p.items);
        match p.page.next {
            Some(next) => request_page.after = Some(next),
            None => break,
        }
    }
    trail.reverse();
    let mut replayed: HashMap<String, i64> = HashMap::new();
    for m in &trail {
        let n = replayed.entry(m.variant_id.clone()).or_default();
        *n += i64::from(m.delta);
        assert_eq!(*n, i64::from(m.on_hand_after), "{m:?}");
    }
    for v in variants {
        assert_eq!(replayed.get(v).copied().unwrap_or(0), i64::from(stock[v].0));
    }
}

// --- concurrency --------------------------------------------------------------------------

/// Runs `calls` concurrently, each in its own component instance (so its own database
/// connection), released together by a barrier once every instance exists.
async fn race<T, F, Fut>(app: &Arc<commerce_tests::TestApp>, calls: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, InventoryHandle) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(calls));
    let mut tasks = Vec::with_capacity(calls);
    for n in 0..calls {
        let inv = app.inventory().await;
        let barrier = barrier.clone();
        let fut = call(n, inv);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            fut.await
        }));
    }
    let mut out = Vec::with_capacity(calls);
    for task in tasks {
        out.push(task.await.expect("the task finished"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_checkouts_reserve_exactly_the_stock_and_never_more() {
    let app = Arc::new(spawn_app());
    // Several rounds, each a fresh variant with 10 in stock and 48 buyers of one unit: a
    // lost update needs two calls to interleave inside the window, which one round may
    // not hit.
    const ROUNDS: usize = 20;
    const BUYERS: usize = 48;
    let mut winners: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let variant = format!("var_HOT{round}");
        app.inventory().await.receive(&variant, 10).await;
        let results = race(&app, BUYERS, |n, mut inv| {
            let req = request(&format!("checkout-{round}-{n}"), &[(&variant, 1)], 600);
            async move { inv.reserve(&req).await }
        })
        .await;

        let won: Vec<&Reservation> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(
            won.len(),
            10,
            "round {round}: exactly the stock is reserved"
        );
        let distinct: HashSet<&str> = won.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(distinct.len(), 10);
        for r in &results {
            if let Err(e) = r {
                assert_eq!(
                    e,
                    &Error::InsufficientStock(vec![Shortage {
                        variant_id: variant.clone(),
                        requested: 1,
                        available: 0,
                    }])
                );
            }
        }
        let mut inv = app.inventory().await;
        assert_eq!(inv.stock(&variant).await, level(&variant, 10, 10));
        let active = reservations(
            &mut inv,
            &ReservationFilter {
                status: Some(ReservationStatus::Active),
                variant_id: Some(variant.clone()),
            },
        )
        .await;
        assert_eq!(active.len(), 10);
        winners = won.iter().map(|r| r.id.clone()).collect();
    }
    let variant = format!("var_HOT{}", ROUNDS - 1);
    let mut inv = app.inventory().await;

    // The last round's winners pay or give up, concurrently too: 6 commit, 4 release.
    let outcomes = race(&app, winners.len(), |n, mut inv| {
        let id = winners[n].clone();
        async move {
            if n < 6 {
                inv.commit(&id).await
            } else {
                inv.release(&id).await
            }
        }
    })
    .await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(inv.stock(&variant).await, level(&variant, 4, 0));
    let sales = movements(
        &mut inv,
        &MovementFilter {
            variant_id: Some(variant.clone()),
            reason: Some(MovementReason::Sale),
            since: None,
        },
    )
    .await;
    assert_eq!(sales.len(), 6);
    let mut afters: Vec<u32> = sales.iter().map(|m| m.on_hand_after).collect();
    afters.sort();
    assert_eq!(afters, [4, 5, 6, 7, 8, 9]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_multi_line_checkouts_are_all_or_nothing() {
    let app = Arc::new(spawn_app());
    const ROUNDS: usize = 8;
    const BUYERS: usize = 32;
    let mut won_total = 0;
    for round in 0..ROUNDS {
        let (a, b) = (format!("var_A{round}"), format!("var_B{round}"));
        {
            let mut inv = app.inventory().await;
            inv.receive(&a, 7).await;
            inv.receive(&b, 5).await;
        }
        // Four baskets, taken in turn: two lines, one line, two lines, one line.
        let baskets: [Vec<(&str, u32)>; 4] = [
            vec![(&a, 2), (&b, 1)],
            vec![(&a, 1)],
            vec![(&b, 2), (&a, 1)],
            vec![(&b, 1)],
        ];
        let results = race(&app, BUYERS, |n, mut inv| {
            let basket = n % baskets.len();
            let req = request(&format!("checkout-{round}-{n}"), &baskets[basket], 600);
            async move { (basket, inv.reserve(&req).await) }
        })
        .await;

        let (mut held_a, mut held_b) = (0, 0);
        let mut won = 0;
        for (basket, result) in &results {
            let basket = &baskets[*basket];
            match result {
                Ok(r) => {
                    won += 1;
                    assert_eq!(r.lines, lines(basket));
                    for (v, q) in basket {
                        if *v == a.as_str() {
                            held_a += q;
                        } else {
                            held_b += q;
                        }
                    }
                }
                Err(Error::InsufficientStock(shortages)) => {
                    assert!(!shortages.is_empty());
                    for s in shortages {
                        let asked = basket.iter().find(|(v, _)| *v == s.variant_id).unwrap().1;
                        assert_eq!(s.requested, asked);
                        assert!(s.available < s.requested, "{s:?}");
                    }
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert!(won > 0);
        assert!(
            held_a <= 7 && held_b <= 5,
            "round {round}: A {held_a}, B {held_b}"
        );
        // What is reserved is exactly what the winners hold: losers held nothing.
        let mut inv = app.inventory().await;
        assert_eq!(
            inv.availability(&[a.clone(), b.clone()]).await.unwrap(),
            vec![level(&a, 7, held_a), level(&b, 5, held_b)],
            "round {round}"
        );
        won_total += won;
    }
    let mut inv = app.inventory().await;
    let all = inv
        .list_reservations(&all_reservations(), &page(100))
        .await
        .unwrap();
    let mut count = all.items.len();
    let mut next = all.page.next;
    while let Some(after) = next {
        let p = inv
            .list_reservations(
                &all_reservations(),
                &PageRequest {
                    after: Some(after),
                    limit: 100,
                },
            )
            .await
            .unwrap();
        count += p.items.len();
        next = p.page.next;
    }
    assert_eq!(count, won_total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_duplicates_of_one_checkout_hold_stock_once() {
    let app = Arc::new(spawn_app());
    app.inventory().await.receive("var_A", 5).await;
    let results = race(&app, 16, |_, mut inv| async move {
        inv.reserve(&request("ord_SAME", &[("var_A", 3)], 600))
            .await
    })
    .await;
    let first = results[0].clone().unwrap();
    assert!(
        results.iter().all(|r| r.as_ref() == Ok(&first)),
        "{results:?}"
    );
    let mut inv = app.inventory().await;
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 3));
    assert_eq!(reservations(&mut inv, &all_reservations()).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_removals_never_dip_into_reserved_stock() {
    let app = Arc::new(spawn_app());
    const ROUNDS: usize = 8;
    for round in 0..ROUNDS {
        let v = format!("var_R{round}");
        {
            let mut inv = app.inventory().await;
            inv.receive(&v, 10).await;
            reserve_ok(
                &mut inv,
                &request(&format!("held-{round}"), &[(&v, 4)], 600),
            )
            .await;
        }
        // Half the calls remove a unit, half reserve one: 6 units are not reserved.
        let results = race(&app, 20, |n, mut inv| {
            let damaged = adjustment(&v, -1, MovementReason::Damaged);
            let req = request(&format!("c-{round}-{n}"), &[(&v, 1)], 600);
            async move {
                if n % 2 == 0 {
                    inv.adjust(&damaged).await.map(|_| ())
                } else {
                    inv.reserve(&req).await.map(|_| ())
                }
            }
        })
        .await;
        let succeeded = |parity: usize| {
            results
                .iter()
                .enumerate()
                .filter(|(n, r)| n % 2 == parity && r.is_ok())
                .count() as u32
        };
        let (removed, reserved) = (succeeded(0), succeeded(1));
        assert_eq!(
            removed + reserved,
            6,
            "round {round}: the 6 unreserved units went, no more: {results:?}"
        );
        for r in &results {
            if let Err(e) = r {
                assert!(
                    matches!(e, Error::InsufficientStock(s) if s.len() == 1 && s[0].available == 0),
                    "{e:?}"
                );
            }
        }
        let mut inv = app.inventory().await;
        assert_eq!(inv.stock(&v).await, level(&v, 10 - removed, 4 + reserved));
        let damaged = MovementFilter {
            variant_id: Some(v.clone()),
            reason: Some(MovementReason::Damaged),
            since: None,
        };
        assert_eq!(movements(&mut inv, &damaged).await.len() as u32, removed);
        let active = ReservationFilter {
            status: Some(ReservationStatus::Active),
            variant_id: Some(v.clone()),
        };
        assert_eq!(
            reservations(&mut inv, &active).await.len() as u32,
            1 + reserved
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn instances_racing_on_a_fresh_database_create_the_schema_once() {
    let app = Arc::new(spawn_app());
    let results = race(&app, 12, |n, mut inv| async move {
        if n % 2 == 0 {
            inv.availability(&["var_A".into()]).await.map(|_| ())
        } else {
            inv.receive("var_A", 1).await;
            Ok(())
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut inv = app.inventory().await;
    assert_eq!(inv.stock("var_A").await, level("var_A", 6, 0));
}

// --- expiry -------------------------------------------------------------------------------

/// The WIT allows no time-to-live under 60 seconds and the component reads the real clock,
/// so this test waits for real: about a minute, spent concurrently with the other tests.
#[tokio::test]
async fn expired_reservations_stop_counting_and_are_reclaimed_lazily() {
    let app = spawn_app();
    let mut inv = app.inventory().await;
    for (v, n) in [
        ("var_A", 5),
        ("var_B", 5),
        ("var_C", 5),
        ("var_D", 2),
        ("var_E", 3),
        ("var_F", 2),
        ("var_G", 5),
    ] {
        inv.receive(v, n).await;
    }
    let short = 60;
    let r1 = reserve_ok(&mut inv, &request("r1", &[("var_A", 2)], short)).await;
    let r2 = reserve_ok(&mut inv, &request("r2", &[("var_B", 3)], short)).await;
    let r3 = reserve_ok(&mut inv, &request("r3", &[("var_C", 1)], short)).await;
    let r4 = reserve_ok(&mut inv, &request("r4", &[("var_A", 1)], 7200)).await;
    let r5 = reserve_ok(&mut inv, &request("r5", &[("var_G", 2)], short)).await;
    let r6 = reserve_ok(&mut inv, &request("r6", &[("var_G", 1)], short)).await;
    let r7 = reserve_ok(&mut inv, &request("r7", &[("var_D", 1)], short)).await;
    let r8 = reserve_ok(&mut inv, &request("r8", &[("var_D", 1)], short)).await;
    let r9 = reserve_ok(&mut inv, &request("r9", &[("var_E", 3)], short)).await;
    let r10 = reserve_ok(&mut inv, &request("r10", &[("var_F", 2)], short)).await;
    // Before the expiry: released and committed reservations are final.
    let r5 = inv.release(&r5.id).await.unwrap();
    let r6 = inv.commit(&r6.id).await.unwrap();
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 3));
    assert_eq!(inv.stock("var_G").await, level("var_G", 4, 0));
    assert_eq!(inv.stock("var_E").await, level("var_E", 3, 3));

    // Wait until every short reservation's expires-at has passed.
    let deadline = [&r1, &r2, &r3, &r7, &r8, &r9, &r10]
        .iter()
        .map(|r| r.expires_at)
        .max()
        .unwrap();
    let wait = deadline - now_ms() + 250;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    assert!(now_ms() > deadline);

    let mut inv = app.inventory().await;
    // Status as of the call, closed at the expiry, while storage still says active.
    let seen = inv.get_reservation(&r1.id).await.unwrap();
    assert_eq!(seen.status, ReservationStatus::Expired);
    assert_eq!(seen.closed_at, Some(r1.expires_at));
    let expired_ids: HashSet<String> = reservations(
        &mut inv,
        &ReservationFilter {
            status: Some(ReservationStatus::Expired),
            variant_id: None,
        },
    )
    .await
    .into_iter()
    .map(|r| r.id)
    .collect();
    let expected: HashSet<String> = [&r1, &r2, &r3, &r7, &r8, &r9, &r10]
        .iter()
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(expired_ids, expected);
    let active = reservations(
        &mut inv,
        &ReservationFilter {
            status: Some(ReservationStatus::Active),
            variant_id: None,
        },
    )
    .await;
    assert_eq!(active, vec![r4.clone()]);
    // Released and committed ones keep their status.
    assert_eq!(inv.get_reservation(&r5.id).await.unwrap(), r5);
    assert_eq!(inv.get_reservation(&r6.id).await.unwrap(), r6);

    // A read no longer counts r1 (and reclaims it); r4 still holds its unit.
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 1));
    // Committing an expired reservation is refused, even with the stock still there.
    assert_eq!(
        inv.commit(&r2.id).await,
        Err(Error::ReservationNotActive(ReservationStatus::Expired))
    );
    assert_eq!(inv.stock("var_B").await, level("var_B", 5, 0));
    // Releasing one answers it as expired.
    let released = inv.release(&r3.id).await.unwrap();
    assert_eq!(released.status, ReservationStatus::Expired);
    assert_eq!(released.closed_at, Some(r3.expires_at));
    assert_eq!(inv.stock("var_C").await, level("var_C", 5, 0));
    // A write reclaims first: the lapsed hold on E does not block removing all of E.
    inv.adjust(&adjustment("var_E", -3, MovementReason::Damaged))
        .await
        .unwrap();
    assert_eq!(inv.stock("var_E").await, level("var_E", 0, 0));
    // Nor does a lapsed hold block a new reservation.
    reserve_ok(&mut inv, &request("r10-again", &[("var_F", 2)], 600)).await;
    assert_eq!(inv.stock("var_F").await, level("var_F", 2, 2));
    // The same key answers with the expired reservation and holds nothing.
    let replay = reserve_ok(&mut inv, &request("r1", &[("var_A", 2)], 60)).await;
    assert_eq!(replay.id, r1.id);
    assert_eq!(replay.status, ReservationStatus::Expired);
    assert_eq!(inv.stock("var_A").await, level("var_A", 5, 1));

    // Only r7 and r8 (variant D, untouched since) are left to reclaim in storage: every
    // other expired reservation was reclaimed by the call that touched its variant.
    assert_eq!(inv.reclaim_expired(1).await, Ok(1));
    assert_eq!(inv.reclaim_expired(10_000).await, Ok(1));
    assert_eq!(inv.reclaim_expired(10_000).await, Ok(0));
    assert_eq!(inv.stock("var_D").await, level("var_D", 2, 0));
    // Reclaimed or not, the reservations read the same.
    let r7_seen = inv.get_reservation(&r7.id).await.unwrap();
    assert_eq!(r7_seen.status, ReservationStatus::Expired);
    assert_eq!(r7_seen.closed_at, Some(r7.expires_at));
    assert_eq!(inv.get_reservation(&r1.id).await.unwrap(), seen);
    // Every short unit is available again; r4's unit of A is still held.
    let ids: Vec<String> = ["var_A", "var_B", "var_C", "var_D", "var_G"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        inv.availability(&ids).await.unwrap(),
        vec![
            level("var_A", 5, 1),
            level("var_B", 5, 0),
            level("var_C", 5, 0),
            level("var_D", 2, 0),
            level("var_G", 4, 0),
        ]
    );
}
