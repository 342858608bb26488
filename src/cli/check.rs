//! `first-trading-app check`: loads and validates every setting, prints the
//! effective values with their sources, the trading mode and the masked
//! account, and exits 0 (valid) or 2 (invalid). Checks the journal path as
//! `run` does before trading, writing nothing. Connects to nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::QuietPipe;
use crate::domain::ConfigProblem;
use crate::journal::Journal;
use crate::settings::report::write_check;
use crate::settings::{Flags, LoadInputs, Settings};

/// Options of `check`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct CheckArgs {
    /// Config file to read (default: config.toml in the working directory).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Check the settings as `run --live` would see them.
    #[arg(long)]
    pub live: bool,
}

/// Runs `check` against this process's environment, `.env` and config file.
/// Returns exit code 0 when everything is valid, 2 on configuration errors
/// (the report already lists them).
///
/// # Errors
/// When the report cannot be written (a closed pipe is a normal end): exit code 1.
pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let inputs = LoadInputs::from_process(args.config.clone(), Flags { live: args.live });
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = write_check(
        &inputs,
        &journal_problems,
        &mut QuietPipe(stdout.lock()),
        &mut stderr.lock(),
    )
    .context("cannot write the check report")?;
    Ok(ExitCode::from(code))
}

/// The journal path checked as `run` checks it before trading
/// ([`Journal::preflight`]: a journal of ours or room to create one, and no
/// running bot holding it), writing nothing; a refusal is a problem of
/// `journal.path`.
fn journal_problems(settings: &Settings) -> Vec<ConfigProblem> {
    let path = &settings.journal.path;
    match Journal::preflight(path) {
        Ok(_) => Vec::new(),
        Err(error) => vec![ConfigProblem::new(
            settings.config_path.display().to_string(),
            "journal.path",
            format!("{:?}", path.display().to_string()),
            error.to_string(),
        )],
    }
}
