//! The simulator's market hours: whether the exchange streams bars and works
//! orders at a given instant.
//!
//! Owns the choice between a market that never closes ([`Hours::Always`],
//! the library default most tests rely on) and NYSE's calendar
//! ([`Hours::Nyse`], scenario `[session] hours = "nyse"`, what `run --sim`
//! uses): regular hours 09:30–16:00 New York with weekends, exchange holidays
//! and 13:00 half days, and extended hours 04:00–20:00 for orders flagged
//! `outsideRth`. The dates themselves come from the workspace's
//! `nyse-calendar` crate, the one the bot's risk gate uses, so the two can
//! never disagree. Also owns IB's 399 text for an order parked until the
//! next open. Never reads a clock: every answer is for the instant given.

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use serde::Deserialize;

use crate::exchange::{OrderType, SimOrder};

/// IB's code for an order message; with the text of [`parked_message`], an
/// order accepted outside regular hours and held until the next open.
pub const ORDER_PARKED: i32 = 399;

/// When the simulated market trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hours {
    /// Around the clock, every day: bars stream and orders work at any time.
    #[default]
    Always,
    /// The NYSE calendar (see the module doc).
    Nyse,
}

impl Hours {
    /// Whether a 5-second real-time bar starting at `start` is sent to a
    /// subscription made with `use_rth`: with `useRTH=1` only bars of the
    /// regular session (the last one starts at 15:59:55 and ends at the
    /// close), with `useRTH=0` those of the extended hours too.
    pub fn bar_at(self, start: DateTime<Utc>, use_rth: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Nyse if use_rth => nyse_calendar::is_open(start),
            Self::Nyse => nyse_calendar::is_extended(start),
        }
    }

    /// Whether an order may trigger or fill at `now`: in the regular
    /// session, or in extended hours when it is flagged `outsideRth` and is
    /// not a market order (IB works no market order outside regular hours).
    pub fn order_works(self, now: DateTime<Utc>, order_type: OrderType, outside_rth: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Nyse => {
                nyse_calendar::is_open(now)
                    || (outside_rth
                        && order_type != OrderType::Market
                        && nyse_calendar::is_extended(now))
            }
        }
    }

    /// Whether a regular session closed in `(from, to]`: DAY orders still
    /// working then expire.
    pub fn closed_between(self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        if self == Self::Always || to <= from {
            return false;
        }
        let mut day = nyse_calendar::trading_day(from);
        while day <= nyse_calendar::trading_day(to) {
            if nyse_calendar::session_close(day).is_some_and(|close| from < close && close <= to) {
                return true;
            }
            let Some(next) = day.succ_opt() else {
                return false;
            };
            day = next;
        }
        false
    }
}

/// IB's 399 text for `order`, listed on `exchange`, placed outside regular
/// hours and held until `open`: `Order Message:\nBUY 100 SPY ARCA\nWarning:
/// your order will not be placed at the exchange until 2026-01-06 09:30:00
/// US/Eastern`.
pub fn parked_message(order: &SimOrder, exchange: &str, open: DateTime<Utc>) -> String {
    format!(
        "Order Message:\n{} {} {} {}\nWarning: your order will not be placed at the exchange until {} US/Eastern",
        order.action.as_str(),
        order.qty.normalize(),
        order.symbol,
        listing(exchange),
        open.with_timezone(&New_York).format("%Y-%m-%d %H:%M:%S"),
    )
}

/// The venue name TWS prints for a primary exchange (NASDAQ's is `NASDAQ.NMS`).
fn listing(exchange: &str) -> &str {
    if exchange.eq_ignore_ascii_case("NASDAQ") {
        "NASDAQ.NMS"
    } else {
        exchange
    }
}

#[cfg(test)]
#[path = "trading_hours_tests.rs"]
mod tests;
