//! Market data from TWS: one 5-second real-time bar subscription per symbol,
//! converted to our [`Bar`] and forwarded on a bounded channel. A subscription
//! that ends because the connection dropped is re-established once the client
//! has reconnected (server-side subscriptions do not survive a reconnect), and
//! one TWS dropped with notice 1101 ("connectivity restored — data lost") is
//! re-requested at once (TWS sends no more bars on it and no error either).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use ibapi::market_data::realtime::Bar as IbBar;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::{NoticeStream, Subscription};
use ibapi::{Client, Notice};
use tokio::sync::mpsc;

use crate::broker::codes;
use crate::broker::tws::orders::stock_contract;
use crate::broker::tws::wire::{self, Malformed};
use crate::domain::types::{Bar, MarketEvent, Symbol};

/// Length of IB's real-time bars.
pub const REALTIME_BAR_SECONDS: u32 = 5;

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

/// The next global notice, or never when there is no notice stream.
async fn next_notice(notices: &mut Option<NoticeStream>) -> Option<Notice> {
    match notices {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// Streams 5-second bars of `symbol` into `events` until the receiver is
/// dropped or the client gives up reconnecting. Resubscribes after every
/// reconnect and after TWS notice 1101; logs (never panics on) malformed or
/// failed updates.
pub async fn stream_bars(client: Arc<Client>, symbol: Symbol, events: mpsc::Sender<MarketEvent>) {
    // Subscribed before the first request, so no 1101 can fall in between.
    let mut notices = client.notice_stream().ok();
    while !events.is_closed() {
        let subscription = match subscribe(&client, symbol).await {
            ControlFlow::Continue(Some(subscription)) => subscription,
            ControlFlow::Continue(None) => continue,
            ControlFlow::Break(()) => return,
        };
        tracing::info!(%symbol, "subscribed to 5-second real-time bars");
        if forward(symbol, subscription, &mut notices, &events).await == Ended::ReceiverGone {
            return;
        }
        if client.wait_connected().await.is_err() {
            tracing::error!(%symbol, "connection to TWS is gone for good; market data stopped");
            return;
        }
    }
}

/// One real-time bar subscription; `None` after waiting out a failure (the
/// caller tries again); `Break` when the connection is gone for good.
async fn subscribe(
    client: &Client,
    symbol: Symbol,
) -> ControlFlow<(), Option<Subscription<IbBar>>> {
    match client
        .realtime_bars(&stock_contract(symbol))
        .subscribe()
        .await
    {
        Ok(subscription) => ControlFlow::Continue(Some(subscription)),
        Err(error) if error.is_connection_lost() => {
            if client.wait_connected().await.is_err() {
                tracing::error!(%symbol, "connection to TWS is gone for good; market data stopped");
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(None)
        }
        Err(error) => {
            tracing::warn!(%symbol, %error, "real-time bars request failed; retrying in 5 s");
            tokio::time::sleep(Duration::from_secs(5)).await;
            ControlFlow::Continue(None)
        }
    }
}

/// Why [`forward`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// The subscription is gone (connection lost, or TWS dropped it with 1101).
    Resubscribe,
    /// Nobody listens any more.
    ReceiverGone,
}

/// Forwards one subscription's bars until it ends.
async fn forward(
    symbol: Symbol,
    mut subscription: Subscription<IbBar>,
    notices: &mut Option<NoticeStream>,
    events: &mpsc::Sender<MarketEvent>,
) -> Ended {
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
        };
        match item {
            None => return Ended::Resubscribe,
            Some(Ok(SubscriptionItem::Notice(notice))) => {
                tracing::info!(%symbol, code = notice.code, message = %notice.message, "market data notice");
            }
            Some(Ok(SubscriptionItem::Data(bar))) => match convert_bar(symbol, &bar) {
                Ok(bar) => {
                    if events.send(MarketEvent::Bar(bar)).await.is_err() {
                        return Ended::ReceiverGone;
                    }
                }
                Err(error) => tracing::warn!(%symbol, %error, "real-time bar dropped"),
            },
            Some(Err(error)) if error.is_connection_lost() => {
                tracing::warn!(%symbol, "market data interrupted by a lost connection; will resubscribe");
                return Ended::Resubscribe;
            }
            Some(Err(error)) => tracing::warn!(%symbol, %error, "market data error"),
        }
    }
}
