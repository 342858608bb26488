//! `first-trading-app flatten`: from another terminal, cancel the bot's
//! orders, then close the bot's positions (US stocks in its strategies'
//! symbols) with reduce-only market orders that passed the risk gate, wait
//! (bounded) until TWS reports them flat, and print the result. With `--all`:
//! IB's global cancel and every position of the account. Asks for
//! confirmation on a terminal unless `--yes`. Exit 0 only when TWS confirms
//! flat and nothing open in the scope.
//!
//! TWS lets only the client that placed an order cancel it, so the default
//! scope connects with the bot's own client id: it refuses while a bot runs
//! on the journal (stop the bot first — its Ctrl+C twice flattens too — or
//! use `--all`, which connects as IBKR_CLIENT_ID + 1000 and works beside a
//! running bot).
//!
//! Closing orders carry `orderRef`s of the manual namespace
//! (`ftm-YYYYMMDD-s65535-NNNNNN-F`), numbered per trading day in the journal
//! and journaled before they are sent, so no two runs reuse one.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use crate::broker::tws::manual::{flatten_everything, Scope};
use crate::broker::tws::snapshot;
use crate::cli::cancel_all::Manual;
use crate::cli::run::build_strategies;
use crate::cli::{runtime, Cli, UsageError, EXIT_FAILURE};
use crate::journal::{Journal, JournalError, TradingLock};
use crate::strategy::symbols_of;

/// Arguments of `flatten`.
#[derive(Debug, Args)]
pub struct FlattenArgs {
    /// Act on the live account (IBKR_PAPER_TRADING=false, a live port and a
    /// live account must agree too, as for `run --live`).
    #[arg(long)]
    pub live: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// API client id [default: the bot's IBKR_CLIENT_ID, whose orders only it
    /// can cancel; with --all: IBKR_CLIENT_ID + 1000, so a running bot keeps its own].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<i32>,
    /// Everything in the account: IB's global cancel (every order, manual and
    /// other clients' included), then every position of any kind.
    #[arg(long)]
    pub all: bool,
}

/// What `flatten` touches: the bot's orders and US stock positions in the
/// symbols its enabled strategies trade (as `run` builds them), or
/// everything with `--all`.
///
/// # Errors
/// A [`UsageError`] when a strategy cannot be built.
fn scope(args: &FlattenArgs, manual: &Manual) -> Result<Scope, UsageError> {
    if args.all {
        return Ok(Scope::All);
    }
    let strategies = build_strategies(&manual.settings).map_err(UsageError::from)?;
    Ok(Scope::Bot {
        client_id: manual.client_id,
        symbols: symbols_of(&strategies),
    })
}

/// Picks the client id for the scope, minding a bot running on the journal:
/// the default scope acts as the bot's client id, which TWS lets only one
/// connection use, so it refuses while the bot runs; `--all` (its own client
/// id) goes ahead, with a warning that the bot does not see its fills.
///
/// # Errors
/// A [`UsageError`] naming the running bot, for the default scope.
fn beside_a_bot(
    args: &FlattenArgs,
    manual: &mut Manual,
    journal: &std::path::Path,
) -> Result<(), UsageError> {
    let running = match TradingLock::check_free(journal) {
        Err(JournalError::InUse { holder, .. }) => Some(
            holder
                .map(|pid| format!(" (pid {pid})"))
                .unwrap_or_default(),
        ),
        _ => None,
    };
    let journal = journal.display();
    if !args.all && args.client_id.is_none() {
        if let Some(pid) = &running {
            return Err(UsageError::Flag(format!("a bot is running on {journal}{pid}: `flatten` acts as the bot's client id, which TWS lets only one connection use — stop the bot first (its Ctrl+C twice flattens too), or use `flatten --all` (global cancel, every position)")));
        }
        // Only the placing client may cancel an order: be the bot.
        manual.client_id = manual.settings.connection.client_id;
    } else if let Some(pid) = &running {
        // TWS sends a client only its own executions: until the bot
        // reconciles, it trades on the positions it had.
        tracing::warn!("a bot is running on {journal}{pid}: it does not see this flatten's fills and may act on positions that are gone — stop it with Ctrl+C as well");
    }
    Ok(())
}

/// Whether the operator's answer confirms: `yes` or `y`, any case, trimmed.
pub(crate) fn confirms(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "yes" | "y")
}

/// Runs `flatten`. Exit codes: 0 flat and nothing open; 1 anything left
/// (the report says what).
///
/// # Errors
/// A [`UsageError`] for the configuration, or no terminal to confirm on
/// without `--yes` (exit 2, nothing opened); declined or TWS unreachable (exit 1).
pub fn run(cli: &Cli, args: &FlattenArgs) -> anyhow::Result<ExitCode> {
    let mut manual = Manual::prepare(cli, args.live, args.client_id)?;
    let journal_path = manual.settings.journal.path.clone();
    beside_a_bot(args, &mut manual, &journal_path)?;
    let scope = scope(args, &manual)?;
    // The closing orders are numbered and journaled in the bot's journal.
    let mut journal = Journal::open(&journal_path).map_err(UsageError::from)?;
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(UsageError::Flag("flatten closes every position and asks for confirmation on a terminal; stdin is not one: pass --yes to confirm".to_string()).into());
    }
    runtime()?.block_on(async {
        let client = Arc::new(manual.connect().await?);
        if !args.yes && !confirm(&client, &manual, &scope).await {
            client.disconnect().await;
            anyhow::bail!("flatten declined: nothing was cancelled or sent");
        }
        let result = flatten_everything(
            &client,
            manual.account.expose(),
            &scope,
            &manual.settings.risk,
            manual.timeout(),
            &mut journal,
        )
        .await;
        client.disconnect().await;
        let report = result.map_err(|error| manual.fail(&error))?;
        crate::cli::print_out(&report)?;
        Ok(if report.is_flat() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_FAILURE)
        })
    })
}

/// Shows what would be closed and asks on the terminal; true when confirmed.
async fn confirm(client: &ibapi::Client, manual: &Manual, scope: &Scope) -> bool {
    let what = match scope {
        Scope::All => {
            "cancel EVERY open order (global cancel), then close EVERY position at market"
                .to_string()
        }
        Scope::Bot { symbols, .. } => {
            let names: Vec<&str> = symbols.iter().map(|s| s.as_str()).collect();
            format!("cancel the bot's orders, then close its positions in {} at market (nothing else is touched)", names.join(", "))
        }
    };
    let mut prompt = format!(
        "flatten {} account {}: {what}.\n",
        manual.settings.mode,
        manual.account.masked()
    );
    match snapshot::positions(client, manual.account.expose()).await {
        Ok(positions) if positions.is_empty() => prompt.push_str("positions now: none\n"),
        Ok(positions) => {
            prompt.push_str("positions now:\n");
            for p in positions.into_iter().filter(|p| scope.covers_position(p)) {
                prompt.push_str(&format!("  {:<6} {:>10}\n", p.symbol.as_str(), p.quantity));
            }
        }
        Err(error) => prompt.push_str(&format!("positions now: unknown ({error})\n")),
    }
    prompt.push_str("Type yes to continue: ");
    let prompt = manual.redactor.redact(&prompt).into_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(prompt.as_bytes());
        let _ = stderr.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await;
    matches!(answer, Ok(Ok(line)) if confirms(&line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_confirms() {
        for yes in ["yes\n", "YES", " y ", "Yes\r\n"] {
            assert!(confirms(yes), "{yes:?}");
        }
        for no in ["", "\n", "no", "n", "yess", "yes please", "ok"] {
            assert!(!confirms(no), "{no:?}");
        }
    }
}
