//! The backtester: bars from files, fills from a deterministic fill model, the
//! very same engine, strategies and risk gate as live trading in between, and
//! a report (JSON, Markdown, SVG) at the end.
//!
//! - [`csv`]: bar files → validated [`Bar`](crate::domain::types::Bar)s, a row at a time;
//! - [`feed`]: several files merged into one time-ordered stream, as they are read;
//! - [`recorder`]: equity curve, fills/trades and HALTED days during a run;
//! - [`equity`]: the per-bar equity folded into per-day points and the figures
//!   that need every close;
//! - [`trades`]: fills → round-trip trades;
//! - [`metrics`]: the statistics; [`report`], [`markdown`], [`plot`]: the files;
//! - [`sweep`]: parameter grids and ranking; [`sweep_run`]: running them on all cores;
//! - [`runner`]: the bar loop through the real engine and the fill model;
//! - [`cli`]: [`BacktestArgs`](cli::BacktestArgs), [`run_backtest`](cli::run_backtest),
//!   [`run_sweep`](cli::run_sweep) for the command line;
//! - [`progress`]: the terminal progress bar.

pub mod cli;
pub mod csv;
pub mod equity;
pub mod feed;
pub mod markdown;
pub mod metrics;
pub mod plot;
pub mod progress;
pub mod recorder;
pub mod report;
pub mod runner;
pub mod sweep;
pub mod sweep_run;
pub mod trades;
