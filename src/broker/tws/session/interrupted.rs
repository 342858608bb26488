//! [`StartInterrupted`]: the operator stopped the bot before it traded —
//! during the connect (TWS accepting the socket but not answering the
//! handshake, or slow to) or during the start-up reads and reconciliation.
//!
//! Owns the rule for that case: nothing connected → nothing to undo; once
//! connected, the start-up is abandoned and the bot's own orders at TWS (its
//! client id, its orderRef prefix, its strategies' symbols — what a normal
//! shutdown cancels) are cancelled, bounded by `cancel_timeout_secs`, with
//! the manual commands' [`cancel_in_scope`]. Positions are left as they
//! are: a start-up that never traded did not open them. Must never send
//! anything but those cancels.

use std::fmt;
use std::time::Duration;

use ibapi::Client;

use crate::broker::tws::manual::{cancel_in_scope, CancelReport, ManualError, Scope};
use crate::domain::AccountId;
use crate::shutdown::{ShutdownListener, ShutdownStage};

/// A start-up stopped by a shutdown request, and what was done about it.
#[derive(Debug)]
pub struct StartInterrupted {
    /// What the start-up was doing: `connecting` or `reconciling`.
    pub during: &'static str,
    /// The cancel of the bot's own orders; `None` when nothing was
    /// connected (so nothing could have been sent).
    pub cancel: Option<Result<CancelReport, ManualError>>,
}

impl StartInterrupted {
    /// Stopped while connecting: nothing was sent.
    pub(super) fn connecting() -> Self {
        Self {
            during: "connecting",
            cancel: None,
        }
    }

    /// Stopped once connected: cancels the bot's own orders in `scope`
    /// within `timeout`, then disconnects.
    pub(super) async fn reconciling(
        client: &Client,
        account: &AccountId,
        scope: &Scope,
        timeout: Duration,
    ) -> Self {
        tracing::warn!("shutdown requested during start-up: reconciliation abandoned, cancelling the bot's own orders");
        let cancel = cancel_in_scope(client, account.expose(), scope, timeout).await;
        client.disconnect().await;
        Self {
            during: "reconciling",
            cancel: Some(cancel),
        }
    }

    /// True when nothing of the bot's can be left working: nothing was
    /// connected, or TWS confirmed none of its orders open.
    pub fn confirmed(&self) -> bool {
        match &self.cancel {
            None => true,
            Some(Ok(report)) => report.is_clean(),
            Some(Err(_)) => false,
        }
    }
}

impl fmt::Display for StartInterrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== first-trading-app: start-up interrupted ===")?;
        writeln!(
            f,
            "shutdown requested while {}: nothing was traded",
            self.during
        )?;
        match &self.cancel {
            None => writeln!(f, "not connected: no order was sent"),
            Some(Ok(report)) => report.body(f),
            Some(Err(error)) => writeln!(
                f,
                "cancel of the bot's orders FAILED: {error} — check TWS, or run `first-trading-app cancel-all`"
            ),
        }
    }
}

/// Waits until a shutdown is requested; never returns when the signal side
/// is gone without one.
pub(super) async fn requested(stop: &mut ShutdownListener) {
    stop.reached(ShutdownStage::Shutdown).await;
    if stop.stage() < ShutdownStage::Shutdown {
        std::future::pending::<()>().await;
    }
}
