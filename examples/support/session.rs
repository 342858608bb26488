//! A live paper session for the measurement examples (`tick_to_order`,
//! `sim_symbols`): configured as `run` configures one (default risk limits,
//! the audit and acknowledgement timeouts `run` uses, no status line), with a
//! throw-away journal, and run on its own thread and tokio runtime as `run`
//! runs it. Included with `#[path]`.

use std::path::Path;
use std::time::Duration;

use first_trading_app::broker::tws::session::{
    run_session, SessionConfig, ACK_TIMEOUT, AUDIT_INTERVAL, RECONCILE_PATIENCE,
};
use first_trading_app::domain::AccountId;
use first_trading_app::journal::Journal;
use first_trading_app::risk::RiskLimits;
use first_trading_app::settings::TradingMode;
use first_trading_app::shutdown::ShutdownTrigger;
use first_trading_app::strategy::Strategy;
use tws_sim::SimHandle;

/// A paper session against `sim` (client 1, the simulator's paper account)
/// running `strategy`; its journal is in a new directory `<tag>-<pid>` under
/// `parent` (the system's temporary directory when `None`).
pub fn paper_session(
    sim: &SimHandle,
    strategy: Box<dyn Strategy>,
    tag: &str,
    parent: Option<&Path>,
) -> Result<SessionConfig, String> {
    let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let dir = parent.join(format!("{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let journal = Journal::open(&dir.join("journal.db")).map_err(|e| format!("journal: {e}"))?;
    Ok(SessionConfig {
        host: "127.0.0.1".to_string(),
        port: sim.local_addr().port(),
        client_id: 1,
        account: AccountId::parse("DU1234567").map_err(|e| e.to_string())?,
        mode: TradingMode::Paper,
        read_only: false,
        flatten_on_exit: false,
        operator_reset: false,
        reduce_only: false,
        cancel_timeout: Duration::from_secs(5),
        status_interval: Duration::ZERO,
        audit_interval: AUDIT_INTERVAL,
        ack_timeout: ACK_TIMEOUT,
        max_data_age: None,
        reconcile_patience: RECONCILE_PATIENCE,
        limits: RiskLimits::default(),
        strategies: vec![strategy],
        journal,
        config_hash: tag.to_string(),
        control: None,
        notifier: first_trading_app::notify::Notifier::disabled(),
    })
}

/// Runs the session on its own thread and a two-worker runtime, as `run`
/// does; the trigger ends it. A session error is printed to stderr.
pub fn spawn_session(config: SessionConfig) -> ShutdownTrigger {
    let (trigger, listener) = ShutdownTrigger::new();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build();
        match runtime {
            Ok(rt) => {
                if let Err(e) = rt.block_on(run_session(config, listener)) {
                    eprintln!("session ended: {e}");
                }
            }
            Err(e) => eprintln!("session runtime: {e}"),
        }
    });
    trigger
}
