//! The backtester: bars from files, fills from a deterministic fill model, the
//! very same engine, strategies and risk gate as live trading in between, and
//! a report (JSON, Markdown, SVG) at the end.

pub mod csv;
pub mod markdown;
pub mod metrics;
pub mod plot;
pub mod report;
pub mod trades;
