//! The live trading session: [`LiveSession`] owns the live parts (client,
//! account, engine, order book and sender, recorder) and has one method per
//! input stream; [`run_session`] starts it, runs it until the operator stops
//! it, and shuts it down.
//!
//! How to read it, in the order things happen:
//! - `start` (session/start.rs): connect, verify the account, adopt what
//!   exists at TWS, protect naked positions, warm strategies up, open the
//!   [`Streams`].
//! - [`LiveSession::run`]: one `select!`, one handler per stream — notices,
//!   order updates, market events, IB's PnL, TWS's periodic reads for the
//!   audit (session/audit.rs), the status tick.
//! - `shut_down` (session/shutdown.rs): the emergency shutdown and its
//!   report, using the same order-update glue as trading.
//!
//! One task owns the [`Engine`]; nothing else in the session can place an
//! order: every command goes out through `dispatch` (session/dispatch.rs),
//! journaled before it is sent. Must never block on anything but TWS, and
//! never decide what to trade — that is the engine's.

mod audit;
mod dispatch;
mod feeds;
mod interrupted;
mod notify;
mod operator;
mod report;
mod retry;
mod shutdown;
mod start;

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use ibapi::orders::OrderUpdate;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::{NoticeStream, Subscription};
use ibapi::Client;
use rust_decimal::Decimal;
use tokio::sync::mpsc;
use tracing::Instrument as _;

pub use interrupted::StartInterrupted;
pub use report::SessionReport;
pub use shutdown::FLATTEN_GRACE;

use crate::broker::codes::{self, Meaning};
use crate::broker::tws::account::AccountError;
use crate::broker::tws::audit::{OrderAudit, TwsRead};
use crate::broker::tws::connect::ConnectError;
use crate::broker::tws::order_book::{JournalFact, OrderBook, Translated};
use crate::broker::tws::reconcile::ReconcileError;
use crate::broker::tws::recorder::Recorder;
use crate::broker::tws::sender::OrderSender;
use crate::broker::tws::snapshot::{BrokerOrder, SnapshotError};
use crate::control::{ControlRequest, SessionPort};
use crate::core::engine::{Engine, Output};
use crate::core::event::BrokerEvent;
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::{Instrument, MarketEvent, Symbol};
use crate::domain::AccountId;
use crate::journal::{Journal, JournalError, OrderStatus};
use crate::notify::Notifier;
use crate::risk::{HaltCause, RiskLimits};
use crate::settings::TradingMode;
use crate::shutdown::{ShutdownListener, ShutdownStage};
use crate::strategy::Strategy;
use feeds::Feeds;

/// Everything a session needs, already validated.
pub struct SessionConfig {
    /// TWS / IB Gateway host.
    pub host: String,
    /// API port.
    pub port: u16,
    /// API client id.
    pub client_id: i32,
    /// The account to trade (prints masked).
    pub account: AccountId,
    /// Paper or live, as decided by the settings.
    pub mode: TradingMode,
    /// Market data and monitoring only.
    pub read_only: bool,
    /// Close every position on shutdown.
    pub flatten_on_exit: bool,
    /// Clear a latched HALTED (journaled today) at start: an explicit operator decision.
    pub operator_reset: bool,
    /// Start REDUCING (only exposure-reducing orders pass): an explicit operator decision.
    pub reduce_only: bool,
    /// How long shutdown waits for cancels / flattening to be confirmed.
    pub cancel_timeout: Duration,
    /// Period of the one-line status log (zero = off).
    pub status_interval: Duration,
    /// Period of the audit of our orders against TWS's open orders
    /// ([`AUDIT_INTERVAL`] in production).
    pub audit_interval: Duration,
    /// How long an order may go unacknowledged before the bot asks TWS and
    /// halts entries ([`ACK_TIMEOUT`] in production).
    pub ack_timeout: Duration,
    /// The oldest market data an entry may be decided on (`None`: two bar
    /// lengths, at least 10 s).
    pub max_data_age: Option<Duration>,
    /// How long reconciliations may keep failing (retried with back-off)
    /// before trading halts ([`RECONCILE_PATIENCE`] in production).
    pub reconcile_patience: Duration,
    /// Risk limits.
    pub limits: RiskLimits,
    /// Strategy instances (index = strategy id).
    pub strategies: Vec<Box<dyn Strategy>>,
    /// The write-ahead journal (opened and checked before connecting).
    pub journal: Journal,
    /// SHA-256 of the effective configuration, journaled with the run.
    pub config_hash: String,
    /// The dashboard's end: snapshots out, operator commands in (`None`: no dashboard).
    pub control: Option<SessionPort>,
    /// Webhook notifications ([`Notifier::disabled`] when off).
    pub notifier: Notifier,
}

