//! The simulated exchange: order book per symbol, brackets, OCA, fills.
//!
//! Owns every order ever placed (in placement order) and every execution.
//! It fills against the simulated quotes (market orders at bid/ask, limits
//! when crossed, stops when the last price touches them), books fills into
//! the [`Account`], and reports what happened as [`Event`]s in the order TWS
//! sends the corresponding messages. It never touches sockets.

mod correction;
mod hours;
mod matching;
mod order;

pub use order::{Action, OrderType, SimExecution, SimOrder, Status};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::account::Account;
use crate::config::Commissions;
use crate::market::Market;
use crate::trading_hours::Hours;

/// Something clients must be told, in wire order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Order `index` changed: send openOrder + orderStatus with this
    /// snapshot (its state at the moment of the change).
    Status(usize, Box<SimOrder>),
    /// Execution `index` happened: send execDetails.
    Fill(usize),
    /// Commission of execution `index`: send commissionReport.
    Commission(usize),
    /// Send an error tied to an order id.
    Error {
        /// Client to tell.
        client_id: i32,
        /// Order id.
        id: i32,
        /// IB code.
        code: i32,
        /// Text.
        message: String,
    },
}

/// A new order as decoded from placeOrder.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// Symbol (already validated).
    pub symbol: String,
    /// Buy or sell.
    pub action: Action,
    /// Quantity (> 0).
    pub qty: Decimal,
    /// Type.
    pub order_type: OrderType,
    /// Limit price.
    pub lmt: Option<Decimal>,
    /// Stop price.
    pub aux: Option<Decimal>,
    /// Parent id (0 = none).
    pub parent_id: i32,
    /// OCA group.
    pub oca_group: String,
    /// OCA type.
    pub oca_type: i32,
    /// Client reference.
    pub order_ref: String,
    /// Time in force.
    pub tif: String,
    /// Account.
    pub account: String,
    /// Transmit now.
    pub transmit: bool,
    /// May trigger or fill outside regular hours (`outsideRth`).
    pub outside_rth: bool,
}

/// All orders and executions.
#[derive(Debug, Clone)]
pub struct Exchange {
    orders: Vec<SimOrder>,
    index: BTreeMap<(i32, i32), usize>,
    executions: Vec<SimExecution>,
    next_perm_id: i64,
    partial_fills: bool,
    commissions: Commissions,
    /// When orders may work (see [`crate::trading_hours`]).
    hours: Hours,
    /// The last instant [`Exchange::on_clock`] saw (DAY orders expire at a
    /// session close between two of them).
    clock_seen: Option<DateTime<Utc>>,
    /// First part of every execution id of this run (see [`run_prefix`]).
    exec_prefix: String,
}

/// Eight hex digits that differ from one simulator run to the next (the
/// start instant's nanoseconds mixed with the process id), so execution ids
/// are unique across simulator restarts — as IB's are. Prices and fills stay
/// a function of the seed; only the ids' prefix changes between runs.
fn run_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:08x}",
        (nanos as u32) ^ std::process::id().rotate_left(16)
    )
}

impl Exchange {
    /// An empty exchange whose orders work in `hours`.
    pub fn new(partial_fills: bool, commissions: Commissions, hours: Hours) -> Self {
        Self {
            hours,
            clock_seen: None,
            orders: Vec::new(),
            index: BTreeMap::new(),
            executions: Vec::new(),
            next_perm_id: 1_000_000_001,
            partial_fills,
            commissions,
            exec_prefix: run_prefix(),
        }
    }

    /// Every order, in placement order.
    pub fn orders(&self) -> &[SimOrder] {
        &self.orders
    }

    /// Order at `index`.
    pub fn order(&self, index: usize) -> Option<&SimOrder> {
        self.orders.get(index)
    }

    /// Every execution, in time order.
    pub fn executions(&self) -> &[SimExecution] {
        &self.executions
    }

    /// Execution at `index`.
    pub fn execution(&self, index: usize) -> Option<&SimExecution> {
        self.executions.get(index)
    }

