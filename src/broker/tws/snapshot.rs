//! Reading the account's state from TWS at start-up and after every
//! reconnect: net liquidation, positions, open orders and executions, converted
//! to our own types. Each read is bounded by a timeout.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ibapi::accounts::types::AccountGroup;
use ibapi::accounts::{AccountSummaryResult, AccountSummaryTags, PositionUpdate};
use ibapi::orders::{Action, ExecutionFilter, ExecutionSide, Executions, Orders};
use ibapi::Client;
use rust_decimal::Decimal;

use crate::broker::tws::wire::{self, Malformed};
use crate::domain::types::{OrderKind, Side, Symbol};

/// How long one snapshot request may take.
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a snapshot read failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The request failed or timed out.
    #[error("reading {what} from TWS failed: {source}")]
    Request {
        /// What was being read.
        what: &'static str,
        /// The client's error.
        #[source]
        source: ibapi::Error,
    },
    /// TWS did not report the value.
    #[error("TWS did not report {0} for the account")]
    Missing(&'static str),
    /// The account's base currency is not USD: its equity and PnL would be
    /// compared with USD prices and limits. The bot does not convert.
    #[error("the account's base currency is {currency}, not USD: TWS reports its net liquidation and PnL in {currency} while the bot's prices, position limits and daily-loss limit are in USD, and it does not convert; refusing to trade. Use a paper account whose base currency is USD (Client Portal → Settings → Account Settings → Base Currency), or run with --read-only to watch this one")]
    BaseCurrency {
        /// The base currency TWS reported (e.g. `EUR`).
        currency: String,
    },
}

fn request(what: &'static str) -> impl FnOnce(ibapi::Error) -> SnapshotError {
    move |source| SnapshotError::Request { what, source }
}

/// A position as TWS reports it (any security type: reqPositions reports
/// every position of the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerPosition {
    /// Symbol (the underlying's for an option or future).
    pub symbol: Symbol,
    /// Signed quantity.
    pub quantity: Decimal,
    /// Average cost (per share for stocks, per contract for derivatives).
    pub average_cost: Decimal,
    /// IB security type (`STK`, `OPT`, `FUT`, `CASH`, ...).
    pub sec_type: String,
    /// Currency.
    pub currency: String,
    /// Exchange-local symbol (`SPY   260116C00600000` for an SPY option).
    pub local_symbol: String,
}

impl BrokerPosition {
    /// A US stock position (`STK`, `USD`).
    pub fn us_stock(symbol: Symbol, quantity: Decimal, average_cost: Decimal) -> Self {
        Self {
            symbol,
            quantity,
            average_cost,
            sec_type: "STK".to_string(),
            currency: "USD".to_string(),
            local_symbol: symbol.as_str().to_string(),
        }
    }

    /// Whether it is a US stock (secType `STK`, currency `USD`): the only
    /// kind of position the bot may manage.
    pub fn is_us_stock(&self) -> bool {
        self.sec_type == "STK" && self.currency == "USD"
    }

    /// How it is named to the operator: the local symbol for derivatives and
    /// foreign currencies, the ticker for US stocks.
    pub fn label(&self) -> String {
        if self.is_us_stock() || self.local_symbol.is_empty() {
            self.symbol.as_str().to_string()
        } else if self.currency == "USD" {
            format!("{} {}", self.sec_type, self.local_symbol)
        } else {
            format!("{} {} {}", self.sec_type, self.local_symbol, self.currency)
        }
    }
}

/// Whether the bot manages `position`: a US stock in `symbols`, the symbols
/// its enabled strategies trade. Every other position it must never stop,
/// flatten or count toward a symbol's limit.
pub fn is_managed(position: &BrokerPosition, symbols: &[Symbol]) -> bool {
    position.is_us_stock() && symbols.contains(&position.symbol)
}

/// Splits `positions` into the ones the bot manages ([`is_managed`]) and
/// every other one.
pub fn split_managed(
    positions: Vec<BrokerPosition>,
    symbols: &[Symbol],
) -> (Vec<BrokerPosition>, Vec<BrokerPosition>) {
    positions.into_iter().partition(|p| is_managed(p, symbols))
}

