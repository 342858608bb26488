//! [`Scripted`]: a test strategy with a fixed plan, and [`Probe`], what it saw
//! (the bot's own position at every bar, fills, rejections), shared with the test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use first_trading_app::domain::types::{Fill, IntentPurpose, MarketEvent, OrderKind, Side, Symbol};
use first_trading_app::strategy::{Intents, OrderOutcome, Strategy, StrategyContext};
use rust_decimal::Decimal;

/// What the strategy observed, readable by the test while the session runs.
#[derive(Debug, Default)]
pub struct Probe {
    /// Bars delivered to the strategy.
    pub bars: AtomicUsize,
    /// Intents the strategy pushed.
    pub attempts: AtomicUsize,
    /// The bot's position in the symbol at the latest call (its own accounting).
    pub position: Mutex<Decimal>,
    /// Close of the latest bar.
    pub last_close: Mutex<Option<Decimal>>,
    /// Every fill reported to the strategy (entries and protective exits).
    pub fills: Mutex<Vec<Fill>>,
    /// Every rejection reason (risk gate or broker), in order.
    pub rejections: Mutex<Vec<String>>,
    /// When each bar delivered ended (when the strategy decided on it).
    pub bar_ends: Mutex<Vec<DateTime<Utc>>>,
}

impl Probe {
    /// The bot's position as the strategy last saw it.
    pub fn position(&self) -> Decimal {
        *self.position.lock().unwrap()
    }

    /// Bars seen so far.
    pub fn bars(&self) -> usize {
        self.bars.load(Ordering::SeqCst)
    }

    /// Intents pushed so far.
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// Rejection reasons so far.
    pub fn rejections(&self) -> Vec<String> {
        self.rejections.lock().unwrap().clone()
    }

    /// Fills so far.
    pub fn fills(&self) -> Vec<Fill> {
        self.fills.lock().unwrap().clone()
    }

    /// The ends of the bars delivered so far.
    pub fn bar_ends(&self) -> Vec<DateTime<Utc>> {
        self.bar_ends.lock().unwrap().clone()
    }
}

/// Buys `entry_quantity` at market on a bar while flat and no entry is in
/// flight, until `max_entries` entries have filled (a rejected or cancelled
/// entry is retried on the next bar). With `add_below = Some((trigger, qty))`,
/// once an entry has filled, every bar closing below `trigger` also tries to
/// buy `qty` more; with `keep_adding`, every bar after the first such bar does.
pub struct Scripted {
    symbols: [Symbol; 1],
    entry_quantity: Decimal,
    max_entries: usize,
    entry_kind: OrderKind,
    bar_seconds: u32,
    warmup: usize,
    add_below: Option<(Decimal, Decimal)>,
    keep_adding: bool,
    dropped: bool,
    entries_filled: usize,
    pending: bool,
    probe: Arc<Probe>,
}

impl Scripted {
    /// A plan of `max_entries` entries of `entry_quantity` shares of `symbol`.
    pub fn new(symbol: &str, entry_quantity: Decimal, max_entries: usize) -> (Self, Arc<Probe>) {
        let probe = Arc::new(Probe::default());
        (
            Self {
                symbols: [Symbol::new(symbol).unwrap()],
                entry_quantity,
                max_entries,
                entry_kind: OrderKind::Market,
                bar_seconds: 5,
                warmup: 0,
                add_below: None,
                keep_adding: false,
                dropped: false,
                entries_filled: 0,
                pending: false,
                probe: Arc::clone(&probe),
            },
            probe,
        )
    }

    /// Also keep buying `quantity` on every bar below `trigger` after the first fill.
    pub fn adding_below(mut self, trigger: Decimal, quantity: Decimal) -> Self {
        self.add_below = Some((trigger, quantity));
        self
    }

    /// Like [`adding_below`](Self::adding_below), but once a bar closed below
    /// `trigger`, every later bar tries to buy `quantity` whatever its price.
    pub fn adding_after_drop_below(mut self, trigger: Decimal, quantity: Decimal) -> Self {
        self.add_below = Some((trigger, quantity));
        self.keep_adding = true;
        self
    }

    /// Enter with a limit order at `limit` (a DAY order) instead of at market.
    pub fn limit_at(mut self, limit: Decimal) -> Self {
        self.entry_kind = OrderKind::Limit { limit };
        self
    }

    /// Decide on bars of `seconds` (default 5: every real-time bar; 86 400:
    /// one bar per session).
    pub fn with_bar_seconds(mut self, seconds: u32) -> Self {
        self.bar_seconds = seconds;
        self
    }

    /// Also ask for `bars` bars of history at start (the session's warm-up).
    pub fn warming_up(mut self, bars: usize) -> Self {
        self.warmup = bars;
        self
    }

    /// Boxed for the session.
    pub fn boxed(self) -> Box<dyn Strategy> {
        Box::new(self)
    }

    fn buy(&self, ctx: &StrategyContext<'_>, quantity: Decimal, out: &mut Intents) {
        let intent = ctx.intent(
            self.symbols[0],
            Side::Buy,
            quantity,
            self.entry_kind,
            IntentPurpose::Entry,
        );
        if out.push(intent).is_ok() {
            self.probe.attempts.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Strategy for Scripted {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        self.bar_seconds
    }

    fn warmup_bars(&self) -> usize {
        self.warmup
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let MarketEvent::Bar(bar) = event else {
            return;
        };
        let position = ctx.position(self.symbols[0]);
        *self.probe.position.lock().unwrap() = position;
        *self.probe.last_close.lock().unwrap() = Some(bar.close);
        self.probe.bar_ends.lock().unwrap().push(bar.end());
        self.probe.bars.fetch_add(1, Ordering::SeqCst);
        if let Some((trigger, quantity)) = self.add_below {
            if self.entries_filled > 0 && bar.close < trigger {
                self.dropped = true;
            }
            if self.dropped && (self.keep_adding || bar.close < trigger) {
                self.buy(ctx, quantity, out);
            }
        }
        if position.is_zero() && !self.pending && self.entries_filled < self.max_entries {
            self.pending = true;
            self.buy(ctx, self.entry_quantity, out);
        }
    }

    fn on_order_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        ctx: &StrategyContext<'_>,
        _out: &mut Intents,
    ) {
        *self.probe.position.lock().unwrap() = ctx.position(self.symbols[0]);
        let entry = outcome.intent().purpose == IntentPurpose::Entry;
        match outcome {
            OrderOutcome::Filled {
                fill, remaining, ..
            } => {
                self.probe.fills.lock().unwrap().push(**fill);
                if entry && remaining.is_zero() && self.pending {
                    self.pending = false;
                    self.entries_filled += 1;
                }
            }
            OrderOutcome::Rejected { reason, .. } => {
                self.probe
                    .rejections
                    .lock()
                    .unwrap()
                    .push(reason.to_string());
                if entry {
                    self.pending = false;
                }
            }
            OrderOutcome::Cancelled { .. } => {
                if entry {
                    self.pending = false;
                }
            }
        }
    }
}
