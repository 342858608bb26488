//! Order requests: place/modify, cancel, open/completed orders, executions.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::exchange::{Action, NewOrder, OrderType, Status};
use crate::faults::OrderFault;
use crate::market_rules;
use crate::proto;
use crate::state::{ConnId, SimState};
use crate::wire::{self, id};

impl SimState {
    fn parse_order(&self, r: &proto::PlaceOrderRequest) -> Result<NewOrder, (i32, String)> {
        let reject = |m: &str| (201, format!("Order rejected - reason:{m}"));
        let idx = self.resolve(r.contract.as_ref()).ok_or((
            200,
            "No security definition has been found for the request".to_string(),
        ))?;
        let spec = self.market.spec(idx).ok_or((
            200,
            "No security definition has been found for the request".to_string(),
        ))?;
        let o = r.order.as_ref().ok_or_else(|| reject("missing order"))?;
        let action = o
            .action
            .as_deref()
            .and_then(Action::parse)
            .ok_or_else(|| reject("invalid action"))?;
        let qty = o
            .total_quantity
            .as_deref()
            .and_then(|q| Decimal::from_str(q).ok())
            .filter(|q| *q > Decimal::ZERO)
            .ok_or_else(|| reject("order quantity must be positive"))?;
        let type_text = o.order_type.as_deref().unwrap_or("");
        let order_type = OrderType::parse(type_text)
            .ok_or((387, format!("Unsupported order type: {type_text}")))?;
        // Off the tick grid: 110, never rounded.
        let lmt = market_rules::conforming(o.lmt_price, spec)?;
        let aux = market_rules::conforming(o.aux_price, spec)?;
        match order_type {
            OrderType::Limit | OrderType::StopLimit if lmt.is_none() => {
                return Err(reject("limit price is missing"))
            }
            OrderType::Stop | OrderType::StopLimit if aux.is_none() => {
                return Err(reject("stop price is missing"))
            }
            _ => {}
        }
        Ok(NewOrder {
            symbol: spec.symbol.clone(),
            action,
            qty,
            order_type,
            lmt: if matches!(order_type, OrderType::Limit | OrderType::StopLimit) {
                lmt
            } else {
                None
            },
            aux: if matches!(order_type, OrderType::Stop | OrderType::StopLimit) {
                aux
            } else {
                None
            },
            parent_id: o.parent_id.unwrap_or(0),
            oca_group: o.oca_group.clone().unwrap_or_default(),
            oca_type: o.oca_type.unwrap_or(0),
            order_ref: o.order_ref.clone().unwrap_or_default(),
            tif: o
                .tif
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "DAY".into()),
            account: o
                .account
                .clone()
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| self.account.id.clone()),
            transmit: o.transmit.unwrap_or(false),
            outside_rth: o.outside_rth.unwrap_or(false),
        })
    }

    pub(super) fn place_order(&mut self, conn: ConnId, r: proto::PlaceOrderRequest) {
        let Some(client_id) = self.conns.get(&conn).map(|c| c.client_id) else {
            return;
        };
        let order_id = r.order_id.unwrap_or(-1);
        if order_id <= 0 {
            self.send_error(conn, order_id, 103, "Duplicate order id");
            return;
        }
        if r.attached_orders
            .as_ref()
            .is_some_and(|a| a.sl_order_id.is_some() || a.pt_order_id.is_some())
        {
            // TWS discards the parent too when no preset is defined.
            self.send_error(
                conn,
                order_id,
                10_355,
                "No order presets are defined for attached orders (tws-sim has none)",
            );
            return;
        }
        let new = match self.parse_order(&r) {
            Ok(n) => n,
            Err((code, msg)) => {
                self.send_error(conn, order_id, code, &msg);
                return;
            }
        };
        if !new.account.eq_ignore_ascii_case(&self.account.id) {
            self.send_error(
                conn,
                order_id,
                321,
                "Error validating request: unknown account",
            );
            return;
        }
        let is_new = !self
            .exchange
            .orders()
            .iter()
            .any(|o| o.client_id == client_id && o.order_id == order_id);
        if is_new {
            match self.faults.on_new_order() {
                Some(OrderFault::Reject(code, msg)) => {
                    tracing::info!(client_id, order_id, code, "rejecting order (fault)");
                    self.send_error(conn, order_id, code, &msg);
                    return;
                }
                Some(OrderFault::Swallow) => {
                    tracing::info!(client_id, order_id, "swallowing order (fault)");
                    return;
                }
                None => {}
            }
        }
        self.next_valid_id = self.next_valid_id.max(order_id + 1);
        let now = self.clock.now();
        let events = self.exchange.place(
            client_id,
            order_id,
            new,
            &self.market,
            &mut self.account,
            now,
        );
        self.dispatch(events);
    }

    /// A TWS user cancels one order of `client_id` in TWS's window.
    pub(crate) fn cancel_by_tws_user(&mut self, client_id: i32, order_id: i32) -> bool {
        let events = self.exchange.cancel_by_tws_user(client_id, order_id);
        let cancelled = !events.is_empty();
        self.dispatch(events);
        cancelled
    }

    pub(super) fn cancel_order(&mut self, conn: ConnId, order_id: i32) {
        let Some(client_id) = self.conns.get(&conn).map(|c| c.client_id) else {
            return;
        };
        self.cancel_requests.push((client_id, order_id));
        if let Some(refusal) = self.refused_cancel(client_id, order_id) {
            self.dispatch(vec![refusal]);
            return;
        }
        let events = self.exchange.cancel(client_id, order_id);
        self.dispatch(events);
    }

    pub(super) fn open_orders(&mut self, conn: ConnId, all: bool) {
        let Some(client_id) = self.conns.get(&conn).map(|c| c.client_id) else {
            return;
        };
        let mut frames = Vec::new();
        for o in self.exchange.orders() {
            let visible = all || o.client_id == client_id;
            if !visible || o.status.is_terminal() || o.status == Status::Untransmitted {
                continue;
            }
            if let Some(spec) = self
                .market
                .index(&o.symbol)
                .and_then(|i| self.market.spec(i))
            {
                frames.push(wire::open_order(o, spec));
                frames.push(wire::order_status(o));
            }
        }
        frames.push(wire::empty(id::OPEN_ORDER_END));
        for f in frames {
            self.send(conn, f);
        }
    }

    pub(super) fn completed_orders(&mut self, conn: ConnId) {
        let time = crate::clock::tws_time_string(&self.clock.now());
        let mut frames = Vec::new();
        for o in self
            .exchange
            .orders()
            .iter()
            .filter(|o| o.status.is_terminal())
        {
            if let Some(spec) = self
                .market
                .index(&o.symbol)
                .and_then(|i| self.market.spec(i))
            {
                frames.push(wire::completed_order(o, spec, &time));
            }
        }
        frames.push(wire::empty(id::COMPLETED_ORDERS_END));
        for f in frames {
            self.send(conn, f);
        }
    }

    pub(super) fn executions(&mut self, conn: ConnId, r: proto::ExecutionRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let filter = r.execution_filter.unwrap_or_default();
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let (symbol, side, acct) = (
            nonempty(&filter.symbol),
            nonempty(&filter.side),
            nonempty(&filter.acct_code),
        );
        let mut frames = Vec::new();
        for e in self.exchange.executions() {
            let keep = filter.client_id.is_none_or(|c| c == e.client_id)
                && symbol
                    .as_ref()
                    .is_none_or(|s| s.eq_ignore_ascii_case(&e.symbol))
                && side
                    .as_ref()
                    .is_none_or(|s| Action::parse(s) == Some(e.side))
                && acct
                    .as_ref()
                    .is_none_or(|a| a.eq_ignore_ascii_case(&self.account.id));
            if !keep {
                continue;
            }
            if let Some(spec) = self
                .market
                .index(&e.symbol)
                .and_then(|i| self.market.spec(i))
            {
                frames.push(wire::execution(req_id, e, spec, &self.account.id));
                frames.push(wire::commission(e));
            }
        }
        frames.push(wire::req_id_only(id::EXECUTION_DATA_END, req_id));
        for f in frames {
            self.send(conn, f);
        }
    }
}
