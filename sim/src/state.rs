//! The simulator's whole mutable state behind one lock, and fan-out to clients.
//!
//! Owns the connection registry (client id, outgoing channel, subscriptions)
//! and the glue between market, exchange, account and faults: a price move
//! is sent to subscribers and then matched against working orders; exchange
//! events become frames for the placing client; fills refresh position,
//! account and PnL subscribers. Every method is synchronous and never
//! awaits; frames are queued with `try_send` on bounded channels.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rust_decimal::Decimal;
use tokio::sync::mpsc;

use crate::account::Account;
use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::exchange::{Event, Exchange};
use crate::faults::{Faults, Pacer};
use crate::market::{load_replay_csv, Market};
use crate::wire;
use crate::SimError;

/// Identifies one TCP connection.
pub type ConnId = u64;

/// What a connection's writer task is asked to do.
#[derive(Debug)]
pub enum Out {
    /// Write this complete frame.
    Frame(Vec<u8>),
    /// Close the socket.
    Close,
}

/// Capacity of each connection's outgoing queue (frames).
pub const OUT_CAPACITY: usize = 16_384;

/// One reqMktData subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MktSub {
    /// Symbol index.
    pub idx: usize,
    /// Generic tick list as requested (e.g. `233`, `236`, `293`).
    pub generics: Vec<String>,
}

/// One API session after startApi.
#[derive(Debug)]
pub struct Conn {
    /// The client id it claimed.
    pub client_id: i32,
    /// Outgoing queue.
    pub tx: mpsc::Sender<Out>,
    /// Market data type (1 live, 2 frozen, 3 delayed, 4 delayed frozen).
    pub md_type: i32,
    /// reqMktData subscriptions by request id.
    pub mkt: BTreeMap<i32, MktSub>,
    /// Real-time bar subscriptions: request id → symbol index.
    pub rt_bars: BTreeMap<i32, usize>,
    /// The real-time bar subscriptions made with `useRTH=0` (bars of the
    /// extended hours too, under NYSE hours).
    pub rt_bars_all_hours: BTreeSet<i32>,
    /// Account summary subscriptions: request id → tags.
    pub summaries: BTreeMap<i32, Vec<String>>,
    /// reqAccountUpdates active.
    pub account_updates: bool,
    /// reqPositions active.
    pub positions: bool,
    /// reqPnL subscriptions.
    pub pnl: BTreeSet<i32>,
    /// reqPnLSingle subscriptions: request id → symbol index.
    pub pnl_single: BTreeMap<i32, usize>,
    /// Incoming message rate window.
    pub pacer: Pacer,
}

impl Conn {
    /// A fresh session for `client_id`.
    pub fn new(client_id: i32, tx: mpsc::Sender<Out>) -> Self {
        Self {
            client_id,
            tx,
            md_type: 1,
            mkt: BTreeMap::new(),
            rt_bars: BTreeMap::new(),
            rt_bars_all_hours: BTreeSet::new(),
            summaries: BTreeMap::new(),
            account_updates: false,
            positions: false,
            pnl: BTreeSet::new(),
            pnl_single: BTreeMap::new(),
            pacer: Pacer::default(),
        }
    }
}

/// Everything mutable, guarded by one mutex in the server.
#[derive(Debug)]
pub struct SimState {
    /// The configuration it started with.
    pub config: SimConfig,
    /// Simulated exchange clock.
    pub clock: SimClock,
    /// Prices.
    pub market: Market,
    /// Orders and executions.
    pub exchange: Exchange,
    /// Cash and positions.
    pub account: Account,
    /// Fault injection.
    pub faults: Faults,
    /// Live API sessions.
    pub conns: BTreeMap<ConnId, Conn>,
    /// Next id handed out by NextValidId.
    pub next_valid_id: i32,
    /// Index of the next scenario step to apply.
    pub step_cursor: usize,
    /// Index of the next scenario fault to fire.
    pub fault_cursor: usize,
    /// Market ticks run so far.
    pub ticks: u64,
    /// Simulated time the random walk counts steps from.
    pub sim_origin: chrono::DateTime<chrono::Utc>,
    /// Clock-driven walk steps taken so far.
    pub steps_done: u64,
    /// Every cancelOrder received: (client id, order id), in arrival order.
    pub cancel_requests: Vec<(i32, i32)>,
    /// Order requests refused because the API is read-only.
    pub read_only_refusals: u64,
    /// A nightly reset's silence in progress (see [`crate::reset`]).
    pub silence: Option<crate::reset::Silence>,
    /// Contracts of holdings outside the stock universe (see [`crate::start`]).
    pub held_contracts: crate::start::HeldContracts,
    /// Market-data permissions, outages and real-time-bar pacing.
    pub access: crate::market_access::AccessState,
}

