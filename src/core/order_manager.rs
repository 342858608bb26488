//! The order lifecycle: client order ids, bracket grouping (entry + stop-loss +
//! take-profit), and the state machine each order walks through as broker
//! events arrive. It accepts only risk-approved orders ([`Approved`]) and
//! gate-counted cancels ([`CancelApproved`]): there is no way to make an
//! [`OrderTicket`] or a cancel command without passing the gate.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::order_id::{ClientOrderId, Leg};
use crate::domain::types::{IntentPurpose, OrderIntent, OrderKind, Side, Symbol};
use crate::risk::{Approved, CancelApproved, OpenOrderBook};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// A command to place it was emitted; the broker has not confirmed it yet.
    PendingSubmit,
    /// Working at the broker (or held there as an inactive bracket child).
    Working,
    /// A cancel was requested and not yet confirmed.
    PendingCancel,
    /// Completely filled.
    Filled,
    /// Cancelled (by us, by OCA, or by the broker).
    Cancelled,
    /// Refused by the broker.
    Rejected,
}

impl OrderState {
    /// Filled, cancelled and rejected orders never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderState::Filled | OrderState::Cancelled | OrderState::Rejected
        )
    }
}

/// One order as the broker should see it. Only the order manager creates
/// tickets, and only from an [`Approved`] intent (or, for flattening, from a
/// position it knows), so every ticket an edge sends has passed the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTicket {
    id: ClientOrderId,
    symbol: Symbol,
    side: Side,
    quantity: Decimal,
    kind: OrderKind,
    parent: Option<ClientOrderId>,
    oca_with: Option<ClientOrderId>,
}

impl OrderTicket {
    /// A ticket for unit tests of edges (fill model, TWS translation) only.
    #[cfg(test)]
    pub(crate) fn for_test(
        id: ClientOrderId,
        symbol: Symbol,
        side: Side,
        quantity: Decimal,
        kind: OrderKind,
        parent: Option<ClientOrderId>,
    ) -> Self {
        Self {
            id,
            symbol,
            side,
            quantity,
            kind,
            parent,
            oca_with: None,
        }
    }

    /// Deterministic id, sent as `orderRef`.
    pub fn id(&self) -> ClientOrderId {
        self.id
    }
    /// Instrument.
    pub fn symbol(&self) -> Symbol {
        self.symbol
    }
    /// Buy or sell.
    pub fn side(&self) -> Side {
        self.side
    }
    /// Quantity in shares (> 0).
    pub fn quantity(&self) -> Decimal {
        self.quantity
    }
    /// Pricing.
    pub fn kind(&self) -> OrderKind {
        self.kind
    }
    /// The bracket parent, for protective children.
    pub fn parent(&self) -> Option<ClientOrderId> {
        self.parent
    }

    /// For an exit: the entry whose bracket's OCA group it joins, so that
    /// whichever of exit, stop and target fills first cancels the others at
    /// the broker (no double sell if the stop triggers while the exit works).
    pub fn oca_with(&self) -> Option<ClientOrderId> {
        self.oca_with
    }
}

/// What the engine asks an edge to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // moved once into the caller's reused buffer; boxing would allocate per order
pub enum Command {
    /// Place entry, stop-loss and take-profit as one IB bracket: the children
    /// carry the entry as parent, share one OCA group, and only the last one
    /// transmits.
    PlaceBracket {
        /// The entry (parent).
        entry: OrderTicket,
        /// Protective stop (child, OCA with the target).
        stop_loss: OrderTicket,
        /// Take-profit limit (child, OCA with the stop).
        take_profit: OrderTicket,
    },
    /// Place a single order (exit or flatten).
    Place(OrderTicket),
    /// Cancel one order.
    Cancel(ClientOrderId),
    /// Cancel every open order of the account (IB global cancel).
    CancelAll,
}

