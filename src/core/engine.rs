//! [`Engine`]: the deterministic, synchronous trading core. One call per
//! event: market data in → marks, trading-state latch, strategies, risk gate,
//! order manager → commands out; broker events in → order lifecycle,
//! portfolio, strategy callbacks → commands out.
//!
//! No I/O, no clock, no locks: time arrives with each event, and the caller
//! owns the [`Output`] buffers, so steady-state market events allocate
//! nothing. The live session, the simulator path and the backtester all drive
//! this same type — there is no second implementation of any decision.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::core::event::BrokerEvent;
use crate::core::order_manager::{
    Command, FoundOrder, ManagedOrder, OrderManager, OrderState, OrderTicket,
};
use crate::core::slot::Slot;
use crate::domain::calendar::{trading_day, DayClock};
use crate::domain::order_id::{ClientOrderId, Leg};
use crate::domain::portfolio::Portfolio;
use crate::domain::types::{
    Fill, Instrument, IntentPurpose, MarketEvent, OrderIntent, OrderKind, Side, StrategyId, Symbol,
    TradingState,
};
use crate::risk::{
    AccountView, BracketRule, DataAge, Decision, HaltCause, LatchSnapshot, Rejected, RiskGate,
    RiskLimits, RiskView, StateChange, Tick,
};
use crate::strategy::{symbols_of, Intents, OrderOutcome, RejectedBy, Strategy};

/// Strategy id used for orders the engine itself creates (flatten, re-protect).
pub const ENGINE_STRATEGY: StrategyId = StrategyId(u16::MAX);

/// Something the edge should know besides the commands: journal it, log it,
/// count it. Every risk decision appears here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The gate approved this intent (the command is in `commands`).
    Approved(OrderIntent),
    /// The gate refused this intent.
    Rejected(Rejected),
    /// The trading state changed.
    StateChanged(StateChange),
    /// A strategy produced more intents than fit its buffer; the extra were dropped.
    IntentsDropped {
        /// The strategy.
        strategy: StrategyId,
        /// How many.
        count: u32,
    },
    /// A broker event about an order the engine does not know: trading halts.
    UnknownOrder(ClientOrderId),
    /// A fill the portfolio refused (non-positive quantity or price, or a
    /// figure it cannot hold exactly): trading halts.
    BadFill(ClientOrderId),
    /// A commission report the portfolio cannot hold exactly (more than 8
    /// decimal places, or out of range): trading halts.
    CommissionRefused {
        /// Instrument.
        symbol: Symbol,
        /// The amount reported.
        amount: Decimal,
    },
    /// A market event whose price the portfolio refused as a mark (≤ 0): the
    /// event was dropped, no strategy saw it. Emitted once per symbol until
    /// a good price arrives again.
    MarkRefused {
        /// Instrument.
        symbol: Symbol,
        /// The refused price.
        price: Decimal,
    },
    /// The broker refused a cancel of this order (`code`); the order stays
    /// in the book. `retrying`: the cancel was sent again; otherwise the
    /// retries are used up and trading halts.
    CancelFailed {
        /// The order.
        id: ClientOrderId,
        /// IB's code (161, 10147, 10148).
        code: i32,
        /// Whether the cancel was sent again.
        retrying: bool,
    },
    /// A position of ours was found without protection for `uncovered`
    /// shares (a stop rejected, cancelled from outside, gone at the broker,
    /// or a fill changed the quantity), and what the engine did about it.
    Unprotected {
        /// Instrument.
        symbol: Symbol,
        /// Shares not covered by a working stop or a market exit in flight.
        uncovered: Decimal,
        /// The repair.
        repair: Repair,
    },
    /// The engine rolled to a new New York trading day (not on its first
    /// event: the day it starts in is the caller's). Journal `start_equity`
    /// as the day's baseline for the daily-loss limit.
    DayStarted {
        /// The new trading day.
        day: NaiveDate,
        /// Its start-of-day equity.
        start_equity: Decimal,
    },
}

/// What the engine did about a position without protection
/// ([`Notice::Unprotected`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// A new stand-alone protective stop was sent.
    Stop,
    /// The stop could not be placed (or was replaced too often): the
    /// uncovered quantity is being closed at market.
    Close,
    /// Neither could be sent: trading halted; the position needs a human.
    Impossible,
}