impl SimState {
    /// Builds the initial state: clock, market (with replay files queued),
    /// empty exchange and account. `delay_ms` is shared with the writers.
    ///
    /// # Errors
    /// [`SimError::Config`] for an empty universe, [`SimError::Replay`] for a
    /// replay file that cannot be loaded or names an unknown symbol.
    pub fn new(config: SimConfig, delay_ms: Arc<AtomicU64>) -> Result<SimState, SimError> {
        if config.symbols.is_empty() {
            return Err(SimError::Config("the symbol universe is empty".into()));
        }
        crate::tws_settings::validate(&config)?;
        let clock = SimClock::new(config.start_date, config.start_time, config.speed);
        let mut market = Market::new(&config.symbols, config.seed, clock.now_utc().timestamp());
        if let Some(replay) = &config.bar_replay {
            for (symbol, path) in &replay.files {
                let idx = market.index(symbol).ok_or_else(|| {
                    SimError::Replay(format!("{symbol}: not in the symbol universe"))
                })?;
                let bars = load_replay_csv(path)?;
                let bars = bars.get(replay.skip_rows..).unwrap_or(&[]);
                if let Some(first) = bars.first() {
                    market.set_last(idx, first.open, Decimal::ZERO);
                }
                market.queue_replay(idx, bars);
            }
        }
        let mut state = SimState {
            exchange: Exchange::new(config.partial_fills, config.commissions, config.hours),
            account: Account::new(&config.account, config.starting_cash),
            faults: Faults::new(delay_ms),
            conns: BTreeMap::new(),
            next_valid_id: config.first_order_id,
            step_cursor: 0,
            fault_cursor: 0,
            cancel_requests: Vec::new(),
            ticks: 0,
            sim_origin: clock.now_utc(),
            steps_done: 0,
            read_only_refusals: 0,
            silence: None,
            held_contracts: crate::start::HeldContracts::new(),
            access: crate::market_access::AccessState::new(
                config.market_access.clone(),
                config.start_date,
            ),
            clock,
            market,
            config,
        };
        state.carry_positions();
        state.apply_start_state()?;
        Ok(state)
    }

    /// Milliseconds since the epoch on the simulated clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_utc().timestamp_millis()
    }

    /// Queues `frame` for `conn`; a full or closed queue drops the session.
    pub fn send(&mut self, conn: ConnId, frame: Vec<u8>) {
        let Some(frame) = self.hold(conn, frame) else {
            return;
        };
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if let Err(e) = c.tx.try_send(Out::Frame(frame)) {
            tracing::error!(
                conn,
                client_id = c.client_id,
                "outgoing queue unusable ({e}); dropping session"
            );
            self.conns.remove(&conn);
        }
    }

    /// Queues `frame` for every session of `client_id`.
    pub fn send_client(&mut self, client_id: i32, frame: Vec<u8>) {
        let ids: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.client_id == client_id)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.send(id, frame.clone());
        }
    }

    /// Sends an error tied to `id` (a request or order id; −1 for none).
    pub fn send_error(&mut self, conn: ConnId, id: i32, code: i32, message: &str) {
        let frame = wire::error(id, code, message, self.now_ms());
        self.send(conn, frame);
    }

    /// Sends an error to every session.
    pub fn broadcast_error(&mut self, code: i32, message: &str) {
        let frame = wire::error(-1, code, message, self.now_ms());
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            self.send(id, frame.clone());
        }
    }

    /// Turns exchange events into frames for the placing clients.
    pub fn dispatch(&mut self, events: Vec<Event>) {
        let mut filled = false;
        for ev in events {
            match ev {
                Event::Status(_, o) => {
                    let Some(spec) = self
                        .market
                        .index(&o.symbol)
                        .and_then(|s| self.market.spec(s))
                    else {
                        continue;
                    };
                    let (a, b, client) = (
                        wire::open_order(&o, spec),
                        wire::order_status(&o),
                        o.client_id,
                    );
                    self.send_client(client, a);
                    self.send_client(client, b);
                }
                Event::Fill(e) => {
                    filled = true;
                    let Some(x) = self.exchange.execution(e) else {
                        continue;
                    };
                    let Some(spec) = self
                        .market
                        .index(&x.symbol)
                        .and_then(|s| self.market.spec(s))
                    else {
                        continue;
                    };
                    let (frame, client) =
                        (wire::execution(-1, x, spec, &self.account.id), x.client_id);
                    self.send_client(client, frame);
                }
                Event::Commission(e) => self.send_commission(e),
                Event::Error {
                    client_id,
                    id,
                    code,
                    message,
                } => {
                    let frame = wire::error(id, code, &message, self.now_ms());
                    self.send_client(client_id, frame);
                }
            }
        }
        if filled {
            self.account_changed();
        }
    }

    /// A quote moved: tell market data subscribers, then match orders.
    pub fn price_changed(&mut self, idx: usize) {
        self.send_quote_ticks(idx, false);
        let Some(symbol) = self.market.spec(idx).map(|s| s.symbol.clone()) else {
            return;
        };
        let now = self.clock.now();
        let events = self
            .exchange
            .on_price(&symbol, &self.market, &mut self.account, now);
        self.dispatch(events);
    }

    /// Mark price of a symbol (its last trade).
    pub fn mark(&self, symbol: &str) -> Option<Decimal> {
        self.market.last_price(symbol)
    }

    /// Current net liquidation value.
    pub fn net_liquidation(&self) -> Decimal {
        self.account.net_liquidation(|s| self.mark(s))
    }

    /// Closes every session (the server keeps accepting).
    pub fn drop_connections(&mut self) {
        for (_, c) in std::mem::take(&mut self.conns) {
            let _ = c.tx.try_send(Out::Close);
        }
    }

    /// Sends 1100 and then 1102 (`data_kept`) or 1101, which also ends every
    /// market data and real-time bar subscription.
    pub fn connectivity_lost_then_restored(&mut self, data_kept: bool) {
        self.broadcast_error(
            1100,
            "Connectivity between IB and Trader Workstation has been lost.",
        );
        if data_kept {
            self.broadcast_error(1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.");
        } else {
            for c in self.conns.values_mut() {
                c.mkt.clear();
                c.rt_bars.clear();
            }
            self.broadcast_error(
                1101,
                "Connectivity between IB and Trader Workstation has been restored - data lost.",
            );
        }
    }
}