/// An order of ours found working at the broker, to be adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundOrder {
    /// Our id, parsed from its `orderRef`.
    pub id: ClientOrderId,
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Total quantity.
    pub quantity: Decimal,
    /// Pricing.
    pub kind: OrderKind,
    /// Filled so far.
    pub filled: Decimal,
    /// Bracket parent, for children.
    pub parent: Option<ClientOrderId>,
}

/// The order manager's record of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedOrder {
    /// What was sent.
    pub ticket: OrderTicket,
    /// Where it is now.
    pub state: OrderState,
    /// Filled so far.
    pub filled: Decimal,
    /// Cancel requests the broker refused so far (161 / 10147 / live 10148).
    pub cancel_failures: u32,
}

impl ManagedOrder {
    /// Quantity still working.
    pub fn remaining(&self) -> Decimal {
        if self.state.is_terminal() {
            Decimal::ZERO
        } else {
            (self.ticket.quantity - self.filled).max(Decimal::ZERO)
        }
    }
}

/// Owns every order of the session. Open orders are keyed by client order id
/// (deterministic iteration order, small: only what is working); terminal
/// orders move to a closed list kept for the day's report, so the per-decision
/// work of the risk gate stays proportional to what is working.
#[derive(Debug, Default)]
pub struct OrderManager {
    open: BTreeMap<ClientOrderId, ManagedOrder>,
    closed: Vec<ManagedOrder>,
    next_seq: u32,
}

/// Strategy index used for orders the operator or the engine itself creates.
pub const ENGINE_STRATEGY: u16 = u16::MAX;

impl OrderManager {
    /// An empty book whose next sequence number is `next_seq` (restored from the
    /// journal after a restart so ids are never reused within a day).
    pub fn new(next_seq: u32) -> Self {
        Self {
            open: BTreeMap::new(),
            closed: Vec::new(),
            next_seq,
        }
    }

    /// Turns an approved intent into the command that sends it, and records the
    /// order(s) as pending. Entries become brackets; exits single orders.
    pub fn submit(&mut self, approved: Approved, day: NaiveDate) -> Command {
        let intent = *approved.intent();
        let seq = self.take_seq();
        match (intent.purpose, approved.bracket()) {
            (IntentPurpose::Entry, Some(bracket)) => {
                let entry_id = ClientOrderId::new(day, intent.strategy.0, seq, Leg::Entry);
                let entry = OrderTicket {
                    id: entry_id,
                    symbol: intent.symbol,
                    side: intent.side,
                    quantity: intent.quantity,
                    kind: intent.kind,
                    parent: None,
                    oca_with: None,
                };
                let exit_side = intent.side.opposite();
                let stop_loss = OrderTicket {
                    id: entry_id.with_leg(Leg::StopLoss),
                    side: exit_side,
                    kind: OrderKind::Stop {
                        stop: bracket.stop_loss,
                    },
                    parent: Some(entry_id),
                    ..entry
                };
                let take_profit = OrderTicket {
                    id: entry_id.with_leg(Leg::TakeProfit),
                    side: exit_side,
                    kind: OrderKind::Limit {
                        limit: bracket.take_profit,
                    },
                    parent: Some(entry_id),
                    ..entry
                };
                for ticket in [entry, stop_loss, take_profit] {
                    self.record(ticket);
                }
                Command::PlaceBracket {
                    entry,
                    stop_loss,
                    take_profit,
                }
            }
            _ => {
                // An exit of exactly what a bracket still protects joins that bracket's OCA group.
                let oca_with = self
                    .open
                    .values()
                    .find(|o| {
                        o.ticket.id.leg() == Leg::StopLoss
                            && o.ticket.symbol == intent.symbol
                            && o.ticket.side == intent.side
                            && o.remaining() == intent.quantity
                    })
                    .and_then(|o| o.ticket.parent);
                self.place_single(
                    &intent,
                    ClientOrderId::new(day, intent.strategy.0, seq, Leg::Exit),
                    oca_with,
                )
            }
        }
    }

