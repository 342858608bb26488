//! Settings: `config.toml` + `strategies/*.toml` + `.env` + `IBKR_*` environment
//! → one validated [`Settings`]; and the paper/live trading-mode decision.
//!
//! Never connects to anything. Every problem found is reported at once.

pub mod problem;

pub use problem::ConfigProblem;
