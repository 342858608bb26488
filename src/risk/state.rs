//! The trading-state latch: ACTIVE → REDUCING → HALTED, why it left ACTIVE,
//! and the New York trading day on which it did.
//!
//! The latch only ever tightens on its own; it loosens in exactly two ways:
//! the America/New_York calendar date changes (clears a daily-loss halt and
//! REDUCING), or [`TradingLatch::operator_reset`]. Operator, shutdown and engine
//! halts survive day changes. REDUCING (the operator's reduce-only) follows the
//! daily-loss rule: it holds for the rest of the New York day it was entered
//! on (also across a restart that day, from the journal) and clears at the
//! next New York midnight. Must never read a clock or decide on an order. A price recovery never clears anything. The
//! state is small, `Copy` and serializable ([`LatchSnapshot`]) so the journal
//! can persist it and a restart resumes in the same state.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::types::TradingState;
use crate::risk::display::{Money, Percent};

/// The figures of a daily-loss breach, kept for messages and the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLoss {
    /// Loss since the start of the day (> 0 means money lost).
    pub loss: Decimal,
    /// Equity the day started with.
    pub start_of_day_equity: Decimal,
    /// The configured `max_daily_loss_pct`.
    pub limit_pct: Decimal,
}

impl fmt::Display for DailyLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = if self.start_of_day_equity > Decimal::ZERO {
            self.loss / self.start_of_day_equity
        } else {
            Decimal::ZERO
        };
        write!(
            f,
            "daily loss {} = {} of start-of-day equity {} ≥ limit {}",
            Money(self.loss),
            Percent(pct),
            Money(self.start_of_day_equity),
            Percent(self.limit_pct)
        )
    }
}

/// Why trading is HALTED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HaltCause {
    /// The daily loss limit was reached; clears on the next New York trading day.
    DailyLoss(DailyLoss),
    /// An operator halted trading; only [`TradingLatch::operator_reset`] clears it.
    Operator,
    /// The bot is shutting down; only an operator reset clears it.
    Shutdown,
    /// The engine found something unsafe (e.g. an unprotected position or a
    /// reconciliation mismatch); only an operator reset clears it.
    Engine,
}

impl HaltCause {
    /// True when a new trading day clears this halt by itself.
    pub fn clears_next_day(&self) -> bool {
        matches!(self, HaltCause::DailyLoss(_))
    }
}

impl fmt::Display for HaltCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HaltCause::DailyLoss(loss) => write!(f, "{loss}"),
            HaltCause::Operator => f.write_str("halted by the operator"),
            HaltCause::Shutdown => f.write_str("shutting down"),
            HaltCause::Engine => f.write_str("halted by the engine"),
        }
    }
}

/// Why the state changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeReason {
    /// Trading was halted.
    Halted(HaltCause),
    /// Trading was restricted to exposure-reducing orders.
    Reducing,
    /// The New York calendar date changed to this day.
    NewTradingDay(NaiveDate),
    /// An operator reset the latch.
    OperatorReset,
}

/// One transition of the latch, for the journal and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    /// State before.
    pub from: TradingState,
    /// State after (always different from `from`).
    pub to: TradingState,
    /// What caused it.
    pub reason: ChangeReason,
}

impl ChangeReason {
    /// A stable snake_case name for the cause, for machine readers (the
    /// webhook body's `cause`): `daily_loss`, `operator`, `shutdown`,
    /// `engine`, `reducing`, `new_trading_day` or `operator_reset`.
    pub fn code(&self) -> &'static str {
        match self {
            ChangeReason::Halted(HaltCause::DailyLoss(_)) => "daily_loss",
            ChangeReason::Halted(HaltCause::Operator) => "operator",
            ChangeReason::Halted(HaltCause::Shutdown) => "shutdown",
            ChangeReason::Halted(HaltCause::Engine) => "engine",
            ChangeReason::Reducing => "reducing",
            ChangeReason::NewTradingDay(_) => "new_trading_day",
            ChangeReason::OperatorReset => "operator_reset",
        }
    }
}

impl fmt::Display for StateChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trading state {} → {}: ", self.from, self.to)?;
        match self.reason {
            ChangeReason::Halted(cause) => write!(f, "{cause}"),
            ChangeReason::Reducing => f.write_str("only exposure-reducing orders from now on"),
            ChangeReason::NewTradingDay(day) => write!(f, "new trading day {day}"),
            ChangeReason::OperatorReset => f.write_str("operator reset"),
        }
    }
}

