//! The dashboard's JSON reads, its event stream, `/metrics` and the
//! operator's controls. Reads come from the latest snapshot (never from the
//! session itself); controls go to the session through its bounded command
//! channel and answer with what the session did.
//!
//! Must never carry out a control itself, and never wait on the session
//! longer than [`REPLY_TIMEOUT`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::oneshot;

use super::Shared;
use crate::control::{Command, ControlRequest};
use crate::journal::Journal;

/// How long a control waits for the session's answer.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// The most recent decisions `/api/decisions` returns at most.
const MAX_DECISIONS: usize = 500;

type App = State<Arc<Shared>>;

/// `GET /api/status`: everything the session published.
pub(super) async fn status(State(shared): App) -> Response {
    Json(shared.snapshot()).into_response()
}

/// `GET /api/positions`.
pub(super) async fn positions(State(shared): App) -> Response {
    let s = shared.snapshot();
    Json(json!({ "at": s.at, "positions": s.positions })).into_response()
}

/// `GET /api/orders`: the bot's working orders and those left alone.
pub(super) async fn orders(State(shared): App) -> Response {
    let s = shared.snapshot();
    Json(json!({ "at": s.at, "orders": s.orders, "not_ours": s.not_ours })).into_response()
}

/// `GET /api/pnl`: today's money and equity curve.
pub(super) async fn pnl(State(shared): App) -> Response {
    let s = shared.snapshot();
    Json(json!({ "at": s.at, "pnl": s.pnl, "equity_curve": s.equity_curve })).into_response()
}

/// `GET /api/risk`: limit usage.
pub(super) async fn risk(State(shared): App) -> Response {
    let s = shared.snapshot();
    Json(json!({ "at": s.at, "state": s.state, "risk": s.risk })).into_response()
}

/// `?limit=N` of `/api/decisions`.
#[derive(Debug, Deserialize)]
pub(super) struct Limit {
    limit: Option<usize>,
}

#[derive(Serialize)]
struct DecisionView {
    at: chrono::DateTime<Utc>,
    strategy: u16,
    symbol: String,
    side: String,
    quantity: rust_decimal::Decimal,
    approved: bool,
    reason_code: String,
    reason: String,
}

#[derive(Serialize)]
struct TradeView {
    time: chrono::DateTime<Utc>,
    symbol: String,
    side: String,
    quantity: rust_decimal::Decimal,
    price: rust_decimal::Decimal,
    commission: Option<rust_decimal::Decimal>,
    order_ref: Option<String>,
}

#[derive(Serialize)]
struct ActionView {
    at: chrono::DateTime<Utc>,
    action: String,
    source: String,
    accepted: bool,
    state_after: String,
    outcome: String,
}

/// `GET /api/decisions?limit=N`: today's most recent risk decisions and the
/// operator actions, from the journal (newest first).
pub(super) async fn decisions(State(shared): App, Query(q): Query<Limit>) -> Response {
    let limit = q.limit.unwrap_or(50).min(MAX_DECISIONS);
    from_journal(move || read_decisions(&shared, limit)).await
}

/// `GET /api/trades`: today's executions of the bot's orders, from the
/// journal (newest first).
pub(super) async fn trades(State(shared): App) -> Response {
    from_journal(move || read_trades(&shared)).await
}

/// Runs a journal read off the async workers and answers with its JSON.
async fn from_journal(
    read: impl FnOnce() -> Result<serde_json::Value, crate::journal::JournalError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(body)) => Json(body).into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "dashboard: cannot read the journal");
            (StatusCode::SERVICE_UNAVAILABLE, "journal unavailable").into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Runs `read` on the journal's read connection (opened on first use) for
/// the session's trading day (the simulator's clock may be on another day
/// than this machine's).
fn with_journal(
    shared: &Shared,
    read: impl FnOnce(
        &Journal,
        chrono::NaiveDate,
    ) -> Result<serde_json::Value, crate::journal::JournalError>,
) -> Result<serde_json::Value, crate::journal::JournalError> {
    let mut reader = shared
        .reader
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if reader.is_none() {
        *reader = Some(Journal::open(&shared.journal)?);
    }
    let Some(journal) = reader.as_ref() else {
        unreachable!("opened above")
    };
    let day = crate::domain::calendar::trading_day(shared.snapshot().at.unwrap_or_else(Utc::now));
    read(journal, day)
}

