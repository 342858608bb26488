//! The TCP server: accept loop, market ticker, shutdown.
//!
//! Owns the listening socket and the background tasks. Each accepted
//! connection runs in its own task ([`crate::session`]); a failing connection
//! ends only itself. Shutdown is a watch broadcast every task selects on.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::SimConfig;
use crate::handle::SimHandle;
use crate::state::SimState;
use crate::SimError;

/// State shared by the handle, the accept loop, the ticker and sessions.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<SimState>,
    pub(crate) delay_ms: Arc<AtomicU64>,
    shutdown: watch::Sender<bool>,
    next_conn: AtomicU64,
    /// Timestamps of chosen frames, once `SimHandle::tap_wire` installed it.
    pub(crate) tap: std::sync::OnceLock<crate::tap::WireTap>,
}

impl Shared {
    /// Locks the state (a poisoned lock is recovered: state stays usable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn shutdown_rx(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub(crate) fn request_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

/// Entry point of the simulator.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Binds `addr` (use `127.0.0.1:0` in tests), starts the accept loop and
    /// the market ticker, and returns a handle to inspect and control it.
    ///
    /// # Errors
    /// [`SimError::Bind`] when the address cannot be bound, [`SimError::Replay`]
    /// when a replay file cannot be loaded, [`SimError::Config`] for an empty universe.
    pub async fn start(config: SimConfig, addr: SocketAddr) -> Result<SimHandle, SimError> {
        let delay_ms = Arc::new(AtomicU64::new(0));
        let state = SimState::new(config, Arc::clone(&delay_ms))?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| SimError::Bind(addr, e.to_string()))?;
        let local = listener
            .local_addr()
            .map_err(|e| SimError::Bind(addr, e.to_string()))?;
        let (shutdown, _) = watch::channel(false);
        let tick_interval = state
            .config
            .tick_interval
            .max(std::time::Duration::from_millis(1));
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            delay_ms,
            shutdown,
            next_conn: AtomicU64::new(1),
            tap: std::sync::OnceLock::new(),
        });
        let accept = tokio::spawn(accept_loop(Arc::clone(&shared), listener));
        let ticker = tokio::spawn(ticker_loop(Arc::clone(&shared), tick_interval));
        tracing::info!(%local, "tws-sim listening");
        Ok(SimHandle::new(shared, local, vec![accept, ticker]))
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut shutdown = shared.shutdown_rx();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(conn, %peer, "accepted");
                    tokio::spawn(crate::session::run(Arc::clone(&shared), conn, stream));
                }
                Err(e) => {
                    tracing::error!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
}

async fn ticker_loop(shared: Arc<Shared>, every: std::time::Duration) {
    let mut shutdown = shared.shutdown_rx();
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => shared.lock().tick(),
            _ = shutdown.changed() => break,
        }
    }
}

/// Starts the simulator on `addr`, prints the bound address as one line on
/// stdout, `tws-sim listening on 127.0.0.1:<port>` (with port 0 in `addr` the
/// OS picks a free port and this line is how a caller learns it), and serves
/// until Ctrl+C.
///
/// # Errors
/// As [`Simulator::start`], plus [`SimError::Signal`] if Ctrl+C cannot be awaited.
pub async fn run_until_ctrl_c(config: SimConfig, addr: SocketAddr) -> Result<(), SimError> {
    let handle = Simulator::start(config, addr).await?;
    println!("tws-sim listening on {}", handle.local_addr());
    let waited = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    waited.map_err(|e| SimError::Signal(e.to_string()))
}
