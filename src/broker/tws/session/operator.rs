//! The session's side of the operator's remote tools ([`crate::control`]):
//! counting what happens (orders, fills, refusals, gate decisions, decision
//! latency), publishing a [`Snapshot`] once a second, and carrying out an
//! operator's [`Command`] through the engine's own paths — the same halt,
//! reset, reduce-only, cancel and flatten as Ctrl+C and the CLI — journaling
//! each with its outcome.
//!
//! Must never block the session: publishing is a `watch` send (readers never
//! hold the session), counting is arithmetic on preallocated state.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use tokio::sync::watch;

use super::feeds::Feeds;
use super::LiveSession;
use crate::broker::tws::market_data::FeedState;
use crate::control::{
    Command, ControlRequest, Counters, EquityPoint, FeedView, ForeignOrderView, OrderView, Outcome,
    PnlView, PositionUsage, PositionView, RiskUsage, Snapshot, StrategyView, EQUITY_POINTS,
    LATENCY_BOUNDS_NS,
};
use crate::core::order_manager::Command as OrderCommand;
use crate::domain::types::{Symbol, TradingState};
use crate::journal::OperatorActionRecord;
use crate::risk::{HaltCause, RiskLimits};

/// What the session keeps for its operators.
pub(in crate::broker::tws) struct Operator {
    /// Where snapshots go (`None`: no dashboard; counting still happens).
    snapshots: Option<watch::Sender<Snapshot>>,
    /// `PAPER` / `LIVE`.
    mode: String,
    /// The running strategies, as shown.
    strategies: Vec<StrategyView>,
    limits: RiskLimits,
    counters: Counters,
    /// When each bar of a symbol last ended.
    last_bars: Vec<(Symbol, DateTime<Utc>)>,
    /// When orders were sent, for the last second's rate.
    sends: VecDeque<Instant>,
    curve: Vec<EquityPoint>,
}

impl Operator {
    /// Counting for a session of `mode` trading `strategies` under `limits`.
    pub(super) fn new(
        snapshots: Option<watch::Sender<Snapshot>>,
        mode: String,
        strategies: Vec<StrategyView>,
        limits: RiskLimits,
    ) -> Self {
        let counters = Counters {
            decision_latency_buckets: vec![0; LATENCY_BOUNDS_NS.len() + 1],
            ..Counters::default()
        };
        Self {
            snapshots,
            mode,
            strategies,
            limits,
            counters,
            last_bars: Vec::new(),
            sends: VecDeque::with_capacity(64),
            curve: Vec::with_capacity(EQUITY_POINTS),
        }
    }

    /// From now on, snapshots go to `snapshots`.
    pub(super) fn attach(&mut self, snapshots: watch::Sender<Snapshot>) {
        self.snapshots = Some(snapshots);
    }

    /// Whether anyone reads the snapshots.
    pub(super) fn publishing(&self) -> bool {
        self.snapshots.is_some()
    }

    /// A market event for `symbol` ending at `end` took `took` to decide on.
    pub(super) fn on_market(&mut self, symbol: Symbol, end: DateTime<Utc>, took: Duration) {
        let c = &mut self.counters;
        c.market_events += 1;
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        c.decision_latency_sum_ns = c.decision_latency_sum_ns.saturating_add(ns);
        let bucket = LATENCY_BOUNDS_NS
            .iter()
            .position(|&bound| ns <= bound)
            .unwrap_or(LATENCY_BOUNDS_NS.len());
        c.decision_latency_buckets[bucket] += 1;
        match self.last_bars.iter_mut().find(|(s, _)| *s == symbol) {
            Some(entry) => entry.1 = entry.1.max(end),
            None => self.last_bars.push((symbol, end)),
        }
    }

    /// The risk gate decided: `code` is `approved` or the refusal's reason code.
    pub(super) fn on_decision(&mut self, code: &'static str) {
        *self.counters.gate_decisions.entry(code).or_insert(0) += 1;
    }

    /// `orders` orders went out to TWS.
    pub(super) fn on_sent(&mut self, orders: usize) {
        self.counters.orders_sent += orders as u64;
        let now = Instant::now();
        while self.sends.len() >= 64 {
            self.sends.pop_front();
        }
        self.sends.push_back(now);
    }

    /// A fill was applied.
    pub(super) fn on_fill(&mut self) {
        self.counters.fills += 1;
    }

    /// TWS refused an order of ours with `code`.
    pub(super) fn on_broker_reject(&mut self, code: i32) {
        *self.counters.broker_rejects.entry(code).or_insert(0) += 1;
    }

    /// The link to IB came back and the session reconciled.
    pub(super) fn on_reconnect(&mut self) {
        self.counters.reconnects += 1;
    }

    fn orders_last_second(&self) -> u32 {
        let since = Instant::now().checked_sub(Duration::from_secs(1));
        let recent = self
            .sends
            .iter()
            .filter(|&&at| since.is_none_or(|s| at >= s))
            .count();
        u32::try_from(recent).unwrap_or(u32::MAX)
    }

