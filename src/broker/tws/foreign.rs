//! The orders in the account that are not the bot's (typed into TWS by hand,
//! other API clients'), read periodically for the status line: the operator
//! sees what the bot is leaving alone, as it is now.
//!
//! Owns the periodic read only (one reqAllOpenOrders per period, bounded by
//! the snapshot timeout). Must never cancel or otherwise act on those orders.

use std::sync::Arc;
use std::time::Duration;

use ibapi::Client;
use tokio::sync::mpsc;

use crate::broker::tws::snapshot::{self, BrokerOrder};
use crate::domain::order_id::claims_ours;

/// Whether an order at TWS is someone else's (no orderRef of ours).
pub fn is_foreign(order: &BrokerOrder) -> bool {
    !claims_ours(&order.order_ref)
}

/// Sends the open orders that are not ours every `period` until the
/// receiver is dropped; a read that fails is skipped (the last list stands).
pub async fn watch_foreign_orders(
    client: Arc<Client>,
    period: Duration,
    out: mpsc::Sender<Vec<BrokerOrder>>,
) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match snapshot::open_orders(&client).await {
            Ok(orders) => {
                let foreign: Vec<BrokerOrder> = orders.into_iter().filter(is_foreign).collect();
                if out.send(foreign).await.is_err() {
                    return;
                }
            }
            Err(error) => tracing::debug!(%error, "open orders not read for the status line"),
        }
    }
}
