//! [`BarReader`]: one bar file read a row at a time through a buffered
//! reader, the rows validated as they come (see the [`csv`](super) module
//! docs for what is checked when). Must never hand out a bar after a problem.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::error::Problems;
use super::time::TimeParser;
use super::{parse_row, symbol_from_path, CsvError, LoadOptions, RowProblem, SeriesInfo};
use crate::domain::calendar::trading_day;
use crate::domain::types::{Bar, Symbol};

const HEADER: [&str; 6] = ["timestamp", "open", "high", "low", "close", "volume"];

/// Rows read ahead when a file is opened: the bar length is inferred from
/// them, and a file no longer than this is validated whole before its first bar.
pub const INFER_ROWS: usize = 4096;

/// Bytes read from the disk at a time.
const READ_BUFFER: usize = 1 << 18;

/// One valid row.
struct Row {
    start: DateTime<Utc>,
    prices: [Decimal; 5],
    /// Within the requested dates.
    in_range: bool,
}

/// Valid rows within the requested dates: how many, first and last start.
#[derive(Debug, Clone, Copy, Default)]
struct Used {
    count: usize,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

/// One bar file read a row at a time: [`open`](Self::open), then
/// [`next_bar`](Self::next_bar) (or iterate) until `None`, then
/// [`finish`](Self::finish) for the checks only the whole file can answer.
/// See the module docs for when problems are found.
pub struct BarReader<R> {
    file: String,
    symbol: Symbol,
    seconds: u32,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    input: R,
    /// The current line, its buffer reused.
    line: String,
    /// 1-based number of the current line (the header is line 1).
    line_no: usize,
    /// Bytes of the rows read ahead at opening, for [`Self::estimated_bars`].
    ahead_bytes: usize,
    /// Bytes in the file, when known.
    file_bytes: Option<u64>,
    eof: bool,
    io_error: Option<std::io::Error>,
    times: TimeParser,
    problems: Problems,
    /// Line and start of the last valid row (the order check's reference).
    previous: Option<(usize, DateTime<Utc>)>,
    /// Start of the first valid row.
    first_row: Option<DateTime<Utc>>,
    used: Used,
    /// Rows read ahead at opening, not yet handed out.
    ahead: VecDeque<Row>,
}

impl BarReader<BufReader<File>> {
    /// Opens the file at `path` (symbol from `options` or the file name).
    ///
    /// # Errors
    /// As [`BarReader::open`], and [`CsvError::Io`] or
    /// [`CsvError::SymbolUnknown`].
    pub fn open_file(path: &Path, options: &LoadOptions) -> Result<Self, CsvError> {
        let file = path.display().to_string();
        let io = |source| CsvError::Io {
            file: file.clone(),
            source,
        };
        let handle = File::open(path).map_err(io)?;
        let bytes = handle.metadata().map_err(io)?.len();
        let symbol = match options.symbol {
            Some(s) => s,
            None => symbol_from_path(path)
                .ok_or_else(|| CsvError::SymbolUnknown { file: file.clone() })?,
        };
        let input = BufReader::with_capacity(READ_BUFFER, handle);
        let mut reader = BarReader::open(&file, input, symbol, options)?;
        reader.file_bytes = Some(bytes);
        Ok(reader)
    }
}

impl<R: BufRead> BarReader<R> {
    /// Checks the header and reads ahead (see the module docs); `file` names
    /// the input in errors. `options.symbol` is ignored in favour of `symbol`.
    ///
    /// # Errors
    /// [`CsvError`]: a bad range or header, or, for a file that ends within
    /// [`INFER_ROWS`] rows or has a problem among them, anything
    /// [`finish`](Self::finish) would say; a bar length that cannot be inferred.
    pub fn open(
        file: &str,
        input: R,
        symbol: Symbol,
        options: &LoadOptions,
    ) -> Result<Self, CsvError> {
        if let (Some(from), Some(to)) = (options.from, options.to) {
            if from > to {
                return Err(CsvError::BadRange {
                    file: file.to_string(),
                    from,
                    to,
                });
            }
        }
        let mut reader = Self {
            file: file.to_string(),
            symbol,
            seconds: 0,
            from: options.from,
            to: options.to,
            input,
            line: String::with_capacity(128),
            line_no: 0,
            ahead_bytes: 0,
            file_bytes: None,
            eof: false,
            io_error: None,
            times: TimeParser::default(),
            problems: Problems::default(),
            previous: None,
            first_row: None,
            used: Used::default(),
            ahead: VecDeque::new(),
        };
        reader.read_header()?;
        while reader.ahead.len() < INFER_ROWS {
            let Some(row) = reader.read_row() else { break };
            reader.ahead_bytes += reader.line.len();
            reader.ahead.push_back(row);
        }
        let known = reader.eof || reader.problems.total > 0;
        if known {
            reader.drain();
            reader.check_rows()?;
        }
        reader.seconds = match options.seconds {
            Some(s) => s,
            None => infer_seconds(reader.ahead.make_contiguous()).ok_or_else(|| {
                CsvError::SpacingUnknown {
                    file: file.to_string(),
                }
            })?,
        };
        if known {
            reader.span()?;
        }
        Ok(reader)
    }

