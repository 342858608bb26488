//! The command line: argument definitions (clap) and one module per subcommand.
//! `main.rs` only parses and dispatches here.
//!
//! This is the binary edge: each command returns `anyhow::Result<ExitCode>`,
//! failures carry `.context(...)`, and [`dispatch`] prints them (account ids
//! masked) and picks the exit code: [`EXIT_CONFIG`] when the chain holds a
//! [`UsageError`], [`EXIT_FAILURE`] otherwise. Never trades or connects itself.

pub mod backtest;
pub mod cancel_all;
pub mod check;
pub mod dashboard;
pub mod flatten;
pub mod history;
pub mod logging;
pub mod report;
pub mod run;
pub mod sim;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::ConfigProblem;
use crate::journal::JournalError;
use crate::redact::Redactor;
use crate::settings::{Settings, SettingsError, Warning};

/// Exit code for configuration errors (invalid file, key, value, or mode mismatch).
pub const EXIT_CONFIG: u8 = 2;
/// Exit code for runtime failures (cannot connect, account mismatch, ...).
pub const EXIT_FAILURE: u8 = 1;
/// `run`: the shutdown ended, but TWS did not confirm every cancel (or the
/// flatten asked for): orders or positions of the bot may be left.
pub const EXIT_UNCONFIRMED: u8 = 3;
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
    /// Whether `--config` was given on the command line (a missing file is
    /// then an error for every command, never a fallback to defaults).
    #[arg(skip)]
    pub config_given: bool,
    /// Log format on stderr (default: `[logging] format`, else human); the level
    /// comes from RUST_LOG (default: info).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses this process's arguments (clap's own usage errors exit 2),
    /// noting whether `--config` was given.
    pub fn from_process() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().get_matches();
        let mut cli = Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        cli.config_given =
            matches.value_source("config") == Some(clap::parser::ValueSource::CommandLine);
        cli
    }
}

/// Writes `text` and a newline to stdout. A closed stdout (`… | head`) is a
/// normal end, not a failure: nothing is reported and the command goes on
/// to its usual exit code.
///
/// # Errors
/// Any other write failure, with context (exit 1).
pub fn print_out(text: &dyn std::fmt::Display) -> anyhow::Result<()> {
    use std::io::Write;
    writeln!(QuietPipe(std::io::stdout().lock()), "{text}").context("cannot write to stdout")
}

/// A writer for stdout that treats a closed pipe as the reader's choice, not
/// an error: what is written after the reader left is dropped.
pub struct QuietPipe<W>(pub W);

impl<W: std::io::Write> std::io::Write for QuietPipe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
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
    /// Emergency from another terminal: IB's global cancel — every open order of
    /// the account, including other clients' and orders typed into TWS by hand.
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
    /// Operator decision: start REDUCING — only orders that reduce a position
    /// pass the risk gate (exits, stops, flattening); no new entry. Journaled;
    /// lasts the New York day (a restart the same day keeps it) unless cleared
    /// with --operator-reset.
    #[arg(long, conflicts_with = "read_only")]
    pub reduce_only: bool,
    /// With --sim: market clock speed, × real time (120 = two simulated minutes per second).
    #[arg(long, default_value_t = 120.0, value_name = "X")]
    pub sim_speed: f64,
    /// Serve the dashboard on this port (overrides `[dashboard] port`; 0: any free port).
    #[arg(long, value_name = "PORT", conflicts_with = "no_dashboard")]
    pub dashboard_port: Option<u16>,
    /// Do not serve the dashboard (overrides `[dashboard] enabled`).
    #[arg(long)]
    pub no_dashboard: bool,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckCommand {
    /// Check as `run --live` would.
    #[arg(long)]
    pub live: bool,
}

/// A problem the user fixes in the configuration or on the command line:
/// exit code [`EXIT_CONFIG`], before anything is connected.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// The settings did not load: every problem found.
    #[error("{}", .0.to_string().trim_end())]
    Settings(#[from] SettingsError),
    /// A flag or argument is wrong (the message names it and what is expected).
    #[error("{0}")]
    Flag(String),
    /// The journal file cannot be used (foreign, corrupt, newer schema, ...).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The backtest's inputs (bar files, strategy, sweep axes) are invalid.
    #[error(transparent)]
    Backtest(crate::backtest::cli::BacktestError),
}

