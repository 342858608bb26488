//! TWS's nightly reset as a paper account meets it: 1100 ("Connectivity
//! between IB and Trader Workstation has been lost"), minutes of silence,
//! then 1102 (data maintained) or 1101 (data lost, subscriptions gone); the
//! executions and statuses of that silence arrive after it.
//!
//! Owns the silence: while it lasts every frame for a client is held, in
//! order, and no bars are sent; when the market clock passes its end the
//! restore notice goes out first, then everything held. Must never drop a
//! held frame or reorder one.

use chrono::{DateTime, Utc};

use crate::state::{ConnId, SimState};

/// A silence in progress.
#[derive(Debug)]
pub struct Silence {
    /// Market-clock time it ends.
    until: DateTime<Utc>,
    /// 1102 (true) or 1101 (false) at the end.
    data_kept: bool,
    /// Frames for clients held until the end, in order.
    held: Vec<(ConnId, Vec<u8>)>,
}

/// IB's 1100 text.
pub const LOST: &str = "Connectivity between IB and Trader Workstation has been lost.";
/// IB's 1102 text.
pub const RESTORED_DATA_KEPT: &str =
    "Connectivity between IB and Trader Workstation has been restored - data maintained.";
/// IB's 1101 text.
pub const RESTORED_DATA_LOST: &str =
    "Connectivity between IB and Trader Workstation has been restored - data lost.";

impl SimState {
    /// Starts a nightly reset now: 1100 to every client, then silence for
    /// `silence` of market clock.
    pub fn nightly_reset(&mut self, silence: std::time::Duration, data_kept: bool) {
        self.broadcast_error(1100, LOST);
        let silence = chrono::Duration::from_std(silence).unwrap_or(chrono::Duration::MAX);
        self.silence = Some(Silence {
            until: self.clock.now_utc() + silence,
            data_kept,
            held: Vec::new(),
        });
    }

    /// Holds `frame` for `conn` when a silence is in progress; otherwise
    /// gives it back to be sent now.
    pub(crate) fn hold(&mut self, conn: ConnId, frame: Vec<u8>) -> Option<Vec<u8>> {
        match &mut self.silence {
            Some(silence) => {
                silence.held.push((conn, frame));
                None
            }
            None => Some(frame),
        }
    }

    /// Whether a silence is in progress (no bars are produced).
    pub fn silent(&self) -> bool {
        self.silence.is_some()
    }

    /// Ends the silence once the market clock has passed it: the restore
    /// notice (1102, or 1101 with market data subscriptions dropped), then
    /// every held frame in order.
    pub(crate) fn end_silence_if_due(&mut self) {
        let due = self
            .silence
            .as_ref()
            .is_some_and(|s| self.clock.now_utc() >= s.until);
        if !due {
            return;
        }
        let Some(silence) = self.silence.take() else {
            return;
        };
        if silence.data_kept {
            self.broadcast_error(1102, RESTORED_DATA_KEPT);
        } else {
            for c in self.conns.values_mut() {
                c.mkt.clear();
                c.rt_bars.clear();
            }
            self.broadcast_error(1101, RESTORED_DATA_LOST);
        }
        for (conn, frame) in silence.held {
            self.send(conn, frame);
        }
    }
}
