//! The emergency shutdown (first Ctrl+C / SIGTERM): stop strategies, HALT,
//! cancel every order at TWS and wait — bounded — until TWS confirms none is
//! left; on `--flatten-on-exit` or a second Ctrl+C, also close every position;
//! then report. Works while market data is busy (the feeds are stopped first)
//! and while disconnected (every TWS read is bounded by the remaining time,
//! and the report says what could not be confirmed).

use std::fmt;
use std::time::Duration;

use ibapi::orders::OrderUpdate;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::Subscription;
use ibapi::Client;
use rust_decimal::Decimal;
use tokio::time::Instant;

use crate::broker::tws::recorder::Recorder;
use crate::broker::tws::router::{OrderRouter, Translated};
use crate::broker::tws::session::dispatch;
use crate::broker::tws::snapshot::{self, BrokerPosition};
use crate::core::engine::{Engine, Output};
use crate::domain::types::TradingState;
use crate::risk::HaltCause;
use crate::shutdown::{ShutdownListener, ShutdownStage};

/// What the shutdown achieved, printed and logged at exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionReport {
    /// Positions as TWS reports them at the end (or the bot's view when TWS could not be read).
    pub positions: Vec<BrokerPosition>,
    /// Whether `positions` comes from TWS (true) or from the bot's own accounting.
    pub positions_confirmed: bool,
    /// Working orders left in the account (`None` when TWS could not be read).
    pub open_orders_left: Option<usize>,
    /// Whether positions were flattened on exit.
    pub flattened: bool,
    /// Realized PnL of the session, before commissions.
    pub realized_pnl: Decimal,
    /// Unrealized PnL at the last marks.
    pub unrealized_pnl: Decimal,
    /// Commissions paid.
    pub commissions: Decimal,
    /// Trading state at exit.
    pub state: TradingState,
}

impl SessionReport {
    /// Day PnL: realized + unrealized − commissions.
    pub fn day_pnl(&self) -> Decimal {
        self.realized_pnl + self.unrealized_pnl - self.commissions
    }
}

impl fmt::Display for SessionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== first-trading-app: final report ===")?;
        writeln!(f, "trading state:    {}", self.state)?;
        match self.open_orders_left {
            Some(0) => writeln!(f, "open orders left: 0 (every order confirmed cancelled)")?,
            Some(n) => writeln!(
                f,
                "open orders left: {n} — CANCEL THEM IN TWS (see SECURITY.md)"
            )?,
            None => writeln!(f, "open orders left: UNKNOWN (TWS unreachable) — check TWS")?,
        }
        let source = if self.positions_confirmed {
            "TWS"
        } else {
            "bot's own accounting, TWS unreachable"
        };
        if self.positions.is_empty() {
            writeln!(f, "positions ({source}): flat")?;
        } else {
            writeln!(f, "positions ({source}):")?;
            for p in &self.positions {
                writeln!(
                    f,
                    "  {:<6} {:>10} @ {}",
                    p.symbol.as_str(),
                    p.quantity,
                    p.average_cost.round_dp(4)
                )?;
            }
        }
        if self.flattened {
            writeln!(f, "flatten on exit:  requested")?;
        }
        writeln!(
            f,
            "day PnL:          {} (realized {}, unrealized {}, commissions {})",
            self.day_pnl().round_dp(2),
            self.realized_pnl.round_dp(2),
            self.unrealized_pnl.round_dp(2),
            self.commissions.round_dp(2)
        )
    }
}

/// How often TWS is asked whether anything is still open.
const POLL: Duration = Duration::from_millis(300);

/// How long the shutdown waits for a second Ctrl+C when positions remain
/// open after every order is cancelled (never beyond the cancel timeout).
/// Cancels confirm in milliseconds, so without it a second Ctrl+C pressed
/// promptly would usually find the process gone.
pub const FLATTEN_GRACE: Duration = Duration::from_millis(1500);

/// When positions remain open and flattening was not asked for, waits up to
/// [`FLATTEN_GRACE`] (bounded by `deadline`) for the operator's second
/// Ctrl+C. Returns whether it came.
async fn second_signal_within_grace(
    engine: &Engine,
    shutdown: &mut ShutdownListener,
    deadline: Instant,
) -> bool {
    let open = engine.portfolio().open_positions().count();
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
    let _ = tokio::time::timeout(grace, shutdown.reached(ShutdownStage::Flatten)).await;
    shutdown.stage() >= ShutdownStage::Flatten
}

