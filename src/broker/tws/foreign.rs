//! The account's open orders, read periodically: the bot's own for the
//! audit ([`crate::broker::tws::audit`]), the others (typed into TWS by hand,
//! other API clients') for the status line, so the operator sees what the
//! bot is leaving alone, as it is now.
//!
//! Owns the periodic read only (one reqAllOpenOrders per period, bounded by
//! the snapshot timeout). Must never cancel or otherwise act on the orders
//! that are not ours.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ibapi::Client;
use tokio::sync::mpsc;

use crate::broker::tws::audit::OpenOrders;
use crate::broker::tws::snapshot::{self, BrokerOrder};
use crate::domain::order_id::claims_ours;

/// Whether an order at TWS is someone else's (no orderRef of ours).
pub fn is_foreign(order: &BrokerOrder) -> bool {
    !claims_ours(&order.order_ref)
}

/// Sends the account's open orders every `period` (the first after one
/// period) until the receiver is dropped; a read that fails is skipped.
pub async fn watch_open_orders(
    client: Arc<Client>,
    period: Duration,
    out: mpsc::Sender<OpenOrders>,
) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let requested_at = Instant::now();
        match snapshot::open_orders(&client).await {
            Ok(orders) => {
                let read = OpenOrders {
                    requested_at,
                    orders,
                };
                if out.send(read).await.is_err() {
                    return;
                }
            }
            Err(error) => tracing::debug!(%error, "open orders not read for the audit"),
        }
    }
}
