//! Reconciling with TWS until it agrees: after a reconnect, a 1102, a
//! broken order stream or an unacknowledged order. A reconciliation that
//! fails (TWS does not answer) or finds positions TWS and the bot disagree
//! on (executions still on their way after a reset) is retried with
//! back-off — 1 s, 2 s, 4 s … at most 30 s apart — while nothing new is
//! traded; only when TWS still disagrees after the configured patience does
//! trading halt. Must never trade while a retry is pending.

use std::time::{Duration, Instant};

use super::{start, LiveSession};
use crate::risk::HaltCause;

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A reconciliation that failed and will be tried again.
#[derive(Debug, Clone, Copy)]
pub(super) struct Retry {
    /// Attempts that failed so far.
    attempts: u32,
    /// When the first of them failed.
    since: Instant,
    /// When to try again.
    pub(super) at: tokio::time::Instant,
}

impl LiveSession {
    /// Reconciles with TWS; true when TWS and the bot agree. Otherwise a
    /// retry is scheduled (nothing is traded meanwhile), or, past the
    /// patience, trading halts.
    pub(super) async fn reconcile(&mut self) -> bool {
        start::sync_clock(&self.client, &mut self.recorder).await;
        let why = match self.reconcile_after_reconnect().await {
            Ok(differences) if differences.is_empty() => None,
            Ok(differences) => Some(
                differences
                    .iter()
                    .map(|(symbol, tws, bot)| format!("{symbol}: TWS {tws}, bot {bot}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Err(error) => Some(error.to_string()),
        };
        let agreed = match why {
            None => {
                if self.retry.take().is_some() {
                    tracing::warn!("reconciliation succeeded: TWS and the bot agree again");
                }
                true
            }
            Some(why) => {
                self.reconcile_failed(&why);
                false
            }
        };
        self.dispatch().await;
        agreed
    }

    /// Schedules the next attempt, or halts once TWS has disagreed for
    /// longer than the patience.
    fn reconcile_failed(&mut self, why: &str) {
        let since = self.retry.map_or_else(Instant::now, |r| r.since);
        let attempts = self.retry.map_or(1, |r| r.attempts + 1);
        if since.elapsed() >= self.reconcile_patience {
            tracing::error!(attempts, why, "reconciliation failed for too long: trading halted — check TWS, then restart with --operator-reset once it is understood");
            self.retry = None;
            self.connected = true;
            self.engine
                .halt(HaltCause::Engine, self.recorder.now(), &mut self.out);
            return;
        }
        let wait = Duration::from_secs(1 << (attempts - 1).min(5)).min(MAX_BACKOFF);
        tracing::warn!(attempts, why, retry_in = ?wait, "reconciliation failed: no new orders until TWS and the bot agree; trying again");
        self.connected = false;
        self.retry = Some(Retry {
            attempts,
            since,
            at: tokio::time::Instant::now() + wait,
        });
    }
}
