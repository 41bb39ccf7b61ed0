//! The payments component at its WIT boundary: every export and error with the built-in
//! test provider, webhooks (valid, forged, stale, replayed, out of order, before and
//! instead of the storefront's confirmation), and the Stripe provider against a local fake
//! Stripe that speaks Stripe's wire format (form-encoded requests, JSON PaymentIntents,
//! Refunds and error objects, `Idempotency-Key` replays), reached only through the
//! `allowed_outbound_hosts` and variables the granting component gives.

use commerce_tests::payments::*;
use commerce_tests::stripe_fake as fake;
use serde_json::json;

fn page(after: Option<String>, limit: u32) -> PageRequest {
    PageRequest { after, limit }
}

fn paths(e: &Error) -> Vec<String> {
    match e {
        Error::InvalidInput(fields) => fields.iter().map(|f| f.path.clone()).collect(),
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

fn declined(r: Result<Payment, Error>) -> Decline {
    match r {
        Err(Error::Declined(d)) => d,
        other => panic!("expected declined, got {other:?}"),
    }
}

const SUCCEEDS: &str = "4242424242424242";

// --- the test provider ---------------------------------------------------------------

#[tokio::test]
async fn a_test_card_payment_is_created_then_confirmed_and_taken() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = pay
        .create(&new_payment("checkout:1", 1999, card(SUCCEEDS)))
        .await
        .unwrap();
    assert!(p.id.starts_with("pay_"), "{}", p.id);
    assert_eq!(p.provider, Provider::Test);
    assert_eq!(p.status, PaymentStatus::RequiresConfirmation);
    assert_eq!(p.amount, eur(1999));
    assert_eq!(p.amount_captured, eur(0));
    assert!(
        p.provider_reference
            .as_deref()
            .unwrap()
            .starts_with("pi_test_")
    );
    assert_eq!(
        p.card,
        Some(CardSummary {
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2040
        })
    );
    assert_eq!(p.order_id.as_deref(), Some("ord_TEST"));

    let mut pay = app.payments().await;
    let done = pay.confirm(&p.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);
    assert_eq!(done.amount_captured, eur(1999));
    assert_eq!(done.next_action, None);
    // Idempotent: confirming again returns it unchanged.
    assert_eq!(pay.confirm(&p.id).await.unwrap(), done);
    assert_eq!(pay.get(&p.id).await.unwrap(), done);
}

#[tokio::test]
async fn declining_test_cards_fail_the_payment_with_their_reason_every_time() {
    let app = payments_app(None);
    let cases = [
        ("4000000000000002", DeclineCode::CardDeclined),
        ("4000000000009995", DeclineCode::InsufficientFunds),
        ("4000000000000069", DeclineCode::ExpiredCard),
        ("4000000000000127", DeclineCode::IncorrectCvc),
        // Fails the Luhn check.
        ("4242424242424241", DeclineCode::IncorrectNumber),
    ];
    for (i, (number, code)) in cases.into_iter().enumerate() {
        let mut pay = app.payments().await;
        let p = pay
            .create(&new_payment(&format!("k{i}"), 500, card(number)))
            .await
            .unwrap();
        let d = declined(pay.confirm(&p.id).await);
        assert_eq!(d.code, code, "{number}");
        assert!(!d.message.contains(number));
        let stored = pay.get(&p.id).await.unwrap();
        assert_eq!(stored.status, PaymentStatus::Failed);
        assert_eq!(stored.last_decline, Some(d.clone()));
        assert_eq!(stored.amount_captured, eur(0));
        // Final: confirming again fails again with the same decline.
        assert_eq!(declined(pay.confirm(&p.id).await), d);
    }
}

#[tokio::test]
async fn a_3ds_card_asks_for_action_and_complete_action_settles_it() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = pay
        .create(&new_payment("3ds-ok", 1200, card("4000002500003155")))
        .await
        .unwrap();
    // Not yet confirmed: complete-action does not apply.
    assert_eq!(
        pay.complete_action(&p.id).await,
        Err(Error::InvalidState(PaymentStatus::RequiresConfirmation))
    );
    let waiting = pay.confirm(&p.id).await.unwrap();
    assert_eq!(waiting.status, PaymentStatus::RequiresAction);
    assert_eq!(
        waiting.next_action,
        Some(NextAction::RedirectToUrl(
            "https://shop.example/checkout/return".into()
        ))
    );
    // Confirming again changes nothing.
    assert_eq!(pay.confirm(&p.id).await.unwrap(), waiting);
    let done = pay.complete_action(&p.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);
    assert_eq!(done.next_action, None);
    assert_eq!(done.amount_captured, eur(1200));
    assert_eq!(pay.complete_action(&p.id).await.unwrap(), done);

    for (key, number, code) in [
        ("3ds-decline", "4000008400001629", DeclineCode::CardDeclined),
        (
            "3ds-fail",
            "4000000000003220",
            DeclineCode::AuthenticationFailed,
        ),
    ] {
        let p = pay
            .create(&new_payment(key, 1200, card(number)))
            .await
            .unwrap();
        assert_eq!(
            pay.confirm(&p.id).await.unwrap().status,
            PaymentStatus::RequiresAction
        );
        assert_eq!(declined(pay.complete_action(&p.id).await).code, code);
        assert_eq!(pay.get(&p.id).await.unwrap().status, PaymentStatus::Failed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_is_idempotent_by_key_and_refuses_the_key_with_other_parameters() {
    let app = std::sync::Arc::new(payments_app(None));
    let request = new_payment("checkout:ord_1", 2500, card(SUCCEEDS));
    // Concurrent duplicates get one payment.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let app = app.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            app.payments().await.create(&request).await.unwrap()
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        created.push(t.await.unwrap());
    }
    let a = created[0].clone();
    assert!(created.iter().all(|p| p.id == a.id), "{created:?}");
    let mut pay = app.payments().await;
    pay.confirm(&a.id).await.unwrap();
    // A retry after the confirmation returns the payment as it now is.
    let again = pay.create(&request).await.unwrap();
    assert_eq!(again.id, a.id);
    assert_eq!(again.status, PaymentStatus::Succeeded);

    let mut other = request.clone();
    other.amount = eur(2600);
    assert_eq!(pay.create(&other).await, Err(Error::IdempotencyConflict));
    let mut other = request.clone();
    other.method = card("5555555555554444");
    assert_eq!(pay.create(&other).await, Err(Error::IdempotencyConflict));
    let all = pay
        .list_payments(
            &PaymentFilter {
                status: None,
                order_id: None,
            },
            &page(None, 0),
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_per_field_and_creates_nothing() {
    let app = payments_app(None);
    let mut pay = app.payments().await;

    let mut r = new_payment("", 0, card("4242x"));
    r.amount.currency = "EURO".into();
    let e = pay.create(&r).await.unwrap_err();
    let p = paths(&e);
    for path in [
        "/amount/amount",
        "/amount/currency",
        "/idempotency-key",
        "/method/test-card/number",
    ] {
        assert!(p.contains(&path.to_owned()), "{path} missing in {p:?}");
    }

    let mut r = new_payment("k", 100, card(SUCCEEDS));
    r.method = PaymentMethod::TestCard(TestCard {
        number: SUCCEEDS.into(),
        exp_month: 13,
        exp_year: 2040,
        cvc: "12".into(),
    });
    assert_eq!(
        paths(&pay.create(&r).await.unwrap_err()),
        ["/method/test-card/exp-month", "/method/test-card/cvc"]
    );
    r.method = PaymentMethod::TestCard(TestCard {
        number: SUCCEEDS.into(),
        exp_month: 1,
        exp_year: 2020,
        cvc: "123".into(),
    });
    assert_eq!(
        paths(&pay.create(&r).await.unwrap_err()),
        ["/method/test-card/exp-year"]
    );

    // A 3-D Secure card needs somewhere to come back to.
    let mut r = new_payment("k", 100, card("4000002500003155"));
    r.return_url = None;
    assert_eq!(paths(&pay.create(&r).await.unwrap_err()), ["/return-url"]);
    r.return_url = Some("javascript:alert(1)".into());
    assert_eq!(paths(&pay.create(&r).await.unwrap_err()), ["/return-url"]);

    let mut r = new_payment("k", 100, card(SUCCEEDS));
    r.statement_descriptor = Some("THIS IS FAR TOO LONG TO PRINT".into());
    assert_eq!(
        paths(&pay.create(&r).await.unwrap_err()),
        ["/statement-descriptor"]
    );
    // A provider token that is not a Stripe PaymentMethod id.
    let r = new_payment("k", 100, PaymentMethod::ProviderToken("tok_visa".into()));
    assert_eq!(
        paths(&pay.create(&r).await.unwrap_err()),
        ["/method/provider-token"]
    );
    let all = pay
        .list_payments(
            &PaymentFilter {
                status: None,
                order_id: None,
            },
            &page(None, 0),
        )
        .await
        .unwrap();
    assert!(all.items.is_empty(), "{:?}", all.items);
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    for id in [
        "pay_0000000000000000000000000Z",
        "ord_X",
        "",
        "pay_'; DROP TABLE x",
    ] {
        assert_eq!(pay.get(id).await, Err(Error::NotFound), "{id}");
        assert_eq!(pay.confirm(id).await, Err(Error::NotFound));
        assert_eq!(pay.complete_action(id).await, Err(Error::NotFound));
        assert_eq!(pay.capture(id, None).await, Err(Error::NotFound));
        assert_eq!(pay.cancel(id).await, Err(Error::NotFound));
        assert_eq!(
            pay.list_refunds(id, &page(None, 0)).await,
            Err(Error::NotFound)
        );
        let r = NewRefund {
            payment_id: id.into(),
            amount: None,
            reason: None,
            idempotency_key: format!("nf-{id}"),
        };
        assert_eq!(pay.refund(&r).await, Err(Error::NotFound));
    }
}

#[tokio::test]
async fn manual_capture_stops_at_requires_capture_and_takes_all_or_part() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let mut r = new_payment("manual", 1000, card(SUCCEEDS));
    r.capture_mode = CaptureMode::Manual;
    let p = pay.create(&r).await.unwrap();
    assert_eq!(
        pay.capture(&p.id, None).await,
        Err(Error::InvalidState(PaymentStatus::RequiresConfirmation))
    );
    let held = pay.confirm(&p.id).await.unwrap();
    assert_eq!(held.status, PaymentStatus::RequiresCapture);
    assert_eq!(held.amount_captured, eur(0));

    let e = pay.capture(&p.id, Some(eur(1001))).await.unwrap_err();
    assert_eq!(paths(&e), ["/amount/amount"]);
    let usd = Money {
        amount: 10,
        currency: "USD".into(),
    };
    assert_eq!(
        paths(&pay.capture(&p.id, Some(usd)).await.unwrap_err()),
        ["/amount/currency"]
    );
    assert_eq!(
        pay.get(&p.id).await.unwrap(),
        held,
        "refusals change nothing"
    );

    let taken = pay.capture(&p.id, Some(eur(600))).await.unwrap();
    assert_eq!(taken.status, PaymentStatus::Succeeded);
    assert_eq!(taken.amount_captured, eur(600));
    // Idempotent.
    assert_eq!(pay.capture(&p.id, None).await.unwrap(), taken);
    // Only what was captured can be refunded.
    let over = NewRefund {
        payment_id: p.id.clone(),
        amount: Some(eur(601)),
        reason: None,
        idempotency_key: "over".into(),
    };
    assert_eq!(pay.refund(&over).await, Err(Error::RefundExceeds(eur(600))));
}

#[tokio::test]
async fn cancel_applies_before_money_is_taken_only() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = pay
        .create(&new_payment("c1", 700, card(SUCCEEDS)))
        .await
        .unwrap();
    let c = pay.cancel(&p.id).await.unwrap();
    assert_eq!(c.status, PaymentStatus::Cancelled);
    assert_eq!(pay.cancel(&p.id).await.unwrap(), c);
    assert_eq!(
        pay.confirm(&p.id).await,
        Err(Error::InvalidState(PaymentStatus::Cancelled))
    );
    assert_eq!(
        pay.complete_action(&p.id).await,
        Err(Error::InvalidState(PaymentStatus::Cancelled))
    );

    // A held authorisation is released.
    let mut r = new_payment("c2", 700, card(SUCCEEDS));
    r.capture_mode = CaptureMode::Manual;
    let p = pay.create(&r).await.unwrap();
    pay.confirm(&p.id).await.unwrap();
    assert_eq!(
        pay.cancel(&p.id).await.unwrap().status,
        PaymentStatus::Cancelled
    );
    assert_eq!(
        pay.capture(&p.id, None).await,
        Err(Error::InvalidState(PaymentStatus::Cancelled))
    );

    // A 3-D Secure challenge can be abandoned.
    let p = pay
        .create(&new_payment("c3", 700, card("4000002500003155")))
        .await
        .unwrap();
    pay.confirm(&p.id).await.unwrap();
    let c = pay.cancel(&p.id).await.unwrap();
    assert_eq!(c.status, PaymentStatus::Cancelled);
    assert_eq!(c.next_action, None);

    // Money taken or refused: no.
    let p = pay
        .create(&new_payment("c4", 700, card(SUCCEEDS)))
        .await
        .unwrap();
    pay.confirm(&p.id).await.unwrap();
    assert_eq!(
        pay.cancel(&p.id).await,
        Err(Error::InvalidState(PaymentStatus::Succeeded))
    );
    let p = pay
        .create(&new_payment("c5", 700, card("4000000000000002")))
        .await
        .unwrap();
    let _ = pay.confirm(&p.id).await;
    assert_eq!(
        pay.cancel(&p.id).await,
        Err(Error::InvalidState(PaymentStatus::Failed))
    );
}

async fn paid(pay: &mut PaymentsHandle, key: &str, amount: i64) -> Payment {
    let p = pay
        .create(&new_payment(key, amount, card(SUCCEEDS)))
        .await
        .unwrap();
    pay.confirm(&p.id).await.unwrap()
}

fn refund(payment: &Payment, amount: Option<i64>, key: &str) -> NewRefund {
    NewRefund {
        payment_id: payment.id.clone(),
        amount: amount.map(eur),
        reason: Some("customer changed their mind".into()),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn refunds_give_back_part_or_all_and_never_more_than_was_taken() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = paid(&mut pay, "r", 1000).await;

    let first = pay.refund(&refund(&p, Some(300), "r1")).await.unwrap();
    assert!(first.id.starts_with("ref_"));
    assert_eq!(first.status, RefundStatus::Succeeded);
    assert_eq!(first.amount, eur(300));
    assert_eq!(first.payment_id, p.id);
    assert!(first.provider_reference.is_some());
    assert_eq!(pay.get(&p.id).await.unwrap().amount_refunded, eur(300));
    // Same key: the same refund; other parameters: a conflict.
    assert_eq!(
        pay.refund(&refund(&p, Some(300), "r1")).await.unwrap(),
        first
    );
    assert_eq!(
        pay.refund(&refund(&p, Some(200), "r1")).await,
        Err(Error::IdempotencyConflict)
    );
    // Over the room left: refused with what is left, nothing recorded.
    assert_eq!(
        pay.refund(&refund(&p, Some(701), "r2")).await,
        Err(Error::RefundExceeds(eur(700)))
    );
    let bad = pay
        .refund(&NewRefund {
            amount: Some(Money {
                amount: 5,
                currency: "USD".into(),
            }),
            ..refund(&p, None, "r3")
        })
        .await
        .unwrap_err();
    assert_eq!(paths(&bad), ["/amount/currency"]);
    assert_eq!(
        paths(&pay.refund(&refund(&p, Some(0), "r4")).await.unwrap_err()),
        ["/amount/amount"]
    );
    // Everything left.
    let rest = pay.refund(&refund(&p, None, "r5")).await.unwrap();
    assert_eq!(rest.amount, eur(700));
    let after = pay.get(&p.id).await.unwrap();
    assert_eq!(after.amount_refunded, eur(1000));
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(
        pay.refund(&refund(&p, Some(1), "r6")).await,
        Err(Error::RefundExceeds(eur(0)))
    );
    assert_eq!(
        pay.refund(&refund(&p, None, "r7")).await,
        Err(Error::RefundExceeds(eur(0)))
    );

    // Oldest first, paged.
    let one = pay.list_refunds(&p.id, &page(None, 1)).await.unwrap();
    assert_eq!(one.items, vec![first.clone()]);
    let two = pay
        .list_refunds(&p.id, &page(one.page.next.clone(), 1))
        .await
        .unwrap();
    assert_eq!(two.items, vec![rest]);
    assert_eq!(two.page.next, None);

    // Not succeeded: nothing to refund.
    let open = pay
        .create(&new_payment("r-open", 100, card(SUCCEEDS)))
        .await
        .unwrap();
    assert_eq!(
        pay.refund(&refund(&open, None, "r8")).await,
        Err(Error::InvalidState(PaymentStatus::RequiresConfirmation))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 6)]
async fn racing_refunds_never_give_back_more_than_was_captured() {
    let app = std::sync::Arc::new(payments_app(None));
    let mut pay = app.payments().await;
    let p = paid(&mut pay, "race", 1000).await;
    // Six refunds of 3.00 race for 10.00: three fit.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let app = app.clone();
        let r = refund(&p, Some(300), &format!("race-{i}"));
        tasks.push(tokio::spawn(async move {
            app.payments().await.refund(&r).await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let ok: i64 = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.amount.amount)
        .sum();
    assert_eq!(ok, 900, "{results:?}");
    for r in &results {
        if let Err(e) = r {
            assert_eq!(e, &Error::RefundExceeds(eur(100)), "{results:?}");
        }
    }
    assert_eq!(pay.get(&p.id).await.unwrap().amount_refunded, eur(900));
}

#[tokio::test]
async fn payments_list_newest_first_filtered_and_paged() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let a = paid(&mut pay, "l1", 100).await;
    let b = pay
        .create(&new_payment("l2", 200, card(SUCCEEDS)))
        .await
        .unwrap();
    let mut r = new_payment("l3", 300, card(SUCCEEDS));
    r.order_id = Some("ord_OTHER".into());
    let c = paid_with(&mut pay, &r).await;
    let all = PaymentFilter {
        status: None,
        order_id: None,
    };
    let first = pay.list_payments(&all, &page(None, 2)).await.unwrap();
    assert_eq!(
        first.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        [c.id.clone(), b.id.clone()]
    );
    let second = pay
        .list_payments(&all, &page(first.page.next.clone(), 2))
        .await
        .unwrap();
    assert_eq!(second.items, vec![a.clone()]);
    assert_eq!(second.page.next, None);

    let succeeded = pay
        .list_payments(
            &PaymentFilter {
                status: Some(PaymentStatus::Succeeded),
                order_id: None,
            },
            &page(None, 0),
        )
        .await
        .unwrap();
    assert_eq!(succeeded.items, vec![c.clone(), a.clone()]);
    let of_order = pay
        .list_payments(
            &PaymentFilter {
                status: None,
                order_id: Some("ord_OTHER".into()),
            },
            &page(None, 0),
        )
        .await
        .unwrap();
    assert_eq!(of_order.items, vec![c]);

    let max = pay.max_page_size().await;
    assert_eq!(
        paths(
            &pay.list_payments(&all, &page(None, max + 1))
                .await
                .unwrap_err()
        ),
        ["/limit"]
    );
    assert_eq!(
        paths(
            &pay.list_payments(&all, &page(Some("bm90LWEtY3Vyc29y".into()), 1))
                .await
                .unwrap_err()
        ),
        ["/after"]
    );
    // A refunds cursor is not a payments cursor.
    let refund_cursor = {
        pay.refund(&refund(&a, Some(10), "lr1")).await.unwrap();
        pay.refund(&refund(&a, Some(10), "lr2")).await.unwrap();
        pay.list_refunds(&a.id, &page(None, 1))
            .await
            .unwrap()
            .page
            .next
    };
    assert_eq!(
        paths(
            &pay.list_payments(&all, &page(refund_cursor, 1))
                .await
                .unwrap_err()
        ),
        ["/after"]
    );
}

async fn paid_with(pay: &mut PaymentsHandle, r: &NewPayment) -> Payment {
    let p = pay.create(r).await.unwrap();
    pay.confirm(&p.id).await.unwrap()
}

// --- webhooks ------------------------------------------------------------------------

fn signed(body: &[u8]) -> String {
    sign(TEST_WEBHOOK_SECRET, body, now_secs())
}

#[tokio::test]
async fn a_webhook_after_the_confirmation_is_reported_and_changes_nothing() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = paid(&mut pay, "wh-after", 800).await;
    let reference = p.provider_reference.clone().unwrap();
    let body = event(
        "evt_after_1",
        "payment_intent.succeeded",
        intent(&reference, "succeeded", 800, &p.id),
    );
    let events = pay
        .webhook(Provider::Test, &body, &signed(&body))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].provider_event_id, "evt_after_1");
    assert_eq!(events[0].kind, PaymentEventKind::Succeeded);
    assert_eq!(events[0].payment, p);
    assert_eq!(events[0].payment.order_id.as_deref(), Some("ord_TEST"));
}

#[tokio::test]
async fn a_webhook_before_or_instead_of_the_confirmation_settles_the_payment() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = pay
        .create(&new_payment("wh-before", 800, card(SUCCEEDS)))
        .await
        .unwrap();
    let reference = p.provider_reference.clone().unwrap();
    let body = event(
        "evt_before_1",
        "payment_intent.succeeded",
        intent(&reference, "succeeded", 800, &p.id),
    );
    let events = pay
        .webhook(Provider::Test, &body, &signed(&body))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payment.status, PaymentStatus::Succeeded);
    assert_eq!(events[0].payment.amount_captured, eur(800));
    // The storefront's own confirmation, arriving late, finds it done.
    let confirmed = pay.confirm(&p.id).await.unwrap();
    assert_eq!(confirmed, events[0].payment);

    // A failure reported by webhook: the payment is failed with the reason.
    let q = pay
        .create(&new_payment("wh-fail", 800, card(SUCCEEDS)))
        .await
        .unwrap();
    let mut object = intent(
        q.provider_reference.as_deref().unwrap(),
        "requires_payment_method",
        800,
        &q.id,
    );
    object["last_payment_error"] = json!({
        "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds."
    });
    let body = event("evt_fail_1", "payment_intent.payment_failed", object);
    let events = pay
        .webhook(Provider::Test, &body, &signed(&body))
        .await
        .unwrap();
    let PaymentEventKind::Failed(d) = &events[0].kind else {
        panic!("{:?}", events[0].kind)
    };
    assert_eq!(d.code, DeclineCode::InsufficientFunds);
    assert_eq!(d.provider_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(declined(pay.confirm(&q.id).await), d.clone());

    // A failure event without Stripe's last_payment_error is still a decline.
    let q = pay
        .create(&new_payment("wh-fail-bare", 800, card(SUCCEEDS)))
        .await
        .unwrap();
    let object = intent(
        q.provider_reference.as_deref().unwrap(),
        "requires_payment_method",
        800,
        &q.id,
    );
    let body = event("evt_fail_2", "payment_intent.payment_failed", object);
    let events = pay
        .webhook(Provider::Test, &body, &signed(&body))
        .await
        .unwrap();
    let PaymentEventKind::Failed(d) = &events[0].kind else {
        panic!("{:?}", events[0].kind)
    };
    assert_eq!(d.code, DeclineCode::Other);
    assert_eq!(events[0].payment.status, PaymentStatus::Failed);
}