    /// Highest order id used by anyone.
    pub fn max_order_id(&self) -> i32 {
        self.orders.iter().map(|o| o.order_id).max().unwrap_or(0)
    }

    /// Places a new order or modifies a working one with the same id.
    pub fn place(
        &mut self,
        client_id: i32,
        order_id: i32,
        new: NewOrder,
        market: &Market,
        account: &mut Account,
        now: DateTime<Tz>,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(&idx) = self.index.get(&(client_id, order_id)) {
            let o = &mut self.orders[idx];
            if o.status.is_terminal() {
                events.push(Event::Error {
                    client_id,
                    id: order_id,
                    code: 103,
                    message: "Duplicate order id".into(),
                });
                return events;
            }
            if new.qty < o.filled {
                events.push(Event::Error {
                    client_id,
                    id: order_id,
                    code: 10_318,
                    message: "Order quantity is below the filled quantity".into(),
                });
                return events;
            }
            o.qty = new.qty;
            o.order_type = new.order_type;
            o.lmt = new.lmt;
            o.aux = new.aux;
            o.order_ref = new.order_ref;
            o.tif = new.tif;
            o.outside_rth = new.outside_rth;
            if o.status == Status::Untransmitted && new.transmit {
                o.status = Status::Submitted;
            }
            o.triggered = false;
            if o.status != Status::Untransmitted {
                events.push(self.status_event(idx));
            }
            self.match_orders(&[idx], market, account, now, &mut events);
            return events;
        }
        let idx = self.orders.len();
        let perm_id = self.next_perm_id;
        self.next_perm_id += 1;
        let transmit = new.transmit;
        self.orders.push(SimOrder {
            order_id,
            client_id,
            perm_id,
            symbol: new.symbol,
            action: new.action,
            qty: new.qty,
            order_type: new.order_type,
            lmt: new.lmt,
            aux: new.aux,
            parent_id: new.parent_id,
            oca_group: new.oca_group,
            oca_type: new.oca_type,
            order_ref: new.order_ref,
            tif: new.tif,
            account: new.account,
            status: Status::Untransmitted,
            filled: Decimal::ZERO,
            avg_fill_price: Decimal::ZERO,
            last_fill_price: Decimal::ZERO,
            fill_value: Decimal::ZERO,
            commission: Decimal::ZERO,
            triggered: false,
            outside_rth: new.outside_rth,
            parked: false,
        });
        self.index.insert((client_id, order_id), idx);
        if self.parent_gone(idx) {
            // TWS never works a bracket child alone: a child of a rejected
            // (or cancelled) parent is cancelled with it.
            self.cancel_index_with(idx, crate::lifecycle::PARENT_CANCELLED_REASON, &mut events);
            return events;
        }
        if !transmit {
            return events;
        }
        // Transmitting a bracket leg transmits its held parent and siblings.
        let mut batch = Vec::new();
        let parent = self.parent_of(idx);
        if let Some(p) = parent {
            if self.orders[p].status == Status::Untransmitted {
                batch.push(p);
            }
            batch.extend((0..self.orders.len()).filter(|&i| {
                self.orders[i].status == Status::Untransmitted && self.parent_of(i) == Some(p)
            }));
        } else {
            batch.push(idx);
        }
        for &i in &batch {
            let waiting = self
                .parent_of(i)
                .is_some_and(|p| self.orders[p].status != Status::Filled);
            self.orders[i].status = if waiting {
                Status::PreSubmitted
            } else {
                Status::Submitted
            };
            if !waiting {
                self.park_if_closed(i, market, now, &mut events);
            } else {
                events.push(self.status_event(i));
            }
        }
        self.match_orders(&batch, market, account, now, &mut events);
        events
    }

    pub(super) fn status_event(&self, idx: usize) -> Event {
        Event::Status(idx, Box::new(self.orders[idx].clone()))
    }

    fn parent_of(&self, idx: usize) -> Option<usize> {
        let o = &self.orders[idx];
        (o.parent_id != 0)
            .then(|| self.index.get(&(o.client_id, o.parent_id)).copied())
            .flatten()
    }