/// How often `run` audits its orders against TWS's open orders: one
/// `reqAllOpenOrders` per period.
pub const AUDIT_INTERVAL: Duration = Duration::from_secs(15);

/// How long `run` waits for TWS to acknowledge an order it sent before it
/// asks TWS and, if the order is still unknown, halts entries.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long `run` retries a failing reconciliation (TWS slow after its
/// nightly reset, executions still on their way) before it halts.
pub const RECONCILE_PATIENCE: Duration = Duration::from_secs(300);

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Could not connect.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The configured account may not be used on this login or in this mode.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// A start-up read failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// Adoption of existing state failed.
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    /// The journal could not be read or written at start.
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
    /// The order update stream could not be opened.
    #[error("cannot open the order update stream: {0}")]
    OrderStream(ibapi::Error),
    /// A shutdown was requested before trading began (not a failure: the
    /// caller reports it and exits by [`StartInterrupted::confirmed`]).
    #[error("{0}")]
    Interrupted(StartInterrupted),
}

/// How shutdown behaves, from the configuration and flags.
#[derive(Debug, Clone, Copy)]
struct ShutdownOptions {
    read_only: bool,
    flatten_on_exit: bool,
    cancel_timeout: Duration,
}

/// The live parts of one session. Fields are the session's own; the
/// reconcile module reaches them because reconciling is part of the session.
pub struct LiveSession {
    /// The connection to TWS (shared with the market data feeds).
    pub(in crate::broker::tws) client: Arc<Client>,
    /// The account traded.
    pub(in crate::broker::tws) account: AccountId,
    /// The sans-IO engine: strategies, risk gate, orders, portfolio.
    pub(in crate::broker::tws) engine: Engine,
    /// Which IB order is which of ours; decodes order updates.
    pub(in crate::broker::tws) book: OrderBook,
    /// Sends the engine's commands.
    sender: OrderSender,
    /// The journal and the session clock.
    pub(in crate::broker::tws) recorder: Recorder,
    /// The engine's reusable output buffer.
    pub(in crate::broker::tws) out: Output,
    /// False between a 1100 (or a 2110) and the reconciliation after the
    /// link is back: market events are not traded on meanwhile.
    connected: bool,
    /// A 2110 is the reason for `!connected`: a farm's OK (2104 / 2106)
    /// ends it, as does a restored connection.
    server_link_broken: bool,
    /// Market events not traded on since the link went down (logged once
    /// when the first arrives, and counted when the link is back).
    untraded: u64,
    /// The New York day the session started on (its latch is restored).
    day: NaiveDate,
    /// The latest list of working orders that are not ours (status line).
    not_ours: Vec<BrokerOrder>,
    /// A failed reconciliation waiting to be tried again (nothing is traded
    /// meanwhile).
    retry: Option<retry::Retry>,
    /// How long TWS may disagree before trading halts.
    reconcile_patience: Duration,
    /// Our orders and positions against TWS's: send times and suspects.
    audit: OrderAudit,
    /// When the bot last applied a fill, per symbol (for the audit).
    last_fills: Vec<(Symbol, std::time::Instant)>,
    /// Counters and snapshots for the dashboard; its commands.
    operator: operator::Operator,
    options: ShutdownOptions,
    /// Webhook notifications (a no-op when off); never awaited.
    notifier: Notifier,
    /// The session close the next daily summary is due at (`None`: not wanted).
    summary_close: Option<chrono::DateTime<chrono::Utc>>,
}

/// The session's input streams, apart from the session so that one arm of
/// the `select!` can wait on a stream while another handler mutates the session.
pub struct Streams {
    orders: Subscription<OrderUpdate>,
    notices: NoticeStream,
    market: Option<mpsc::Receiver<MarketEvent>>,
    ib_pnl: Option<mpsc::Receiver<Decimal>>,
    tws_reads: Option<mpsc::Receiver<TwsRead>>,
    status: tokio::time::Interval,
    /// The operator's commands (dashboard), when there is one.
    commands: Option<mpsc::Receiver<ControlRequest>>,
    /// When to publish the next snapshot, when someone reads them.
    publish: Option<tokio::time::Interval>,
    feeds: Feeds,
}

