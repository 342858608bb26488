//! Order and execution records the exchange keeps (and tests inspect).

use std::fmt;

use chrono::DateTime;
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// BUY.
    Buy,
    /// SELL (or SSHORT).
    Sell,
}

impl Action {
    /// +1 for buys, −1 for sells.
    pub fn sign(self) -> Decimal {
        match self {
            Action::Buy => Decimal::ONE,
            Action::Sell => -Decimal::ONE,
        }
    }

    /// Wire order action (`BUY` / `SELL`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Buy => "BUY",
            Action::Sell => "SELL",
        }
    }

    /// Wire execution side (`BOT` / `SLD`).
    pub fn exec_side(self) -> &'static str {
        match self {
            Action::Buy => "BOT",
            Action::Sell => "SLD",
        }
    }

    /// Parses `BUY`, `SELL`, `SSHORT`.
    pub fn parse(s: &str) -> Option<Action> {
        match s.to_ascii_uppercase().as_str() {
            "BUY" => Some(Action::Buy),
            "SELL" | "SSHORT" => Some(Action::Sell),
            _ => None,
        }
    }
}

/// Supported order types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    /// MKT.
    Market,
    /// LMT.
    Limit,
    /// STP.
    Stop,
    /// STP LMT.
    StopLimit,
}

impl OrderType {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Market => "MKT",
            OrderType::Limit => "LMT",
            OrderType::Stop => "STP",
            OrderType::StopLimit => "STP LMT",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<OrderType> {
        match s.trim().to_ascii_uppercase().as_str() {
            "MKT" => Some(OrderType::Market),
            "LMT" => Some(OrderType::Limit),
            "STP" => Some(OrderType::Stop),
            "STP LMT" | "STPLMT" => Some(OrderType::StopLimit),
            _ => None,
        }
    }
}

/// Lifecycle state, named as TWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Placed with `transmit = false`; waits for a transmitting bracket leg.
    Untransmitted,
    /// Accepted, waiting for its parent to fill.
    PreSubmitted,
    /// Working.
    Submitted,
    /// Completely filled.
    Filled,
    /// Cancelled.
    Cancelled,
    /// Rejected.
    Inactive,
}

impl Status {
    /// The TWS status string.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Untransmitted => "PendingSubmit",
            Status::PreSubmitted => "PreSubmitted",
            Status::Submitted => "Submitted",
            Status::Filled => "Filled",
            Status::Cancelled => "Cancelled",
            Status::Inactive => "Inactive",
        }
    }

    /// True for Filled, Cancelled and Inactive.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Filled | Status::Cancelled | Status::Inactive)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order as the simulated exchange holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOrder {
    /// Order id (the client's).
    pub order_id: i32,
    /// Placing client's id.
    pub client_id: i32,
    /// Permanent id.
    pub perm_id: i64,
    /// Symbol.
    pub symbol: String,
    /// Buy or sell.
    pub action: Action,
    /// Total quantity.
    pub qty: Decimal,
    /// Order type.
    pub order_type: OrderType,
    /// Limit price.
    pub lmt: Option<Decimal>,
    /// Stop (aux) price.
    pub aux: Option<Decimal>,
    /// Parent order id (0 = none).
    pub parent_id: i32,
    /// OCA group ("" = none).
    pub oca_group: String,
    /// OCA type (1 cancel, 2/3 reduce).
    pub oca_type: i32,
    /// Client's reference.
    pub order_ref: String,
    /// Time in force as sent.
    pub tif: String,
    /// Account.
    pub account: String,
    /// Current state.
    pub status: Status,
    /// Filled quantity.
    pub filled: Decimal,
    /// Average fill price.
    pub avg_fill_price: Decimal,
    /// Last fill price.
    pub last_fill_price: Decimal,
    /// Σ fill qty × price.
    pub fill_value: Decimal,
    /// Commission charged so far.
    pub commission: Decimal,
    /// A stop that has been triggered.
    pub triggered: bool,
    /// May trigger or fill in extended hours (`outsideRth`).
    pub outside_rth: bool,
    /// Accepted outside the hours it may work in and held (status
    /// PreSubmitted, IB's 399) until they begin.
    pub parked: bool,
}

impl SimOrder {
    /// Quantity still to fill.
    pub fn remaining(&self) -> Decimal {
        if self.status.is_terminal() {
            Decimal::ZERO
        } else {
            (self.qty - self.filled).max(Decimal::ZERO)
        }
    }
}

/// One fill.
#[derive(Debug, Clone, PartialEq)]
pub struct SimExecution {
    /// Execution id (unique).
    pub exec_id: String,
    /// Order id.
    pub order_id: i32,
    /// Placing client's id.
    pub client_id: i32,
    /// Permanent id.
    pub perm_id: i64,
    /// Symbol.
    pub symbol: String,
    /// Side.
    pub side: Action,
    /// Shares in this fill.
    pub shares: Decimal,
    /// Fill price.
    pub price: Decimal,
    /// Order's cumulative filled quantity after this fill.
    pub cum_qty: Decimal,
    /// Order's average price after this fill.
    pub avg_price: Decimal,
    /// Exchange time of the fill.
    pub time: DateTime<Tz>,
    /// Order reference.
    pub order_ref: String,
    /// Commission charged for this fill.
    pub commission: Decimal,
    /// Realized PnL of this fill (closing fills only).
    pub realized_pnl: Option<Decimal>,
}
