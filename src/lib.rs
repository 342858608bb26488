//! `first-trading-app`: an automated trading bot for Interactive Brokers.
//!
//! A deterministic, synchronous core (strategies → risk gate → order manager →
//! portfolio) driven by interchangeable edges: TWS over the `ibapi` client, the
//! embedded `tws-sim` simulator, and the backtester.
//!
//! Layers, lowest first, each importing only those below it (checked by
//! `tests/layers.rs`): [`domain`] (the vocabulary; imports nothing of ours) →
//! [`risk`] and [`strategy`] → [`core`] (the engine) → [`settings`] and the
//! edges ([`broker`], [`backtest`], [`journal`], [`notify`], [`cli`]).

#![forbid(unsafe_code)]

pub mod backtest;
pub mod broker;
pub mod cli;
pub mod console;
pub mod control;
pub mod core;
pub mod dashboard;
pub mod domain;
pub mod failpoint;
pub mod journal;
pub mod notify;
pub mod redact;
pub mod risk;
pub mod settings;
pub mod shutdown;
pub mod strategy;
