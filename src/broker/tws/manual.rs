//! Manual emergencies from another terminal (`cancel-all`, `flatten`): the
//! operator's own connection, under a client id of its own, that cancels
//! every order of the account and closes every position — whether or not a
//! bot is still running.
//!
//! Every read and wait is bounded by the caller's timeout; what TWS did not
//! confirm in time is said in the report, never assumed. Closing orders are
//! built by an [`Engine`] without strategies, so they pass the same
//! reduce-only [`RiskGate::check_flatten`](crate::risk::RiskGate::check_flatten)
//! as the bot's own flatten, and are sent by the same [`OrderRouter`].

mod report;

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

pub use report::{CancelReport, FlattenReport, Refusal, SentOrder};

use crate::broker::tws::router::OrderRouter;
use crate::broker::tws::session::stock_instruments;
use crate::broker::tws::snapshot::{self, BrokerOrder, BrokerPosition, SnapshotError};
use crate::core::engine::{Engine, EngineConfig, Notice, Output};
use crate::core::order_manager::Command;
use crate::core::types::{Side, Symbol};
use crate::redact::mask_account;
use crate::risk::{AccountView, RiskLimits};
use crate::settings::TradingMode;

/// How often TWS is asked whether anything is still open / held.
const POLL: Duration = Duration::from_millis(300);

/// Every read gets at least this long, even past the deadline, so a report
/// never says "unknown" only because the timeout was spent waiting.
const MIN_READ: Duration = Duration::from_secs(2);

/// First sequence number of the closing orders' ids (`orderRef`
/// `fta-YYYYMMDD-s65535-9NNNNN-F`): far above any sequence a bot reaches in a
/// day, so a manual flatten never reuses one of the bot's order references.
pub const MANUAL_SEQ_BASE: u32 = 900_000;

/// Why a manual command could not do its job at all. Everything short of
/// that is reported in [`CancelReport`] / [`FlattenReport`] instead.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    /// The configured account is not one this TWS login manages.
    #[error("account {account} is not managed by this TWS login (it manages: {managed}); check IBKR_ACCOUNT_ID and which TWS / port you connected to")]
    AccountNotManaged {
        /// Masked configured account.
        account: String,
        /// Masked managed accounts.
        managed: String,
    },
    /// Paper account in live mode or the other way round.
    #[error("account {account} is a {actual} account but the settings select {mode} mode; refusing to touch it")]
    AccountModeMismatch {
        /// Masked account.
        account: String,
        /// What the account is.
        actual: &'static str,
        /// The mode.
        mode: TradingMode,
    },
    /// A read from TWS the command cannot do without failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The global cancel could not be sent.
    #[error("sending the global cancel to TWS failed: {0}")]
    GlobalCancel(#[source] ibapi::Error),
}