/// `AAPL 10, OPT SPY   260116C00600000 2` — for the one "not managed" line.
pub fn position_list(positions: &[BrokerPosition]) -> String {
    positions
        .iter()
        .map(|p| format!("{} {}", p.label(), p.quantity))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An open order as TWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerOrder {
    /// IB order id.
    pub order_id: i32,
    /// API client that placed it.
    pub client_id: i32,
    /// Our `orderRef` (empty for orders not placed by this bot).
    pub order_ref: String,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Total quantity.
    pub quantity: Decimal,
    /// Pricing.
    pub kind: OrderKind,
    /// IB id of the bracket parent (0 when none).
    pub parent_id: i32,
    /// TWS status text (`Submitted`, `PreSubmitted`, ...).
    pub status: String,
}

/// One execution as TWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerExecution {
    /// Unique execution id.
    pub exec_id: String,
    /// IB order id.
    pub order_id: i32,
    /// Our `orderRef`.
    pub order_ref: String,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Shares executed.
    pub quantity: Decimal,
    /// Price.
    pub price: Decimal,
    /// Commission, when its report arrived with the execution.
    pub commission: Option<Decimal>,
    /// When it executed (TWS's clock).
    pub time: DateTime<Utc>,
}

/// The accounts this login manages.
///
/// # Errors
/// When TWS does not answer.
pub async fn managed_accounts(client: &Client) -> Result<Vec<String>, SnapshotError> {
    let accounts = tokio::time::timeout(SNAPSHOT_TIMEOUT, client.managed_accounts())
        .await
        .map_err(|_| request("managed accounts")(ibapi::Error::Timeout))?
        .map_err(request("managed accounts"))?;
    Ok(accounts)
}

/// Net liquidation value of `account` in USD, its base currency. TWS reports
/// account summary values in the base currency and names it in each row's
/// currency field (IB: reqAccountSummary, `accountSummary(..., currency)`).
///
/// # Errors
/// When TWS does not answer or does not report it;
/// [`SnapshotError::BaseCurrency`] when the base currency is not USD.
pub async fn net_liquidation(client: &Client, account: &str) -> Result<Decimal, SnapshotError> {
    let group = AccountGroup("All".to_string());
    let mut subscription = client
        .account_summary(&group, &[AccountSummaryTags::NET_LIQUIDATION])
        .await
        .map_err(request("net liquidation"))?;
    // The summary stream stays open after its End marker: read up to End.
    let rows = subscription
        .collect_until(SNAPSHOT_TIMEOUT, |rows| {
            matches!(rows.last(), Some(AccountSummaryResult::End))
        })
        .await;
    subscription.cancel().await;
    if !matches!(rows.last(), Some(AccountSummaryResult::End)) {
        return Err(SnapshotError::Request {
            what: "net liquidation",
            source: ibapi::Error::Timeout,
        });
    }
    let (value, currency) = rows
        .into_iter()
        .find_map(|row| match row {
            AccountSummaryResult::Summary(s)
                if s.account == account && s.tag == AccountSummaryTags::NET_LIQUIDATION =>
            {
                s.value.parse::<Decimal>().ok().map(|v| (v, s.currency))
            }
            _ => None,
        })
        .ok_or(SnapshotError::Missing("NetLiquidation"))?;
    // Summary values are in the account's base currency, named by the row.
    if currency != BASE_CURRENCY {
        return Err(SnapshotError::BaseCurrency { currency });
    }
    Ok(value)
}

/// The only base currency the bot trades in: its prices and limits are USD.
pub const BASE_CURRENCY: &str = "USD";

/// Every non-zero stock position of `account`.
///
/// # Errors
/// When TWS does not answer.
pub async fn positions(
    client: &Client,
    account: &str,
) -> Result<Vec<BrokerPosition>, SnapshotError> {
    let mut subscription = client.positions().await.map_err(request("positions"))?;
    // The positions stream stays open after PositionEnd: read up to it.
    let rows = subscription
        .collect_until(SNAPSHOT_TIMEOUT, |rows| {
            matches!(rows.last(), Some(PositionUpdate::PositionEnd))
        })
        .await;
    if !matches!(rows.last(), Some(PositionUpdate::PositionEnd)) {
        return Err(SnapshotError::Request {
            what: "positions",
            source: ibapi::Error::Timeout,
        });
    }
    subscription.cancel().await;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row {
            PositionUpdate::Position(p) if p.account == account && p.position != 0.0 => {
                let decoded = (|| {
                    Ok::<_, Malformed>((
                        wire::amount("position", p.position)?,
                        wire::amount("average cost", p.average_cost)?,
                    ))
                })();
                let (quantity, average_cost) = decoded
                    .map_err(|error| tracing::error!(symbol = %p.contract.symbol, %error, "position dropped"))
                    .ok()?;
                Some(BrokerPosition {
                    symbol: Symbol::new(p.contract.symbol.as_str()).ok()?,
                    quantity,
                    average_cost,
                    sec_type: p.contract.security_type.as_str().to_string(),
                    currency: p.contract.currency.to_string(),
                    local_symbol: p.contract.local_symbol.clone(),
                })
            }
            _ => None,
        })
        .collect())
}

fn side(action: &Action) -> Side {
    match action {
        Action::Buy => Side::Buy,
        _ => Side::Sell,
    }
}

