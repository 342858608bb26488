//! [`OrderBook`]: the pure half of order routing. It knows which IB order id
//! is which of our orders, which executions and commissions were already
//! applied, and decodes each TWS order update once into what the journal
//! keeps ([`JournalFact`]) and what the engine must hear ([`Translated`]).
//!
//! Owns the id maps, execution and commission de-duplication (an execution
//! can arrive live and again in a reconciliation snapshot), and the mapping of
//! IB statuses and order-bound error codes to [`BrokerEvent`]s. Must never
//! hold a client or do I/O: [`OrderSender`](super::sender::OrderSender) sends,
//! this only remembers and translates, so it is unit-tested with hand-built
//! `OrderUpdate`s.

use std::collections::{BTreeMap, HashMap, HashSet};

use ibapi::orders::{OrderStatusKind, OrderUpdate};
use rust_decimal::Decimal;

use crate::broker::codes::{self, Meaning};
use crate::broker::tws::snapshot::{broker_execution, is_us_stock, BrokerExecution};
use crate::broker::tws::wire::{self, Malformed};
use crate::core::event::BrokerEvent;
use crate::domain::exec_id::stem_and_revision;
use crate::domain::order_id::{claims_ours, ClientOrderId};
use crate::domain::types::{Fill, Symbol};
use crate::journal::OrderStatus;

/// Something in TWS's order stream the bot cannot account for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unaccounted {
    /// IB order id.
    pub order_id: i32,
    /// The `orderRef` it carried (may be empty).
    pub order_ref: String,
    /// What arrived.
    pub what: &'static str,
}

/// What the engine must hear of one TWS update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translated {
    /// A fact about one of our orders.
    Event(BrokerEvent),
    /// Nothing the engine needs (duplicate, informational, another client's).
    Nothing,
    /// An order of this client that is not ours, or an update about ours that
    /// cannot be decoded: trading must halt.
    Unaccounted(Unaccounted),
}

/// What the journal keeps of one TWS update.
#[derive(Debug, Clone, PartialEq)]
pub enum JournalFact {
    /// A new status of one of our orders.
    Status {
        /// Our id.
        id: ClientOrderId,
        /// The status.
        status: OrderStatus,
        /// Shares filled so far.
        filled: Decimal,
    },
    /// An execution (unique by exec id in the journal).
    Execution(BrokerExecution),
    /// The commission of an execution.
    Commission {
        /// The execution it belongs to.
        exec_id: String,
        /// The amount.
        amount: Decimal,
    },
}

/// One TWS order update, decoded once for the journal and the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// What to journal, if anything.
    pub journal: Option<JournalFact>,
    /// What to tell the engine.
    pub engine: Translated,
}

impl Decoded {
    fn engine_only(engine: Translated) -> Self {
        Self {
            journal: None,
            engine,
        }
    }
}

/// The id maps and de-duplication sets of one session; they outlive
/// reconnects, so ids stay bound across them.
#[derive(Debug, Default)]
pub struct OrderBook {
    by_ib: HashMap<i32, ClientOrderId>,
    by_ref: HashMap<ClientOrderId, i32>,
    exec_order: HashMap<String, (ClientOrderId, Symbol)>,
    seen_execs: HashSet<String>,
    seen_commissions: HashSet<String>,
    /// Per exec-id stem: the revision and fill applied (corrections replace it).
    applied: HashMap<String, (u32, Fill)>,
    /// Per exec-id stem: the commission applied (a correction's replaces it).
    charged: HashMap<String, Decimal>,
    /// IB ids of orders seen that are not ours (no `orderRef` of ours):
    /// manual orders (client 0), other clients'. Left alone.
    not_ours: HashSet<i32>,
    /// Our orders TWS accepted but holds until the market opens (399 "will
    /// not be placed at the exchange until …"), with the time TWS named:
    /// still working, executed at that open. Cleared when one goes to the
    /// exchange (Submitted) or ends.
    parked: BTreeMap<ClientOrderId, String>,
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that IB order `ib_id` is our `id` (sent by us, or adopted after a restart).
    pub fn bind(&mut self, id: ClientOrderId, ib_id: i32) {
        self.by_ib.insert(ib_id, id);
        self.by_ref.insert(id, ib_id);
    }

    /// The IB id of one of our orders.
    pub fn ib_id(&self, id: ClientOrderId) -> Option<i32> {
        self.by_ref.get(&id).copied()
    }

    /// Our id for IB order `ib_id` (or, failing that, parsed from its `orderRef`).
    pub fn lookup(&self, ib_id: i32, order_ref: &str) -> Option<ClientOrderId> {
        self.by_ib
            .get(&ib_id)
            .copied()
            .or_else(|| order_ref.parse::<ClientOrderId>().ok())
    }

