//! Component unit tests: the pricing component on its own in wasmtime, called through its
//! WIT exports (`commerce:pricing/pricing`, `commerce:pricing/pricing-admin`) over fresh state.
//!
//! The arithmetic is checked against amounts worked out by hand from the rules in
//! `wit/deps/pricing/pricing.wit` (round half to even, once per line). Configuration changes are made
//! through one instance and read through a new one, as two Spin requests would.

use commerce_tests::pricing::{
    Error, Money, PageRequest, PricingHandle, Quote, QuoteLine, QuoteRequest, ShippingMethod,
    ShippingMethodInput, TaxLine, TaxMode, TaxRate,
};
use commerce_tests::{TestApp, spawn_app};
use std::collections::HashSet;

// --- helpers ---------------------------------------------------------------------------

fn eur(amount: i64) -> Money {
    money(amount, "EUR")
}

fn money(amount: i64, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.into(),
    }
}

/// Lines keyed `l0`, `l1`, … of (unit price, quantity) in `currency`.
fn lines_in(currency: &str, spec: &[(i64, u32)]) -> Vec<QuoteLine> {
    spec.iter()
        .enumerate()
        .map(|(i, (price, quantity))| QuoteLine {
            key: format!("l{i}"),
            variant_id: format!("var_V{i}"),
            quantity: *quantity,
            unit_price: money(*price, currency),
        })
        .collect()
}

fn request(spec: &[(i64, u32)], destination: Option<&str>, shipping: Option<&str>) -> QuoteRequest {
    request_in("EUR", spec, destination, shipping)
}

fn request_in(
    currency: &str,
    spec: &[(i64, u32)],
    destination: Option<&str>,
    shipping: Option<&str>,
) -> QuoteRequest {
    QuoteRequest {
        currency: currency.into(),
        lines: lines_in(currency, spec),
        destination: destination.map(Into::into),
        shipping_method: shipping.map(Into::into),
        promotion_codes: vec![],
    }
}

fn tax_rate(country: &str, rate_ppm: u32, mode: TaxMode, applies_to_shipping: bool) -> TaxRate {
    TaxRate {
        country: country.into(),
        rate_ppm,
        mode,
        applies_to_shipping,
        label: format!("Tax {country}"),
    }
}

fn method_input(name: &str, rates: &[(i64, &str)], countries: &[&str]) -> ShippingMethodInput {
    ShippingMethodInput {
        name: name.into(),
        rates: rates.iter().map(|(a, c)| money(*a, c)).collect(),
        countries: countries.iter().map(|c| c.to_string()).collect(),
        active: true,
        position: 0,
    }
}

