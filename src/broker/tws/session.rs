//! The live trading session: connect, verify the account, adopt what exists
//! at TWS, then run the engine on market data and order updates until the
//! operator shuts it down.
//!
//! One task owns the [`Engine`]; market data, order updates and connectivity
//! notices reach it over bounded channels and one `select!`, so the engine
//! needs no lock. Every command the engine emits goes out through the
//! [`OrderRouter`]; nothing else in the session can place an order.

use std::sync::Arc;
use std::time::Duration;

use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::Client;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

use crate::broker::tws::connect::{connect, ConnectError};
use crate::broker::tws::emergency::{emergency_shutdown, SessionReport};
use crate::broker::tws::market_data::stream_bars;
use crate::broker::tws::pnl::stream_daily_pnl;
use crate::broker::tws::reconcile::{
    adopt_broker_state, reconcile_after_reconnect, ReconcileError,
};
use crate::broker::tws::recorder::Recorder;
use crate::broker::tws::router::{OrderRouter, Translated};
use crate::broker::tws::snapshot::{self, SnapshotError};
use crate::broker::tws::warmup::warm_up_strategies;
use crate::core::engine::{Engine, EngineConfig, Notice, Output};
use crate::core::order_manager::Command;
use crate::domain::types::{Instrument, MarketEvent, Symbol};
use crate::journal::{Journal, JournalError};
use crate::redact::mask_account;
use crate::risk::state::trading_day;
use crate::risk::{AccountView, HaltCause, RiskLimits};
use crate::settings::TradingMode;
use crate::shutdown::{ShutdownListener, ShutdownStage};
use crate::strategy::Strategy;

/// Everything a session needs, already validated.
pub struct SessionConfig {
    /// TWS / IB Gateway host.
    pub host: String,
    /// API port.
    pub port: u16,
    /// API client id.
    pub client_id: i32,
    /// The account to trade (full id; never logged unmasked).
    pub account: String,
    /// Paper or live, as decided by the settings.
    pub mode: TradingMode,
    /// Market data and monitoring only.
    pub read_only: bool,
    /// Close every position on shutdown.
    pub flatten_on_exit: bool,
    /// Clear a latched HALTED (journaled today) at start: an explicit operator decision.
    pub operator_reset: bool,
    /// How long shutdown waits for cancels / flattening to be confirmed.
    pub cancel_timeout: Duration,
    /// Period of the one-line status log (zero = off).
    pub status_interval: Duration,
    /// Risk limits.
    pub limits: RiskLimits,
    /// Strategy instances (index = strategy id).
    pub strategies: Vec<Box<dyn Strategy>>,
    /// The write-ahead journal (opened and checked before connecting).
    pub journal: Journal,
    /// SHA-256 of the effective configuration, journaled with the run.
    pub config_hash: String,
}

/// Why a session could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Could not connect.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The configured account is not one this login manages.
    #[error("account {account} is not managed by this TWS login (it manages: {managed}); check IBKR_ACCOUNT_ID and which user is logged into TWS")]
    AccountNotManaged {
        /// Masked configured account.
        account: String,
        /// Masked managed accounts.
        managed: String,
    },
    /// Paper account in live mode or the other way round.
    #[error("account {account} is a {actual} account but the bot runs in {mode} mode; refusing to trade")]
    AccountModeMismatch {
        /// Masked account.
        account: String,
        /// What the account is.
        actual: &'static str,
        /// The mode.
        mode: TradingMode,
    },
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
}

/// How many market events may queue before the producers wait.
const MARKET_CHANNEL: usize = 4096;

