//! [`FillModel`]: the backtest's broker. It takes the orders the engine sends
//! and, bar by bar, produces the broker events TWS would: `Working`, `Filled`
//! (commission included), `Cancelled`, `Rejected`. It is deterministic: the
//! same orders and bars always give the same events in the same order.
//!
//! # Rules
//! * An order trades only on bars of its symbol that start at or after the
//!   time it was placed, so a decision made on a bar's close can never fill
//!   inside that same bar.
//! * **Market** orders fill at the next bar's open, moved against the trader
//!   by the configured [`Slippage`].
//! * **Limit** orders fill at the open when the bar opens at or beyond the
//!   limit (a gap in the order's favour), else at the limit when the bar's
//!   range trades through it ([`LimitFill::TradeThrough`], default) or
//!   touches it ([`LimitFill::Touch`]). Limit fills never slip.
//! * **Stop** orders trigger when the range touches the stop and fill at the
//!   stop, or at the open when the bar gaps through it (against the trader),
//!   then slip like market orders. **Stop-limit** orders trigger the same way
//!   and fill at the trigger price when that is within the limit; otherwise
//!   they rest as a plain limit from the next bar on.
//! * Bracket children are held until their parent fills, then become active.
//!   **OCA groups** work as at TWS (and in `tws-sim`), for every order: the
//!   two children are one group, named by their entry, and a strategy exit of
//!   exactly what a bracket protects joins that group
//!   ([`OrderSpec::oca_with`]). When one member fills, every other member is
//!   cancelled at once, before anything else trades — so a stop and an exit
//!   that both trigger at the same gapped open fill once, not twice.
//!   Cancelling a parent cancels its held children.
//! * **A bar has two halves.** [`FillModel::on_bar_open`] executes what
//!   trades at the open (market orders, and stops/limits the open gaps
//!   through); [`FillModel::on_bar_range`] then executes what the range
//!   reaches. In between, the engine may react to the open's fills — e.g.
//!   cancel the protective stop of a position a strategy exit just closed —
//!   as it would live, where the open prints long before the bar's low.
//! * **Pessimistic ordering inside a bar.** A bar's path between open and
//!   close is unknown, so whenever the order of events matters the outcome
//!   worse for the trader is assumed: within the range, every stop goes
//!   before every limit. Hence when one
//!   bar crosses both the stop-loss and the take-profit of a bracket, **the
//!   stop-loss fills** and the take-profit is cancelled. When a parent fills
//!   *inside* a bar (a limit or stop entry), its stop-loss is checked against
//!   the same bar from the entry price on, but its take-profit only from the
//!   next bar (the bar's high may have come before the entry). A parent filled
//!   at the open activates both children for the whole bar.
//! * Quantities fill completely in one execution (no partial fills, no volume
//!   limit). Fills are stamped with the start of the bar they happen in.
//! * Orders with a quantity or price ≤ 0, or a price with more than 8
//!   decimal places, are rejected with IB's code 201 (a bracket is rejected
//!   as a whole); an id already working is rejected with code 103 (IB's
//!   "duplicate order id"). Prices are compared in exact fixed point; a bar
//!   with a price beyond 8 places (the CSV loader refuses those) trades
//!   nothing.
//!
//! In steady state nothing allocates: resting orders live in one `Vec` that is
//! compacted in place, and events go to the caller's buffer.

#[cfg(test)]
#[path = "fill_model_bracket_tests.rs"]
mod bracket_tests;
mod config;
mod rules;
#[cfg(test)]
#[path = "fill_model_tests.rs"]
mod tests;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::core::event::BrokerEvent;
use crate::core::order_manager::{Command, OrderTicket};
use crate::domain::money::Figure;
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::{Bar, Fill, OrderKind, Side, Symbol};

pub use config::{Commission, FillConfig, LimitFill, Slippage};

use rules::{outcome, pass_of, Outcome, Pricing, Range};

use crate::broker::codes::{
    DUPLICATE_ORDER_ID as CODE_DUPLICATE_ID, ORDER_REJECTED as CODE_REJECTED,
};