    /// Turns an approved flatten (from [`RiskGate::check_flatten`]) into a
    /// single reduce-only order labelled [`Leg::Flatten`].
    ///
    /// [`RiskGate::check_flatten`]: crate::risk::RiskGate::check_flatten
    pub fn submit_flatten(&mut self, approved: Approved, day: NaiveDate) -> Command {
        let intent = *approved.intent();
        let seq = self.take_seq();
        self.place_single(
            &intent,
            ClientOrderId::new(day, intent.strategy.0, seq, Leg::Flatten),
            None,
        )
    }

    /// Records an approved stand-alone protective stop for a position that
    /// has none (leg `S`, no parent) and returns the command that sends it.
    pub fn submit_protection(&mut self, approved: Approved, day: NaiveDate) -> Command {
        let intent = *approved.intent();
        let seq = self.take_seq();
        self.place_single(
            &intent,
            ClientOrderId::new(day, intent.strategy.0, seq, Leg::StopLoss),
            None,
        )
    }

    /// Records one stand-alone order for `intent` under `id` and returns the command that sends it.
    fn place_single(
        &mut self,
        intent: &OrderIntent,
        id: ClientOrderId,
        oca_with: Option<ClientOrderId>,
    ) -> Command {
        let ticket = OrderTicket {
            id,
            symbol: intent.symbol,
            side: intent.side,
            quantity: intent.quantity,
            kind: intent.kind,
            parent: None,
            oca_with,
        };
        self.record(ticket);
        Command::Place(ticket)
    }

    /// Marks an order as cancel-requested and returns the command, or `None`
    /// when it is unknown or already terminal. `approved` comes from
    /// [`RiskGate::check_cancel`](crate::risk::RiskGate::check_cancel).
    pub fn cancel(&mut self, id: ClientOrderId, _approved: CancelApproved) -> Option<Command> {
        let order = self.open.get_mut(&id)?;
        order.state = OrderState::PendingCancel;
        Some(Command::Cancel(id))
    }

    /// Marks every working order cancel-requested and returns the broker-wide
    /// cancel (IB global cancel). One gate approval covers the one request.
    pub fn cancel_all(&mut self, _approved: CancelApproved) -> Command {
        for order in self.open.values_mut() {
            order.state = OrderState::PendingCancel;
        }
        Command::CancelAll
    }

    /// Ids of working orders matching `keep`, in id order.
    pub fn working_ids(&self, mut keep: impl FnMut(&ManagedOrder) -> bool) -> Vec<ClientOrderId> {
        self.open
            .values()
            .filter(|o| keep(o))
            .map(|o| o.ticket.id)
            .collect()
    }

    /// The broker acknowledged the order (it is working or held).
    pub fn on_working(&mut self, id: ClientOrderId) -> bool {
        self.transition(id, |o| {
            if o.state == OrderState::PendingSubmit {
                o.state = OrderState::Working;
            }
        })
    }

    /// A fill of `quantity`; the order becomes `Filled` once nothing remains.
    /// Returns `false` when the id is unknown.
    pub fn on_fill(&mut self, id: ClientOrderId, quantity: Decimal) -> bool {
        self.transition(id, |o| {
            o.filled += quantity;
            if o.filled >= o.ticket.quantity {
                o.state = OrderState::Filled;
            } else if o.state == OrderState::PendingSubmit {
                o.state = OrderState::Working;
            }
        })
    }

    /// An execution correction changed an earlier fill by `delta` shares
    /// (negative when the correction is smaller). Returns `false` when the
    /// id is unknown.
    pub fn on_fill_corrected(&mut self, id: ClientOrderId, delta: Decimal) -> bool {
        self.transition(id, |o| {
            o.filled = (o.filled + delta).max(Decimal::ZERO);
            if o.filled >= o.ticket.quantity {
                o.state = OrderState::Filled;
            }
        })
    }

