//! Decoding of the values TWS sends as doubles and text: prices, quantities
//! and money to exact `Decimal`, execution times to UTC.
//!
//! Owns the rule "network data is never silently defaulted": a value that
//! cannot be represented (NaN, infinity, IB's "unset" `f64::MAX`, a price that
//! is not positive, a time that cannot be placed or names an unknown zone) is
//! a [`Malformed`] naming the field and the value, never `0`, never 1970,
//! never New York by default. Callers log it once and drop the message. Pure.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::domain::ticks::{Rung, TickLadder, MAX_RUNGS};

/// A value from TWS the bot cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TWS sent {field} = {value:?}, which {expected}")]
pub struct Malformed {
    /// The field, e.g. `execution price`.
    pub field: &'static str,
    /// The value as received.
    pub value: String,
    /// What it should have been.
    pub expected: &'static str,
}

impl Malformed {
    fn new(field: &'static str, value: impl ToString, expected: &'static str) -> Self {
        Self {
            field,
            value: value.to_string(),
            expected,
        }
    }
}

/// Largest magnitude accepted from the wire: IB's "unset" marker is
/// `f64::MAX`, and no price, quantity or amount of ours comes near this.
const LARGEST: f64 = 1e15;

/// A wire double as `Decimal`, rounded to 8 places (IB sends doubles);
/// `None` when it is not finite or beyond any real amount.
pub fn decimal(value: f64) -> Option<Decimal> {
    if !value.is_finite() || value.abs() >= LARGEST {
        return None;
    }
    Decimal::from_f64_retain(value).map(|d| d.round_dp(8).normalize())
}

/// A finite amount (quantity, PnL, commission): any sign.
///
/// # Errors
/// [`Malformed`] when it cannot be represented.
pub fn amount(field: &'static str, value: f64) -> Result<Decimal, Malformed> {
    decimal(value).ok_or_else(|| Malformed::new(field, value, "is not a finite amount"))
}

/// A price: finite and strictly positive.
///
/// # Errors
/// [`Malformed`] when it is not.
pub fn price(field: &'static str, value: f64) -> Result<Decimal, Malformed> {
    decimal(value)
        .filter(|p| p.is_sign_positive() && !p.is_zero())
        .ok_or_else(|| Malformed::new(field, value, "is not a positive price"))
}

/// The UTC instant of a Unix timestamp (seconds and nanoseconds).
///
/// # Errors
/// [`Malformed`] when it is out of range or not after 1990 (IB has no data
/// before that, so an earlier time is a defaulted field, not a real one).
pub fn unix_time(
    field: &'static str,
    seconds: i64,
    nanos: u32,
) -> Result<DateTime<Utc>, Malformed> {
    const EARLIEST: i64 = 631_152_000; // 1990-01-01T00:00:00Z
    DateTime::<Utc>::from_timestamp(seconds, nanos)
        .filter(|t| t.timestamp() >= EARLIEST)
        .ok_or_else(|| Malformed::new(field, seconds, "is not a time after 1990"))
}

/// Parses a time as TWS writes it (`20260105 09:31:05 US/Eastern`,
/// `20260105  09:31:05`, `20260105-14:31:05 UTC`). The zone is an IANA name,
/// `UTC`/`GMT`, or a US abbreviation (`EST`, `CDT`, …). Without a zone the
/// time is New York's: TWS then writes exchange-local time (our choice where
/// IB's docs are silent; US stocks only). An unknown zone name is an error.
///
/// # Errors
/// [`Malformed`] when the text is not such a time.
pub fn ib_time(field: &'static str, text: &str) -> Result<DateTime<Utc>, Malformed> {
    let bad = |expected| Malformed::new(field, text, expected);
    let normalized = text.trim().replace('-', " ");
    let mut parts = normalized.split_whitespace();
    let (Some(date), Some(time)) = (parts.next(), parts.next()) else {
        return Err(bad("is not a `yyyymmdd hh:mm:ss [zone]` time"));
    };
    let naive = NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y%m%d %H:%M:%S")
        .map_err(|_| bad("is not a `yyyymmdd hh:mm:ss [zone]` time"))?;
    let zone = match parts.next() {
        None => chrono_tz::America::New_York,
        Some(name) => zone(name).ok_or_else(|| bad("names an unknown time zone"))?,
    };
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| bad("does not exist in its time zone"))
}

/// A zone name as TWS writes it.
fn zone(name: &str) -> Option<Tz> {
    use chrono_tz::America::{Chicago, Denver, Los_Angeles, New_York};
    match name {
        "UTC" | "GMT" => Some(chrono_tz::UTC),
        "EST" | "EDT" => Some(New_York),
        "CST" | "CDT" => Some(Chicago),
        "MST" | "MDT" => Some(Denver),
        "PST" | "PDT" => Some(Los_Angeles),
        other => other.parse().ok(),
    }
}

/// A market rule's rows `(low edge, increment)` as a [`TickLadder`]: every
/// edge and increment exact (doubles rounded to 8 places), the ladder valid.
///
/// # Errors
/// [`Malformed`] naming the first bad row, or the ladder's problem.
pub fn tick_ladder(rows: &[(f64, f64)]) -> Result<TickLadder, Malformed> {
    let mut rungs = [Rung {
        low_edge: Decimal::ZERO,
        increment: Decimal::ZERO,
    }; MAX_RUNGS];
    if rows.is_empty() || rows.len() > MAX_RUNGS {
        return Err(Malformed::new(
            "market rule rows",
            rows.len(),
            "is not 1 to 4 rows of price increments",
        ));
    }
    for (rung, &(edge, increment)) in rungs.iter_mut().zip(rows) {
        rung.low_edge = decimal(edge)
            .filter(|d| !d.is_sign_negative())
            .ok_or_else(|| Malformed::new("market rule low edge", edge, "is not a price ≥ 0"))?;
        rung.increment = price("market rule increment", increment)?;
    }
    TickLadder::new(&rungs[..rows.len()]).map_err(|_| {
        Malformed::new(
            "market rule",
            format!("{rows:?}"),
            "is not a tick ladder (first edge 0, edges rising and on both grids, increments > 0)",
        )
    })
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
