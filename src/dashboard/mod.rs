//! The local dashboard and control API that `run` serves (axum, on the
//! session's tokio runtime): a web page, JSON reads of what the session
//! publishes, the operator's controls, server-sent events and Prometheus
//! metrics.
//!
//! Owns the HTTP edge only: routes, the security checks around them
//! ([`auth`]), the page's files. Must never touch the engine, TWS or the
//! journal's writer: it reads the session's [`Snapshot`]s, sends
//! [`Command`](crate::control::Command)s through the bounded channel the session serves, and reads
//! the journal through its own read connection. It never blocks the
//! trading loop: a slow or absent browser only ever waits on itself.

mod api;
pub mod auth;
pub mod metrics;
mod page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{Token, TOKEN_VAR};

use crate::control::{OperatorPort, Snapshot};
use crate::journal::Journal;
use auth::{RateLimit, Refusals};

/// Requests per second each client may make, sustained.
pub const RATE_PER_SECOND: u32 = 20;
/// Requests each client may make at once.
pub const RATE_BURST: u32 = 40;

/// Where and how the dashboard serves.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// The address to listen on (loopback unless the operator allowed more).
    pub bind: SocketAddr,
    /// The bearer token every data and control request must carry.
    pub token: Token,
    /// The journal the session writes (read for recent decisions and actions).
    pub journal: PathBuf,
}

/// What every handler shares.
struct Shared {
    token: Token,
    operator: OperatorPort,
    refusals: Refusals,
    rate: RateLimit,
    /// The `Origin`s a mutating request may come from (the dashboard's own).
    origins: Vec<String>,
    journal: PathBuf,
    /// The read connection to the journal, opened on first use.
    reader: Mutex<Option<Journal>>,
}

/// A running dashboard; [`Dashboard::stop`] ends it.
pub struct Dashboard {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Dashboard {
    /// Binds `config.bind` and serves `operator`'s session.
    ///
    /// # Errors
    /// When the address cannot be bound (in use, or not this machine's).
    pub async fn start(config: DashboardConfig, operator: OperatorPort) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            token: config.token,
            operator,
            refusals: Refusals::default(),
            rate: RateLimit::new(RATE_PER_SECOND, RATE_BURST),
            origins: own_origins(addr),
            journal: config.journal,
            reader: Mutex::new(None),
        });
        let app = router(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, service).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "dashboard server failed");
            }
        });
        Ok(Self { addr, stop, task })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address with the token in its fragment (a fragment never
    /// reaches a server's logs).
    pub fn url(&self, token: &Token) -> String {
        format!("http://{}/#token={}", self.addr, token.expose())
    }

    /// Stops serving (open event streams end) and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        // Event streams would hold a graceful shutdown open: bounded wait.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.task).await;
    }
}

/// The origins a browser shows for this dashboard.
fn own_origins(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut origins = vec![format!("http://{addr}")];
    if addr.ip().is_loopback() {
        origins.push(format!("http://localhost:{port}"));
        origins.push(format!("http://127.0.0.1:{port}"));
    }
    origins
}

fn router(shared: Arc<Shared>) -> Router {
    let guarded = Router::new()
        .route("/api/status", get(api::status))
        .route("/api/positions", get(api::positions))
        .route("/api/orders", get(api::orders))
        .route("/api/pnl", get(api::pnl))
        .route("/api/risk", get(api::risk))
        .route("/api/decisions", get(api::decisions))
        .route("/api/trades", get(api::trades))
        .route("/api/events", get(api::events))
        .route("/api/equity.svg", get(page::equity_svg))
        .route("/api/halt", post(api::halt))
        .route("/api/resume", post(api::resume))
        .route("/api/reduce-only", post(api::reduce_only))
        .route("/api/cancel", post(api::cancel))
        .route("/api/flatten", post(api::flatten))
        .route("/metrics", get(api::metrics))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&shared), guard));
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/app.css", get(page::style))
        .merge(guarded)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), limit))
        .layer(middleware::from_fn(secure_headers))
        .with_state(shared)
}

/// The per-client rate limit, on every route.
async fn limit(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if !shared.rate.admit(peer.ip()) {
        Refusals::count(&shared.refusals.rate_limited);
        return StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    next.run(request).await
}

/// The token on every data and control route; the origin on every mutating one.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !shared.token.admits(authorization) {
        Refusals::count(&shared.refusals.unauthorized);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if request.method() != Method::GET {
        let origin = headers
            .get(header::ORIGIN)
            .map(|v| v.to_str().unwrap_or("?"));
        if !auth::origin_allowed(origin, &shared.origins) {
            Refusals::count(&shared.refusals.bad_origin);
            return StatusCode::FORBIDDEN.into_response();
        }
    }
    next.run(request).await
}

/// The headers every response carries: no framing, no inline script, no
/// caching, no referrer.
async fn secure_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

impl Shared {
    fn snapshot(&self) -> Snapshot {
        self.operator.snapshots.borrow().clone()
    }

    fn commands(&self) -> &tokio::sync::mpsc::Sender<crate::control::ControlRequest> {
        &self.operator.commands
    }
}
