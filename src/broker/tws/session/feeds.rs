//! The session's feed tasks (one real-time bar stream per symbol, IB's PnL)
//! and how they end: on [`Feeds::stop`] each task drops its subscription —
//! `ibapi` cancels it at TWS — and is joined, never aborted mid-message.
//!
//! Owns the tasks' lifetime only; what a feed does is `market_data.rs` and
//! `pnl.rs`. Must never be awaited on the trading path except through
//! [`next`], which never busy-loops on a closed channel.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// How long stopping waits for the feeds to wind down before it gives up
/// on them (they are then dropped with the runtime).
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The running feed tasks.
pub(super) struct Feeds {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Feeds {
    pub(super) fn new() -> Self {
        Self {
            stop: watch::Sender::new(false),
            tasks: JoinSet::new(),
        }
    }

    /// Runs `feed` until it ends by itself or [`Feeds::stop`] is called.
    pub(super) fn spawn(&mut self, feed: impl Future<Output = ()> + Send + 'static) {
        let mut stop = self.stop.subscribe();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => {}
                () = feed => {}
            }
        });
    }

    /// Tells every feed to stop and joins them (bounded by [`STOP_TIMEOUT`]).
    pub(super) async fn stop(&mut self) {
        self.stop.send_replace(true);
        let joined = tokio::time::timeout(STOP_TIMEOUT, async {
            while let Some(result) = self.tasks.join_next().await {
                if let Err(error) = result {
                    tracing::error!(%error, "a market data feed failed");
                }
            }
        })
        .await;
        if joined.is_err() {
            tracing::warn!(
                left = self.tasks.len(),
                "market data feeds did not stop in time"
            );
        }
    }
}

/// The next value of a feed's channel; never resolves once the channel is
/// closed (the channel is then dropped, so `select!` does not spin on it).
pub(super) async fn next<T>(channel: &mut Option<mpsc::Receiver<T>>) -> T {
    loop {
        match channel {
            Some(receiver) => match receiver.recv().await {
                Some(value) => return value,
                None => *channel = None,
            },
            None => std::future::pending().await,
        }
    }
}
