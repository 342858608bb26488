//! The bar-file loader: `timestamp,open,high,low,close,volume` rows (RFC 3339
//! with offset, or IB's `yyyymmdd hh:mm:ss ZONE`) into [`Bar`]s with `Decimal`
//! prices, one row at a time.
//!
//! [`BarReader`] streams a file through a buffered reader. It holds one line
//! (its buffer reused, so no allocation per row), the previous row's time for
//! the order check and, from opening, up to [`INFER_ROWS`] rows read ahead;
//! never the whole file, so its memory does not grow with the file.
//! [`load_bars`] and [`parse_bars`] collect a whole file into a [`BarSeries`]
//! for callers that want it in memory (sweeps, tests, benches).
//!
//! It never uses questionable data silently: bad numbers, inconsistent prices,
//! unsorted and duplicate timestamps are all reported ([`CsvError::Rows`],
//! each naming file and line, in line order), also when they come after bars
//! were handed out:
//! - **Opening** ([`BarReader::open`]) checks the header and reads ahead the
//!   first [`INFER_ROWS`] rows; the bar length is inferred from them. A file
//!   that ends within them, or has a problem among them, is validated to its
//!   end there and then, so a small or visibly bad file fails before anything
//!   runs.
//! - **No pre-pass** over longer files: parsing is the larger part of a
//!   backtest's time outside the engine, and a validating pass would double
//!   it. Instead [`BarReader::next_bar`] hands out no bar after the first bad
//!   row, and [`BarReader::finish`] validates the rest of the file and returns
//!   every problem. A backtest then fails with that error and writes no
//!   report: a run is never reported from part of a file.

mod error;
mod reader;
mod time;

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::money::Figure;
use crate::domain::types::{Bar, Symbol};

pub use error::{Column, CsvError, FieldProblem, LineProblem, RowProblem, MAX_REPORTED};
pub use reader::{BarReader, INFER_ROWS};
pub use time::TimeProblem;

use error::Problems;
use time::TimeParser;

/// How to read a bar file. The default infers symbol and bar length and keeps every row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The instrument; `None` takes the file name up to the first `_` or `.`
    /// (`SPY_1h.csv` → `SPY`).
    pub symbol: Option<Symbol>,
    /// Bar length in seconds; `None` infers it from the most common spacing of
    /// consecutive rows among the first [`INFER_ROWS`] (snapped to whole days
    /// when within an hour of one, so daily bars across a daylight-saving
    /// change still give 86 400).
    pub seconds: Option<u32>,
    /// First exchange date (America/New_York, inclusive) of bars to keep.
    pub from: Option<NaiveDate>,
    /// Last exchange date (America/New_York, inclusive) of bars to keep.
    pub to: Option<NaiveDate>,
}

/// The bars of one file, ascending by start, all of one symbol and length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarSeries {
    /// The file as given.
    pub file: String,
    /// Instrument.
    pub symbol: Symbol,
    /// Bar length in seconds (given or inferred).
    pub seconds: u32,
    /// Bars within the requested dates, strictly ascending by `start`.
    pub bars: Vec<Bar>,
}

/// What a valid file held, once read to its end ([`BarReader::finish`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesInfo {
    /// The file as given.
    pub file: String,
    /// Instrument.
    pub symbol: Symbol,
    /// Bar length in seconds (given or inferred).
    pub seconds: u32,
    /// Bars within the requested dates.
    pub bars: usize,
    /// Start of the first of them.
    pub first: DateTime<Utc>,
    /// Start of the last of them.
    pub last: DateTime<Utc>,
}

/// Reads and validates a whole bar file into memory.
///
/// # Errors
/// [`CsvError`] naming the file (and line) when it cannot be read, has a wrong
/// header, invalid/unsorted/duplicate rows, or no bars in the range.
pub fn load_bars(path: &Path, options: &LoadOptions) -> Result<BarSeries, CsvError> {
    collect(BarReader::open_file(path, options)?)
}

/// Parses bar-file text (`file` only names it in errors). `options.symbol` is
/// ignored in favour of `symbol`.
///
/// # Errors
/// As [`load_bars`], except I/O.
pub fn parse_bars(
    file: &str,
    text: &str,
    symbol: Symbol,
    options: &LoadOptions,
) -> Result<BarSeries, CsvError> {
    collect(BarReader::open(file, text.as_bytes(), symbol, options)?)
}

