//! `first-trading-app run`: validate settings and mode, connect (to TWS, or to
//! the embedded simulator with `--sim`), trade until Ctrl+C, then run the
//! emergency shutdown and print its report.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::broker::tws::session::{
    run_session, SessionConfig, SessionError, StartInterrupted, ACK_TIMEOUT, AUDIT_INTERVAL,
    RECONCILE_PATIENCE,
};
use crate::cli::{
    log_format, log_warnings, logging, runtime, Cli, RunArgs, UsageError, EXIT_UNCONFIRMED,
};
use crate::domain::types::StrategyId;
use crate::domain::AccountId;
use crate::journal::{config_hash, Journal, TradingLock};
use crate::notify::{Header, Notifier, NotifyConfig};
use crate::settings::{Flags, LoadInputs, Settings, TradingMode, Warning};
use crate::shutdown;
use crate::strategy::{Registry, Strategy};

/// The paper account the simulator manages unless `IBKR_ACCOUNT_ID` names another paper account.
pub const SIM_ACCOUNT: &str = "DU1234567";

/// [`SIM_ACCOUNT`] as an account id.
fn sim_account() -> AccountId {
    AccountId::parse(SIM_ACCOUNT)
        .unwrap_or_else(|_| unreachable!("SIM_ACCOUNT is a valid paper id"))
}

/// Runs `run`. Configuration errors ([`UsageError`], exit 2) are returned
/// before any socket is opened.
///
/// # Errors
/// A [`UsageError`] for the configuration, flags or journal file; anything
/// else (Ctrl+C handler, runtime, simulator, session) with its context.
pub fn run(cli: &Cli, args: &RunArgs) -> anyhow::Result<ExitCode> {
    if args.sim {
        crate::cli::sim::check_speed("--sim-speed", args.sim_speed).map_err(UsageError::Flag)?;
    }
    let inputs = LoadInputs::from_process(Some(cli.config.clone()), Flags { live: args.live });
    let settings = Settings::load(&inputs).map_err(UsageError::from)?;
    let account = match (args.sim, settings.require_account()) {
        (true, _) if settings.mode == TradingMode::Live => {
            return Err(UsageError::Flag("--sim trades the simulator's paper account: run it without --live and with IBKR_PAPER_TRADING unset or true".to_string()).into());
        }
        (true, Ok(id)) if id.is_paper() => id.clone(),
        (true, _) => sim_account(),
        (false, Ok(id)) => id.clone(),
        (false, Err(problem)) => return Err(UsageError::from(problem).into()),
    };
    logging::init(
        log_format(cli, &settings),
        inputs.redactor().with_id(account.expose()),
    );
    // With --sim the simulator's paper account stands in for IBKR_ACCOUNT_ID.
    let warnings: Vec<Warning> = settings
        .warnings
        .iter()
        .filter(|w| !(args.sim && **w == Warning::AccountUnset))
        .cloned()
        .collect();
    log_warnings(&warnings, true);
    let strategies = build_strategies(&settings).map_err(UsageError::from)?;
    // The simulator's trades never mix with the account's journal.
    let journal_path = if args.sim {
        sim_journal_path(&settings.journal.path)
    } else {
        settings.journal.path.clone()
    };
    if args.sim {
        // Each simulator starts flat: so does its journal (after the lock, so
        // a running `run --sim` keeps its own).
        let _ = TradingLock::acquire(&journal_path).map_err(UsageError::from)?;
        remove_sim_journal(&journal_path)?;
    }
    // The journal is opened (and a foreign or corrupt file refused) before any connection.
    let journal = Journal::open(&journal_path).map_err(UsageError::from)?;
    // One bot per journal (taken once the file is known to be ours), held
    // until this process exits.
    let _trading_lock = TradingLock::acquire(&journal_path).map_err(UsageError::from)?;
    let dashboard = crate::cli::dashboard::plan(&settings, &inputs, args, &journal_path)?;
    let config_hash = config_hash(&settings.canonical_json());
    let listener = shutdown::install().context("cannot install the Ctrl+C handler")?;
    let runtime = runtime()?;
    runtime.block_on(async move {
        let mut host = settings.connection.host.clone();
        let mut port = settings.connection.port;
        let mut sim = None;
        if args.sim {
            // NYSE hours, from 09:30 on a full session (the simulator's
            // default start), so the first bars and trades come at once and
            // the close, the night and the next open follow as on TWS.
            let config = tws_sim::SimConfig {
                account: account.expose().to_string(),
                speed: args.sim_speed,
                hours: tws_sim::Hours::Nyse,
                ..tws_sim::SimConfig::default()
            };
            let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
            let handle = tws_sim::Simulator::start(config, addr)
                .await
                .context("cannot start the embedded simulator")?;
            host = "127.0.0.1".to_string();
            port = handle.local_addr().port();
            tracing::info!(address = %handle.local_addr(), speed = args.sim_speed, "embedded TWS simulator started (paper account {})", account);
            sim = Some(handle);
        }
        let (dashboard, control) = match dashboard {
            Some(plan) => crate::cli::dashboard::start(plan).await.unzip(),
            None => (None, None),
        };
        let notifier = start_notifier(&settings, &account);
        let config = SessionConfig {
            host,
            port,
            client_id: settings.connection.client_id,
            account,
            mode: settings.mode,
            read_only: args.read_only,
            flatten_on_exit: args.flatten_on_exit || settings.shutdown.flatten_on_exit,
            operator_reset: args.operator_reset,
            reduce_only: args.reduce_only,
            cancel_timeout: Duration::from_secs(settings.shutdown.cancel_timeout_secs),
            status_interval: Duration::from_secs(settings.logging.status_interval_secs),
            audit_interval: AUDIT_INTERVAL,
            ack_timeout: ACK_TIMEOUT,
            max_data_age: None,
            reconcile_patience: RECONCILE_PATIENCE,
            limits: settings.risk.clone(),
            strategies,
            journal,
            config_hash,
            control,
            notifier: notifier.clone(),
        };
        let result = run_session(config, listener).await;
        if let Some(dashboard) = dashboard {
            dashboard.stop().await;
        }
        // The shutdown's own notifications (HALTED) go out before the exit.
        notifier.flush(NOTIFY_FLUSH).await;
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        let report = match result {
            Err(SessionError::Interrupted(stopped)) => return Ok(interrupted(&stopped)),
            other => other?,
        };
        crate::cli::print_out(&report)?;
        tracing::info!(state = %report.state, open_orders_left = ?report.open_orders_left, day_pnl = %report.day_pnl(), "session ended");
        if report.confirmed() {
            Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
        } else {
            crate::console::say("the shutdown could not confirm everything at TWS (see the report): check TWS, or run `first-trading-app cancel-all`");
            Ok(ExitCode::from(EXIT_UNCONFIRMED))
        }
    })
}