    /// Adds today's equity at `at`, one point a minute; a new day starts a new curve.
    fn note_equity(&mut self, at: DateTime<Utc>, equity: Decimal) {
        if let Some(last) = self.curve.last() {
            if crate::domain::calendar::trading_day(last.at)
                != crate::domain::calendar::trading_day(at)
            {
                self.curve.clear();
            } else if at - last.at < chrono::TimeDelta::minutes(1) {
                return;
            }
        }
        if self.curve.len() >= EQUITY_POINTS {
            self.curve.remove(0);
        }
        self.curve.push(EquityPoint { at, equity });
    }
}

impl LiveSession {
    /// Publishes the session as it is now (a no-op without a dashboard).
    pub(super) fn publish(&mut self, feeds: &Feeds) {
        if !self.operator.publishing() {
            return;
        }
        let now = self.recorder.now();
        let pnl = self.pnl_view();
        self.operator.note_equity(now, pnl.equity);
        let snapshot = Snapshot {
            at: Some(now),
            mode: self.operator.mode.clone(),
            account: self.account.to_string(),
            state: self.engine.state().to_string(),
            state_reason: self.state_reason(),
            connected: self.connected,
            read_only: self.options.read_only,
            market_data: self.feed_views(feeds, now),
            strategies: self.operator.strategies.clone(),
            positions: self.position_views(),
            orders: self.order_views(),
            not_ours: self.not_ours.iter().map(foreign_view).collect(),
            risk: self.risk_usage(&pnl),
            pnl,
            counters: Counters {
                notifications_sent: self.notifier.sent(),
                notifications_failed: self.notifier.failed(),
                notifications_dropped: self.notifier.dropped(),
                ..self.operator.counters.clone()
            },
            equity_curve: self.operator.curve.clone(),
        };
        if let Some(tx) = &self.operator.snapshots {
            tx.send_replace(snapshot);
        }
    }

    fn state_reason(&self) -> Option<String> {
        match (self.engine.state(), self.engine.halt_cause()) {
            (TradingState::Active, _) => None,
            (_, Some(cause)) => Some(cause.to_string()),
            (TradingState::Reducing, None) => {
                Some("reduce-only: exposure-reducing orders only".to_string())
            }
            (TradingState::Halted, None) => Some("halted".to_string()),
        }
    }

    fn feed_views(&self, feeds: &Feeds, now: DateTime<Utc>) -> Vec<FeedView> {
        let health = feeds.health().snapshot();
        self.engine
            .symbols()
            .into_iter()
            .map(|symbol| {
                let last_bar = self
                    .operator
                    .last_bars
                    .iter()
                    .find(|(s, _)| *s == symbol)
                    .map(|&(_, at)| at);
                let (state, reason) = match health.get(&symbol) {
                    None | Some(FeedState::Streaming) => ("streaming", None),
                    Some(FeedState::Retrying(r)) => {
                        ("retrying", r.map(|r| format!("{}: {}", r.label(), r.fix())))
                    }
                    Some(FeedState::Inactive(r)) => {
                        ("inactive", Some(format!("{}: {}", r.label(), r.fix())))
                    }
                };
                FeedView {
                    symbol: symbol.to_string(),
                    state,
                    reason,
                    last_bar,
                    lag_secs: last_bar.map(|at| (now - at).num_seconds()),
                }
            })
            .collect()
    }

    fn position_views(&self) -> Vec<PositionView> {
        let portfolio = self.engine.portfolio();
        portfolio
            .open_positions()
            .map(|p| {
                let last = portfolio.last_price(p.symbol());
                PositionView {
                    symbol: p.symbol().to_string(),
                    quantity: p.quantity(),
                    average_cost: p.average_cost(),
                    last_price: last,
                    unrealized_pnl: last.map(|price| (price - p.average_cost()) * p.quantity()),
                    managed: !self.engine.is_left_alone(p.symbol()),
                }
            })
            .collect()
    }

    fn order_views(&self) -> Vec<OrderView> {
        self.engine
            .orders()
            .open_orders()
            .map(|o| OrderView {
                order_ref: o.ticket.id().to_string(),
                symbol: o.ticket.symbol().to_string(),
                side: o.ticket.side().to_string(),
                kind: o.ticket.kind().to_string(),
                quantity: o.ticket.quantity(),
                filled: o.filled,
                state: format!("{:?}", o.state).to_lowercase(),
                leg: format!("{:?}", o.ticket.id().leg()).to_lowercase(),
            })
            .collect()
    }

    fn pnl_view(&self) -> PnlView {
        let portfolio = self.engine.portfolio();
        let account = self.engine.account();
        let net = portfolio.net_pnl() - account.start_of_day_pnl;
        PnlView {
            realized: portfolio.realized_pnl(),
            unrealized: portfolio.unrealized_pnl(),
            commissions: portfolio.commissions(),
            net,
            start_of_day_equity: account.start_of_day_equity,
            equity: account.start_of_day_equity + net,
            fills: self.operator.counters.fills,
        }
    }