/// Every bar of `reader`, then its end-of-file checks.
fn collect<R: BufRead>(mut reader: BarReader<R>) -> Result<BarSeries, CsvError> {
    let bars: Vec<Bar> = reader.by_ref().collect();
    let info = reader.finish()?;
    Ok(BarSeries {
        file: info.file,
        symbol: info.symbol,
        seconds: info.seconds,
        bars,
    })
}

/// The symbol a file name starts with: `data/SPY_1d.csv` → `SPY`.
pub fn symbol_from_path(path: &Path) -> Option<Symbol> {
    let name = path.file_name()?.to_str()?;
    let end = name.find(['_', '.']).unwrap_or(name.len());
    Symbol::new(&name[..end]).ok()
}

/// Parses one non-empty row, recording every problem it has.
fn parse_row(
    line: usize,
    raw: &str,
    times: &mut TimeParser,
    problems: &mut Problems,
) -> Option<(DateTime<Utc>, [Decimal; 5])> {
    let mut fields = [""; 6];
    let count = split_fields(raw, &mut fields);
    if count != fields.len() {
        problems.push(line, RowProblem::FieldCount { found: count });
        return None;
    }
    let before = problems.total;
    let start = times
        .parse(fields[0])
        .map_err(|p| problems.field(line, Column::Timestamp, fields[0], FieldProblem::Time(p)))
        .ok();
    let columns = [
        Column::Open,
        Column::High,
        Column::Low,
        Column::Close,
        Column::Volume,
    ];
    let mut prices = [Decimal::ZERO; 5];
    for (i, column) in columns.into_iter().enumerate() {
        let text = fields[i + 1];
        match decimal(text) {
            Ok(v) if column == Column::Volume && v < Decimal::ZERO => {
                problems.field(line, column, text, FieldProblem::Negative)
            }
            Ok(v) if column != Column::Volume && v <= Decimal::ZERO => {
                problems.field(line, column, text, FieldProblem::NotPositive)
            }
            Ok(v) if column != Column::Volume && Figure::from_decimal(v).is_err() => {
                problems.field(line, column, text, FieldProblem::TooPrecise)
            }
            Ok(v) => prices[i] = v,
            Err(_) => problems.field(line, column, text, FieldProblem::NotANumber),
        }
    }
    if problems.total > before {
        return None;
    }
    let [open, high, low, close, _] = prices;
    if low > open.min(close) || high < open.max(close) {
        problems.push(
            line,
            RowProblem::Inconsistent {
                open,
                high,
                low,
                close,
            },
        );
        return None;
    }
    Some((start?, prices))
}

/// Splits `raw` at its commas: the first six fields, trimmed, go to
/// `fields`; returns how many fields there are.
fn split_fields<'a>(raw: &'a str, fields: &mut [&'a str; 6]) -> usize {
    let (mut count, mut from) = (0, 0);
    // A comma is ASCII, so each cut is on a character boundary.
    for (i, _) in raw.bytes().enumerate().filter(|&(_, b)| b == b',') {
        if let Some(field) = fields.get_mut(count) {
            *field = trim(&raw[from..i]);
        }
        count += 1;
        from = i + 1;
    }
    if let Some(field) = fields.get_mut(count) {
        *field = trim(&raw[from..]);
    }
    count + 1
}

/// [`str::trim`], skipping its Unicode scan for a field that starts and
/// ends with a visible ASCII character (nearly every field).
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// `text` as [`Decimal`]'s `FromStr` reads it — the same value and scale
/// (`97.3100` keeps its 4 decimals) — with a fast path for plain
/// `digits[.digits]` of at most 18 characters.
fn decimal(text: &str) -> Result<Decimal, rust_decimal::Error> {
    let b = text.as_bytes();
    if b.len() <= 18 {
        let (mut mantissa, mut scale, mut plain) = (0i64, None, !b.is_empty());
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(c - b'0'),
                b'.' if scale.is_none() && i > 0 && i + 1 < b.len() => {
                    scale = u32::try_from(b.len() - i - 1).ok();
                }
                _ => plain = false,
            }
        }
        if plain {
            return Ok(Decimal::new(mantissa, scale.unwrap_or(0)));
        }
    }
    text.parse()
}