fn page(after: Option<String>, limit: u32) -> PageRequest {
    PageRequest { after, limit }
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

async fn set_rate(app: &TestApp, rate: TaxRate) -> TaxRate {
    app.pricing()
        .await
        .set_tax_rate(&rate)
        .await
        .unwrap_or_else(|e| panic!("set-tax-rate refused: {e:?}"))
}

async fn create_method(app: &TestApp, input: ShippingMethodInput) -> ShippingMethod {
    app.pricing()
        .await
        .create_shipping_method(&input)
        .await
        .unwrap_or_else(|e| panic!("create-shipping-method refused: {e:?}"))
}

/// `calculate` in a fresh instance, as a new request would.
async fn calculate(app: &TestApp, req: &QuoteRequest) -> Result<Quote, Error> {
    app.pricing().await.calculate(req).await
}

async fn quote(app: &TestApp, req: &QuoteRequest) -> Quote {
    calculate(app, req)
        .await
        .unwrap_or_else(|e| panic!("calculate refused: {e:?}"))
}

fn line_taxes(q: &Quote) -> Vec<i64> {
    q.lines.iter().map(|l| l.tax.amount).collect()
}

/// Every id of every page of a method listing, `limit` at a time.
async fn all_ids(
    p: &mut PricingHandle,
    limit: u32,
    shopper: Option<(&str, Option<&str>)>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let result = match shopper {
            None => p.list_all_shipping_methods(&page(after, limit)).await,
            Some((currency, destination)) => {
                p.list_shipping_methods(currency, destination, &page(after, limit))
                    .await
            }
        };
        let got = result.unwrap_or_else(|e| panic!("listing refused: {e:?}"));
        // A limit of 0 means the default page size, 20.
        let cap = if limit == 0 { 20 } else { limit as usize };
        assert!(got.items.len() <= cap);
        ids.extend(got.items.into_iter().map(|m| m.id));
        match got.page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

// --- quotes: arithmetic -----------------------------------------------------------------

#[tokio::test]
async fn a_quote_without_destination_or_shipping_is_the_sum_of_the_lines_and_carries_no_tax() {
    let app = spawn_app();
    let mut p = app.pricing().await;
    assert_eq!(p.max_page_size().await, 100);
    let req = request(&[(1999, 2), (0, 1), (350, 3)], None, None);
    let q = p.calculate(&req).await.unwrap();
    assert_eq!(q.currency, "EUR");
    let keys: Vec<_> = q.lines.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["l0", "l1", "l2"]);
    for (quoted, asked) in q.lines.iter().zip(&req.lines) {
        assert_eq!(quoted.variant_id, asked.variant_id);
        assert_eq!(quoted.quantity, asked.quantity);
        assert_eq!(quoted.unit_price, asked.unit_price);
        assert_eq!(quoted.discount, eur(0));
        assert_eq!(quoted.tax, eur(0));
    }
    let subtotals: Vec<_> = q.lines.iter().map(|l| l.subtotal.amount).collect();
    assert_eq!(subtotals, [3998, 0, 1050]);
    assert_eq!(q.subtotal, eur(5048));
    assert_eq!(q.discount_total, eur(0));
    assert_eq!(q.shipping_total, eur(0));
    assert_eq!(q.tax_total, eur(0));
    assert_eq!(q.grand_total, eur(5048));
    assert!(q.discounts.is_empty());
    assert!(q.taxes.is_empty());
    assert_eq!(q.tax_mode, None);
    assert_eq!(q.shipping, None);
    // Deterministic: the same request against the same configuration, the same quote.
    assert_eq!(calculate(&app, &req).await.unwrap(), q);
}

#[tokio::test]
async fn exclusive_tax_is_added_rounded_half_to_even_once_per_line() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;

    // The WIT's example: 1999 at 19 % exclusive is 379.81 → 380.
    let q = quote(&app, &request(&[(1999, 1)], Some("DE"), None)).await;
    assert_eq!(line_taxes(&q), [380]);
    assert_eq!(q.tax_total, eur(380));
    assert_eq!(q.grand_total, eur(1999 + 380));
    assert_eq!(q.tax_mode, Some(TaxMode::Exclusive));
    assert_eq!(
        q.taxes,
        [TaxLine {
            label: "Tax DE".into(),
            country: "DE".into(),
            rate_ppm: 190_000,
            taxable_amount: eur(1999),
            amount: eur(380),
        }]
    );

    // Exact halves go to the even neighbour, both ways: 150 → 28.5 → 28, 50 → 9.5 → 10,
    // 250 → 47.5 → 48, 350 → 66.5 → 66.
    let q = quote(
        &app,
        &request(&[(150, 1), (50, 1), (250, 1), (350, 1)], Some("DE"), None),
    )
    .await;
    assert_eq!(line_taxes(&q), [28, 10, 48, 66]);
    assert_eq!(q.tax_total, eur(152));
    assert_eq!(q.subtotal, eur(800));
    assert_eq!(q.grand_total, eur(952));

    // Once per line, never per unit, never again on the sum: three lines of 150 are taxed
    // 28 + 28 + 28 = 84, while the sum 450 would give 85.5 → 86 and one line of 3 × 150
    // is taxed 86.
    let q = quote(
        &app,
        &request(&[(150, 1), (150, 1), (150, 1)], Some("DE"), None),
    )
    .await;
    assert_eq!(line_taxes(&q), [28, 28, 28]);
    assert_eq!(q.tax_total, eur(84));
    assert_eq!(q.taxes[0].taxable_amount, eur(450));
    assert_eq!(q.taxes[0].amount, eur(84));
    assert_eq!(q.grand_total, eur(534));
    let q = quote(&app, &request(&[(150, 3)], Some("DE"), None)).await;
    assert_eq!(line_taxes(&q), [86]);
    assert_eq!(q.grand_total, eur(536));
}

#[tokio::test]
async fn inclusive_tax_is_the_part_of_the_price_that_is_tax() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Inclusive, true)).await;
    set_rate(&app, tax_rate("FR", 200_000, TaxMode::Inclusive, false)).await;

    // The WIT's example: 1190 at 19 % inclusive holds 190 of tax.
    let q = quote(&app, &request(&[(1190, 1), (595, 2)], Some("DE"), None)).await;
    assert_eq!(line_taxes(&q), [190, 190]);
    assert_eq!(q.tax_total, eur(380));
    assert_eq!(q.grand_total, eur(2380), "the tax is inside the prices");
    assert_eq!(q.tax_mode, Some(TaxMode::Inclusive));
    assert_eq!(q.taxes[0].taxable_amount, eur(2380), "gross, tax included");

    // At 20 % the tax is a sixth of the gross: 1503 → 250.5 → 250, 1509 → 251.5 → 252,
    // 1504 → 250.67 → 251.
    let q = quote(
        &app,
        &request(&[(1503, 1), (1509, 1), (1504, 1)], Some("FR"), None),
    )
    .await;
    assert_eq!(line_taxes(&q), [250, 252, 251]);
    assert_eq!(q.tax_total, eur(753));
    assert_eq!(q.grand_total, eur(4516));

    // Per line: two lines of 1503 hold 250 + 250 = 500; their sum 3006 would hold 501.
    let q = quote(&app, &request(&[(1503, 1), (1503, 1)], Some("FR"), None)).await;
    assert_eq!(q.tax_total, eur(500));
    let q = quote(&app, &request(&[(1503, 2)], Some("FR"), None)).await;
    assert_eq!(q.tax_total, eur(501));
}

