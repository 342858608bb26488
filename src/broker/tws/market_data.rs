//! Market data from TWS: one 5-second real-time bar subscription per symbol,
//! converted to our [`Bar`] and forwarded on a bounded channel, and kept
//! alive by three rules:
//! - every request goes through the session's one [`SharedPacer`] (IB's 60
//!   new real-time-bar requests per 10 minutes, shared with history);
//! - a refusal is classified ([`codes::market_data_refusal`]): a permanent
//!   one (unknown symbol, no permission, delayed data not enabled) ends the
//!   symbol's feed for the session with one message naming the fix and marks
//!   it inactive in [`MarketDataHealth`]; a transient one (competing session,
//!   farm down, pacing, or a code we do not know) is retried after an
//!   exponential [`Backoff`] (5 s → 5 min);
//! - a watchdog: during regular trading hours (the domain calendar, on the
//!   broker's clock) a subscription that sends no bar for [`WATCHDOG_BARS`]
//!   bar intervals is made again, paced and logged; outside regular hours
//!   silence is normal and nothing is sent.
//!
//! A subscription that ends because the connection dropped is made again
//! once the client has reconnected (server-side subscriptions do not survive
//! a reconnect), and one TWS dropped with notice 1101 ("connectivity
//! restored — data lost") at once (TWS sends no more bars on it and no error
//! either). Must never trade or reach the engine: it only forwards bars, and
//! takes no lock per bar (the health map is written on state changes only).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use ibapi::market_data::realtime::Bar as IbBar;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::{NoticeStream, Subscription};
use ibapi::{Client, Notice};
use tokio::sync::mpsc;

use crate::broker::codes::{self, DataRefusal};
use crate::broker::tws::orders::stock_contract;
use crate::broker::tws::pacing::{Backoff, Pacing, SharedPacer};
use crate::broker::tws::wire::{self, Malformed};
use crate::domain::calendar;
use crate::domain::types::{Bar, MarketEvent, Symbol};

/// Length of IB's real-time bars.
pub const REALTIME_BAR_SECONDS: u32 = 5;

/// Bar intervals without a bar, in regular hours, before the watchdog
/// resubscribes.
pub const WATCHDOG_BARS: u32 = 3;

/// Converts an IB real-time bar to ours (prices to `Decimal`, time to UTC).
///
/// # Errors
/// [`Malformed`] when a price is not positive, the volume is not finite or
/// the time cannot be placed: the bar is dropped, never defaulted.
pub fn convert_bar(symbol: Symbol, bar: &IbBar) -> Result<Bar, Malformed> {
    Ok(Bar {
        symbol,
        start: wire::unix_time("bar time", bar.date.unix_timestamp(), bar.date.nanosecond())?,
        seconds: REALTIME_BAR_SECONDS,
        open: wire::price("bar open", bar.open)?,
        high: wire::price("bar high", bar.high)?,
        low: wire::price("bar low", bar.low)?,
        close: wire::price("bar close", bar.close)?,
        volume: wire::amount("bar volume", bar.volume)?,
    })
}

/// How one symbol's feed is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedState {
    /// Bars are flowing.
    Streaming,
    /// Refused or silent for a reason that passes: retrying after a back-off.
    Retrying(Option<DataRefusal>),
    /// Refused for good: not requested again this session.
    Inactive(DataRefusal),
}

/// Every feed's state, written by the feed tasks when it changes and read
/// by the status line and the final report. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct MarketDataHealth(Arc<Mutex<BTreeMap<Symbol, FeedState>>>);