/// The pricing of an IB order; `None` when a price it needs is missing or
/// unusable. Order types the bot never sends read as market orders: they are
/// never ours, and only their existence is reported.
fn order_kind(order: &ibapi::orders::Order) -> Option<OrderKind> {
    let price = |p: Option<f64>| p.and_then(wire::decimal);
    Some(match order.order_type.as_str() {
        "LMT" => OrderKind::Limit {
            limit: price(order.limit_price)?,
        },
        "STP" => OrderKind::Stop {
            stop: price(order.aux_price)?,
        },
        "STP LMT" => OrderKind::StopLimit {
            stop: price(order.aux_price)?,
            limit: price(order.limit_price)?,
        },
        _ => OrderKind::Market,
    })
}

/// Every open order of the account (all API clients and TWS itself).
///
/// # Errors
/// When TWS does not answer.
pub async fn open_orders(client: &Client) -> Result<Vec<BrokerOrder>, SnapshotError> {
    let mut subscription = client
        .all_open_orders()
        .await
        .map_err(request("open orders"))?;
    let rows = subscription
        .collect_to_end_within(SNAPSHOT_TIMEOUT)
        .await
        .map_err(request("open orders"))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row {
            Orders::OrderData(data) => {
                let order = &data.order;
                let Some(kind) = order_kind(order) else {
                    tracing::error!(ib_order_id = data.order_id, order_type = %order.order_type, "open order dropped: TWS sent no usable price for it");
                    return None;
                };
                Some(BrokerOrder {
                    order_id: data.order_id,
                    client_id: order.client_id,
                    order_ref: order.order_ref.clone(),
                    symbol: Symbol::new(data.contract.symbol.as_str()).ok()?,
                    side: side(&order.action),
                    quantity: wire::decimal(order.total_quantity)?,
                    kind,
                    parent_id: order.parent_id,
                    status: data.order_state.status.to_string(),
                })
            }
            Orders::OrderStatus(_) => None,
        })
        .collect())
}

/// Executions of the account today (TWS keeps the current day's), with their
/// commissions matched by execution id.
///
/// # Errors
/// When TWS does not answer.
pub async fn executions(
    client: &Client,
    account: &str,
) -> Result<Vec<BrokerExecution>, SnapshotError> {
    let filter = ExecutionFilter {
        account_code: account.to_string(),
        ..ExecutionFilter::default()
    };
    let mut subscription = client
        .executions(filter)
        .await
        .map_err(request("executions"))?;
    let rows = subscription
        .collect_to_end_within(SNAPSHOT_TIMEOUT)
        .await
        .map_err(request("executions"))?;
    let mut out: Vec<BrokerExecution> = Vec::new();
    for row in rows {
        match row {
            Executions::ExecutionData(data) if !is_us_stock(&data.contract) => {
                tracing::debug!(exec_id = %data.execution.execution_id, "execution of a non-US-stock contract: not ours, skipped");
            }
            Executions::ExecutionData(data) => match broker_execution(&data) {
                Ok(execution) => out.push(execution),
                Err(error) => {
                    tracing::error!(exec_id = %data.execution.execution_id, %error, "execution dropped")
                }
            },
            Executions::CommissionReport(report) => {
                if let Some(exec) = out.iter_mut().find(|x| x.exec_id == report.execution_id) {
                    exec.commission = wire::decimal(report.commission);
                }
            }
        }
    }
    Ok(out)
}

/// Whether a contract is a US stock (the only kind the bot trades).
pub fn is_us_stock(contract: &ibapi::contracts::Contract) -> bool {
    contract.security_type == ibapi::contracts::SecurityType::Stock && contract.currency.0 == "USD"
}

/// One execution report as our record.
///
/// # Errors
/// [`Malformed`] when the symbol, quantity, price or time cannot be used.
pub fn broker_execution(data: &ibapi::orders::ExecutionData) -> Result<BrokerExecution, Malformed> {
    let e = &data.execution;
    let symbol = Symbol::new(data.contract.symbol.as_str()).map_err(|_| Malformed {
        field: "execution symbol",
        value: data.contract.symbol.to_string(),
        expected: "is not a stock symbol",
    })?;
    Ok(BrokerExecution {
        exec_id: e.execution_id.clone(),
        order_id: e.order_id,
        order_ref: e.order_reference.clone(),
        symbol,
        side: match e.side {
            ExecutionSide::Bought => Side::Buy,
            ExecutionSide::Sold => Side::Sell,
        },
        quantity: wire::amount("execution shares", e.shares)?,
        price: wire::price("execution price", e.price)?,
        commission: None,
        time: wire::ib_time("execution time", &e.time)?,
    })
}
