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
use crate::cli::{log_format, log_warnings, logging, runtime, Cli, UsageError, EXIT_FAILURE};
use crate::domain::AccountId;
use crate::redact::Redactor;
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
    /// A [`UsageError`] with every configuration problem, or the bad `--client-id`.
    pub fn prepare(cli: &Cli, live: bool, client_id: Option<i32>) -> Result<Self, UsageError> {
        let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live });
        let settings = Settings::load(&inputs)?;
        let account = settings.require_account()?.clone();
        let client_id =
            pick_client_id(client_id, settings.connection.client_id).map_err(UsageError::Flag)?;
        let redactor = inputs.redactor().with_id(account.expose());
        logging::init(log_format(cli, &settings), redactor.clone());
        log_warnings(&settings.warnings, false);
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

    /// `error` as a failure (exit code 1) whose text has this account's id
    /// masked (the binary edge masks only id-shaped tokens).
    pub fn fail(&self, error: &dyn std::fmt::Display) -> anyhow::Error {
        anyhow::Error::msg(self.redactor.redact(&error.to_string()).into_owned())
    }

    /// Connects and verifies the account is managed and matches the mode.
    ///
    /// # Errors
    /// Why not (exit code 1), account masked.
    pub async fn connect(&self) -> anyhow::Result<Client> {
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

/// Runs `cancel-all`. Exit codes: 0 nothing left open; 1 orders left (the
/// report says which).
///
/// # Errors
/// A [`UsageError`] for the configuration (exit 2, nothing opened); TWS
/// unreachable or not confirming (exit 1).
pub fn run(cli: &Cli, args: &CancelAllArgs) -> anyhow::Result<ExitCode> {
    let manual = Manual::prepare(cli, args.live, args.client_id)?;
    runtime()?.block_on(async {
        let client = manual.connect().await?;
        let result = cancel_everything(&client, manual.account.expose(), manual.timeout()).await;
        client.disconnect().await;
        let report = result.map_err(|error| manual.fail(&error))?;
        crate::cli::print_out(&report)?;
        Ok(if report.is_clean() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_FAILURE)
        })
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