    fn children_of(&self, idx: usize) -> Vec<usize> {
        let p = &self.orders[idx];
        (0..self.orders.len())
            .filter(|&i| {
                let o = &self.orders[i];
                o.parent_id == p.order_id && o.client_id == p.client_id && i != idx
            })
            .collect()
    }

    /// A child whose parent is unknown (refused) or ended unfilled.
    fn parent_gone(&self, idx: usize) -> bool {
        if self.orders[idx].parent_id == 0 {
            return false;
        }
        self.parent_of(idx)
            .is_none_or(|p| matches!(self.orders[p].status, Status::Cancelled | Status::Inactive))
    }

    fn cancel_index(&mut self, idx: usize, events: &mut Vec<Event>) {
        self.cancel_index_with(idx, "", events);
    }

    fn cancel_index_with(&mut self, idx: usize, reason: &str, events: &mut Vec<Event>) {
        let o = &mut self.orders[idx];
        if o.status.is_terminal() {
            return;
        }
        o.status = Status::Cancelled;
        let (client_id, id) = (o.client_id, o.order_id);
        events.push(self.status_event(idx));
        events.push(Event::Error {
            client_id,
            id,
            code: 202,
            message: format!("Order Canceled - reason:{reason}"),
        });
    }

    /// Cancels a client's order (and its bracket children, or its bracket siblings).
    pub fn cancel(&mut self, client_id: i32, order_id: i32) -> Vec<Event> {
        let mut events = Vec::new();
        let Some(&idx) = self.index.get(&(client_id, order_id)) else {
            events.push(Event::Error {
                client_id,
                id: order_id,
                code: 10_147,
                message: format!("OrderId {order_id} that needs to be cancelled is not found."),
            });
            return events;
        };
        let status = self.orders[idx].status;
        if status.is_terminal() {
            events.push(Event::Error {
                client_id,
                id: order_id,
                code: 10_148,
                message: format!("OrderId {order_id} that needs to be cancelled cannot be cancelled, state: {status}."),
            });
            return events;
        }
        self.cancel_index(idx, &mut events);
        for child in self.children_of(idx) {
            self.cancel_index(child, &mut events);
        }
        if let Some(p) = self.parent_of(idx) {
            for sibling in self.children_of(p) {
                self.cancel_index(sibling, &mut events);
            }
        }
        events
    }

    /// A TWS user cancels this one order in TWS's window: it alone ends
    /// (`Cancelled` status and 202 to its client); bracket siblings and OCA
    /// members stay, since OCA acts on fills. Empty when the order is
    /// unknown or already done.
    pub fn cancel_by_tws_user(&mut self, client_id: i32, order_id: i32) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(&idx) = self.index.get(&(client_id, order_id)) {
            self.cancel_index(idx, &mut events);
        }
        events
    }

    /// The order stops working without any message to anyone (a fault:
    /// the report is lost). False when it is unknown or already done.
    pub fn drop_silently(&mut self, client_id: i32, order_id: i32) -> bool {
        let Some(&idx) = self.index.get(&(client_id, order_id)) else {
            return false;
        };
        let order = &mut self.orders[idx];
        if order.status.is_terminal() {
            return false;
        }
        order.status = Status::Cancelled;
        true
    }

    /// Cancels every working order of every client.
    pub fn global_cancel(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        for idx in 0..self.orders.len() {
            self.cancel_index(idx, &mut events);
        }
        events
    }

    /// Re-runs matching for every working order on `symbol` after a price change.
    pub fn on_price(
        &mut self,
        symbol: &str,
        market: &Market,
        account: &mut Account,
        now: DateTime<Tz>,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        let work: Vec<usize> = (0..self.orders.len())
            .filter(|&i| {
                self.orders[i].status == Status::Submitted && self.orders[i].symbol == symbol
            })
            .collect();
        self.match_orders(&work, market, account, now, &mut events);
        events
    }
}

#[cfg(test)]
#[path = "exchange_tests.rs"]
mod tests;
