//! `first-trading-app run`: validate settings and mode, connect (to TWS, or to
//! the embedded simulator with `--sim`), trade until Ctrl+C, then run the
//! emergency shutdown and print its report.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::broker::tws::session::{run_session, SessionConfig};
use crate::cli::{logging, runtime, Cli, RunArgs, UsageError, EXIT_UNCONFIRMED};
use crate::domain::types::StrategyId;
use crate::domain::AccountId;
use crate::journal::{config_hash, Journal, TradingLock};
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
    let format = cli.log_format.unwrap_or(match settings.logging.format {
        crate::settings::LogFormat::Json => crate::cli::LogFormat::Json,
        crate::settings::LogFormat::Human => crate::cli::LogFormat::Human,
    });
    logging::init(format, inputs.redactor().with_id(account.expose()));
    for warning in &settings.warnings {
        // With --sim the simulator's paper account stands in for IBKR_ACCOUNT_ID.
        if !(args.sim && *warning == Warning::AccountUnset) {
            tracing::warn!("{warning}");
        }
    }
    let strategies = build_strategies(&settings).map_err(UsageError::from)?;
    // The journal is opened (and a foreign or corrupt file refused) before any connection.
    let journal = Journal::open(&settings.journal.path).map_err(UsageError::from)?;
    // One bot per journal (taken once the file is known to be ours), held
    // until this process exits.
    let _trading_lock = TradingLock::acquire(&settings.journal.path).map_err(UsageError::from)?;
    let config_hash = config_hash(&settings.canonical_json());
    let listener = shutdown::install().context("cannot install the Ctrl+C handler")?;
    let runtime = runtime()?;
    runtime.block_on(async move {
        let mut host = settings.connection.host.clone();
        let mut port = settings.connection.port;
        let mut sim = None;
        if args.sim {
            let config = tws_sim::SimConfig {
                account: account.expose().to_string(),
                speed: args.sim_speed,
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
            limits: settings.risk.clone(),
            strategies,
            journal,
            config_hash,
        };
        let result = run_session(config, listener).await;
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        let report = result?;
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
