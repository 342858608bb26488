//! `first-trading-app cancel-all`: cancel every open order of the account
//! from another terminal (IB global cancel), wait — bounded by
//! `[shutdown] cancel_timeout_secs` — until TWS lists none, and print what was
//! cancelled and what is left. Exit 0 only when TWS confirms nothing is open.
//!
//! Also holds the start-up both manual commands share: settings and mode
//! exactly as `run` loads them, logging, and a verified connection under a
//! client id of its own.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use ibapi::Client;

use crate::broker::tws::connect;
use crate::broker::tws::manual::{cancel_everything, verify_account};
use crate::cli::{logging, Cli, EXIT_CONFIG, EXIT_FAILURE};
use crate::domain::AccountId;
use crate::redact::Redactor;
use crate::settings::report::render_error;
use crate::settings::{Flags, LoadInputs, Settings};

/// Added to `IBKR_CLIENT_ID` for the manual commands' default client id, so
/// they can connect while the bot (which uses `IBKR_CLIENT_ID`) is running.
pub const MANUAL_CLIENT_ID_OFFSET: i32 = 1000;

/// Arguments of `cancel-all`.
#[derive(Debug, Args)]
pub struct CancelAllArgs {
    /// Act on the live account (IBKR_PAPER_TRADING=false, a live port and a
    /// live account must agree too, as for `run --live`).
    #[arg(long)]
    pub live: bool,
    /// API client id [default: IBKR_CLIENT_ID + 1000, so a running bot keeps its own].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<i32>,
}

/// Settings, account and client id of a manual command, validated.
pub(crate) struct Manual {
    /// The loaded settings.
    pub settings: Settings,
    /// The account (prints masked).
    pub account: AccountId,
    /// The client id to connect with.
    pub client_id: i32,
    /// Masks the account in anything printed.
    pub redactor: Redactor,
}

impl Manual {
    /// Loads settings exactly as `run` does (mode gate, required account),
    /// picks the client id and starts logging.
    ///
    /// # Errors
    /// The exit code (2) after printing every configuration problem.
    pub fn prepare(cli: &Cli, live: bool, client_id: Option<i32>) -> Result<Self, ExitCode> {
        let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live });
        let settings = Settings::load(&inputs).map_err(|error| {
            eprintln!("{}", render_error(&error));
            ExitCode::from(EXIT_CONFIG)
        })?;
        let account = match settings.require_account() {
            Ok(id) => id.clone(),
            Err(problem) => {
                eprintln!("configuration invalid, 1 problem:\n  {problem}");
                return Err(ExitCode::from(EXIT_CONFIG));
            }
        };
        let client_id = match pick_client_id(client_id, settings.connection.client_id) {
            Ok(id) => id,
            Err(message) => {
                eprintln!("{message}");
                return Err(ExitCode::from(EXIT_CONFIG));
            }
        };
        let format = cli.log_format.unwrap_or(match settings.logging.format {
            crate::settings::LogFormat::Json => crate::cli::LogFormat::Json,
            crate::settings::LogFormat::Human => crate::cli::LogFormat::Human,
        });
        let redactor = inputs.redactor().with_id(account.expose());
        logging::init(format, redactor.clone());
        Ok(Self {
            settings,
            account,
            client_id,
            redactor,
        })
    }

    /// How long to wait for TWS to confirm (`[shutdown] cancel_timeout_secs`).
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.settings.shutdown.cancel_timeout_secs)
    }

    /// Prints `error` to stderr with every account id masked; returns exit code 1.
    pub fn fail(&self, error: &dyn std::fmt::Display) -> ExitCode {
        eprintln!("{}", self.redactor.redact(&error.to_string()));
        ExitCode::from(EXIT_FAILURE)
    }

    /// Connects and verifies the account is managed and matches the mode.
    ///
    /// # Errors
    /// Exit code 1 after printing why.
    pub async fn connect(&self) -> Result<Client, ExitCode> {
        let c = &self.settings.connection;
        let client = connect(&c.host, c.port, self.client_id)
            .await
            .map_err(|e| self.fail(&e))?;
        tracing::info!(address = %format!("{}:{}", c.host, c.port), client_id = self.client_id, mode = %self.settings.mode, "connected to TWS");
        if let Err(error) = verify_account(&client, &self.account, self.settings.mode).await {
            client.disconnect().await;
            return Err(self.fail(&error));
        }
        Ok(client)
    }
}

/// The client id to use: the one given, else the configured one + [`MANUAL_CLIENT_ID_OFFSET`].
///
/// # Errors
/// A message naming `--client-id` when the id is negative or cannot be derived.
pub(crate) fn pick_client_id(given: Option<i32>, configured: i32) -> Result<i32, String> {
    match given {
        Some(id) if id < 0 => Err(format!(
            "invalid --client-id: {id}: a client id is 0 or a positive number"
        )),
        Some(id) => Ok(id),
        None => configured
            .checked_add(MANUAL_CLIENT_ID_OFFSET)
            .ok_or_else(|| format!("IBKR_CLIENT_ID {configured} + {MANUAL_CLIENT_ID_OFFSET} overflows: pass --client-id")),
    }
}

/// A multi-thread runtime, or exit code 1 after saying why not.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("cannot start the async runtime: {error}");
            ExitCode::from(EXIT_FAILURE)
        })
}

/// Runs `cancel-all`. Exit codes: 0 nothing left open; 1 orders left, TWS
/// unreachable or not confirming; 2 configuration error (nothing opened).
pub fn run(cli: &Cli, args: &CancelAllArgs) -> ExitCode {
    let manual = match Manual::prepare(cli, args.live, args.client_id) {
        Ok(manual) => manual,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let client = match manual.connect().await {
            Ok(client) => client,
            Err(code) => return code,
        };
        let result = cancel_everything(&client, manual.account.expose(), manual.timeout()).await;
        client.disconnect().await;
        match result {
            Ok(report) => {
                println!("{report}");
                if report.is_clean() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(EXIT_FAILURE)
                }
            }
            Err(error) => manual.fail(&error),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_client_id_is_offset_from_the_bots() {
        assert_eq!(pick_client_id(None, 1), Ok(1001));
        assert_eq!(pick_client_id(Some(77), 1), Ok(77));
        assert!(pick_client_id(Some(-3), 1)
            .unwrap_err()
            .starts_with("invalid --client-id: -3"));
        assert!(pick_client_id(None, i32::MAX).is_err());
    }
}
