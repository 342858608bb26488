//! [`WireEvent`]s: the instant a chosen message crossed the socket — a frame
//! written to a client (once `write_all` has returned) or read from one (once
//! its whole body is in) — for latency measurements such as the bot's
//! `examples/tick_to_order.rs` (bar written → placeOrder read).
//!
//! Owns only the tap; it never changes, delays or drops a frame. Until
//! [`SimHandle::tap_wire`](crate::SimHandle::tap_wire) is called, each frame
//! costs one atomic load here.

use std::time::Instant;

use tokio::sync::mpsc;

use crate::codec::split_message;
use crate::state::ConnId;

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Written by the simulator to a client.
    Written,
    /// Read by the simulator from a client.
    Read,
}

/// One tapped frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireEvent {
    /// The connection (the order in which clients connected, from 1).
    pub conn: ConnId,
    /// Written or read.
    pub direction: Direction,
    /// The TWS message id (e.g. 50 = real-time bar written, 3 = placeOrder
    /// read; `tws_sim::wire::id` lists the outgoing ones).
    pub message_id: i32,
    /// When the write returned or the read completed.
    pub at: Instant,
}

/// The installed tap: the message ids to report in each direction and where.
#[derive(Debug)]
pub(crate) struct WireTap {
    written: Vec<i32>,
    read: Vec<i32>,
    tx: mpsc::UnboundedSender<WireEvent>,
}

impl WireTap {
    pub(crate) fn new(written: &[i32], read: &[i32]) -> (Self, mpsc::UnboundedReceiver<WireEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let tap = Self {
            written: written.to_vec(),
            read: read.to_vec(),
            tx,
        };
        (tap, rx)
    }

    /// A whole outgoing frame (length prefix included) was written to `conn`.
    pub(crate) fn frame_written(&self, conn: ConnId, frame: &[u8]) {
        let at = Instant::now();
        if let Some(body) = frame.get(4..) {
            self.report(conn, Direction::Written, body, at);
        }
    }

    /// A whole incoming frame body (no length prefix) was read from `conn`.
    pub(crate) fn body_read(&self, conn: ConnId, body: &[u8]) {
        self.report(conn, Direction::Read, body, Instant::now());
    }

    fn report(&self, conn: ConnId, direction: Direction, body: &[u8], at: Instant) {
        let Ok((message_id, _)) = split_message(body) else {
            return;
        };
        let wanted = match direction {
            Direction::Written => &self.written,
            Direction::Read => &self.read,
        };
        if wanted.contains(&message_id) {
            // The receiver may be gone (measurement over): nothing to report to.
            let _ = self.tx.send(WireEvent {
                conn,
                direction,
                message_id,
                at,
            });
        }
    }
}
