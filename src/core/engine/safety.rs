//! The engine's safety actions: operator reset, reduce-only, halt (and what
//! a halt cancels), cancel-all, re-protection of unprotected positions, and
//! flattening. Must never place or cancel anything around the risk gate:
//! every order they create is checked, every cancel carries its approval.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::risk::Approved;

impl Engine {
    /// The operator's explicit reset of the latch back to ACTIVE (a daily loss
    /// still beyond the limit halts again at the next mark).
    pub fn operator_reset(&mut self, out: &mut Output) {
        if let Some(change) = self.gate.operator_reset() {
            out.notices.push(Notice::StateChanged(change));
        }
    }

    /// Halts trading: working entries and exits are cancelled, protective
    /// stops and targets stay; with `flatten_on_daily_loss` on a daily-loss
    /// halt, every position is also closed.
    pub fn halt(&mut self, cause: HaltCause, now: DateTime<Utc>, out: &mut Output) {
        if let Some(change) = self.gate.halt(cause, now) {
            out.notices.push(Notice::StateChanged(change));
            self.on_halted(now, out);
        }
    }

    /// Operator: only exposure-reducing orders from now on. Latches REDUCING
    /// (from ACTIVE only: HALTED stays HALTED), announces it as
    /// [`Notice::StateChanged`] for the journal, and cancels working entries
    /// (their protective children go with them at the broker). Like a
    /// daily-loss halt, REDUCING lasts for the rest of the New York trading
    /// day (a restart the same day restores it from the journal) and clears
    /// on the next one, or on an operator reset.
    pub fn reduce_only(&mut self, now: DateTime<Utc>, out: &mut Output) {
        if let Some(change) = self.gate.set_reducing(now) {
            out.notices.push(Notice::StateChanged(change));
            self.cancel_entries(now, out);
        }
    }

    pub(super) fn on_halted(&mut self, now: DateTime<Utc>, out: &mut Output) {
        self.cancel_entries(now, out);
        if self.gate.flatten_on_daily_loss()
            && matches!(self.gate.halt_cause(), Some(HaltCause::DailyLoss(_)))
        {
            self.flatten_all(now, out);
        }
    }

    /// Cancels the bot's working entries (their protective children go with
    /// them at the broker). Stops that protect a filled position stay: the
    /// bot never leaves a position of its own without one.
    pub fn cancel_entries(&mut self, now: DateTime<Utc>, out: &mut Output) {
        for id in self
            .orders
            .working_ids(|o| o.ticket.id().leg() == Leg::Entry)
        {
            let approved = self.gate.check_cancel(now);
            if let Some(command) = self.orders.cancel(id, approved) {
                out.commands.push(command);
            }
        }
    }

    /// `symbol`'s position is not the bot's (TWS holds what its journal
    /// cannot explain): the engine never protects, closes or flattens it;
    /// only an operator who takes it over (a restart with
    /// `--operator-reset`) makes it the bot's again.
    pub fn leave_alone(&mut self, symbol: Symbol) {
        if let Some(feed) = self.feeds.iter_mut().find(|f| f.symbol == symbol) {
            feed.left_alone = true;
        }
    }

    /// Whether `symbol`'s position is one the bot leaves alone ([`Engine::leave_alone`]).
    pub fn is_left_alone(&self, symbol: Symbol) -> bool {
        self.feeds
            .iter()
            .any(|f| f.symbol == symbol && f.left_alone)
    }

    /// Ends the repair of protection for good (a read-only session sends
    /// nothing; an emergency shutdown cancels the stops on purpose).
    pub fn stop_protecting(&mut self) {
        self.protecting = false;
    }

    /// Emergency: cancels every working order of ours, one cancel per order.
    /// Never IB's global cancel: that would also cancel orders that are not
    /// ours (other clients', typed into TWS by hand).
    /// Also ends the repair of protection ([`Engine::protect`]): the
    /// cancelled stops are meant to be gone, and the shutdown decides what
    /// happens to the positions.
    pub fn cancel_all(&mut self, now: DateTime<Utc>, out: &mut Output) {
        self.protecting = false;
        for id in self.orders.working_ids(|_| true) {
            let approved = self.gate.check_cancel(now);
            if let Some(command) = self.orders.cancel(id, approved) {
                out.commands.push(command);
            }
        }
    }

