//! The session's feed tasks (one real-time bar stream per symbol, IB's PnL)
//! and how they end: on [`Feeds::stop`] each task drops its subscription —
//! `ibapi` cancels it at TWS — and is joined, never aborted mid-message.
//!
//! Owns the tasks' lifetime, the account's market-data lines and the feeds'
//! health: a bar subscription takes a line from [`MarketDataLines`] before
//! it is started (IB refuses the line after the last with error 101), and
//! its task gives it back when it ends — by itself (a symbol TWS refuses for
//! good) or when the feeds stop; every bar feed reports its state to the
//! one [`MarketDataHealth`] read by the status line and the final report.
//! What a feed does is `market_data.rs` and `pnl.rs`.
//! Must never be awaited on the trading path except through [`next`], which
//! never busy-loops on a closed channel.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::broker::tws::market_data::MarketDataHealth;
use crate::broker::tws::pacing::{Line, LinesExhausted, MarketDataLines};

/// How long stopping waits for the feeds to wind down before it gives up
/// on them (they are then dropped with the runtime).
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The running feed tasks.
pub(super) struct Feeds {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    lines: Arc<Mutex<MarketDataLines>>,
    health: MarketDataHealth,
}

/// A line held by a running subscription task: handed back when the task
/// ends, however it ends (finished, stopped, or dropped with the runtime).
struct HeldLine {
    lines: Arc<Mutex<MarketDataLines>>,
    line: Option<Line>,
}

impl Drop for HeldLine {
    fn drop(&mut self) {
        if let Some(line) = self.line.take() {
            self.lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .close(line);
        }
    }
}

impl Feeds {
    /// No feed yet; subscriptions may take up to `lines` market-data lines.
    pub(super) fn new(lines: MarketDataLines) -> Self {
        Self {
            stop: watch::Sender::new(false),
            tasks: JoinSet::new(),
            lines: Arc::new(Mutex::new(lines)),
            health: MarketDataHealth::default(),
        }
    }

    /// Runs a market data subscription `feed` on a line of its own.
    ///
    /// # Errors
    /// [`LinesExhausted`] when every line is in use: nothing is started.
    pub(super) fn spawn_subscription(
        &mut self,
        feed: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), LinesExhausted> {
        let line = self
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_open()?;
        let held = HeldLine {
            lines: Arc::clone(&self.lines),
            line: Some(line),
        };
        self.spawn(async move {
            let _held = held;
            feed.await;
        });
        Ok(())
    }

    /// Runs `feed` until it ends by itself or [`Feeds::stop`] is called, in
    /// the caller's span (so its lines name the session's client id).
    pub(super) fn spawn(&mut self, feed: impl Future<Output = ()> + Send + 'static) {
        let mut stop = self.stop.subscribe();
        self.tasks.spawn(
            async move {
                tokio::select! {
                    _ = stop.wait_for(|stopped| *stopped) => {}
                    () = feed => {}
                }
            }
            .in_current_span(),
        );
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

    /// The bar feeds' states (a clone shares them).
    pub(super) fn health(&self) -> &MarketDataHealth {
        &self.health
    }

    /// Market-data lines in use by the feeds.
    pub(super) fn lines_in_use(&self) -> u32 {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_use()
    }
}

/// Sleeps until `at`; never wakes when there is nothing to wait for.
pub(super) async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next tick of an optional interval; never resolves without one.
pub(super) async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
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

#[cfg(test)]
#[path = "feeds_tests.rs"]
mod tests;