#[tokio::test]
async fn forged_stale_and_replayed_webhooks_are_refused_and_record_nothing() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = pay
        .create(&new_payment("wh-sec", 800, card(SUCCEEDS)))
        .await
        .unwrap();
    let body = event(
        "evt_sec_1",
        "payment_intent.succeeded",
        intent(
            p.provider_reference.as_deref().unwrap(),
            "succeeded",
            800,
            &p.id,
        ),
    );
    let now = now_secs();
    let good = sign(TEST_WEBHOOK_SECRET, &body, now);
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'8').unwrap();
    tampered[at] = b'9';
    for signature in [
        String::new(),
        "garbage".into(),
        sign("whsec_wrong", &body, now),
        sign(STRIPE_WEBHOOK_SECRET, &body, now),
        // Stale and ahead of time, both by more than 300 s.
        sign(TEST_WEBHOOK_SECRET, &body, now - 400),
        sign(TEST_WEBHOOK_SECRET, &body, now + 400),
        // The right MAC under another timestamp.
        good.replacen(&format!("t={now}"), &format!("t={}", now - 1), 1),
        format!("v1={}", good.split("v1=").nth(1).unwrap()),
    ] {
        assert_eq!(
            pay.webhook(Provider::Test, &body, &signature).await,
            Err(Error::BadSignature),
            "{signature}"
        );
    }
    assert_eq!(
        pay.webhook(Provider::Test, &tampered, &good).await,
        Err(Error::BadSignature)
    );
    // Signed for the test provider, delivered as Stripe's.
    assert_eq!(
        pay.webhook(Provider::Stripe, &body, &good).await,
        Err(Error::BadSignature)
    );
    assert_eq!(
        pay.get(&p.id).await.unwrap().status,
        PaymentStatus::RequiresConfirmation
    );

    // Several v1 signatures (a secret being rolled): one matching is enough.
    let rolled = format!(
        "{},v1={}",
        sign("whsec_old", &body, now),
        good.split("v1=").nth(1).unwrap()
    );
    // Nothing above recorded the event id: the genuine delivery is processed.
    let events = pay.webhook(Provider::Test, &body, &rolled).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payment.status, PaymentStatus::Succeeded);
    // Replays are recognised by event id, however freshly signed: nothing is applied
    // again, and the event comes back with the payment as it stands, for the caller to
    // finish its follow-up.
    assert_eq!(
        pay.webhook(Provider::Test, &body, &signed(&body)).await,
        Err(Error::Replayed(events.clone()))
    );
    let mut again = app.payments().await;
    assert_eq!(
        again.webhook(Provider::Test, &body, &good).await,
        Err(Error::Replayed(events))
    );
}

