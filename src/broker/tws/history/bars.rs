//! Downloaded bars: conversion from the `ibapi` client's bars to ours,
//! merging chunks (sorted by start, one bar per start), and the CSV format
//! shared with the backtester and `../shared/data/bars/*.csv`:
//!
//! ```text
//! timestamp,open,high,low,close,volume
//! 2013-10-04T09:30:00-04:00,167.6500,167.7000,167.6000,167.6900,120000
//! ```
//!
//! Timestamps are each bar's start in RFC 3339 with America/New_York's offset
//! of that day; daily and longer bars start at midnight New York time of their
//! session date. Prices are written with at least 4 decimals (more only when
//! the price has them); volume as an exact decimal without padding.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::America::New_York;

use crate::domain::calendar::midnight;
use ibapi::market_data::historical::{Bar as IbBar, BarTimestamp};
use rust_decimal::Decimal;

use crate::broker::tws::wire;
use crate::domain::types::{Bar, Symbol};

/// The CSV header line (without the newline).
pub const CSV_HEADER: &str = "timestamp,open,high,low,close,volume";

/// Decimals every price is padded to.
const PRICE_DECIMALS: u32 = 4;

/// A bar the client returned that cannot be placed in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TWS returned a bar with an unusable timestamp ({0})")]
pub struct BadBarTime(pub String);

/// The UTC start of an `ibapi` bar timestamp.
///
/// # Errors
/// [`BadBarTime`] if the date or time is out of chrono's range.
pub fn bar_start(timestamp: &BarTimestamp) -> Result<DateTime<Utc>, BadBarTime> {
    let converted = match timestamp {
        BarTimestamp::Date(date) => NaiveDate::from_ymd_opt(
            date.year(),
            u32::from(u8::from(date.month())),
            u32::from(date.day()),
        )
        .and_then(midnight),
        BarTimestamp::DateTime(time) => {
            DateTime::<Utc>::from_timestamp(time.unix_timestamp(), time.nanosecond())
        }
    };
    converted.ok_or_else(|| BadBarTime(timestamp.to_string()))
}

/// Converts one `ibapi` bar to ours: prices and volume to `Decimal` (rounded
/// to 8 places, as TWS sends doubles), start to UTC.
///
/// # Errors
/// [`BadBarTime`] if the timestamp cannot be represented, [`BadBar::Value`]
/// if a price is not positive or the volume not finite.
pub fn convert_bar(symbol: Symbol, seconds: u32, bar: &IbBar) -> Result<Bar, BadBar> {
    Ok(Bar {
        symbol,
        start: bar_start(&bar.date)?,
        seconds,
        open: wire::price("bar open", bar.open)?,
        high: wire::price("bar high", bar.high)?,
        low: wire::price("bar low", bar.low)?,
        close: wire::price("bar close", bar.close)?,
        volume: wire::amount("bar volume", bar.volume)?,
    })
}

/// A bar TWS returned that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadBar {
    /// Its time cannot be placed.
    #[error(transparent)]
    Time(#[from] BadBarTime),
    /// A price or the volume is unusable.
    #[error(transparent)]
    Value(#[from] wire::Malformed),
}

/// Bars sorted by start with one bar per start (the first one given wins:
/// pass the most recent download first), and none starting before `cutoff`.
pub fn merge_bars(bars: impl IntoIterator<Item = Bar>, cutoff: Option<DateTime<Utc>>) -> Vec<Bar> {
    let mut by_start = BTreeMap::new();
    for bar in bars {
        if cutoff.is_none_or(|cutoff| bar.start >= cutoff) {
            by_start.entry(bar.start).or_insert(bar);
        }
    }
    by_start.into_values().collect()
}

/// A price with at least [`PRICE_DECIMALS`] decimals, more only if it has them.
fn format_price(price: Decimal) -> String {
    let mut price = price.normalize();
    if price.scale() < PRICE_DECIMALS {
        price.rescale(PRICE_DECIMALS);
    }
    price.to_string()
}

/// `bar.start` in New York time, RFC 3339 to the second.
pub fn format_timestamp(start: DateTime<Utc>) -> String {
    start
        .with_timezone(&New_York)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// One CSV line for `bar`, without the newline.
pub fn format_row(bar: &Bar) -> String {
    format!(
        "{},{},{},{},{},{}",
        format_timestamp(bar.start),
        format_price(bar.open),
        format_price(bar.high),
        format_price(bar.low),
        format_price(bar.close),
        bar.volume.normalize()
    )
}

/// Writes the header and one line per bar, in the order given.
///
/// # Errors
/// Any I/O error of `out`.
pub fn write_csv<W: Write>(mut out: W, bars: &[Bar]) -> io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    for bar in bars {
        writeln!(out, "{}", format_row(bar))?;
    }
    out.flush()
}

#[cfg(test)]
#[path = "bars_tests.rs"]
mod tests;
