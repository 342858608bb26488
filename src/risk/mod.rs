//! The risk gate: pure checks over (intent, portfolio, account, clock) →
//! Approved | Rejected(reason), plus the trading-state latch
//! ACTIVE → REDUCING → HALTED. Nothing here does I/O, locks, reads the wall
//! clock, or allocates per decision.
//!
//! - [`limits`]: the `[risk]` configuration and its validation;
//! - [`gate`]: [`RiskGate`], [`Decision`], [`Approved`] (constructible only here);
//! - [`view`]: what the gate reads ([`RiskView`], [`AccountView`], [`OpenOrderBook`]);
//! - [`reason`]: typed refusals ([`RejectReason`]);
//! - [`state`]: the trading-state latch and its persisted form;
//! - [`bracket`]: stop-loss / take-profit prices on the tick grid;
//! - [`rate`]: the order-rate token bucket;
//! - [`display`]: allocation-free money/percent formatting for messages.

pub mod bracket;
pub mod display;
pub mod gate;
pub mod limits;
pub mod rate;
pub mod reason;
pub mod state;
pub mod view;

#[cfg(test)]
mod proptests;

pub use bracket::{Bracket, Tick};
pub use gate::{Approved, CancelApproved, Decision, Rejected, RiskGate};
pub use limits::RiskLimits;
pub use reason::RejectReason;
pub use state::{ChangeReason, DailyLoss, HaltCause, LatchSnapshot, StateChange, TradingLatch};
pub use view::{AccountView, NoOpenOrders, OpenOrderBook, RiskView};
