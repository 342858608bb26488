//! The periodic audit of the bot's own orders and positions against what
//! TWS holds: it catches what no event reports — an order that stopped
//! working without a status (a lost report), an order sent but never
//! acknowledged, and a position in a managed symbol that moved without the
//! bot (TWS reports fills only to the client that placed the order: a trade
//! by hand, by another client, or by `flatten --all` is seen nowhere else).
//!
//! Pure: it owns the send times and the previous audit's suspects, and
//! compares one read with the engine's book and portfolio. It never reads
//! from TWS (the session's watcher does: one `reqAllOpenOrders` and one
//! `reqPositions` per period) and never acts: the session decides what a
//! finding means.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::broker::tws::snapshot::BrokerOrder;
use crate::core::order_manager::{ManagedOrder, OrderState};
use rust_decimal::Decimal;

use crate::domain::order_id::ClientOrderId;
use crate::domain::portfolio::Portfolio;
use crate::domain::types::Symbol;

/// TWS's open orders and positions as read at one moment.
#[derive(Debug, Clone)]
pub struct TwsRead {
    /// When the request was sent: anything sent later may be missing from it.
    pub requested_at: Instant,
    /// Every open order of the account (ours and others').
    pub orders: Vec<BrokerOrder>,
    /// The positions the bot manages (`None`: they could not be read).
    pub positions: Option<Vec<(Symbol, Decimal)>>,
}

/// A managed symbol whose position at TWS is not the bot's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionDifference {
    /// Instrument.
    pub symbol: Symbol,
    /// What the bot's portfolio holds.
    pub bot: Decimal,
    /// What TWS holds.
    pub tws: Decimal,
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
    /// Positions that differed the same way in every read for at least the
    /// acknowledgement timeout (so not a fill still on its way), reported
    /// once each.
    pub positions: Vec<PositionDifference>,
}

/// Send times and suspects between audits.
#[derive(Debug)]
pub struct OrderAudit {
    ack_timeout: Duration,
    sent_at: HashMap<ClientOrderId, Instant>,
    suspects: Vec<ClientOrderId>,
    /// Each position difference being watched, with the request time of
    /// the first read that showed it.
    differing: Vec<(PositionDifference, Instant)>,
    /// Differences already reported (not repeated every read).
    reported: Vec<PositionDifference>,
}

impl OrderAudit {
    /// An audit that calls an order unacknowledged after `ack_timeout`.
    pub fn new(ack_timeout: Duration) -> Self {
        Self {
            ack_timeout,
            sent_at: HashMap::new(),
            suspects: Vec::new(),
            differing: Vec::new(),
            reported: Vec::new(),
        }
    }

    /// Records that `id` was handed to TWS at `at`.
    pub fn on_sent(&mut self, id: ClientOrderId, at: Instant) {
        self.sent_at.insert(id, at);
    }

    /// Compares `snapshot` with the book's open orders (`open`) and the
    /// portfolio. An order must be missing from two audits in a row to count
    /// as vanished, so a status still in flight when the snapshot was taken
    /// is not a finding; `last_fills` is when the bot last got a fill per
    /// symbol.
    pub fn check<'a>(
        &mut self,
        snapshot: &TwsRead,
        open: impl Iterator<Item = &'a ManagedOrder>,
        portfolio: &Portfolio,
        last_fills: &[(Symbol, Instant)],
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
        if let Some(positions) = &snapshot.positions {
            findings.positions = self.check_positions(snapshot, positions, portfolio, last_fills);
        }
        findings
    }

    /// The managed positions at TWS against the portfolio. A read proves
    /// nothing about a symbol the bot got a fill for after the read was
    /// requested (`last_fills`): that symbol is skipped. A difference counts
    /// once every read since the first that showed it showed the very same,
    /// over at least the acknowledgement timeout.
    fn check_positions(
        &mut self,
        read: &TwsRead,
        at_tws: &[(Symbol, Decimal)],
        portfolio: &Portfolio,
        last_fills: &[(Symbol, Instant)],
    ) -> Vec<PositionDifference> {
        let filled_since = |symbol| {
            last_fills
                .iter()
                .any(|&(s, at)| s == symbol && at >= read.requested_at)
        };
        let differing: Vec<PositionDifference> = position_differences(portfolio, at_tws)
            .into_iter()
            .filter(|&(symbol, _, _)| !filled_since(symbol))
            .map(|(symbol, tws, bot)| PositionDifference { symbol, bot, tws })
            .collect();
        // A symbol that agrees now is no longer watched (one this read
        // proves nothing about keeps its watch).
        let agrees =
            |symbol| !filled_since(symbol) && !differing.iter().any(|d| d.symbol == symbol);
        self.differing.retain(|(d, _)| !agrees(d.symbol));
        self.reported.retain(|d| !agrees(d.symbol));
        let mut confirmed = Vec::new();
        for now in differing {
            let watched = self
                .differing
                .iter()
                .position(|(d, _)| d.symbol == now.symbol);
            match watched {
                Some(i) if self.differing[i].0 == now => {
                    let lasted = read.requested_at.duration_since(self.differing[i].1);
                    if lasted >= self.ack_timeout && !self.reported.contains(&now) {
                        self.reported.push(now);
                        confirmed.push(now);
                    }
                }
                Some(i) => self.differing[i] = (now, read.requested_at),
                None => self.differing.push((now, read.requested_at)),
            }
        }
        confirmed
    }
}

/// Every symbol whose quantity in `portfolio` differs from `reference`
/// (symbol, quantity) — a symbol missing on either side counts as flat
/// there — as (symbol, reference quantity, portfolio quantity), once each,
/// in symbol order. The one comparison of positions: the audit's, the
/// start-up check against the journal and the reconciliation's.
pub fn position_differences(
    portfolio: &Portfolio,
    reference: &[(Symbol, Decimal)],
) -> Vec<(Symbol, Decimal, Decimal)> {
    let mut symbols: Vec<Symbol> = reference.iter().map(|&(symbol, _)| symbol).collect();
    symbols.extend(portfolio.open_positions().map(|p| p.symbol()));
    symbols.sort();
    symbols.dedup();
    symbols
        .into_iter()
        .filter_map(|symbol| {
            let expected = reference
                .iter()
                .filter(|&&(s, _)| s == symbol)
                .map(|&(_, quantity)| quantity)
                .sum::<Decimal>();
            let held = portfolio.quantity(symbol);
            (expected != held).then_some((symbol, expected, held))
        })
        .collect()
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
