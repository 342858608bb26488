//! Manual emergencies from another terminal (`cancel-all`, `flatten`): the
//! operator's own connection, under a client id of its own, that cancels
//! every order of the account and closes every position — whether or not a
//! bot is still running.
//!
//! Every read and wait is bounded by the caller's timeout; what TWS did not
//! confirm in time is said in the report, never assumed. Closing orders are
//! built by an [`Engine`](crate::core::engine::Engine) without strategies, so they pass the same
//! reduce-only [`RiskGate::check_flatten`](crate::risk::RiskGate::check_flatten)
//! as the bot's own flatten, and are sent by the same
//! [`OrderSender`](crate::broker::tws::sender::OrderSender) — under
//! `orderRef`s of their own namespace (`ftm-YYYYMMDD-s65535-NNNNNN-F`,
//! [`ClientOrderId::manual`](crate::domain::order_id::ClientOrderId::manual)),
//! numbered per trading day in the journal and journaled before they are
//! sent, like the bot's. A running bot takes them for someone else's orders:
//! listed, never touched, never adopted.

mod flatten;
mod report;

use std::time::Duration;

use ibapi::Client;
use tokio::time::Instant;

pub use flatten::flatten_everything;
pub use report::{CancelReport, FlattenReport, Refusal, SentOrder};

use crate::broker::tws::account::{self, AccountError, VerifyError};
use crate::broker::tws::snapshot::{self, BrokerOrder, BrokerPosition, SnapshotError};
use crate::domain::order_id::claims_ours;
use crate::domain::types::Symbol;
use crate::domain::AccountId;
use crate::redact::mask_account;
use crate::settings::TradingMode;

/// How often TWS is asked whether anything is still open / held.
pub(super) const POLL: Duration = Duration::from_millis(300);

/// Every read gets at least this long, even past the deadline, so a report
/// never says "unknown" only because the timeout was spent waiting.
pub(super) const MIN_READ: Duration = Duration::from_secs(2);

/// Why a manual command could not do its job at all. Everything short of
/// that is reported in [`CancelReport`] / [`FlattenReport`] instead.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    /// The account may not be used on this connection.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// A read from TWS the command cannot do without failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The global cancel could not be sent.
    #[error("sending the global cancel to TWS failed: {0}")]
    GlobalCancel(#[source] ibapi::Error),
    /// The journal could not number the closing orders: nothing was sent.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

/// Checks, on the live connection, that `account` may be used in `mode`
/// (see [`crate::broker::tws::account`]).
///
/// # Errors
/// [`ManualError::Account`], or [`ManualError::Snapshot`] when TWS does not
/// list its accounts.
pub async fn verify_account(
    client: &Client,
    account: &AccountId,
    mode: TradingMode,
) -> Result<(), ManualError> {
    account::verify_account(client, account, mode)
        .await
        .map_err(|error| match error {
            VerifyError::Snapshot(e) => ManualError::Snapshot(e),
            VerifyError::Account(e) => ManualError::Account(e),
        })
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
pub(super) async fn read_open_orders(
    client: &Client,
    deadline: Instant,
) -> Option<Vec<BrokerOrder>> {
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
pub(super) async fn read_positions(
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

/// What a manual flatten may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `--all`: IB's global cancel, then every position of the account.
    All,
    /// The bot's own (the default): orders it placed (its client id and
    /// `orderRef` prefix) and US stock positions in its strategies' symbols.
    /// Manual orders, other clients' and other instruments are left alone.
    Bot {
        /// The bot's API client id (TWS lets only the placing client cancel).
        client_id: i32,
        /// The symbols its enabled strategies trade.
        symbols: Vec<Symbol>,
    },
}

impl Scope {
    /// Whether a flatten in this scope cancels `order`.
    pub fn covers_order(&self, order: &BrokerOrder) -> bool {
        match self {
            Scope::All => true,
            Scope::Bot { client_id, symbols } => {
                order.client_id == *client_id
                    && claims_ours(&order.order_ref)
                    && symbols.contains(&order.symbol)
            }
        }
    }

    /// Whether a flatten in this scope closes `position`.
    pub fn covers_position(&self, position: &BrokerPosition) -> bool {
        match self {
            Scope::All => true,
            Scope::Bot { symbols, .. } => snapshot::is_managed(position, symbols),
        }
    }
}

/// Cancels what `scope` covers: the global cancel for [`Scope::All`], the
/// bot's own orders one by one for [`Scope::Bot`]; then waits (bounded) until
/// none of them is open.
///
/// # Errors
/// [`ManualError::GlobalCancel`] when the global cancel cannot be sent.
pub async fn cancel_in_scope(
    client: &Client,
    account: &str,
    scope: &Scope,
    timeout: Duration,
) -> Result<CancelReport, ManualError> {
    if *scope == Scope::All {
        return cancel_everything(client, account, timeout).await;
    }
    let deadline = Instant::now() + timeout;
    let covered = |orders: Option<Vec<BrokerOrder>>| {
        orders.map(|o| {
            o.into_iter()
                .filter(|o| scope.covers_order(o))
                .collect::<Vec<_>>()
        })
    };
    let before = covered(read_open_orders(client, deadline).await);
    for order in before.iter().flatten() {
        match client.cancel_order(order.order_id, "").await {
            Ok(_) => {
                tracing::warn!(ib_order_id = order.order_id, symbol = %order.symbol, "cancel sent")
            }
            Err(error) => tracing::error!(ib_order_id = order.order_id, %error, "cancel not sent"),
        }
    }
    let mut left = None;
    while Instant::now() < deadline {
        if let Some(orders) = covered(read_open_orders(client, deadline).await) {
            let done = orders.is_empty();
            left = Some(orders);
            if done {
                break;
            }
        }
        tokio::time::sleep(POLL).await;
    }
    let cancelled = before.map(|before| {
        let still = |b: &BrokerOrder| {
            left.iter()
                .flatten()
                .any(|l: &BrokerOrder| l.order_id == b.order_id)
        };
        before.into_iter().filter(|b| !still(b)).collect()
    });
    Ok(CancelReport {
        account: mask_account(account),
        cancelled,
        left,
        global: false,
    })
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
        global: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::{OrderKind, Side, Symbol};
    use rust_decimal_macros::dec;

    #[test]
    fn the_bot_scope_covers_only_the_bots_orders_in_its_symbols() {
        let spy = Symbol::new("SPY").unwrap();
        let scope = Scope::Bot {
            client_id: 3,
            symbols: vec![spy],
        };
        let order = |client_id: i32, order_ref: &str, symbol: &str| BrokerOrder {
            order_id: 1,
            client_id,
            order_ref: order_ref.to_string(),
            symbol: Symbol::new(symbol).unwrap(),
            side: Side::Sell,
            quantity: dec!(1),
            kind: OrderKind::Market,
            parent_id: 0,
            status: "Submitted".to_string(),
        };
        assert!(scope.covers_order(&order(3, "fta-20260105-s1-000001-S", "SPY")));
        assert!(!scope.covers_order(&order(0, "", "SPY")), "typed into TWS");
        assert!(
            !scope.covers_order(&order(7, "fta-20260105-s1-000001-S", "SPY")),
            "another client"
        );
        assert!(
            !scope.covers_order(&order(3, "fta-20260105-s1-000001-S", "AAPL")),
            "another symbol"
        );
        assert!(Scope::All.covers_order(&order(0, "", "AAPL")));
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
            kind: OrderKind::Market,
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
