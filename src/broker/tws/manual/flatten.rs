//! The flatten half of the manual commands: after a confirmed cancel, an
//! [`Engine`] without strategies takes over TWS's positions and emits its
//! reduce-only closing orders through the risk gate; the
//! [`OrderSender`] sends them, and TWS is polled until it reports flat.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ibapi::orders::OrderUpdate;
use ibapi::prelude::{StreamExt, SubscriptionItem};
use ibapi::subscriptions::Subscription;
use ibapi::Client;
use rust_decimal::Decimal;
use tokio::time::Instant;

use super::{
    cancel_in_scope, read_open_orders, read_positions, FlattenReport, ManualError, Refusal, Scope,
    SentOrder, MIN_READ, POLL,
};
use crate::broker::codes;
use crate::broker::tws::order_book::OrderBook;
use crate::broker::tws::sender::OrderSender;
use crate::broker::tws::session::stock_instruments;
use crate::broker::tws::snapshot::{self, BrokerPosition};
use crate::core::engine::{Engine, EngineConfig, Notice, Output};
use crate::core::event::BrokerEvent;
use crate::core::order_manager::{Command, OrderTicket};
use crate::domain::calendar::trading_day;
use crate::domain::order_id::{ClientOrderId, Namespace};
use crate::domain::types::{Side, Symbol};
use crate::journal::{ExecutionRecord, Journal, OrderIntentRecord, OrderStatus};
use crate::redact::mask_account;
use crate::risk::{AccountView, RiskLimits};

/// A closing order on its way: our id, and the position it closes.
type Pending = HashMap<i32, (ClientOrderId, Symbol, Decimal)>;

/// Cancels every order (see [`cancel_everything`](super::cancel_everything)), then closes every
/// position of `account` with a reduce-only market order approved by the
/// risk gate under `limits`, and polls TWS until it reports flat positions or
/// `timeout` has passed.
///
/// Closing orders are not sent when orders stay open after the cancel: a
/// surviving protective stop could fire after the close and open a position
/// the other way. Unfilled closing orders are left working (reported).
///
/// Every closing order is journaled in `journal` before it is sent, under
/// the next `ftm-…` reference of the trading day (so two runs the same day
/// never reuse one), then its send, a rejection, and its fills.
///
/// # Errors
/// [`ManualError`] when the cancel cannot be sent, positions cannot be read
/// or the journal cannot number the orders.
pub async fn flatten_everything(
    client: &Arc<Client>,
    account: &str,
    scope: &Scope,
    limits: &RiskLimits,
    timeout: Duration,
    journal: &mut Journal,
) -> Result<FlattenReport, ManualError> {
    let cancel = cancel_in_scope(client, account, scope, timeout).await?;
    let mut report = FlattenReport {
        account: mask_account(account),
        cancel,
        attempted: false,
        found: Vec::new(),
        sent: Vec::new(),
        refused: Vec::new(),
        left: None,
        orders_left: None,
        parked: Vec::new(),
    };
    if !report.cancel.is_clean() {
        tracing::error!("orders are still open: no closing order is sent");
        report.left = scoped_positions(client, account, scope, Instant::now()).await;
        return Ok(report);
    }
    report.attempted = true;
    let deadline = Instant::now() + timeout;
    let net_liquidation = read_net_liquidation(client, account).await;
    let found: Vec<BrokerPosition> = snapshot::positions(client, account)
        .await?
        .into_iter()
        .filter(|p| scope.covers_position(p))
        .collect();
    let symbols: Vec<Symbol> = found.iter().map(|p| p.symbol).collect();
    let mut engine = Engine::new(
        EngineConfig {
            limits: limits.clone(),
            instruments: stock_instruments(&symbols),
            account: AccountView::new(net_liquidation, net_liquidation),
            // Internal only: what is sent is renumbered in the manual namespace.
            next_seq: 1,
            broker_enforces_oca: true,
            max_data_age: None,
            regular_hours_only: true,
        },
        Vec::new(),
    );
    for p in &found {
        if let Err(error) = engine.restore_position(p.symbol, p.quantity, p.average_cost) {
            report.refused.push(Refusal {
                symbol: p.symbol,
                quantity: p.quantity,
                reason: format!("cannot take over the position: {error}"),
            });
        }
    }
    report.found = found;
    // Open the stream before sending, so a rejection cannot slip past.
    let mut updates = match client.order_update_stream().await {
        Ok(stream) => Some(stream),
        Err(error) => {
            tracing::warn!(%error, "no order update stream: rejections will show only as positions left");
            None
        }
    };
    let sender = OrderSender::new(Arc::clone(client), false);
    let mut book = OrderBook::new();
    let pending =
        send_closing_orders(&mut engine, (&sender, &mut book), journal, &mut report).await?;
    let ours: Vec<ClientOrderId> = pending.values().map(|(id, _, _)| *id).collect();
    report.left = if pending.is_empty() {
        // Nothing is on its way: one look says how things stand.
        scoped_positions(client, account, scope, deadline).await
    } else {
        let target = Target {
            client,
            account,
            scope,
            deadline,
        };
        wait_flat(
            target,
            (&book, &mut *journal),
            updates.as_mut(),
            pending,
            &mut report,
        )
        .await
    };
    journal_fills(client, account, journal, &ours).await;
    if !matches!(&report.left, Some(left) if left.is_empty()) {
        report.orders_left = read_open_orders(client, Instant::now())
            .await
            .map(|orders| {
                orders
                    .into_iter()
                    .filter(|o| scope.covers_order(o))
                    .collect()
            });
    }
    Ok(report)
}

