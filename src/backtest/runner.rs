//! [`simulate`]: one backtest run through the real [`Engine`] — the same
//! strategies, risk gate, order manager and portfolio as live trading — with
//! the [`FillModel`] as the broker.
//!
//! # Time convention
//! A bar belongs to the New York trading day of its start. Bars closing at
//! the same instant (several symbols' bars of one length) form one *step*,
//! handled in this order — which is what makes look-ahead impossible and the
//! result independent of the symbols' names and order (apart from which of
//! simultaneous decisions, served in symbol order, gets the last slot of a
//! binding count limit such as `max_open_orders`):
//! 1. at the **start** of a step's first bar in a new trading day the engine
//!    is told the time ([`Engine::on_clock`]): the daily-loss baseline becomes
//!    the equity of the previous close and yesterday's latch ends;
//! 2. the fill model trades the orders resting from earlier steps against
//!    every bar's **open**, the engine hears of all those fills together
//!    ([`Engine::on_broker_batch`]: the latch sees them all at once) and may
//!    cancel or place orders; then the same for every bar's **range**; fills
//!    are stamped with their bar's start;
//! 3. every bar's close marks the portfolio, the latch is re-evaluated once,
//!    and then the strategies decide on the closes
//!    ([`Engine::on_market_batch`]), at the **decision time**
//!    ([`decision_time`]): the bars' end, but never past the end of their
//!    trading day — a daily bar's decision belongs to its own day, so a loss
//!    over the limit on day D is HALTED for the decision on D's close;
//! 4. the resulting commands go to the fill model, whose immediate answers
//!    (`Working`, `Rejected`, `Cancelled`) go back to the engine, and so on
//!    until no command is left (at most [`MAX_ROUNDS`] exchanges); orders
//!    placed then trade from the next step on;
//! 5. the recorder notes equity, exposure and the trading state.
//!
//! The account's net liquidation is the initial equity plus the portfolio's
//! net PnL, handed to the engine before every market and broker event (for
//! a step, already valued at its closes, exactly as the engine's own marks will).
//!
//! Bars come from any iterator in that order (a [`Feed`](crate::backtest::feed::Feed)
//! reading files as it goes, or a slice held in memory); the runner holds
//! one step's bars at a time. Nothing in the loop allocates in steady state:
//! every buffer is reused, and the equity is kept per day.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::backtest::metrics::{compute, EquityPoint, MetricInputs, Metrics};
use crate::backtest::progress::Progress;
use crate::backtest::recorder::{equity, equity_money, Recorder};
use crate::backtest::trades::Trade;
use crate::broker::fill_model::{FillConfig, FillModel};
use crate::core::engine::{Engine, EngineConfig, Notice, Output};
use crate::core::event::BrokerEvent;
use crate::domain::calendar::{next_midnight, trading_day, DayClock};
use crate::domain::money::{Figure, Money};
use crate::domain::portfolio::Portfolio;
use crate::domain::types::{Bar, Instrument, MarketEvent};
use crate::risk::{AccountView, RiskLimits};
use crate::strategy::Strategy;

/// Most command ⇄ broker-answer exchanges one event may cause before the
/// runner stops feeding them (counted in [`Diagnostics::rounds_cut`]).
pub const MAX_ROUNDS: usize = 16;

/// Everything one run needs besides its bars and strategies.
#[derive(Debug, Clone, Copy)]
pub struct RunSpec<'a> {
    /// Validated `[risk]` limits.
    pub limits: &'a RiskLimits,
    /// Tradable instruments with their tick sizes.
    pub instruments: &'a [Instrument],
    /// Account equity before the first bar.
    pub initial_equity: Decimal,
    /// Fill-model settings.
    pub fill: FillConfig,
    /// Show a progress bar on a terminal for runs over a second.
    pub progress: bool,
    /// About how many bars the run has, for the progress bar; `None` when unknown.
    pub expected_bars: Option<u64>,
}

/// Counters that tell whether a run was healthy. All zero except `fills`,
/// `orders_approved` and the `*_at_end` figures in a normal run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    /// Executions.
    pub fills: usize,
    /// Intents the risk gate approved.
    pub orders_approved: u64,
    /// Round trips still open after the last bar (valued at its close).
    pub open_trades_at_end: usize,
    /// Orders still working after the last bar.
    pub open_orders_at_end: usize,
    /// Broker events about orders the engine did not know (each halts trading).
    pub unknown_orders: u64,
    /// Fills (or commissions) the portfolio refused (each halts trading).
    pub bad_fills: u64,
    /// Intents dropped because a strategy's buffer was full.
    pub intents_dropped: u64,
    /// Events whose command exchanges hit [`MAX_ROUNDS`].
    pub rounds_cut: u64,
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Equity at the last bar close of each exchange day.
    pub curve: Vec<EquityPoint>,
    /// Closed round trips.
    pub trades: Vec<Trade>,
    /// Days with a HALTED bar.
    pub halted_days: BTreeSet<NaiveDate>,
    /// Risk-gate rejections by reason.
    pub rejections: BTreeMap<String, u64>,
    /// Health counters.
    pub diagnostics: Diagnostics,
    /// The statistics.
    pub metrics: Metrics,
}