    /// Marks an execution id as applied; `false` when it already was.
    pub fn mark_seen(&mut self, exec_id: &str, id: ClientOrderId, symbol: Symbol) -> bool {
        self.exec_order.insert(exec_id.to_string(), (id, symbol));
        self.seen_execs.insert(exec_id.to_string())
    }

    /// The broker event an order-bound TWS error means for one of our
    /// orders, if any (see [`codes::meaning`]). A failed cancel is never a
    /// rejection: the order may still work ([`BrokerEvent::CancelFailed`]),
    /// unless TWS says it already ended (then its own status tells).
    pub fn rejection(&self, ib_id: i32, code: i32, message: &str) -> Option<BrokerEvent> {
        let id = self.by_ib.get(&ib_id).copied()?;
        match codes::meaning(code) {
            Meaning::OrderCancelled => Some(BrokerEvent::Cancelled { id }),
            Meaning::OrderRejected => Some(BrokerEvent::Rejected { id, code }),
            Meaning::CancelFailed if codes::cancel_refusal_is_final(code, message) => None,
            Meaning::CancelFailed => Some(BrokerEvent::CancelFailed { id, code }),
            _ => None,
        }
    }

    /// Notes a 399 that parks our order `ib_id` until the open TWS names;
    /// returns our id, or `None` when the notice is not that or the order
    /// is not ours.
    pub fn note_parked(&mut self, ib_id: i32, code: i32, message: &str) -> Option<ClientOrderId> {
        let until = codes::parked_until(code, message)?;
        let id = self.by_ib.get(&ib_id).copied()?;
        self.parked.insert(id, until.to_string());
        Some(id)
    }

    /// Our orders parked until the market opens, with the time TWS named.
    pub fn parked(&self) -> impl Iterator<Item = (ClientOrderId, &str)> {
        self.parked.iter().map(|(id, until)| (*id, until.as_str()))
    }

    /// What a new execution of our order `id` means: a fill, a correction
    /// of an earlier fill (same exec-id stem, higher revision), or nothing
    /// (seen already, or older than a correction applied).
    pub fn fill_event(
        &mut self,
        execution: &BrokerExecution,
        id: ClientOrderId,
    ) -> Option<BrokerEvent> {
        if !self.mark_seen(&execution.exec_id, id, execution.symbol) {
            return None;
        }
        let (stem, revision) = stem_and_revision(&execution.exec_id);
        let fill = fill_of(execution);
        match self.applied.get(stem).copied() {
            Some((applied, _)) if applied >= revision => None,
            Some((_, previous)) => {
                self.applied.insert(stem.to_string(), (revision, fill));
                Some(BrokerEvent::Corrected { id, previous, fill })
            }
            None => {
                self.applied.insert(stem.to_string(), (revision, fill));
                Some(BrokerEvent::Filled { id, fill })
            }
        }
    }

    /// The commission to apply for `exec_id` reporting `amount`: the
    /// difference to what its stem was charged so far (a correction's
    /// commission replaces the corrected one's); `None` when this report
    /// was applied already (a duplicate, or a catch-up after a reconnect).
    pub fn commission_due(&mut self, exec_id: &str, amount: Decimal) -> Option<Decimal> {
        if !self.seen_commissions.insert(exec_id.to_string()) {
            return None;
        }
        let (stem, _) = stem_and_revision(exec_id);
        let before = self
            .charged
            .insert(stem.to_string(), amount)
            .unwrap_or_default();
        Some(amount - before)
    }

    /// Decodes one update of this client's order stream.
    pub fn decode(&mut self, update: &OrderUpdate) -> Decoded {
        match update {
            OrderUpdate::OrderStatus(status) => self.status(status),
            OrderUpdate::OpenOrder(data) => {
                Decoded::engine_only(match self.lookup(data.order_id, &data.order.order_ref) {
                    Some(id) => {
                        self.bind(id, data.order_id);
                        Translated::Nothing
                    }
                    None if claims_ours(&data.order.order_ref) => {
                        unaccounted(data.order_id, &data.order.order_ref, "open order")
                    }
                    None => {
                        if self.not_ours.insert(data.order_id) {
                            tracing::info!(ib_order_id = data.order_id, client_id = data.order.client_id, symbol = %data.contract.symbol, "an order not placed by this bot (manual or another client's): left alone");
                        }
                        Translated::Nothing
                    }
                })
            }
            OrderUpdate::ExecutionData(data) => self.execution(data),
            OrderUpdate::CommissionReport(report) => self.commission(report),
            OrderUpdate::OrderBound(_) => Decoded::engine_only(Translated::Nothing),
        }
    }

