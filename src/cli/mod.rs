//! The command line: argument definitions (clap) and one module per subcommand.
//! `main.rs` only parses and dispatches here; every command returns an exit code.

pub mod backtest;
pub mod cancel_all;
pub mod check;
pub mod flatten;
pub mod history;
pub mod logging;
pub mod report;
pub mod run;
pub mod sim;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code for configuration errors (invalid file, key, value, or mode mismatch).
pub const EXIT_CONFIG: u8 = 2;
/// Exit code for runtime failures (cannot connect, account mismatch, ...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a hard exit on the third Ctrl+C.
pub const EXIT_INTERRUPTED: u8 = 130;

/// first-trading-app: an automated trading bot for Interactive Brokers.
#[derive(Debug, Parser)]
#[command(name = "first-trading-app", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (non-secret settings).
    #[arg(
        long,
        global = true,
        default_value = "config.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// Log format on stderr (default: `[logging] format`, else human); the level
    /// comes from RUST_LOG (default: info).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Trade: connect to TWS / IB Gateway (or the embedded simulator with --sim).
    Run(RunArgs),
    /// Validate the configuration and print the effective settings; connects to nothing.
    Check(CheckCommand),
    /// Backtest strategies on historical bars with the same engine and risk gate.
    Backtest(backtest::BacktestCommand),
    /// Download historical bars from TWS / IB Gateway into a CSV file for backtests.
    History(history::HistoryArgs),
    /// Print a day's trades, PnL and risk decisions from the journal.
    Report(report::ReportArgs),
    /// Run the embedded TWS simulator on its own until Ctrl+C.
    Sim(sim::SimArgs),
    /// Emergency from another terminal: cancel every open order of the account (IB global cancel).
    CancelAll(cancel_all::CancelAllArgs),
    /// Emergency from another terminal: cancel every order, then close every position at market.
    Flatten(flatten::FlattenArgs),
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Trade against the embedded TWS simulator on a free loopback port (paper account, no login).
    #[arg(long)]
    pub sim: bool,
    /// Allow live trading (all other live settings must agree too).
    #[arg(long)]
    pub live: bool,
    /// Market data and account monitoring only: no order is ever placed or cancelled.
    #[arg(long)]
    pub read_only: bool,
    /// On shutdown, also close every position with reduce-only orders.
    #[arg(long)]
    pub flatten_on_exit: bool,
    /// Operator decision: clear a HALTED state latched earlier today (daily loss,
    /// engine or operator halt) and trade again. A loss still over the limit halts again.
    #[arg(long)]
    pub operator_reset: bool,
    /// With --sim: market clock speed, × real time (120 = two simulated minutes per second).
    #[arg(long, default_value_t = 120.0, value_name = "X")]
    pub sim_speed: f64,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckCommand {
    /// Check as `run --live` would.
    #[arg(long)]
    pub live: bool,
}

/// Runs the parsed command and returns the process exit code.
pub fn dispatch(cli: Cli) -> ExitCode {
    match &cli.command {
        Command::Run(args) => run::run(&cli, args),
        Command::Backtest(args) => backtest::run(&cli, args),
        Command::History(args) => history::run(
            Some(cli.config.clone()),
            cli.log_format.unwrap_or(LogFormat::Human),
            args,
        ),
        Command::Report(args) => report::run(&cli, args),
        Command::Sim(args) => {
            logging::init(
                cli.log_format.unwrap_or(LogFormat::Human),
                crate::redact::Redactor::default(),
            );
            sim::run(args)
        }
        Command::CancelAll(args) => cancel_all::run(&cli, args),
        Command::Flatten(args) => flatten::run(&cli, args),
        Command::Check(args) => check::run(&check::CheckArgs {
            config: Some(cli.config.clone()),
            live: args.live,
        }),
    }
}