/// How many protective stops in a row the broker may refuse or remove
/// before it acknowledged one as working, before the engine closes the
/// position at market instead.
pub const STOP_REPAIRS: u8 = 3;

/// How many protective stops the engine places for one position in all
/// (each one acknowledged, then removed again) before it closes the
/// position at market instead: no endless churn.
pub const MAX_STOP_REPAIRS: u8 = 10;

/// How often a refused cancel is sent again before trading halts.
pub const CANCEL_RETRIES: u32 = 2;

/// What one engine call produced. Reuse one across calls: `clear` keeps capacity.
#[derive(Debug, Default)]
pub struct Output {
    /// Commands for the edge, in order.
    pub commands: Vec<Command>,
    /// Decisions and facts for the journal and the log.
    pub notices: Vec<Notice>,
}

impl Output {
    /// Empties both lists, keeping their capacity.
    pub fn clear(&mut self) {
        self.commands.clear();
        self.notices.clear();
    }
}

/// Static inputs of an engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Validated `[risk]` limits.
    pub limits: RiskLimits,
    /// Tradable instruments (tick sizes).
    pub instruments: Vec<Instrument>,
    /// Net liquidation and start-of-day equity at start.
    pub account: AccountView,
    /// First order sequence number (from the journal, so ids are never reused).
    pub next_seq: u32,
    /// True when the broker itself cancels the rest of an OCA group once one
    /// member fills (TWS, `tws-sim` and the backtest's fill model all do). The
    /// engine then leaves a filled order's OCA siblings to the broker instead
    /// of cancelling them again (which TWS answers with 10148).
    pub broker_enforces_oca: bool,
    /// Entries only during the exchange's regular session (live: true; the
    /// backtest's bars are the sessions' own).
    pub regular_hours_only: bool,
    /// The oldest market data an entry may be decided on; `None`: two bar
    /// lengths of the arriving data, at least [`MIN_DATA_AGE_LIMIT`].
    pub max_data_age: Option<TimeDelta>,
}

/// The floor of the default freshness limit for entries.
pub const MIN_DATA_AGE_LIMIT: TimeDelta = TimeDelta::seconds(10);

/// The trading core. See the module documentation.
pub struct Engine {
    slots: Vec<Slot>,
    /// [`symbols_of`] the strategies: sorted, deduplicated.
    symbols: Vec<Symbol>,
    gate: RiskGate,
    orders: OrderManager,
    portfolio: Portfolio,
    account: AccountView,
    intents: Intents,
    strategies_running: bool,
    /// Whether the protection invariant is repaired after broker events
    /// ([`Engine::protect`]); off for good after an emergency cancel.
    protecting: bool,
    /// Per symbol, what the engine remembers about its market data.
    feeds: Vec<Feed>,
    /// The New York trading day of the latest event (`None` before the
    /// first) and when it ends (next New York midnight), so the per-event
    /// check is one compare.
    clock: DayClock,
    /// Stop distance and tick grid for re-protecting adopted positions.
    stop_loss_pct: Decimal,
    take_profit_pct: Decimal,
    instruments: Vec<Instrument>,
    /// [`EngineConfig::broker_enforces_oca`].
    broker_enforces_oca: bool,
    /// [`EngineConfig::max_data_age`].
    max_data_age: Option<TimeDelta>,
    /// The age of the market event being decided on (`None` outside
    /// [`Engine::on_market_received`]).
    data_age: Option<DataAge>,
    /// [`on_broker_batch`](Self::on_broker_batch)'s reused list of what to
    /// tell strategies: (order before the event, event index, remaining or unfilled).
    batch_told: Vec<(ManagedOrder, usize, Decimal)>,
}

/// How many rounds of "rejected → strategy answers with new intents" one event may cause.
const MAX_FEEDBACK_ROUNDS: usize = 2;

