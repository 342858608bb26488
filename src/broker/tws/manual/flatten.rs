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
    SentOrder, MANUAL_SEQ_BASE, POLL,
};
use crate::broker::tws::order_book::OrderBook;
use crate::broker::tws::sender::OrderSender;
use crate::broker::tws::session::stock_instruments;
use crate::broker::tws::snapshot::{self, BrokerPosition};
use crate::core::engine::{Engine, EngineConfig, Notice, Output};
use crate::core::event::BrokerEvent;
use crate::core::order_manager::Command;
use crate::domain::types::{Side, Symbol};
use crate::redact::mask_account;
use crate::risk::{AccountView, RiskLimits};

/// Cancels every order (see [`cancel_everything`]), then closes every
/// position of `account` with a reduce-only market order approved by the
/// risk gate under `limits`, and polls TWS until it reports flat positions or
/// `timeout` has passed.
///
/// Closing orders are not sent when orders stay open after the cancel: a
/// surviving protective stop could fire after the close and open a position
/// the other way. Unfilled closing orders are left working (reported).
///
/// # Errors
/// [`ManualError`] when the cancel cannot be sent or positions cannot be read.
pub async fn flatten_everything(
    client: &Arc<Client>,
    account: &str,
    scope: &Scope,
    limits: &RiskLimits,
    timeout: Duration,
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
            next_seq: MANUAL_SEQ_BASE,
            broker_enforces_oca: true,
            max_data_age: None,
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
    let pending = send_closing_orders(&mut engine, (&sender, &mut book), &mut report).await;
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
        wait_flat(target, &book, updates.as_mut(), pending, &mut report).await
    };
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

/// Runs the engine's flatten and sends its orders; records what was sent and
/// what the gate refused. Returns IB order id → position of each order sent.
async fn send_closing_orders(
    engine: &mut Engine,
    (sender, book): (&OrderSender, &mut OrderBook),
    report: &mut FlattenReport,
) -> HashMap<i32, (Symbol, Decimal)> {
    let mut out = Output::default();
    engine.flatten_all(Utc::now(), &mut out);
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
    let mut pending = HashMap::new();
    for command in &out.commands {
        let Command::Place(ticket) = command else {
            continue;
        };
        let position = closed_position(ticket.side(), ticket.quantity());
        match sender.execute(command, book).await {
            Ok(sent) => {
                tracing::warn!(symbol = %ticket.symbol(), side = %ticket.side(), quantity = %ticket.quantity(), order = %ticket.id(), "closing order sent");
                for (_, ib) in sent.iter() {
                    pending.insert(ib, (ticket.symbol(), position));
                }
                report.sent.push(SentOrder {
                    symbol: ticket.symbol(),
                    side: ticket.side(),
                    quantity: ticket.quantity(),
                    order_ref: ticket.id().to_string(),
                });
            }
            Err(error) => {
                tracing::error!(%error, "closing order not sent");
                report.refused.push(Refusal {
                    symbol: ticket.symbol(),
                    quantity: position,
                    reason: error.to_string(),
                });
            }
        }
    }
    pending
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
    book: &OrderBook,
    mut updates: Option<&mut Subscription<OrderUpdate>>,
    mut pending: HashMap<i32, (Symbol, Decimal)>,
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
                if matches!(book.rejection(id, notice.code, &notice.message), Some(BrokerEvent::Rejected { .. })) {
                    if let Some((symbol, quantity)) = pending.remove(&id) {
                        tracing::error!(symbol = %symbol, code = notice.code, message = %notice.message, "TWS rejected a closing order");
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
