//! The risk gate: pure checks over (intent, portfolio, account, clock) →
//! Approved | Rejected(reason), plus the trading-state latch
//! ACTIVE → REDUCING → HALTED. Nothing here does I/O, locks, reads the wall
//! clock, or allocates per decision.
//!
//! - [`limits`]: the `[risk]` configuration and its validation;
//! - [`gate`]: [`RiskGate`], the checks in order and the state it owns;
//! - [`decision`]: [`Decision`], [`Approved`] (constructible only here), [`Rejected`];
//! - [`view`]: what the gate reads ([`RiskView`], [`AccountView`], [`OpenOrderBook`]);
//! - [`reason`]: typed refusals ([`RejectReason`]);
//! - [`state`]: the trading-state latch and its persisted form;
//! - [`bracket`]: stop-loss / take-profit prices on the tick grid;
//! - [`rate`]: the order-rate token bucket;
//! - [`display`]: allocation-free money/percent formatting for messages.

pub mod bracket;
mod checks;
pub mod decision;
pub mod display;
pub mod gate;
pub mod limits;
pub mod rate;
pub mod reason;
pub mod state;
pub mod view;

#[cfg(test)]
mod proptests;

pub use bracket::{Bracket, BracketRule, Tick};
pub use decision::{Approved, CancelApproved, Decision, Rejected};
pub use gate::RiskGate;
pub use limits::RiskLimits;
pub use reason::RejectReason;
pub use state::{ChangeReason, DailyLoss, HaltCause, LatchSnapshot, StateChange, TradingLatch};
pub use view::{AccountView, DataAge, NoOpenOrders, OpenOrderBook, RiskView};
