//! Adopting what already exists at TWS (at start) and catching up after a
//! reconnect: positions, our open orders (matched by `orderRef`, never
//! resent), executions missed while disconnected. Differences the bot cannot
//! explain halt trading. The sequence numbers of our orders found at TWS are
//! never handed out again, so a restart cannot reuse an `orderRef`.

use chrono::Utc;
use ibapi::Client;

use crate::broker::tws::router::OrderRouter;
use crate::broker::tws::session::dispatch;
use crate::broker::tws::snapshot::{self, BrokerOrder, SnapshotError};
use crate::core::engine::{Engine, Output};
use crate::core::event::BrokerEvent;
use crate::core::order_id::{ClientOrderId, Leg};
use crate::core::order_manager::FoundOrder;
use crate::core::types::Fill;
use crate::redact::mask_account;
use crate::risk::HaltCause;

/// Why adoption or reconciliation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A read from TWS failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// TWS reported a position the portfolio cannot take.
    #[error("cannot adopt the {symbol} position of {quantity} shares at average cost {average_cost}: {detail}")]
    BadPosition {
        /// Symbol.
        symbol: String,
        /// Quantity.
        quantity: String,
        /// Average cost.
        average_cost: String,
        /// Why.
        detail: String,
    },
    /// The order-id floor could not be read.
    #[error("cannot read the next valid order id from TWS: {0}")]
    NextId(ibapi::Error),
}

fn found(order: &BrokerOrder, id: ClientOrderId) -> FoundOrder {
    FoundOrder {
        id,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        kind: order.kind,
        filled: rust_decimal::Decimal::ZERO,
        parent: id.leg().is_protective().then(|| id.with_leg(Leg::Entry)),
    }
}

/// At start: restores positions, adopts our working orders, marks today's
/// executions as already reflected in those positions, and (unless
/// read-only) gives every position not covered by a working stop a new one.
///
/// # Errors
/// [`ReconcileError`] when TWS cannot be read or a position is malformed.
pub async fn adopt_broker_state(
    client: &Client,
    account: &str,
    engine: &mut Engine,
    router: &mut OrderRouter,
) -> Result<(), ReconcileError> {
    for position in snapshot::positions(client, account).await? {
        engine
            .restore_position(position.symbol, position.quantity, position.average_cost)
            .map_err(|e| ReconcileError::BadPosition {
                symbol: position.symbol.to_string(),
                quantity: position.quantity.to_string(),
                average_cost: position.average_cost.to_string(),
                detail: e.to_string(),
            })?;
        tracing::info!(symbol = %position.symbol, quantity = %position.quantity, average_cost = %position.average_cost, "adopted position");
    }
    for order in snapshot::open_orders(client).await? {
        match order.order_ref.parse::<ClientOrderId>() {
            Ok(id) => {
                router.bind(id, order.order_id);
                engine.adopt_order(found(&order, id));
                tracing::info!(order = %id, ib_order_id = order.order_id, status = %order.status, "adopted working order");
            }
            Err(_) => tracing::warn!(
                ib_order_id = order.order_id,
                client_id = order.client_id,
                symbol = %order.symbol,
                "a working order not placed by this bot exists in the account; it is left alone but counts toward nothing the bot controls"
            ),
        }
    }
    for execution in snapshot::executions(client, account).await? {
        if let Ok(id) = execution.order_ref.parse::<ClientOrderId>() {
            router.mark_seen(&execution.exec_id, id, execution.symbol);
            // Its orderRef is taken for the day, even though the order is done.
            engine.reserve_order_id(id);
        }
    }
    tracing::info!(account = %mask_account(account), "broker state adopted");
    if !router.is_read_only() {
        // A position whose stop is gone (e.g. the last shutdown cancelled its
        // bracket) gets one again before anything else trades.
        let mut out = Output::default();
        engine.protect_positions(Utc::now(), &mut out);
        if !out.commands.is_empty() {
            tracing::warn!(
                orders = out.commands.len(),
                "protecting adopted positions that have no working stop"
            );
        }
        dispatch(router, engine, &mut out).await;
    }
    Ok(())
}

/// After a reconnect (or a broken order stream): raises the order-id floor,
/// applies executions missed meanwhile, settles our orders that ended while
/// we were away, adopts ours we did not know, and halts trading if positions
/// still disagree with TWS.
///
/// # Errors
/// [`ReconcileError`] when TWS cannot be read.
pub async fn reconcile_after_reconnect(
    client: &Client,
    account: &str,
    engine: &mut Engine,
    router: &mut OrderRouter,
    out: &mut Output,
) -> Result<(), ReconcileError> {
    let floor = client
        .next_valid_order_id()
        .await
        .map_err(ReconcileError::NextId)?;
    tracing::info!(next_valid_order_id = floor, "order-id floor refreshed");
    let now = Utc::now();
    for execution in snapshot::executions(client, account).await? {
        let Ok(id) = execution.order_ref.parse::<ClientOrderId>() else {
            continue;
        };
        if !router.mark_seen(&execution.exec_id, id, execution.symbol) {
            continue;
        }
        tracing::warn!(order = %id, exec_id = %execution.exec_id, "applying an execution missed while disconnected");
        let fill = Fill {
            symbol: execution.symbol,
            side: execution.side,
            quantity: execution.quantity,
            price: execution.price,
            commission: execution.commission.unwrap_or_default(),
            time: now,
        };
        engine.on_broker(&BrokerEvent::Filled { id, fill }, now, out);
    }
    let open = snapshot::open_orders(client).await?;
    let at_broker: Vec<ClientOrderId> = open
        .iter()
        .filter_map(|o| o.order_ref.parse().ok())
        .collect();
    let ours: Vec<ClientOrderId> = engine
        .orders()
        .open_orders()
        .map(|o| o.ticket.id())
        .collect();
    for id in ours {
        if !at_broker.contains(&id) {
            tracing::warn!(order = %id, "order no longer working at TWS: marking it cancelled");
            engine.on_broker(&BrokerEvent::Cancelled { id }, now, out);
        }
    }
    for order in &open {
        if let Ok(id) = order.order_ref.parse::<ClientOrderId>() {
            router.bind(id, order.order_id);
            if engine.orders().get(id).is_none() {
                engine.adopt_order(found(order, id));
            }
        }
    }
    let positions = snapshot::positions(client, account).await?;
    let mut mismatch = false;
    for position in engine.portfolio().open_positions() {
        let broker = positions
            .iter()
            .find(|p| p.symbol == position.symbol())
            .map(|p| p.quantity)
            .unwrap_or_default();
        if broker != position.quantity() {
            tracing::error!(symbol = %position.symbol(), bot = %position.quantity(), tws = %broker, "position differs from TWS after reconnect");
            mismatch = true;
        }
    }
    for position in &positions {
        if engine.portfolio().quantity(position.symbol) != position.quantity {
            tracing::error!(symbol = %position.symbol, bot = %engine.portfolio().quantity(position.symbol), tws = %position.quantity, "position differs from TWS after reconnect");
            mismatch = true;
        }
    }
    if mismatch {
        engine.halt(HaltCause::Engine, now, out);
    }
    Ok(())
}
