//! Typed loader errors. Every message names the file and, for row problems,
//! the line (`data/SPY.csv:17: close = "abc": not a number`), and row problems
//! are collected (up to [`MAX_REPORTED`]) so the user fixes them in one go.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use rust_decimal::Decimal;

use super::time::TimeProblem;

/// At most this many row problems are kept; the error still counts them all.
pub const MAX_REPORTED: usize = 20;

/// A column of the bar file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// `timestamp`
    Timestamp,
    /// `open`
    Open,
    /// `high`
    High,
    /// `low`
    Low,
    /// `close`
    Close,
    /// `volume`
    Volume,
}

impl Column {
    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Column::Timestamp => "timestamp",
            Column::Open => "open",
            Column::High => "high",
            Column::Low => "low",
            Column::Close => "close",
            Column::Volume => "volume",
        }
    }
}

/// What is wrong with one field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    /// A price or volume that is not a decimal number.
    NotANumber,
    /// A price ≤ 0.
    NotPositive,
    /// A price written with more than 8 decimal places (the engine holds
    /// prices exactly to 8: a float's tail such as `97.31000061` is refused,
    /// not rounded).
    TooPrecise,
    /// A volume < 0.
    Negative,
    /// An unreadable timestamp.
    Time(TimeProblem),
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::NotANumber => f.write_str("not a number"),
            FieldProblem::NotPositive => f.write_str("must be greater than 0"),
            FieldProblem::TooPrecise => {
                f.write_str("has more than 8 decimal places (round the file's prices)")
            }
            FieldProblem::Negative => f.write_str("must be 0 or more"),
            FieldProblem::Time(t) => t.fmt(f),
        }
    }
}

/// What is wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// Not exactly six comma-separated fields.
    FieldCount {
        /// Fields found.
        found: usize,
    },
    /// One field is invalid.
    Field {
        /// Which column.
        column: Column,
        /// The text as found (cut to 40 characters).
        value: String,
        /// Why it is invalid.
        problem: FieldProblem,
    },
    /// High/low do not contain open and close (or low > high).
    Inconsistent {
        /// Open.
        open: Decimal,
        /// High.
        high: Decimal,
        /// Low.
        low: Decimal,
        /// Close.
        close: Decimal,
    },
    /// The row's time is earlier than the row before it.
    Unsorted {
        /// This row's bar start.
        time: DateTime<Utc>,
        /// Line of the row before.
        previous_line: usize,
        /// Bar start of the row before.
        previous: DateTime<Utc>,
    },
    /// The row's time equals the row before it.
    Duplicate {
        /// The repeated bar start.
        time: DateTime<Utc>,
        /// Line of the first row with this time.
        first_line: usize,
    },
}

/// One bad row: its 1-based line number (the header is line 1) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong.
    pub problem: RowProblem,
}

/// Formats a UTC instant as New York exchange time with its offset.
fn ny(t: &DateTime<Utc>) -> String {
    t.with_timezone(&New_York).to_rfc3339()
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowProblem::FieldCount { found } => write!(
                f,
                "expected 6 fields (timestamp,open,high,low,close,volume), found {found}"
            ),
            RowProblem::Field {
                column,
                value,
                problem,
            } => write!(f, "{} = {value:?}: {problem}", column.name()),
            RowProblem::Inconsistent {
                open,
                high,
                low,
                close,
            } => write!(
                f,
                "inconsistent prices: open {open}, high {high}, low {low}, close {close} \
                 (need low ≤ open, close ≤ high)"
            ),
            RowProblem::Unsorted {
                time,
                previous_line,
                previous,
            } => write!(
                f,
                "timestamp {} is earlier than {} on line {previous_line}: rows must be in ascending time order",
                ny(time),
                ny(previous)
            ),
            RowProblem::Duplicate { time, first_line } => write!(
                f,
                "timestamp {} repeats line {first_line}: each bar start may appear once",
                ny(time)
            ),
        }
    }
}

/// Why a bar file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The path as given.
        file: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The first line is not the expected header.
    #[error("{file}:1: header is {found:?}; expected \"timestamp,open,high,low,close,volume\"")]
    Header {
        /// The path as given.
        file: String,
        /// The header found (cut to 80 characters).
        found: String,
    },
    /// One or more rows are invalid, unsorted or duplicated.
    #[error("{}", Lines { file, problems, total: *total })]
    Rows {
        /// The path as given.
        file: String,
        /// The first [`MAX_REPORTED`] problems, in line order.
        problems: Vec<LineProblem>,
        /// How many problems there are in all.
        total: usize,
    },
    /// The file has a header but no rows.
    #[error("{file}: no bars after the header")]
    Empty {
        /// The path as given.
        file: String,
    },
    /// Rows exist, but none in the requested date range.
    #[error(
        "{file}: no bars from {} to {} (the file covers {first} to {last})",
        opt_date(from, "the start"),
        opt_date(to, "the end")
    )]
    NoBarsInRange {
        /// The path as given.
        file: String,
        /// First date asked for.
        from: Option<NaiveDate>,
        /// Last date asked for.
        to: Option<NaiveDate>,
        /// First exchange date in the file.
        first: NaiveDate,
        /// Last exchange date in the file.
        last: NaiveDate,
    },
    /// A single bar and no bar length given: the length cannot be inferred.
    #[error(
        "{file}: one bar only, so its length cannot be inferred; give it with --bar-size, e.g. --bar-size \"1 day\""
    )]
    SpacingUnknown {
        /// The path as given.
        file: String,
    },
    /// The symbol was not given and the file name does not start with one.
    #[error("{file}: cannot tell the symbol from the file name; name it like SPY_1d.csv or give the symbol")]
    SymbolUnknown {
        /// The path as given.
        file: String,
    },
    /// `from` is after `to`.
    #[error("{file}: the range {from} to {to} is empty: from is after to")]
    BadRange {
        /// The path as given.
        file: String,
        /// First date asked for.
        from: NaiveDate,
        /// Last date asked for.
        to: NaiveDate,
    },
}

fn opt_date(d: &Option<NaiveDate>, open_end: &str) -> String {
    d.map_or_else(|| open_end.to_string(), |d| d.to_string())
}

/// Display helper: one `file:line: problem` per line, then how many were left out.
struct Lines<'a> {
    file: &'a str,
    problems: &'a [LineProblem],
    total: usize,
}

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}:{}: {}", self.file, p.line, p.problem)?;
        }
        let left_out = self.total.saturating_sub(self.problems.len());
        if left_out > 0 {
            write!(f, "\n{}: … and {left_out} more problem(s)", self.file)?;
        }
        Ok(())
    }
}

/// Collects row problems up to [`MAX_REPORTED`], counting the rest.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) kept: Vec<LineProblem>,
    pub(crate) total: usize,
}

impl Problems {
    pub(crate) fn push(&mut self, line: usize, problem: RowProblem) {
        self.total += 1;
        if self.kept.len() < MAX_REPORTED {
            self.kept.push(LineProblem { line, problem });
        }
    }

    pub(crate) fn field(
        &mut self,
        line: usize,
        column: Column,
        value: &str,
        problem: FieldProblem,
    ) {
        let value: String = value.chars().take(40).collect();
        self.push(
            line,
            RowProblem::Field {
                column,
                value,
                problem,
            },
        );
    }
}
