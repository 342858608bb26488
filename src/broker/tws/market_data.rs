//! Market data from TWS: one 5-second real-time bar subscription per symbol,
//! converted to our [`Bar`] and forwarded on a bounded channel. A subscription
//! that ends because the connection dropped is re-established once the client
//! has reconnected (server-side subscriptions do not survive a reconnect), and
//! one TWS dropped with notice 1101 ("connectivity restored — data lost") is
//! re-requested at once (TWS sends no more bars on it and no error either).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ibapi::market_data::realtime::Bar as IbBar;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::NoticeStream;
use ibapi::{Client, Notice};
use tokio::sync::mpsc;

use crate::broker::tws::snapshot::decimal;
use crate::domain::types::{Bar, MarketEvent, Symbol};

/// Length of IB's real-time bars.
pub const REALTIME_BAR_SECONDS: u32 = 5;

/// Converts an IB real-time bar to ours (prices to `Decimal`, time to UTC).
pub fn convert_bar(symbol: Symbol, bar: &IbBar) -> Bar {
    let start = DateTime::<Utc>::from_timestamp(bar.date.unix_timestamp(), bar.date.nanosecond())
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    Bar {
        symbol,
        start,
        seconds: REALTIME_BAR_SECONDS,
        open: decimal(bar.open),
        high: decimal(bar.high),
        low: decimal(bar.low),
        close: decimal(bar.close),
        volume: decimal(bar.volume),
    }
}

/// TWS notice: connectivity between TWS and IB restored, market data
/// subscriptions lost (they must be requested again).
pub const DATA_LOST_CODE: i32 = 1101;

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
    let contract = ibapi::contracts::Contract::stock(symbol.as_str()).build();
    // Subscribed before the first request, so no 1101 can fall in between.
    let mut notices = client.notice_stream().ok();
    loop {
        if events.is_closed() {
            return;
        }
        let mut subscription = match client.realtime_bars(&contract).subscribe().await {
            Ok(subscription) => subscription,
            Err(error) if error.is_connection_lost() => {
                if client.wait_connected().await.is_err() {
                    tracing::error!(%symbol, "connection to TWS is gone for good; market data stopped");
                    return;
                }
                continue;
            }
            Err(error) => {
                tracing::warn!(%symbol, %error, "real-time bars request failed; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        tracing::info!(%symbol, "subscribed to 5-second real-time bars");
        loop {
            let item = tokio::select! {
                item = subscription.next() => item,
                notice = next_notice(&mut notices) => {
                    match notice {
                        Some(notice) if notice.code == DATA_LOST_CODE => {
                            tracing::warn!(%symbol, "TWS dropped market data subscriptions (1101): subscribing again");
                            break;
                        }
                        Some(_) => {}
                        None => notices = None,
                    }
                    continue;
                }
            };
            let Some(item) = item else { break };
            match item {
                Ok(SubscriptionItem::Notice(notice)) => {
                    tracing::info!(%symbol, code = notice.code, message = %notice.message, "market data notice");
                }
                Ok(SubscriptionItem::Data(bar)) => {
                    if events
                        .send(MarketEvent::Bar(convert_bar(symbol, &bar)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Err(error) if error.is_connection_lost() => {
                    tracing::warn!(%symbol, "market data interrupted by a lost connection; will resubscribe");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%symbol, %error, "market data error");
                }
            }
        }
        if client.wait_connected().await.is_err() {
            tracing::error!(%symbol, "connection to TWS is gone for good; market data stopped");
            return;
        }
    }
}