/// Connects, verifies, adopts, trades until the shutdown listener says stop,
/// then runs the emergency shutdown and returns its report.
///
/// # Errors
/// [`SessionError`] when the session cannot start; once trading, problems
/// halt trading instead of ending the session.
pub async fn run_session(
    config: SessionConfig,
    mut shutdown: ShutdownListener,
) -> Result<SessionReport, SessionError> {
    let client = Arc::new(connect(&config.host, config.port, config.client_id).await?);
    tracing::info!(
        address = %format!("{}:{}", config.host, config.port),
        server_version = client.server_version(),
        mode = %config.mode,
        account = %mask_account(&config.account),
        read_only = config.read_only,
        "connected to TWS"
    );
    verify_account(&client, &config).await?;

    // The order stream first, so nothing falls between it and the snapshots.
    let mut order_stream = client
        .order_update_stream()
        .await
        .map_err(SessionError::OrderStream)?;
    let mut notices = client.notice_stream().map_err(SessionError::OrderStream)?;

    let mut recorder = Recorder::new(config.journal);
    sync_clock(&client, &mut recorder).await;
    let now = recorder.now();
    let day = trading_day(now);
    let mut session_day = day;
    recorder.journal().record_run(
        &config.config_hash,
        &config.mode.to_string(),
        &config.account,
        now,
    )?;
    let net_liquidation = snapshot::net_liquidation(&client, &config.account).await?;
    // The first equity journaled for the day is the day's start, across restarts.
    let start_equity = recorder
        .journal()
        .set_start_equity(day, net_liquidation, now)?;
    let next_seq = recorder.journal().next_seq(day)?;
    let strategies = config.strategies;
    let mut symbols: Vec<Symbol> = strategies
        .iter()
        .flat_map(|s| s.symbols().iter().copied())
        .collect();
    symbols.sort();
    symbols.dedup();
    let mut engine = Engine::new(
        EngineConfig {
            limits: config.limits.clone(),
            instruments: stock_instruments(&symbols),
            account: AccountView::new(net_liquidation, start_equity),
            next_seq,
        },
        strategies,
    );
    if let Some(latch) = recorder.latched(day) {
        tracing::warn!(state = %latch.state, "restoring the trading state journaled today");
        engine.restore_latch(latch);
    }
    let mut router = OrderRouter::new(Arc::clone(&client), config.read_only);
    let positions_agree = adopt_broker_state(
        &client,
        &config.account,
        &mut engine,
        &mut router,
        &mut recorder,
    )
    .await?;
    let mut out = Output::default();
    if config.operator_reset {
        tracing::warn!(
            "operator reset: the trading state is set back to ACTIVE by request (--operator-reset)"
        );
        engine.operator_reset(&mut out);
    }
    if !positions_agree {
        if config.operator_reset {
            tracing::warn!(
                "operator reset: TWS's positions are taken as they are, despite the journal"
            );
        } else {
            engine.halt(HaltCause::Engine, recorder.now(), &mut out);
        }
    }
    if !config.read_only {
        // A position whose stop is gone (e.g. the last shutdown cancelled its
        // bracket) gets one again before anything else trades; when no stop
        // can be placed, it is flattened.
        engine.protect_positions(recorder.now(), &mut out);
        if !out.commands.is_empty() {
            tracing::warn!(
                orders = out.commands.len(),
                "protecting adopted positions that have no working stop"
            );
        }
    }
    dispatch(&mut router, &mut engine, &mut recorder, &mut out).await;
    if config.read_only {
        engine.stop_strategies();
        tracing::warn!("read-only: market data and account monitoring only; no order will be placed or cancelled");
    }

    // Indicators primed from history, so strategies trade from the first live bar.
    warm_up_strategies(&client, &mut engine, recorder.now()).await;

    let (market_tx, mut market_rx) = mpsc::channel::<MarketEvent>(MARKET_CHANNEL);
    let mut feeds = Vec::new();
    for symbol in &symbols {
        feeds.push(tokio::spawn(stream_bars(
            Arc::clone(&client),
            *symbol,
            market_tx.clone(),
        )));
    }
    drop(market_tx);
    let (pnl_tx, mut pnl_rx) = mpsc::channel::<Decimal>(16);
    feeds.push(tokio::spawn(stream_daily_pnl(
        Arc::clone(&client),
        config.account.clone(),
        pnl_tx,
    )));

    let mut status = tokio::time::interval(if config.status_interval.is_zero() {
        Duration::from_secs(86_400)
    } else {
        config.status_interval
    });
    status.tick().await;
    let mut connected = true;
    loop {
        tokio::select! {
            biased;
            () = shutdown.reached(ShutdownStage::Shutdown) => break,
            notice = notices.next() => {
                let Some(notice) = notice else { break };
                match notice.code {
                    1100 | 1300 => {
                        connected = false;
                        tracing::error!(code = notice.code, "connection to IB lost: no new orders until it is restored");
                    }
                    1101 | 1102 | ibapi::TRANSPORT_RECONNECT_CODE => {
                        tracing::warn!(code = notice.code, "connection to IB restored; reconciling before trading resumes");
                        reconcile(&client, &config.account, &mut engine, &mut router, &mut recorder, &mut out).await;
                        connected = true;
                    }
                    2103 | 2105 | 2157 => tracing::warn!(code = notice.code, message = %notice.message, "market data farm problem"),
                    _ if notice.is_error() => tracing::warn!(code = notice.code, message = %notice.message, "TWS notice"),
                    _ => tracing::info!(code = notice.code, message = %notice.message, "TWS notice"),
                }
            }
            update = order_stream.next() => {
                match update {
                    Some(Ok(SubscriptionItem::Data(update))) => {
                        let now = recorder.now();
                        recorder.on_update(&update, |ib, r| router.lookup(ib, r), now);
                        match router.translate(&update, now) {
                            Translated::Event(event) => {
                                engine.on_broker(&event, now, &mut out);
                                dispatch(&mut router, &mut engine, &mut recorder, &mut out).await;
                            }
                            Translated::Unaccounted(u) => {
                                tracing::error!(order_id = u.order_id, order_ref = %u.order_ref, what = u.what, "an order of this client the bot cannot account for: halting trading");
                                engine.halt(HaltCause::Engine, now, &mut out);
                                dispatch(&mut router, &mut engine, &mut recorder, &mut out).await;
                            }
                            Translated::Nothing => {}
                        }
                    }
                    Some(Ok(SubscriptionItem::Notice(notice))) => {
                        if matches!(notice.code, 202 | 10148) {
                            // Cancel confirmations, and "already cancelled" after OCA.
                            tracing::info!(order_id = ?notice.request_id, code = notice.code, message = %notice.message, "order notice");
                        } else {
                            tracing::warn!(order_id = ?notice.request_id, code = notice.code, message = %notice.message, "order notice");
                        }
                        if let Some(event) = notice.request_id.and_then(|id| router.rejection(id, notice.code)) {
                            engine.on_broker(&event, recorder.now(), &mut out);
                            dispatch(&mut router, &mut engine, &mut recorder, &mut out).await;
                        }
                    }
                    Some(Err(error)) => {
                        tracing::error!(%error, "order update stream failed; reopening it and reconciling");
                        match client.order_update_stream().await {
                            Ok(stream) => order_stream = stream,
                            Err(error) => {
                                tracing::error!(%error, "cannot reopen the order update stream: halting trading");
                                engine.halt(HaltCause::Engine, recorder.now(), &mut out);
                                break;
                            }
                        }
                        reconcile(&client, &config.account, &mut engine, &mut router, &mut recorder, &mut out).await;
                    }
                    None => break,
                }
            }
            event = market_rx.recv() => {
                let Some(event) = event else { continue };
                if !connected {
                    continue;
                }
                // The market's own clock (tws-sim's may run faster than real time).
                recorder.sync_clock(event.time());
                engine.on_market(&event, &mut out);
                dispatch(&mut router, &mut engine, &mut recorder, &mut out).await;
                let today = trading_day(event.time());
                if today != session_day {
                    // Past midnight in New York: the engine has a new daily-loss
                    // baseline; the journal keeps it for restarts.
                    session_day = today;
                    let equity = engine.account().start_of_day_equity;
                    if let Err(error) = recorder.journal().set_start_equity(today, equity, event.time()) {
                        tracing::error!(%error, "journal: the new day's start equity was not recorded");
                    }
                }
            }
            Some(ib_daily_pnl) = pnl_rx.recv() => {
                // IB's figure as net liquidation: the gate keeps the worse of its own and IB's.
                let start = engine.account().start_of_day_equity;
                engine.set_net_liquidation(start + ib_daily_pnl);
                let own = engine.portfolio().net_pnl();
                if (own - ib_daily_pnl).abs() > start * Decimal::new(1, 3) {
                    tracing::warn!(own = %own.round_dp(2), ib = %ib_daily_pnl.round_dp(2), "day PnL: the bot's accounting and IB's differ by more than 0.1 % of equity");
                }
            }
            _ = status.tick() => log_status(&engine),
        }
    }
    for feed in &feeds {
        feed.abort();
    }
    let report = emergency_shutdown(
        &client,
        &config.account,
        &mut engine,
        &mut router,
        &mut order_stream,
        &mut recorder,
        &mut shutdown,
        config.flatten_on_exit,
        config.cancel_timeout,
        config.read_only,
    )
    .await;
    client.disconnect().await;
    Ok(report)
}

