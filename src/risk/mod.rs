//! The risk gate: pure checks over (intent, portfolio, account, clock) →
//! Approved | Rejected(reason), plus the trading-state latch
//! ACTIVE → REDUCING → HALTED. Nothing here does I/O, locks, or allocates per decision.

pub mod limits;

pub use limits::RiskLimits;
