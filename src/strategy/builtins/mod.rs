//! The built-in strategies and their registry entries. Each trades every
//! symbol in its file independently, sizes entries with the file's
//! [`Sizing`](crate::strategy::sizing::Sizing), sends market orders, and keeps
//! per-symbol state preallocated at construction.
//!
//! Shared behaviour (see [`common`]): while one of its own entry (or exit)
//! orders is still working for a symbol it sends no second one; it learns
//! that an order is done from [`OrderOutcome`](crate::strategy::OrderOutcome)s.

pub mod common;
pub mod donchian_breakout;
pub mod rsi_reversion;
pub mod sma_crossover;

pub use donchian_breakout::DonchianBreakout;
pub use rsi_reversion::RsiReversion;
pub use sma_crossover::SmaCrossover;

use crate::strategy::params::Params;
use crate::strategy::traits::Strategy;

/// A built-in constructor.
pub type BuiltinConstructor = fn(&mut Params<'_>) -> Option<Box<dyn Strategy>>;

/// Kind name → constructor of every built-in, in name order.
pub const BUILTINS: &[(&str, BuiltinConstructor)] = &[
    (donchian_breakout::KIND, donchian_breakout::build),
    (rsi_reversion::KIND, rsi_reversion::build),
    (sma_crossover::KIND, sma_crossover::build),
];