/// Runs `strategies` over `bars`, ascending by end time (see
/// [`Feed`](crate::backtest::feed::Feed)). Deterministic: the same inputs
/// always give the same result.
pub fn simulate(
    spec: &RunSpec<'_>,
    bars: impl IntoIterator<Item = Bar>,
    strategies: Vec<Box<dyn Strategy>>,
) -> RunResult {
    let engine = Engine::new(
        EngineConfig {
            limits: spec.limits.clone(),
            instruments: spec.instruments.to_vec(),
            account: AccountView::new(spec.initial_equity, spec.initial_equity),
            next_seq: 1,
            broker_enforces_oca: true,
            max_data_age: None,
            regular_hours_only: false,
        },
        strategies,
    );
    let mut run = Loop {
        engine,
        fills: FillModel::new(spec.fill),
        recorder: Recorder::new(spec.initial_equity),
        out: Output::default(),
        events: Vec::with_capacity(32),
        closes: Vec::with_capacity(16),
        clock: DayClock::new(),
        initial: spec.initial_equity,
        rejections: BTreeMap::new(),
        diagnostics: Diagnostics::default(),
    };
    let mut progress = Progress::new(spec.expected_bars, spec.progress);
    // Steps: runs of bars with the same end (each bar's end computed once).
    let mut bars = bars.into_iter();
    let mut step: Vec<Bar> = Vec::with_capacity(16);
    let mut next = bars.next().map(|bar| (bar.end(), bar));
    let mut done = 0u64;
    while let Some((step_end, first)) = next {
        step.clear();
        step.push(first);
        next = None;
        for bar in bars.by_ref() {
            let end = bar.end();
            if end != step_end {
                next = Some((end, bar));
                break;
            }
            step.push(bar);
        }
        run.step(&step, step_end);
        done += step.len() as u64;
        progress.tick(done);
    }
    progress.finish();
    run.finish()
}

/// The state of one run.
struct Loop {
    engine: Engine,
    fills: FillModel,
    recorder: Recorder,
    out: Output,
    events: Vec<BrokerEvent>,
    /// The closes of the current step, as market events.
    closes: Vec<MarketEvent>,
    /// The trading day of the latest bar start.
    clock: DayClock,
    initial: Decimal,
    rejections: BTreeMap<&'static str, u64>,
    diagnostics: Diagnostics,
}

impl Loop {
    /// One step: bars closing at the same instant (see the module docs).
    fn step(&mut self, bars: &[Bar], end: DateTime<Utc>) {
        let mut now = end;
        let mut opened = DateTime::<Utc>::MIN_UTC;
        for bar in bars {
            // Only a new day can change anything before the open.
            let before = self.clock.today();
            if Some(self.clock.day(bar.start)) != before {
                self.out.clear();
                self.engine.on_clock(bar.start, &mut self.out);
                self.settle(bar.start);
            }
            // decision_time, with the day's end from the clock.
            now = now.min(if end < self.clock.ends() {
                end
            } else {
                self.clock.last_instant()
            });
            opened = opened.max(bar.start);
        }
        // The opens, then (after the engine heard of the opens' fills) the
        // ranges; each half's fills of every symbol reach the engine together.
        for half in [FillModel::on_bar_open, FillModel::on_bar_range] {
            self.events.clear();
            for bar in bars {
                half(&mut self.fills, bar, &mut self.events);
            }
            if !self.events.is_empty() {
                self.out.clear();
                self.deliver_together(opened);
                self.settle(opened);
            }
        }
        self.engine.set_net_liquidation(self.valued_at(bars));
        self.closes.clear();
        self.closes
            .extend(bars.iter().map(|b| MarketEvent::Bar(*b)));
        self.out.clear();
        self.engine
            .on_market_batch(&self.closes, now, &mut self.out);
        self.settle(now);
        for bar in bars {
            self.recorder
                .on_bar(bar, end, self.engine.portfolio(), self.engine.state());
        }
    }

    /// Net liquidation with every position of the step valued at its bar's
    /// close, in fixed point; in `Decimal` only when a figure is out of
    /// [`Money`]'s range. A close the portfolio cannot hold as a mark (more
    /// than 8 places) leaves its position at the last mark, as the engine's
    /// own mark will.
    fn valued_at(&self, bars: &[Bar]) -> Decimal {
        let portfolio = self.engine.portfolio();
        let mut revaluation = Some(Money::ZERO);
        for bar in bars {
            // A scan with `==` beats a binary search over the few symbols traded.
            let Some(p) = portfolio
                .positions()
                .iter()
                .find(|p| p.symbol() == bar.symbol)
            else {
                continue;
            };
            let (quantity, close) = (p.quantity_figure(), Figure::from_decimal(bar.close));
            let (Some(last), Ok(close)) = (p.last_price_figure(), close) else {
                continue;
            };
            if !quantity.is_zero() {
                let change = close.checked_sub(last).and_then(|d| quantity.times(d));
                revaluation = revaluation.zip(change).and_then(|(r, c)| r.checked_add(c));
            }
        }
        equity_money(self.initial, portfolio)
            .zip(revaluation)
            .and_then(|(equity, r)| equity.checked_add(r))
            .map_or_else(|| self.valued_at_decimal(bars), Money::to_decimal)
    }