#[tokio::test]
async fn out_of_order_webhooks_never_move_a_payment_back() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let p = pay
        .create(&new_payment("wh-order", 800, card("4000002500003155")))
        .await
        .unwrap();
    let reference = p.provider_reference.clone().unwrap();
    let succeeded = event(
        "evt_o_2",
        "payment_intent.succeeded",
        intent(&reference, "succeeded", 800, &p.id),
    );
    let mut action = intent(&reference, "requires_action", 800, &p.id);
    action["next_action"] = json!({"type": "use_stripe_sdk", "use_stripe_sdk": {}});
    let earlier = event("evt_o_1", "payment_intent.requires_action", action);
    // The later event first.
    let events = pay
        .webhook(Provider::Test, &succeeded, &signed(&succeeded))
        .await
        .unwrap();
    assert_eq!(events[0].payment.status, PaymentStatus::Succeeded);
    // The earlier one is acknowledged and left out; the payment stays where it is.
    let events = pay
        .webhook(Provider::Test, &earlier, &signed(&earlier))
        .await
        .unwrap();
    assert!(events.is_empty(), "{events:?}");
    let failed = event(
        "evt_o_3",
        "payment_intent.payment_failed",
        intent(&reference, "requires_payment_method", 800, &p.id),
    );
    assert!(
        pay.webhook(Provider::Test, &failed, &signed(&failed))
            .await
            .unwrap()
            .is_empty()
    );
    let stored = pay.get(&p.id).await.unwrap();
    assert_eq!(stored.status, PaymentStatus::Succeeded);
    assert_eq!(stored.next_action, None);
    // Even a replay of the superseded one is a replay, still carrying no event.
    assert_eq!(
        pay.webhook(Provider::Test, &earlier, &signed(&earlier))
            .await,
        Err(Error::Replayed(vec![]))
    );
    // A replay of the success carries the payment as it stands, unchanged by the replay.
    match pay
        .webhook(Provider::Test, &succeeded, &signed(&succeeded))
        .await
    {
        Err(Error::Replayed(events)) => {
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].payment, stored);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pay.get(&p.id).await.unwrap(), stored);
}