/// Connects, verifies, adopts, trades until the shutdown listener says stop,
/// then runs the emergency shutdown and returns its report.
///
/// # Errors
/// [`SessionError`] when the session cannot start; once trading, problems
/// halt trading instead of ending the session.
pub async fn run_session(
    config: SessionConfig,
    mut stop: ShutdownListener,
) -> Result<SessionReport, SessionError> {
    // Every line the session logs names its client id (two sessions, or a
    // session and a manual command, can share one log).
    let span = tracing::info_span!("session", client_id = config.client_id);
    async move {
        let (mut session, mut streams) = LiveSession::start(config, &mut stop).await?;
        session.run(&mut streams, &mut stop).await;
        // Market data first, so the shutdown works however busy the feeds are.
        streams.feeds.stop().await;
        let mut report = session.shut_down(&mut streams.orders, &mut stop).await;
        report.market_data_inactive = streams.feeds.health().inactive();
        session.client.disconnect().await;
        Ok(report)
    }
    .instrument(span)
    .await
}

impl LiveSession {
    /// Trades until the operator asks to stop or a stream TWS owns ends.
    pub async fn run(&mut self, s: &mut Streams, stop: &mut ShutdownListener) {
        loop {
            let retry_at = self.retry.map(|r| r.at);
            let summary_at = self.summary_due();
            tokio::select! {
                biased;
                // The operator first: a stop is never starved by busy streams.
                () = stop.reached(ShutdownStage::Shutdown) => return,
                // A failed reconciliation's next attempt.
                () = feeds::sleep_until(retry_at) => self.link_back().await,
                // Connectivity: decides whether market events may be traded on.
                notice = s.notices.next() => match notice {
                    Some(notice) => self.on_notice(&notice).await,
                    None => return,
                },
                // Our orders: statuses, fills, commissions, order-bound errors.
                item = s.orders.next() => match item {
                    Some(item) => if self.on_order_item(item, &mut s.orders).await.is_break() {
                        return;
                    },
                    None => return,
                },
                // Bars: the engine's strategies, gate and orders.
                event = feeds::next(&mut s.market) => self.on_market(&event).await,
                // IB's own day PnL: a second opinion for the daily-loss limit.
                pnl = feeds::next(&mut s.ib_pnl) => self.on_ib_pnl(pnl),
                // TWS's open orders and positions: the audit of ours; the
                // orders that are not ours for the status line.
                read = feeds::next(&mut s.tws_reads) => self.on_tws_read(read).await,
                // The operator's commands from the dashboard, and its snapshots.
                request = feeds::next(&mut s.commands) => self.on_command(request, &s.feeds).await,
                () = feeds::tick(&mut s.publish) => self.publish(&s.feeds),
                // The session close: the daily summary notification.
                () = feeds::sleep_until(summary_at) => self.on_session_close(),
                _ = s.status.tick() => self.log_status(&s.feeds),
            }
        }
    }

    /// A TWS notice not bound to an order.
    async fn on_notice(&mut self, notice: &ibapi::Notice) {
        let code = notice.code;
        match codes::meaning(code) {
            Meaning::ConnectionLost => {
                self.connected = false;
                self.notifier.link_down(self.recorder.now());
                tracing::error!(
                    code,
                    "connection to IB lost: no new orders until it is restored"
                );
            }
            Meaning::ServerLinkBroken => {
                self.connected = false;
                self.notifier.link_down(self.recorder.now());
                self.server_link_broken = true;
                tracing::error!(
                    code,
                    message = %notice.message,
                    "TWS lost its link to IB's server: no new orders until a data farm reports OK (2104/2106) or the connection is restored"
                );
            }
            Meaning::ConnectionRestored { .. } => {
                tracing::warn!(
                    code,
                    "connection to IB restored; reconciling before trading resumes"
                );
                self.link_back().await;
            }
            Meaning::FarmOk if self.server_link_broken && codes::restores_server_link(code) => {
                tracing::warn!(
                    code,
                    "TWS's link to IB's server is back (data farm OK); reconciling before trading resumes"
                );
                self.link_back().await;
            }
            Meaning::FarmBroken => {
                tracing::warn!(code, message = %notice.message, "market data farm problem")
            }
            _ if notice.is_error() => tracing::warn!(code, message = %notice.message, "TWS notice"),
            _ => tracing::info!(code, message = %notice.message, "TWS notice"),
        }
    }

    /// The link is back: reconcile, then trade again.
    async fn link_back(&mut self) {
        if !self.reconcile().await {
            return;
        }
        self.connected = true;
        self.server_link_broken = false;
        self.operator.on_reconnect();
        self.notifier.link_restored(self.recorder.now());
        if self.untraded > 0 {
            tracing::warn!(
                events = self.untraded,
                "market events that arrived while the link was down were not traded on"
            );
            self.untraded = 0;
        }
    }

