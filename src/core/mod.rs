//! The sans-IO engine core: no tokio, no sockets, no clock of its own. Time
//! arrives with each event, so every decision is reproducible.

pub mod bars;
pub mod engine;
pub mod event;
pub mod order_manager;
pub mod slot;
