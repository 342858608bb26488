//! The historical-data request scheduler: IB's three pacing rules plus a
//! back-off after a pacing violation (error 162), decided from the time the
//! caller passes in.
//!
//! The rules (IB "Historical Data Limitations"), for bars of 30 seconds or less
//! strictly and as good manners for every bar size:
//! - at most 60 requests in any 10-minute window;
//! - no identical request within 15 seconds;
//! - no 6 or more requests for the same contract, exchange and tick type
//!   within 2 seconds.
//!
//! New real-time-bar requests count against the same 60-per-10-minutes
//! window ([`HistoricalScheduler::try_send_realtime`]): IB documents that
//! "real time bars subscriptions combine the limitations of both top and
//! historical market data … no more than 60 *new* requests for real time
//! bars can be made in 10 minutes", so one budget for both kinds is the
//! reading that can never exceed either. The identical-request and burst
//! rules apply to historical requests only.
//!
//! Windows are half-open: a request sent at `t` still counts at `t + window`
//! minus a nanosecond and no longer counts at `t + window`. The scheduler only
//! records requests it allowed, so it never believes more was sent than was.
//! It assumes the times it is given never go backwards (an `Instant` clock).

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

/// The limits the scheduler enforces. [`Default`] is IB's documented rules
/// and a back-off of 30 s doubling to 10 minutes after error 162.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoricalPacingRules {
    /// Length of the rolling window for the overall budget (IB: 10 minutes).
    pub window: Duration,
    /// Requests allowed in any one `window` (IB: 60).
    pub max_in_window: usize,
    /// Minimum gap between two identical requests (IB: 15 s).
    pub identical_gap: Duration,
    /// Window of the same-contract burst rule (IB: 2 s).
    pub burst_window: Duration,
    /// Requests for one contract/exchange/tick type allowed in one
    /// `burst_window` (IB forbids 6 or more, so 5).
    pub max_in_burst: usize,
    /// Pause after the first pacing violation; doubles with each further
    /// violation without a success in between.
    pub violation_backoff: Duration,
    /// Longest pause after repeated violations.
    pub max_violation_backoff: Duration,
}

impl Default for HistoricalPacingRules {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(600),
            max_in_window: 60,
            identical_gap: Duration::from_secs(15),
            burst_window: Duration::from_secs(2),
            max_in_burst: 5,
            violation_backoff: Duration::from_secs(30),
            max_violation_backoff: Duration::from_secs(600),
        }
    }
}

/// The `what_to_show` a real-time-bar request is recorded under (never one
/// of IB's historical tick types, so no historical rule mistakes it for one).
const REALTIME_BARS: &str = "REAL-TIME 5 SECS";

/// What identifies a historical request for the pacing rules.
///
/// Two requests are *identical* when every field is equal; they are for the
/// *same series* (the burst rule) when `contract` and `what_to_show` are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoricalRequest {
    /// Contract and exchange, e.g. `SPY STK SMART USD`.
    pub contract: String,
    /// IB's tick type (`TRADES`, `MIDPOINT`, ...).
    pub what_to_show: String,
    /// IB's bar size string, e.g. `1 min`.
    pub bar_size: String,
    /// IB's duration string, e.g. `1 D`.
    pub duration: String,
    /// The request's end date-time as sent (empty = now).
    pub end: String,
    /// Regular trading hours only.
    pub regular_hours: bool,
}

impl HistoricalRequest {
    fn same_series(&self, other: &Self) -> bool {
        self.contract == other.contract && self.what_to_show == other.what_to_show
    }
}

/// Which rule makes a request wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacingReason {
    /// `max_in_window` requests were sent within the last `window`.
    WindowFull,
    /// The same request was sent less than `identical_gap` ago.
    Identical,
    /// `max_in_burst` requests for the same series within `burst_window`.
    Burst,
    /// Backing off after IB reported a pacing violation.
    Backoff,
}

impl fmt::Display for PacingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WindowFull => {
                "60 historical and new real-time-bar requests in the last 10 minutes"
            }
            Self::Identical => "the identical request was sent less than 15 s ago",
            Self::Burst => "5 requests for this contract in the last 2 s",
            Self::Backoff => "backing off after an IB pacing violation (error 162)",
        })
    }
}

/// The scheduler's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// Send now; the request has been recorded (by [`HistoricalScheduler::try_send`]).
    SendNow,
    /// Do not send before `at`; ask again then. Nothing was recorded.
    WaitUntil {
        /// Earliest time every rule allows the request.
        at: Instant,
        /// The rule that holds it longest.
        reason: PacingReason,
    },
}

/// Decides when historical requests may go out. Sans-IO: every method takes
/// the current time; nothing sleeps.
#[derive(Debug, Clone)]
pub struct HistoricalScheduler {
    rules: HistoricalPacingRules,
    /// Allowed requests still inside `window`, oldest first.
    sent: VecDeque<(Instant, HistoricalRequest)>,
    /// No request before this (set by a pacing violation).
    blocked_until: Option<Instant>,
    /// Violations since the last success, for the doubling back-off.
    violations: u32,
}

impl Default for HistoricalScheduler {
    fn default() -> Self {
        Self::new(HistoricalPacingRules::default())
    }
}

