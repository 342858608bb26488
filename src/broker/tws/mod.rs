//! The live edge: the `ibapi` async client over TCP to TWS / IB Gateway (or
//! tws-sim). [`session::LiveSession`] owns a trading session; the pure parts
//! it relies on — [`order_book`] (ids, de-duplication, update decoding),
//! [`wire`] (value decoding), [`account`] (the account check), [`audit`] (our orders against TWS's
//! list) — hold no
//! client and are unit-tested; [`sender`] is the only place that places or
//! cancels an order. Must never decide what to trade.

pub mod account;
pub mod audit;
pub mod connect;
pub mod history;
pub mod manual;
pub mod market_data;
pub mod order_book;
pub mod orders;
pub mod pacing;
pub mod pnl;
pub mod reads;
pub mod reconcile;
pub mod recorder;
pub mod sender;
pub mod session;
pub mod snapshot;
pub mod ticks;
pub mod warmup;
pub mod wire;

pub use connect::{connect, ConnectError};