/// Net liquidation for the gate's account view; zero when TWS does not
/// answer (the flatten check does not depend on it, and a zero equity
/// disables the daily-loss latch rather than tripping it).
async fn read_net_liquidation(client: &Client, account: &str) -> Decimal {
    match snapshot::net_liquidation(client, account).await {
        Ok(value) => value,
        Err(error) => {
            tracing::warn!(%error, "net liquidation unknown; the flatten check does not need it");
            Decimal::ZERO
        }
    }
}

/// Runs the engine's flatten and sends its orders, each journaled first
/// under the next manual reference of the day; records what was sent and
/// what the gate refused. Returns IB order id → (our id, position) of each
/// order sent.
///
/// # Errors
/// [`ManualError::Journal`] when the day's manual sequence cannot be read:
/// nothing is sent then.
async fn send_closing_orders(
    engine: &mut Engine,
    (sender, book): (&OrderSender, &mut OrderBook),
    journal: &mut Journal,
    report: &mut FlattenReport,
) -> Result<Pending, ManualError> {
    let now = Utc::now();
    let mut out = Output::default();
    engine.flatten_all(now, &mut out);
    for notice in &out.notices {
        if let Notice::Rejected(refusal) = notice {
            let quantity = closed_position(refusal.intent.side, refusal.intent.quantity);
            tracing::error!(symbol = %refusal.intent.symbol, reason = %refusal.reason, "risk gate refused a closing order");
            report.refused.push(Refusal {
                symbol: refusal.intent.symbol,
                quantity,
                reason: format!("risk gate: {}", refusal.reason),
            });
        }
    }
    let day = trading_day(now);
    let mut seq = journal.next_seq_in(day, Namespace::Manual)?;
    let mut pending = HashMap::new();
    for command in &out.commands {
        let Command::Place(ticket) = command else {
            continue;
        };
        let id = ClientOrderId::manual(day, seq);
        seq += 1;
        let position = closed_position(ticket.side(), ticket.quantity());
        match send_journaled(ticket, id, (sender, book), journal).await {
            Ok(ib) => {
                tracing::warn!(symbol = %ticket.symbol(), side = %ticket.side(), quantity = %ticket.quantity(), order = %id, "closing order sent");
                pending.insert(ib, (id, ticket.symbol(), position));
                report.sent.push(SentOrder {
                    symbol: ticket.symbol(),
                    side: ticket.side(),
                    quantity: ticket.quantity(),
                    order_ref: id.to_string(),
                });
            }
            Err(reason) => {
                tracing::error!(order = %id, %reason, "closing order not sent");
                report.refused.push(Refusal {
                    symbol: ticket.symbol(),
                    quantity: position,
                    reason,
                });
            }
        }
    }
    Ok(pending)
}

/// Journals `ticket` as intent `id` (before anything leaves), sends it
/// under `id` and journals the send — or, when the send fails, that it
/// ended unsent. Returns the IB order id, or why nothing was sent.
async fn send_journaled(
    ticket: &OrderTicket,
    id: ClientOrderId,
    (sender, book): (&OrderSender, &mut OrderBook),
    journal: &mut Journal,
) -> Result<i32, String> {
    let intent = OrderIntentRecord {
        order_ref: id,
        symbol: ticket.symbol(),
        side: ticket.side(),
        quantity: ticket.quantity(),
        kind: ticket.kind(),
        parent: None,
        at: Utc::now(),
    };
    journal
        .record_intent(&intent)
        .map_err(|error| format!("not journaled, not sent: {error}"))?;
    match sender.place_as(ticket, id, book).await {
        Ok(ib) => {
            journal_status(journal.mark_sent(&id, ib, Utc::now()).map(drop), id);
            Ok(ib)
        }
        Err(error) => {
            let ended =
                journal.record_status(&id, OrderStatus::Cancelled, Decimal::ZERO, Utc::now());
            journal_status(ended.map(drop), id);
            Err(error.to_string())
        }
    }
}

/// Logs a journal write about closing order `id` that failed (the order
/// itself went out, or not, regardless).
fn journal_status(result: Result<(), crate::journal::JournalError>, id: ClientOrderId) {
    if let Err(error) = result {
        tracing::warn!(order = %id, %error, "journal: closing order's state not recorded");
    }
}

