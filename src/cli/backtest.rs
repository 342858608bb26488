//! `first-trading-app backtest`: the same engine, strategies and risk gate as
//! `run`, on bars from CSV files, with fills from the deterministic fill model.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::backtest::cli::BacktestError;
use crate::backtest::cli::{run_backtest, run_sweep, summary, BacktestArgs};
use crate::broker::fill_model::Slippage;
use crate::cli::{log_format, log_warnings, logging, Cli, UsageError};
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

/// Largest `--equity` accepted: one billion.
pub const MAX_EQUITY: Decimal = dec!(1000000000);

/// Largest `--slippage-bps` accepted: 1000 bps = 10 % per fill.
pub const MAX_SLIPPAGE_BPS: Decimal = dec!(1000);

/// Checks `--equity` and `--slippage-bps` against their ranges.
///
/// # Errors
/// A message naming the flag, the value and what is allowed.
fn check_amounts(args: &BacktestCommand) -> Result<(), String> {
    if args.equity <= Decimal::ZERO || args.equity > MAX_EQUITY {
        return Err(format!(
            "--equity {}: must be an amount greater than 0 and at most {MAX_EQUITY}, e.g. 100000",
            args.equity
        ));
    }
    match args.slippage_bps {
        Some(bps) if bps < Decimal::ZERO || bps > MAX_SLIPPAGE_BPS => Err(format!(
            "--slippage-bps {bps}: must be from 0 to {MAX_SLIPPAGE_BPS} basis points, e.g. 5"
        )),
        _ => Ok(()),
    }
}

/// Runs a backtest (or a sweep). Exit 0 on success.
///
/// # Errors
/// A [`UsageError`] for invalid inputs (exit 2); a report that cannot be
/// written (exit 1).
pub fn run(cli: &Cli, args: &BacktestCommand) -> anyhow::Result<ExitCode> {
    check_amounts(args).map_err(UsageError::Flag)?;
    // [risk] from the config file when there is one; the defaults otherwise.
    let limits = if cli.config.exists() {
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Command;

    fn amounts(extra: &[&str]) -> Result<(), String> {
        let mut argv = vec!["fta", "backtest", "--data", "SPY_1d.csv"];
        argv.extend_from_slice(extra);
        let Command::Backtest(args) = Cli::try_parse_from(argv).unwrap().command else {
            unreachable!("parsed as backtest")
        };
        check_amounts(&args)
    }

    #[test]
    fn equity_and_slippage_have_a_range() {
        assert_eq!(amounts(&[]), Ok(()));
        assert_eq!(
            amounts(&["--equity", "1000000000", "--slippage-bps", "1000"]),
            Ok(())
        );
        let cases = [
            (
                ["--equity", "0"],
                "--equity 0: must be an amount greater than 0",
            ),
            (["--equity", "1000000001"], "--equity 1000000001: must be"),
            (
                ["--slippage-bps=-1", "--equity=1"],
                "--slippage-bps -1: must be from 0 to 1000",
            ),
            (["--slippage-bps", "1001"], "--slippage-bps 1001: must be"),
        ];
        for (flags, said) in cases {
            let message = amounts(&flags).unwrap_err();
            assert!(message.starts_with(said), "{flags:?}: {message}");
        }
    }
}