    fn risk_usage(&self, pnl: &PnlView) -> RiskUsage {
        let limits = &self.operator.limits;
        let account = self.engine.account();
        // The gate keeps the worse of its own figure and IB's.
        let ib_loss = account.start_of_day_equity - account.net_liquidation;
        let daily_loss = (-pnl.net).max(ib_loss).max(Decimal::ZERO);
        let position_limit = account.net_liquidation * limits.max_position_size_pct;
        let portfolio = self.engine.portfolio();
        let positions = portfolio
            .open_positions()
            .map(|p| PositionUsage {
                symbol: p.symbol().to_string(),
                notional: (p.quantity().abs()
                    * portfolio.last_price(p.symbol()).unwrap_or(p.average_cost()))
                .round_dp(2),
                limit: position_limit.round_dp(2),
            })
            .collect();
        RiskUsage {
            daily_loss: daily_loss.round_dp(2),
            daily_loss_limit: (account.start_of_day_equity * limits.max_daily_loss_pct).round_dp(2),
            open_orders: u32::try_from(self.engine.orders().open_orders().count())
                .unwrap_or(u32::MAX),
            max_open_orders: limits.max_open_orders,
            orders_last_second: self.operator.orders_last_second(),
            max_orders_per_second: limits.max_orders_per_second,
            positions,
        }
    }

    /// Carries out one operator command through the engine, sends what it
    /// answers, journals the action and replies with its outcome.
    pub(super) async fn on_command(&mut self, request: ControlRequest, feeds: &Feeds) {
        let now = self.recorder.now();
        let command = request.command;
        let outcome = if self.options.read_only && moves_orders(command) {
            self.outcome(
                command,
                false,
                0,
                0,
                "refused: a read-only session sends nothing",
            )
        } else {
            self.carry_out(command, now);
            let (cancels, orders) = count_commands(&self.out.commands);
            self.dispatch().await;
            self.outcome(command, true, cancels, orders, "done")
        };
        tracing::warn!(action = command.name(), accepted = outcome.accepted, state = %outcome.state, detail = %outcome.detail, "operator action from the dashboard");
        let record = OperatorActionRecord {
            at: now,
            action: command.name().to_string(),
            source: "dashboard".to_string(),
            accepted: outcome.accepted,
            state_after: self.engine.state(),
            outcome: outcome.detail.clone(),
        };
        if let Err(error) = self.recorder.journal().record_operator_action(&record) {
            tracing::error!(%error, "could not journal the operator action");
        }
        self.publish(feeds);
        // The operator may have gone (closed the page): nothing to tell then.
        let _ = request.reply.send(outcome);
    }

    /// The engine's path for `command` (the same as Ctrl+C and the CLI's).
    fn carry_out(&mut self, command: Command, now: DateTime<Utc>) {
        match command {
            Command::Halt => self.engine.halt(HaltCause::Operator, now, &mut self.out),
            Command::Resume => self.engine.operator_reset(&mut self.out),
            Command::ReduceOnly => self.engine.reduce_only(now, &mut self.out),
            Command::CancelOrders => self.engine.cancel_entries(now, &mut self.out),
            Command::Flatten => {
                // Halt first, so no strategy re-enters what is being closed.
                self.engine.halt(HaltCause::Operator, now, &mut self.out);
                self.engine.flatten_all(now, &mut self.out);
            }
        }
    }

    fn outcome(
        &self,
        action: Command,
        accepted: bool,
        cancels_sent: usize,
        orders_sent: usize,
        what: &str,
    ) -> Outcome {
        let state = self.engine.state().to_string();
        Outcome {
            action,
            accepted,
            detail: format!(
                "{what}: state {state}, {cancels_sent} cancel(s) and {orders_sent} order(s) sent"
            ),
            state,
            cancels_sent,
            orders_sent,
        }
    }
}

/// Whether `command` sends or cancels orders (refused in a read-only session).
fn moves_orders(command: Command) -> bool {
    matches!(command, Command::CancelOrders | Command::Flatten)
}

/// Cancels and orders among the engine's commands.
fn count_commands(commands: &[OrderCommand]) -> (usize, usize) {
    commands
        .iter()
        .fold((0, 0), |(c, o), command| match command {
            OrderCommand::Cancel(_) | OrderCommand::CancelAll => (c + 1, o),
            OrderCommand::Place(_) => (c, o + 1),
            OrderCommand::PlaceBracket { .. } => (c, o + 3),
        })
}

fn foreign_view(o: &crate::broker::tws::snapshot::BrokerOrder) -> ForeignOrderView {
    ForeignOrderView {
        client_id: o.client_id,
        order_id: o.order_id,
        side: o.side.to_string(),
        quantity: o.quantity,
        symbol: o.symbol.to_string(),
    }
}
