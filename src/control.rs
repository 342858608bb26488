//! The contract between a running session and the operator's remote tools
//! (the dashboard, its control API and `/metrics`): what the session
//! publishes ([`Snapshot`], through a `watch` channel, so a reader never
//! waits on the session and the session never waits on a reader) and what
//! an operator may ask of it ([`Command`], through a bounded channel the
//! session serves like any other input stream).
//!
//! It owns only these types and the two channel ends ([`control_channel`]).
//! Must never decide or do anything itself: every command is carried out by
//! the session through the engine's own paths (the same as Ctrl+C and the
//! CLI), and everything in a snapshot is already masked (account ids).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};

/// How many commands may wait for the session: more are refused at once
/// (503) rather than queued behind a busy session.
pub const COMMAND_QUEUE: usize = 8;

/// Points kept on the day's equity curve (one a minute is 390 in a session).
pub const EQUITY_POINTS: usize = 1_500;

/// Upper bounds (nanoseconds) of the decision-latency histogram's buckets;
/// the last bucket counts everything above the last bound.
pub const LATENCY_BOUNDS_NS: [u64; 10] = [
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// What an operator may ask of a running session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Latch HALTED (operator): working entries cancelled, stops kept.
    Halt,
    /// The operator reset: the latch back to ACTIVE.
    Resume,
    /// Latch REDUCING: only exposure-reducing orders pass; entries cancelled.
    ReduceOnly,
    /// Cancel the bot's working entries (stops that protect a position stay).
    CancelOrders,
    /// Halt, then close every position of the bot's at market.
    Flatten,
}

impl Command {
    /// The stable name of the action (journal, API paths, metrics).
    pub fn name(self) -> &'static str {
        match self {
            Command::Halt => "halt",
            Command::Resume => "resume",
            Command::ReduceOnly => "reduce_only",
            Command::CancelOrders => "cancel_orders",
            Command::Flatten => "flatten",
        }
    }
}

/// What a command did, as the session saw it once the engine had answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The command.
    pub action: Command,
    /// False when the session refused it (read-only, or nothing it can do).
    pub accepted: bool,
    /// The trading state after it.
    pub state: String,
    /// Orders the command cancelled.
    pub cancels_sent: usize,
    /// Orders the command placed (flatten).
    pub orders_sent: usize,
    /// One line for the operator.
    pub detail: String,
}

/// One command and where its outcome goes.
#[derive(Debug)]
pub struct ControlRequest {
    /// What to do.
    pub command: Command,
    /// Answered once the command's orders are sent (or refused).
    pub reply: oneshot::Sender<Outcome>,
}

/// The session's side: publish snapshots, serve commands.
#[derive(Debug)]
pub struct SessionPort {
    /// Where snapshots go.
    pub snapshots: watch::Sender<Snapshot>,
    /// Where commands come from.
    pub commands: mpsc::Receiver<ControlRequest>,
}

/// The operator's side: read snapshots, send commands. Cloning shares it.
#[derive(Debug, Clone)]
pub struct OperatorPort {
    /// The latest snapshot (and a way to wait for the next).
    pub snapshots: watch::Receiver<Snapshot>,
    /// Commands for the session.
    pub commands: mpsc::Sender<ControlRequest>,
}

/// A connected pair of ports; the first snapshot is [`Snapshot::default`]
/// (`state` "STARTING") until the session publishes.
pub fn control_channel() -> (SessionPort, OperatorPort) {
    let (snap_tx, snap_rx) = watch::channel(Snapshot::default());
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
    (
        SessionPort {
            snapshots: snap_tx,
            commands: cmd_rx,
        },
        OperatorPort {
            snapshots: snap_rx,
            commands: cmd_tx,
        },
    )
}

/// Everything the dashboard shows, as of `at` (the session's clock).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snapshot {
    /// The session's clock when it was taken (`None` before the first).
    pub at: Option<DateTime<Utc>>,
    /// `PAPER` or `LIVE` (`SIM` for `run --sim`).
    pub mode: String,
    /// The account, masked (`DU****567`).
    pub account: String,
    /// `STARTING`, `ACTIVE`, `REDUCING` or `HALTED`.
    pub state: String,
    /// Why trading is halted or reducing, in words.
    pub state_reason: Option<String>,
    /// Connected to TWS and trading on market events.
    pub connected: bool,
    /// A read-only session (sends nothing).
    pub read_only: bool,
    /// Per symbol: whether bars flow, and how old the last one is.
    pub market_data: Vec<FeedView>,
    /// The running strategies.
    pub strategies: Vec<StrategyView>,
    /// Open positions (the bot's, and those it leaves alone).
    pub positions: Vec<PositionView>,
    /// The bot's working orders.
    pub orders: Vec<OrderView>,
    /// Working orders that are not the bot's (left alone).
    pub not_ours: Vec<ForeignOrderView>,
    /// Today's money.
    pub pnl: PnlView,
    /// How much of each risk limit is used.
    pub risk: RiskUsage,
    /// Counters since the session started.
    pub counters: Counters,
    /// Today's equity, one point a minute.
    pub equity_curve: Vec<EquityPoint>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            at: None,
            mode: String::new(),
            account: String::new(),
            state: "STARTING".to_string(),
            state_reason: None,
            connected: false,
            read_only: false,
            market_data: Vec::new(),
            strategies: Vec::new(),
            positions: Vec::new(),
            orders: Vec::new(),
            not_ours: Vec::new(),
            pnl: PnlView::default(),
            risk: RiskUsage::default(),
            counters: Counters::default(),
            equity_curve: Vec::new(),
        }
    }
}