    fn status(&mut self, status: &ibapi::orders::OrderStatus) -> Decoded {
        let Some(id) = self.by_ib.get(&status.order_id).copied() else {
            if self.not_ours.contains(&status.order_id) {
                return Decoded::engine_only(Translated::Nothing);
            }
            return Decoded::engine_only(unaccounted(status.order_id, "", "order status"));
        };
        if !matches!(status.status, OrderStatusKind::PreSubmitted) {
            // At the exchange (Submitted) or done: no longer parked.
            self.parked.remove(&id);
        }
        let (journaled, event) = match &status.status {
            OrderStatusKind::Submitted | OrderStatusKind::PreSubmitted => {
                (OrderStatus::Working, Some(BrokerEvent::Working { id }))
            }
            OrderStatusKind::Filled => (OrderStatus::Filled, None),
            OrderStatusKind::Cancelled | OrderStatusKind::ApiCancelled => {
                (OrderStatus::Cancelled, Some(BrokerEvent::Cancelled { id }))
            }
            OrderStatusKind::Inactive => (
                OrderStatus::Rejected,
                Some(BrokerEvent::Rejected { id, code: 0 }),
            ),
            _ => return Decoded::engine_only(Translated::Nothing),
        };
        let engine = event.map_or(Translated::Nothing, Translated::Event);
        match wire::amount("filled quantity", status.filled) {
            Ok(filled) => Decoded {
                journal: Some(JournalFact::Status {
                    id,
                    status: journaled,
                    filled,
                }),
                engine,
            },
            Err(error) => malformed(id, &error, "order status"),
        }
    }

    fn execution(&mut self, data: &ibapi::orders::ExecutionData) -> Decoded {
        let e = &data.execution;
        let id = self.lookup(e.order_id, &e.order_reference);
        if id.is_none() && !is_us_stock(&data.contract) {
            // An option, future or forex fill of someone else's (e.g. typed
            // into TWS while the bot is client 0): never SPY shares to us.
            tracing::info!(exec_id = %e.execution_id, sec_type = ?data.contract.security_type, "execution of a contract the bot does not trade: left alone");
            return Decoded::engine_only(Translated::Nothing);
        }
        let execution = match broker_execution(data) {
            Ok(execution) => execution,
            Err(error) => {
                return match id {
                    Some(id) => malformed(id, &error, "execution"),
                    None => {
                        tracing::warn!(exec_id = %e.execution_id, %error, "execution of another order dropped");
                        Decoded::engine_only(Translated::Nothing)
                    }
                }
            }
        };
        let Some(id) = id else {
            let engine = if claims_ours(&e.order_reference) {
                unaccounted(e.order_id, &e.order_reference, "execution")
            } else {
                tracing::info!(exec_id = %e.execution_id, ib_order_id = e.order_id, "execution of an order not placed by this bot: journaled, left alone");
                Translated::Nothing
            };
            return Decoded {
                journal: Some(JournalFact::Execution(execution)),
                engine,
            };
        };
        let engine = self
            .fill_event(&execution, id)
            .map_or(Translated::Nothing, Translated::Event);
        Decoded {
            journal: Some(JournalFact::Execution(execution)),
            engine,
        }
    }

    fn commission(&mut self, report: &ibapi::orders::CommissionReport) -> Decoded {
        let amount = match wire::amount("commission", report.commission) {
            Ok(amount) => amount,
            Err(error) => {
                tracing::warn!(exec_id = %report.execution_id, %error, "commission report dropped");
                return Decoded::engine_only(Translated::Nothing);
            }
        };
        let journal = Some(JournalFact::Commission {
            exec_id: report.execution_id.clone(),
            amount,
        });
        let engine = match self.exec_order.get(&report.execution_id).copied() {
            Some((id, symbol)) => match self.commission_due(&report.execution_id, amount) {
                Some(amount) if !amount.is_zero() => {
                    Translated::Event(BrokerEvent::Commission { id, symbol, amount })
                }
                _ => Translated::Nothing,
            },
            None => Translated::Nothing,
        };
        Decoded { journal, engine }
    }
}

/// The fill an execution means to the engine (its commission arrives apart).
pub fn fill_of(execution: &BrokerExecution) -> Fill {
    Fill {
        symbol: execution.symbol,
        side: execution.side,
        quantity: execution.quantity,
        price: execution.price,
        commission: Decimal::ZERO,
        // The broker's own execution time (TWS's clock is the market's).
        time: execution.time,
    }
}

fn unaccounted(order_id: i32, order_ref: &str, what: &'static str) -> Translated {
    Translated::Unaccounted(Unaccounted {
        order_id,
        order_ref: order_ref.to_string(),
        what,
    })
}

/// An update about one of our orders that cannot be decoded: logged once,
/// dropped, and — since the bot can no longer account for that order —
/// reported as unaccounted, which halts trading.
fn malformed(id: ClientOrderId, error: &Malformed, what: &'static str) -> Decoded {
    tracing::error!(order = %id, %error, "{what} dropped");
    Decoded::engine_only(unaccounted(0, &id.to_string(), what))
}

#[cfg(test)]
#[path = "order_book_tests.rs"]
mod tests;
