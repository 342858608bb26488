//! IB's own view of the day's PnL (reqPnL), streamed next to the bot's own
//! accounting. The session feeds it to the engine as net liquidation
//! (start-of-day equity + IB's daily PnL), and the risk gate takes the *worse*
//! of the two figures for the daily-loss limit: if the bot's accounting and
//! IB's disagree, the more pessimistic one decides.

use std::sync::Arc;
use std::time::Duration;

use ibapi::accounts::types::AccountId;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::Client;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

use crate::broker::tws::wire;

/// Streams IB's daily PnL for `account` into `out` until the receiver is
/// dropped or the client gives up reconnecting; resubscribes after reconnects.
pub async fn stream_daily_pnl(client: Arc<Client>, account: String, out: mpsc::Sender<Decimal>) {
    let id = AccountId(account);
    loop {
        if out.is_closed() {
            return;
        }
        let mut subscription = match client.pnl(&id, None).await {
            Ok(subscription) => subscription,
            Err(error) => {
                if error.is_connection_lost() && client.wait_connected().await.is_err() {
                    return;
                }
                tracing::warn!(%error, "IB PnL request failed; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        while let Some(item) = subscription.next().await {
            match item {
                Ok(SubscriptionItem::Data(pnl)) => match wire::amount("daily PnL", pnl.daily_pnl) {
                    Ok(daily) => {
                        if out.send(daily).await.is_err() {
                            return;
                        }
                    }
                    Err(error) => tracing::warn!(%error, "IB PnL update dropped"),
                },
                Ok(SubscriptionItem::Notice(notice)) => {
                    tracing::info!(code = notice.code, message = %notice.message, "IB PnL notice");
                }
                Err(error) if error.is_connection_lost() => break,
                Err(error) => tracing::warn!(%error, "IB PnL stream error"),
            }
        }
        if client.wait_connected().await.is_err() {
            return;
        }
    }
}

/// IB's figures for the day so far (reqPnL), read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySoFar {
    /// PnL since the prior close (positions carried from earlier days count
    /// from that close, as IB computes it) plus today's realized PnL.
    pub daily: Decimal,
    /// Unrealized PnL of the positions held, from their average cost.
    pub unrealized: Decimal,
}

/// The first reqPnL update for `account` within `within`; `None` (logged)
/// when TWS does not answer in time or sends a malformed value.
pub async fn day_so_far(client: &Client, account: &str, within: Duration) -> Option<DaySoFar> {
    let id = AccountId(account.to_string());
    let mut subscription = match client.pnl(&id, None).await {
        Ok(subscription) => subscription,
        Err(error) => {
            tracing::warn!(%error, "IB PnL request failed at start");
            return None;
        }
    };
    let first = tokio::time::timeout(within, subscription.next()).await;
    subscription.cancel().await;
    let pnl = match first {
        Ok(Some(Ok(SubscriptionItem::Data(pnl)))) => pnl,
        other => {
            tracing::warn!(?other, "IB did not report the day's PnL at start");
            return None;
        }
    };
    let unrealized = pnl.unrealized_pnl.unwrap_or(f64::NAN);
    match (
        wire::amount("daily PnL", pnl.daily_pnl),
        wire::amount("unrealized PnL", unrealized),
    ) {
        (Ok(daily), Ok(unrealized)) => Some(DaySoFar { daily, unrealized }),
        (Err(error), _) | (_, Err(error)) => {
            tracing::warn!(%error, "IB PnL at start dropped");
            None
        }
    }
}
