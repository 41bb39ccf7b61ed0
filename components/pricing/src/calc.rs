//! The arithmetic of a quote, as `wit/deps/pricing/pricing.wit` documents it, on plain integers: no
//! bindings, no storage, so it is unit-tested natively (`cargo test -p pricing`).
//!
//! Amounts are minor units in `i64`; every intermediate value is an `i128`, and a result
//! that does not fit an `i64` is reported as [`Overflow`] rather than wrapped or clamped.
//! Rounding is round-half-to-even, once per line ([`round_half_even`]).

/// How a destination's prices relate to its tax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Prices include the tax; the tax is the part of the gross price that is tax.
    Inclusive,
    /// The tax is added on top of the prices.
    Exclusive,
}

/// The tax rule of the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaxRule {
    /// Parts per million, at most 1 000 000.
    pub rate_ppm: u32,
    pub mode: Mode,
    /// Whether the shipping charge is taxed as one more line.
    pub applies_to_shipping: bool,
}

/// One line to price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Not negative.
    pub unit_price: i64,
    /// At least 1.
    pub quantity: u32,
    /// The line's share of the discounts, not negative; 0 until promotions exist.
    pub discount: i64,
}

/// A priced line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricedLine {
    /// `unit_price` × `quantity`.
    pub subtotal: i64,
    pub discount: i64,
    /// `subtotal` − `discount`: what the tax rate applies to.
    pub taxable: i64,
    /// Rounded once, for this line; 0 without a tax rule.
    pub tax: i64,
}

/// The priced shipping charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricedShipping {
    pub amount: i64,
    /// 0 without a tax rule or when it does not apply to shipping.
    pub tax: i64,
}

/// Every number of a quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub lines: Vec<PricedLine>,
    pub shipping: Option<PricedShipping>,
    /// Σ line `subtotal`.
    pub subtotal: i64,
    /// Σ line `discount`.
    pub discount_total: i64,
    /// The shipping amount, or 0.
    pub shipping_total: i64,
    /// What the rate applied to: Σ line `taxable`, plus the shipping amount when it is
    /// taxed. 0 without a tax rule.
    pub taxable_total: i64,
    /// Σ line `tax` + shipping `tax`.
    pub tax_total: i64,
    /// `subtotal − discount_total + shipping_total (+ tax_total when exclusive)`.
    pub grand_total: i64,
}

/// A result that does not fit in an `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// The line at this index: its `unit_price × quantity`.
    Line(usize),
    /// A sum over the quote (subtotal, taxable amount, tax or grand total).
    Total,
}

