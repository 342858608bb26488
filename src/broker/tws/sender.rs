//! [`OrderSender`]: the thin half of order routing that owns the `ibapi`
//! client. It turns the engine's commands into `placeOrder` / `cancelOrder`
//! requests and binds each order it sends in the [`OrderBook`].
//!
//! Owns the wire shape of a bracket (parent first, children with `parentId`,
//! one OCA group, `transmit` only on the last child) and the read-only
//! refusal: in read-only mode no code path can place or cancel an order.
//! Must never decide anything: what to send is the engine's, what updates
//! mean is the [`OrderBook`]'s.

use std::sync::Arc;

use ibapi::Client;

use crate::broker::tws::order_book::OrderBook;
use crate::broker::tws::orders::{ib_order, oca_group, stock_contract, Link};
use crate::core::order_manager::{Command, OrderTicket};
use crate::domain::order_id::ClientOrderId;

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

/// The orders one command sent, each with the IB id it was bound to (at most
/// three: a bracket). No allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    ids: [Option<(ClientOrderId, i32)>; 3],
}

impl Sent {
    fn push(&mut self, id: ClientOrderId, ib_id: i32) {
        if let Some(slot) = self.ids.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some((id, ib_id));
        }
    }

    /// Our id and IB's, for each order sent.
    pub fn iter(&self) -> impl Iterator<Item = (ClientOrderId, i32)> + '_ {
        self.ids.iter().flatten().copied()
    }
}

/// Sends commands over one client; refuses everything when read-only.
pub struct OrderSender {
    client: Arc<Client>,
    read_only: bool,
}

impl OrderSender {
    /// A sender over `client`; with `read_only` every command is refused.
    pub fn new(client: Arc<Client>, read_only: bool) -> Self {
        Self { client, read_only }
    }

    /// Sends one command, binding every order it sends in `book`, and
    /// returns the ids it bound.
    ///
    /// # Errors
    /// [`RouterError`] when read-only, or when the client fails to send.
    pub async fn execute(
        &self,
        command: &Command,
        book: &mut OrderBook,
    ) -> Result<Sent, RouterError> {
        let mut sent = Sent::default();
        match command {
            Command::PlaceBracket {
                entry,
                stop_loss,
                take_profit,
            } => {
                self.refuse_if_read_only("place a bracket")?;
                let oca = oca_group(entry.id());
                let alone = Link {
                    parent: 0,
                    oca: "",
                    transmit: false,
                };
                let parent = self.send(entry, alone, book, &mut sent).await?;
                let child = Link {
                    parent,
                    oca: &oca,
                    transmit: false,
                };
                self.send(stop_loss, child, book, &mut sent).await?;
                let last = Link {
                    transmit: true,
                    ..child
                };
                self.send(take_profit, last, book, &mut sent).await?;
            }
            Command::Place(ticket) => {
                self.refuse_if_read_only("place an order")?;
                let oca = ticket.oca_with().map(oca_group).unwrap_or_default();
                let link = Link {
                    parent: 0,
                    oca: &oca,
                    transmit: true,
                };
                self.send(ticket, link, book, &mut sent).await?;
            }
            Command::Cancel(id) => {
                self.refuse_if_read_only("cancel an order")?;
                let ib = book.ib_id(*id).ok_or(RouterError::UnknownOrder(*id))?;
                self.client
                    .cancel_order(ib, "")
                    .await
                    // The cancel's own update stream is not needed: updates arrive on the order stream.
                    .map(drop)
                    .map_err(|source| RouterError::Send {
                        what: "cancel",
                        id: id.to_string(),
                        source,
                    })?;
            }
            Command::CancelAll => {
                self.refuse_if_read_only("cancel all orders")?;
                self.client
                    .global_cancel()
                    .await
                    .map_err(|source| RouterError::Send {
                        what: "global cancel",
                        id: String::new(),
                        source,
                    })?;
            }
        }
        Ok(sent)
    }

    /// Sends one stand-alone order under `id` instead of the ticket's own id
    /// (a manual command numbers its orders in its own namespace, see
    /// [`ClientOrderId::manual`]): `id` is its `orderRef` and what `book`
    /// binds. Returns the IB order id.
    ///
    /// # Errors
    /// [`RouterError`] when read-only, or when the client fails to send.
    pub async fn place_as(
        &self,
        ticket: &OrderTicket,
        id: ClientOrderId,
        book: &mut OrderBook,
    ) -> Result<i32, RouterError> {
        self.refuse_if_read_only("place an order")?;
        let ib_id = self.client.next_order_id();
        let mut order = ib_order(ticket, ib_id, Link::ALONE);
        order.order_ref = id.to_string();
        book.bind(id, ib_id);
        self.client
            .submit_order(ib_id, &stock_contract(ticket.symbol()), &order)
            .await
            .map_err(|source| RouterError::Send {
                what: "order",
                id: id.to_string(),
                source,
            })?;
        Ok(ib_id)
    }

    /// From now on refuses every command, as with `--read-only` (TWS's own
    /// API turned out to be read-only).
    pub fn refuse_all(&mut self) {
        self.read_only = true;
    }

    /// Whether every command is refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn refuse_if_read_only(&self, what: &'static str) -> Result<(), RouterError> {
        if self.read_only {
            return Err(RouterError::ReadOnly(what));
        }
        Ok(())
    }

    /// Sends one order under a fresh IB id, bound before it leaves; returns that id.
    async fn send(
        &self,
        ticket: &OrderTicket,
        link: Link<'_>,
        book: &mut OrderBook,
        sent: &mut Sent,
    ) -> Result<i32, RouterError> {
        let ib_id = self.client.next_order_id();
        let order = ib_order(ticket, ib_id, link);
        let contract = stock_contract(ticket.symbol());
        book.bind(ticket.id(), ib_id);
        sent.push(ticket.id(), ib_id);
        self.client
            .submit_order(ib_id, &contract, &order)
            .await
            .map_err(|source| RouterError::Send {
                what: "order",
                id: ticket.id().to_string(),
                source,
            })?;
        Ok(ib_id)
    }
}
