//! Fault injection: order rejects, response delays, pacing violations.
//!
//! Owns the reject-the-n-th-order rules, the outgoing delay and the
//! per-connection message-rate window behind error 100. Connection drops and
//! 1100/1101/1102 notices act on sockets and live in `state` / `server`;
//! their scripted timing comes from the scenario.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A pending "reject the order with this sequence number" rule.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RejectRule {
    at: u64,
    code: i32,
    message: String,
}

/// What happens to a new order a fault rule picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderFault {
    /// Refused with this code and text.
    Reject(i32, String),
    /// Read and never answered nor kept (TWS lost it).
    Swallow,
}

/// Order-reject rules and the shared response delay.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    placed: u64,
    rules: Vec<RejectRule>,
    swallow_at: Vec<u64>,
    delay_ms: Arc<AtomicU64>,
}

impl Faults {
    /// Faults sharing `delay_ms` with the connection writers.
    pub fn new(delay_ms: Arc<AtomicU64>) -> Self {
        Self {
            placed: 0,
            rules: Vec::new(),
            swallow_at: Vec::new(),
            delay_ms,
        }
    }

    /// Rejects the `n`-th order placed from now on (1 = the next one).
    pub fn reject_nth_order(&mut self, n: u32, code: i32, message: &str) {
        self.rules.push(RejectRule {
            at: self.placed + u64::from(n.max(1)),
            code,
            message: message.to_string(),
        });
    }

    /// Swallows the `n`-th order placed from now on (1 = the next one).
    pub fn swallow_nth_order(&mut self, n: u32) {
        self.swallow_at.push(self.placed + u64::from(n.max(1)));
    }

    /// Counts one new order; returns the fault to apply, if any.
    pub fn on_new_order(&mut self) -> Option<OrderFault> {
        self.placed += 1;
        if let Some(pos) = self.swallow_at.iter().position(|&at| at == self.placed) {
            self.swallow_at.remove(pos);
            return Some(OrderFault::Swallow);
        }
        let pos = self.rules.iter().position(|r| r.at == self.placed)?;
        let rule = self.rules.remove(pos);
        Some(OrderFault::Reject(rule.code, rule.message))
    }

    /// Delays every outgoing frame by `delay` (zero turns it off).
    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }
}

/// Sliding one-second window of a connection's incoming messages.
#[derive(Debug, Clone, Default)]
pub struct Pacer {
    window: VecDeque<Instant>,
}

impl Pacer {
    /// Records a message at `now`; returns `Err(count)` when more than
    /// `limit` arrived within the last second.
    pub fn admit(&mut self, now: Instant, limit: Option<u32>) -> Result<(), usize> {
        let Some(limit) = limit else { return Ok(()) };
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.window.pop_front();
        }
        self.window.push_back(now);
        if self.window.len() > limit as usize {
            Err(self.window.len())
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_exactly_the_nth_order() {
        let mut f = Faults::default();
        f.on_new_order();
        f.reject_nth_order(2, 201, "no");
        assert_eq!(f.on_new_order(), None);
        assert_eq!(
            f.on_new_order(),
            Some(OrderFault::Reject(201, "no".to_string()))
        );
        assert_eq!(f.on_new_order(), None);
    }

    #[test]
    fn swallows_exactly_the_nth_order() {
        let mut f = Faults::default();
        f.swallow_nth_order(2);
        assert_eq!(f.on_new_order(), None);
        assert_eq!(f.on_new_order(), Some(OrderFault::Swallow));
        assert_eq!(f.on_new_order(), None);
    }

    #[test]
    fn pacer_flags_the_51st_message_in_a_second() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        for i in 0..50 {
            assert_eq!(p.admit(t0 + Duration::from_millis(i), Some(50)), Ok(()));
        }
        assert_eq!(p.admit(t0 + Duration::from_millis(60), Some(50)), Err(51));
        // a second later the window has emptied
        assert_eq!(p.admit(t0 + Duration::from_millis(1100), Some(50)), Ok(()));
        assert_eq!(p.admit(t0, None), Ok(()));
    }
}
