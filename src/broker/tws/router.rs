//! [`OrderRouter`]: sends the engine's commands to TWS and translates TWS's
//! order updates back into [`BrokerEvent`]s.
//!
//! It owns the mapping between our deterministic ids (`orderRef`) and IB's
//! numeric order ids, deduplicates executions by execution id (an execution can
//! arrive both live and in a reconciliation snapshot), and attaches each
//! commission report to the order of its execution. In read-only mode it
//! refuses every command: no code path can place or cancel an order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ibapi::orders::{ExecutionSide, OrderStatusKind, OrderUpdate};
use ibapi::Client;

use crate::broker::tws::orders::{ib_order, stock_contract};
use crate::broker::tws::snapshot::{decimal, parse_ib_time};
use crate::core::event::BrokerEvent;
use crate::core::order_manager::{Command, OrderTicket};
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::{Fill, Side, Symbol};

/// Why a command could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// `--read-only`: nothing is ever sent.
    #[error("read-only mode: refusing to {0}")]
    ReadOnly(&'static str),
    /// The client refused or failed to send.
    #[error("sending {what} {id} to TWS failed: {source}")]
    Send {
        /// What was being sent.
        what: &'static str,
        /// Our id.
        id: String,
        /// The client's error.
        #[source]
        source: ibapi::Error,
    },
    /// A cancel for an order TWS never got an id for.
    #[error("cannot cancel {0}: it has no IB order id")]
    UnknownOrder(ClientOrderId),
}

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

/// The result of translating one TWS update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translated {
    /// A fact about one of our orders.
    Event(BrokerEvent),
    /// Nothing the engine needs (duplicate, informational, another client's).
    Nothing,
    /// An order of this client that is not ours: trading must halt.
    Unaccounted(Unaccounted),
}

/// Sends commands and translates updates. One per connection session; ids
/// survive reconnects because the router outlives them.
pub struct OrderRouter {
    client: Arc<Client>,
    read_only: bool,
    by_ib: HashMap<i32, ClientOrderId>,
    by_ref: HashMap<ClientOrderId, i32>,
    exec_order: HashMap<String, (ClientOrderId, Symbol)>,
    seen_execs: HashSet<String>,
    seen_commissions: HashSet<String>,
}

impl OrderRouter {
    /// A router over `client`; with `read_only` every command is refused.
    pub fn new(client: Arc<Client>, read_only: bool) -> Self {
        Self {
            client,
            read_only,
            by_ib: HashMap::new(),
            by_ref: HashMap::new(),
            exec_order: HashMap::new(),
            seen_execs: HashSet::new(),
            seen_commissions: HashSet::new(),
        }
    }