    /// The broker refused a cancel of a working order: it is working again
    /// (not pending cancel). Returns how many cancels of it failed so far,
    /// `None` when the order is not open (late news about a finished order).
    pub fn on_cancel_failed(&mut self, id: ClientOrderId) -> Option<u32> {
        let order = self.open.get_mut(&id)?;
        if order.state == OrderState::PendingCancel {
            order.state = OrderState::Working;
        }
        order.cancel_failures += 1;
        Some(order.cancel_failures)
    }

    /// The broker cancelled the order (our request, OCA, or its own decision).
    pub fn on_cancelled(&mut self, id: ClientOrderId) -> bool {
        self.transition(id, |o| {
            if !o.state.is_terminal() {
                o.state = OrderState::Cancelled;
            }
        })
    }

    /// The broker refused the order.
    pub fn on_rejected(&mut self, id: ClientOrderId) -> bool {
        self.transition(id, |o| {
            if !o.state.is_terminal() {
                o.state = OrderState::Rejected;
            }
        })
    }

    /// Adopts an order found at the broker (after a restart or reconnect) so
    /// it is tracked, never duplicated. Keeps the sequence counter above it.
    /// Produces no command: the order is already at the broker.
    pub fn adopt(&mut self, found: FoundOrder) {
        self.next_seq = self.next_seq.max(found.id.seq() + 1);
        let ticket = OrderTicket {
            id: found.id,
            symbol: found.symbol,
            side: found.side,
            quantity: found.quantity,
            kind: found.kind,
            parent: found.parent,
            oca_with: None,
        };
        self.open.insert(
            found.id,
            ManagedOrder {
                ticket,
                state: OrderState::Working,
                filled: found.filled,
                cancel_failures: 0,
            },
        );
    }

    /// Never hands out `id`'s sequence number (or a lower one) again: for ids
    /// found at the broker that are no longer working (today's executions
    /// after a restart), so a fresh book cannot reuse their `orderRef`.
    pub fn reserve_past(&mut self, id: ClientOrderId) {
        self.next_seq = self.next_seq.max(id.seq().saturating_add(1));
    }

    /// Looks an order up, open or closed.
    pub fn get(&self, id: ClientOrderId) -> Option<&ManagedOrder> {
        self.open
            .get(&id)
            .or_else(|| self.closed.iter().rev().find(|o| o.ticket.id == id))
    }

    /// Orders still working (or pending), in id order.
    pub fn open_orders(&self) -> impl Iterator<Item = &ManagedOrder> {
        self.open.values()
    }

    /// Orders that reached a terminal state, in the order they got there.
    pub fn closed_orders(&self) -> &[ManagedOrder] {
        &self.closed
    }

    /// The sequence number the next order will get.
    pub fn next_seq(&self) -> u32 {
        self.next_seq
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    fn record(&mut self, ticket: OrderTicket) {
        self.open.insert(
            ticket.id,
            ManagedOrder {
                ticket,
                state: OrderState::PendingSubmit,
                filled: Decimal::ZERO,
                cancel_failures: 0,
            },
        );
    }

    fn transition(&mut self, id: ClientOrderId, change: impl FnOnce(&mut ManagedOrder)) -> bool {
        let Some(order) = self.open.get_mut(&id) else {
            // Late news about a closed order (e.g. a status after the fill) is harmless.
            return self.closed.iter().any(|o| o.ticket.id == id);
        };
        change(order);
        if order.state.is_terminal() {
            if let Some(done) = self.open.remove(&id) {
                self.closed.push(done);
            }
        }
        true
    }
}

impl OpenOrderBook for OrderManager {
    /// Remaining quantity of working entries and exits on `side` (protective
    /// children are contingent and do not add exposure).
    fn working_quantity(&self, symbol: Symbol, side: Side) -> Decimal {
        self.open
            .values()
            .filter(|o| {
                o.ticket.symbol == symbol
                    && o.ticket.side == side
                    && !o.ticket.id.leg().is_protective()
            })
            .map(ManagedOrder::remaining)
            .sum()
    }

    fn open_order_count(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
#[path = "order_manager_tests.rs"]
mod tests;