#[tokio::test]
async fn webhooks_about_nothing_of_ours_are_acknowledged_and_bad_bodies_refused() {
    let app = payments_app(None);
    let mut pay = app.payments().await;
    let body = event(
        "evt_x_1",
        "payment_intent.succeeded",
        intent("pi_test_SOMEONEELSE", "succeeded", 100, "pay_NOTOURS"),
    );
    assert_eq!(
        pay.webhook(Provider::Test, &body, &signed(&body)).await,
        Ok(vec![])
    );
    let body = event(
        "evt_x_2",
        "customer.created",
        json!({"id": "cus_1", "object": "customer"}),
    );
    assert_eq!(
        pay.webhook(Provider::Test, &body, &signed(&body)).await,
        Ok(vec![])
    );
    for body in [
        b"not json".to_vec(),
        br#"{"id":"evt_x_3","object":"event"}"#.to_vec(),
        event(
            "evt_x_4",
            "payment_intent.succeeded",
            json!({"id": "re_1", "object": "refund"}),
        ),
    ] {
        assert!(
            matches!(
                pay.webhook(Provider::Test, &body, &signed(&body)).await,
                Err(Error::InvalidInput(_))
            ),
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    // A refused body was not recorded: fixed and re-sent under its id, it is processed.
    let body = event(
        "evt_x_4",
        "customer.created",
        json!({"id": "cus_1", "object": "customer"}),
    );
    assert_eq!(
        pay.webhook(Provider::Test, &body, &signed(&body)).await,
        Ok(vec![])
    );
}

#[tokio::test]
async fn without_a_webhook_secret_every_delivery_is_refused() {
    let app = payments_app_with(&[]);
    let mut pay = app.payments().await;
    let body = event(
        "evt_n_1",
        "customer.created",
        json!({"id": "c", "object": "customer"}),
    );
    for (provider, secret) in [(Provider::Test, ""), (Provider::Stripe, "")] {
        assert_eq!(
            pay.webhook(provider, &body, &sign(secret, &body, now_secs()))
                .await,
            Err(Error::BadSignature)
        );
    }
    // And Stripe is off without its key.
    let r = new_payment(
        "s",
        100,
        PaymentMethod::ProviderToken("pm_card_visa".into()),
    );
    assert!(matches!(
        pay.create(&r).await,
        Err(Error::ProviderUnavailable(_))
    ));
}

// --- the Stripe provider against a local fake Stripe (tests/support/stripe_fake.rs) ---

fn stripe_payment(key: &str, amount: i64, pm: &str) -> NewPayment {
    NewPayment {
        amount: eur(amount),
        idempotency_key: key.into(),
        method: PaymentMethod::ProviderToken(pm.into()),
        capture_mode: CaptureMode::Automatic,
        order_id: Some("ord_S".into()),
        return_url: Some("https://shop.example/return".into()),
        statement_descriptor: Some("SPRING SALE".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_payment_goes_over_the_wire_form_encoded_with_idempotency_keys() {
    let stripe = fake::start().await;
    let app = payments_app(Some(&stripe.base));
    let mut pay = app.payments().await;
    let p = pay
        .create(&stripe_payment("checkout:S1", 1999, "pm_card_visa"))
        .await
        .unwrap();
    assert_eq!(p.provider, Provider::Stripe);
    assert_eq!(p.provider_reference.as_deref(), Some("pi_fake1"));
    assert_eq!(p.status, PaymentStatus::RequiresConfirmation);
    assert_eq!(p.card.as_ref().map(|c| c.last4.as_str()), Some("4242"));

    let seen = stripe.seen();
    assert_eq!(seen.len(), 1);
    let create = &seen[0];
    assert_eq!(
        (create.method.as_str(), create.path.as_str()),
        ("POST", "/v1/payment_intents")
    );
    assert_eq!(
        create.authorization.as_deref(),
        Some(format!("Bearer {STRIPE_SECRET_KEY}").as_str())
    );
    assert_eq!(
        create.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(create.field("amount"), Some("1999"));
    assert_eq!(create.field("currency"), Some("eur"));
    assert_eq!(create.field("payment_method"), Some("pm_card_visa"));
    assert_eq!(create.field("capture_method"), Some("automatic"));
    assert_eq!(create.field("metadata[payment_id]"), Some(p.id.as_str()));
    assert_eq!(create.field("metadata[order_id]"), Some("ord_S"));
    assert_eq!(
        create.field("statement_descriptor_suffix"),
        Some("SPRING SALE")
    );
    let create_key = create.idempotency_key.clone().unwrap();

    // A retry of the create is answered from storage: Stripe is not asked again.
    let again = pay
        .create(&stripe_payment("checkout:S1", 1999, "pm_card_visa"))
        .await
        .unwrap();
    assert_eq!(again.id, p.id);
    assert_eq!(stripe.seen().len(), 1);

    let done = pay.confirm(&p.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);
    assert_eq!(done.amount_captured, eur(1999));
    let seen = stripe.seen();
    let confirm = &seen[1];
    assert_eq!(confirm.path, "/v1/payment_intents/pi_fake1/confirm");
    assert_eq!(
        confirm.field("return_url"),
        Some("https://shop.example/return")
    );
    let confirm_key = confirm.idempotency_key.clone().unwrap();
    assert_ne!(confirm_key, create_key);
    // Confirming again is answered from storage too.
    assert_eq!(pay.confirm(&p.id).await.unwrap(), done);
    assert_eq!(stripe.seen().len(), 2);
    // Every POST carried a key, derived from the caller's, distinct per operation.
    let other = pay
        .create(&stripe_payment("checkout:S2", 500, "pm_card_visa"))
        .await
        .unwrap();
    let keys: Vec<String> = stripe
        .seen()
        .iter()
        .filter(|s| s.method == "POST")
        .map(|s| s.idempotency_key.clone().unwrap())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_ne!(keys[2], keys[0]);
    assert_eq!(other.provider_reference.as_deref(), Some("pi_fake2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_declines_and_3ds_map_to_the_wit() {
    let stripe = fake::start().await;
    let app = payments_app(Some(&stripe.base));
    let mut pay = app.payments().await;
    let p = pay
        .create(&stripe_payment(
            "d",
            900,
            "pm_card_chargeDeclinedInsufficientFunds",
        ))
        .await
        .unwrap();
    let d = declined(pay.confirm(&p.id).await);
    assert_eq!(d.code, DeclineCode::InsufficientFunds);
    assert_eq!(d.provider_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(d.message, "Your card has insufficient funds.");
    let stored = pay.get(&p.id).await.unwrap();
    assert_eq!(stored.status, PaymentStatus::Failed);
    assert_eq!(stored.last_decline, Some(d));

    let p = pay
        .create(&stripe_payment("3ds", 900, "pm_card_threeDSecure2Required"))
        .await
        .unwrap();
    let waiting = pay.confirm(&p.id).await.unwrap();
    assert_eq!(waiting.status, PaymentStatus::RequiresAction);
    let reference = p.provider_reference.clone().unwrap();
    assert_eq!(
        waiting.next_action,
        Some(NextAction::ProviderSdk(format!("{reference}_secret_fake")))
    );
    let done = pay.complete_action(&p.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);
    assert_eq!(done.next_action, None);
    let last = stripe.seen().last().cloned().unwrap();
    assert_eq!(last.method, "GET");
    assert_eq!(last.path, format!("/v1/payment_intents/{reference}"));

    // Stripe refuses an unknown PaymentMethod: invalid input, and no payment is kept.
    let e = pay
        .create(&stripe_payment("bad-pm", 900, "pm_nonexistent"))
        .await
        .unwrap_err();
    assert_eq!(paths(&e), ["/method/provider-token"]);
    let all = pay
        .list_payments(
            &PaymentFilter {
                status: None,
                order_id: None,
            },
            &page(None, 0),
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
    // Test cards never go to Stripe, Stripe tokens never to the test provider.
    assert!(stripe.seen().iter().all(|s| s.field("number").is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_capture_cancel_and_refunds_settled_by_signed_webhooks() {
    let stripe = fake::start().await;
    let app = payments_app(Some(&stripe.base));
    let mut pay = app.payments().await;
    let mut r = stripe_payment("m", 2000, "pm_card_visa");
    r.capture_mode = CaptureMode::Manual;
    let p = pay.create(&r).await.unwrap();
    assert_eq!(
        pay.confirm(&p.id).await.unwrap().status,
        PaymentStatus::RequiresCapture
    );
    let taken = pay.capture(&p.id, Some(eur(1500))).await.unwrap();
    assert_eq!(taken.status, PaymentStatus::Succeeded);
    assert_eq!(taken.amount_captured, eur(1500));
    let capture = stripe.seen().last().cloned().unwrap();
    assert_eq!(capture.path, "/v1/payment_intents/pi_fake1/capture");
    assert_eq!(capture.field("amount_to_capture"), Some("1500"));
    assert!(capture.idempotency_key.is_some());

    // Refunds start pending, as Stripe answers, and settle by webhook.
    let first = pay.refund(&refund(&taken, Some(500), "sr1")).await.unwrap();
    assert_eq!(first.status, RefundStatus::Pending);
    let re1 = first.provider_reference.clone().unwrap();
    let call = stripe.seen().last().cloned().unwrap();
    assert_eq!(call.path, "/v1/refunds");
    assert_eq!(call.field("payment_intent"), Some("pi_fake1"));
    assert_eq!(call.field("amount"), Some("500"));
    assert_eq!(call.field("metadata[refund_id]"), Some(first.id.as_str()));
    let second = pay
        .refund(&refund(&taken, Some(1000), "sr2"))
        .await
        .unwrap();
    assert_eq!(
        pay.refund(&refund(&taken, Some(1), "sr3")).await,
        Err(Error::RefundExceeds(eur(0)))
    );

    let now = now_secs();
    let mut object = stripe.state.lock().unwrap().refunds[&re1].clone();
    object["status"] = json!("succeeded");
    let body = event("evt_re_1", "refund.updated", object);
    let events = pay
        .webhook(
            Provider::Stripe,
            &body,
            &sign(STRIPE_WEBHOOK_SECRET, &body, now),
        )
        .await
        .unwrap();
    let PaymentEventKind::RefundSucceeded(settled) = &events[0].kind else {
        panic!("{:?}", events[0].kind)
    };
    assert_eq!(settled.id, first.id);
    assert_eq!(settled.status, RefundStatus::Succeeded);
    assert_eq!(events[0].payment.amount_refunded, eur(1500));

    let re2 = second.provider_reference.clone().unwrap();
    let mut object = stripe.state.lock().unwrap().refunds[&re2].clone();
    object["status"] = json!("failed");
    let body = event("evt_re_2", "refund.failed", object);
    let events = pay
        .webhook(
            Provider::Stripe,
            &body,
            &sign(STRIPE_WEBHOOK_SECRET, &body, now),
        )
        .await
        .unwrap();
    assert!(matches!(&events[0].kind, PaymentEventKind::RefundFailed(r) if r.id == second.id));
    // A failed refund's amount is refundable again.
    assert_eq!(events[0].payment.amount_refunded, eur(500));
    assert_eq!(
        pay.refund(&refund(&taken, Some(1001), "sr4")).await,
        Err(Error::RefundExceeds(eur(1000)))
    );
    // Stripe refuses a refund outright: it failed, and its amount is refundable again.
    stripe.state.lock().unwrap().refuse_next_refund = true;
    let e = pay
        .refund(&refund(&taken, Some(400), "sr5"))
        .await
        .unwrap_err();
    assert_eq!(paths(&e), ["/amount"]);
    assert_eq!(pay.get(&p.id).await.unwrap().amount_refunded, eur(500));
    let refused = pay.refund(&refund(&taken, Some(400), "sr5")).await.unwrap();
    assert_eq!(refused.status, RefundStatus::Failed);
    assert_eq!(
        pay.refund(&refund(&taken, Some(1001), "sr6")).await,
        Err(Error::RefundExceeds(eur(1000)))
    );
    // A Stripe delivery signed with the test provider's secret is forged.
    let body = event(
        "evt_re_3",
        "refund.updated",
        json!({"id": re1, "object": "refund", "status": "failed"}),
    );
    assert_eq!(
        pay.webhook(
            Provider::Stripe,
            &body,
            &sign(TEST_WEBHOOK_SECRET, &body, now)
        )
        .await,
        Err(Error::BadSignature)
    );

    // Cancel releases an unconfirmed intent at Stripe.
    let q = pay
        .create(&stripe_payment("cancel-me", 300, "pm_card_visa"))
        .await
        .unwrap();
    let c = pay.cancel(&q.id).await.unwrap();
    assert_eq!(c.status, PaymentStatus::Cancelled);
    let cancel = stripe.seen().last().cloned().unwrap();
    assert_eq!(
        cancel.path,
        format!(
            "/v1/payment_intents/{}/cancel",
            q.provider_reference.unwrap()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_stripe_answer_is_recovered_by_a_retry_or_by_the_webhook() {
    let stripe = fake::start().await;
    let app = payments_app(Some(&stripe.base));
    let mut pay = app.payments().await;

    // Stripe acts on the create, but the answer is lost.
    stripe.state.lock().unwrap().lose_next_create = true;
    let request = stripe_payment("lost:1", 1200, "pm_card_visa");
    assert!(matches!(
        pay.create(&request).await,
        Err(Error::ProviderUnavailable(_))
    ));
    // The retry sends the same Idempotency-Key; Stripe replays; one PaymentIntent exists.
    let p = pay.create(&request).await.unwrap();
    assert_eq!(p.provider_reference.as_deref(), Some("pi_fake1"));
    let seen = stripe.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].idempotency_key, seen[1].idempotency_key);
    assert_eq!(stripe.state.lock().unwrap().intents.len(), 1);
    let done = pay.confirm(&p.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);

    // Lost again, and the shopper's payment succeeds at Stripe before the shop hears back:
    // the webhook finds the payment by the id in the intent's metadata.
    stripe.state.lock().unwrap().lose_next_create = true;
    let mut request = stripe_payment("lost:2", 800, "pm_card_visa");
    request.order_id = Some("ord_LOST".into());
    assert!(matches!(
        pay.create(&request).await,
        Err(Error::ProviderUnavailable(_))
    ));
    let mine = pay
        .list_payments(
            &PaymentFilter {
                status: None,
                order_id: Some("ord_LOST".into()),
            },
            &page(None, 0),
        )
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(mine.provider_reference, None);
    let mut pi = stripe.state.lock().unwrap().intents["pi_fake2"].clone();
    pi["status"] = json!("succeeded");
    pi["amount_received"] = json!(800);
    let body = event("evt_lost_2", "payment_intent.succeeded", pi);
    let events = pay
        .webhook(
            Provider::Stripe,
            &body,
            &sign(STRIPE_WEBHOOK_SECRET, &body, now_secs()),
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payment.id, mine.id);
    assert_eq!(events[0].payment.status, PaymentStatus::Succeeded);
    assert_eq!(
        events[0].payment.provider_reference.as_deref(),
        Some("pi_fake2")
    );
    // The shop's retry finds it settled.
    let again = pay.create(&request).await.unwrap();
    assert_eq!(again.status, PaymentStatus::Succeeded);
    assert_eq!(
        pay.confirm(&again.id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_is_reached_only_where_the_grants_allow() {
    // Nothing listens on port 9 of 127.0.0.1: unreachable.
    let app = payments_app(None);
    let mut pay = app.payments().await;
    assert!(matches!(
        pay.create(&stripe_payment("u1", 100, "pm_card_visa")).await,
        Err(Error::ProviderUnavailable(_))
    ));
    // The real API is not in the test component's allowed_outbound_hosts: denied.
    let app = payments_app_with(&[
        ("stripe_secret_key", STRIPE_SECRET_KEY),
        ("stripe_api_base", "https://api.stripe.com"),
    ]);
    let mut pay = app.payments().await;
    assert!(matches!(
        pay.create(&stripe_payment("u2", 100, "pm_card_visa")).await,
        Err(Error::ProviderUnavailable(_))
    ));
}