/// `n / d` rounded to the nearest integer, ties to the even one. `d` must be positive.
///
/// 1/2 → 0, 3/2 → 2, 5/2 → 2, 37981/100 → 380, −5/2 → −2.
pub fn round_half_even(n: i128, d: i128) -> i128 {
    assert!(d > 0, "round_half_even: the divisor must be positive");
    // Floor division: 0 <= r < d whatever the sign of n.
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// The tax on `taxable` at `rate_ppm`: `round(taxable × r / 10⁶)` when exclusive,
/// `round(taxable × r / (10⁶ + r))` (the tax inside a gross amount) when inclusive.
pub fn tax(taxable: i64, rate_ppm: u32, mode: Mode) -> i128 {
    let n = i128::from(taxable) * i128::from(rate_ppm);
    let d = match mode {
        Mode::Exclusive => 1_000_000,
        Mode::Inclusive => 1_000_000 + i128::from(rate_ppm),
    };
    round_half_even(n, d)
}

fn fit(n: i128, overflow: Overflow) -> Result<i64, Overflow> {
    i64::try_from(n).map_err(|_| overflow)
}

/// Prices `lines`, an optional flat `shipping` amount and, for a destination, its `tax`
/// rule, exactly as the WIT documents.
pub fn quote(
    lines: &[Line],
    shipping: Option<i64>,
    tax_rule: Option<TaxRule>,
) -> Result<Totals, Overflow> {
    let mut priced = Vec::with_capacity(lines.len());
    let (mut subtotal, mut discount_total, mut taxable_total, mut tax_total) =
        (0i128, 0i128, 0i128, 0i128);
    for (i, line) in lines.iter().enumerate() {
        let line_subtotal = fit(
            i128::from(line.unit_price) * i128::from(line.quantity),
            Overflow::Line(i),
        )?;
        let taxable = fit(
            i128::from(line_subtotal) - i128::from(line.discount),
            Overflow::Line(i),
        )?;
        let line_tax = match tax_rule {
            Some(rule) => fit(tax(taxable, rule.rate_ppm, rule.mode), Overflow::Line(i))?,
            None => 0,
        };
        subtotal += i128::from(line_subtotal);
        discount_total += i128::from(line.discount);
        if tax_rule.is_some() {
            taxable_total += i128::from(taxable);
        }
        tax_total += i128::from(line_tax);
        priced.push(PricedLine {
            subtotal: line_subtotal,
            discount: line.discount,
            taxable,
            tax: line_tax,
        });
    }
    let shipping = match shipping {
        None => None,
        Some(amount) => {
            let shipping_tax = match tax_rule {
                Some(rule) if rule.applies_to_shipping => {
                    taxable_total += i128::from(amount);
                    fit(tax(amount, rule.rate_ppm, rule.mode), Overflow::Total)?
                }
                _ => 0,
            };
            tax_total += i128::from(shipping_tax);
            Some(PricedShipping {
                amount,
                tax: shipping_tax,
            })
        }
    };
    let shipping_total = i128::from(shipping.map_or(0, |s| s.amount));
    let mut grand_total = subtotal - discount_total + shipping_total;
    if matches!(
        tax_rule,
        Some(TaxRule {
            mode: Mode::Exclusive,
            ..
        })
    ) {
        grand_total += tax_total;
    }
    Ok(Totals {
        lines: priced,
        shipping,
        subtotal: fit(subtotal, Overflow::Total)?,
        discount_total: fit(discount_total, Overflow::Total)?,
        shipping_total: fit(shipping_total, Overflow::Total)?,
        taxable_total: fit(taxable_total, Overflow::Total)?,
        tax_total: fit(tax_total, Overflow::Total)?,
        grand_total: fit(grand_total, Overflow::Total)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(unit_price: i64, quantity: u32) -> Line {
        Line {
            unit_price,
            quantity,
            discount: 0,
        }
    }

    const EXCL_19: TaxRule = TaxRule {
        rate_ppm: 190_000,
        mode: Mode::Exclusive,
        applies_to_shipping: true,
    };
    const INCL_19: TaxRule = TaxRule {
        rate_ppm: 190_000,
        mode: Mode::Inclusive,
        applies_to_shipping: true,
    };

    #[test]
    fn rounds_half_to_even() {
        for (n, d, want) in [
            (1, 2, 0),
            (3, 2, 2),
            (5, 2, 2),
            (7, 2, 4),
            (37_981, 100, 380),
            (25, 10, 2),
            (35, 10, 4),
            (251, 100, 3),
            (249, 100, 2),
            (0, 7, 0),
            (-1, 2, 0),
            (-3, 2, -2),
            (-5, 2, -2),
            (-251, 100, -3),
            (10, 5, 2),
        ] {
            assert_eq!(round_half_even(n, d), want, "{n}/{d}");
        }
    }

    #[test]
    fn the_wit_examples() {
        // 1999 at 19 % exclusive → 379.81 → 380; 1190 at 19 % inclusive → 190.
        assert_eq!(tax(1999, 190_000, Mode::Exclusive), 380);
        assert_eq!(tax(1190, 190_000, Mode::Inclusive), 190);
    }

    #[test]
    fn exact_halves_go_to_the_even_neighbour() {
        // Exclusive 19 %: 150 → 28.5 → 28, 50 → 9.5 → 10, 250 → 47.5 → 48, 350 → 66.5 → 66.
        for (taxable, want) in [(150, 28), (50, 10), (250, 48), (350, 66)] {
            assert_eq!(tax(taxable, 190_000, Mode::Exclusive), want, "{taxable}");
        }
        // Inclusive 20 % (the tax is a sixth of the gross): 1503 → 250.5 → 250,
        // 1509 → 251.5 → 252.
        assert_eq!(tax(1503, 200_000, Mode::Inclusive), 250);
        assert_eq!(tax(1509, 200_000, Mode::Inclusive), 252);
        // Not a tie: 1504 → 250.67 → 251.
        assert_eq!(tax(1504, 200_000, Mode::Inclusive), 251);
    }

    #[test]
    fn tax_is_rounded_per_line_not_on_the_sum() {
        // Three lines of 150 at 19 %: 28.5 each → 28 each, 84 in all; taxing the sum (450)
        // would give 85.5 → 86.
        let lines = [line(150, 1), line(150, 1), line(150, 1)];
        let t = quote(&lines, None, Some(EXCL_19)).unwrap();
        assert_eq!(
            t.lines.iter().map(|l| l.tax).collect::<Vec<_>>(),
            [28, 28, 28]
        );
        assert_eq!(t.tax_total, 84);
        assert_eq!(tax(450, 190_000, Mode::Exclusive), 86);
        assert_eq!(t.grand_total, 450 + 84);
        // Per line, never per unit: one line of 3 × 150 is taxed 85.5 → 86.
        let t = quote(&[line(150, 3)], None, Some(EXCL_19)).unwrap();
        assert_eq!(t.tax_total, 86);
    }

    #[test]
    fn exclusive_adds_tax_and_inclusive_does_not() {
        let t = quote(&[line(1999, 1), line(500, 2)], Some(490), Some(EXCL_19)).unwrap();
        assert_eq!(t.subtotal, 2999);
        assert_eq!(t.lines[0].tax, 380);
        assert_eq!(t.lines[1].tax, 190);
        let shipping = t.shipping.unwrap();
        assert_eq!((shipping.amount, shipping.tax), (490, 93)); // 93.1 → 93
        assert_eq!(t.tax_total, 380 + 190 + 93);
        assert_eq!(t.taxable_total, 2999 + 490);
        assert_eq!(t.grand_total, 2999 + 490 + 663);

        let t = quote(&[line(1190, 1), line(595, 2)], Some(595), Some(INCL_19)).unwrap();
        assert_eq!(t.lines[0].tax, 190);
        assert_eq!(t.lines[1].tax, 190);
        assert_eq!(t.shipping.unwrap().tax, 95);
        assert_eq!(t.tax_total, 475);
        assert_eq!(t.grand_total, 1190 + 1190 + 595);
    }

    #[test]
    fn shipping_is_untaxed_unless_the_rule_says_so_and_nothing_is_taxed_without_a_rule() {
        let rule = TaxRule {
            applies_to_shipping: false,
            ..EXCL_19
        };
        let t = quote(&[line(1000, 1)], Some(500), Some(rule)).unwrap();
        assert_eq!(t.shipping.unwrap().tax, 0);
        assert_eq!(t.taxable_total, 1000);
        assert_eq!(t.grand_total, 1000 + 500 + 190);
        let t = quote(&[line(1000, 1)], Some(500), None).unwrap();
        assert_eq!((t.tax_total, t.taxable_total, t.grand_total), (0, 0, 1500));
        assert!(t.lines.iter().all(|l| l.tax == 0));
    }

    #[test]
    fn rates_at_the_bounds() {
        let zero = TaxRule {
            rate_ppm: 0,
            ..EXCL_19
        };
        assert_eq!(
            quote(&[line(999, 3)], None, Some(zero))
                .unwrap()
                .grand_total,
            2997
        );
        // 100 % inclusive: half of the gross is tax.
        let full = TaxRule {
            rate_ppm: 1_000_000,
            ..INCL_19
        };
        let t = quote(&[line(1000, 1)], None, Some(full)).unwrap();
        assert_eq!((t.tax_total, t.grand_total), (500, 1000));
    }

    #[test]
    fn results_that_do_not_fit_64_bits_are_overflows() {
        assert_eq!(
            quote(&[line(1, 1), line(i64::MAX, 2)], None, None),
            Err(Overflow::Line(1))
        );
        assert_eq!(
            quote(&[line(i64::MAX, 1), line(1, 1)], None, None),
            Err(Overflow::Total)
        );
        assert_eq!(
            quote(&[line(i64::MAX, 1)], Some(1), None),
            Err(Overflow::Total)
        );
        // The largest line fits, but its exclusive tax pushes the grand total over.
        assert_eq!(
            quote(&[line(i64::MAX, 1)], None, Some(EXCL_19)),
            Err(Overflow::Total)
        );
        // Inclusive: the tax is inside, so the same line fits.
        let t = quote(&[line(i64::MAX, 1)], None, Some(INCL_19)).unwrap();
        assert_eq!(t.grand_total, i64::MAX);
        assert_eq!(
            i128::from(t.tax_total),
            tax(i64::MAX, 190_000, Mode::Inclusive)
        );
    }

    #[test]
    fn discounts_reduce_the_taxable_amount() {
        let t = quote(
            &[Line {
                unit_price: 1000,
                quantity: 2,
                discount: 500,
            }],
            None,
            Some(EXCL_19),
        )
        .unwrap();
        assert_eq!(t.lines[0].taxable, 1500);
        assert_eq!(t.lines[0].tax, 285);
        assert_eq!(t.discount_total, 500);
        assert_eq!(t.grand_total, 2000 - 500 + 285);
    }
}
