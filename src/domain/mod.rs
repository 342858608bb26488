//! The leaf layer: the bot's vocabulary — symbols, sides, intents, market
//! events, fills, order ids, the portfolio, exact fixed-point numbers and money, account
//! ids, the New York trading calendar, webhook URLs and [`ConfigProblem`].
//!
//! Owns every type that more than one layer speaks. Must never import anything
//! else of ours (`risk`, `strategy`, `core`, `settings` and the edges all sit
//! above it; `tests/layers.rs` checks this), and never does I/O or reads a
//! clock.

pub mod account;
pub mod exec_id;
pub mod fixed;
pub mod money;
pub mod order_id;
pub mod portfolio;
pub mod problem;
pub mod ticks;
pub mod types;
pub mod webhook;

/// The NYSE trading calendar (the workspace's `nyse-calendar` crate, shared
/// with the simulator).
pub use nyse_calendar as calendar;

pub use account::AccountId;
pub use problem::ConfigProblem;
