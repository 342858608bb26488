//! [`OrderRateLimiter`]: a token bucket for the order rate, driven by the
//! event time passed in (never the wall clock), in integer nano-tokens so it
//! is exact and cheap.
//!
//! The bucket holds up to `per_second` tokens and refills at `per_second`
//! tokens per second. A placed order needs a whole token. Cancels and other
//! messages that must never be refused take a token anyway and may overdraw
//! the bucket, so the orders after them wait until the debt is repaid.

use chrono::{DateTime, Utc};

/// Nano-tokens per token: a token is `NANO` units, and the bucket refills
/// `per_second` units per nanosecond.
const NANO: i64 = 1_000_000_000;

/// Token bucket over event time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRateLimiter {
    per_second: i64,
    capacity: i64,
    tokens: i64,
    /// Time of the last refill in ns since the epoch; `None` before first use.
    last: Option<i64>,
}

impl OrderRateLimiter {
    /// A full bucket allowing `per_second` orders per second (at least 1).
    pub fn new(per_second: u32) -> Self {
        let per_second = i64::from(per_second.max(1));
        Self {
            per_second,
            capacity: per_second * NANO,
            tokens: per_second * NANO,
            last: None,
        }
    }

    /// Orders allowed per second.
    pub fn per_second(&self) -> u32 {
        u32::try_from(self.per_second).unwrap_or(u32::MAX)
    }

    /// Takes one token if a whole one is available at `now`; otherwise takes
    /// nothing and returns how many microseconds until one is.
    pub fn try_take(&mut self, now: DateTime<Utc>) -> Result<(), u64> {
        self.refill(now);
        if self.tokens >= NANO {
            self.tokens -= NANO;
            Ok(())
        } else {
            // ns to wait = missing nano-tokens / (per_second nano-tokens per ns)
            let missing = NANO - self.tokens;
            let wait_ns = (missing + self.per_second - 1) / self.per_second;
            Err(u64::try_from((wait_ns + 999) / 1000).unwrap_or(u64::MAX))
        }
    }

    /// Takes one token even if that overdraws the bucket (for cancels).
    pub fn take_always(&mut self, now: DateTime<Utc>) {
        self.refill(now);
        self.tokens = self.tokens.saturating_sub(NANO);
    }

    /// Whole tokens available at the last refill (negative while in debt).
    pub fn available(&self) -> i64 {
        self.tokens.div_euclid(NANO)
    }

    fn refill(&mut self, now: DateTime<Utc>) {
        let now_ns = nanos(now);
        match self.last {
            // Time never runs backwards here: an older timestamp refills nothing.
            Some(last) if now_ns <= last => {}
            Some(last) => {
                let added = (now_ns - last).saturating_mul(self.per_second);
                self.tokens = self.tokens.saturating_add(added).min(self.capacity);
                self.last = Some(now_ns);
            }
            None => self.last = Some(now_ns),
        }
    }
}

/// Nanoseconds since the epoch, saturating outside chrono's i64-ns range
/// (years 1677–2262).
fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt()
        .unwrap_or_else(|| t.timestamp().saturating_mul(NANO))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap()
    }

    #[test]
    fn burst_then_refill_at_the_configured_rate() {
        let mut bucket = OrderRateLimiter::new(4);
        for _ in 0..4 {
            assert_eq!(bucket.try_take(t0()), Ok(()));
        }
        // Empty: one token takes 1/4 s = 250 000 µs to come back.
        assert_eq!(bucket.try_take(t0()), Err(250_000));
        // 100 ms later: 0.4 token, 150 ms still missing.
        assert_eq!(
            bucket.try_take(t0() + Duration::milliseconds(100)),
            Err(150_000)
        );
        assert_eq!(bucket.try_take(t0() + Duration::milliseconds(250)), Ok(()));
        // A long pause refills only up to the capacity (4).
        let later = t0() + Duration::seconds(60);
        for _ in 0..4 {
            assert_eq!(bucket.try_take(later), Ok(()));
        }
        assert!(bucket.try_take(later).is_err());
    }

    #[test]
    fn cancels_overdraw_and_delay_later_orders() {
        let mut bucket = OrderRateLimiter::new(2);
        for _ in 0..4 {
            bucket.take_always(t0());
        }
        assert_eq!(bucket.available(), -2);
        // Debt of 2 + 1 needed = 3 tokens at 2/s = 1.5 s.
        assert_eq!(bucket.try_take(t0()), Err(1_500_000));
        assert_eq!(bucket.try_take(t0() + Duration::milliseconds(1500)), Ok(()));
    }

    #[test]
    fn time_going_backwards_refills_nothing() {
        let mut bucket = OrderRateLimiter::new(1);
        assert_eq!(bucket.try_take(t0()), Ok(()));
        assert!(bucket.try_take(t0() - Duration::seconds(10)).is_err());
        assert!(bucket.try_take(t0() + Duration::milliseconds(999)).is_err());
        assert_eq!(bucket.try_take(t0() + Duration::seconds(1)), Ok(()));
    }
}