/// Journals the fills of the closing orders `ours` and their resulting
/// state, from one bounded read of TWS's executions (so a running bot, or
/// the next start, finds the journal agreeing with TWS's positions).
async fn journal_fills(
    client: &Client,
    account: &str,
    journal: &mut Journal,
    ours: &[ClientOrderId],
) {
    if ours.is_empty() {
        return;
    }
    let executions = match tokio::time::timeout(MIN_READ, snapshot::executions(client, account))
        .await
    {
        Ok(Ok(executions)) => executions,
        Ok(Err(error)) => {
            tracing::warn!(%error, "executions not read: the closing orders' fills are not journaled");
            return;
        }
        Err(_) => {
            tracing::warn!(
                "executions not read in time: the closing orders' fills are not journaled"
            );
            return;
        }
    };
    for id in ours {
        let reference = id.to_string();
        let mut filled = Decimal::ZERO;
        for e in executions.iter().filter(|e| e.order_ref == reference) {
            filled += e.quantity;
            let record = ExecutionRecord {
                exec_id: e.exec_id.clone(),
                order_ref: Some(reference.clone()),
                symbol: e.symbol,
                side: e.side,
                quantity: e.quantity,
                price: e.price,
                time: e.time,
                commission: e.commission,
            };
            journal_status(journal.record_execution(&record).map(drop), *id);
        }
        if !filled.is_zero() {
            let state = journal
                .order(id)
                .ok()
                .flatten()
                .filter(|o| filled >= o.quantity)
                .map_or(OrderStatus::Working, |_| OrderStatus::Filled);
            journal_status(
                journal
                    .record_status(id, state, filled, Utc::now())
                    .map(drop),
                *id,
            );
        }
    }
}

/// The account a wait reads, and until when.
#[derive(Clone, Copy)]
struct Target<'a> {
    client: &'a Client,
    account: &'a str,
    scope: &'a Scope,
    deadline: Instant,
}

/// The positions `scope` covers, read within `deadline`.
async fn scoped_positions(
    client: &Client,
    account: &str,
    scope: &Scope,
    deadline: Instant,
) -> Option<Vec<BrokerPosition>> {
    let positions = read_positions(client, account, deadline).await?;
    Some(
        positions
            .into_iter()
            .filter(|p| scope.covers_position(p))
            .collect(),
    )
}

/// Polls positions until flat or `deadline`, while noting TWS rejections of
/// the closing orders (it stops early once every closing order was
/// rejected). Returns the last positions read.
async fn wait_flat(
    target: Target<'_>,
    (book, journal): (&OrderBook, &mut Journal),
    mut updates: Option<&mut Subscription<OrderUpdate>>,
    mut pending: Pending,
    report: &mut FlattenReport,
) -> Option<Vec<BrokerPosition>> {
    let Target {
        client,
        account,
        scope,
        deadline,
    } = target;
    let mut poll = tokio::time::interval(POLL);
    let mut last = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {
                tracing::error!("TWS does not report flat positions within the timeout");
                break;
            }
            update = next_update(&mut updates) => {
                let Some(Ok(SubscriptionItem::Notice(notice))) = update else {
                    if update.is_none() {
                        updates = None;
                    }
                    continue;
                };
                let Some(id) = notice.request_id else { continue };
                if let Some(until) = codes::parked_until(notice.code, &notice.message) {
                    if let Some((ours, symbol, _)) = pending.remove(&id) {
                        tracing::warn!(symbol = %symbol, %until, "the market is closed: TWS holds the closing order and it executes at the next open");
                        let order = report.sent.iter().find(|o| o.order_ref == ours.to_string()).cloned();
                        report.parked.extend(order.map(|o| (o, until.to_string())));
                    }
                    if pending.is_empty() {
                        break;
                    }
                    continue;
                }
                if matches!(book.rejection(id, notice.code, &notice.message), Some(BrokerEvent::Rejected { .. })) {
                    if let Some((ours, symbol, quantity)) = pending.remove(&id) {
                        tracing::error!(symbol = %symbol, code = notice.code, message = %notice.message, "TWS rejected a closing order");
                        let rejected = journal.record_status(&ours, OrderStatus::Rejected, Decimal::ZERO, Utc::now());
                        journal_status(rejected.map(drop), ours);
                        report.refused.push(Refusal {
                            symbol,
                            quantity,
                            reason: format!("TWS rejected the closing order ({}: {})", notice.code, notice.message),
                        });
                    }
                    if pending.is_empty() {
                        break;
                    }
                }
            }
            _ = poll.tick() => {
                if let Some(positions) = scoped_positions(client, account, scope, deadline).await {
                    let flat = positions.is_empty();
                    last = Some(positions);
                    if flat {
                        return last;
                    }
                }
            }
        }
    }
    scoped_positions(client, account, scope, deadline)
        .await
        .or(last)
}

/// The next item of the order stream, or never when there is none.
async fn next_update(
    updates: &mut Option<&mut Subscription<OrderUpdate>>,
) -> Option<Result<SubscriptionItem<OrderUpdate>, ibapi::Error>> {
    match updates {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// Signed position a closing order on `side` of `quantity` shares closes.
fn closed_position(side: Side, quantity: Decimal) -> Decimal {
    quantity * side.opposite().sign()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_sell_closes_a_long_and_a_buy_closes_a_short() {
        assert_eq!(closed_position(Side::Sell, dec!(100)), dec!(100));
        assert_eq!(closed_position(Side::Buy, dec!(40)), dec!(-40));
    }
}