    /// The file as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Instrument.
    pub fn symbol(&self) -> Symbol {
        self.symbol
    }

    /// Bar length in seconds (given or inferred).
    pub fn seconds(&self) -> u32 {
        self.seconds
    }

    /// About how many rows the file has (its size over the mean length of the
    /// rows read ahead); `None` when its size is unknown.
    pub fn estimated_bars(&self) -> Option<u64> {
        let rows = self.ahead.len().max(1) as u64;
        let per_row = (self.ahead_bytes as u64 / rows).max(1);
        Some(self.file_bytes? / per_row)
    }

    /// A problem was found: no more bars are handed out, [`finish`](Self::finish) fails.
    pub fn failed(&self) -> bool {
        self.problems.total > 0 || self.io_error.is_some()
    }

    /// The next bar within the requested dates; `None` at the end of the
    /// file or from the first problem on.
    pub fn next_bar(&mut self) -> Option<Bar> {
        loop {
            let row = match self.ahead.pop_front() {
                Some(row) => row,
                None => self.read_row()?,
            };
            if self.failed() {
                return None;
            }
            if row.in_range {
                return Some(Bar {
                    symbol: self.symbol,
                    start: row.start,
                    seconds: self.seconds,
                    open: row.prices[0],
                    high: row.prices[1],
                    low: row.prices[2],
                    close: row.prices[3],
                    volume: row.prices[4],
                });
            }
        }
    }

    /// Validates the rest of the file and says what it held.
    ///
    /// # Errors
    /// [`CsvError`] naming the file: unreadable, invalid/unsorted/duplicate
    /// rows (every one, up to [`MAX_REPORTED`](super::MAX_REPORTED)), no rows, or no bars in the range.
    pub fn finish(mut self) -> Result<SeriesInfo, CsvError> {
        self.drain();
        self.check_rows()?;
        let (first, last) = self.span()?;
        Ok(SeriesInfo {
            file: self.file,
            symbol: self.symbol,
            seconds: self.seconds,
            bars: self.used.count,
            first,
            last,
        })
    }

    /// Reads the next line into `self.line`; `false` at the end or on an error.
    fn read_line(&mut self) -> bool {
        if self.eof {
            return false;
        }
        self.line.clear();
        match self.input.read_line(&mut self.line) {
            Ok(0) => self.eof = true,
            Ok(_) => self.line_no += 1,
            Err(source) => {
                self.io_error = Some(source);
                self.eof = true;
            }
        }
        !self.eof
    }

