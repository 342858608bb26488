//! The periodic audit of the bot's own orders against TWS's open-order list:
//! it catches what no event reports — an order that stopped working without
//! a status (a lost report), and an order sent but never acknowledged.
//!
//! Pure: it owns the send times and the previous audit's suspects, and
//! compares one snapshot with the engine's book. It never reads from TWS
//! (the session's watcher does, one `reqAllOpenOrders` per period) and never
//! acts: the session decides what a finding means.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::broker::tws::snapshot::BrokerOrder;
use crate::core::order_manager::{ManagedOrder, OrderState};
use crate::domain::order_id::ClientOrderId;

/// TWS's open orders as read at one moment.
#[derive(Debug, Clone)]
pub struct OpenOrders {
    /// When the request was sent: anything sent later may be missing from it.
    pub requested_at: Instant,
    /// Every open order of the account (ours and others').
    pub orders: Vec<BrokerOrder>,
}

/// What one audit found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Acknowledged orders of ours missing from two audits in a row: gone
    /// at TWS without a report.
    pub vanished: Vec<ClientOrderId>,
    /// Orders of ours sent at least the acknowledgement timeout before the
    /// snapshot was requested, never acknowledged and not in it.
    pub unacknowledged: Vec<ClientOrderId>,
}

/// Send times and suspects between audits.
#[derive(Debug)]
pub struct OrderAudit {
    ack_timeout: Duration,
    sent_at: HashMap<ClientOrderId, Instant>,
    suspects: Vec<ClientOrderId>,
}

impl OrderAudit {
    /// An audit that calls an order unacknowledged after `ack_timeout`.
    pub fn new(ack_timeout: Duration) -> Self {
        Self {
            ack_timeout,
            sent_at: HashMap::new(),
            suspects: Vec::new(),
        }
    }

    /// Records that `id` was handed to TWS at `at`.
    pub fn on_sent(&mut self, id: ClientOrderId, at: Instant) {
        self.sent_at.insert(id, at);
    }

    /// Compares `snapshot` with the book's open orders (`open`). An order
    /// must be missing from two audits in a row to count as vanished, so a
    /// status still in flight when the snapshot was taken is not a finding.
    pub fn check<'a>(
        &mut self,
        snapshot: &OpenOrders,
        open: impl Iterator<Item = &'a ManagedOrder>,
    ) -> Findings {
        let at_tws: Vec<ClientOrderId> = snapshot
            .orders
            .iter()
            .filter_map(|o| o.order_ref.parse().ok())
            .collect();
        let mut findings = Findings::default();
        let mut suspects = Vec::new();
        let mut still_open = Vec::new();
        for order in open {
            let id = order.ticket.id();
            still_open.push(id);
            if at_tws.contains(&id) {
                continue;
            }
            let sent = self.sent_at.get(&id).copied();
            match order.state {
                OrderState::PendingSubmit => {
                    if sent.is_some_and(|t| t + self.ack_timeout <= snapshot.requested_at) {
                        findings.unacknowledged.push(id);
                    }
                }
                _ if sent.is_some_and(|t| t >= snapshot.requested_at) => {}
                _ if self.suspects.contains(&id) => findings.vanished.push(id),
                _ => suspects.push(id),
            }
        }
        self.suspects = suspects;
        // Send times are kept only for orders still open in the book.
        self.sent_at.retain(|id, _| still_open.contains(id));
        findings
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