    /// One item of the order stream; breaks when the stream cannot be reopened.
    async fn on_order_item(
        &mut self,
        item: Result<SubscriptionItem<OrderUpdate>, ibapi::Error>,
        orders: &mut Subscription<OrderUpdate>,
    ) -> ControlFlow<()> {
        match item {
            Ok(SubscriptionItem::Data(update)) => self.on_order_update(&update).await,
            Ok(SubscriptionItem::Notice(notice)) => self.on_order_notice(&notice).await,
            Err(error) => {
                tracing::error!(%error, "order update stream failed; reopening it and reconciling");
                match self.client.order_update_stream().await {
                    Ok(stream) => *orders = stream,
                    Err(error) => {
                        tracing::error!(%error, "cannot reopen the order update stream: halting trading");
                        self.engine
                            .halt(HaltCause::Engine, self.recorder.now(), &mut self.out);
                        return ControlFlow::Break(());
                    }
                }
                self.reconcile().await;
            }
        }
        ControlFlow::Continue(())
    }

    /// The order-update glue, the one copy: decode once, journal, tell the
    /// engine, send what it answers. Used by trading and by the shutdown.
    pub(in crate::broker::tws) async fn on_order_update(&mut self, update: &OrderUpdate) {
        let now = self.recorder.now();
        let decoded = self.book.decode(update);
        if let Some(fact) = &decoded.journal {
            self.recorder.record(fact, now);
        }
        match decoded.engine {
            Translated::Event(event) => {
                tracing::debug!(?event, "order event");
                if let BrokerEvent::Filled { fill, .. } | BrokerEvent::Corrected { fill, .. } =
                    &event
                {
                    self.note_fill(fill.symbol);
                }
                if let BrokerEvent::Filled { id, fill } = &event {
                    self.operator.on_fill();
                    self.notify_fill(*id, fill);
                }
                self.engine.on_broker(&event, now, &mut self.out)
            }
            Translated::Unaccounted(u) => {
                tracing::error!(order_id = u.order_id, order_ref = %u.order_ref, what = u.what, "an order of this client the bot cannot account for: halting trading");
                self.engine.halt(HaltCause::Engine, now, &mut self.out);
            }
            Translated::Nothing => return,
        }
        self.dispatch().await;
    }

    /// An order-bound TWS error: a cancel confirmed, an order refused, or a warning.
    pub(in crate::broker::tws) async fn on_order_notice(&mut self, notice: &ibapi::Notice) {
        let (order_id, code, message) = (notice.request_id, notice.code, &notice.message);
        if code == codes::ORDER_CANCELLED || codes::cancel_refusal_is_final(code, message) {
            // Cancel confirmations, and "already cancelled" after OCA.
            tracing::info!(?order_id, code, %message, "order notice");
        } else {
            tracing::warn!(?order_id, code, %message, "order notice");
        }
        if let Some(id) = order_id.and_then(|id| self.book.note_parked(id, code, message)) {
            if let Some(line) = self.parked_line(id) {
                tracing::warn!(order = %line, "the market is closed: TWS holds the order and it executes at the next open");
            }
        }
        if let Some(event) = order_id.and_then(|id| self.book.rejection(id, code, message)) {
            let now = self.recorder.now();
            if let BrokerEvent::Rejected { id, .. } = event {
                self.operator.on_broker_reject(code);
                self.notify_reject(id, code, message);
                // Refused by TWS (no status may follow): the journal says so,
                // instead of leaving the order `sent`.
                let fact = JournalFact::Status {
                    id,
                    status: OrderStatus::Rejected,
                    filled: Decimal::ZERO,
                };
                self.recorder.record(&fact, now);
            }
            self.engine.on_broker(&event, now, &mut self.out);
        }
        if codes::is_read_only_refusal(code, message) {
            self.on_read_only_api();
        }
        self.dispatch().await;
    }

    /// TWS's API is read-only: halt entries at once and send nothing more
    /// (no retry, no cancel, no shutdown cancel: TWS would refuse them all).
    fn on_read_only_api(&mut self) {
        if self.sender.is_read_only() {
            return;
        }
        tracing::error!(code = codes::REQUEST_INVALID, "{}", codes::READ_ONLY_FIX);
        self.sender.refuse_all();
        self.engine.stop_protecting();
        self.options.read_only = true;
        // Whatever the halt asks for (cancels of working entries) is refused
        // by the sender and logged, never sent.
        self.engine
            .halt(HaltCause::Engine, self.recorder.now(), &mut self.out);
    }

