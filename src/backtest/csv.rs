//! The bar-file loader: `timestamp,open,high,low,close,volume` rows (RFC 3339
//! with offset, or IB's `yyyymmdd hh:mm:ss ZONE`) into [`Bar`]s with `Decimal`
//! prices.
//!
//! It never uses questionable data silently: bad numbers, inconsistent prices,
//! unsorted and duplicate timestamps are all reported ([`CsvError::Rows`], each
//! naming file and line). The file is read once into memory and split in
//! place; the only allocations per row are the row itself (no `String` per
//! field). SPY_1h.csv (40 832 rows) loads in a few milliseconds in release.

mod error;
mod time;

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::calendar::trading_day;
use crate::domain::types::{Bar, Symbol};

pub use error::{Column, CsvError, FieldProblem, LineProblem, RowProblem, MAX_REPORTED};
pub use time::TimeProblem;

use error::Problems;
use time::TimeParser;

const HEADER: [&str; 6] = ["timestamp", "open", "high", "low", "close", "volume"];

/// How to read a bar file. The default infers symbol and bar length and keeps every row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The instrument; `None` takes the file name up to the first `_` or `.`
    /// (`SPY_1h.csv` → `SPY`).
    pub symbol: Option<Symbol>,
    /// Bar length in seconds; `None` infers it from the most common spacing of
    /// consecutive rows (snapped to whole days when within an hour of one, so
    /// daily bars across a daylight-saving change still give 86 400).
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
    /// Bar length in seconds (given or inferred from the whole file).
    pub seconds: u32,
    /// Bars within the requested dates, strictly ascending by `start`.
    pub bars: Vec<Bar>,
}

/// Reads and validates a bar file.
///
/// # Errors
/// [`CsvError`] naming the file (and line) when it cannot be read, has a wrong
/// header, invalid/unsorted/duplicate rows, or no bars in the range.
pub fn load_bars(path: &Path, options: &LoadOptions) -> Result<BarSeries, CsvError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CsvError::Io {
        file: file.clone(),
        source,
    })?;
    let symbol = match options.symbol {
        Some(s) => s,
        None => {
            symbol_from_path(path).ok_or_else(|| CsvError::SymbolUnknown { file: file.clone() })?
        }
    };
    parse_bars(&file, &text, symbol, options)
}

/// The symbol a file name starts with: `data/SPY_1d.csv` → `SPY`.
pub fn symbol_from_path(path: &Path) -> Option<Symbol> {
    let name = path.file_name()?.to_str()?;
    let end = name.find(['_', '.']).unwrap_or(name.len());
    Symbol::new(&name[..end]).ok()
}

/// One valid row before range filtering.
struct Row {
    line: usize,
    start: DateTime<Utc>,
    prices: [Decimal; 5],
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
    if let (Some(from), Some(to)) = (options.from, options.to) {
        if from > to {
            return Err(CsvError::BadRange {
                file: file.to_string(),
                from,
                to,
            });
        }
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split('\n').enumerate();
    let header = lines.next().map_or("", |(_, l)| l.trim());
    if !header
        .split(',')
        .map(str::trim)
        .map(str::to_ascii_lowercase)
        .eq(HEADER.iter().map(|h| h.to_string()))
    {
        return Err(CsvError::Header {
            file: file.to_string(),
            found: header.chars().take(80).collect(),
        });
    }

    let mut rows = Vec::with_capacity(text.len() / 48);
    let mut problems = Problems::default();
    let mut times = TimeParser::default();
    for (index, raw) in lines {
        let line = index + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        if let Some(row) = parse_row(line, raw, &mut times, &mut problems) {
            rows.push(row);
        }
    }
    check_order(&rows, &mut problems);
    if problems.total > 0 {
        return Err(CsvError::Rows {
            file: file.to_string(),
            problems: problems.kept,
            total: problems.total,
        });
    }
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Err(CsvError::Empty {
            file: file.to_string(),
        });
    };
    let seconds = match options.seconds {
        Some(s) => s,
        None => infer_seconds(&rows).ok_or_else(|| CsvError::SpacingUnknown {
            file: file.to_string(),
        })?,
    };
    let in_range = |t: &DateTime<Utc>| {
        let day = trading_day(*t);
        options.from.is_none_or(|from| day >= from) && options.to.is_none_or(|to| day <= to)
    };
    let bars: Vec<Bar> = rows
        .iter()
        .filter(|r| in_range(&r.start))
        .map(|r| Bar {
            symbol,
            start: r.start,
            seconds,
            open: r.prices[0],
            high: r.prices[1],
            low: r.prices[2],
            close: r.prices[3],
            volume: r.prices[4],
        })
        .collect();
    if bars.is_empty() {
        return Err(CsvError::NoBarsInRange {
            file: file.to_string(),
            from: options.from,
            to: options.to,
            first: trading_day(first.start),
            last: trading_day(last.start),
        });
    }
    Ok(BarSeries {
        file: file.to_string(),
        symbol,
        seconds,
        bars,
    })
}

/// Parses one non-empty row, recording every problem it has.
fn parse_row(
    line: usize,
    raw: &str,
    times: &mut TimeParser,
    problems: &mut Problems,
) -> Option<Row> {
    let mut fields = [""; 6];
    let mut count = 0;
    for field in raw.split(',') {
        if count < fields.len() {
            fields[count] = field.trim();
        }
        count += 1;
    }
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
        match text.parse::<Decimal>() {
            Ok(v) if column == Column::Volume && v < Decimal::ZERO => {
                problems.field(line, column, text, FieldProblem::Negative)
            }
            Ok(v) if column != Column::Volume && v <= Decimal::ZERO => {
                problems.field(line, column, text, FieldProblem::NotPositive)
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
    Some(Row {
        line,
        start: start?,
        prices,
    })
}

/// Records every row whose start is not strictly after the previous row's.
fn check_order(rows: &[Row], problems: &mut Problems) {
    for pair in rows.windows(2) {
        let (prev, row) = (&pair[0], &pair[1]);
        if row.start == prev.start {
            problems.push(
                row.line,
                RowProblem::Duplicate {
                    time: row.start,
                    first_line: prev.line,
                },
            );
        } else if row.start < prev.start {
            problems.push(
                row.line,
                RowProblem::Unsorted {
                    time: row.start,
                    previous_line: prev.line,
                    previous: prev.start,
                },
            );
        }
    }
}

/// The most common positive spacing between consecutive rows (the smallest
/// such spacing on ties), snapped to whole days when within an hour of one.
fn infer_seconds(rows: &[Row]) -> Option<u32> {
    let mut gaps: Vec<i64> = rows
        .windows(2)
        .map(|w| (w[1].start - w[0].start).num_seconds())
        .filter(|&g| g > 0)
        .collect();
    gaps.sort_unstable();
    let mut best: Option<(i64, usize)> = None;
    for run in gaps.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, n)| run.len() > n) {
            best = Some((run[0], run.len()));
        }
    }
    let (gap, _) = best?;
    const DAY: i64 = 86_400;
    let days = (gap + DAY / 2) / DAY;
    let gap = if days >= 1 && (gap - days * DAY).abs() <= 3_600 {
        days * DAY
    } else {
        gap
    };
    u32::try_from(gap).ok()
}
