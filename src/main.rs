//! Binary entry point: parse the command line and dispatch. Nothing else lives here.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = first_trading_app::cli::Cli::parse();
    first_trading_app::cli::dispatch(cli)
}
