//! Binary entry point: parse the command line and dispatch. Nothing else lives here.

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = first_trading_app::cli::Cli::from_process();
    first_trading_app::cli::dispatch(cli)
}
