//! `tws-sim`: a TWS / IB Gateway simulator speaking the real TWS API wire protocol.
//!
//! It answers the handshake with server version 226 and serves the protobuf
//! messages the `ibapi` 5.5 client sends, over real TCP, so a trading bot
//! cannot tell it from TWS. Prices are a seeded random walk, a scripted
//! scenario or a CSV replay; orders fill against those prices with IBKR fixed
//! commissions; faults (disconnects, 1100/1101/1102, rejects, delays, pacing)
//! are scriptable. Same seed + scenario + order flow ⇒ same prices and fills.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tws_sim::SimError> {
//! let sim = tws_sim::Simulator::start(tws_sim::SimConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("connect ibapi to {}", sim.local_addr());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod account;
pub mod clock;
pub mod codec;
pub mod config;
pub mod exchange;
pub mod faults;
mod handle;
mod handlers;
pub mod lifecycle;
pub mod market;
pub mod market_access;
pub mod market_rules;
pub mod proto;
pub mod request;
pub mod reset;
pub mod scenario;
mod server;
mod session;
pub mod start;
mod state;
pub mod tap;
pub mod trading_hours;
pub mod tws_settings;
pub mod wire;

pub use config::{BarReplay, Commissions, SimConfig, SymbolSpec};
pub use exchange::{Action, OrderType, SimExecution, SimOrder, Status};
pub use handle::SimHandle;
pub use lifecycle::LifecycleOptions;
pub use market_access::{MarketAccess, SilentStop, Window};
pub use scenario::{FaultKind, PriceStep, Scenario, ScriptedFault};
pub use server::{run_until_ctrl_c, Simulator};
pub use session::FRAME_BODY_TIMEOUT;
pub use start::{StartOrder, StartPosition};
pub use tap::{Direction, WireEvent};
pub use trading_hours::Hours;
pub use tws_settings::CarriedPosition;

use std::net::SocketAddr;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening address could not be bound.
    #[error("cannot bind {0}: {1}")]
    Bind(SocketAddr, String),
    /// The scenario file is unreadable or invalid.
    #[error("scenario: {0}")]
    Scenario(String),
    /// A replay CSV is unreadable or invalid.
    #[error("bar replay: {0}")]
    Replay(String),
    /// The configuration is unusable.
    #[error("config: {0}")]
    Config(String),
    /// Waiting for Ctrl+C failed.
    #[error("signal: {0}")]
    Signal(String),
}
