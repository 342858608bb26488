//! [`BrokerEvent`]: what the broker tells the engine about its orders and the
//! connection, already translated from IB's messages (or produced by the
//! backtest fill model) into our own ids and `Decimal`s.

use rust_decimal::Decimal;

use crate::domain::order_id::ClientOrderId;
use crate::domain::types::{Fill, Symbol};

/// One broker-side fact. Market data travels separately as
/// [`MarketEvent`](crate::domain::types::MarketEvent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerEvent {
    /// The broker holds the order (working, or an untransmitted/inactive bracket child).
    Working {
        /// Our id.
        id: ClientOrderId,
    },
    /// An execution. `fill.commission` is zero when the commission arrives separately.
    Filled {
        /// Our id.
        id: ClientOrderId,
        /// What executed.
        fill: Fill,
    },
    /// The commission of an earlier execution (IB reports it after the execution).
    Commission {
        /// Our id.
        id: ClientOrderId,
        /// Instrument.
        symbol: Symbol,
        /// Amount charged (≥ 0).
        amount: Decimal,
    },
    /// The order is cancelled (our request, OCA, or the broker's decision).
    Cancelled {
        /// Our id.
        id: ClientOrderId,
    },
    /// A cancel request failed and the order may still be working (IB 161,
    /// 10147, or 10148 with a live state): the order stays in the book.
    CancelFailed {
        /// Our id.
        id: ClientOrderId,
        /// IB error code.
        code: i32,
    },
    /// An execution correction: `fill` replaces the earlier `previous` fill
    /// of the same order (IB sends a new exec id, `.02` for `.01`).
    Corrected {
        /// Our id.
        id: ClientOrderId,
        /// The execution as first reported (and applied).
        previous: Fill,
        /// The corrected execution.
        fill: Fill,
    },
    /// The broker refused the order.
    Rejected {
        /// Our id.
        id: ClientOrderId,
        /// IB error code (e.g. 201), or 0 when unknown.
        code: i32,
    },
}

impl BrokerEvent {
    /// The order the event is about.
    pub fn id(&self) -> ClientOrderId {
        match *self {
            BrokerEvent::Working { id }
            | BrokerEvent::Filled { id, .. }
            | BrokerEvent::Commission { id, .. }
            | BrokerEvent::Cancelled { id }
            | BrokerEvent::CancelFailed { id, .. }
            | BrokerEvent::Corrected { id, .. }
            | BrokerEvent::Rejected { id, .. } => id,
        }
    }
}
