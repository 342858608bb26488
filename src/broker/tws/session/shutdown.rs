//! The emergency shutdown (first Ctrl+C / SIGTERM): stop strategies, HALT,
//! cancel every order of ours at TWS, one by one, and wait — bounded — until
//! TWS confirms none of ours is left; on `--flatten-on-exit` or a second
//! Ctrl+C, also close every position the bot manages; then report. Orders and
//! positions that are not ours are never touched, only listed. Works while market data is busy (the feeds are stopped first)
//! and while disconnected (every TWS read is bounded by the remaining time,
//! and the report says what could not be confirmed).
//!
//! Order updates that arrive meanwhile go through the session's one
//! order-update glue ([`LiveSession::on_order_update`]), exactly as while
//! trading. Must never fail: what could not be confirmed is said in the report.

use std::time::Duration;

use ibapi::orders::OrderUpdate;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::Subscription;
use ibapi::Client;
use tokio::time::Instant;

use super::{LiveSession, SessionReport};
use crate::broker::tws::reads::is_foreign;
use crate::broker::tws::snapshot::{self, BrokerOrder, BrokerPosition};
use crate::risk::HaltCause;
use crate::shutdown::{ShutdownListener, ShutdownStage};

/// How often TWS is asked whether anything is still open.
const POLL: Duration = Duration::from_millis(300);

/// How long the shutdown waits for a second Ctrl+C when positions remain
/// open after every order is cancelled (never beyond the cancel timeout).
/// Cancels confirm in milliseconds, so without it a second Ctrl+C pressed
/// promptly would usually find the process gone.
pub const FLATTEN_GRACE: Duration = Duration::from_millis(1500);

/// At least this long for each final read, even past the deadline, so a
/// report never says "unknown" only because the timeout was spent waiting.
const MIN_READ: Duration = Duration::from_secs(2);

/// What a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    NoOpenOrders,
    Flat,
}

impl LiveSession {
    /// Runs the emergency shutdown and returns its report.
    pub(super) async fn shut_down(
        &mut self,
        orders: &mut Subscription<OrderUpdate>,
        stop: &mut ShutdownListener,
    ) -> SessionReport {
        let now = self.recorder.now();
        self.engine.stop_strategies();
        self.engine.halt(HaltCause::Shutdown, now, &mut self.out);
        let deadline = Instant::now() + self.options.cancel_timeout;
        let (open_left, flattened) = if self.options.read_only {
            tracing::warn!("read-only: shutdown cancels nothing");
            self.out.commands.clear();
            (count_open(&self.client, deadline).await, false)
        } else {
            self.cancel_then_maybe_flatten(orders, stop, deadline).await
        };
        // Late fills and statuses still in flight reach the engine and the journal.
        self.drain_updates(orders, Duration::from_millis(500)).await;
        self.report(open_left, flattened, deadline).await
    }

    /// Cancels every order and waits for TWS to confirm; then flattens when
    /// configured or asked by a second Ctrl+C. Returns the open orders left
    /// (when known) and whether it flattened.
    async fn cancel_then_maybe_flatten(
        &mut self,
        orders: &mut Subscription<OrderUpdate>,
        stop: &mut ShutdownListener,
        deadline: Instant,
    ) -> (Option<usize>, bool) {
        tracing::warn!("emergency shutdown: cancelling every order of ours, one by one");
        self.engine.cancel_all(self.recorder.now(), &mut self.out);
        self.dispatch().await;
        let mut open_left = self.wait_until(orders, deadline, Goal::NoOpenOrders).await;
        let flatten = self.options.flatten_on_exit
            || stop.stage() >= ShutdownStage::Flatten
            || self.second_signal_within_grace(stop, deadline).await;
        if flatten {
            tracing::warn!("flattening every position the bot manages");
            let flatten_deadline = Instant::now() + self.options.cancel_timeout;
            self.engine.flatten_all(self.recorder.now(), &mut self.out);
            self.dispatch().await;
            let _ = self.wait_until(orders, flatten_deadline, Goal::Flat).await;
            open_left = count_open(
                &self.client,
                flatten_deadline.max(Instant::now() + MIN_READ),
            )
            .await;
        }
        (open_left, flatten)
    }

    /// When positions remain open and flattening was not asked for, waits up
    /// to [`FLATTEN_GRACE`] (bounded by `deadline`) for the operator's second
    /// Ctrl+C. Returns whether it came.
    async fn second_signal_within_grace(
        &self,
        stop: &mut ShutdownListener,
        deadline: Instant,
    ) -> bool {
        let open = self.engine.portfolio().open_positions().count();
        if open == 0 {
            return false;
        }
        let grace = FLATTEN_GRACE.min(deadline.saturating_duration_since(Instant::now()));
        tracing::warn!(
            positions = open,
            "positions remain open; press Ctrl+C again within {:.1} s to flatten them too",
            grace.as_secs_f64()
        );
        // `reached` also returns when the signal side is gone: check the stage itself.
        let _ = tokio::time::timeout(grace, stop.reached(ShutdownStage::Flatten)).await;
        stop.stage() >= ShutdownStage::Flatten
    }

