//! The generic cell rate algorithm (GCRA), the token bucket kept as one number: pure
//! arithmetic, unit-tested natively. See "The algorithm" in `wit/deps/limits/limits.wit`.
//!
//! A limit of `capacity` units per `window` is a bucket refilled by one unit every
//! `window / capacity`. GCRA stores the *theoretical arrival time* (TAT): the instant at
//! which the bucket is full again. A take moves it on by `window / capacity` from
//! `max(TAT, now)`, and is allowed when the new TAT is at most `window` after now.
//!
//! To stay exact in integers, every instant here is scaled by the capacity: a bucket's
//! `level` is `TAT × capacity` (in milliseconds × capacity), a take adds `window`, and the
//! tolerance is `window × capacity`. So exactly `capacity` takes fit in a full bucket,
//! whatever the capacity and window, with no rounding of `window / capacity`.

/// A limit's shape: `capacity` units per `window_ms` milliseconds (both at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub capacity: i64,
    pub window_ms: i64,
}

/// What one take would do to a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed: the bucket's new level, and when it is full again (the row may then go).
    Allowed { level: i64, full_at_ms: i64 },
    /// Refused: milliseconds until one unit is available again (at least 1).
    Refused { retry_after_ms: i64 },
}

impl Rate {
    /// The outcome of taking one unit at `now_ms` from a bucket at `level` (`None`: a full
    /// bucket, i.e. no row, or a row that is full again).
    pub fn take(self, level: Option<i64>, now_ms: i64) -> Outcome {
        let c = i128::from(self.capacity);
        let w = i128::from(self.window_ms);
        let now = i128::from(now_ms) * c;
        let base = level.map_or(now, |l| i128::from(l).max(now));
        let next = base + w;
        if next - now <= c * w {
            Outcome::Allowed {
                level: clamp(next),
                full_at_ms: clamp(div_ceil(next, c)),
            }
        } else {
            // The earliest t with max(base, t·c) + w − t·c ≤ c·w: here base > t·c, so
            // t ≥ (base + w − c·w) / c.
            let t = div_ceil(base + w - c * w, c);
            Outcome::Refused {
                retry_after_ms: clamp(t - i128::from(now_ms)).max(1),
            }
        }
    }
}

/// Whole seconds for a `Retry-After` of `ms` milliseconds: rounded up, at least 1.
pub fn retry_after_seconds(ms: i64) -> u32 {
    u32::try_from((ms.max(1) + 999) / 1000).unwrap_or(u32::MAX)
}

/// `a / b` rounded up, for `b > 0`.
fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b > 0 { q + 1 } else { q }
}

fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at `now` from a bucket at `level` until refused: how many were allowed, the
    /// level left and the refusal's wait.
    fn drain(rate: Rate, mut level: Option<i64>, now: i64) -> (i64, Option<i64>, i64) {
        let mut allowed = 0;
        loop {
            match rate.take(level, now) {
                Outcome::Allowed { level: l, .. } => {
                    level = Some(l);
                    allowed += 1;
                }
                Outcome::Refused { retry_after_ms } => return (allowed, level, retry_after_ms),
            }
        }
    }

    /// [`drain`] from a full bucket.
    fn burst(rate: Rate, now: i64) -> (i64, Option<i64>, i64) {
        drain(rate, None, now)
    }

    #[test]
    fn a_full_bucket_allows_exactly_its_capacity() {
        for (capacity, window_ms) in [(1, 1000), (3, 1000), (7, 60_000), (10, 1), (1000, 7)] {
            let rate = Rate {
                capacity,
                window_ms,
            };
            let (allowed, _, _) = burst(rate, 1_700_000_000_000);
            assert_eq!(allowed, capacity, "{rate:?}");
        }
    }

    #[test]
    fn one_unit_comes_back_every_window_over_capacity() {
        let rate = Rate {
            capacity: 4,
            window_ms: 60_000,
        };
        let now = 1_700_000_000_000;
        let (_, level, retry) = burst(rate, now);
        // One unit every 15 s.
        assert_eq!(retry, 15_000);
        assert!(matches!(
            rate.take(level, now + 14_999),
            Outcome::Refused { retry_after_ms: 1 }
        ));
        let Outcome::Allowed { level, .. } = rate.take(level, now + 15_000) else {
            panic!("a unit is back after window / capacity");
        };
        assert!(matches!(
            rate.take(Some(level), now + 15_000),
            Outcome::Refused { .. }
        ));
    }

    #[test]
    fn an_emptied_bucket_is_full_again_after_the_window() {
        let rate = Rate {
            capacity: 3,
            window_ms: 10_000,
        };
        let now = 1_000_000;
        let (_, level, _) = burst(rate, now);
        let Outcome::Allowed { full_at_ms, .. } = rate.take(None, now) else {
            panic!()
        };
        assert_eq!(
            full_at_ms,
            now + 3334,
            "one take: full again after a third of the window"
        );
        // From the emptied bucket, a window later: the whole capacity again.
        let (allowed, _, _) = drain(rate, level, now + 10_000);
        assert_eq!(allowed, 3);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(1), 1);
        assert_eq!(retry_after_seconds(1000), 1);
        assert_eq!(retry_after_seconds(1001), 2);
        assert_eq!(retry_after_seconds(0), 1);
    }

    #[test]
    fn the_largest_limits_do_not_overflow() {
        let rate = Rate {
            capacity: 1_000_000,
            window_ms: 2_592_000_000,
        };
        let now = 4_102_444_800_000; // 2100
        assert!(matches!(rate.take(None, now), Outcome::Allowed { .. }));
    }
}