impl Engine {
    /// An engine running `strategies` (index = [`StrategyId`]) under `config`.
    pub fn new(config: EngineConfig, strategies: Vec<Box<dyn Strategy>>) -> Self {
        let symbols = symbols_of(&strategies);
        let slots: Vec<Slot> = strategies
            .into_iter()
            .enumerate()
            .map(|(i, s)| Slot::new(StrategyId(i as u16), s))
            .collect();
        let mut gate = RiskGate::new(&config.limits, &config.instruments, &symbols);
        if config.regular_hours_only {
            gate.require_regular_hours();
        }
        Self {
            slots,
            gate,
            orders: OrderManager::new(config.next_seq),
            portfolio: Portfolio::with_symbols(&symbols),
            account: config.account,
            intents: Intents::new(),
            strategies_running: true,
            protecting: true,
            feeds: symbols.iter().map(|&symbol| Feed::new(symbol)).collect(),
            symbols,
            clock: DayClock::new(),
            stop_loss_pct: config.limits.stop_loss_pct,
            take_profit_pct: config.limits.take_profit_pct,
            instruments: config.instruments,
            broker_enforces_oca: config.broker_enforces_oca,
            max_data_age: config.max_data_age,
            data_age: None,
            batch_told: Vec::new(),
        }
    }