impl HistoricalScheduler {
    /// A scheduler that has sent nothing yet.
    pub fn new(rules: HistoricalPacingRules) -> Self {
        Self {
            rules,
            sent: VecDeque::new(),
            blocked_until: None,
            violations: 0,
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> &HistoricalPacingRules {
        &self.rules
    }

    /// When `request` may be sent, judged at `now`, without recording it.
    /// Returns [`Pacing::SendNow`] only when every rule allows it at `now`.
    pub fn check(&self, request: &HistoricalRequest, now: Instant) -> Pacing {
        let rules = &self.rules;
        let mut latest: Option<(Instant, PacingReason)> = None;
        let mut consider = |at: Instant, reason: PacingReason| {
            if at > now && latest.is_none_or(|(t, _)| at > t) {
                latest = Some((at, reason));
            }
        };

        if let Some(until) = self.blocked_until {
            consider(until, PacingReason::Backoff);
        }

        if let Some(at) = self.window_frees_at(now) {
            consider(at, PacingReason::WindowFull);
        }

        if let Some((at, _)) = self.sent.iter().rev().find(|(_, sent)| sent == request) {
            consider(*at + rules.identical_gap, PacingReason::Identical);
        }

        let in_burst: Vec<Instant> = self
            .sent
            .iter()
            .filter(|(at, sent)| sent.same_series(request) && *at + rules.burst_window > now)
            .map(|(at, _)| *at)
            .collect();
        if rules.max_in_burst > 0 && in_burst.len() >= rules.max_in_burst {
            let oldest_to_expire = in_burst[in_burst.len() - rules.max_in_burst];
            consider(oldest_to_expire + rules.burst_window, PacingReason::Burst);
        }

        match latest {
            Some((at, reason)) => Pacing::WaitUntil { at, reason },
            None => Pacing::SendNow,
        }
    }

    /// Like [`check`](Self::check), and records the request as sent at `now`
    /// when the answer is [`Pacing::SendNow`]. The caller must then send it.
    pub fn try_send(&mut self, request: &HistoricalRequest, now: Instant) -> Pacing {
        self.forget_expired(now);
        let decision = self.check(request, now);
        if decision == Pacing::SendNow {
            self.sent.push_back((now, request.clone()));
        }
        decision
    }

    /// IB answered a request with a pacing violation (error 162) at `now`:
    /// blocks every request until the returned time, 30 s after the first
    /// violation and twice as long after each further one (capped), until
    /// [`request_succeeded`](Self::request_succeeded) resets the back-off.
    pub fn pacing_violation(&mut self, now: Instant) -> Instant {
        let doublings = self.violations.min(16);
        let pause = self
            .rules
            .violation_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.rules.max_violation_backoff);
        self.violations = self.violations.saturating_add(1);
        let until = now + pause;
        self.blocked_until = Some(self.blocked_until.map_or(until, |b| b.max(until)));
        until
    }

    /// A request completed without a pacing violation: the next violation
    /// starts the back-off from its initial length again.
    pub fn request_succeeded(&mut self) {
        self.violations = 0;
    }

    /// Like [`try_send`](Self::try_send) for one new real-time-bar request
    /// for `contract`: only the shared window and a pacing back-off can hold
    /// it. Records it when the answer is [`Pacing::SendNow`].
    pub fn try_send_realtime(&mut self, contract: &str, now: Instant) -> Pacing {
        self.forget_expired(now);
        let mut latest: Option<(Instant, PacingReason)> = None;
        if let Some(until) = self.blocked_until.filter(|until| *until > now) {
            latest = Some((until, PacingReason::Backoff));
        }
        if let Some(at) = self.window_frees_at(now) {
            if latest.is_none_or(|(t, _)| at > t) {
                latest = Some((at, PacingReason::WindowFull));
            }
        }
        if let Some((at, reason)) = latest {
            return Pacing::WaitUntil { at, reason };
        }
        let request = HistoricalRequest {
            contract: contract.to_string(),
            what_to_show: REALTIME_BARS.to_string(),
            bar_size: "5 secs".to_string(),
            duration: String::new(),
            end: String::new(),
            regular_hours: false,
        };
        self.sent.push_back((now, request));
        Pacing::SendNow
    }

    /// When the window has room again, if it is full at `now`.
    fn window_frees_at(&self, now: Instant) -> Option<Instant> {
        let rules = &self.rules;
        let in_window: Vec<Instant> = self
            .sent
            .iter()
            .map(|(at, _)| *at)
            .filter(|at| *at + rules.window > now)
            .collect();
        (rules.max_in_window > 0 && in_window.len() >= rules.max_in_window)
            .then(|| in_window[in_window.len() - rules.max_in_window] + rules.window)
    }

    /// Requests recorded within the last `window` before `now`.
    pub fn sent_in_window(&self, now: Instant) -> usize {
        self.sent
            .iter()
            .filter(|(at, _)| *at + self.rules.window > now)
            .count()
    }

    /// Drops records that no rule can look at any more (older than every window).
    fn forget_expired(&mut self, now: Instant) {
        let horizon = self
            .rules
            .window
            .max(self.rules.identical_gap)
            .max(self.rules.burst_window);
        while self
            .sent
            .front()
            .is_some_and(|(at, _)| *at + horizon <= now)
        {
            self.sent.pop_front();
        }
    }
}

#[cfg(test)]
#[path = "historical_tests.rs"]
mod tests;