impl MarketDataHealth {
    fn set(&self, symbol: Symbol, state: FeedState) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(symbol, state);
    }

    /// `symbol` is refused for good (TWS's `code` and `message`): marks it
    /// inactive and says once, at ERROR, what to do about it.
    pub fn refused_for_good(&self, symbol: Symbol, refusal: DataRefusal, code: i32, message: &str) {
        self.set(symbol, FeedState::Inactive(refusal));
        tracing::error!(
            %symbol,
            code,
            tws = %message,
            "market data for {symbol} refused ({}): {}. {symbol} is inactive for this session (its strategies do not trade it); other symbols trade on",
            refusal.label(),
            refusal.fix()
        );
    }

    /// A copy of every feed's state, by symbol.
    pub fn snapshot(&self) -> BTreeMap<Symbol, FeedState> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The symbols refused for good, and why.
    pub fn inactive(&self) -> Vec<(Symbol, DataRefusal)> {
        self.snapshot()
            .into_iter()
            .filter_map(|(symbol, state)| match state {
                FeedState::Inactive(refusal) => Some((symbol, refusal)),
                _ => None,
            })
            .collect()
    }

    /// The status line's view: `ok`, or each symbol that is not streaming,
    /// e.g. `AAPL INACTIVE (no market data permission); SPY retrying (competing live session)`.
    pub fn summary(&self) -> String {
        let troubled: Vec<String> = self
            .snapshot()
            .into_iter()
            .filter_map(|(symbol, state)| match state {
                FeedState::Streaming => None,
                FeedState::Inactive(r) => Some(format!("{symbol} INACTIVE ({})", r.label())),
                FeedState::Retrying(Some(r)) => Some(format!("{symbol} retrying ({})", r.label())),
                FeedState::Retrying(None) => Some(format!("{symbol} retrying")),
            })
            .collect();
        if troubled.is_empty() {
            "ok".to_string()
        } else {
            troubled.join("; ")
        }
    }
}

/// What every feed of a session shares.
#[derive(Clone)]
pub struct FeedContext {
    /// The connection to TWS.
    pub client: Arc<Client>,
    /// The session's one request budget.
    pub pacer: SharedPacer,
    /// Where each feed reports its state.
    pub health: MarketDataHealth,
    /// Broker time minus this machine's time, as the session clock has it
    /// at the start: the watchdog's market clock until the first bar.
    pub clock_offset: chrono::Duration,
}

/// The market's time as one feed knows it: the end of the latest bar, plus
/// the real time since it arrived (before any bar: this machine's clock
/// shifted to the broker's). Follows a broker clock that runs faster than
/// real time (tws-sim) as the session clock does; exact against TWS.
#[derive(Debug, Clone, Copy)]
struct MarketClock {
    anchor: tokio::time::Instant,
    market: chrono::DateTime<Utc>,
}

impl MarketClock {
    fn new(offset: chrono::Duration) -> Self {
        Self {
            anchor: tokio::time::Instant::now(),
            market: Utc::now() + offset,
        }
    }

    /// A bar that ended at `end` arrived now.
    fn bar_ended(&mut self, end: chrono::DateTime<Utc>) {
        self.anchor = tokio::time::Instant::now();
        self.market = end;
    }

    fn now(&self) -> chrono::DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.anchor.elapsed()).unwrap_or_default();
        self.market + elapsed
    }
}

/// Streams 5-second bars of `symbol` into `events` until the receiver is
/// dropped, the symbol is refused for good, or the client gives up
/// reconnecting. Logs (never panics on) malformed or failed updates.
pub async fn stream_bars(ctx: FeedContext, symbol: Symbol, events: mpsc::Sender<MarketEvent>) {
    // Subscribed before the first request, so no 1101 can fall in between.
    let mut notices = ctx.client.notice_stream().ok();
    let mut backoff = Backoff::default();
    let mut clock = MarketClock::new(ctx.clock_offset);
    while !events.is_closed() {
        wait_for_turn(&ctx.pacer, symbol).await;
        let Some(subscription) = subscribe(&ctx.client, symbol, &mut backoff).await else {
            if ctx.client.wait_connected().await.is_err() {
                tracing::error!(%symbol, "connection to TWS is gone for good; market data stopped");
                return;
            }
            continue;
        };
        tracing::info!(%symbol, "subscribed to 5-second real-time bars");
        let feed = Feed {
            symbol,
            events: &events,
            backoff: &mut backoff,
            clock: &mut clock,
        };
        let ended = forward(&ctx, subscription, &mut notices, feed).await;
        match ended {
            Ended::ReceiverGone => return,
            Ended::Refused { code, message } => {
                if !on_refusal(&ctx, symbol, code, &message, &mut backoff).await {
                    return;
                }
            }
            Ended::Silent { had_bars: false } => {
                // Not one bar since subscribing: wait before asking again.
                ctx.health.set(symbol, FeedState::Retrying(None));
                tokio::time::sleep(backoff.next_delay()).await;
            }
            Ended::Silent { had_bars: true } | Ended::Resubscribe => {}
        }
        if ctx.client.wait_connected().await.is_err() {
            tracing::error!(%symbol, "connection to TWS is gone for good; market data stopped");
            return;
        }
    }
}

