//! The account check every connection makes before it touches anything: the
//! configured account is one this TWS login manages, and its kind (paper or
//! live, from [`AccountId::is_paper`]) matches the mode the bot runs in.
//!
//! The one home of that rule, used by `run` and by the manual commands
//! (`cancel-all`, `flatten`). Must never print an account id unmasked.

use ibapi::Client;

use crate::broker::tws::snapshot::{self, SnapshotError};
use crate::domain::account::{mask_account, AccountId};
use crate::settings::TradingMode;

/// Why the configured account may not be used on this connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The configured account is not one this login manages.
    #[error("account {account} is not managed by this TWS login (it manages: {managed}); check IBKR_ACCOUNT_ID, and which user is logged into the TWS / IB Gateway on the port you connected to")]
    NotManaged {
        /// Masked configured account.
        account: String,
        /// Masked managed accounts.
        managed: String,
    },
    /// Paper account in live mode or the other way round.
    #[error("account {account} is a {actual} account but the bot runs in {mode} mode; refusing to touch it")]
    ModeMismatch {
        /// Masked account.
        account: String,
        /// What the account is: `paper` or `live`.
        actual: &'static str,
        /// The mode.
        mode: TradingMode,
    },
}

/// Checks `account` against the accounts a login manages and the mode.
///
/// # Errors
/// [`AccountError`] naming (masked) what is wrong.
pub fn check_account(
    managed: &[String],
    account: &AccountId,
    mode: TradingMode,
) -> Result<(), AccountError> {
    if !managed.iter().any(|a| a == account.expose()) {
        return Err(AccountError::NotManaged {
            account: account.masked(),
            managed: managed
                .iter()
                .map(|a| mask_account(a))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if account.is_paper() != (mode == TradingMode::Paper) {
        return Err(AccountError::ModeMismatch {
            account: account.masked(),
            actual: if account.is_paper() { "paper" } else { "live" },
            mode,
        });
    }
    Ok(())
}

/// Reads the managed accounts from TWS and checks `account` against them.
///
/// # Errors
/// [`VerifyError::Snapshot`] when TWS does not list its accounts,
/// [`VerifyError::Account`] when the account may not be used.
pub async fn verify_account(
    client: &Client,
    account: &AccountId,
    mode: TradingMode,
) -> Result<(), VerifyError> {
    let managed = snapshot::managed_accounts(client).await?;
    Ok(check_account(&managed, account, mode)?)
}

/// Why [`verify_account`] failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// TWS did not list its accounts.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The account may not be used.
    #[error(transparent)]
    Account(#[from] AccountError),
}

#[cfg(test)]
#[path = "account_tests.rs"]
mod tests;