    /// [`Loop::valued_at`] in `Decimal`, for figures beyond [`Money`]'s range.
    fn valued_at_decimal(&self, bars: &[Bar]) -> Decimal {
        let portfolio = self.engine.portfolio();
        let revaluation: Decimal = bars
            .iter()
            .filter_map(|bar| {
                let p = portfolio
                    .positions()
                    .iter()
                    .find(|p| p.symbol() == bar.symbol)
                    .filter(|p| !p.quantity().is_zero())?;
                let last = p
                    .last_price()
                    .filter(|_| Portfolio::is_valid_mark(bar.close))?;
                Some(p.quantity() * (bar.close - last))
            })
            .sum();
        self.initial + portfolio.net_pnl() + revaluation
    }

    /// Feeds `self.events`, simultaneous fills, to the engine as one batch
    /// at `now`; its answers collect in `self.out`.
    fn deliver_together(&mut self, now: DateTime<Utc>) {
        for event in &self.events {
            if let BrokerEvent::Filled { fill, .. } = event {
                self.recorder.on_fill(fill);
            }
        }
        self.engine
            .on_broker_batch(&self.events, now, &mut self.out);
        let equity = equity(self.initial, self.engine.portfolio());
        self.engine.set_net_liquidation(equity);
    }

    /// Feeds `self.events` to the engine at `now`; its answers collect in `self.out`.
    fn deliver(&mut self, now: DateTime<Utc>) {
        for event in &self.events {
            if let BrokerEvent::Filled { fill, .. } = event {
                self.recorder.on_fill(fill);
            }
            self.engine.on_broker(event, now, &mut self.out);
            let equity = equity(self.initial, self.engine.portfolio());
            self.engine.set_net_liquidation(equity);
        }
    }

    /// Hands the engine's commands to the fill model and its answers back to
    /// the engine until no command is left.
    fn settle(&mut self, now: DateTime<Utc>) {
        for _ in 0..MAX_ROUNDS {
            self.count_notices();
            if self.out.commands.is_empty() {
                return;
            }
            self.events.clear();
            for command in &self.out.commands {
                self.fills.submit(command, now, &mut self.events);
            }
            self.out.clear();
            self.deliver(now);
        }
        self.count_notices();
        if !self.out.commands.is_empty() {
            self.diagnostics.rounds_cut += 1;
        }
    }

    fn count_notices(&mut self) {
        for notice in &self.out.notices {
            match notice {
                Notice::Approved(_) => self.diagnostics.orders_approved += 1,
                Notice::Rejected(r) => *self.rejections.entry(r.reason.code()).or_insert(0) += 1,
                Notice::IntentsDropped { count, .. } => {
                    self.diagnostics.intents_dropped += u64::from(*count)
                }
                Notice::UnknownOrder(_) => self.diagnostics.unknown_orders += 1,
                Notice::BadFill(_) | Notice::CommissionRefused { .. } => {
                    self.diagnostics.bad_fills += 1
                }
                Notice::StateChanged(_)
                | Notice::DayStarted { .. }
                | Notice::MarkRefused { .. }
                | Notice::CancelFailed { .. }
                | Notice::Unprotected { .. } => {}
            }
        }
        self.out.notices.clear();
    }

    fn finish(self) -> RunResult {
        let mut diagnostics = self.diagnostics;
        diagnostics.fills = self.recorder.fills();
        diagnostics.open_trades_at_end = self.recorder.trades().open_count();
        diagnostics.open_orders_at_end = self.fills.open_orders().count();
        let initial = self.recorder.initial_equity();
        let start = self.recorder.start();
        let (equity, book, halted_days) = self.recorder.into_parts();
        let trades = book.into_closed();
        let rejections: BTreeMap<String, u64> = self
            .rejections
            .iter()
            .map(|(k, v)| ((*k).to_string(), *v))
            .collect();
        let metrics = compute(&MetricInputs {
            initial_equity: initial,
            start,
            equity: &equity,
            trades: &trades,
            rejections: &rejections,
            halted_days: &halted_days,
        });
        RunResult {
            curve: equity.days,
            trades,
            halted_days,
            rejections,
            diagnostics,
            metrics,
        }
    }
}

/// When the strategies decide on `bar`'s close: its end, but never past the
/// last instant of its trading day (the New York date of its start), so a
/// daily bar's decision, and the daily-loss latch it sees, belong to its day.
pub fn decision_time(bar: &Bar) -> DateTime<Utc> {
    let day_ends = next_midnight(trading_day(bar.start)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    bar.end().min(day_ends - Duration::nanoseconds(1))
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
