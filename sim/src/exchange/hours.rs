//! Market hours at the exchange: orders accepted outside the hours they may
//! work in are parked (PreSubmitted with IB's 399) and released when those
//! hours begin; DAY orders still working at a session's close expire.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Event, Exchange, Status};
use crate::account::Account;
use crate::market::Market;
use crate::trading_hours::{parked_message, Hours, ORDER_PARKED};

impl Exchange {
    /// When this exchange's orders may work.
    pub(super) fn hours(&self) -> Hours {
        self.hours
    }

    /// Reports order `idx`, just made working: as it is when its hours are
    /// on, else parked (PreSubmitted) with IB's 399 naming the next open.
    pub(super) fn park_if_closed(
        &mut self,
        idx: usize,
        market: &Market,
        now: DateTime<Tz>,
        events: &mut Vec<Event>,
    ) {
        let now = now.with_timezone(&Utc);
        let o = &self.orders[idx];
        let closed = !self.hours.order_works(now, o.order_type, o.outside_rth);
        let Some(open) = nyse_calendar::next_open(now).filter(|_| closed) else {
            events.push(self.status_event(idx));
            return;
        };
        let exchange = market
            .index(&o.symbol)
            .and_then(|i| market.spec(i))
            .map_or("SMART", |s| s.primary_exchange.as_str());
        let message = parked_message(o, exchange, open);
        let (client_id, id) = (o.client_id, o.order_id);
        let order = &mut self.orders[idx];
        order.status = Status::PreSubmitted;
        order.parked = true;
        events.push(self.status_event(idx));
        events.push(Event::Error {
            client_id,
            id,
            code: ORDER_PARKED,
            message,
        });
    }

    /// The market clock reads `now`: parked orders whose hours have begun
    /// start working (and may fill at once), and when a session closed
    /// since the last call, DAY orders still working expire.
    pub fn on_clock(
        &mut self,
        now: DateTime<Tz>,
        market: &Market,
        account: &mut Account,
    ) -> Vec<Event> {
        let now_utc = now.with_timezone(&Utc);
        let mut events = Vec::new();
        let released: Vec<usize> = (0..self.orders.len())
            .filter(|&i| {
                let o = &self.orders[i];
                o.parked
                    && !o.status.is_terminal()
                    && self.hours.order_works(now_utc, o.order_type, o.outside_rth)
            })
            .collect();
        for &i in &released {
            self.orders[i].parked = false;
            self.orders[i].status = Status::Submitted;
            events.push(self.status_event(i));
        }
        self.match_orders(&released, market, account, now, &mut events);
        let seen = self.clock_seen.replace(now_utc);
        if seen.is_some_and(|seen| self.hours.closed_between(seen, now_utc)) {
            self.expire_day_orders(&mut events);
        }
        events
    }

    /// IB: "A Day order is canceled if it does not execute by the close of
    /// the trading day". Every working DAY order ends Cancelled (orderStatus
    /// only: IB documents no error code for it), and a bracket child whose
    /// parent expired unfilled is cancelled with it.
    fn expire_day_orders(&mut self, events: &mut Vec<Event>) {
        let expiring: Vec<usize> = (0..self.orders.len())
            .filter(|&i| {
                let o = &self.orders[i];
                let working = matches!(o.status, Status::Submitted | Status::PreSubmitted);
                working && !o.parked && o.tif.eq_ignore_ascii_case("DAY")
            })
            .collect();
        for &i in &expiring {
            self.orders[i].status = Status::Cancelled;
            events.push(self.status_event(i));
        }
        for i in 0..self.orders.len() {
            if !self.orders[i].status.is_terminal() && self.parent_gone(i) {
                self.cancel_index_with(i, crate::lifecycle::PARENT_CANCELLED_REASON, events);
            }
        }
    }
}
