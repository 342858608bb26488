//! Edges that turn engine commands into broker requests and broker messages into events.

pub mod codes;
pub mod fill_model;
pub mod tws;
