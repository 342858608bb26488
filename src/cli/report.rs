//! `first-trading-app report [--day DATE]`: the day's trades, PnL, risk
//! decisions and trading-state changes, read from the journal. Connects to nothing.

use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::Args;

use crate::cli::{log_format, log_warnings, logging, Cli, UsageError};
use crate::journal::Journal;
use crate::risk::state::trading_day;
use crate::settings::{Flags, LoadInputs, Settings};

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Trading day (America/New_York), `YYYY-MM-DD`; default: today.
    #[arg(long, value_name = "DATE")]
    pub day: Option<String>,
    /// The last `run --sim` session's journal (`journal-sim.db` beside the
    /// configured one) instead of the account's.
    #[arg(long)]
    pub sim: bool,
}

/// Prints the day report.
///
/// # Errors
/// A [`UsageError`] for a bad `--day` or configuration (exit 2); a missing or
/// unreadable journal, or stdout failing, with context (exit 1).
pub fn run(cli: &Cli, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let day = match &args.day {
        None => trading_day(Utc::now()),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            UsageError::Flag(format!(
                "--day {text:?}: expected a date as YYYY-MM-DD, e.g. 2026-01-05"
            ))
        })?,
    };
    let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live: false });
    let settings = Settings::load(&inputs).map_err(UsageError::from)?;
    logging::init(log_format(cli, &settings), inputs.redactor());
    log_warnings(&settings.warnings, false);
    let path = &if args.sim {
        crate::cli::run::sim_journal_path(&settings.journal.path)
    } else {
        settings.journal.path.clone()
    };
    if !path.exists() {
        anyhow::bail!(
            "no journal at {}: nothing has been traded with this configuration yet ([journal] path in {})",
            path.display(),
            settings.config_path.display()
        );
    }
    // Read errors are exit 1 here (not a UsageError): the file exists and `run` wrote it.
    let report = Journal::open(path).and_then(|journal| journal.day_report(day))?;
    crate::cli::print_out(&report)?;
    Ok(ExitCode::SUCCESS)
}