    fn read_header(&mut self) -> Result<(), CsvError> {
        self.read_line();
        if let Some(source) = self.io_error.take() {
            return Err(self.io(source));
        }
        let line = self
            .line
            .strip_prefix('\u{feff}')
            .unwrap_or(self.line.as_str());
        let header = line.trim();
        if header
            .split(',')
            .map(str::trim)
            .map(str::to_ascii_lowercase)
            .eq(HEADER.iter().map(|h| h.to_string()))
        {
            return Ok(());
        }
        Err(CsvError::Header {
            file: self.file.clone(),
            found: header.chars().take(80).collect(),
        })
    }

    /// The next valid row (checked against the one before), recording the
    /// problems of the lines on the way; `None` at the end of the file.
    fn read_row(&mut self) -> Option<Row> {
        while self.read_line() {
            let raw = self.line.trim();
            if raw.is_empty() {
                continue;
            }
            let line = self.line_no;
            let Some((start, prices)) = parse_row(line, raw, &mut self.times, &mut self.problems)
            else {
                continue;
            };
            self.check_order(line, start);
            let in_range = self.in_range(start);
            self.first_row.get_or_insert(start);
            if in_range {
                self.used.count += 1;
                self.used.first.get_or_insert(start);
                self.used.last = Some(start);
            }
            return Some(Row {
                start,
                prices,
                in_range,
            });
        }
        None
    }

    /// Records a row whose start is not strictly after the previous valid row's.
    fn check_order(&mut self, line: usize, start: DateTime<Utc>) {
        if let Some((previous_line, previous)) = self.previous {
            if start == previous {
                self.problems.push(
                    line,
                    RowProblem::Duplicate {
                        time: start,
                        first_line: previous_line,
                    },
                );
            } else if start < previous {
                self.problems.push(
                    line,
                    RowProblem::Unsorted {
                        time: start,
                        previous_line,
                        previous,
                    },
                );
            }
        }
        self.previous = Some((line, start));
    }

    /// Whether a bar starting at `start` is within the requested dates (the
    /// time-zone look-up only when dates were asked for).
    fn in_range(&self, start: DateTime<Utc>) -> bool {
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let day = trading_day(start);
        self.from.is_none_or(|from| day >= from) && self.to.is_none_or(|to| day <= to)
    }

    /// Validates every row left.
    fn drain(&mut self) {
        while self.read_row().is_some() {}
    }

    /// After [`drain`](Self::drain): the I/O error, the row problems, or no rows.
    fn check_rows(&mut self) -> Result<(), CsvError> {
        if let Some(source) = self.io_error.take() {
            return Err(self.io(source));
        }
        if self.problems.total > 0 {
            let problems = std::mem::take(&mut self.problems);
            return Err(CsvError::Rows {
                file: self.file.clone(),
                problems: problems.kept,
                total: problems.total,
            });
        }
        if self.first_row.is_none() {
            return Err(CsvError::Empty {
                file: self.file.clone(),
            });
        }
        Ok(())
    }

    /// After [`check_rows`](Self::check_rows): the first and last start of
    /// the bars within the requested dates, or the error saying there are none.
    fn span(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), CsvError> {
        match (
            self.used.first,
            self.used.last,
            self.first_row,
            self.previous,
        ) {
            (Some(first), Some(last), _, _) => Ok((first, last)),
            (_, _, Some(first), Some((_, last))) => Err(CsvError::NoBarsInRange {
                file: self.file.clone(),
                from: self.from,
                to: self.to,
                first: trading_day(first),
                last: trading_day(last),
            }),
            _ => Err(CsvError::Empty {
                file: self.file.clone(),
            }),
        }
    }

    fn io(&self, source: std::io::Error) -> CsvError {
        CsvError::Io {
            file: self.file.clone(),
            source,
        }
    }
}

impl<R: BufRead> Iterator for BarReader<R> {
    type Item = Bar;

    fn next(&mut self) -> Option<Bar> {
        self.next_bar()
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
