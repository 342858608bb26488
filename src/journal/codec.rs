//! Text forms of the values the journal stores, and their strict parsing back.
//! A stored value that does not parse is reported, never guessed.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;

use super::error::JournalError;
use crate::domain::order_id::{ClientOrderId, Leg};
use crate::domain::types::{OrderKind, Side, Symbol, TradingState};

/// RFC 3339 UTC with exactly six fractional digits, so that text order is time
/// order: `2026-01-05T14:30:00.000000Z`.
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored time.
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, JournalError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid("time", text))
}

/// `YYYY-MM-DD`.
pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Parses a stored trading day.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, JournalError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| invalid("trading day", text))
}

/// The America/New_York calendar date of an instant: the trading day.
pub(crate) use crate::domain::calendar::trading_day as ny_day;

/// The trading day a client order id carries (`yyyymmdd`).
pub(crate) fn order_day(id: &ClientOrderId) -> Result<NaiveDate, JournalError> {
    let d = id.day();
    NaiveDate::from_ymd_opt((d / 10_000) as i32, (d / 100) % 100, d % 100)
        .ok_or_else(|| JournalError::InvalidRecord(format!("order {id} carries no valid date")))
}

/// Parses a stored decimal.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, JournalError> {
    Decimal::from_str(text).map_err(|_| invalid("decimal", text))
}

/// Parses an optional stored decimal.
pub(crate) fn parse_opt_decimal(text: Option<String>) -> Result<Option<Decimal>, JournalError> {
    text.as_deref().map(parse_decimal).transpose()
}

/// Parses a stored symbol.
pub(crate) fn parse_symbol(text: &str) -> Result<Symbol, JournalError> {
    Symbol::new(text).map_err(|_| invalid("symbol", text))
}

/// Parses a stored side (`BUY` / `SELL`).
pub(crate) fn parse_side(text: &str) -> Result<Side, JournalError> {
    match text {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        _ => Err(invalid("side", text)),
    }
}

/// Parses a stored client order id (the bot's or a manual command's).
pub(crate) fn parse_order_ref(text: &str) -> Result<ClientOrderId, JournalError> {
    ClientOrderId::parse_any(text).map_err(|_| invalid("order reference", text))
}

/// Parses an optional stored client order id.
pub(crate) fn parse_opt_order_ref(
    text: Option<String>,
) -> Result<Option<ClientOrderId>, JournalError> {
    text.as_deref().map(parse_order_ref).transpose()
}

/// The one-letter code of a leg, as in the order id (`E`, `S`, `T`, `X`, `F`).
pub(crate) fn leg_text(leg: Leg) -> &'static str {
    match leg {
        Leg::Entry => "E",
        Leg::StopLoss => "S",
        Leg::TakeProfit => "T",
        Leg::Exit => "X",
        Leg::Flatten => "F",
    }
}

/// IB's order-type code and the limit and stop prices of an order kind.
pub(crate) fn kind_parts(kind: OrderKind) -> (&'static str, Option<Decimal>, Option<Decimal>) {
    match kind {
        OrderKind::Market => ("MKT", None, None),
        OrderKind::Limit { limit } => ("LMT", Some(limit), None),
        OrderKind::Stop { stop } => ("STP", None, Some(stop)),
        OrderKind::StopLimit { stop, limit } => ("STP LMT", Some(limit), Some(stop)),
    }
}

/// Rebuilds an order kind from its stored parts.
pub(crate) fn parse_kind(
    code: &str,
    limit: Option<Decimal>,
    stop: Option<Decimal>,
) -> Result<OrderKind, JournalError> {
    match (code, limit, stop) {
        ("MKT", None, None) => Ok(OrderKind::Market),
        ("LMT", Some(limit), None) => Ok(OrderKind::Limit { limit }),
        ("STP", None, Some(stop)) => Ok(OrderKind::Stop { stop }),
        ("STP LMT", Some(limit), Some(stop)) => Ok(OrderKind::StopLimit { stop, limit }),
        _ => Err(JournalError::InvalidRecord(format!(
            "order kind {code:?} with limit {limit:?} and stop {stop:?} is inconsistent"
        ))),
    }
}

/// Parses a stored trading state (`ACTIVE`, `REDUCING`, `HALTED`).
pub(crate) fn parse_trading_state(text: &str) -> Result<TradingState, JournalError> {
    match text {
        "ACTIVE" => Ok(TradingState::Active),
        "REDUCING" => Ok(TradingState::Reducing),
        "HALTED" => Ok(TradingState::Halted),
        _ => Err(invalid("trading state", text)),
    }
}

/// Optional decimal as stored text.
pub(crate) fn opt_text(value: Option<Decimal>) -> Option<String> {
    value.map(|v| v.to_string())
}

fn invalid(what: &str, text: &str) -> JournalError {
    JournalError::InvalidRecord(format!("stored {what} {text:?} cannot be read"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_fixed_width_and_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 1, 5, 14, 30, 0).unwrap();
        assert_eq!(time_text(t), "2026-01-05T14:30:00.000000Z");
        assert_eq!(parse_time("2026-01-05T14:30:00.000000Z").unwrap(), t);
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn trading_day_is_new_york_date() {
        // 2026-01-06 03:00 UTC is still 2026-01-05 22:00 in New York (EST, UTC-5).
        let t = Utc.with_ymd_and_hms(2026, 1, 6, 3, 0, 0).unwrap();
        assert_eq!(ny_day(t), NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        let t = Utc.with_ymd_and_hms(2026, 1, 6, 5, 0, 0).unwrap();
        assert_eq!(ny_day(t), NaiveDate::from_ymd_opt(2026, 1, 6).unwrap());
    }

    #[test]
    fn kinds_round_trip_and_inconsistent_parts_are_refused() {
        let d = Decimal::new(1050, 2);
        for kind in [
            OrderKind::Market,
            OrderKind::Limit { limit: d },
            OrderKind::Stop { stop: d },
            OrderKind::StopLimit {
                stop: d,
                limit: Decimal::new(1049, 2),
            },
        ] {
            let (code, limit, stop) = kind_parts(kind);
            assert_eq!(parse_kind(code, limit, stop).unwrap(), kind);
        }
        assert!(parse_kind("LMT", None, None).is_err());
        assert!(parse_kind("MKT", Some(d), None).is_err());
    }
}
