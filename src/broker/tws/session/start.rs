//! Starting a session: connect, verify the account, open the order and
//! notice streams before anything is read (so no update falls in between),
//! journal the run, build the engine from TWS's net liquidation and the
//! journal's day, adopt what exists at TWS, protect naked positions, warm the
//! strategies up and start the market data feeds.
//!
//! Owns the start-up order only, and where the day began ([`DayBaseline`]:
//! from IB's day PnL, so carried positions count from the prior close). Must never trade: the first order it may
//! send is a protective stop for a position that has none.

use std::sync::Arc;
use std::time::Duration;

use ibapi::orders::OrderUpdate;
use ibapi::subscriptions::{NoticeStream, Subscription};
use ibapi::Client;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

use super::feeds::Feeds;
use super::interrupted::{requested, StartInterrupted};
use super::operator::Operator;
use super::{LiveSession, SessionConfig, SessionError, ShutdownOptions, Streams};
use crate::broker::tws::account::{verify_account, VerifyError};
use crate::broker::tws::audit::OrderAudit;
use crate::broker::tws::connect::connect;
use crate::broker::tws::manual::Scope;
use crate::broker::tws::market_data::{stream_bars, FeedContext};
use crate::broker::tws::order_book::OrderBook;
use crate::broker::tws::pacing::{shared_pacer, MarketDataLines, SharedPacer};
use crate::broker::tws::pnl::{day_so_far, stream_daily_pnl, DaySoFar};
use crate::broker::tws::reads::watch_tws;
use crate::broker::tws::recorder::Recorder;
use crate::broker::tws::sender::OrderSender;
use crate::broker::tws::snapshot;
use crate::broker::tws::warmup::{warm_up_strategies, Refused};
use crate::control::StrategyView;
use crate::core::engine::{Engine, EngineConfig, Output};
use crate::domain::calendar::trading_day;
use crate::domain::types::MarketEvent;
use crate::risk::{AccountView, HaltCause};
use crate::shutdown::{ShutdownListener, ShutdownStage};
use crate::strategy::symbols_of;

/// How many market events may queue before the producers wait.
const MARKET_CHANNEL: usize = 4096;

/// How long the start waits for IB's first PnL figures.
const PNL_AT_START: Duration = Duration::from_secs(5);

/// Where the day began, for a session that starts mid-day, from IB's own
/// day PnL (reqPnL): positions carried from an earlier day count from the
/// prior close, as IB's daily PnL does, so a restart never turns yesterday's
/// loss into today's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DayBaseline {
    /// Net liquidation minus IB's daily PnL: the equity the day started with
    /// (journaled unless an earlier run today journaled one).
    start_equity: Decimal,
    /// The portfolio's `net_pnl()` that counts as zero for today: the
    /// adopted positions' PnL from their cost (IB's unrealized) minus IB's
    /// daily PnL — what they made or lost before today.
    start_of_day_pnl: Decimal,
}

impl DayBaseline {
    /// From TWS's net liquidation and IB's day so far; without IB's figures,
    /// the day starts now (logged).
    fn new(net_liquidation: Decimal, so_far: Option<DaySoFar>) -> Self {
        match so_far {
            Some(day) => Self {
                start_equity: net_liquidation - day.daily,
                start_of_day_pnl: day.unrealized - day.daily,
            },
            None => {
                tracing::warn!("without IB's day PnL the day's start is taken as now: held positions count from their cost");
                Self {
                    start_equity: net_liquidation,
                    start_of_day_pnl: Decimal::ZERO,
                }
            }
        }
    }
}

/// The status line's and the audit's periods.
type Periods = (Duration, Duration);