    /// Whether every command is refused (`--read-only`).
    pub fn is_read_only(&self) -> bool {
        self.read_only
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

    /// Marks an execution id as already applied (replayed from the journal or a snapshot).
    pub fn mark_seen(&mut self, exec_id: &str, id: ClientOrderId, symbol: Symbol) -> bool {
        self.exec_order.insert(exec_id.to_string(), (id, symbol));
        self.seen_execs.insert(exec_id.to_string())
    }

    /// Sends one command. Brackets go out parent first, children after with
    /// `parentId`, one OCA group, and `transmit` only on the last child.
    ///
    /// # Errors
    /// [`RouterError`] when read-only, or when the client fails to send.
    pub async fn execute(&mut self, command: &Command) -> Result<(), RouterError> {
        match command {
            Command::PlaceBracket {
                entry,
                stop_loss,
                take_profit,
            } => {
                if self.read_only {
                    return Err(RouterError::ReadOnly("place a bracket"));
                }
                let parent_ib = self.client.next_order_id();
                let oca = format!(
                    "{}-oca",
                    entry.id().with_leg(crate::domain::order_id::Leg::Entry)
                );
                self.send(entry, parent_ib, 0, "", false).await?;
                let stop_ib = self.client.next_order_id();
                self.send(stop_loss, stop_ib, parent_ib, &oca, false)
                    .await?;
                let target_ib = self.client.next_order_id();
                self.send(take_profit, target_ib, parent_ib, &oca, true)
                    .await
            }
            Command::Place(ticket) => {
                if self.read_only {
                    return Err(RouterError::ReadOnly("place an order"));
                }
                let ib = self.client.next_order_id();
                let oca = ticket
                    .oca_with()
                    .map(|entry| {
                        format!(
                            "{}-oca",
                            entry.with_leg(crate::domain::order_id::Leg::Entry)
                        )
                    })
                    .unwrap_or_default();
                self.send(ticket, ib, 0, &oca, true).await
            }
            Command::Cancel(id) => {
                if self.read_only {
                    return Err(RouterError::ReadOnly("cancel an order"));
                }
                let ib = self.ib_id(*id).ok_or(RouterError::UnknownOrder(*id))?;
                self.client
                    .cancel_order(ib, "")
                    .await
                    .map(drop)
                    .map_err(|source| RouterError::Send {
                        what: "cancel",
                        id: id.to_string(),
                        source,
                    })
            }
            Command::CancelAll => {
                if self.read_only {
                    return Err(RouterError::ReadOnly("cancel all orders"));
                }
                self.client
                    .global_cancel()
                    .await
                    .map_err(|source| RouterError::Send {
                        what: "global cancel",
                        id: String::new(),
                        source,
                    })
            }
        }
    }

    async fn send(
        &mut self,
        ticket: &OrderTicket,
        ib_id: i32,
        parent_ib: i32,
        oca: &str,
        transmit: bool,
    ) -> Result<(), RouterError> {
        let order = ib_order(ticket, ib_id, parent_ib, oca, transmit);
        let contract = stock_contract(ticket.symbol().as_str());
        self.bind(ticket.id(), ib_id);
        self.client
            .submit_order(ib_id, &contract, &order)
            .await
            .map_err(|source| RouterError::Send {
                what: "order",
                id: ticket.id().to_string(),
                source,
            })
    }

    /// Our id for IB order `ib_id` (or, failing that, parsed from its `orderRef`).
    pub fn lookup(&self, ib_id: i32, order_ref: &str) -> Option<ClientOrderId> {
        self.resolve(ib_id, order_ref)
    }

    fn resolve(&self, ib_id: i32, order_ref: &str) -> Option<ClientOrderId> {
        self.by_ib
            .get(&ib_id)
            .copied()
            .or_else(|| order_ref.parse::<ClientOrderId>().ok())
    }

    /// The broker event an order-bound TWS error means, if any: 202 confirms a
    /// cancel; 103 (duplicate id), 201 (rejected), 203, 10147 and 10148
    /// (cannot find / cannot cancel) and other order errors mean the order is
    /// not working. Informational codes mean nothing.
    pub fn rejection(&self, ib_id: i32, code: i32) -> Option<BrokerEvent> {
        let id = self.by_ib.get(&ib_id).copied()?;
        match code {
            202 => Some(BrokerEvent::Cancelled { id }),
            103 | 104 | 105 | 110 | 135 | 161 | 200 | 201 | 203 | 321 | 10147 | 10148 => {
                Some(BrokerEvent::Rejected { id, code })
            }
            _ => None,
        }
    }

    /// Translates one update of this client's order stream.
    pub fn translate(&mut self, update: &OrderUpdate, now: DateTime<Utc>) -> Translated {
        match update {
            OrderUpdate::OrderStatus(status) => {
                let Some(id) = self.by_ib.get(&status.order_id).copied() else {
                    return Translated::Unaccounted(Unaccounted {
                        order_id: status.order_id,
                        order_ref: String::new(),
                        what: "order status",
                    });
                };
                match &status.status {
                    OrderStatusKind::Cancelled | OrderStatusKind::ApiCancelled => {
                        Translated::Event(BrokerEvent::Cancelled { id })
                    }
                    OrderStatusKind::Inactive => {
                        Translated::Event(BrokerEvent::Rejected { id, code: 0 })
                    }
                    OrderStatusKind::Submitted | OrderStatusKind::PreSubmitted => {
                        Translated::Event(BrokerEvent::Working { id })
                    }
                    _ => Translated::Nothing,
                }
            }
            OrderUpdate::OpenOrder(data) => {
                match self.resolve(data.order_id, &data.order.order_ref) {
                    Some(id) => {
                        self.bind(id, data.order_id);
                        Translated::Nothing
                    }
                    None => Translated::Unaccounted(Unaccounted {
                        order_id: data.order_id,
                        order_ref: data.order.order_ref.clone(),
                        what: "open order",
                    }),
                }
            }
            OrderUpdate::ExecutionData(data) => {
                let e = &data.execution;
                let Some(id) = self.resolve(e.order_id, &e.order_reference) else {
                    return Translated::Unaccounted(Unaccounted {
                        order_id: e.order_id,
                        order_ref: e.order_reference.clone(),
                        what: "execution",
                    });
                };
                let Ok(symbol) = Symbol::new(data.contract.symbol.as_str()) else {
                    return Translated::Nothing;
                };
                if !self.mark_seen(&e.execution_id, id, symbol) {
                    return Translated::Nothing;
                }
                Translated::Event(BrokerEvent::Filled {
                    id,
                    fill: Fill {
                        symbol,
                        side: match e.side {
                            ExecutionSide::Bought => Side::Buy,
                            ExecutionSide::Sold => Side::Sell,
                        },
                        quantity: decimal(e.shares),
                        price: decimal(e.price),
                        commission: rust_decimal::Decimal::ZERO,
                        // The broker's own execution time (TWS's clock is the market's).
                        time: parse_ib_time(&e.time).unwrap_or(now),
                    },
                })
            }
            OrderUpdate::CommissionReport(report) => {
                match self.exec_order.get(&report.execution_id) {
                    Some(&(id, symbol))
                        if self.seen_commissions.insert(report.execution_id.clone()) =>
                    {
                        Translated::Event(BrokerEvent::Commission {
                            id,
                            symbol,
                            amount: decimal(report.commission),
                        })
                    }
                    _ => Translated::Nothing,
                }
            }
            OrderUpdate::OrderBound(_) => Translated::Nothing,
        }
    }
}
