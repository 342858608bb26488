//! The backtest report and its files: `report.json` (every figure and trade,
//! deterministic: structs serialize in declaration order, maps are
//! `BTreeMap`s, no wall-clock time, so the same run twice is byte-identical),
//! `report.md` (the same for people) and `equity.svg`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use rust_decimal::Decimal;

use crate::backtest::metrics::{EquityPoint, Metrics};
use crate::backtest::runner::Diagnostics;
use crate::backtest::trades::Trade;
use crate::broker::fill_model::FillConfig;
use crate::domain::types::Symbol;
use crate::risk::RiskLimits;

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

/// What was run: enough to run it again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Strategy kind (registry name).
    pub strategy: String,
    /// Strategy instance name.
    pub name: String,
    /// Where the strategy came from (its file, or the built-in default).
    pub source: String,
    /// The strategy's bar size in seconds.
    pub bar_seconds: u32,
    /// How entries are sized, e.g. `fraction_of_equity = 0.1`.
    pub sizing: String,
    /// Strategy parameters as TOML text, by name.
    pub parameters: BTreeMap<String, String>,
    /// Input files.
    pub data: Vec<DataInfo>,
    /// First exchange date requested.
    pub from: Option<NaiveDate>,
    /// Last exchange date requested.
    pub to: Option<NaiveDate>,
    /// Account equity before the first bar.
    pub initial_equity: Decimal,
    /// Fill-model settings.
    pub fill_model: FillConfig,
    /// The risk limits the gate enforced.
    pub risk: RiskLimits,
}

/// Everything `report.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was run.
    pub run: RunInfo,
    /// The figures.
    pub metrics: Metrics,
    /// Health counters of the run.
    pub diagnostics: Diagnostics,
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

    /// Writes `report.json`, `report.md` and `equity.svg` (drawn from
    /// `curve`, the equity at each day's last close) into `dir` (created if
    /// missing).
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::backtest::equity::EquitySummary;
    use crate::backtest::metrics::{compute, MetricInputs};

    fn point(hour: i64, equity: rust_decimal::Decimal) -> EquityPoint {
        EquityPoint {
            time: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(hour),
            day: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(hour / 24),
            equity,
            exposed: hour % 2 == 0,
        }
    }

    #[test]
    fn writes_json_markdown_and_svg() {
        let curve: Vec<EquityPoint> = (1..=72)
            .map(|h| point(h, dec!(1000) + rust_decimal::Decimal::from(h % 7)))
            .collect();
        let metrics = compute(&MetricInputs {
            initial_equity: dec!(1000),
            start: Some(DateTime::<Utc>::UNIX_EPOCH),
            equity: &EquitySummary::of(dec!(1000), &curve),
            trades: &[],
            rejections: &BTreeMap::from([("halted".to_string(), 2)]),
            halted_days: &BTreeSet::new(),
        });
        let report = Report {
            run: RunInfo {
                strategy: "sma_crossover".into(),
                name: "test".into(),
                source: "test".into(),
                bar_seconds: 3600,
                sizing: "fixed_quantity = 1".into(),
                parameters: BTreeMap::from([("fast".to_string(), "10".to_string())]),
                data: vec![],
                from: None,
                to: None,
                initial_equity: dec!(1000),
                fill_model: FillConfig::default(),
                risk: RiskLimits::default(),
            },
            metrics,
            diagnostics: Diagnostics::default(),
            trades: vec![],
        };
        let dir = tempfile::tempdir().unwrap();
        let files = report.write(&dir.path().join("out"), &curve).unwrap();
        let json = std::fs::read_to_string(&files.json).unwrap();
        assert_eq!(json, report.to_json().unwrap());
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["metrics"]["final_equity"], "1002");
        assert_eq!(value["metrics"]["rejections_by_reason"]["halted"], 2);
        assert_eq!(
            value["run"]["fill_model"]["commission"]["per_share"],
            "0.005"
        );
        let md = std::fs::read_to_string(&files.markdown).unwrap();
        assert!(md.contains("| Final equity | $1,002.00 |"), "{md}");
        assert!(md.contains("| halted | 2 |"), "{md}");
        let svg = std::fs::read_to_string(&files.svg).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("Drawdown"),
            "{}",
            &svg[..200.min(svg.len())]
        );
    }
}
