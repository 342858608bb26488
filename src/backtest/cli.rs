//! The command-line face of the backtester: [`BacktestArgs`] (a plain struct
//! the CLI fills from its flags), [`run_backtest`] and [`run_sweep`].
//!
//! Both check everything they can first — every bar file's header and first
//! rows (see [`csv`](crate::backtest::csv)), the strategy file, the risk
//! limits — and only then run, so a typo never costs a run. A backtest reads
//! its bars as it runs; a bad row further on fails it with every problem of
//! the file, and no report is written. A sweep reads the bars once, into
//! memory, before its first run, and shares them: streaming them again for
//! each combination would parse the files once per run, which costs more
//! than the engine itself.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::backtest::csv::{BarReader, CsvError, LoadOptions, SeriesInfo};
use crate::backtest::feed::Feed;
use crate::backtest::report::{DataInfo, Report, ReportError, ReportFiles, RunInfo};
use crate::backtest::runner::{simulate, RunResult, RunSpec};
use crate::backtest::sweep::SweepError;
use crate::broker::fill_model::FillConfig;
use crate::domain::types::{Instrument, StrategyId, Symbol};
use crate::domain::ConfigProblem;
use crate::risk::RiskLimits;
use crate::strategy::{load_strategy_file, Registry, Sizing, Strategy, StrategyFile};

/// What `backtest` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestArgs {
    /// Bar files (`SYMBOL_*.csv`), one symbol each.
    pub data: Vec<PathBuf>,
    /// Strategy file; `None` runs the built-in default: `sma_crossover`
    /// fast 10 / slow 30 on every data symbol, 10 % of equity per entry.
    pub strategy: Option<PathBuf>,
    /// `[risk]` limits (from the config file, or the defaults).
    pub limits: RiskLimits,
    /// First exchange date to trade (inclusive).
    pub from: Option<NaiveDate>,
    /// Last exchange date to trade (inclusive).
    pub to: Option<NaiveDate>,
    /// Directory for the report files; `None` writes nothing.
    pub out: Option<PathBuf>,
    /// Sweep axes, `key=a,b,c` each (for [`run_sweep`]).
    pub sweep: Vec<String>,
    /// Metric a sweep is ranked by (see [`RankBy::NAMES`](crate::backtest::sweep::RankBy::NAMES)).
    pub rank: Option<String>,
    /// Bar length in seconds of every file; `None` infers it from each file.
    pub bar_seconds: Option<u32>,
    /// Account equity before the first bar.
    pub initial_equity: Decimal,
    /// Fill-model settings.
    pub fill: FillConfig,
    /// Show a progress bar on a terminal for runs over a second.
    pub progress: bool,
}

impl Default for BacktestArgs {
    fn default() -> Self {
        Self {
            data: Vec::new(),
            strategy: None,
            limits: RiskLimits::default(),
            from: None,
            to: None,
            out: None,
            sweep: Vec::new(),
            rank: None,
            bar_seconds: None,
            initial_equity: Decimal::from(100_000),
            fill: FillConfig::default(),
            progress: true,
        }
    }
}

/// Why a backtest could not run. Each message names the file or setting.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// No `--data` file was given.
    #[error("no bar file given: pass --data FILE (e.g. --data data/SPY_1d.csv)")]
    NoData,
    /// A bar file is unreadable or invalid.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// The strategy file (or the risk limits) have problems, all listed.
    #[error("{}", problems_text(.0))]
    Config(Vec<ConfigProblem>),
    /// A strategy symbol has no bar file.
    #[error("{strategy}: symbol {symbol} has no bar file (given: {given})")]
    MissingSymbol {
        /// The strategy file.
        strategy: String,
        /// The symbol without data.
        symbol: Symbol,
        /// The symbols that have data.
        given: String,
    },
    /// The data's bars are longer than the strategy's bars.
    #[error("{file}: bars of {data} s cannot make the {wants} s bars {strategy} trades on; use finer data")]
    BarSize {
        /// The bar file.
        file: String,
        /// The strategy file.
        strategy: String,
        /// The strategy's bar length.
        wants: u32,
        /// The file's bar length.
        data: u32,
    },
    /// Two bar files for one symbol.
    #[error("{first} and {second}: both hold bars of {symbol}; give one file per symbol")]
    DuplicateSymbol {
        /// Symbol.
        symbol: Symbol,
        /// First file.
        first: String,
        /// Second file.
        second: String,
    },
    /// Bad sweep or ranking arguments.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The report could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
}

