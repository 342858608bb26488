//! The engine's safety actions: operator reset, reduce-only, halt (and what
//! a halt cancels), cancel-all, re-protection of unprotected positions, and
//! flattening. Must never place or cancel anything around the risk gate:
//! every order they create is checked, every cancel carries its approval.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::*;

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
            self.cancel_working_entries(now, out);
        }
    }

    pub(super) fn on_halted(&mut self, now: DateTime<Utc>, out: &mut Output) {
        self.cancel_working_entries(now, out);
        if self.gate.flatten_on_daily_loss()
            && matches!(self.gate.halt_cause(), Some(HaltCause::DailyLoss(_)))
        {
            self.flatten_all(now, out);
        }
    }

    fn cancel_working_entries(&mut self, now: DateTime<Utc>, out: &mut Output) {
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

    /// Emergency: cancels every working order of ours, one cancel per order.
    /// Never IB's global cancel: that would also cancel orders that are not
    /// ours (other clients', typed into TWS by hand).
    pub fn cancel_all(&mut self, now: DateTime<Utc>, out: &mut Output) {
        for id in self.orders.working_ids(|_| true) {
            let approved = self.gate.check_cancel(now);
            if let Some(command) = self.orders.cancel(id, approved) {
                out.commands.push(command);
            }
        }
    }

    /// Protects every open position not covered by working stops of ours
    /// (found after a restart, e.g. when the last shutdown cancelled its
    /// bracket): a stand-alone GTC stop-loss for the uncovered quantity,
    /// `stop_loss_pct` from the average cost on the tick, through
    /// [`RiskGate::check_flatten`]. A stop level the market already passed
    /// triggers at once at the broker, closing the position. When no stop can
    /// be priced or the gate refuses it, the uncovered quantity is flattened.
    pub fn protect_positions(&mut self, now: DateTime<Utc>, out: &mut Output) {
        let day = trading_day(now);
        let positions: Vec<(Symbol, Decimal, Decimal)> = self
            .portfolio
            .open_positions()
            .map(|p| (p.symbol(), p.quantity(), p.average_cost()))
            .collect();
        for (symbol, quantity, average_cost) in positions {
            let side = if quantity > Decimal::ZERO {
                Side::Sell
            } else {
                Side::Buy
            };
            let covered: Decimal = self
                .orders
                .open_orders()
                .filter(|o| {
                    o.ticket.symbol() == symbol
                        && o.ticket.side() == side
                        && matches!(
                            o.ticket.kind(),
                            OrderKind::Stop { .. } | OrderKind::StopLimit { .. }
                        )
                })
                .map(ManagedOrder::remaining)
                .sum();
            let uncovered = quantity.abs() - covered;
            if uncovered <= Decimal::ZERO {
                continue;
            }
            let stop = self
                .instruments
                .iter()
                .find(|i| i.symbol == symbol)
                .map(|i| Tick::ladder(i.ticks))
                .and_then(|tick| {
                    BracketRule::new(self.stop_loss_pct, self.take_profit_pct).for_entry(
                        side.opposite(),
                        average_cost,
                        tick,
                    )
                })
                .map(|b| b.stop_loss);
            let intent = |kind| OrderIntent {
                strategy: ENGINE_STRATEGY,
                symbol,
                side,
                quantity: uncovered,
                kind,
                purpose: IntentPurpose::Exit,
            };
            if let Some(stop) = stop {
                let protect = intent(OrderKind::Stop { stop });
                let view = RiskView {
                    portfolio: &self.portfolio,
                    account: self.account,
                    orders: &self.orders,
                };
                match self.gate.check_flatten(&protect, &view, now) {
                    Decision::Approved(approved) => {
                        out.notices.push(Notice::Approved(protect));
                        out.commands
                            .push(self.orders.submit_protection(approved, day));
                        continue;
                    }
                    Decision::Rejected(refusal) => out.notices.push(Notice::Rejected(refusal)),
                }
            }
            let close = intent(OrderKind::Market);
            let view = RiskView {
                portfolio: &self.portfolio,
                account: self.account,
                orders: &self.orders,
            };
            match self.gate.check_flatten(&close, &view, now) {
                Decision::Approved(approved) => {
                    out.notices.push(Notice::Approved(close));
                    out.commands.push(self.orders.submit_flatten(approved, day));
                }
                Decision::Rejected(refusal) => out.notices.push(Notice::Rejected(refusal)),
            }
        }
    }

    /// Closes every position with reduce-only market orders (through
    /// [`RiskGate::check_flatten`]), cancelling its protective orders first so
    /// they cannot open a position the other way.
    pub fn flatten_all(&mut self, now: DateTime<Utc>, out: &mut Output) {
        let day = trading_day(now);
        let positions: Vec<(Symbol, Decimal)> = self
            .portfolio
            .open_positions()
            .map(|p| (p.symbol(), p.quantity()))
            .collect();
        for (symbol, quantity) in positions {
            for id in self.orders.working_ids(|o| o.ticket.symbol() == symbol) {
                let approved = self.gate.check_cancel(now);
                if let Some(command) = self.orders.cancel(id, approved) {
                    out.commands.push(command);
                }
            }
            let intent = OrderIntent {
                strategy: ENGINE_STRATEGY,
                symbol,
                side: if quantity > Decimal::ZERO {
                    Side::Sell
                } else {
                    Side::Buy
                },
                quantity: quantity.abs(),
                kind: OrderKind::Market,
                purpose: IntentPurpose::Exit,
            };
            let view = RiskView {
                portfolio: &self.portfolio,
                account: self.account,
                orders: &self.orders,
            };
            match self.gate.check_flatten(&intent, &view, now) {
                Decision::Approved(approved) => {
                    out.notices.push(Notice::Approved(intent));
                    out.commands.push(self.orders.submit_flatten(approved, day));
                }
                Decision::Rejected(refusal) => out.notices.push(Notice::Rejected(refusal)),
            }
        }
    }
}