/// Runs the emergency shutdown and returns its report. Never fails: what
/// could not be confirmed is said in the report.
#[allow(clippy::too_many_arguments)]
pub async fn emergency_shutdown(
    client: &Client,
    account: &str,
    engine: &mut Engine,
    router: &mut OrderRouter,
    orders: &mut Subscription<OrderUpdate>,
    recorder: &mut Recorder,
    shutdown: &mut ShutdownListener,
    flatten_on_exit: bool,
    timeout: Duration,
    read_only: bool,
) -> SessionReport {
    let now = recorder.now();
    let mut out = Output::default();
    engine.stop_strategies();
    engine.halt(HaltCause::Shutdown, now, &mut out);
    let deadline = Instant::now() + timeout;
    let mut open_left = None;
    let mut flattened = false;
    if read_only {
        tracing::warn!("read-only: shutdown cancels nothing");
        out.commands.clear();
        open_left = count_open(client, account, deadline).await;
    } else {
        tracing::warn!("emergency shutdown: cancelling every order");
        engine.cancel_all(now, &mut out);
        dispatch(router, engine, recorder, &mut out).await;
        open_left = wait_until(
            client,
            account,
            engine,
            router,
            orders,
            recorder,
            deadline,
            Goal::NoOpenOrders,
        )
        .await
        .or(open_left);
        let flatten = flatten_on_exit
            || shutdown.stage() >= ShutdownStage::Flatten
            || second_signal_within_grace(engine, shutdown, deadline).await;
        if flatten {
            tracing::warn!("flattening every position");
            flattened = true;
            let flatten_deadline = Instant::now() + timeout;
            engine.flatten_all(recorder.now(), &mut out);
            dispatch(router, engine, recorder, &mut out).await;
            let _ = wait_until(
                client,
                account,
                engine,
                router,
                orders,
                recorder,
                flatten_deadline,
                Goal::Flat,
            )
            .await;
            open_left = count_open(
                client,
                account,
                flatten_deadline.max(Instant::now() + Duration::from_secs(2)),
            )
            .await;
        }
    }
    // Late fills and statuses still in flight reach the engine and the journal.
    drain_updates(engine, router, orders, recorder, Duration::from_millis(500)).await;
    let remaining = deadline.max(Instant::now() + Duration::from_secs(2));
    let broker_positions =
        match tokio::time::timeout_at(remaining, snapshot::positions(client, account)).await {
            Ok(Ok(positions)) => Some(positions),
            _ => None,
        };
    let portfolio = engine.portfolio();
    let positions_confirmed = broker_positions.is_some();
    let positions = broker_positions.unwrap_or_else(|| {
        portfolio
            .open_positions()
            .map(|p| BrokerPosition {
                symbol: p.symbol(),
                quantity: p.quantity(),
                average_cost: p.average_cost(),
            })
            .collect()
    });
    SessionReport {
        positions,
        positions_confirmed,
        open_orders_left: open_left,
        flattened,
        realized_pnl: portfolio.realized_pnl(),
        unrealized_pnl: portfolio.unrealized_pnl(),
        commissions: portfolio.commissions(),
        state: engine.state(),
    }
}

/// Journals one order update and applies it to the engine; whatever the
/// engine answers (after a halt: only cancels) is sent.
async fn apply_update(
    update: &OrderUpdate,
    engine: &mut Engine,
    router: &mut OrderRouter,
    recorder: &mut Recorder,
    out: &mut Output,
) {
    let now = recorder.now();
    recorder.on_update(update, |ib, r| router.lookup(ib, r), now);
    if let Translated::Event(event) = router.translate(update, now) {
        engine.on_broker(&event, now, out);
        dispatch(router, engine, recorder, out).await;
    }
}

/// Applies order updates until none arrives for `quiet` (at most 5 × `quiet`).
async fn drain_updates(
    engine: &mut Engine,
    router: &mut OrderRouter,
    orders: &mut Subscription<OrderUpdate>,
    recorder: &mut Recorder,
    quiet: Duration,
) {
    let mut out = Output::default();
    let give_up = Instant::now() + quiet * 5;
    while Instant::now() < give_up {
        match tokio::time::timeout(quiet, orders.next()).await {
            Ok(Some(Ok(SubscriptionItem::Data(update)))) => {
                apply_update(&update, engine, router, recorder, &mut out).await;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    NoOpenOrders,
    Flat,
}

async fn count_open(client: &Client, account: &str, deadline: Instant) -> Option<usize> {
    let _ = account;
    match tokio::time::timeout_at(deadline, snapshot::open_orders(client)).await {
        Ok(Ok(orders)) => Some(orders.len()),
        _ => None,
    }
}

/// Keeps applying order updates to the engine and polls TWS until the goal
/// holds or the deadline passes. Returns the last count of open orders seen.
#[allow(clippy::too_many_arguments)] // the session's parts, borrowed for the wait
async fn wait_until(
    client: &Client,
    account: &str,
    engine: &mut Engine,
    router: &mut OrderRouter,
    orders: &mut Subscription<OrderUpdate>,
    recorder: &mut Recorder,
    deadline: Instant,
    goal: Goal,
) -> Option<usize> {
    let mut out = Output::default();
    let mut last_open = None;
    let mut poll = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {
                tracing::error!(?goal, "shutdown timed out before TWS confirmed everything");
                return last_open;
            }
            update = orders.next() => {
                if let Some(Ok(SubscriptionItem::Data(update))) = update {
                    apply_update(&update, engine, router, recorder, &mut out).await;
                }
            }
            _ = poll.tick() => {
                let done = match goal {
                    Goal::NoOpenOrders => {
                        last_open = count_open(client, account, deadline).await;
                        last_open == Some(0)
                    }
                    Goal::Flat => matches!(
                        tokio::time::timeout_at(deadline, snapshot::positions(client, account)).await,
                        Ok(Ok(positions)) if positions.is_empty()
                    ),
                };
                if done {
                    return last_open;
                }
            }
        }
    }
}
