//! Fill logic: triggers, prices, partial fills, commissions, OCA and bracket children.

use chrono::DateTime;
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::{Action, Event, Exchange, OrderType, SimExecution, Status};
use crate::account::Account;
use crate::market::Market;

impl Exchange {
    /// Tries each order in `work` once (plus children activated on the way).
    pub(super) fn match_orders(
        &mut self,
        work: &[usize],
        market: &Market,
        account: &mut Account,
        now: DateTime<Tz>,
        events: &mut Vec<Event>,
    ) {
        let mut queue: std::collections::VecDeque<usize> = work.iter().copied().collect();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(idx) = queue.pop_front() {
            if !seen.insert(idx) {
                continue;
            }
            if let Some(activated) = self.try_fill(idx, market, account, now, events) {
                queue.extend(activated);
            }
        }
    }

    /// Fills `idx` if its conditions hold; returns orders activated by the fill.
    fn try_fill(
        &mut self,
        idx: usize,
        market: &Market,
        account: &mut Account,
        now: DateTime<Tz>,
        events: &mut Vec<Event>,
    ) -> Option<Vec<usize>> {
        let o = self.orders.get(idx)?;
        if o.status != Status::Submitted
            || !self.hours().order_works(
                now.with_timezone(&chrono::Utc),
                o.order_type,
                o.outside_rth,
            )
        {
            return None;
        }
        let q = market.quote(market.index(&o.symbol)?)?;
        let buy = o.action == Action::Buy;
        if matches!(o.order_type, OrderType::Stop | OrderType::StopLimit) && !o.triggered {
            let stop = o.aux?;
            let hit = if buy { q.last >= stop } else { q.last <= stop };
            if !hit {
                return None;
            }
            self.orders[idx].triggered = true;
        }
        let o = &self.orders[idx];
        let touch = if buy { q.ask } else { q.bid };
        let price = match o.order_type {
            OrderType::Market | OrderType::Stop => touch,
            OrderType::Limit | OrderType::StopLimit => {
                let lmt = o.lmt?;
                let crosses = if buy { touch <= lmt } else { touch >= lmt };
                if !crosses {
                    return None;
                }
                touch
            }
        };
        let mut qty = o.remaining();
        if self.partial_fills {
            let shown = if buy { q.ask_size } else { q.bid_size };
            qty = qty.min(shown.max(Decimal::ONE));
        }
        if qty <= Decimal::ZERO {
            return None;
        }
        Some(self.execute(idx, qty, price, account, now, events))
    }

    fn execute(
        &mut self,
        idx: usize,
        qty: Decimal,
        price: Decimal,
        account: &mut Account,
        now: DateTime<Tz>,
        events: &mut Vec<Event>,
    ) -> Vec<usize> {
        let commissions = self.commissions;
        let o = &mut self.orders[idx];
        o.filled += qty;
        o.fill_value += qty * price;
        o.avg_fill_price = (o.fill_value / o.filled).round_dp(8).normalize();
        o.last_fill_price = price;
        let total_commission = commissions.for_fill(o.filled, o.fill_value);
        let commission = (total_commission - o.commission).max(Decimal::ZERO);
        o.commission += commission;
        let complete = o.filled >= o.qty;
        if complete {
            o.status = Status::Filled;
        }
        let realized = account.apply_fill(&o.symbol, o.action.sign() * qty, price, commission);
        let exec_index = self.executions.len();
        let exec = SimExecution {
            exec_id: format!("{}.{:08x}.01.01", self.exec_prefix, exec_index + 1),
            order_id: o.order_id,
            client_id: o.client_id,
            perm_id: o.perm_id,
            symbol: o.symbol.clone(),
            side: o.action,
            shares: qty,
            price,
            cum_qty: o.filled,
            avg_price: o.avg_fill_price,
            time: now,
            order_ref: o.order_ref.clone(),
            commission,
            realized_pnl: realized,
        };
        self.executions.push(exec);
        events.push(Event::Fill(exec_index));
        events.push(self.status_event(idx));
        events.push(Event::Commission(exec_index));
        self.after_fill(idx, qty, complete, events)
    }

    /// OCA groups and bracket siblings react to a fill; a filled parent
    /// activates its children. Returns the activated children.
    fn after_fill(
        &mut self,
        idx: usize,
        qty: Decimal,
        complete: bool,
        events: &mut Vec<Event>,
    ) -> Vec<usize> {
        let (client_id, parent_id, oca_group, oca_type, order_id) = {
            let o = &self.orders[idx];
            (
                o.client_id,
                o.parent_id,
                o.oca_group.clone(),
                o.oca_type,
                o.order_id,
            )
        };
        let mut activated = Vec::new();
        for i in 0..self.orders.len() {
            if i == idx || self.orders[i].status.is_terminal() {
                continue;
            }
            let other = &self.orders[i];
            let sibling =
                parent_id != 0 && other.parent_id == parent_id && other.client_id == client_id;
            let same_oca = !oca_group.is_empty() && other.oca_group == oca_group;
            if sibling || same_oca {
                let reduce = sibling || oca_type == 2 || oca_type == 3;
                if reduce && self.orders[i].qty - qty > self.orders[i].filled {
                    self.orders[i].qty -= qty;
                    events.push(self.status_event(i));
                } else {
                    self.cancel_index(i, events);
                }
                continue;
            }
            let child = other.parent_id == order_id && other.client_id == client_id;
            if child && complete && other.status == Status::PreSubmitted {
                self.orders[i].status = Status::Submitted;
                events.push(self.status_event(i));
                activated.push(i);
            }
        }
        activated
    }
}