/// What the fill model needs to know about one order (the fields of the
/// order manager's `OrderTicket`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderSpec {
    /// Our id.
    pub id: ClientOrderId,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Shares (> 0).
    pub quantity: Decimal,
    /// Pricing.
    pub kind: OrderKind,
    /// Bracket parent; the order is held until the parent fills.
    pub parent: Option<ClientOrderId>,
    /// For a stand-alone order (a strategy exit): the bracket entry whose OCA
    /// group it joins, as [`OrderTicket::oca_with`].
    pub oca_with: Option<ClientOrderId>,
}

impl OrderSpec {
    /// The OCA group the order belongs to, named by its bracket's entry: a
    /// bracket child's parent, or the entry an exit joined — the same group
    /// the TWS edge sends (`broker::tws::orders::oca_group`).
    fn oca_group(&self) -> Option<ClientOrderId> {
        self.oca_with.or(self.parent)
    }
}

impl From<&OrderTicket> for OrderSpec {
    fn from(t: &OrderTicket) -> Self {
        Self {
            id: t.id(),
            symbol: t.symbol(),
            side: t.side(),
            quantity: t.quantity(),
            kind: t.kind(),
            parent: t.parent(),
            oca_with: t.oca_with(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// A bracket child waiting for its parent's fill.
    Held,
    /// Can trade.
    Active,
    /// Filled or cancelled; removed at the next compaction.
    Done,
}

#[derive(Debug, Clone, Copy)]
struct Resting {
    spec: OrderSpec,
    /// Current pricing, in fixed point: a triggered stop-limit that could not
    /// fill becomes a limit.
    kind: Pricing,
    status: Status,
    placed_at: DateTime<Utc>,
    /// Already evaluated (or not eligible) during the current bar.
    seen: bool,
}

/// The deterministic simulated broker. See the module docs for the rules.
#[derive(Debug, Clone)]
pub struct FillModel {
    config: FillConfig,
    orders: Vec<Resting>,
}

impl FillModel {
    /// A broker with no orders.
    pub fn new(config: FillConfig) -> Self {
        Self {
            config,
            orders: Vec::with_capacity(16),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &FillConfig {
        &self.config
    }

    /// Orders working or held, in placement order.
    pub fn open_orders(&self) -> impl Iterator<Item = &OrderSpec> {
        self.orders
            .iter()
            .filter(|o| o.status != Status::Done)
            .map(|o| &o.spec)
    }

    /// Carries out one engine command issued at `now`, pushing the broker's
    /// immediate answers (`Working`, `Rejected`, `Cancelled`) to `out`.
    pub fn submit(&mut self, command: &Command, now: DateTime<Utc>, out: &mut Vec<BrokerEvent>) {
        match command {
            Command::PlaceBracket {
                entry,
                stop_loss,
                take_profit,
            } => self.place_bracket(
                [entry.into(), stop_loss.into(), take_profit.into()],
                now,
                out,
            ),
            Command::Place(ticket) => self.place(ticket.into(), now, out),
            Command::Cancel(id) => self.cancel(*id, out),
            Command::CancelAll => self.cancel_all(out),
        }
    }

    /// Accepts one order placed at `now`: pushes `Working`, or `Rejected` when
    /// it is invalid or its id is already working. A child whose parent is
    /// working is held until the parent fills; otherwise it is active at once.
    pub fn place(&mut self, spec: OrderSpec, now: DateTime<Utc>, out: &mut Vec<BrokerEvent>) {
        match self.check(&spec) {
            Ok(kind) => self.accept(spec, kind, now, out),
            Err(code) => out.push(BrokerEvent::Rejected { id: spec.id, code }),
        }
    }

    /// Accepts a bracket (entry, protective stop, take-profit) as a whole, or
    /// rejects all three legs when any is invalid.
    pub fn place_bracket(
        &mut self,
        legs: [OrderSpec; 3],
        now: DateTime<Utc>,
        out: &mut Vec<BrokerEvent>,
    ) {
        let kinds = legs.map(|leg| self.check(&leg));
        if let Some(&Err(code)) = kinds.iter().find(|k| k.is_err()) {
            for leg in legs {
                out.push(BrokerEvent::Rejected { id: leg.id, code });
            }
            return;
        }
        for (leg, kind) in legs.into_iter().zip(kinds) {
            if let Ok(kind) = kind {
                self.accept(leg, kind, now, out);
            }
        }
    }

    /// Cancels a working or held order and the children it holds. Unknown or
    /// finished ids are ignored (as IB does, apart from an error message).
    pub fn cancel(&mut self, id: ClientOrderId, out: &mut Vec<BrokerEvent>) {
        let mut found = false;
        for o in &mut self.orders {
            let hit = o.spec.id == id || (found && o.spec.parent == Some(id));
            if hit && o.status != Status::Done {
                o.status = Status::Done;
                out.push(BrokerEvent::Cancelled { id: o.spec.id });
                found = true;
            }
        }
        self.compact();
    }

    /// Cancels everything working or held, in placement order.
    pub fn cancel_all(&mut self, out: &mut Vec<BrokerEvent>) {
        for o in &mut self.orders {
            if o.status != Status::Done {
                o.status = Status::Done;
                out.push(BrokerEvent::Cancelled { id: o.spec.id });
            }
        }
        self.compact();
    }

    /// Trades every eligible order of `bar.symbol` against the whole of `bar`:
    /// [`on_bar_open`](Self::on_bar_open) then [`on_bar_range`](Self::on_bar_range)
    /// with no reaction in between.
    pub fn on_bar(&mut self, bar: &Bar, out: &mut Vec<BrokerEvent>) {
        self.on_bar_open(bar, out);
        self.on_bar_range(bar, out);
    }

    /// First half of a bar: fills every eligible order of `bar.symbol` that
    /// executes at the bar's open (market orders; stops and limits the open
    /// gaps through), in placement order. The caller may let the engine react
    /// (e.g. cancel protection after an exit) before
    /// [`on_bar_range`](Self::on_bar_range); orders placed in between trade
    /// from the next bar on.
    pub fn on_bar_open(&mut self, bar: &Bar, out: &mut Vec<BrokerEvent>) {
        // Only this symbol's orders: another symbol's bar may be between
        // its open and its range (a step of several symbols).
        for o in &mut self.orders {
            if o.spec.symbol == bar.symbol {
                o.seen = o.status != Status::Active || bar.start < o.placed_at;
            }
        }
        // A bar the model cannot read exactly (a price beyond 8 places)
        // trades nothing.
        let Some(range) = Range::of(bar) else {
            return;
        };
        // The open alone: a bar whose whole range is its first price.
        let open_only = range.open_only();
        for i in 0..self.orders.len() {
            let o = &self.orders[i];
            if !o.seen && o.status == Status::Active && o.spec.symbol == bar.symbol {
                self.evaluate(i, open_only, bar, false, out);
            }
        }
    }

    /// Second half of a bar: stops, then limits, that the bar's range reaches
    /// (pessimistic order, see the module docs). Call after
    /// [`on_bar_open`](Self::on_bar_open) for the same bar; the opens of
    /// other symbols' bars may come in between.
    pub fn on_bar_range(&mut self, bar: &Bar, out: &mut Vec<BrokerEvent>) {
        let Some(range) = Range::of(bar) else {
            return;
        };
        for pass in 1..3u8 {
            for i in 0..self.orders.len() {
                let o = &self.orders[i];
                if o.seen
                    || o.status != Status::Active
                    || o.spec.symbol != bar.symbol
                    || pass_of(&o.kind) != pass
                {
                    continue;
                }
                self.evaluate(i, range, bar, true, out);
            }
        }
        self.compact();
    }

    /// The order's pricing in fixed point, or the code IB would reject it
    /// with.
    fn check(&self, spec: &OrderSpec) -> Result<Pricing, i32> {
        let kind = Pricing::of(&spec.kind).ok_or(CODE_REJECTED)?; // beyond 8 places
        let prices_ok = match kind {
            Pricing::Market => true,
            Pricing::Limit(limit) => limit.is_positive(),
            Pricing::Stop(stop) => stop.is_positive(),
            Pricing::StopLimit { stop, limit } => stop.is_positive() && limit.is_positive(),
        };
        if spec.quantity <= Decimal::ZERO || !prices_ok {
            return Err(CODE_REJECTED);
        }
        let duplicate = self
            .orders
            .iter()
            .any(|o| o.status != Status::Done && o.spec.id == spec.id);
        if duplicate {
            return Err(CODE_DUPLICATE_ID);
        }
        Ok(kind)
    }

    fn accept(
        &mut self,
        spec: OrderSpec,
        kind: Pricing,
        now: DateTime<Utc>,
        out: &mut Vec<BrokerEvent>,
    ) {
        let parent_working = spec.parent.is_some_and(|p| {
            self.orders
                .iter()
                .any(|o| o.spec.id == p && o.status != Status::Done)
        });
        self.orders.push(Resting {
            spec,
            kind,
            status: if parent_working {
                Status::Held
            } else {
                Status::Active
            },
            placed_at: now,
            seen: true,
        });
        out.push(BrokerEvent::Working { id: spec.id });
    }

    /// Evaluates order `i` against `range` (part of `bar`); it counts as seen
    /// for this bar when `final_look` or when it traded.
    fn evaluate(
        &mut self,
        i: usize,
        range: Range,
        bar: &Bar,
        final_look: bool,
        out: &mut Vec<BrokerEvent>,
    ) {
        let o = self.orders[i];
        let outcome = outcome(&o.kind, o.spec.side, &range, self.config.limit_fill);
        self.orders[i].seen = final_look || !matches!(outcome, Outcome::Nothing);
        match outcome {
            Outcome::Nothing => {}
            Outcome::BecomesLimit(limit) => self.orders[i].kind = Pricing::Limit(limit),
            Outcome::Fill {
                price,
                at_open,
                slips,
            } => self.fill(i, price, at_open, slips, (range, bar), out),
        }
    }

    fn fill(
        &mut self,
        i: usize,
        raw: Figure,
        at_open: bool,
        slips: bool,
        (range, bar): (Range, &Bar),
        out: &mut Vec<BrokerEvent>,
    ) {
        let config = self.config;
        let o = &mut self.orders[i];
        o.status = Status::Done;
        let spec = o.spec;
        let price = if slips {
            config
                .slippage
                .apply(spec.side, raw.to_decimal(), config.tick_size)
        } else {
            raw.to_decimal()
        };
        out.push(BrokerEvent::Filled {
            id: spec.id,
            fill: Fill {
                symbol: spec.symbol,
                side: spec.side,
                quantity: spec.quantity,
                price,
                commission: config.commission.charge(spec.quantity, price),
                time: bar.start,
            },
        });
        // OCA (IB's type 1, "cancel with block"): the other members of a
        // filled order's group are cancelled — its bracket sibling, and an
        // exit that joined the bracket (or the bracket an exit joined).
        if let Some(group) = spec.oca_group() {
            for s in &mut self.orders {
                if s.spec.oca_group() == Some(group) && s.status != Status::Done {
                    s.status = Status::Done;
                    out.push(BrokerEvent::Cancelled { id: s.spec.id });
                }
            }
        }
        // Children of a filled parent become active. Filled at the open, the
        // parent was in place for the whole bar, so its children see the bar
        // like any order (stops before limits). Filled inside the bar, only
        // its stop is checked now, from the entry price on; the target waits
        // for the next bar.
        let mut has_children = false;
        for c in &mut self.orders {
            if c.spec.parent == Some(spec.id) && c.status == Status::Held {
                c.status = Status::Active;
                c.seen = !at_open;
                has_children = true;
            }
        }
        if !has_children || at_open {
            return;
        }
        for j in 0..self.orders.len() {
            let c = &self.orders[j];
            if c.spec.parent == Some(spec.id) && c.status == Status::Active && pass_of(&c.kind) == 1
            {
                self.evaluate(j, range.from(raw), bar, true, out);
            }
        }
    }

    fn compact(&mut self) {
        self.orders.retain(|o| o.status != Status::Done);
    }
}