/// One symbol's market data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FeedView {
    /// The symbol.
    pub symbol: String,
    /// `streaming`, `retrying` or `inactive`.
    pub state: &'static str,
    /// Why it is not streaming, and what fixes it.
    pub reason: Option<String>,
    /// When the last bar ended.
    pub last_bar: Option<DateTime<Utc>>,
    /// Seconds from the last bar's end to the snapshot.
    pub lag_secs: Option<i64>,
}

/// One strategy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StrategyView {
    /// Its index (the strategy id in order refs and the journal).
    pub id: usize,
    /// The symbols it trades.
    pub symbols: Vec<String>,
    /// Its bar length in seconds.
    pub bar_seconds: u32,
}

/// One open position.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PositionView {
    /// The symbol.
    pub symbol: String,
    /// Signed quantity.
    pub quantity: Decimal,
    /// Average cost per share.
    pub average_cost: Decimal,
    /// The last mark.
    pub last_price: Option<Decimal>,
    /// Unrealized PnL at the last mark.
    pub unrealized_pnl: Option<Decimal>,
    /// False for a position the bot leaves alone (not its own).
    pub managed: bool,
}

/// One working order of the bot's.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrderView {
    /// The order ref (our client order id).
    pub order_ref: String,
    /// The symbol.
    pub symbol: String,
    /// `BUY` / `SELL`.
    pub side: String,
    /// `MKT`, `LMT 101.5`, `STP 95` …
    pub kind: String,
    /// Ordered quantity.
    pub quantity: Decimal,
    /// Filled so far.
    pub filled: Decimal,
    /// `pending_submit`, `working`, `pending_cancel`.
    pub state: String,
    /// `entry`, `stop_loss`, `take_profit`, `exit` …
    pub leg: String,
}

/// One working order that is not the bot's.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ForeignOrderView {
    /// The API client that placed it (0: typed into TWS).
    pub client_id: i32,
    /// Its IB order id.
    pub order_id: i32,
    /// `BUY` / `SELL`.
    pub side: String,
    /// Quantity.
    pub quantity: Decimal,
    /// Symbol (or local symbol).
    pub symbol: String,
}

/// Today's money.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PnlView {
    /// Realized PnL.
    pub realized: Decimal,
    /// Unrealized PnL at the last marks.
    pub unrealized: Decimal,
    /// Commissions paid.
    pub commissions: Decimal,
    /// Realized + unrealized − commissions.
    pub net: Decimal,
    /// Equity at the start of the New York day.
    pub start_of_day_equity: Decimal,
    /// Start-of-day equity + net.
    pub equity: Decimal,
    /// Fills today (this session).
    pub fills: u64,
}

/// How much of each limit is used.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RiskUsage {
    /// Today's loss (0 when up).
    pub daily_loss: Decimal,
    /// The loss at which trading halts.
    pub daily_loss_limit: Decimal,
    /// Working orders of the bot's.
    pub open_orders: u32,
    /// The limit on them.
    pub max_open_orders: u32,
    /// Orders sent in the last second.
    pub orders_last_second: u32,
    /// The limit on them.
    pub max_orders_per_second: u32,
    /// Per symbol with a position: its notional against the limit.
    pub positions: Vec<PositionUsage>,
}

/// One symbol's position size against the limit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PositionUsage {
    /// The symbol.
    pub symbol: String,
    /// |quantity| × last price.
    pub notional: Decimal,
    /// The largest notional allowed.
    pub limit: Decimal,
}

/// Counters since the session started (for `/metrics`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counters {
    /// Orders sent to TWS (each leg of a bracket counts).
    pub orders_sent: u64,
    /// Fills applied.
    pub fills: u64,
    /// Orders TWS refused, by IB code.
    pub broker_rejects: BTreeMap<i32, u64>,
    /// Risk-gate decisions: `approved`, or the refusal's reason code.
    pub gate_decisions: BTreeMap<&'static str, u64>,
    /// Times the link to IB came back (reconciled).
    pub reconnects: u64,
    /// Market events handled.
    pub market_events: u64,
    /// Decision latency (market event → engine output), per bucket of
    /// [`LATENCY_BOUNDS_NS`] plus one for everything above.
    pub decision_latency_buckets: Vec<u64>,
    /// Sum of all decision latencies, nanoseconds.
    pub decision_latency_sum_ns: u64,
    /// Webhook notifications delivered.
    pub notifications_sent: u64,
    /// Webhook notifications given up after their retries.
    pub notifications_failed: u64,
    /// Webhook notifications dropped from a full queue.
    pub notifications_dropped: u64,
}

/// One point of the equity curve.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct EquityPoint {
    /// When.
    pub at: DateTime<Utc>,
    /// Equity then.
    pub equity: Decimal,
}
