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
use crate::cli::{Cli, UsageError};
use crate::settings::{Flags, LoadInputs, Settings};

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
    /// Account equity before the first bar.
    #[arg(long, default_value = "100000", value_name = "USD")]
    pub equity: Decimal,
    /// Slippage of market and stop fills, in basis points against the trader.
    #[arg(long, value_name = "BPS")]
    pub slippage_bps: Option<Decimal>,
}

/// Runs a backtest (or a sweep). Exit 0 on success.
///
/// # Errors
/// A [`UsageError`] for invalid inputs (exit 2); a report that cannot be
/// written (exit 1).
pub fn run(cli: &Cli, args: &BacktestCommand) -> anyhow::Result<ExitCode> {
    // [risk] from the config file when there is one; the defaults otherwise.
    let limits = if cli.config.exists() {
        let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live: false });
        Settings::load(&inputs).map_err(UsageError::from)?.risk
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
        progress: std::io::stderr().is_terminal(),
        ..BacktestArgs::default()
    };
    if let Some(bps) = args.slippage_bps {
        backtest.fill.slippage = Slippage::Bps(bps);
    }
    if !backtest.sweep.is_empty() {
        let outcome = run_sweep(&backtest).map_err(UsageError::Backtest)?;
        println!("{}", outcome.markdown());
        return Ok(ExitCode::SUCCESS);
    }
    match run_backtest(&backtest) {
        Ok(outcome) => {
            println!("{}", summary(&outcome));
            Ok(ExitCode::SUCCESS)
        }
        // The inputs were fine; writing the report failed.
        Err(error @ BacktestError::Report(_)) => Err(error.into()),
        Err(error) => Err(UsageError::Backtest(error).into()),
    }
}