#[tokio::test]
async fn a_zero_rate_must_be_configured_and_then_sells_tax_free() {
    let app = spawn_app();
    let req = request(&[(1000, 1)], Some("HK"), None);
    assert_eq!(
        calculate(&app, &req).await,
        Err(Error::UnsupportedDestination("HK".into()))
    );
    set_rate(&app, tax_rate("HK", 0, TaxMode::Exclusive, true)).await;
    let q = quote(&app, &req).await;
    assert_eq!(q.tax_total, eur(0));
    assert_eq!(q.grand_total, eur(1000));
    assert_eq!(q.tax_mode, Some(TaxMode::Exclusive));
    assert_eq!(q.taxes.len(), 1);
    assert_eq!(q.taxes[0].amount, eur(0));
    assert_eq!(q.taxes[0].rate_ppm, 0);
}

// --- quotes: shipping -------------------------------------------------------------------

#[tokio::test]
async fn shipping_is_a_flat_rate_in_the_quotes_currency_taxed_as_one_more_line_when_the_rate_says_so()
 {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;
    set_rate(&app, tax_rate("US", 88_750, TaxMode::Exclusive, false)).await;
    set_rate(&app, tax_rate("AT", 200_000, TaxMode::Inclusive, true)).await;
    let standard = create_method(
        &app,
        method_input("Standard", &[(490, "EUR"), (599, "USD"), (0, "JPY")], &[]),
    )
    .await;
    let id = Some(standard.id.as_str());

    // EUR to DE: 490 taxed at 19 % → 93.1 → 93.
    let q = quote(&app, &request(&[(1000, 1)], Some("DE"), id)).await;
    let charge = q.shipping.clone().unwrap();
    assert_eq!(charge.method_id, standard.id);
    assert_eq!(charge.name, "Standard");
    assert_eq!(charge.amount, eur(490));
    assert_eq!(charge.tax, eur(93));
    assert_eq!(q.shipping_total, eur(490));
    assert_eq!(q.tax_total, eur(190 + 93));
    assert_eq!(q.taxes[0].taxable_amount, eur(1490));
    assert_eq!(q.grand_total, eur(1000 + 490 + 283));

    // USD to US: the USD rate; the US rate does not tax shipping. 1000 × 8.875 % = 88.75.
    let q = quote(&app, &request_in("USD", &[(1000, 1)], Some("US"), id)).await;
    assert_eq!(q.shipping.as_ref().unwrap().amount, money(599, "USD"));
    assert_eq!(q.shipping.as_ref().unwrap().tax, money(0, "USD"));
    assert_eq!(q.tax_total, money(89, "USD"));
    assert_eq!(q.taxes[0].taxable_amount, money(1000, "USD"));
    assert_eq!(q.grand_total, money(1000 + 599 + 89, "USD"));

    // Free shipping in JPY, no destination: no tax at all.
    let q = quote(&app, &request_in("JPY", &[(1200, 2)], None, id)).await;
    assert_eq!(q.shipping.as_ref().unwrap().amount, money(0, "JPY"));
    assert_eq!(q.grand_total, money(2400, "JPY"));

    // Inclusive, shipping taxed: 490 gross at 20 % holds 81.67 → 82.
    let q = quote(&app, &request(&[(1200, 1)], Some("AT"), id)).await;
    assert_eq!(q.shipping.as_ref().unwrap().tax, eur(82));
    assert_eq!(q.tax_total, eur(200 + 82));
    assert_eq!(q.grand_total, eur(1200 + 490));

    // No rate in GBP: the method cannot be used, and is not offered.
    assert_eq!(
        calculate(&app, &request_in("GBP", &[(1000, 1)], None, id)).await,
        Err(Error::ShippingUnavailable(standard.id.clone()))
    );
    let mut p = app.pricing().await;
    let offered = p
        .list_shipping_methods("GBP", None, &page(None, 0))
        .await
        .unwrap();
    assert!(offered.items.is_empty());
    let offered = p
        .list_shipping_methods("EUR", None, &page(None, 0))
        .await
        .unwrap();
    assert_eq!(offered.items, [standard]);
    assert_eq!(offered.page.next, None);
}

