//! The account's open orders and managed positions, read periodically: the
//! bot's own for the audit ([`crate::broker::tws::audit`]), the orders that
//! are not ours (typed into TWS by hand, other API clients') for the status
//! line, so the operator sees what the bot is leaving alone, as it is now.
//!
//! Owns the periodic read only (one reqAllOpenOrders and one reqPositions
//! per period, each bounded by the snapshot timeout). Must never cancel or
//! otherwise act on the orders that are not ours.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ibapi::Client;
use tokio::sync::mpsc;

use crate::broker::tws::audit::TwsRead;
use crate::broker::tws::snapshot::{self, BrokerOrder};
use crate::domain::order_id::claims_ours;
use crate::domain::types::Symbol;
use crate::domain::AccountId;

/// Whether an order at TWS is someone else's (no orderRef of ours).
pub fn is_foreign(order: &BrokerOrder) -> bool {
    !claims_ours(&order.order_ref)
}

/// Sends the account's open orders and the positions in `symbols` (US
/// stocks: the ones the bot manages) every `period` (the first after one
/// period) until the receiver is dropped; a read whose orders fail is
/// skipped, one whose positions fail carries none.
pub async fn watch_tws(
    client: Arc<Client>,
    account: AccountId,
    symbols: Vec<Symbol>,
    period: Duration,
    out: mpsc::Sender<TwsRead>,
) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let requested_at = Instant::now();
        let orders = match snapshot::open_orders(&client).await {
            Ok(orders) => orders,
            Err(error) => {
                tracing::debug!(%error, "open orders not read for the audit");
                continue;
            }
        };
        let positions = match snapshot::positions(&client, account.expose()).await {
            Ok(all) => {
                let (managed, _) = snapshot::split_managed(all, &symbols);
                Some(managed.iter().map(|p| (p.symbol, p.quantity)).collect())
            }
            Err(error) => {
                tracing::debug!(%error, "positions not read for the audit");
                None
            }
        };
        let read = TwsRead {
            requested_at,
            orders,
            positions,
        };
        if out.send(read).await.is_err() {
            return;
        }
    }
}