fn read_trades(shared: &Shared) -> Result<serde_json::Value, crate::journal::JournalError> {
    with_journal(shared, |journal, day| {
        let trades: Vec<TradeView> = journal
            .executions_on(day)?
            .into_iter()
            .rev()
            .map(|e| TradeView {
                time: e.time,
                symbol: e.symbol.to_string(),
                side: e.side.to_string(),
                quantity: e.quantity,
                price: e.price,
                commission: e.commission,
                order_ref: e.order_ref,
            })
            .collect();
        Ok(json!({ "day": day, "trades": trades }))
    })
}

fn read_decisions(
    shared: &Shared,
    limit: usize,
) -> Result<serde_json::Value, crate::journal::JournalError> {
    with_journal(shared, |journal, day| decisions_of(journal, day, limit))
}

fn decisions_of(
    journal: &Journal,
    day: chrono::NaiveDate,
    limit: usize,
) -> Result<serde_json::Value, crate::journal::JournalError> {
    let decisions: Vec<DecisionView> = journal
        .risk_decisions_on(day)?
        .into_iter()
        .rev()
        .take(limit)
        .map(|d| DecisionView {
            at: d.at,
            strategy: d.strategy.0,
            symbol: d.symbol.to_string(),
            side: d.side.to_string(),
            quantity: d.quantity,
            approved: d.approved,
            reason_code: d.reason_code,
            reason: d.reason,
        })
        .collect();
    let actions: Vec<ActionView> = journal
        .operator_actions_on(day)?
        .into_iter()
        .rev()
        .map(|a| ActionView {
            at: a.at,
            action: a.action,
            source: a.source,
            accepted: a.accepted,
            state_after: a.state_after.to_string(),
            outcome: a.outcome,
        })
        .collect();
    Ok(json!({ "day": day, "decisions": decisions, "operator_actions": actions }))
}

/// `GET /api/events`: the snapshot as a server-sent event (`status`) each
/// time the session publishes one.
pub(super) async fn events(
    State(shared): App,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut receiver = shared.operator.snapshots.clone();
    receiver.mark_changed();
    let stream = stream::unfold(receiver, |mut receiver| async move {
        receiver.changed().await.ok()?;
        let data = serde_json::to_string(&*receiver.borrow_and_update()).ok()?;
        Some((Ok(Event::default().event("status").data(data)), receiver))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `GET /metrics`: Prometheus text.
pub(super) async fn metrics(State(shared): App) -> Response {
    let text = super::metrics::render(&shared.snapshot(), &shared.refusals);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// `POST /api/halt`.
pub(super) async fn halt(State(shared): App) -> Response {
    control(&shared, Command::Halt).await
}

/// The body `POST /api/resume` requires.
#[derive(Debug, Deserialize)]
pub(super) struct Confirm {
    confirm: Option<String>,
}

/// What `resume` must be confirmed with.
pub const RESUME_CONFIRMATION: &str = "RESUME";

/// `POST /api/resume` with `{"confirm":"RESUME"}`: the operator reset.
pub(super) async fn resume(State(shared): App, body: Option<Json<Confirm>>) -> Response {
    let confirmed = body.and_then(|Json(b)| b.confirm).as_deref() == Some(RESUME_CONFIRMATION);
    if !confirmed {
        let message = format!(
            "resume clears a halt: send {{\"confirm\":\"{RESUME_CONFIRMATION}\"}} to confirm"
        );
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response();
    }
    control(&shared, Command::Resume).await
}

/// `POST /api/reduce-only`.
pub(super) async fn reduce_only(State(shared): App) -> Response {
    control(&shared, Command::ReduceOnly).await
}

/// `POST /api/cancel`: the bot's working entries.
pub(super) async fn cancel(State(shared): App) -> Response {
    control(&shared, Command::CancelOrders).await
}

/// `POST /api/flatten`: halt, then close the bot's positions.
pub(super) async fn flatten(State(shared): App) -> Response {
    control(&shared, Command::Flatten).await
}

/// Sends `command` to the session and answers with its outcome: 503 when
/// the session's queue is full or it has ended, 504 when it did not answer
/// in time.
async fn control(shared: &Shared, command: Command) -> Response {
    let (reply, answer) = oneshot::channel();
    let request = ControlRequest { command, reply };
    if shared.commands().try_send(request).is_err() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "the session is busy or has ended; try again" })),
        )
            .into_response();
    }
    match tokio::time::timeout(REPLY_TIMEOUT, answer).await {
        Ok(Ok(outcome)) => Json(outcome).into_response(),
        Ok(Err(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "the session ended before answering" })),
        )
            .into_response(),
        Err(_) => (
            StatusCode::GATEWAY_TIMEOUT,
            Json(json!({ "error": "the session did not answer in time; check /api/status" })),
        )
            .into_response(),
    }
}