    /// For each strategy wanting history before it trades: (index, symbols,
    /// bar seconds, bars wanted).
    pub fn warmup_needs(&self) -> Vec<(usize, Vec<Symbol>, u32, usize)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let (bars, seconds) = slot.warmup_need();
                (bars > 0).then(|| (i, slot.symbols().to_vec(), seconds, bars))
            })
            .collect()
    }

    /// Feeds historical `bars` (oldest first) to strategy `index` without trading.
    pub fn warm_up(&mut self, index: usize, bars: &[crate::domain::types::Bar]) {
        if let Some(slot) = self.slots.get_mut(index) {
            for bar in bars {
                slot.warm_up(bar);
            }
        }
    }

    /// Every symbol some strategy trades, sorted, without duplicates
    /// ([`symbols_of`] the strategies it was built with).
    pub fn symbols(&self) -> Vec<Symbol> {
        self.symbols.clone()
    }

    /// The portfolio (positions, PnL).
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }

    /// The order book.
    pub fn orders(&self) -> &OrderManager {
        &self.orders
    }

    /// The trading state.
    pub fn state(&self) -> TradingState {
        self.gate.state()
    }

    /// Why trading is halted, if it is.
    pub fn halt_cause(&self) -> Option<HaltCause> {
        self.gate.halt_cause()
    }

    /// The latch to persist.
    pub fn latch_snapshot(&self) -> LatchSnapshot {
        self.gate.latch_snapshot()
    }

    /// Restores a persisted latch (journal replay after a restart).
    pub fn restore_latch(&mut self, snapshot: LatchSnapshot) {
        self.gate.restore_latch(snapshot);
    }

    /// The account figures the gate uses.
    pub fn account(&self) -> AccountView {
        self.account
    }

    /// Updates net liquidation from the broker (start-of-day equity stays).
    pub fn set_net_liquidation(&mut self, net_liquidation: Decimal) {
        self.account.net_liquidation = net_liquidation;
    }

    /// Whether strategies still receive events.
    pub fn strategies_running(&self) -> bool {
        self.strategies_running
    }

    /// Stops feeding strategies (shutdown); orders already working are unaffected.
    pub fn stop_strategies(&mut self) {
        self.strategies_running = false;
    }

    /// Restores a position found at the broker (restart / reconnect).
    ///
    /// # Errors
    /// When the average cost is not positive for a non-flat position.
    pub fn restore_position(
        &mut self,
        symbol: Symbol,
        quantity: Decimal,
        average_cost: Decimal,
    ) -> Result<(), crate::domain::portfolio::PortfolioError> {
        self.portfolio
            .restore_position(symbol, quantity, average_cost)
    }

    /// Makes sure no new order reuses the sequence number of `id`, one of our
    /// orders the broker still knows (e.g. from today's executions).
    pub fn reserve_order_id(&mut self, id: ClientOrderId) {
        self.orders.reserve_past(id);
    }

    /// Adopts one of our orders found working at the broker.
    pub fn adopt_order(&mut self, found: FoundOrder) {
        self.orders.adopt(found);
    }

    /// Handles one market event that arrived at `received` (the live
    /// session's clock): as [`Engine::on_market`], and an entry decided on it
    /// is refused when the event was older than the freshness limit on
    /// arrival ([`RejectReason::StaleData`](crate::risk::RejectReason)).
    pub fn on_market_received(
        &mut self,
        event: &MarketEvent,
        received: DateTime<Utc>,
        out: &mut Output,
    ) {
        let seconds = match event {
            MarketEvent::Bar(bar) => i64::from(bar.seconds),
            _ => 0,
        };
        let limit = self
            .max_data_age
            .unwrap_or_else(|| (TimeDelta::seconds(2 * seconds)).max(MIN_DATA_AGE_LIMIT));
        self.data_age = Some(DataAge {
            age_ms: (received - event.time()).num_milliseconds(),
            limit_ms: limit.num_milliseconds(),
        });
        self.on_market(event, out);
        self.data_age = None;
    }

    /// Handles one market event at its own time (the backtest: data is
    /// never late). An event whose price the portfolio refuses as a mark is
    /// dropped: no strategy sees it.
    pub fn on_market(&mut self, event: &MarketEvent, out: &mut Output) {
        let now = event.time();
        if !self.mark(event, now, out) {
            return;
        }
        self.update_state(now, out);
        self.decide(event, now, out);
    }

    /// Market events that happened together at `now` (the backtest's bars of
    /// several symbols closing at one instant): every mark first, the latch
    /// once, then the strategies, event by event — so no decision sees
    /// another symbol's previous price, whatever order the events come in.
    /// Events whose price is refused as a mark are dropped, as in
    /// [`on_market`](Self::on_market).
    pub fn on_market_batch(
        &mut self,
        events: &[MarketEvent],
        now: DateTime<Utc>,
        out: &mut Output,
    ) {
        for event in events {
            self.mark(event, now, out);
        }
        self.update_state(now, out);
        for event in events {
            if Portfolio::is_valid_mark(event.mark()) {
                self.decide(event, now, out);
            }
        }
    }

    /// Time passed with no event (the backtest: a bar is about to open): the
    /// trading day rolls when `now` is in a new one and the latch is
    /// re-evaluated, exactly as the next event would before anything else.
    pub fn on_clock(&mut self, now: DateTime<Utc>, out: &mut Output) {
        self.update_state(now, out);
    }

    /// Hands a marked market event to every strategy that trades its symbol.
    fn decide(&mut self, event: &MarketEvent, now: DateTime<Utc>, out: &mut Output) {
        if !self.strategies_running {
            return;
        }
        for index in 0..self.slots.len() {
            let Some(delivered) = self.slots[index].accept(event) else {
                continue;
            };
            self.intents.clear();
            self.slots[index].on_event(
                &delivered,
                now,
                self.account.net_liquidation,
                &self.portfolio,
                &mut self.intents,
            );
            self.process_intents(index, now, out);
        }
    }

    /// Handles one broker event at `now`: the order book and portfolio first,
    /// then the latch (once), then the owning strategy hears of it.
    pub fn on_broker(&mut self, event: &BrokerEvent, now: DateTime<Utc>, out: &mut Output) {
        let id = event.id();
        let symbol = self.orders.get(id).map(|o| o.ticket.symbol());
        let (known, told) = self.apply_broker(event, now, out);
        if let (&BrokerEvent::Working { id }, Some(symbol)) = (event, symbol) {
            self.on_stop_working(id, symbol);
        }
        if !known {
            out.notices.push(Notice::UnknownOrder(id));
            self.halt(HaltCause::Engine, now, out);
        }
        self.update_state(now, out);
        if let Some((order, told)) = told {
            self.tell_strategy(&order, now, out, told);
        }
        if let Some(symbol) = symbol.filter(|_| self.protecting) {
            self.protect(symbol, now, out);
        }
    }

    /// Broker events that happened together at `now` (the backtest's fills
    /// at one instant, of several symbols): every event reaches the book and
    /// the portfolio first, the latch is re-evaluated once, then the owning
    /// strategies hear of them in order — so the trading state never depends
    /// on which of the simultaneous fills is applied first.
    pub fn on_broker_batch(
        &mut self,
        events: &[BrokerEvent],
        now: DateTime<Utc>,
        out: &mut Output,
    ) {
        let mut told = std::mem::take(&mut self.batch_told);
        told.clear();
        for (index, event) in events.iter().enumerate() {
            let (known, news) = self.apply_broker(event, now, out);
            if !known {
                out.notices.push(Notice::UnknownOrder(event.id()));
                self.halt(HaltCause::Engine, now, out);
            }
            if let Some((order, news)) = news {
                let amount = match news {
                    Told::Filled { remaining, .. } => remaining,
                    Told::Cancelled { unfilled } => unfilled,
                    Told::Rejected { .. } => Decimal::ZERO,
                };
                told.push((order, index, amount));
            }
        }
        self.update_state(now, out);
        for &(order, index, amount) in &told {
            let news = match &events[index] {
                BrokerEvent::Filled { fill, .. } => Told::Filled {
                    fill,
                    remaining: amount,
                },
                BrokerEvent::Cancelled { .. } => Told::Cancelled { unfilled: amount },
                &BrokerEvent::Rejected { code, .. } => Told::Rejected { code },
                _ => continue,
            };
            self.tell_strategy(&order, now, out, news);
        }
        self.batch_told = told;
        // The protection invariant, as after a single event (`on_broker`).
        if self.protecting {
            for event in events {
                let symbol = self.orders.get(event.id()).map(|o| o.ticket.symbol());
                if let Some(symbol) = symbol {
                    self.protect(symbol, now, out);
                }
            }
        }
    }

    /// Applies a broker event to the book and the portfolio; returns whether
    /// the order is known and what to tell its strategy.
    fn apply_broker<'a>(
        &mut self,
        event: &'a BrokerEvent,
        now: DateTime<Utc>,
        out: &mut Output,
    ) -> (bool, Option<(ManagedOrder, Told<'a>)>) {
        let open = |orders: &OrderManager, id| {
            orders
                .get(id)
                .copied()
                .filter(|o: &ManagedOrder| !o.state.is_terminal())
        };
        match event {
            &BrokerEvent::Working { id } => (self.orders.on_working(id), None),
            BrokerEvent::Filled { id, fill } => self.on_fill(*id, fill, now, out),
            &BrokerEvent::Commission { symbol, amount, .. } => {
                if self.portfolio.apply_commission(symbol, amount).is_err() {
                    out.notices
                        .push(Notice::CommissionRefused { symbol, amount });
                    self.halt(HaltCause::Engine, now, out);
                }
                (true, None)
            }
            &BrokerEvent::Cancelled { id } => {
                let before = open(&self.orders, id);
                let known = self.orders.on_cancelled(id);
                let told = before.map(|o| {
                    (
                        o,
                        Told::Cancelled {
                            unfilled: o.remaining(),
                        },
                    )
                });
                (known, told)
            }
            &BrokerEvent::Rejected { id, code } => {
                let before = open(&self.orders, id);
                let known = self.orders.on_rejected(id);
                self.end_children_of(id);
                if let Some(order) = before {
                    self.cancel_untransmitted_parent(&order, now, out);
                }
                (known, before.map(|o| (o, Told::Rejected { code })))
            }
            &BrokerEvent::CancelFailed { id, code } => {
                (self.on_cancel_failed(id, code, now, out), None)
            }
            BrokerEvent::Corrected { id, previous, fill } => {
                (self.on_correction(*id, previous, fill, now, out), None)
            }
        }
    }

    /// A refused entry's bracket children can never work (TWS cancels them):
    /// they end in the book too.
    fn end_children_of(&mut self, parent: ClientOrderId) {
        for child in self
            .orders
            .working_ids(|o| o.ticket.parent() == Some(parent))
        {
            self.orders.on_cancelled(child);
        }
    }

    /// A bracket is transmitted by its last leg, the take-profit: when TWS
    /// refuses that leg before acknowledging the entry, the entry and stop
    /// wait in TWS untransmitted and would never be heard of again. The
    /// entry is cancelled (its stop goes with it).
    fn cancel_untransmitted_parent(
        &mut self,
        refused: &ManagedOrder,
        now: DateTime<Utc>,
        out: &mut Output,
    ) {
        let Some(parent) = refused.ticket.parent() else {
            return;
        };
        let untransmitted = refused.ticket.id().leg() == Leg::TakeProfit
            && self
                .orders
                .get(parent)
                .is_some_and(|p| p.state == OrderState::PendingSubmit);
        if untransmitted {
            let approved = self.gate.check_cancel(now);
            if let Some(command) = self.orders.cancel(parent, approved) {
                out.commands.push(command);
            }
        }
    }

    /// A refused cancel: the order is working again; the cancel is retried
    /// up to [`CANCEL_RETRIES`] times, then trading halts (escalation: the
    /// order stays in the book, visible, and nothing new is traded).
    fn on_cancel_failed(
        &mut self,
        id: ClientOrderId,
        code: i32,
        now: DateTime<Utc>,
        out: &mut Output,
    ) -> bool {
        let Some(failures) = self.orders.on_cancel_failed(id) else {
            return self.orders.get(id).is_some();
        };
        let retrying = failures <= CANCEL_RETRIES;
        out.notices
            .push(Notice::CancelFailed { id, code, retrying });
        if retrying {
            let approved = self.gate.check_cancel(now);
            if let Some(command) = self.orders.cancel(id, approved) {
                out.commands.push(command);
            }
        } else {
            self.halt(HaltCause::Engine, now, out);
        }
        true
    }

    /// An execution correction: the portfolio replaces the earlier fill, the
    /// order's filled quantity moves by the difference. A correction the
    /// portfolio cannot apply exactly halts trading.
    fn on_correction(
        &mut self,
        id: ClientOrderId,
        previous: &Fill,
        fill: &Fill,
        now: DateTime<Utc>,
        out: &mut Output,
    ) -> bool {
        if self.orders.get(id).is_none() {
            return false;
        }
        if self.portfolio.replace_fill(previous, fill).is_err() {
            out.notices.push(Notice::BadFill(id));
            self.halt(HaltCause::Engine, now, out);
            return true;
        }
        self.orders
            .on_fill_corrected(id, fill.quantity - previous.quantity);
        true
    }

    fn on_fill<'a>(
        &mut self,
        id: ClientOrderId,
        fill: &'a Fill,
        now: DateTime<Utc>,
        out: &mut Output,
    ) -> (bool, Option<(ManagedOrder, Told<'a>)>) {
        let Some(before) = self.orders.get(id).copied() else {
            return (false, None);
        };
        if self.portfolio.apply_fill(fill).is_err() {
            out.notices.push(Notice::BadFill(id));
            self.halt(HaltCause::Engine, now, out);
            return (true, None);
        }
        self.orders.on_fill(id, fill.quantity);
        // An execution is a print: the freshest price there is for the symbol.
        self.portfolio.mark(fill.symbol, fill.price);
        if let Some(feed) = self.feeds.iter_mut().find(|f| f.symbol == fill.symbol) {
            feed.last_fill = feed.last_fill.max(fill.time);
        }
        if self.portfolio.quantity(fill.symbol).is_zero() {
            // Flat: protection left over (e.g. after a strategy exit) could only
            // open a position the other way. Where the broker enforces OCA
            // groups, the filled order's siblings (its bracket's, or the
            // bracket an exit joined) are already being cancelled by it:
            // cancelling them again only earns TWS's 10148s. A broker
            // without OCA would leave them to the engine.
            let symbol = fill.symbol;
            let oca = self
                .broker_enforces_oca
                .then(|| oca_group_of(&before.ticket))
                .flatten();
            for stale in self.orders.working_ids(|o| {
                o.ticket.symbol() == symbol
                    && o.ticket.id().leg().is_protective()
                    && (oca.is_none() || o.ticket.parent() != oca)
            }) {
                let approved = self.gate.check_cancel(now);
                if let Some(command) = self.orders.cancel(stale, approved) {
                    out.commands.push(command);
                }
            }
        }
        let remaining = (before.remaining() - fill.quantity).max(Decimal::ZERO);
        (true, Some((before, Told::Filled { fill, remaining })))
    }

    /// Marks the portfolio with the event's price, unless a later execution
    /// already priced the symbol (a bar that closed before the fill but
    /// arrived after it must not overwrite the fill price). False when the
    /// price is not a valid mark: the event must then be dropped.
    fn mark(&mut self, event: &MarketEvent, now: DateTime<Utc>, out: &mut Output) -> bool {
        let (symbol, price) = (event.symbol(), event.mark());
        let feed = self.feeds.iter_mut().find(|f| f.symbol == symbol);
        let stale = feed.as_ref().is_some_and(|f| now <= f.last_fill);
        let valid = if stale {
            Portfolio::is_valid_mark(price)
        } else {
            self.portfolio.mark(symbol, price)
        };
        let Some(feed) = feed else {
            return valid;
        };
        if !valid && !feed.refused {
            out.notices.push(Notice::MarkRefused { symbol, price });
        }
        feed.refused = !valid;
        valid
    }

    /// Reports an order outcome to the strategy that owns the order, and
    /// processes whatever it answers with.
    fn tell_strategy(
        &mut self,
        order: &ManagedOrder,
        now: DateTime<Utc>,
        out: &mut Output,
        told: Told<'_>,
    ) {
        let strategy = order.ticket.id().strategy() as usize;
        if strategy >= self.slots.len() || !self.strategies_running {
            return;
        }
        let intent = intent_of(order);
        let reason;
        let outcome = match told {
            Told::Filled { fill, remaining } => OrderOutcome::Filled {
                intent: &intent,
                fill,
                remaining,
            },
            Told::Cancelled { unfilled } => OrderOutcome::Cancelled {
                intent: &intent,
                unfilled,
            },
            Told::Rejected { code } => {
                reason = BrokerCode(code);
                OrderOutcome::Rejected {
                    intent: &intent,
                    by: RejectedBy::Broker,
                    reason: &reason,
                }
            }
        };
        self.intents.clear();
        self.slots[strategy].on_outcome(
            &outcome,
            now,
            self.account.net_liquidation,
            &self.portfolio,
            &mut self.intents,
        );
        self.process_intents(strategy, now, out);
    }

    /// Runs the slot's fresh intents through the gate; rejections go back to
    /// the strategy, which may answer (bounded rounds).
    fn process_intents(&mut self, index: usize, now: DateTime<Utc>, out: &mut Output) {
        let id = self.slots[index].id();
        let day = match self.clock.today() {
            Some(day) if now < self.clock.ends() => day,
            _ => trading_day(now),
        };
        for _round in 0..MAX_FEEDBACK_ROUNDS {
            if self.intents.overflowed() > 0 {
                out.notices.push(Notice::IntentsDropped {
                    strategy: id,
                    count: self.intents.overflowed(),
                });
            }
            if self.intents.is_empty() {
                return;
            }
            let mut rejected: [Option<Rejected>; crate::strategy::INTENT_CAPACITY] =
                [None; crate::strategy::INTENT_CAPACITY];
            for (i, intent) in self.intents.as_slice().iter().enumerate() {
                // A strategy can only speak for itself.
                let intent = OrderIntent {
                    strategy: id,
                    ..*intent
                };
                let view = RiskView {
                    portfolio: &self.portfolio,
                    account: self.account,
                    orders: &self.orders,
                    data_age: self.data_age,
                };
                match self.gate.check_upkept(&intent, &view, now) {
                    Decision::Approved(approved) => {
                        out.notices.push(Notice::Approved(intent));
                        let command = self.orders.submit(approved, day);
                        out.commands.push(command);
                    }
                    Decision::Rejected(refusal) => {
                        out.notices.push(Notice::Rejected(refusal));
                        if let Some(slot) = rejected.get_mut(i) {
                            *slot = Some(refusal);
                        }
                    }
                }
            }
            self.intents.clear();
            for refusal in rejected.iter().flatten() {
                let outcome = OrderOutcome::Rejected {
                    intent: &refusal.intent,
                    by: RejectedBy::RiskGate,
                    reason: &refusal.reason,
                };
                self.slots[index].on_outcome(
                    &outcome,
                    now,
                    self.account.net_liquidation,
                    &self.portfolio,
                    &mut self.intents,
                );
            }
        }
        self.intents.clear();
    }

    /// On the first event of a new New York trading day, the day's baseline
    /// for the daily-loss limit becomes the equity and PnL at that moment. The
    /// first event the engine ever sees only records the day: the baseline of
    /// the day it starts in comes from its configuration (the journal keeps it
    /// across restarts). A roll is announced as [`Notice::DayStarted`].
    fn roll_day(&mut self, now: DateTime<Utc>, out: &mut Output) {
        // Only forward: an event stamped before the current day stays in it.
        if now < self.clock.ends() {
            return;
        }
        let first = self.clock.today().is_none();
        let today = self.clock.day(now);
        if !first {
            let equity = self.account.net_liquidation;
            if equity > Decimal::ZERO {
                self.account.start_of_day_equity = equity;
            }
            self.account.start_of_day_pnl = self.portfolio.net_pnl();
            out.notices.push(Notice::DayStarted {
                day: today,
                start_equity: self.account.start_of_day_equity,
            });
        }
    }

    /// Re-evaluates the latch (daily loss, new day) and reacts to a change:
    /// the gate's upkeep, run exactly once per event, before any strategy
    /// speaks (so the gate's checks of that event need not repeat it).
    fn update_state(&mut self, now: DateTime<Utc>, out: &mut Output) {
        self.roll_day(now, out);
        let view = RiskView {
            portfolio: &self.portfolio,
            account: self.account,
            orders: &self.orders,
            data_age: None,
        };
        if let Some(change) = self.gate.on_mark_update(&view, now) {
            out.notices.push(Notice::StateChanged(change));
            if change.to == TradingState::Halted {
                self.on_halted(now, out);
            }
        }
    }

    /// The trading day of `now` (America/New_York).
    pub fn trading_day(now: DateTime<Utc>) -> NaiveDate {
        trading_day(now)
    }
}