async fn verify_account(client: &Client, config: &SessionConfig) -> Result<(), SessionError> {
    let managed = snapshot::managed_accounts(client).await?;
    if !managed.iter().any(|a| a == &config.account) {
        return Err(SessionError::AccountNotManaged {
            account: mask_account(&config.account),
            managed: managed
                .iter()
                .map(|a| mask_account(a))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let is_paper = config.account.starts_with('D');
    let mode_paper = config.mode == TradingMode::Paper;
    if is_paper != mode_paper {
        return Err(SessionError::AccountModeMismatch {
            account: mask_account(&config.account),
            actual: if is_paper { "paper" } else { "live" },
            mode: config.mode,
        });
    }
    Ok(())
}

/// Journals, then sends, every command in `out`, and logs and journals every
/// notice. A command the journal cannot record is not sent: its orders are
/// reported back to the engine as rejected and trading halts. A command that
/// fails to send is reported back as rejected.
pub(crate) async fn dispatch(
    router: &mut OrderRouter,
    engine: &mut Engine,
    recorder: &mut Recorder,
    out: &mut Output,
) {
    loop {
        let latch = engine.latch_snapshot();
        for notice in out.notices.drain(..) {
            log_notice(&notice);
            recorder.on_notice(&notice, latch, recorder.now());
        }
        let commands: Vec<_> = out.commands.drain(..).collect();
        if commands.is_empty() {
            return;
        }
        for command in &commands {
            let now = recorder.now();
            if let Err(error) = recorder.before_send(command, now) {
                tracing::error!(%error, "journal write failed: order not sent, trading halted");
                for id in command_ids(command) {
                    engine.on_broker(
                        &crate::core::event::BrokerEvent::Rejected { id, code: 0 },
                        now,
                        out,
                    );
                }
                engine.halt(HaltCause::Engine, now, out);
                continue;
            }
            crate::failpoint::hit("after-journal-write");
            match router.execute(command).await {
                Ok(()) => {
                    if crate::failpoint::armed("after-send")
                        && !matches!(command, Command::Cancel(_) | Command::CancelAll)
                    {
                        // Let the socket carry the order out, then die before journaling the send.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        crate::failpoint::hit("after-send");
                    }
                    for id in command_ids(command) {
                        if let Some(ib) = router.ib_id(id) {
                            recorder.sent(id, ib, now);
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "order not sent");
                    for id in command_ids(command) {
                        engine.on_broker(
                            &crate::core::event::BrokerEvent::Rejected { id, code: 0 },
                            now,
                            out,
                        );
                    }
                }
            }
        }
    }
}

fn command_ids(
    command: &crate::core::order_manager::Command,
) -> Vec<crate::domain::order_id::ClientOrderId> {
    use crate::core::order_manager::Command;
    match command {
        Command::PlaceBracket {
            entry,
            stop_loss,
            take_profit,
        } => vec![entry.id(), stop_loss.id(), take_profit.id()],
        Command::Place(ticket) => vec![ticket.id()],
        Command::Cancel(_) | Command::CancelAll => Vec::new(),
    }
}

fn log_notice(notice: &Notice) {
    match notice {
        Notice::Approved(intent) => tracing::info!(
            strategy = intent.strategy.0,
            symbol = %intent.symbol,
            side = %intent.side,
            quantity = %intent.quantity,
            "risk gate approved"
        ),
        Notice::Rejected(r) => tracing::warn!(
            strategy = r.intent.strategy.0,
            symbol = %r.intent.symbol,
            side = %r.intent.side,
            quantity = %r.intent.quantity,
            reason = %r.reason,
            "risk gate rejected"
        ),
        Notice::StateChanged(change) => tracing::warn!("{change}"),
        Notice::IntentsDropped { strategy, count } => {
            tracing::warn!(
                strategy = strategy.0,
                count,
                "strategy produced too many intents; extra dropped"
            )
        }
        Notice::UnknownOrder(id) => {
            tracing::error!(order = %id, "event for an unknown order: trading halted")
        }
        Notice::BadFill(id) => tracing::error!(order = %id, "malformed fill: trading halted"),
        Notice::MarkRefused { symbol, price } => {
            tracing::warn!(%symbol, %price, "market data price refused: event dropped")
        }
        Notice::DayStarted { day, start_equity } => {
            tracing::info!(%day, %start_equity, "new trading day")
        }
    }
}

fn log_status(engine: &Engine) {
    let portfolio = engine.portfolio();
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
        state = %engine.state(),
        positions = %if positions.is_empty() { "flat".to_string() } else { positions.join(", ") },
        day_pnl = %portfolio.net_pnl().round_dp(2),
        open_orders = engine.orders().open_orders().count(),
        "status"
    );
}

/// Aligns the session clock with TWS's (its clock is the market's; tws-sim
/// runs a simulated one). Keeps the machine's clock when TWS does not answer.
async fn sync_clock(client: &Client, recorder: &mut Recorder) {
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

async fn reconcile(
    client: &Client,
    account: &str,
    engine: &mut Engine,
    router: &mut OrderRouter,
    recorder: &mut Recorder,
    out: &mut Output,
) {
    sync_clock(client, recorder).await;
    if let Err(error) =
        reconcile_after_reconnect(client, account, engine, router, recorder, out).await
    {
        tracing::error!(%error, "reconciliation failed: halting trading");
        engine.halt(HaltCause::Engine, recorder.now(), out);
    }
    dispatch(router, engine, recorder, out).await;
}

/// Instruments for `symbols`: US stocks with a one-cent tick.
pub fn stock_instruments(symbols: &[Symbol]) -> Vec<Instrument> {
    symbols.iter().map(|&s| Instrument::us_stock(s)).collect()
}