    /// Keeps applying order updates and polls TWS until the goal holds or the
    /// deadline passes. Returns the last count of open orders seen.
    async fn wait_until(
        &mut self,
        orders: &mut Subscription<OrderUpdate>,
        deadline: Instant,
        goal: Goal,
    ) -> Option<usize> {
        let mut last_open = None;
        let mut poll = tokio::time::interval(POLL);
        let symbols = self.engine.symbols();
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    tracing::error!(?goal, "shutdown timed out before TWS confirmed everything");
                    return last_open;
                }
                item = orders.next() => self.apply(item).await,
                _ = poll.tick() => {
                    let done = match goal {
                        Goal::NoOpenOrders => {
                            last_open = count_open(&self.client, deadline).await;
                            last_open == Some(0)
                        }
                        Goal::Flat => matches!(
                            tokio::time::timeout_at(deadline, snapshot::positions(&self.client, self.account.expose())).await,
                            Ok(Ok(positions)) if !positions.iter().any(|p| snapshot::is_managed(p, &symbols))
                        ),
                    };
                    if done {
                        return last_open;
                    }
                    if goal == Goal::Flat && self.only_parked_left() {
                        tracing::warn!(orders = %self.parked_lines().join(", "), "the market is closed: the flatten's market orders are held by TWS and execute at the next open; not waiting for them");
                        return last_open;
                    }
                    if goal == Goal::Flat {
                        self.flatten_remainder().await;
                    }
                }
            }
        }
    }

    /// Whether every order of ours still working is parked by TWS until the
    /// open (none will fill before it).
    fn only_parked_left(&self) -> bool {
        let working = self.engine.orders().open_orders().count();
        working > 0 && working == self.parked_lines().len()
    }

    /// While flattening: a fill that landed after the closing orders were
    /// sized (an order in flight at the Ctrl+C) leaves a remainder once every
    /// closing order is done; it is closed too.
    async fn flatten_remainder(&mut self) {
        let in_flight = self.engine.orders().open_orders().count();
        let held = self.engine.portfolio().open_positions().count();
        if in_flight == 0 && held > 0 {
            tracing::warn!(
                positions = held,
                "a late fill left a position after the flatten: closing it too"
            );
            self.engine.flatten_all(self.recorder.now(), &mut self.out);
            self.dispatch().await;
        }
    }

    /// Applies order updates until none arrives for `quiet` (at most 5 × `quiet`).
    async fn drain_updates(&mut self, orders: &mut Subscription<OrderUpdate>, quiet: Duration) {
        let give_up = Instant::now() + quiet * 5;
        while Instant::now() < give_up {
            match tokio::time::timeout(quiet, orders.next()).await {
                Ok(Some(item)) => self.apply(Some(item)).await,
                Ok(None) | Err(_) => return,
            }
        }
    }

    /// One item of the order stream during the shutdown: updates and order
    /// notices take the trading path; a broken stream is not reopened.
    async fn apply(&mut self, item: Option<Result<SubscriptionItem<OrderUpdate>, ibapi::Error>>) {
        match item {
            Some(Ok(SubscriptionItem::Data(update))) => self.on_order_update(&update).await,
            Some(Ok(SubscriptionItem::Notice(notice))) => self.on_order_notice(&notice).await,
            Some(Err(_)) | None => {}
        }
    }

    /// The final report: positions as TWS has them (or the bot's own view
    /// when TWS cannot be read), PnL and the trading state.
    async fn report(
        &self,
        open_left: Option<usize>,
        flattened: bool,
        deadline: Instant,
    ) -> SessionReport {
        let remaining = deadline.max(Instant::now() + MIN_READ);
        let read = snapshot::positions(&self.client, self.account.expose());
        let broker_positions = match tokio::time::timeout_at(remaining, read).await {
            Ok(Ok(positions)) => Some(positions),
            _ => None,
        };
        let portfolio = self.engine.portfolio();
        let positions_confirmed = broker_positions.is_some();
        let symbols = self.engine.symbols();
        let managed_left = broker_positions.as_ref().map(|all| {
            all.iter()
                .filter(|p| snapshot::is_managed(p, &symbols))
                .count()
        });
        let positions = broker_positions.unwrap_or_else(|| {
            portfolio
                .open_positions()
                .map(|p| BrokerPosition::us_stock(p.symbol(), p.quantity(), p.average_cost()))
                .collect()
        });
        let not_ours = open_split(&self.client, remaining)
            .await
            .map(|(_, others)| others)
            .unwrap_or_default();
        SessionReport {
            positions,
            not_ours,
            positions_confirmed,
            open_orders_left: open_left,
            flattened,
            managed_left,
            realized_pnl: portfolio.realized_pnl(),
            unrealized_pnl: portfolio.unrealized_pnl(),
            commissions: portfolio.commissions(),
            state: self.engine.state(),
            // Filled in by run_session from the feeds, which stop first.
            market_data_inactive: Vec::new(),
            parked: self.parked_lines(),
        }
    }
}

/// Open orders of ours at TWS (our `orderRef`), read within `deadline`;
/// `None` when TWS did not answer.
async fn count_open(client: &Client, deadline: Instant) -> Option<usize> {
    open_split(client, deadline)
        .await
        .map(|(ours, _)| ours.len())
}

/// Open orders at TWS split into ours (our `orderRef`) and the others.
async fn open_split(
    client: &Client,
    deadline: Instant,
) -> Option<(Vec<BrokerOrder>, Vec<BrokerOrder>)> {
    match tokio::time::timeout_at(deadline, snapshot::open_orders(client)).await {
        Ok(Ok(orders)) => Some(orders.into_iter().partition(|o| !is_foreign(o))),
        _ => None,
    }
}