/// The intent an order was made from (for strategy callbacks).
/// The OCA group a filled order belonged to, named by its bracket's entry:
/// an exit that joined a bracket's group, or a bracket's own stop/target.
fn oca_group_of(ticket: &OrderTicket) -> Option<ClientOrderId> {
    ticket.oca_with().or_else(|| {
        ticket
            .parent()
            .filter(|_| ticket.id().leg().is_protective())
    })
}

fn intent_of(order: &ManagedOrder) -> OrderIntent {
    let t = &order.ticket;
    OrderIntent {
        strategy: StrategyId(t.id().strategy()),
        symbol: t.symbol(),
        side: t.side(),
        quantity: t.quantity(),
        kind: t.kind(),
        purpose: if t.id().leg() == Leg::Entry {
            IntentPurpose::Entry
        } else {
            IntentPurpose::Exit
        },
    }
}

/// What the engine remembers about one symbol's market data.
#[derive(Debug, Clone, Copy)]
struct Feed {
    symbol: Symbol,
    /// Time of the latest execution: older market data must not replace its price.
    last_fill: DateTime<Utc>,
    /// The latest event's price was refused (and said so once).
    refused: bool,
    /// Repairs of the current position's protection ([`Engine::protect`]).
    repairs: Repairs,
    /// The position is not the bot's ([`Engine::leave_alone`]).
    left_alone: bool,
}

/// What the engine has tried for one position's protection; all reset when
/// the position is flat.
#[derive(Debug, Clone, Copy, Default)]
struct Repairs {
    /// Stops placed since one was last acknowledged as working by the broker.
    unacknowledged: u8,
    /// Stops placed for this position in all.
    total: u8,
    /// A close at market was sent.
    closing: bool,
    /// Neither could be sent: said once, trading halted.
    gave_up: bool,
}

impl Feed {
    fn new(symbol: Symbol) -> Self {
        Self {
            symbol,
            last_fill: DateTime::<Utc>::MIN_UTC,
            refused: false,
            repairs: Repairs::default(),
            left_alone: false,
        }
    }
}

/// What happened to an order, before it is turned into an [`OrderOutcome`].
enum Told<'a> {
    Filled { fill: &'a Fill, remaining: Decimal },
    Cancelled { unfilled: Decimal },
    Rejected { code: i32 },
}

/// An IB error code as a printable rejection reason.
struct BrokerCode(i32);

impl std::fmt::Display for BrokerCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rejected by the broker (IB error {})", self.0)
    }
}

mod safety;

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
