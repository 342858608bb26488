//! Strategies: the `Strategy` trait, the registry (kind name → constructor),
//! indicators and the built-in strategies. A strategy never talks to the broker.

pub mod config;