#[tokio::test]
async fn a_method_with_countries_serves_only_them_and_needs_a_destination() {
    let app = spawn_app();
    for country in ["DE", "AT", "FR"] {
        set_rate(&app, tax_rate(country, 200_000, TaxMode::Inclusive, false)).await;
    }
    let dach = create_method(&app, method_input("DACH", &[(500, "EUR")], &["DE", "AT"])).await;
    let everywhere = ShippingMethodInput {
        position: 1,
        ..method_input("Everywhere", &[(900, "EUR")], &[])
    };
    let everywhere = create_method(&app, everywhere).await;
    let id = Some(dach.id.as_str());

    assert_eq!(
        quote(&app, &request(&[(100, 1)], Some("AT"), id))
            .await
            .shipping_total,
        eur(500)
    );
    for destination in [Some("FR"), None] {
        assert_eq!(
            calculate(&app, &request(&[(100, 1)], destination, id)).await,
            Err(Error::ShippingUnavailable(dach.id.clone())),
            "{destination:?}"
        );
    }
    let mut p = app.pricing().await;
    let listed = |page: commerce_tests::pricing::ShippingMethodPage| {
        page.items.into_iter().map(|m| m.id).collect::<Vec<_>>()
    };
    let de = p
        .list_shipping_methods("EUR", Some("DE"), &page(None, 0))
        .await;
    assert_eq!(
        listed(de.unwrap()),
        [dach.id.clone(), everywhere.id.clone()]
    );
    let fr = p
        .list_shipping_methods("EUR", Some("FR"), &page(None, 0))
        .await;
    assert_eq!(listed(fr.unwrap()), std::slice::from_ref(&everywhere.id));
    let none = p.list_shipping_methods("EUR", None, &page(None, 0)).await;
    assert_eq!(listed(none.unwrap()), std::slice::from_ref(&everywhere.id));
    // The shop does not sell to JP (no tax rate): nothing can be chosen for it.
    let jp = p
        .list_shipping_methods("EUR", Some("JP"), &page(None, 0))
        .await;
    assert!(listed(jp.unwrap()).is_empty());
    assert_eq!(
        calculate(
            &app,
            &request(&[(100, 1)], Some("JP"), Some(&everywhere.id))
        )
        .await,
        Err(Error::UnsupportedDestination("JP".into()))
    );
}

#[tokio::test]
async fn unknown_inactive_and_deleted_methods_are_refused() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;
    for id in ["ship_NOSUCHMETHOD", "express", "var_V0", ""] {
        assert_eq!(
            calculate(&app, &request(&[(100, 1)], Some("DE"), Some(id))).await,
            Err(Error::NotFound),
            "{id:?}"
        );
    }
    let input = ShippingMethodInput {
        active: false,
        ..method_input("Sleeping", &[(100, "EUR")], &[])
    };
    let sleeping = create_method(&app, input).await;
    assert_eq!(
        calculate(&app, &request(&[(100, 1)], Some("DE"), Some(&sleeping.id))).await,
        Err(Error::ShippingUnavailable(sleeping.id.clone()))
    );
    let mut p = app.pricing().await;
    let offered = p
        .list_shipping_methods("EUR", Some("DE"), &page(None, 0))
        .await;
    assert!(
        offered.unwrap().items.is_empty(),
        "inactive methods are not offered"
    );
    let all = p.list_all_shipping_methods(&page(None, 0)).await.unwrap();
    assert_eq!(
        all.items,
        std::slice::from_ref(&sleeping),
        "the admin still sees it"
    );

    p.delete_shipping_method(&sleeping.id).await.unwrap();
    assert_eq!(
        calculate(&app, &request(&[(100, 1)], Some("DE"), Some(&sleeping.id))).await,
        Err(Error::NotFound)
    );
}

