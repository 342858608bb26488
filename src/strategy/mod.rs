//! Strategies: the [`Strategy`] trait, the [`Registry`] (kind name →
//! constructor), the strategy-file schema ([`config`]), reusable
//! [`indicators`] and the [`builtins`].
//!
//! A strategy sees market events and the outcomes of its own orders through a
//! read-only [`StrategyContext`] (its positions, marks, equity, the event's
//! clock) and answers with [`OrderIntent`](crate::domain::types::OrderIntent)s
//! written into a fixed-capacity [`Intents`] buffer. It never talks to the
//! broker, never sees an account id, and allocates nothing per event; every
//! intent still has to pass the risk gate.

pub mod bar_size;
pub mod builtins;
pub mod config;
pub mod context;
pub mod example;
pub mod files;
pub mod harness;
pub mod indicators;
pub mod intents;
pub mod params;
pub mod registry;
pub mod sizing;
pub(crate) mod toml_util;
pub mod traits;

pub use config::{load_strategy_file, load_strategy_file_with, StrategyFile};
pub use context::{Holding, StrategyBook, StrategyContext};
pub use harness::Harness;
pub use intents::{Intents, IntentsFull, INTENT_CAPACITY};
pub use params::Params;
pub use registry::{RegisterError, Registry};
pub use sizing::Sizing;
pub use traits::{symbols_of, OrderOutcome, RejectedBy, Strategy};