fn problems_text(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One finished backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOutcome {
    /// The report (also written to `--out` when given).
    pub report: Report,
    /// The run itself, per-day equity included.
    pub result: RunResult,
    /// The files written, when `--out` was given.
    pub files: Option<ReportFiles>,
}

/// Inputs opened and checked before anything runs.
pub(crate) struct Prepared {
    /// Every bar file, headers checked and first rows read.
    pub(crate) feed: Feed<BufReader<File>>,
    pub(crate) strategy: StrategyFile,
    pub(crate) instruments: Vec<Instrument>,
}

/// Opens every file and checks that they fit together.
pub(crate) fn prepare(args: &BacktestArgs) -> Result<Prepared, BacktestError> {
    if args.data.is_empty() {
        return Err(BacktestError::NoData);
    }
    let limit_problems = args.limits.validate("config.toml");
    if !limit_problems.is_empty() {
        return Err(BacktestError::Config(limit_problems));
    }
    let options = LoadOptions {
        from: args.from,
        to: args.to,
        seconds: args.bar_seconds,
        symbol: None,
    };
    let mut files: Vec<BarReader<BufReader<File>>> = Vec::with_capacity(args.data.len());
    for path in &args.data {
        let opened = BarReader::open_file(path, &options)?;
        if let Some(first) = files.iter().find(|f| f.symbol() == opened.symbol()) {
            return Err(BacktestError::DuplicateSymbol {
                symbol: opened.symbol(),
                first: first.file().to_string(),
                second: opened.file().to_string(),
            });
        }
        files.push(opened);
    }
    let symbols: Vec<Symbol> = files.iter().map(BarReader::symbol).collect();
    let strategy = match &args.strategy {
        Some(path) => load_strategy_file(path).map_err(BacktestError::Config)?,
        None => default_strategy(&symbols, files.iter().map(BarReader::seconds).max()),
    };
    for &symbol in &strategy.symbols {
        let Some(data) = files.iter().find(|f| f.symbol() == symbol) else {
            let given: Vec<String> = symbols.iter().map(ToString::to_string).collect();
            return Err(BacktestError::MissingSymbol {
                strategy: strategy.source.clone(),
                symbol,
                given: given.join(", "),
            });
        };
        if data.seconds() > strategy.bar_seconds {
            return Err(BacktestError::BarSize {
                file: data.file().to_string(),
                strategy: strategy.source.clone(),
                wants: strategy.bar_seconds,
                data: data.seconds(),
            });
        }
    }
    build_strategy(&strategy)?;
    Ok(Prepared {
        feed: Feed::new(files),
        strategy,
        instruments: symbols.into_iter().map(Instrument::us_stock).collect(),
    })
}

/// The built-in default: `sma_crossover` fast 10 / slow 30 on `symbols` at
/// the data's bar size (`seconds`, the longest of the files'; a day without
/// files), 10 % of equity per entry.
pub fn default_strategy(symbols: &[Symbol], seconds: Option<u32>) -> StrategyFile {
    let seconds = seconds.unwrap_or(86_400);
    let mut params = toml::Table::new();
    params.insert("fast".into(), toml::Value::Integer(10));
    params.insert("slow".into(), toml::Value::Integer(30));
    StrategyFile {
        source: "built-in default".into(),
        kind: "sma_crossover".into(),
        name: "sma_crossover_default".into(),
        enabled: true,
        symbols: symbols.to_vec(),
        bar_size: format!("{seconds} secs"),
        bar_seconds: seconds,
        sizing: Sizing::FractionOfEquity(Decimal::new(1, 1)),
        params,
    }
}

/// Builds the strategy a file describes (instance 0).
pub(crate) fn build_strategy(file: &StrategyFile) -> Result<Box<dyn Strategy>, BacktestError> {
    Registry::with_builtins()
        .build(file, StrategyId(0))
        .map_err(BacktestError::Config)
}

/// The report's description of a run of `file` over `data`.
pub(crate) fn run_info(args: &BacktestArgs, data: &[SeriesInfo], file: &StrategyFile) -> RunInfo {
    RunInfo {
        strategy: file.kind.clone(),
        name: file.name.clone(),
        source: file.source.clone(),
        bar_seconds: file.bar_seconds,
        sizing: match file.sizing {
            Sizing::FixedQuantity(q) => format!("fixed_quantity = {q}"),
            Sizing::FractionOfEquity(f) => format!("fraction_of_equity = {f}"),
        },
        parameters: parameters_text(&file.params),
        data: data
            .iter()
            .map(|s| DataInfo {
                file: s.file.clone(),
                symbol: s.symbol,
                bar_seconds: s.seconds,
                bars: s.bars,
                first: s.first,
                last: s.last,
            })
            .collect(),
        from: args.from,
        to: args.to,
        initial_equity: args.initial_equity,
        fill_model: args.fill,
        risk: args.limits.clone(),
    }
}

/// Parameters as TOML text (`10`, `0.5`, `"ema"`), by name.
pub(crate) fn parameters_text(params: &toml::Table) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

/// The run spec for `instruments` under `args`.
pub(crate) fn spec<'a>(
    args: &'a BacktestArgs,
    instruments: &'a [Instrument],
    progress: bool,
    expected_bars: Option<u64>,
) -> RunSpec<'a> {
    RunSpec {
        limits: &args.limits,
        instruments,
        initial_equity: args.initial_equity,
        fill: args.fill,
        progress,
        expected_bars,
    }
}