// --- quotes: refusals -------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_or_invalid_destination_is_refused() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;
    assert_eq!(
        calculate(&app, &request(&[(100, 1)], Some("US"), None)).await,
        Err(Error::UnsupportedDestination("US".into()))
    );
    for bad in ["de", "XX", "DEU", "", "EU", "UK"] {
        assert_eq!(
            paths(calculate(&app, &request(&[(100, 1)], Some(bad), None)).await),
            ["/destination"],
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn lines_in_another_currency_are_refused() {
    let app = spawn_app();
    let mut req = request(&[(100, 1), (200, 1), (300, 1)], None, None);
    req.lines[1].unit_price.currency = "USD".into();
    req.lines[2].unit_price.currency = "eur".into();
    assert_eq!(
        paths(calculate(&app, &req).await),
        [
            "/lines/1/unit_price/currency",
            "/lines/2/unit_price/currency"
        ]
    );
    // An invalid quote currency is reported, and lines in it do not hide it.
    let req = request_in("XXX", &[(100, 1)], None, None);
    assert_eq!(paths(calculate(&app, &req).await), ["/currency"]);
}

#[tokio::test]
async fn malformed_requests_are_refused_with_every_bad_field() {
    let app = spawn_app();
    let mut req = request(
        &[(100, 1), (100, 0), (-1, 1), (100, 1), (100, 1)],
        Some("de"),
        None,
    );
    req.currency = "EURO".into();
    for line in &mut req.lines {
        line.unit_price.currency = "EURO".into();
    }
    req.lines[3].key = "l0".into();
    req.lines[4].key = String::new();
    req.lines[4].variant_id = "prod_X".into();
    req.promotion_codes = vec!["A".into(); 6];
    req.promotion_codes[2] = "  ".into();
    assert_eq!(
        paths(calculate(&app, &req).await),
        [
            "/currency",
            "/lines/1/quantity",
            "/lines/2/unit_price/amount",
            "/lines/3/key",
            "/lines/4/key",
            "/lines/4/variant_id",
            "/destination",
            "/promotion_codes",
            "/promotion_codes/2",
        ]
    );

    let empty = request(&[], None, None);
    assert_eq!(paths(calculate(&app, &empty).await), ["/lines"]);
    let long_key = QuoteRequest {
        lines: vec![QuoteLine {
            key: "k".repeat(101),
            ..lines_in("EUR", &[(1, 1)]).remove(0)
        }],
        ..request(&[], None, None)
    };
    assert_eq!(paths(calculate(&app, &long_key).await), ["/lines/0/key"]);
    // 500 lines are fine, 501 are not.
    let many = request(&vec![(1, 1); 500], None, None);
    assert_eq!(quote(&app, &many).await.grand_total, eur(500));
    let too_many = request(&vec![(1, 1); 501], None, None);
    assert_eq!(paths(calculate(&app, &too_many).await), ["/lines"]);
}

#[tokio::test]
async fn promotion_codes_are_refused_in_this_version() {
    let app = spawn_app();
    let mut req = request(&[(1000, 1)], None, None);
    req.promotion_codes = vec!["SUMMER10".into(), "WELCOME".into()];
    assert_eq!(
        calculate(&app, &req).await,
        Err(Error::PromotionRejected("SUMMER10".into()))
    );
    req.promotion_codes.clear();
    assert_eq!(quote(&app, &req).await.grand_total, eur(1000));
}

#[tokio::test]
async fn amounts_that_overflow_64_bits_are_refused() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;
    set_rate(&app, tax_rate("AT", 200_000, TaxMode::Inclusive, true)).await;
    let one_cent = create_method(&app, method_input("One cent", &[(1, "EUR")], &[])).await;

    // One line's unit price × quantity.
    let req = request(&[(1, 1), (i64::MAX, 2)], None, None);
    assert_eq!(paths(calculate(&app, &req).await), ["/lines/1"]);
    let req = request(&[(i64::MAX / 2, u32::MAX)], None, None);
    assert_eq!(paths(calculate(&app, &req).await), ["/lines/0"]);
    // Lines that fit alone but not together.
    let req = request(&[(i64::MAX, 1), (1, 1)], None, None);
    assert_eq!(paths(calculate(&app, &req).await), ["/lines"]);
    // Shipping on top of the largest amount.
    let req = request(&[(i64::MAX, 1)], None, Some(&one_cent.id));
    assert_eq!(paths(calculate(&app, &req).await), ["/lines"]);
    // Exclusive tax on top of it.
    let req = request(&[(i64::MAX, 1)], Some("DE"), None);
    assert_eq!(paths(calculate(&app, &req).await), ["/lines"]);
    // Inclusive tax is inside the price, so the largest amount still prices, exactly:
    // i64::MAX / 6 = 1537228672809129301.1666… → 1537228672809129301.
    let q = quote(&app, &request(&[(i64::MAX, 1)], Some("AT"), None)).await;
    assert_eq!(q.grand_total, eur(i64::MAX));
    assert_eq!(q.tax_total, eur(1_537_228_672_809_129_301));
    // The largest quantity at an ordinary price is fine: 4294967295 × 1999.
    let q = quote(&app, &request(&[(1999, u32::MAX)], None, None)).await;
    assert_eq!(q.grand_total, eur(8_585_639_622_705));
}

// --- configuration ----------------------------------------------------------------------

#[tokio::test]
async fn admin_changes_are_seen_by_the_next_quote() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;
    let method = create_method(&app, method_input("Standard", &[(490, "EUR")], &[])).await;
    let req = request(&[(1000, 1)], Some("DE"), Some(&method.id));
    let before = quote(&app, &req).await;
    assert_eq!(before.grand_total, eur(1000 + 490 + 190 + 93));

    // A new rate, mode and label.
    let mut reduced = tax_rate("DE", 70_000, TaxMode::Inclusive, false);
    reduced.label = "MwSt. 7%".into();
    set_rate(&app, reduced).await;
    let q = quote(&app, &req).await;
    assert_eq!(q.tax_mode, Some(TaxMode::Inclusive));
    assert_eq!(line_taxes(&q), [65]); // 1000 × 7/107 = 65.42 → 65
    assert_eq!(q.shipping.as_ref().unwrap().tax, eur(0));
    assert_eq!(q.taxes[0].label, "MwSt. 7%");
    assert_eq!(q.grand_total, eur(1490));

    // A new shipping price and name.
    let mut p = app.pricing().await;
    let updated = p
        .update_shipping_method(&method.id, &method_input("Slow", &[(250, "EUR")], &[]))
        .await
        .unwrap();
    assert_eq!(updated.name, "Slow");
    let q = quote(&app, &req).await;
    assert_eq!(q.shipping.as_ref().unwrap().name, "Slow");
    assert_eq!(q.grand_total, eur(1250));

    // Restricted to other countries, then deactivated, then deleted.
    p.update_shipping_method(&method.id, &method_input("Slow", &[(250, "EUR")], &["AT"]))
        .await
        .unwrap();
    assert_eq!(
        calculate(&app, &req).await,
        Err(Error::ShippingUnavailable(method.id.clone()))
    );
    let inactive = ShippingMethodInput {
        active: false,
        ..method_input("Slow", &[(250, "EUR")], &[])
    };
    p.update_shipping_method(&method.id, &inactive)
        .await
        .unwrap();
    assert_eq!(
        calculate(&app, &req).await,
        Err(Error::ShippingUnavailable(method.id.clone()))
    );
    p.delete_shipping_method(&method.id).await.unwrap();
    assert_eq!(calculate(&app, &req).await, Err(Error::NotFound));

    // The tax rate removed: the shop stops selling to DE.
    p.delete_tax_rate("DE").await.unwrap();
    assert_eq!(
        calculate(&app, &request(&[(1000, 1)], Some("DE"), None)).await,
        Err(Error::UnsupportedDestination("DE".into()))
    );
}