/// Acts on TWS's refusal of `symbol`'s bars: `false` when the symbol is
/// refused for good (reported once, with the fix), `true` after waiting out
/// the back-off of a refusal that passes.
async fn on_refusal(
    ctx: &FeedContext,
    symbol: Symbol,
    code: i32,
    message: &str,
    backoff: &mut Backoff,
) -> bool {
    let refusal = codes::market_data_refusal(code, message);
    if let Some(refusal) = refusal.filter(|r| r.is_permanent()) {
        ctx.health.refused_for_good(symbol, refusal, code, message);
        return false;
    }
    if refusal == Some(DataRefusal::Pacing) {
        ctx.pacer.lock().await.pacing_violation(Instant::now());
    }
    ctx.health.set(symbol, FeedState::Retrying(refusal));
    let delay = backoff.next_delay();
    let reason = refusal.map_or("unrecognised error", DataRefusal::label);
    tracing::warn!(
        %symbol,
        code,
        tws = %message,
        retry_in_seconds = delay.as_secs(),
        "market data for {symbol} interrupted ({reason}); retrying by itself"
    );
    tokio::time::sleep(delay).await;
    true
}

/// Waits (logging why) until the session's budget lets one new real-time-bar
/// request for `symbol` go out, and records it.
async fn wait_for_turn(pacer: &SharedPacer, symbol: Symbol) {
    let contract = format!("{symbol} STK SMART USD");
    loop {
        let decision = pacer
            .lock()
            .await
            .try_send_realtime(&contract, Instant::now());
        match decision {
            Pacing::SendNow => return,
            Pacing::WaitUntil { at, reason } => {
                let wait = at.saturating_duration_since(Instant::now());
                tracing::info!(
                    %symbol,
                    wait_seconds = format_args!("{:.1}", wait.as_secs_f64()),
                    %reason,
                    "market data pacing: waiting before requesting bars"
                );
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
            }
        }
    }
}

/// One real-time bar subscription; `None` when the request could not be
/// sent (the caller waits for the connection and tries again; a failure
/// that is not a lost connection waits out the back-off first).
async fn subscribe(
    client: &Client,
    symbol: Symbol,
    backoff: &mut Backoff,
) -> Option<Subscription<IbBar>> {
    match client
        .realtime_bars(&stock_contract(symbol))
        .subscribe()
        .await
    {
        Ok(subscription) => Some(subscription),
        Err(error) if error.is_connection_lost() => None,
        Err(error) => {
            let delay = backoff.next_delay();
            tracing::warn!(%symbol, %error, retry_in_seconds = delay.as_secs(), "real-time bars request failed");
            tokio::time::sleep(delay).await;
            None
        }
    }
}

/// Why [`forward`] stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ended {
    /// The subscription is gone (connection lost, or TWS dropped it with 1101).
    Resubscribe,
    /// TWS refused or ended the request with an error.
    Refused {
        /// IB's code.
        code: i32,
        /// IB's text.
        message: String,
    },
    /// No bar for [`WATCHDOG_BARS`] intervals during regular hours.
    Silent {
        /// Whether this subscription delivered any bar before going quiet.
        had_bars: bool,
    },
    /// Nobody listens any more.
    ReceiverGone,
}

