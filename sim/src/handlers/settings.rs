//! Requests TWS's account and API settings change the answer to: with
//! "Read-Only API" checked, every order request is refused with 321.

use crate::state::{ConnId, SimState};
use crate::tws_settings::{READ_ONLY_CODE, READ_ONLY_TEXT};

impl SimState {
    /// With Read-Only API on: answers an order request (`id` = its order id,
    /// −1 for reqGlobalCancel) with 321 and TWS's text, counts it, and
    /// returns true; nothing else changes. Off: returns false.
    pub(super) fn refused_read_only(&mut self, conn: ConnId, id: i32) -> bool {
        if !self.config.read_only_api {
            return false;
        }
        self.read_only_refusals += 1;
        tracing::info!(conn, id, "refusing an order request: Read-Only API");
        self.send_error(conn, id, READ_ONLY_CODE, READ_ONLY_TEXT);
        true
    }
}
