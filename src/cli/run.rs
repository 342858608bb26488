//! `first-trading-app run`: validate settings and mode, connect, trade.

use std::process::ExitCode;

use crate::broker::tws;
use crate::cli::{logging, Cli, RunArgs, EXIT_CONFIG, EXIT_FAILURE};
use crate::settings::report::render_error;
use crate::settings::{Flags, LoadInputs, Settings};

/// Runs `run`. Configuration errors exit with 2 before any socket is opened.
pub fn run(cli: &Cli, args: &RunArgs) -> ExitCode {
    let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live: args.live });
    logging::init(cli.log_format, inputs.redactor());
    let settings = match Settings::load(&inputs) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{}", render_error(&error));
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    if !args.sim {
        if let Err(problem) = settings.require_account() {
            eprintln!("configuration invalid, 1 problem:\n  {problem}");
            return ExitCode::from(EXIT_CONFIG);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    runtime.block_on(async {
        let c = &settings.connection;
        match tws::connect(&c.host, c.port, c.client_id).await {
            Ok(_client) => {
                eprintln!(
                    "connected to {}:{}; the trading loop is not implemented yet",
                    c.host, c.port
                );
                ExitCode::from(EXIT_FAILURE)
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::from(EXIT_FAILURE)
            }
        }
    })
}