    /// Protects every open position (after a restart, e.g. when the last
    /// shutdown cancelled its bracket): [`Engine::protect`] for each.
    pub fn protect_positions(&mut self, now: DateTime<Utc>, out: &mut Output) {
        let symbols: Vec<Symbol> = self
            .portfolio
            .open_positions()
            .map(|p| p.symbol())
            .collect();
        for symbol in symbols {
            self.protect(symbol, now, out);
        }
    }

    /// The protection invariant for one symbol: a position of ours is
    /// covered by working stops of ours (or a market exit in flight) for its
    /// whole quantity. When it is not (a stop rejected, cancelled from
    /// outside, gone at the broker, or a fill changed the quantity), the
    /// uncovered quantity gets a stand-alone GTC stop `stop_loss_pct` from
    /// the average cost, through the gate's reduce-only path. After
    /// [`STOP_REPAIRS`] stops in a row that the broker refused or removed
    /// before acknowledging one (or [`MAX_STOP_REPAIRS`] in all for the
    /// position) it is closed at market instead; when that cannot be done
    /// either, trading halts with [`Notice::Unprotected`]`{ repair:
    /// Repair::Impossible }`, once.
    pub fn protect(&mut self, symbol: Symbol, now: DateTime<Utc>, out: &mut Output) {
        let quantity = self.portfolio.quantity(symbol);
        let Some(feed) = self.feeds.iter().position(|f| f.symbol == symbol) else {
            return;
        };
        if self.feeds[feed].left_alone {
            return;
        }
        if quantity.is_zero() {
            self.feeds[feed].repairs = Repairs::default();
            return;
        }
        let side = if quantity > Decimal::ZERO {
            Side::Sell
        } else {
            Side::Buy
        };
        let uncovered = quantity.abs() - self.covered(symbol, side);
        if uncovered <= Decimal::ZERO {
            return;
        }
        let tried = self.feeds[feed].repairs;
        let unprotected = |repair| Notice::Unprotected {
            symbol,
            uncovered,
            repair,
        };
        let stop_allowed = tried.unacknowledged < STOP_REPAIRS && tried.total < MAX_STOP_REPAIRS;
        if stop_allowed && self.place_stop(symbol, side, uncovered, now, out) {
            let repairs = &mut self.feeds[feed].repairs;
            repairs.unacknowledged += 1;
            repairs.total += 1;
            out.notices.push(unprotected(Repair::Stop));
        } else if !tried.closing && self.close(symbol, side, uncovered, now, out) {
            self.feeds[feed].repairs.closing = true;
            out.notices.push(unprotected(Repair::Close));
        } else if !tried.gave_up {
            self.feeds[feed].repairs.gave_up = true;
            out.notices.push(unprotected(Repair::Impossible));
            self.halt(HaltCause::Engine, now, out);
        }
    }

    /// A stop of ours on `symbol` is working at the broker: the refusals in a
    /// row are over.
    pub(super) fn on_stop_working(&mut self, id: ClientOrderId, symbol: Symbol) {
        let is_stop = self.orders.get(id).is_some_and(|o| {
            matches!(
                o.ticket.kind(),
                OrderKind::Stop { .. } | OrderKind::StopLimit { .. }
            )
        });
        if let Some(feed) = self.feeds.iter_mut().find(|f| f.symbol == symbol) {
            if is_stop {
                feed.repairs.unacknowledged = 0;
            }
        }
    }

    /// What covers a position from `side`: working stops of ours, plus
    /// market exits in flight (a strategy's exit, a flatten).
    fn covered(&self, symbol: Symbol, side: Side) -> Decimal {
        self.orders
            .open_orders()
            .filter(|o| o.ticket.symbol() == symbol && o.ticket.side() == side)
            .filter(|o| match o.ticket.kind() {
                OrderKind::Stop { .. } | OrderKind::StopLimit { .. } => true,
                OrderKind::Market => matches!(o.ticket.id().leg(), Leg::Exit | Leg::Flatten),
                _ => false,
            })
            .map(ManagedOrder::remaining)
            .sum()
    }

