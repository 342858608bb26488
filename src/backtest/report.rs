//! The backtest report and its files: `report.json` (every figure and trade,
//! deterministic: structs serialize in declaration order, maps are
//! `BTreeMap`s, no wall-clock time, so the same run twice is byte-identical),
//! `report.md` (the same for people) and `equity.svg`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::backtest::metrics::{EquityPoint, Metrics};
use crate::backtest::trades::Trade;
use crate::broker::fill_model::FillConfig;
use crate::core::types::Symbol;

/// One input file as used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataInfo {
    /// Path as given.
    pub file: String,
    /// Instrument.
    pub symbol: Symbol,
    /// Bar length in seconds.
    pub bar_seconds: u32,
    /// Bars used (after date filtering).
    pub bars: usize,
    /// Start of the first bar used.
    pub first: DateTime<Utc>,
    /// Start of the last bar used.
    pub last: DateTime<Utc>,
}

/// What was run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Strategy kind (registry name).
    pub strategy: String,
    /// Strategy parameters as text, by name.
    pub parameters: BTreeMap<String, String>,
    /// Input files.
    pub data: Vec<DataInfo>,
    /// First exchange date requested.
    pub from: Option<NaiveDate>,
    /// Last exchange date requested.
    pub to: Option<NaiveDate>,
    /// Fill-model settings.
    pub fill_model: FillConfig,
}

/// Everything `report.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was run.
    pub run: RunInfo,
    /// The figures.
    pub metrics: Metrics,
    /// Closed trades in closing order.
    pub trades: Vec<Trade>,
}

/// Where the report files were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `report.json`
    pub json: PathBuf,
    /// `report.md`
    pub markdown: PathBuf,
    /// `equity.svg`
    pub svg: PathBuf,
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating the directory or writing a file failed.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Serializing the report failed.
    #[error("report.json: cannot serialize: {0}")]
    Json(#[from] serde_json::Error),
    /// Drawing the chart failed.
    #[error("{path}: cannot draw the equity chart: {message}")]
    Plot {
        /// The file.
        path: String,
        /// The backend's message.
        message: String,
    },
}

impl Report {
    /// The JSON text of `report.json` (pretty, ending in a newline).
    ///
    /// # Errors
    /// [`ReportError::Json`] (not expected for these types).
    pub fn to_json(&self) -> Result<String, ReportError> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Writes `report.json`, `report.md` and `equity.svg` into `dir`
    /// (created if missing).
    ///
    /// # Errors
    /// [`ReportError`] naming the file that could not be written.
    pub fn write(&self, dir: &Path, curve: &[EquityPoint]) -> Result<ReportFiles, ReportError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ReportError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let files = ReportFiles {
            json: dir.join("report.json"),
            markdown: dir.join("report.md"),
            svg: dir.join("equity.svg"),
        };
        std::fs::write(&files.json, self.to_json()?).map_err(io(&files.json))?;
        std::fs::write(&files.markdown, crate::backtest::markdown::render(self))
            .map_err(io(&files.markdown))?;
        crate::backtest::plot::write_equity_svg(&files.svg, self.metrics.initial_equity, curve)
            .map_err(|message| ReportError::Plot {
                path: files.svg.display().to_string(),
                message,
            })?;
        Ok(files)
    }
}
