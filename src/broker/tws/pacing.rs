//! IB's request budgets as code: the historical-data scheduler, the
//! market-data-line counter and the one outbound message limiter.
//!
//! IB enforces these limits server-side by refusing requests (error 162 for
//! historical pacing, 101 for too many market-data lines, 100 and eventually a
//! disconnect for more than 50 messages per second). The `ibapi` client
//! enforces none of them by itself. The first two are sans-IO: callers pass
//! the current time in and get a decision back; nothing here sleeps, reads a
//! clock or touches a socket. The third builds the `ibapi` [`ibapi::RateLimiter`]
//! that the connection installs so every outbound message shares one budget.

pub mod historical;
pub mod lines;
pub mod outbound;

pub use historical::{
    HistoricalPacingRules, HistoricalRequest, HistoricalScheduler, Pacing, PacingReason,
};
pub use lines::{Line, LinesExhausted, MarketDataLines, DEFAULT_MARKET_DATA_LINES};
pub use outbound::{
    outbound_rate_limiter, shared_outbound_rate_limiter, OutboundRateError,
    DEFAULT_OUTBOUND_MESSAGES_PER_SECOND, IB_MESSAGES_PER_SECOND,
};