impl From<ConfigProblem> for UsageError {
    fn from(problem: ConfigProblem) -> Self {
        Self::from(vec![problem])
    }
}

impl From<Vec<ConfigProblem>> for UsageError {
    fn from(problems: Vec<ConfigProblem>) -> Self {
        Self::Settings(SettingsError {
            problems,
            ..SettingsError::default()
        })
    }
}

/// The exit code for a failed command: [`EXIT_CONFIG`] when a [`UsageError`]
/// is in the chain, [`EXIT_FAILURE`] otherwise.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<UsageError>().is_some() {
        EXIT_CONFIG
    } else {
        EXIT_FAILURE
    }
}

/// The log format: `--log-format`, else the config file's `[logging] format`.
pub(crate) fn log_format(cli: &Cli, settings: &Settings) -> LogFormat {
    cli.log_format.unwrap_or(match settings.logging.format {
        crate::settings::LogFormat::Json => LogFormat::Json,
        crate::settings::LogFormat::Human => LogFormat::Human,
    })
}

/// Logs the settings' warnings: the one place where every command that
/// loaded settings (and so read `.env`) shows them — `.env` readable by
/// others, a key set twice in it, an unknown `IBKR_*` variable. With
/// `trading`, also those only a trading command cares about (no strategies,
/// no account). Call once logging is set up.
pub(crate) fn log_warnings(warnings: &[Warning], trading: bool) {
    for warning in warnings.iter().filter(|w| trading || !w.trading_only()) {
        tracing::warn!("{warning}");
    }
}

/// The multi-thread async runtime every connecting command runs on.
///
/// # Errors
/// When the runtime cannot start (exit code 1).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Runs the parsed command and returns the process exit code; a failure is
/// printed to stderr (every account-id-shaped token masked) with its causes.
pub fn dispatch(cli: Cli) -> ExitCode {
    match execute(&cli) {
        Ok(code) => code,
        Err(error) => {
            crate::console::say(&Redactor::default().redact(&describe(&error)));
            ExitCode::from(exit_code(&error))
        }
    }
}

/// `error` and its causes as `context: cause: cause`, leaving out a cause
/// whose text the line already holds (errors that quote their source).
pub fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

fn execute(cli: &Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Run(args) => run::run(cli, args),
        Command::Backtest(args) => backtest::run(cli, args),
        Command::History(args) => history::run(
            Some(cli.config.clone()),
            cli.log_format.unwrap_or(LogFormat::Human),
            args,
        ),
        Command::Report(args) => report::run(cli, args),
        Command::Sim(args) => {
            logging::init(
                cli.log_format.unwrap_or(LogFormat::Human),
                Redactor::default(),
            );
            sim::run(args)
        }
        Command::CancelAll(args) => cancel_all::run(cli, args),
        Command::Flatten(args) => flatten::run(cli, args),
        Command::Check(args) => check::run(&check::CheckArgs {
            config: Some(cli.config.clone()),
            live: args.live,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_2_even_under_context_and_others_exit_1() {
        let usage = anyhow::Error::from(UsageError::Flag("--speed 0: must be positive".into()))
            .context("sim");
        assert_eq!(exit_code(&usage), EXIT_CONFIG);
        assert!(matches!(
            usage.downcast_ref::<UsageError>(),
            Some(UsageError::Flag(_))
        ));
        let problem = ConfigProblem::new("environment", "IBKR_ACCOUNT_ID", "(unset)", "required");
        let usage = anyhow::Error::from(UsageError::from(problem));
        assert_eq!(exit_code(&usage), EXIT_CONFIG);
        assert!(usage
            .to_string()
            .starts_with("configuration invalid, 1 problem:\n  environment: IBKR_ACCOUNT_ID"));
        let failure = anyhow::anyhow!("refused").context("cannot connect");
        assert_eq!(exit_code(&failure), EXIT_FAILURE);
        assert_eq!(describe(&failure), "cannot connect: refused");
    }

    #[test]
    fn a_cause_the_message_already_quotes_is_shown_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("journal: {0}")]
        struct Quoting(#[source] std::io::Error);
        let inner = std::io::Error::other("disk full");
        let error = anyhow::Error::from(Quoting(inner)).context("session failed");
        assert_eq!(describe(&error), "session failed: journal: disk full");
    }
}