impl LiveSession {
    /// Connects, verifies and adopts; returns the session ready to trade and
    /// its input streams.
    ///
    /// A shutdown request is honoured at every step: while connecting the
    /// start-up simply ends; once connected, the start-up reads and
    /// reconciliation are abandoned and the bot's own orders cancelled
    /// ([`SessionError::Interrupted`]); during the warm-up the session
    /// starts and shuts down at once.
    pub(super) async fn start(
        mut config: SessionConfig,
        stop: &mut ShutdownListener,
    ) -> Result<(Self, Streams), SessionError> {
        let control = config.control.take();
        let (host, port, client_id) = (config.host.clone(), config.port, config.client_id);
        let client = tokio::select! {
            biased;
            () = requested(stop) => {
                tracing::warn!("shutdown requested while connecting: start-up abandoned");
                return Err(SessionError::Interrupted(StartInterrupted::connecting()));
            }
            connected = connect(&host, port, client_id) => Arc::new(connected?),
        };
        let account = config.account.clone();
        let scope = Scope::Bot {
            client_id,
            symbols: symbols_of(&config.strategies),
        };
        let timeout = config.cancel_timeout;
        let (mut session, orders, notices, (status_interval, audit_interval)) = tokio::select! {
            biased;
            () = requested(stop) => {
                let stopped = StartInterrupted::reconciling(&client, &account, &scope, timeout).await;
                return Err(SessionError::Interrupted(stopped));
            }
            prepared = Self::prepare(Arc::clone(&client), config) => prepared?,
        };
        // One request budget for the warm-up's history and every feed's bars.
        let pacer = shared_pacer();
        let refused = session.warm_up(stop, &pacer).await;
        let periods = (status_interval, audit_interval);
        let mut streams = session.open_streams(orders, notices, periods, (pacer, refused));
        if let Some(port) = control {
            session.operator.attach(port.snapshots);
            streams.commands = Some(port.commands);
            let mut publish = tokio::time::interval(PUBLISH_INTERVAL);
            publish.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            streams.publish = Some(publish);
        }
        Ok((session, streams))
    }

    /// Verifies the account, opens the order and notice streams, journals the
    /// run, builds the engine and adopts what TWS holds.
    async fn prepare(
        client: Arc<Client>,
        config: SessionConfig,
    ) -> Result<(Self, Subscription<OrderUpdate>, NoticeStream, Periods), SessionError> {
        let SessionConfig {
            host,
            port,
            account,
            mode,
            read_only,
            ..
        } = &config;
        tracing::info!(
            address = %format!("{host}:{port}"),
            server_version = client.server_version(),
            mode = %mode,
            account = %account,
            read_only,
            "connected to TWS"
        );
        verify_account(&client, account, *mode)
            .await
            .map_err(|error| match error {
                VerifyError::Snapshot(e) => SessionError::Snapshot(e),
                VerifyError::Account(e) => SessionError::Account(e),
            })?;
        // The order stream first, so nothing falls between it and the snapshots.
        let orders = client
            .order_update_stream()
            .await
            .map_err(SessionError::OrderStream)?;
        let notices = client.notice_stream().map_err(SessionError::OrderStream)?;
        let (status_interval, audit_interval) = (config.status_interval, config.audit_interval);
        let operator = (config.operator_reset, config.reduce_only);
        let mut session = Self::open(client, config).await?;
        session.adopt(operator).await?;
        Ok((session, orders, notices, (status_interval, audit_interval)))
    }

