//! Our own prost message structs for the TWS API protobuf schema.
//!
//! Each struct declares only the fields the simulator reads or writes; the
//! field numbers come from IBKR's published schema (the interface both sides
//! agree on). prost skips fields a struct does not declare, so a client that
//! sends more than we model is still decoded correctly. Split by domain:
//! [`common`] (session, errors, contracts), [`market`] (ticks and bars),
//! [`orders`] (orders, executions, commissions) and [`account`].

pub mod account;
pub mod common;
pub mod market;
pub mod orders;

pub use account::*;
pub use common::*;
pub use market::*;
pub use orders::*;
