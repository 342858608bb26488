//! Turning what a user typed into a [`HistoryRequest`], and a finished
//! download into a CSV file written atomically (a temporary file in the same
//! directory, synced, then renamed over the target), so a reader never sees a
//! half-written file and a failed download never clobbers an old one.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::bars::{format_timestamp, write_csv};
use super::download::{download, DownloadOptions, HistoryError, HistoryRequest};
use super::spec::{HistoryBarSize, HistoryDuration, SpecError};
use crate::broker::tws::pacing::HistoricalScheduler;
use crate::domain::types::{Bar, Symbol, SymbolError};

/// One of the user's values is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The symbol.
    #[error("symbol: {0}")]
    Symbol(#[from] SymbolError),
    /// The bar size or duration.
    #[error(transparent)]
    Spec(#[from] SpecError),
}

impl HistoryRequest {
    /// Builds a request from text as typed: symbol (upper-cased), bar size
    /// (`1min`, `1 min`, ...), duration (`5D`, `5 D`, ...).
    ///
    /// # Errors
    /// [`RequestError`] naming the bad value and the accepted ones.
    pub fn parse(
        symbol: &str,
        bar_size: &str,
        duration: &str,
        regular_hours: bool,
    ) -> Result<Self, RequestError> {
        Ok(Self {
            symbol: Symbol::new(&symbol.trim().to_ascii_uppercase())?,
            bar_size: HistoryBarSize::parse(bar_size)?,
            duration: HistoryDuration::parse(duration)?,
            regular_hours,
        })
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The symbol.
    pub symbol: Symbol,
    /// IB's bar size name.
    pub bar_size: &'static str,
    /// Bars written.
    pub bars: usize,
    /// Start of the first bar.
    pub first: Option<DateTime<Utc>>,
    /// Start of the last bar.
    pub last: Option<DateTime<Utc>>,
    /// Requests made.
    pub requests: usize,
    /// The file written.
    pub path: PathBuf,
}

impl Summary {
    /// Describes `bars` (sorted) written to `path` after `requests` requests.
    pub fn of(request: &HistoryRequest, bars: &[Bar], requests: usize, path: &Path) -> Self {
        Self {
            symbol: request.symbol,
            bar_size: request.bar_size.name(),
            bars: bars.len(),
            first: bars.first().map(|bar| bar.start),
            last: bars.last().map(|bar| bar.start),
            requests,
            path: path.to_path_buf(),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} {} bar{} of {} to {}",
            self.bars,
            self.bar_size,
            if self.bars == 1 { "" } else { "s" },
            self.symbol,
            self.path.display()
        )?;
        if let (Some(first), Some(last)) = (self.first, self.last) {
            write!(
                f,
                ", {} .. {}",
                format_timestamp(first),
                format_timestamp(last)
            )?;
        }
        write!(
            f,
            " ({} request{})",
            self.requests,
            if self.requests == 1 { "" } else { "s" }
        )
    }
}

/// `dir/.name.tmp-PID` beside `path`.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "history.csv".to_string());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bars` as CSV to `path` atomically: all of it or, on error,
/// nothing (the previous file, if any, is untouched).
///
/// # Errors
/// Any I/O error creating, writing, syncing or renaming the file.
pub fn write_csv_atomically(path: &Path, bars: &[Bar]) -> io::Result<()> {
    let temporary = temporary_path(path);
    let written = (|| {
        let mut out = BufWriter::new(File::create(&temporary)?);
        write_csv(&mut out, bars)?;
        let file = out.into_inner().map_err(|error| error.into_error())?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Why [`download_to_file`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The download failed.
    #[error(transparent)]
    Download(#[from] HistoryError),
    /// TWS had no bars for the request.
    #[error("TWS returned no {bar_size} bars of {symbol} for the last {duration}: check the symbol, and that your account has market data for it")]
    NoBars {
        /// The symbol.
        symbol: Symbol,
        /// IB's bar size name.
        bar_size: &'static str,
        /// The duration asked for.
        duration: String,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The target file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

/// Downloads `request` (see [`download`], with the default
/// [`DownloadOptions`]) and writes the bars to `path` atomically. Writes
/// nothing when the download fails or has no bars.
///
/// # Errors
/// [`SaveError`] saying which step failed.
pub async fn download_to_file(
    client: &ibapi::Client,
    scheduler: &mut HistoricalScheduler,
    request: &HistoryRequest,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<Summary, SaveError> {
    let options = DownloadOptions::default();
    let downloaded = download(client, scheduler, request, &options, now).await?;
    if downloaded.bars.is_empty() {
        return Err(SaveError::NoBars {
            symbol: request.symbol,
            bar_size: request.bar_size.name(),
            duration: request.duration.to_string(),
        });
    }
    write_csv_atomically(path, &downloaded.bars).map_err(|source| SaveError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Summary::of(
        request,
        &downloaded.bars,
        downloaded.requests,
        path,
    ))
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn bar(start: &str) -> Bar {
        Bar {
            symbol: Symbol::new("SPY").unwrap(),
            start: utc(start),
            seconds: 60,
            open: dec!(1),
            high: dec!(2),
            low: dec!(0.5),
            close: dec!(1.5),
            volume: dec!(10),
        }
    }

    #[test]
    fn requests_parse_from_either_spelling() {
        let a = HistoryRequest::parse("spy", "1min", "5D", true).unwrap();
        let b = HistoryRequest::parse("SPY", "1 min", "5 D", true).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.symbol.as_str(), "SPY");
        assert_eq!(a.bar_size.name(), "1 min");
        assert_eq!(a.duration.to_string(), "5 D");
    }

    #[test]
    fn a_bad_value_is_named() {
        let bar = HistoryRequest::parse("SPY", "7min", "5D", true).unwrap_err();
        assert!(bar.to_string().starts_with("bar size \"7min\""), "{bar}");
        let duration = HistoryRequest::parse("SPY", "1min", "5X", true).unwrap_err();
        assert!(
            duration.to_string().starts_with("duration \"5X\""),
            "{duration}"
        );
        let symbol = HistoryRequest::parse("", "1min", "5D", true).unwrap_err();
        assert_eq!(symbol.to_string(), "symbol: symbol is empty");
    }

    #[test]
    fn the_summary_names_count_span_and_file() {
        let request = HistoryRequest::parse("SPY", "1min", "1D", true).unwrap();
        let bars = [bar("2024-01-05T14:30:00Z"), bar("2024-01-05T20:59:00Z")];
        let summary = Summary::of(&request, &bars, 1, Path::new("out/spy.csv"));
        assert_eq!(
            summary.to_string(),
            "wrote 2 1 min bars of SPY to out/spy.csv, \
             2024-01-05T09:30:00-05:00 .. 2024-01-05T15:59:00-05:00 (1 request)"
        );
    }

    #[test]
    fn the_file_appears_whole_and_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spy.csv");
        fs::write(&path, "old").unwrap();
        write_csv_atomically(&path, &[bar("2024-01-05T14:30:00Z")]).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "timestamp,open,high,low,close,volume\n\
             2024-01-05T09:30:00-05:00,1.0000,2.0000,0.5000,1.5000,10\n"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("spy.csv")]);
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("spy.csv");
        assert!(write_csv_atomically(&path, &[bar("2024-01-05T14:30:00Z")]).is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
