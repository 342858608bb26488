//! [`run_sweep`]: one backtest per combination of the `--sweep` axes, on all
//! cores (rayon), over bars read once into memory and shared (see
//! [`cli`](crate::backtest::cli) for why); results ranked by the
//! chosen metric and written as `sweep.json` and `sweep.md`. The ranking is
//! deterministic: runs are independent and ties keep grid order.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::backtest::cli::{
    build_strategy, parameters_text, prepare, run_info, spec, BacktestArgs, BacktestError, Prepared,
};
use crate::backtest::metrics::Metrics;
use crate::backtest::report::{ReportError, RunInfo};
use crate::backtest::runner::simulate;
use crate::backtest::sweep::{grid, rank, RankBy, SweepAxis};
use crate::domain::types::Bar;

/// One combination's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepRow {
    /// 1 = best.
    pub rank: usize,
    /// The swept parameters' values (TOML text), by name.
    pub parameters: BTreeMap<String, String>,
    /// The run's figures; `None` when the combination was invalid.
    pub metrics: Option<Metrics>,
    /// Why the combination could not run (e.g. `fast` not below `slow`).
    pub error: Option<String>,
}

/// A finished sweep (`sweep.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepOutcome {
    /// The metric the rows are ranked by.
    pub rank_by: RankBy,
    /// The base run (parameters as in the strategy file).
    pub run: RunInfo,
    /// Every combination, best first.
    pub rows: Vec<SweepRow>,
}

/// Runs every combination of `args.sweep` over `args.data` and ranks them by
/// `args.rank` (default Sharpe). With `args.out`, writes `sweep.json` and
/// `sweep.md` there.
///
/// # Errors
/// [`BacktestError`] for invalid inputs or sweep axes (before anything runs)
/// or an unwritable output directory. An invalid *combination* is not an
/// error: its row carries the problem.
pub fn run_sweep(args: &BacktestArgs) -> Result<SweepOutcome, BacktestError> {
    let rank_by: RankBy = match &args.rank {
        Some(name) => name.parse()?,
        None => RankBy::default(),
    };
    let axes = args
        .sweep
        .iter()
        .map(|text| text.parse::<SweepAxis>())
        .collect::<Result<Vec<_>, _>>()?;
    let combinations = grid(&axes)?;
    let Prepared {
        mut feed,
        strategy: base,
        instruments,
    } = prepare(args)?;
    let bars: Vec<Bar> = feed.by_ref().collect();
    let data = feed.finish()?;
    let run_spec = spec(args, &instruments, false, None);

    let mut rows: Vec<SweepRow> = combinations
        .par_iter()
        .map(|combination| {
            let mut file = base.clone();
            for (key, value) in combination {
                file.params.insert(key.clone(), value.clone());
            }
            let swept: toml::Table = combination
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let parameters = parameters_text(&swept);
            match build_strategy(&file) {
                Ok(strategy) => SweepRow {
                    rank: 0,
                    parameters,
                    metrics: Some(
                        simulate(&run_spec, bars.iter().copied(), vec![strategy]).metrics,
                    ),
                    error: None,
                },
                Err(problem) => SweepRow {
                    rank: 0,
                    parameters,
                    metrics: None,
                    error: Some(problem.to_string()),
                },
            }
        })
        .collect();
    rank(&mut rows, rank_by, |r| r.metrics.as_ref());
    for (i, row) in rows.iter_mut().enumerate() {
        row.rank = i + 1;
    }
    let outcome = SweepOutcome {
        rank_by,
        run: run_info(args, &data, &base),
        rows,
    };
    if let Some(dir) = &args.out {
        outcome.write(dir)?;
    }
    Ok(outcome)
}

impl SweepOutcome {
    /// Writes `sweep.json` and `sweep.md` into `dir` (created if missing).
    ///
    /// # Errors
    /// [`ReportError`] naming the file that could not be written.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, PathBuf), ReportError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ReportError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let json = dir.join("sweep.json");
        let md = dir.join("sweep.md");
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(&json, text).map_err(io(&json))?;
        std::fs::write(&md, self.markdown()).map_err(io(&md))?;
        Ok((json, md))
    }

    /// The ranked table as Markdown.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let f = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"));
        let _ = writeln!(
            md,
            "# Parameter sweep\n\nStrategy `{}` from {}; {} combinations ranked by {}.\n\n\
             | Rank | Parameters | Total return % | CAGR % | Max DD % | Sharpe | Sortino | Trades | Win rate % | Rejections | HALTED days |\n\
             |---|---|---|---|---|---|---|---|---|---|---|",
            self.run.strategy,
            self.run.source,
            self.rows.len(),
            self.rank_by
        );
        for row in &self.rows {
            let params: Vec<String> = row
                .parameters
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let params = params.join(", ");
            match (&row.metrics, &row.error) {
                (Some(m), _) => {
                    let _ = writeln!(
                        md,
                        "| {} | {params} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        row.rank,
                        m.total_return_pct,
                        f(m.cagr_pct),
                        m.max_drawdown_pct,
                        f(m.sharpe),
                        f(m.sortino),
                        m.trades,
                        m.win_rate_pct
                            .map_or_else(|| "n/a".to_string(), |w| w.to_string()),
                        m.rejections,
                        m.halted_days.len(),
                    );
                }
                (None, error) => {
                    let error = error.as_deref().unwrap_or("").replace('\n', "; ");
                    let _ = writeln!(md, "| {} | {params} | invalid: {error} |||||||||", row.rank);
                }
            }
        }
        md
    }
}
