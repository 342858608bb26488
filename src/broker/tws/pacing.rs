//! IB's request budgets as code: the historical-data scheduler (which also
//! counts new real-time-bar requests, shared by every feed and the warm-up
//! as one [`SharedPacer`]), the retry back-off, the market-data-line counter
//! and the one outbound message limiter.
//!
//! IB enforces these limits server-side by refusing requests (error 162 for
//! historical pacing, 101 for too many market-data lines, 100 and eventually a
//! disconnect for more than 50 messages per second). The `ibapi` client
//! enforces none of them by itself. The first two are sans-IO: callers pass
//! the current time in and get a decision back; nothing here sleeps, reads a
//! clock or touches a socket. The third builds the `ibapi` [`ibapi::RateLimiter`]
//! that the connection installs so every outbound message shares one budget.

pub mod backoff;
pub mod historical;
pub mod lines;
pub mod outbound;

pub use backoff::Backoff;
pub use historical::{
    HistoricalPacingRules, HistoricalRequest, HistoricalScheduler, Pacing, PacingReason,
};
pub use lines::{Line, LinesExhausted, MarketDataLines, DEFAULT_MARKET_DATA_LINES};
pub use outbound::{
    outbound_rate_limiter, shared_outbound_rate_limiter, OutboundRateError,
    DEFAULT_OUTBOUND_MESSAGES_PER_SECOND, IB_MESSAGES_PER_SECOND,
};

/// The one request budget of a session: the historical scheduler behind an
/// async lock, shared by the warm-up's history requests and every feed's
/// real-time-bar requests (held only while deciding, or while the warm-up
/// downloads, before any feed starts).
pub type SharedPacer = std::sync::Arc<tokio::sync::Mutex<HistoricalScheduler>>;

/// A fresh [`SharedPacer`] with IB's rules.
pub fn shared_pacer() -> SharedPacer {
    std::sync::Arc::new(tokio::sync::Mutex::new(HistoricalScheduler::default()))
}
