//! The values the journal stores and returns: order intents and their
//! lifecycle, executions, risk decisions, runs and trading-state changes.
//! Plain data; the SQL lives in `write`/`read`, the text forms in `codec`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::codec::ny_day;
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::{Fill, OrderIntent, OrderKind, Side, StrategyId, Symbol, TradingState};
use crate::risk::LatchSnapshot;

/// Where a journaled order is, as far as the journal knows.
///
/// `Intent` → `Sent` → `Working` → `Filled` | `Cancelled` | `Rejected`;
/// `Unknown` is for an order whose fate the restart path could not establish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderStatus {
    /// Journaled, not (known to be) handed to the broker yet.
    Intent,
    /// `placeOrder` was called; the broker has not acknowledged it.
    Sent,
    /// Acknowledged and working at the broker (possibly partly filled).
    Working,
    /// Completely filled.
    Filled,
    /// Cancelled (by us, by OCA, or by the broker).
    Cancelled,
    /// Refused by the broker.
    Rejected,
    /// The outcome could not be established.
    Unknown,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Intent,
        OrderStatus::Sent,
        OrderStatus::Working,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
        OrderStatus::Unknown,
    ];

    /// The lower-case text stored in the journal (`intent`, `sent`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Intent => "intent",
            OrderStatus::Sent => "sent",
            OrderStatus::Working => "working",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Unknown => "unknown",
        }
    }

    /// The status whose [`as_str`](Self::as_str) is `text`.
    pub fn parse(text: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Filled, cancelled and rejected orders never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Filled | OrderStatus::Cancelled | OrderStatus::Rejected
        )
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order about to be sent, journaled before it is. Day, strategy, sequence
/// and leg all come from `order_ref`, so they cannot disagree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderIntentRecord {
    /// Our deterministic id, sent to IB as `orderRef`.
    pub order_ref: ClientOrderId,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Quantity in shares (> 0).
    pub quantity: Decimal,
    /// Pricing.
    pub kind: OrderKind,
    /// The bracket parent, for protective children (journaled first).
    pub parent: Option<ClientOrderId>,
    /// When the intent was made.
    pub at: DateTime<Utc>,
}

/// A journaled order with its latest known state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRecord {
    /// Our deterministic id (IB `orderRef`).
    pub order_ref: ClientOrderId,
    /// America/New_York trading day the id belongs to.
    pub trading_day: NaiveDate,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Quantity in shares.
    pub quantity: Decimal,
    /// Pricing.
    pub kind: OrderKind,
    /// The bracket parent, for protective children.
    pub parent: Option<ClientOrderId>,
    /// IB's order id, once sent.
    pub ib_order_id: Option<i32>,
    /// Latest state.
    pub state: OrderStatus,
    /// Quantity filled so far (never decreases).
    pub filled: Decimal,
    /// When the intent was journaled.
    pub created_at: DateTime<Utc>,
    /// When the state last changed.
    pub updated_at: DateTime<Utc>,
}

/// One execution as IB reported it. Unique by `exec_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRecord {
    /// IB's execution id.
    pub exec_id: String,
    /// The `orderRef` IB reported (ours, someone else's, or none).
    pub order_ref: Option<String>,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Executed shares (> 0).
    pub quantity: Decimal,
    /// Execution price (> 0).
    pub price: Decimal,
    /// Execution time.
    pub time: DateTime<Utc>,
    /// Commission, once IB's commission report has arrived.
    pub commission: Option<Decimal>,
}

impl ExecutionRecord {
    /// The America/New_York trading day of the execution.
    pub fn trading_day(&self) -> NaiveDate {
        ny_day(self.time)
    }

    /// The execution as a portfolio fill (commission 0 while unknown).
    pub fn to_fill(&self) -> Fill {
        Fill {
            symbol: self.symbol,
            side: self.side,
            quantity: self.quantity,
            price: self.price,
            commission: self.commission.unwrap_or(Decimal::ZERO),
            time: self.time,
        }
    }
}

/// One decision of the risk gate, approved or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskDecisionRecord {
    /// When the decision was made.
    pub at: DateTime<Utc>,
    /// Strategy that asked.
    pub strategy: StrategyId,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Quantity asked for.
    pub quantity: Decimal,
    /// Pricing asked for.
    pub kind: OrderKind,
    /// Whether the gate let it through.
    pub approved: bool,
    /// A short stable key for grouping (e.g. `approved`, `PositionLimit`).
    pub reason_code: String,
    /// The human-readable sentence with the figures that decided it.
    pub reason: String,
}

impl RiskDecisionRecord {
    /// The record of a decision about `intent`.
    pub fn from_intent(
        at: DateTime<Utc>,
        intent: &OrderIntent,
        approved: bool,
        reason_code: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            at,
            strategy: intent.strategy,
            symbol: intent.symbol,
            side: intent.side,
            quantity: intent.quantity,
            kind: intent.kind,
            approved,
            reason_code: reason_code.into(),
            reason: reason.into(),
        }
    }
}

/// One start of the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Sequential run id.
    pub id: i64,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// SHA-256 (hex) of the effective configuration.
    pub config_hash: String,
    /// Trading mode (`paper`, `live`, `sim`, ...).
    pub mode: String,
    /// The account id, masked (`DU****567`); the raw id is never stored.
    pub account: String,
    /// Program version that ran.
    pub version: String,
}

/// One change of the trading-state latch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradingStateRecord {
    /// Trading day the latch applies to.
    pub trading_day: NaiveDate,
    /// The new state.
    pub state: TradingState,
    /// Why it changed, in words (human text only; the latch is in `latch`).
    pub reason: String,
    /// When it changed.
    pub at: DateTime<Utc>,
    /// The whole latch after the change (state, halt cause, since), when it
    /// was journaled with one ([`Journal::record_latch_change`](super::Journal::record_latch_change)).
    pub latch: Option<LatchSnapshot>,
}

/// One thing an operator asked of a running bot (the dashboard's control
/// API) and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorActionRecord {
    /// When the session carried it out.
    pub at: DateTime<Utc>,
    /// `halt`, `resume`, `reduce_only`, `cancel_orders` or `flatten`.
    pub action: String,
    /// Who asked (`dashboard`).
    pub source: String,
    /// False when the session refused it.
    pub accepted: bool,
    /// The trading state after it.
    pub state_after: TradingState,
    /// What it did, in words.
    pub outcome: String,
}
