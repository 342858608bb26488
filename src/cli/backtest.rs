//! `first-trading-app backtest`: the same engine, strategies and risk gate as
//! `run`, on bars from CSV files, with fills from the deterministic fill model.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use rust_decimal::Decimal;

use crate::backtest::cli::BacktestError;
use crate::backtest::cli::{run_backtest, run_sweep, summary, BacktestArgs};
use crate::broker::fill_model::Slippage;
use crate::cli::{log_format, log_warnings, logging, print_out, Cli, UsageError};
use crate::domain::ConfigProblem;
use crate::settings::{Flags, LoadInputs, Settings};
use crate::strategy::bar_size::{parse_bar_size, BAR_SIZE_EXPECTED};

/// Arguments of `backtest`.
#[derive(Debug, Args)]
pub struct BacktestCommand {
    /// Bar files, `timestamp,open,high,low,close,volume`, one symbol each (`SPY_1d.csv`).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Strategy file (default: SMA crossover 10/30 on every data symbol, 10 % of equity per entry).
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
    /// First exchange date to trade, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Last exchange date to trade, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Directory for report.json, report.md and equity.svg.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Parameter sweep axis `key=a,b,c` (repeatable); runs every combination on all cores.
    #[arg(long, value_name = "KEY=A,B,C")]
    pub sweep: Vec<String>,
    /// Metric a sweep is ranked by (default: sharpe).
    #[arg(long, value_name = "METRIC")]
    pub rank: Option<String>,
    /// Account equity before the first bar, in USD: more than 0, at most 1 000 000 000 000.
    #[arg(
        long,
        default_value = "100000",
        value_name = "USD",
        allow_negative_numbers = true
    )]
    pub equity: Decimal,
    /// Slippage of market and stop fills, in basis points against the trader: 0 to 10 000.
    #[arg(long, value_name = "BPS", allow_negative_numbers = true)]
    pub slippage_bps: Option<Decimal>,
    /// Length of every file's bars, e.g. "1 day" or "5 mins" (default: inferred
    /// from the spacing of each file's rows; needed for a file of one bar).
    #[arg(long, value_name = "SIZE")]
    pub bar_size: Option<String>,
}

/// Where flag problems come from, in the configuration problems' format.
const COMMAND_LINE: &str = "command line";
/// Largest `--equity`: a trillion dollars keeps every sum far from `Decimal`'s range.
const MAX_EQUITY: i64 = 1_000_000_000_000;
/// Largest `--slippage-bps`: 100 %.
const MAX_SLIPPAGE_BPS: i64 = 10_000;

/// The checked numeric and size flags: every problem, each naming the flag,
/// the value and what is allowed.
fn check_flags(args: &BacktestCommand) -> Result<Option<u32>, Vec<ConfigProblem>> {
    let mut problems = Vec::new();
    let mut problem = |flag: &str, value: String, expected: &str| {
        problems.push(ConfigProblem::new(COMMAND_LINE, flag, value, expected));
    };
    if args.equity <= Decimal::ZERO || args.equity > Decimal::from(MAX_EQUITY) {
        problem(
            "--equity",
            args.equity.to_string(),
            "must be more than 0 and at most 1000000000000 (USD), e.g. 100000",
        );
    }
    if let Some(bps) = args.slippage_bps {
        if bps < Decimal::ZERO || bps > Decimal::from(MAX_SLIPPAGE_BPS) {
            problem(
                "--slippage-bps",
                bps.to_string(),
                "must be from 0 to 10000 basis points against the trader, e.g. 5",
            );
        }
    }
    let bar_seconds = args.bar_size.as_deref().and_then(|text| {
        let seconds = parse_bar_size(text);
        if seconds.is_none() {
            problem("--bar-size", format!("{text:?}"), BAR_SIZE_EXPECTED);
        }
        seconds
    });
    if problems.is_empty() {
        Ok(bar_seconds)
    } else {
        Err(problems)
    }
}

/// Runs a backtest (or a sweep). Exit 0 on success.
///
/// # Errors
/// A [`UsageError`] for invalid inputs (exit 2); a report that cannot be
/// written (exit 1).
pub fn run(cli: &Cli, args: &BacktestCommand) -> anyhow::Result<ExitCode> {
    let bar_seconds = check_flags(args).map_err(UsageError::from)?;
    // [risk] from the config file when there is one (a --config given must
    // exist, as for every command); the defaults otherwise.
    let limits = if cli.config_given || cli.config.exists() {
        let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live: false });
        let settings = Settings::load(&inputs).map_err(UsageError::from)?;
        logging::init(log_format(cli, &settings), inputs.redactor());
        log_warnings(&settings.warnings, false);
        settings.risk
    } else {
        crate::risk::RiskLimits::default()
    };
    let mut backtest = BacktestArgs {
        data: args.data.clone(),
        strategy: args.strategy.clone(),
        limits,
        from: args.from,
        to: args.to,
        out: args.out.clone(),
        sweep: args.sweep.clone(),
        rank: args.rank.clone(),
        initial_equity: args.equity,
        bar_seconds,
        progress: std::io::stderr().is_terminal(),
        ..BacktestArgs::default()
    };
    if let Some(bps) = args.slippage_bps {
        backtest.fill.slippage = Slippage::Bps(bps);
    }
    if !backtest.sweep.is_empty() {
        let outcome = run_sweep(&backtest).map_err(UsageError::Backtest)?;
        print_out(&outcome.markdown())?;
        return Ok(ExitCode::SUCCESS);
    }
    match run_backtest(&backtest) {
        Ok(outcome) => {
            print_out(&summary(&outcome))?;
            Ok(ExitCode::SUCCESS)
        }
        // The inputs were fine; writing the report failed.
        Err(error @ BacktestError::Report(_)) => Err(error.into()),
        Err(error) => Err(UsageError::Backtest(error).into()),
    }
}