    /// A market event: traded on only while connected.
    async fn on_market(&mut self, event: &MarketEvent) {
        if !self.connected {
            self.untraded += 1;
            if self.untraded == 1 {
                tracing::warn!("link to IB down: market events are not traded on until it is back");
            }
            return;
        }
        // Its age is judged on the session's clock before the event moves it.
        let received = self.recorder.now();
        // The market's own clock (tws-sim's may run faster than real time),
        // never moved back by late data.
        self.recorder.advance_clock_to(event.time());
        let started = std::time::Instant::now();
        self.engine
            .on_market_received(event, received, &mut self.out);
        self.operator
            .on_market(event.symbol(), event.time(), started.elapsed());
        // A new New York day comes back as `Notice::DayStarted`: the
        // recorder journals its start equity for restarts.
        self.dispatch().await;
    }

    /// IB's day PnL, fed to the engine as net liquidation: the gate keeps the
    /// worse of its own figure and IB's.
    fn on_ib_pnl(&mut self, ib_daily_pnl: Decimal) {
        let start = self.engine.account().start_of_day_equity;
        self.engine.set_net_liquidation(start + ib_daily_pnl);
        let own = self.engine.portfolio().net_pnl();
        if (own - ib_daily_pnl).abs() > start * Decimal::new(1, 3) {
            tracing::warn!(own = %own.round_dp(2), ib = %ib_daily_pnl.round_dp(2), "day PnL: the bot's accounting and IB's differ by more than 0.1 % of equity");
        }
    }

    /// One of our orders parked by TWS until the open, still working:
    /// `SELL 10 SPY (fta-…) until 2026-01-06 09:30:00 US/Eastern`.
    fn parked_line(&self, id: ClientOrderId) -> Option<String> {
        let (_, until) = self.book.parked().find(|(parked, _)| *parked == id)?;
        let order = self
            .engine
            .orders()
            .get(id)
            .filter(|o| !o.state.is_terminal())?;
        Some(format!(
            "{} {} {} ({id}) until {until}",
            order.ticket.side(),
            order.remaining(),
            order.ticket.symbol()
        ))
    }

    /// Every order of ours parked until the open (see [`Self::parked_line`]):
    /// the status line and the final report list them.
    pub(super) fn parked_lines(&self) -> Vec<String> {
        self.book
            .parked()
            .filter_map(|(id, _)| self.parked_line(id))
            .collect()
    }

    /// The one-line status log (with the symbols whose market data is
    /// inactive or retrying, and the orders parked until the open).
    fn log_status(&self, feeds: &Feeds) {
        let portfolio = self.engine.portfolio();
        let positions: Vec<String> = portfolio
            .open_positions()
            .map(|p| {
                format!(
                    "{} {}@{}",
                    p.symbol(),
                    p.quantity(),
                    p.average_cost().round_dp(2)
                )
            })
            .collect();
        tracing::info!(
            state = %self.engine.state(),
            positions = %if positions.is_empty() { "flat".to_string() } else { positions.join(", ") },
            day_pnl = %portfolio.net_pnl().round_dp(2),
            open_orders = self.engine.orders().open_orders().count(),
            not_ours = %not_ours_summary(&self.not_ours),
            parked = %parked_summary(&self.parked_lines()),
            market_data = %feeds.health().summary(),
            "status"
        );
    }
}

/// The status line's list of parked orders: `none`, or each as in
/// [`LiveSession::parked_lines`].
fn parked_summary(lines: &[String]) -> String {
    if lines.is_empty() {
        "none".to_string()
    } else {
        lines.join(", ")
    }
}

/// The status line's list of orders left alone: `none`, or each as
/// `client 0 #900 BUY 5 AAPL`.
fn not_ours_summary(orders: &[BrokerOrder]) -> String {
    if orders.is_empty() {
        return "none".to_string();
    }
    let each: Vec<String> = orders
        .iter()
        .map(|o| {
            format!(
                "client {} #{} {} {} {}",
                o.client_id, o.order_id, o.side, o.quantity, o.symbol
            )
        })
        .collect();
    each.join(", ")
}

/// Instruments for `symbols` on the US stock ladder, for paths that send
/// market orders only (the manual flatten). A trading session reads each
/// symbol's increments from TWS instead ([`crate::broker::tws::ticks`]).
pub fn stock_instruments(symbols: &[Symbol]) -> Vec<Instrument> {
    symbols.iter().map(|&s| Instrument::us_stock(s)).collect()
}