/// Runs one backtest and, with `args.out`, writes `report.json`, `report.md`
/// and `equity.svg` there.
///
/// # Errors
/// [`BacktestError`] for invalid inputs (found before the run, or a bad row
/// met during it: then no report is written) or an unwritable report directory.
pub fn run_backtest(args: &BacktestArgs) -> Result<BacktestOutcome, BacktestError> {
    let Prepared {
        feed,
        strategy: file,
        instruments,
    } = prepare(args)?;
    let strategy = build_strategy(&file)?;
    let run_spec = spec(args, &instruments, args.progress, feed.estimated_bars());
    let mut bars = feed.read_ahead();
    let result = simulate(&run_spec, &mut bars, vec![strategy]);
    let data = bars.finish()?;
    let report = Report {
        run: run_info(args, &data, &file),
        metrics: result.metrics.clone(),
        diagnostics: result.diagnostics,
        trades: result.trades.clone(),
    };
    let files = match &args.out {
        Some(dir) => Some(report.write(dir, &result.curve)?),
        None => None,
    };
    Ok(BacktestOutcome {
        report,
        result,
        files,
    })
}

/// A one-paragraph summary for the terminal.
pub fn summary(outcome: &BacktestOutcome) -> String {
    let m = &outcome.report.metrics;
    let fmt = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}"));
    let mut text = format!(
        "{} bars, {} trades: total return {} %, CAGR {} %, max drawdown {} %, Sharpe {}, Sortino {}, \
         win rate {} %, exposure {} %, {} risk-gate rejections, {} HALTED days",
        m.bars,
        m.trades,
        m.total_return_pct,
        fmt(m.cagr_pct),
        m.max_drawdown_pct,
        fmt(m.sharpe),
        fmt(m.sortino),
        m.win_rate_pct.map_or_else(|| "n/a".to_string(), |w| w.to_string()),
        m.exposure_pct,
        m.rejections,
        m.halted_days.len(),
    );
    if let Some(day) = m.ruined_on {
        text.insert_str(
            0,
            &format!("ACCOUNT RUINED: equity closed at or below 0 on {day} (no CAGR, Sharpe or Sortino).\n"),
        );
    }
    if let Some(files) = &outcome.files {
        let dir = files.json.parent().unwrap_or(Path::new("."));
        text.push_str(&format!("\nreport: {}", dir.display()));
    }
    text
}

pub use crate::backtest::sweep_run::{run_sweep, SweepOutcome, SweepRow};