/// The next global notice, or never when there is no notice stream.
async fn next_notice(notices: &mut Option<NoticeStream>) -> Option<Notice> {
    match notices {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// How long the watchdog lets a subscription stay quiet.
fn watchdog_silence() -> Duration {
    Duration::from_secs(u64::from(REALTIME_BAR_SECONDS * WATCHDOG_BARS))
}

/// Whether a quiet subscription must be made again: only while the regular
/// session is open at `market_now` (silence outside it is normal).
fn watchdog_fires(market_now: chrono::DateTime<Utc>) -> bool {
    calendar::is_open(market_now)
}

/// One feed's own state, lent to [`forward`] for one subscription.
struct Feed<'a> {
    symbol: Symbol,
    events: &'a mpsc::Sender<MarketEvent>,
    backoff: &'a mut Backoff,
    clock: &'a mut MarketClock,
}

/// Forwards one subscription's bars until it ends.
async fn forward(
    ctx: &FeedContext,
    mut subscription: Subscription<IbBar>,
    notices: &mut Option<NoticeStream>,
    feed: Feed<'_>,
) -> Ended {
    let Feed {
        symbol,
        events,
        backoff,
        clock,
    } = feed;
    let silence = watchdog_silence();
    let mut deadline = tokio::time::Instant::now() + silence;
    let mut had_bars = false;
    let mut quiet_said = false;
    loop {
        let item = tokio::select! {
            item = subscription.next() => item,
            notice = next_notice(notices) => {
                match notice {
                    Some(notice) if notice.code == codes::RESTORED_DATA_LOST => {
                        tracing::warn!(%symbol, "TWS dropped market data subscriptions (1101): subscribing again");
                        return Ended::Resubscribe;
                    }
                    Some(_) => {}
                    None => *notices = None,
                }
                continue;
            }
            () = tokio::time::sleep_until(deadline) => {
                if watchdog_fires(clock.now()) {
                    tracing::warn!(
                        %symbol,
                        silent_seconds = silence.as_secs(),
                        "no real-time bar for {WATCHDOG_BARS} bar intervals during regular trading hours: resubscribing"
                    );
                    return Ended::Silent { had_bars };
                }
                // Outside regular hours silence is normal: said once per
                // quiet spell, nothing sent; look again later.
                if !quiet_said {
                    quiet_said = true;
                    tracing::info!(
                        %symbol,
                        "no real-time bar for {WATCHDOG_BARS} bar intervals outside regular trading hours: normal, not resubscribing"
                    );
                }
                deadline = tokio::time::Instant::now() + silence;
                continue;
            }
        };
        match item {
            None => return Ended::Resubscribe,
            Some(Ok(SubscriptionItem::Notice(notice))) => {
                tracing::info!(%symbol, code = notice.code, message = %notice.message, "market data notice");
            }
            Some(Ok(SubscriptionItem::Data(bar))) => {
                deadline = tokio::time::Instant::now() + silence;
                quiet_said = false;
                if !had_bars {
                    had_bars = true;
                    backoff.reset();
                    ctx.health.set(symbol, FeedState::Streaming);
                }
                match convert_bar(symbol, &bar) {
                    Ok(bar) => {
                        clock.bar_ended(bar.end());
                        if events.send(MarketEvent::Bar(bar)).await.is_err() {
                            return Ended::ReceiverGone;
                        }
                    }
                    Err(error) => tracing::warn!(%symbol, %error, "real-time bar dropped"),
                }
            }
            Some(Err(error)) if error.is_connection_lost() => {
                tracing::warn!(%symbol, "market data interrupted by a lost connection; will resubscribe");
                return Ended::Resubscribe;
            }
            Some(Err(ibapi::Error::Notice(notice))) => {
                return Ended::Refused {
                    code: notice.code,
                    message: notice.message,
                };
            }
            Some(Err(error)) => tracing::warn!(%symbol, %error, "market data error"),
        }
    }
}

#[cfg(test)]
#[path = "market_data_tests.rs"]
mod tests;
