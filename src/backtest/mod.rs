//! The backtester: bars from files, fills from a deterministic fill model.
