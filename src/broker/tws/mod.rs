//! The live edge: the `ibapi` async client over TCP to TWS / IB Gateway (or tws-sim).

pub mod connect;
pub mod emergency;
pub mod history;
pub mod manual;
pub mod market_data;
pub mod orders;
pub mod pacing;
pub mod pnl;
pub mod reconcile;
pub mod recorder;
pub mod router;
pub mod session;
pub mod snapshot;
pub mod warmup;

pub use connect::{connect, ConnectError};