/// Checks, on the live connection, that `account` is managed by this login
/// and that its kind (paper ids start with `D`) matches `mode`.
///
/// # Errors
/// [`ManualError::AccountNotManaged`], [`ManualError::AccountModeMismatch`],
/// or [`ManualError::Snapshot`] when TWS does not list its accounts.
pub async fn verify_account(
    client: &Client,
    account: &str,
    mode: TradingMode,
) -> Result<(), ManualError> {
    let managed = snapshot::managed_accounts(client).await?;
    if !managed.iter().any(|a| a == account) {
        return Err(ManualError::AccountNotManaged {
            account: mask_account(account),
            managed: managed
                .iter()
                .map(|a| mask_account(a))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let is_paper = account.starts_with('D');
    if is_paper != (mode == TradingMode::Paper) {
        return Err(ManualError::AccountModeMismatch {
            account: mask_account(account),
            actual: if is_paper { "paper" } else { "live" },
            mode,
        });
    }
    Ok(())
}

/// Whether a listed order is still working (TWS can list an order for a
/// moment after it ended).
fn is_open(order: &BrokerOrder) -> bool {
    !matches!(
        order.status.as_str(),
        "Cancelled" | "ApiCancelled" | "Filled"
    )
}

/// Open orders, read within `deadline` (at least [`MIN_READ`]); `None` when
/// TWS did not answer.
async fn read_open_orders(client: &Client, deadline: Instant) -> Option<Vec<BrokerOrder>> {
    let until = deadline.max(Instant::now() + MIN_READ);
    match tokio::time::timeout_at(until, snapshot::open_orders(client)).await {
        Ok(Ok(orders)) => Some(orders.into_iter().filter(is_open).collect()),
        Ok(Err(error)) => {
            tracing::warn!(%error, "could not read open orders");
            None
        }
        Err(_) => None,
    }
}

/// Positions of `account`, read within `deadline` (at least [`MIN_READ`]).
async fn read_positions(
    client: &Client,
    account: &str,
    deadline: Instant,
) -> Option<Vec<BrokerPosition>> {
    let until = deadline.max(Instant::now() + MIN_READ);
    match tokio::time::timeout_at(until, snapshot::positions(client, account)).await {
        Ok(Ok(positions)) => Some(positions),
        Ok(Err(error)) => {
            tracing::warn!(%error, "could not read positions");
            None
        }
        Err(_) => None,
    }
}

/// Sends IB's global cancel (reqGlobalCancel: every order of the login,
/// whichever API client, TWS user or bot placed it), then polls TWS until it
/// lists no open order or `timeout` has passed, and reports what was
/// cancelled and what is left.
///
/// The cancel is sent even when the first listing of open orders fails.
///
/// # Errors
/// [`ManualError::GlobalCancel`] when the request cannot be sent.
pub async fn cancel_everything(
    client: &Client,
    account: &str,
    timeout: Duration,
) -> Result<CancelReport, ManualError> {
    let deadline = Instant::now() + timeout;
    let before = read_open_orders(client, deadline).await;
    client
        .global_cancel()
        .await
        .map_err(ManualError::GlobalCancel)?;
    tracing::warn!(
        account = %mask_account(account),
        open_before = ?before.as_ref().map(Vec::len),
        "global cancel sent"
    );
    let mut left = None;
    loop {
        if let Some(orders) = read_open_orders(client, deadline).await {
            let done = orders.is_empty();
            left = Some(orders);
            if done {
                break;
            }
        }
        if Instant::now() + POLL >= deadline {
            tracing::error!("TWS still lists open orders after the cancel timeout");
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let cancelled = before.map(|before| {
        before
            .into_iter()
            .filter(|b| {
                !left
                    .iter()
                    .flatten()
                    .any(|l: &BrokerOrder| l.order_id == b.order_id && l.client_id == b.client_id)
            })
            .collect()
    });
    Ok(CancelReport {
        account: mask_account(account),
        cancelled,
        left,
    })
}

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
    limits: &RiskLimits,
    timeout: Duration,
) -> Result<FlattenReport, ManualError> {
    let cancel = cancel_everything(client, account, timeout).await?;
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
        report.left = read_positions(client, account, Instant::now()).await;
        return Ok(report);
    }
    report.attempted = true;
    let deadline = Instant::now() + timeout;
    let net_liquidation = read_net_liquidation(client, account).await;
    let found = snapshot::positions(client, account).await?;
    let symbols: Vec<Symbol> = found.iter().map(|p| p.symbol).collect();
    let mut engine = Engine::new(
        EngineConfig {
            limits: limits.clone(),
            instruments: stock_instruments(&symbols),
            account: AccountView::new(net_liquidation, net_liquidation),
            next_seq: MANUAL_SEQ_BASE,
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
    let mut router = OrderRouter::new(Arc::clone(client), false);
    let pending = send_closing_orders(&mut engine, &mut router, &mut report).await;
    report.left = if pending.is_empty() {
        // Nothing is on its way: one look says how things stand.
        read_positions(client, account, deadline).await
    } else {
        wait_flat(
            client,
            account,
            &router,
            updates.as_mut(),
            pending,
            deadline,
            &mut report,
        )
        .await
    };
    if !matches!(&report.left, Some(left) if left.is_empty()) {
        report.orders_left = read_open_orders(client, Instant::now()).await;
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
    router: &mut OrderRouter,
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
        match router.execute(command).await {
            Ok(()) => {
                tracing::warn!(symbol = %ticket.symbol(), side = %ticket.side(), quantity = %ticket.quantity(), order = %ticket.id(), "closing order sent");
                if let Some(ib) = router.ib_id(ticket.id()) {
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

/// Polls positions until flat or `deadline`, while noting TWS rejections of
/// the closing orders (it stops early once every closing order was
/// rejected). Returns the last positions read.
async fn wait_flat(
    client: &Client,
    account: &str,
    router: &OrderRouter,
    mut updates: Option<&mut Subscription<OrderUpdate>>,
    mut pending: HashMap<i32, (Symbol, Decimal)>,
    deadline: Instant,
    report: &mut FlattenReport,
) -> Option<Vec<BrokerPosition>> {
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
                if router.rejection(id, notice.code).is_some() {
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
                if let Some(positions) = read_positions(client, account, deadline).await {
                    let flat = positions.is_empty();
                    last = Some(positions);
                    if flat {
                        return last;
                    }
                }
            }
        }
    }
    read_positions(client, account, deadline).await.or(last)
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

    #[test]
    fn ended_orders_are_not_open() {
        let mut order = BrokerOrder {
            order_id: 1,
            client_id: 0,
            order_ref: String::new(),
            symbol: Symbol::new("SPY").unwrap(),
            side: Side::Buy,
            quantity: dec!(1),
            kind: crate::core::types::OrderKind::Market,
            parent_id: 0,
            status: "PreSubmitted".to_string(),
        };
        assert!(is_open(&order));
        for status in ["Cancelled", "ApiCancelled", "Filled"] {
            order.status = status.to_string();
            assert!(!is_open(&order), "{status}");
        }
        order.status = "PendingCancel".to_string();
        assert!(is_open(&order), "a pending cancel is not confirmed");
    }
}
