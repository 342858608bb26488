//! `first-trading-app check`: loads and validates every setting, prints the
//! effective values with their sources, the trading mode and the masked
//! account, and exits 0 (valid) or 2 (invalid). Connects to nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::QuietPipe;
use crate::settings::report::write_check;
use crate::settings::{Flags, LoadInputs};

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
    let code = write_check(&inputs, &mut QuietPipe(stdout.lock()), &mut stderr.lock())
        .context("cannot write the check report")?;
    Ok(ExitCode::from(code))
}