#[tokio::test]
async fn shipping_methods_are_created_replaced_and_deleted() {
    let app = spawn_app();
    let mut p = app.pricing().await;
    let input = ShippingMethodInput {
        position: 7,
        ..method_input(
            "Standard (3–5 days)",
            &[(490, "EUR"), (0, "USD")],
            &["DE", "AT"],
        )
    };
    let created = p.create_shipping_method(&input).await.unwrap();
    assert!(created.id.starts_with("ship_"), "{}", created.id);
    assert_eq!(created.name, input.name);
    assert_eq!(created.rates, input.rates);
    assert_eq!(created.countries, input.countries);
    assert!(created.active);
    assert_eq!(created.position, 7);
    assert!(created.created_at > 0);
    assert_eq!(created.created_at, created.updated_at);
    let second = p.create_shipping_method(&input).await.unwrap();
    assert_ne!(second.id, created.id, "names need not be unique; ids are");

    // Replacing every field.
    let replacement = ShippingMethodInput {
        name: "Express".into(),
        rates: vec![money(1500, "GBP"), money(1290, "EUR")],
        countries: vec![],
        active: false,
        position: 2,
    };
    let updated = p
        .update_shipping_method(&created.id, &replacement)
        .await
        .unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name, "Express");
    assert_eq!(
        updated.rates, replacement.rates,
        "rates keep the order given"
    );
    assert!(updated.countries.is_empty());
    assert!(!updated.active);
    assert_eq!(updated.position, 2);
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at >= created.updated_at);
    // Idempotent: the same update again answers the same method, unchanged.
    let again = app
        .pricing()
        .await
        .update_shipping_method(&created.id, &replacement)
        .await
        .unwrap();
    assert_eq!(again, updated);

    for id in ["ship_NOSUCHMETHOD", "express", ""] {
        assert_eq!(
            p.update_shipping_method(id, &replacement).await,
            Err(Error::NotFound),
            "{id:?}"
        );
    }

    // Deleting is idempotent, and only deletes the one method.
    p.delete_shipping_method(&created.id).await.unwrap();
    p.delete_shipping_method(&created.id).await.unwrap();
    p.delete_shipping_method("ship_NOSUCHMETHOD").await.unwrap();
    p.delete_shipping_method("not-an-id").await.unwrap();
    let all = p.list_all_shipping_methods(&page(None, 0)).await.unwrap();
    assert_eq!(all.items, std::slice::from_ref(&second));
    assert_eq!(
        p.update_shipping_method(&created.id, &replacement).await,
        Err(Error::NotFound)
    );
}

