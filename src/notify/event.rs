//! What a notification says: [`Event`], and the JSON body that carries it
//! ([`body`]) — schema version [`SCHEMA`], documented in the README's
//! "Notifications" section.
//!
//! Owns the body's shape: a field renamed or removed here is a new schema
//! version. Money and quantities are decimal strings, times RFC 3339 in UTC,
//! the account masked. Must never hold an unmasked account id or read a clock:
//! every time is given.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::types::{Fill, TradingState};
use crate::risk::StateChange;
use crate::settings::NotifyEvent;

/// The version of the body's shape.
pub const SCHEMA: u32 = 1;

/// One thing worth telling the operator, with its own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Event {
    /// An execution of one of the bot's orders.
    Fill {
        /// Instrument.
        symbol: String,
        /// `BUY` or `SELL`.
        side: String,
        /// Shares executed.
        quantity: Decimal,
        /// Execution price.
        price: Decimal,
        /// The bot's order reference (IB `orderRef`).
        order_ref: String,
    },
    /// TWS refused one of the bot's orders.
    Reject {
        /// Instrument (empty when the order is unknown).
        symbol: String,
        /// The bot's order reference.
        order_ref: String,
        /// IB's error code.
        code: i32,
        /// IB's text.
        message: String,
    },
    /// The trading state changed.
    State {
        /// State before: `ACTIVE`, `REDUCING` or `HALTED`.
        from: TradingState,
        /// State after.
        to: TradingState,
        /// Why, as a stable code ([`crate::risk::ChangeReason::code`]).
        cause: &'static str,
        /// Why, in words (as in the log).
        reason: String,
    },
    /// The link to IB has been down a while (`link: "down"`), or is back
    /// (`link: "restored"`).
    Disconnect {
        /// `down` or `restored`.
        link: &'static str,
        /// When the link went down (RFC 3339, UTC).
        since: String,
        /// Whole seconds it has been (or was) down.
        seconds: u64,
    },
    /// The day's figures at the session close.
    DailySummary {
        /// The New York trading day.
        day: NaiveDate,
        /// The trading state at the close.
        state: TradingState,
        /// Realized + unrealized − commissions since the day began, to the cent.
        day_pnl: Decimal,
        /// Executions of the bot's orders journaled that day; `None` (JSON
        /// `null`) when the journal could not be read, never a made-up 0.
        trades: Option<u64>,
        /// The bot's open positions.
        positions: Vec<PositionLine>,
    },
}

/// One open position in a daily summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionLine {
    /// Instrument.
    pub symbol: String,
    /// Signed shares (negative = short).
    pub quantity: Decimal,
    /// Average cost per share, to the cent.
    pub average_cost: Decimal,
}

impl Event {
    /// A fill of the order `order_ref`.
    pub fn fill(order_ref: impl ToString, fill: &Fill) -> Self {
        Self::Fill {
            symbol: fill.symbol.to_string(),
            side: fill.side.to_string(),
            quantity: fill.quantity.normalize(),
            price: fill.price,
            order_ref: order_ref.to_string(),
        }
    }

    /// A state change, as the engine reported it.
    pub fn state(change: &StateChange) -> Self {
        Self::State {
            from: change.from,
            to: change.to,
            cause: change.reason.code(),
            reason: change.to_string(),
        }
    }

    /// The link down since `since`, for `seconds` (`restored` or not).
    pub fn disconnect(restored: bool, since: DateTime<Utc>, seconds: u64) -> Self {
        Self::Disconnect {
            link: if restored { "restored" } else { "down" },
            since: rfc3339(since),
            seconds,
        }
    }

    /// Which kind of event this is (its name in `events` and in the body).
    pub fn kind(&self) -> NotifyEvent {
        match self {
            Self::Fill { .. } => NotifyEvent::Fill,
            Self::Reject { .. } => NotifyEvent::Reject,
            Self::State { .. } => NotifyEvent::State,
            Self::Disconnect { .. } => NotifyEvent::Disconnect,
            Self::DailySummary { .. } => NotifyEvent::DailySummary,
        }
    }
}

/// Who sends: the same in every body of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `paper` or `live`.
    pub mode: String,
    /// The account, masked (`DU****567`).
    pub account: String,
}

/// The envelope around an event's own fields.
#[derive(Serialize)]
struct Body<'a> {
    schema: u32,
    event: &'static str,
    time: String,
    mode: &'a str,
    account: &'a str,
    #[serde(flatten)]
    fields: &'a Event,
}

/// The JSON body of `event`, sent at `time`.
pub fn body(header: &Header, event: &Event, time: DateTime<Utc>) -> String {
    let body = Body {
        schema: SCHEMA,
        event: event.kind().code(),
        time: rfc3339(time),
        mode: &header.mode,
        account: &header.account,
        fields: event,
    };
    // Strings, numbers and decimal strings only: serializing cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// `time` as RFC 3339 in UTC with milliseconds: `2026-01-05T21:00:00.000Z`.
fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
