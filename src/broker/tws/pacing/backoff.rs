//! Exponential back-off for a market-data request TWS refused for a reason
//! that passes (a competing session, a farm outage, pacing): 5 s after the
//! first refusal, doubling to at most 5 minutes, back to 5 s once data flows.
//!
//! Sans-IO: it hands out delays and never sleeps. The delays come on top of
//! the shared request budget (`HistoricalScheduler::try_send_realtime`),
//! which still decides whether a retry may go out when its delay is over.

use std::time::Duration;

/// First delay after a refusal.
pub const INITIAL_BACKOFF: Duration = Duration::from_secs(5);
/// Longest delay between two retries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The delays of one subscription's retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(INITIAL_BACKOFF, MAX_BACKOFF)
    }
}

impl Backoff {
    /// Delays from `initial`, doubling, never above `max`.
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            next: initial,
        }
    }

    /// The delay before the next retry; the one after it doubles.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    /// Data flows again: the next refusal waits `initial` again.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_five_seconds_to_five_minutes_and_reset() {
        let mut backoff = Backoff::default();
        let delays: Vec<u64> = (0..9).map(|_| backoff.next_delay().as_secs()).collect();
        // 5, 10, 20, 40, 80, 160, then capped at 300.
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(5));
    }
}
