//! `first-trading-app report [--day DATE]`: the day's trades, PnL, risk
//! decisions and trading-state changes, read from the journal. Connects to nothing.

use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::Args;

use crate::cli::{Cli, EXIT_CONFIG, EXIT_FAILURE};
use crate::journal::Journal;
use crate::risk::state::trading_day;
use crate::settings::report::render_error;
use crate::settings::{Flags, LoadInputs, Settings};

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Trading day (America/New_York), `YYYY-MM-DD`; default: today.
    #[arg(long, value_name = "DATE")]
    pub day: Option<String>,
}

/// Prints the day report. Exit 0 on success, 2 on bad arguments or
/// configuration, 1 when the journal cannot be read.
pub fn run(cli: &Cli, args: &ReportArgs) -> ExitCode {
    let day = match &args.day {
        None => trading_day(Utc::now()),
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => day,
            Err(_) => {
                eprintln!("--day {text:?}: expected a date as YYYY-MM-DD, e.g. 2026-01-05");
                return ExitCode::from(EXIT_CONFIG);
            }
        },
    };
    let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live: false });
    let settings = match Settings::load(&inputs) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{}", render_error(&error));
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let path = &settings.journal.path;
    if !path.exists() {
        eprintln!(
            "no journal at {}: nothing has been traded with this configuration yet ([journal] path in {})",
            path.display(),
            settings.config_path.display()
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    let report = Journal::open(path).and_then(|journal| journal.day_report(day));
    match report {
        Ok(report) => {
            use std::io::Write;
            // A closed pipe (`report | head`) is a normal end, not a failure.
            match writeln!(std::io::stdout().lock(), "{report}") {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("cannot write the report: {error}");
                    ExitCode::from(EXIT_FAILURE)
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