/// How long the exit waits for webhook notifications still queued.
const NOTIFY_FLUSH: Duration = Duration::from_secs(5);

/// The webhook notifier `[notify]` asks for (disabled without it); inside
/// the runtime, which runs its delivery tasks.
fn start_notifier(settings: &Settings, account: &AccountId) -> Notifier {
    let Some(notify) = &settings.notify else {
        return Notifier::disabled();
    };
    let header = Header {
        mode: settings.mode.to_string().to_lowercase(),
        account: account.masked(),
    };
    Notifier::start(NotifyConfig::from(notify), header)
}

/// Prints what a start-up stopped by the operator did, and picks the exit
/// code: 0 when nothing of the bot's can be left working, 3 when TWS did not
/// confirm the cancel of its orders.
fn interrupted(stopped: &StartInterrupted) -> ExitCode {
    println!("{stopped}");
    tracing::info!(
        during = stopped.during,
        confirmed = stopped.confirmed(),
        "session ended before trading"
    );
    if stopped.confirmed() {
        ExitCode::SUCCESS
    } else {
        crate::console::say("the start-up was stopped but TWS did not confirm the cancel of the bot's orders (see the report): check TWS, or run `first-trading-app cancel-all`");
        ExitCode::from(EXIT_UNCONFIRMED)
    }
}

/// Builds every enabled strategy of the settings, in listed order.
///
/// # Errors
/// Every problem the registry reports, naming the strategy file.
pub fn build_strategies(
    settings: &Settings,
) -> Result<Vec<Box<dyn Strategy>>, Vec<crate::domain::ConfigProblem>> {
    let registry = Registry::for_app().map_err(|e| {
        vec![crate::domain::ConfigProblem::new(
            "strategy registry",
            "kind",
            e.to_string(),
            "user strategy kinds must have unique lower_snake_case names",
        )]
    })?;
    let mut strategies = Vec::new();
    let mut problems = Vec::new();
    for entry in settings.strategies.iter().filter(|e| e.file.enabled) {
        match registry.build(&entry.file, StrategyId(strategies.len() as u16)) {
            Ok(strategy) => strategies.push(strategy),
            Err(found) => problems.extend(found),
        }
    }
    if problems.is_empty() {
        Ok(strategies)
    } else {
        Err(problems)
    }
}

/// The journal of `run --sim`: beside the configured one, `-sim` before the
/// extension (`journal.db` → `journal-sim.db`), so `report --journal
/// journal-sim.db` shows the simulated session.
pub fn sim_journal_path(journal: &std::path::Path) -> std::path::PathBuf {
    let stem = journal
        .file_stem()
        .map_or_else(|| "journal".into(), |s| s.to_string_lossy().into_owned());
    let name = match journal.extension() {
        Some(ext) => format!("{stem}-sim.{}", ext.to_string_lossy()),
        None => format!("{stem}-sim"),
    };
    journal.with_file_name(name)
}

/// Removes the previous simulated session's journal (and SQLite's side files).
fn remove_sim_journal(path: &std::path::Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot remove the previous simulated journal {}",
                    std::path::Path::new(&file).display()
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod sim_journal_tests {
    use super::sim_journal_path;
    use std::path::Path;

    #[test]
    fn the_sim_journal_sits_beside_the_configured_one() {
        assert_eq!(
            sim_journal_path(Path::new("data/journal.db")),
            Path::new("data/journal-sim.db")
        );
        assert_eq!(
            sim_journal_path(Path::new("journal")),
            Path::new("journal-sim")
        );
    }
}