/// What the journal stores to restore the latch after a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatchSnapshot {
    /// The state.
    pub state: TradingState,
    /// Why it is HALTED (`None` unless HALTED).
    pub cause: Option<HaltCause>,
    /// New York date on which the current non-ACTIVE state began.
    pub since: Option<NaiveDate>,
}

/// The latch itself. Starts ACTIVE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradingLatch {
    state: TradingState,
    cause: Option<HaltCause>,
    since: Option<NaiveDate>,
}

impl Default for TradingLatch {
    fn default() -> Self {
        Self::new()
    }
}

pub use crate::domain::calendar::trading_day;

impl TradingLatch {
    /// An ACTIVE latch.
    pub fn new() -> Self {
        Self {
            state: TradingState::Active,
            cause: None,
            since: None,
        }
    }

    /// Current state.
    pub fn state(&self) -> TradingState {
        self.state
    }

    /// Why it is HALTED, if it is.
    pub fn cause(&self) -> Option<HaltCause> {
        self.cause
    }

    /// Clears a daily-loss halt or REDUCING when `now` falls on a later New
    /// York date than the one they began on. Costs nothing while ACTIVE.
    pub fn roll_day(&mut self, now: DateTime<Utc>) -> Option<StateChange> {
        if self.state == TradingState::Active {
            return None;
        }
        let rollable = match self.state {
            TradingState::Reducing => true,
            _ => self.cause.is_some_and(|c| c.clears_next_day()),
        };
        if !rollable {
            return None;
        }
        let today = trading_day(now);
        match self.since {
            Some(since) if today <= since => None,
            _ => Some(self.set(
                TradingState::Active,
                None,
                None,
                ChangeReason::NewTradingDay(today),
            )),
        }
    }

    /// Enters HALTED. Already HALTED: the state stays, and a daily-loss cause
    /// is replaced by a stickier one (operator/shutdown/engine) so it does not
    /// clear with the day; returns `None` then.
    pub fn halt(&mut self, cause: HaltCause, now: DateTime<Utc>) -> Option<StateChange> {
        if self.state == TradingState::Halted {
            if self.cause.is_none_or(|c| c.clears_next_day()) && !cause.clears_next_day() {
                self.cause = Some(cause);
            }
            return None;
        }
        Some(self.set(
            TradingState::Halted,
            Some(cause),
            Some(trading_day(now)),
            ChangeReason::Halted(cause),
        ))
    }

    /// ACTIVE → REDUCING (only exposure-reducing orders pass). Does nothing
    /// when already REDUCING or HALTED.
    pub fn set_reducing(&mut self, now: DateTime<Utc>) -> Option<StateChange> {
        if self.state != TradingState::Active {
            return None;
        }
        Some(self.set(
            TradingState::Reducing,
            None,
            Some(trading_day(now)),
            ChangeReason::Reducing,
        ))
    }

    /// Back to ACTIVE, whatever the cause. A daily loss that is still beyond
    /// the limit halts again at the next check or mark.
    pub fn operator_reset(&mut self) -> Option<StateChange> {
        if self.state == TradingState::Active {
            return None;
        }
        Some(self.set(
            TradingState::Active,
            None,
            None,
            ChangeReason::OperatorReset,
        ))
    }

    /// The state to persist.
    pub fn snapshot(&self) -> LatchSnapshot {
        LatchSnapshot {
            state: self.state,
            cause: self.cause,
            since: self.since,
        }
    }

    /// Restores a persisted state. Inconsistent snapshots are read the strict
    /// way: HALTED without a cause becomes an operator halt (only a reset
    /// clears it); a cause on a non-HALTED state is dropped.
    pub fn restore(&mut self, snapshot: LatchSnapshot) {
        self.state = snapshot.state;
        self.since = snapshot.since;
        self.cause = match snapshot.state {
            TradingState::Halted => Some(snapshot.cause.unwrap_or(HaltCause::Operator)),
            _ => None,
        };
        if self.state == TradingState::Active {
            self.since = None;
        }
    }

    fn set(
        &mut self,
        state: TradingState,
        cause: Option<HaltCause>,
        since: Option<NaiveDate>,
        reason: ChangeReason,
    ) -> StateChange {
        let from = self.state;
        self.state = state;
        self.cause = cause;
        self.since = since;
        StateChange {
            from,
            to: state,
            reason,
        }
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
