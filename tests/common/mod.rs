//! Shared helpers for the whole-flow `run_*` tests: a simulator on a free
//! loopback port, a scripted strategy whose view of the bot's portfolio the
//! test can read, the session running in a tokio task and driven by a
//! [`ShutdownTrigger`], and bounded polling.
#![allow(dead_code)]

pub mod binary;
pub mod http;
pub mod scripted;
pub mod webdriver;
pub mod webhook;

use std::sync::{Mutex, Once};
use std::time::Duration;

use first_trading_app::broker::tws::session::{
    run_session, SessionConfig, SessionError, SessionReport,
};
use first_trading_app::risk::RiskLimits;
use first_trading_app::settings::TradingMode;
use first_trading_app::shutdown::{ShutdownStage, ShutdownTrigger};
use first_trading_app::strategy::Strategy;
use tokio::sync::oneshot;
use tws_sim::{SimConfig, SimHandle, Simulator};

#[allow(unused_imports)]
pub use scripted::{Probe, Scripted};

/// The simulator's paper account.
pub const ACCOUNT: &str = "DU1234567";

/// A deterministic, fast simulator: no random walk (prices move only when the
/// test says so), a 20 ms tick, and a clock at 250× so a 5-second bar closes
/// on about every tick.
pub fn quiet_sim() -> SimConfig {
    SimConfig {
        random_walk: false,
        tick_interval: Duration::from_millis(20),
        speed: 250.0,
        ..SimConfig::default()
    }
}

/// [`quiet_sim`] with one symbol, SPY at `price` and no spread: a market
/// order fills at exactly the last price, so a test can derive brackets and
/// PnL by hand.
#[allow(dead_code)]
pub fn quiet_spy_at(price: rust_decimal::Decimal) -> SimConfig {
    let mut spy = tws_sim::SymbolSpec::new("SPY", 756_733, price, "ARCA", "SPDR S&P 500 ETF TRUST");
    spy.half_spread_ticks = 0;
    SimConfig {
        symbols: vec![spy],
        ..quiet_sim()
    }
}

/// Starts `config` on 127.0.0.1:0.
pub async fn start_sim(config: SimConfig) -> SimHandle {
    init_tracing();
    Simulator::start(config, "127.0.0.1:0".parse().expect("address"))
        .await
        .expect("simulator starts")
}

/// Every log line of this test binary at `info` and above (or as
/// `RUST_LOG` says); sessions tag theirs with `client_id=N`.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Appends to [`LOG`]; also echoes to stderr when `RUST_LOG` is set.
struct Tee;

impl std::io::Write for Tee {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(bytes);
        if std::env::var_os("RUST_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(bytes));
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the binary's log capture (once; [`start_sim`] calls it).
pub fn init_tracing() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(|| Tee)
            .try_init();
    });
}

/// Everything logged so far by this test binary.
#[allow(dead_code)]
pub fn log_text() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned()
}

/// A paper session against `sim` as client `client_id`, default limits except
/// where `limits` says otherwise, a 5 s cancel timeout and no status line.
pub fn session_config(
    sim: &SimHandle,
    client_id: i32,
    limits: RiskLimits,
    strategies: Vec<Box<dyn Strategy>>,
) -> SessionConfig {
    SessionConfig {
        host: "127.0.0.1".to_string(),
        port: sim.local_addr().port(),
        client_id,
        account: first_trading_app::domain::AccountId::parse(ACCOUNT).unwrap(),
        mode: TradingMode::Paper,
        read_only: false,
        flatten_on_exit: false,
        operator_reset: false,
        reduce_only: false,
        cancel_timeout: Duration::from_secs(5),
        status_interval: Duration::ZERO,
        audit_interval: first_trading_app::broker::tws::session::AUDIT_INTERVAL,
        ack_timeout: first_trading_app::broker::tws::session::ACK_TIMEOUT,
        max_data_age: None,
        reconcile_patience: first_trading_app::broker::tws::session::RECONCILE_PATIENCE,
        limits,
        strategies,
        journal: temp_journal(),
        config_hash: "test".to_string(),
        control: None,
        notifier: first_trading_app::notify::Notifier::disabled(),
    }
}

/// A fresh journal in its own temporary directory (kept for the test's life).
pub fn temp_journal() -> first_trading_app::journal::Journal {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    first_trading_app::journal::Journal::open(&dir.join("journal.db")).expect("journal")
}

/// A running session: its shutdown trigger and its outcome.
pub struct Running {
    /// Escalates the shutdown (first = emergency shutdown, second = flatten).
    pub trigger: ShutdownTrigger,
    /// The session's result, sent when it ends.
    pub result: oneshot::Receiver<Result<SessionReport, SessionError>>,
}

/// Runs `run_session(config)` on its own runtime and thread, as `run` does
/// with `block_on` (the session future is not `Send`: it holds
/// `&SessionConfig`, whose strategies are `Send` but not `Sync`, across
/// awaits, so it cannot be `tokio::spawn`ed).
pub fn spawn_session(config: SessionConfig) -> Running {
    let (trigger, listener) = ShutdownTrigger::new();
    let (tx, result) = oneshot::channel();
    std::thread::Builder::new()
        .name("session".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("session runtime");
            let _ = tx.send(runtime.block_on(run_session(config, listener)));
        })
        .expect("session thread");
    Running { trigger, result }
}

impl Running {
    /// Escalates to `stage` and returns the session's result within `within`.
    pub async fn finish(
        self,
        stage: ShutdownStage,
        within: Duration,
    ) -> Result<SessionReport, SessionError> {
        self.trigger.escalate(stage);
        tokio::time::timeout(within, self.result)
            .await
            .expect("session ends within the timeout")
            .expect("session thread does not panic")
    }

    /// First Ctrl+C: emergency shutdown; returns the report within `within`.
    pub async fn shut_down(self, within: Duration) -> SessionReport {
        self.finish(ShutdownStage::Shutdown, within)
            .await
            .expect("session ran")
    }
}

/// Waits (polling every 10 ms) until `check` holds; panics after `within`
/// naming `what`.
pub async fn eventually(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