    /// Journals the run and builds the engine for today: TWS's net
    /// liquidation, the day's start equity and next order sequence from the
    /// journal.
    async fn open(client: Arc<Client>, config: SessionConfig) -> Result<Self, SessionError> {
        let mut recorder = Recorder::new(config.journal);
        sync_clock(&client, &mut recorder).await;
        let now = recorder.now();
        let day = trading_day(now);
        let journal = recorder.journal();
        journal.record_run(
            &config.config_hash,
            &config.mode.to_string(),
            config.account.expose(),
            now,
        )?;
        let net_liquidation = snapshot::net_liquidation(&client, config.account.expose()).await?;
        let so_far = day_so_far(&client, config.account.expose(), PNL_AT_START).await;
        let baseline = DayBaseline::new(net_liquidation, so_far);
        // The first equity journaled for the day is the day's start, across restarts.
        let start_equity = journal.set_start_equity(day, baseline.start_equity, now)?;
        let next_seq = journal.next_seq(day)?;
        let mut account_view = AccountView::new(net_liquidation, start_equity);
        account_view.start_of_day_pnl = baseline.start_of_day_pnl;
        let instruments =
            crate::broker::tws::ticks::instruments(&client, &symbols_of(&config.strategies)).await;
        let operator = Operator::new(
            None,
            config.mode.to_string(),
            strategy_views(&config.strategies),
            config.limits.clone(),
        );
        // TWS enforces OCA groups itself.
        let engine = Engine::new(
            EngineConfig {
                limits: config.limits,
                instruments,
                account: account_view,
                next_seq,
                broker_enforces_oca: true,
                // No entry while the exchange is closed.
                regular_hours_only: true,
                max_data_age: config
                    .max_data_age
                    .and_then(|age| chrono::TimeDelta::from_std(age).ok()),
            },
            config.strategies,
        );
        let options = ShutdownOptions {
            read_only: config.read_only,
            flatten_on_exit: config.flatten_on_exit,
            cancel_timeout: config.cancel_timeout,
        };
        Ok(Self {
            sender: OrderSender::new(Arc::clone(&client), config.read_only),
            client,
            account: config.account,
            engine,
            book: OrderBook::new(),
            recorder,
            out: Output::default(),
            connected: true,
            server_link_broken: false,
            untraded: 0,
            day,
            not_ours: Vec::new(),
            retry: None,
            reconcile_patience: config.reconcile_patience,
            audit: OrderAudit::new(config.ack_timeout),
            last_fills: Vec::new(),
            operator,
            options,
            summary_close: super::notify::first_summary(&config.notifier, now),
            notifier: config.notifier,
        })
    }

    /// Restores today's latch, adopts TWS's positions and our orders, applies
    /// the operator's reset and reduce-only, halts on a position the journal
    /// cannot explain (and leaves it alone), and protects the bot's positions
    /// that have no working stop.
    async fn adopt(
        &mut self,
        (operator_reset, reduce_only): (bool, bool),
    ) -> Result<(), SessionError> {
        if let Some(latch) = self.recorder.latched(self.day) {
            tracing::warn!(state = %latch.state, "restoring the trading state journaled today");
            self.engine.restore_latch(latch);
        }
        let differing = self.adopt_broker_state().await?;
        if operator_reset {
            tracing::warn!("operator reset: the trading state is set back to ACTIVE by request (--operator-reset)");
            self.engine.operator_reset(&mut self.out);
        }
        if reduce_only {
            tracing::warn!(
                "reduce-only by request (--reduce-only): no new entries, exits and stops only"
            );
            self.engine.reduce_only(self.recorder.now(), &mut self.out);
        }
        if !differing.is_empty() {
            if operator_reset {
                tracing::warn!(
                    "operator reset: TWS's positions are taken as they are, despite the journal"
                );
            } else {
                // Not the bot's: never stopped, closed or sold by it.
                for &symbol in &differing {
                    self.engine.leave_alone(symbol);
                }
                self.engine
                    .halt(HaltCause::Engine, self.recorder.now(), &mut self.out);
            }
        }
        if !self.options.read_only {
            // A position whose stop is gone (e.g. the last shutdown cancelled its
            // bracket) gets one again before anything else trades; when no stop
            // can be placed, it is flattened.
            self.engine
                .protect_positions(self.recorder.now(), &mut self.out);
            if !self.out.commands.is_empty() {
                tracing::warn!(
                    orders = self.out.commands.len(),
                    "protecting adopted positions that have no working stop"
                );
            }
        }
        self.dispatch().await;
        if self.options.read_only {
            self.engine.stop_strategies();
            self.engine.stop_protecting();
            tracing::warn!("read-only: market data and account monitoring only; no order will be placed or cancelled");
        }
        Ok(())
    }

    /// Primes the strategies from history, unless the operator asks to stop
    /// first: the warm-up (minutes when TWS is slow) is then abandoned at once
    /// and the shutdown starts; a strategy not warmed up simply starts cold.
    /// Returns the symbols TWS refused history for, for good.
    async fn warm_up(&mut self, stop: &mut ShutdownListener, pacer: &SharedPacer) -> Vec<Refused> {
        let now = self.recorder.now();
        // Held for the whole warm-up: no feed runs yet.
        let mut scheduler = pacer.lock().await;
        let warm_up = warm_up_strategies(&self.client, &mut self.engine, &mut scheduler, now);
        tokio::pin!(warm_up);
        tokio::select! {
            refused = &mut warm_up => refused,
            () = stop.reached(ShutdownStage::Shutdown) => {
                if stop.stage() >= ShutdownStage::Shutdown {
                    tracing::warn!("shutdown requested during the warm-up: warm-up abandoned");
                    Vec::new()
                } else {
                    // The signal side is gone without a request: finish the warm-up.
                    warm_up.await
                }
            }
        }
    }

