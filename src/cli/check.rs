//! `first-trading-app check`: loads and validates every setting, prints the
//! effective values with their sources, the trading mode and the masked
//! account, and exits 0 (valid) or 2 (invalid). Connects to nothing.

use std::path::PathBuf;
use std::process::ExitCode;

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
/// Returns exit code 0 when everything is valid, 2 on configuration errors,
/// 1 if the report could not be written (e.g. closed stdout).
pub fn run(args: &CheckArgs) -> ExitCode {
    let inputs = LoadInputs::from_process(args.config.clone(), Flags { live: args.live });
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    match write_check(&inputs, &mut stdout.lock(), &mut stderr.lock()) {
        Ok(code) => ExitCode::from(code),
        Err(_) => ExitCode::from(1),
    }
}