#[tokio::test]
async fn invalid_shipping_methods_are_refused_with_every_bad_field_and_change_nothing() {
    let app = spawn_app();
    let mut p = app.pricing().await;
    let good = p
        .create_shipping_method(&method_input("Good", &[(100, "EUR")], &[]))
        .await
        .unwrap();
    let bad = ShippingMethodInput {
        name: "   ".into(),
        rates: vec![
            money(100, "EUR"),
            money(-1, "USD"),
            money(200, "EUR"),
            money(1, "eur"),
            money(1, "XTS"),
        ],
        countries: vec!["DE".into(), "de".into(), "XK".into(), "DE".into()],
        active: true,
        position: 0,
    };
    let expected = [
        "/name",
        "/rates/1/amount",
        "/rates/2/currency",
        "/rates/3/currency",
        "/rates/4/currency",
        "/countries/1",
        "/countries/2",
        "/countries/3",
    ];
    assert_eq!(paths(p.create_shipping_method(&bad).await), expected);
    assert_eq!(
        paths(p.update_shipping_method(&good.id, &bad).await),
        expected
    );
    let long = method_input(&"n".repeat(201), &[], &[]);
    assert_eq!(paths(p.create_shipping_method(&long).await), ["/name"]);
    // 200 characters (not bytes) are fine; no rates is a method offered nowhere yet.
    let longest = ShippingMethodInput {
        position: 1,
        ..method_input(&"ü".repeat(200), &[], &[])
    };
    let created = p.create_shipping_method(&longest).await.unwrap();

    let all = p.list_all_shipping_methods(&page(None, 0)).await.unwrap();
    assert_eq!(all.items.len(), 2);
    assert_eq!(all.items[0], good, "the refused update changed nothing");
    assert_eq!(all.items[1].id, created.id);
}

#[tokio::test]
async fn method_listings_go_by_position_and_page_with_cursors() {
    let app = spawn_app();
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, true)).await;
    let mut p = app.pricing().await;
    let mut made = Vec::new();
    for (i, position) in [3u32, 1, 2, 1, 0, 5, 1].into_iter().enumerate() {
        let input = ShippingMethodInput {
            position,
            active: i != 5,
            ..method_input(&format!("m{i}"), &[(100, "EUR")], &[])
        };
        made.push(p.create_shipping_method(&input).await.unwrap());
    }
    let mut expected = made.clone();
    expected.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    let expected_ids: Vec<String> = expected.iter().map(|m| m.id.clone()).collect();
    for limit in [1, 2, 3, 7, 100] {
        assert_eq!(
            all_ids(&mut p, limit, None).await,
            expected_ids,
            "limit {limit}"
        );
    }
    let active_ids: Vec<String> = expected
        .iter()
        .filter(|m| m.active)
        .map(|m| m.id.clone())
        .collect();
    for limit in [1, 4, 0] {
        assert_eq!(
            all_ids(&mut p, limit, Some(("EUR", Some("DE")))).await,
            active_ids,
            "limit {limit}"
        );
    }

    // A page full to the limit with nothing after it has no next cursor.
    let full = p.list_all_shipping_methods(&page(None, 7)).await.unwrap();
    assert_eq!(full.items.len(), 7);
    assert_eq!(full.page.next, None);

    // Bad limits and cursors, including one of the other listing.
    let first = p.list_all_shipping_methods(&page(None, 2)).await.unwrap();
    let admin_cursor = first.page.next.clone().unwrap();
    let shopper_cursor = p
        .list_shipping_methods("EUR", None, &page(None, 1))
        .await
        .unwrap()
        .page
        .next
        .unwrap();
    assert_eq!(
        paths(p.list_all_shipping_methods(&page(None, 101)).await),
        ["/limit"]
    );
    for bad in ["garbage", "", shopper_cursor.as_str()] {
        assert_eq!(
            paths(
                p.list_all_shipping_methods(&page(Some(bad.into()), 2))
                    .await
            ),
            ["/after"],
            "{bad:?}"
        );
    }
    assert_eq!(
        paths(
            p.list_shipping_methods("eur", Some("DEU"), &page(Some(admin_cursor), 101))
                .await
        ),
        ["/currency", "/destination", "/limit", "/after"]
    );
}