    /// Starts one bar feed per traded symbol (each on a market-data line,
    /// paced by `pacer`) but those the warm-up found `refused` for good, and
    /// IB's PnL feed.
    fn open_streams(
        &self,
        orders: Subscription<OrderUpdate>,
        notices: NoticeStream,
        (status_interval, audit_interval): Periods,
        (pacer, refused): (SharedPacer, Vec<Refused>),
    ) -> Streams {
        let mut feeds = Feeds::new(MarketDataLines::default());
        let (market_tx, market) = mpsc::channel::<MarketEvent>(MARKET_CHANNEL);
        let context = FeedContext {
            client: Arc::clone(&self.client),
            pacer,
            health: feeds.health().clone(),
            clock_offset: self.recorder.offset(),
        };
        for symbol in self.engine.symbols() {
            if let Some(r) = refused.iter().find(|r| r.symbol == symbol) {
                let health = feeds.health();
                health.refused_for_good(symbol, r.refusal, r.code, &r.message);
                continue;
            }
            let feed = stream_bars(context.clone(), symbol, market_tx.clone());
            if let Err(error) = feeds.spawn_subscription(feed) {
                tracing::error!(%symbol, %error, "no market data for this symbol: its strategies do not trade");
            }
        }
        tracing::info!(
            lines = feeds.lines_in_use(),
            "market data subscriptions started"
        );
        let (pnl_tx, ib_pnl) = mpsc::channel::<Decimal>(16);
        let account = self.account.expose().to_string();
        feeds.spawn(stream_daily_pnl(Arc::clone(&self.client), account, pnl_tx));
        let period = if status_interval.is_zero() {
            Duration::from_secs(86_400)
        } else {
            status_interval
        };
        let mut status = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        status.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The audit's reads of TWS's open orders and positions, also the status line's
        // orders left alone (so at least once per status line).
        let reads = if status_interval.is_zero() {
            audit_interval
        } else {
            audit_interval.min(status_interval)
        };
        let (tx, tws_reads) = mpsc::channel(1);
        feeds.spawn(watch_tws(
            Arc::clone(&self.client),
            self.account.clone(),
            self.engine.symbols(),
            reads,
            tx,
        ));
        Streams {
            orders,
            notices,
            market: Some(market),
            ib_pnl: Some(ib_pnl),
            tws_reads: Some(tws_reads),
            status,
            commands: None,
            publish: None,
            feeds,
        }
    }
}

/// How often the dashboard's snapshot is published.
const PUBLISH_INTERVAL: Duration = Duration::from_millis(500);

/// The strategies as the dashboard shows them.
fn strategy_views(strategies: &[Box<dyn crate::strategy::Strategy>]) -> Vec<StrategyView> {
    strategies
        .iter()
        .enumerate()
        .map(|(id, s)| StrategyView {
            id,
            symbols: s.symbols().iter().map(ToString::to_string).collect(),
            bar_seconds: s.bar_seconds(),
        })
        .collect()
}

/// Aligns the session clock with TWS's (its clock is the market's; tws-sim
/// runs a simulated one). Keeps the machine's clock when TWS does not answer.
pub(super) async fn sync_clock(client: &Client, recorder: &mut Recorder) {
    match tokio::time::timeout(Duration::from_secs(5), client.server_time()).await {
        Ok(Ok(time)) => {
            if let Some(now) =
                chrono::DateTime::from_timestamp(time.unix_timestamp(), time.nanosecond())
            {
                recorder.sync_clock(now);
            }
        }
        _ => tracing::warn!("TWS did not report its time; using this machine's clock"),
    }
}