    /// A stand-alone protective stop for `quantity`, priced `stop_loss_pct`
    /// from the average cost on the symbol's tick grid; false when it cannot
    /// be priced or the gate refuses it. A stop level the market already
    /// passed triggers at once at the broker, closing the position.
    fn place_stop(
        &mut self,
        symbol: Symbol,
        side: Side,
        quantity: Decimal,
        now: DateTime<Utc>,
        out: &mut Output,
    ) -> bool {
        let Some(average_cost) = self.portfolio.position(symbol).map(|p| p.average_cost()) else {
            return false;
        };
        let stop = self
            .instruments
            .iter()
            .find(|i| i.symbol == symbol)
            .and_then(|i| Tick::ladder(i.ticks))
            .and_then(|tick| {
                BracketRule::new(self.stop_loss_pct, self.take_profit_pct).for_entry(
                    side.opposite(),
                    average_cost,
                    tick,
                )
            })
            .map(|b| b.stop_loss);
        let Some(stop) = stop else {
            return false;
        };
        let intent = engine_exit(symbol, side, quantity, OrderKind::Stop { stop });
        self.submit_reduce_only(intent, now, out, OrderManager::submit_protection)
    }

    /// A reduce-only market order for `quantity`; false when the gate refuses it.
    fn close(
        &mut self,
        symbol: Symbol,
        side: Side,
        quantity: Decimal,
        now: DateTime<Utc>,
        out: &mut Output,
    ) -> bool {
        let intent = engine_exit(symbol, side, quantity, OrderKind::Market);
        self.submit_reduce_only(intent, now, out, OrderManager::submit_flatten)
    }

    /// Puts an engine-made exit through [`RiskGate::check_flatten`] and, when
    /// approved, into the book with `submit`.
    fn submit_reduce_only(
        &mut self,
        intent: OrderIntent,
        now: DateTime<Utc>,
        out: &mut Output,
        submit: fn(&mut OrderManager, Approved, NaiveDate) -> Command,
    ) -> bool {
        let view = RiskView {
            portfolio: &self.portfolio,
            account: self.account,
            orders: &self.orders,
            data_age: None,
        };
        match self.gate.check_flatten(&intent, &view, now) {
            Decision::Approved(approved) => {
                out.notices.push(Notice::Approved(intent));
                out.commands
                    .push(submit(&mut self.orders, approved, trading_day(now)));
                true
            }
            Decision::Rejected(refusal) => {
                out.notices.push(Notice::Rejected(refusal));
                false
            }
        }
    }

    /// Closes every position of the bot's (not those [`Engine::leave_alone`]
    /// marks) with reduce-only market orders (through
    /// [`RiskGate::check_flatten`]), cancelling its protective orders first so
    /// they cannot open a position the other way.
    pub fn flatten_all(&mut self, now: DateTime<Utc>, out: &mut Output) {
        let positions: Vec<(Symbol, Decimal)> = self
            .portfolio
            .open_positions()
            .filter(|p| !self.is_left_alone(p.symbol()))
            .map(|p| (p.symbol(), p.quantity()))
            .collect();
        for (symbol, quantity) in positions {
            for id in self.orders.working_ids(|o| o.ticket.symbol() == symbol) {
                let approved = self.gate.check_cancel(now);
                if let Some(command) = self.orders.cancel(id, approved) {
                    out.commands.push(command);
                }
            }
            let side = if quantity > Decimal::ZERO {
                Side::Sell
            } else {
                Side::Buy
            };
            let intent = engine_exit(symbol, side, quantity.abs(), OrderKind::Market);
            self.submit_reduce_only(intent, now, out, OrderManager::submit_flatten);
        }
    }
}

/// An exit the engine itself makes (re-protection, flatten).
fn engine_exit(symbol: Symbol, side: Side, quantity: Decimal, kind: OrderKind) -> OrderIntent {
    OrderIntent {
        strategy: ENGINE_STRATEGY,
        symbol,
        side,
        quantity,
        kind,
        purpose: IntentPurpose::Exit,
    }
}

#[cfg(test)]
#[path = "protection_tests.rs"]
mod tests;