#[tokio::test]
async fn tax_rates_are_set_replaced_listed_and_deleted() {
    let app = spawn_app();
    let mut p = app.pricing().await;
    let de = tax_rate("DE", 190_000, TaxMode::Inclusive, true);
    assert_eq!(p.set_tax_rate(&de).await.unwrap(), de);
    assert_eq!(p.set_tax_rate(&de).await.unwrap(), de, "idempotent");
    let replaced = TaxRate {
        rate_ppm: 70_000,
        mode: TaxMode::Exclusive,
        applies_to_shipping: false,
        label: "USt 7%".into(),
        ..de.clone()
    };
    assert_eq!(p.set_tax_rate(&replaced).await.unwrap(), replaced);
    for country in ["US", "AT", "JP", "BR", "FR"] {
        p.set_tax_rate(&tax_rate(country, 100_000, TaxMode::Exclusive, false))
            .await
            .unwrap();
    }
    // The bounds of the rate.
    p.set_tax_rate(&tax_rate("CH", 1_000_000, TaxMode::Inclusive, true))
        .await
        .unwrap();

    let mut countries = Vec::new();
    let mut after = None;
    loop {
        let got = p.list_tax_rates(&page(after, 2)).await.unwrap();
        assert!(got.items.len() <= 2);
        countries.extend(got.items.iter().map(|r| r.country.clone()));
        if got.items.iter().any(|r| r.country == "DE") {
            assert!(
                got.items.contains(&replaced),
                "one rate per country, the last set"
            );
        }
        match got.page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(countries, ["AT", "BR", "CH", "DE", "FR", "JP", "US"]);
    assert_eq!(
        p.list_tax_rates(&page(None, 0)).await.unwrap().items.len(),
        7
    );

    p.delete_tax_rate("JP").await.unwrap();
    p.delete_tax_rate("JP").await.unwrap();
    p.delete_tax_rate("NZ").await.unwrap();
    let left: HashSet<String> = p
        .list_tax_rates(&page(None, 100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.country)
        .collect();
    assert_eq!(left.len(), 6);
    assert!(!left.contains("JP"));
}

#[tokio::test]
async fn invalid_tax_rates_are_refused_with_every_bad_field_and_change_nothing() {
    let app = spawn_app();
    let mut p = app.pricing().await;
    let bad = TaxRate {
        country: "de".into(),
        rate_ppm: 1_000_001,
        mode: TaxMode::Exclusive,
        applies_to_shipping: false,
        label: " ".into(),
    };
    assert_eq!(
        paths(p.set_tax_rate(&bad).await),
        ["/country", "/rate_ppm", "/label"]
    );
    let long_label = TaxRate {
        label: "L".repeat(101),
        ..tax_rate("DE", 1, TaxMode::Exclusive, false)
    };
    assert_eq!(paths(p.set_tax_rate(&long_label).await), ["/label"]);
    for bad in ["XK", "EU", "D", "DEU", ""] {
        let rate = tax_rate(bad, 1, TaxMode::Exclusive, false);
        assert_eq!(paths(p.set_tax_rate(&rate).await), ["/country"], "{bad:?}");
        assert_eq!(paths(p.delete_tax_rate(bad).await), ["/country"], "{bad:?}");
    }
    assert!(
        p.list_tax_rates(&page(None, 0))
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Listing: limit and cursors, including a cursor of another listing.
    assert_eq!(paths(p.list_tax_rates(&page(None, 101)).await), ["/limit"]);
    p.create_shipping_method(&method_input("a", &[], &[]))
        .await
        .unwrap();
    p.create_shipping_method(&method_input("b", &[], &[]))
        .await
        .unwrap();
    let other = p
        .list_all_shipping_methods(&page(None, 1))
        .await
        .unwrap()
        .page
        .next
        .unwrap();
    for bad in [other.as_str(), "QUJD", "%%%"] {
        assert_eq!(
            paths(p.list_tax_rates(&page(Some(bad.into()), 1)).await),
            ["/after"],
            "{bad:?}"
        );
    }
}

// --- concurrency ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_quote_racing_admin_updates_sees_one_state_of_a_method_never_a_mix() {
    let app = std::sync::Arc::new(spawn_app());
    set_rate(&app, tax_rate("DE", 190_000, TaxMode::Exclusive, false)).await;
    set_rate(&app, tax_rate("AT", 200_000, TaxMode::Inclusive, false)).await;
    // Two states of one method: 100 to DE only, or 200 to AT only. A quote that read the
    // rates of one state and the countries of the other would ship to DE for 200 or to AT
    // for 100. The window between those reads is short, so many rounds race: without the
    // quote's read transaction this test fails within the first few hundred quotes.
    let to_de = method_input("Flip", &[(100, "EUR")], &["DE"]);
    let to_at = method_input("Flip", &[(200, "EUR")], &["AT"]);
    let id = create_method(&app, to_de.clone()).await.id;

    const READERS: usize = 6;
    const QUOTES: usize = 150;
    const FLIPS: usize = 300;
    let mut writer = app.pricing().await;
    let writer_id = id.clone();
    let writing = tokio::spawn(async move {
        for n in 0..FLIPS {
            let input = if n % 2 == 0 { &to_at } else { &to_de };
            writer
                .update_shipping_method(&writer_id, input)
                .await
                .unwrap_or_else(|e| panic!("update refused: {e:?}"));
        }
    });
    let mut readers = Vec::new();
    for r in 0..READERS {
        let mut p = app.pricing().await;
        let id = id.clone();
        readers.push(tokio::spawn(async move {
            for n in 0..QUOTES {
                let destination = if (r + n) % 2 == 0 { "DE" } else { "AT" };
                let req = request(&[(1000, 1)], Some(destination), Some(&id));
                match p.calculate(&req).await {
                    Ok(q) => {
                        let amount = q.shipping_total.amount;
                        let expected = if destination == "DE" { 100 } else { 200 };
                        assert_eq!(amount, expected, "to {destination}: a mixed state");
                    }
                    Err(e) => assert_eq!(e, Error::ShippingUnavailable(id.clone())),
                }
            }
        }));
    }
    writing.await.expect("the writer finished");
    for reader in readers {
        reader.await.expect("the reader finished");
    }
    // After an even number of flips the method is back to DE.
    let q = quote(&app, &request(&[(1000, 1)], Some("DE"), Some(&id))).await;
    assert_eq!(q.shipping_total, eur(100));
}
