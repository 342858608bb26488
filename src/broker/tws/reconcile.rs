//! Adopting what already exists at TWS (at start) and catching up after a
//! reconnect: positions, our open orders (matched by `orderRef`, never
//! resent), executions missed while disconnected. Differences the bot cannot
//! explain halt trading. The sequence numbers of our orders found at TWS are
//! never handed out again, so a restart cannot reuse an `orderRef`.

use chrono::Utc;
use rust_decimal::Decimal;

use crate::broker::tws::audit::position_differences;
use crate::broker::tws::recorder::Recorder;
use crate::broker::tws::session::LiveSession;
use crate::broker::tws::snapshot::{self, BrokerExecution, BrokerOrder, SnapshotError};
use crate::core::engine::Engine;
use crate::core::event::BrokerEvent;
use crate::core::order_manager::FoundOrder;
use crate::domain::order_id::{ClientOrderId, Leg};
use crate::domain::types::{Fill, Symbol};
use crate::journal::OrderStatus;
use crate::redact::mask_account;

/// Why adoption or reconciliation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A read from TWS failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// TWS reported a position the portfolio cannot take.
    #[error("cannot adopt the {symbol} position of {quantity} shares at average cost {average_cost}: {detail}")]
    BadPosition {
        /// Symbol.
        symbol: String,
        /// Quantity.
        quantity: String,
        /// Average cost.
        average_cost: String,
        /// Why.
        detail: String,
    },
    /// The journal could not be read or written.
    #[error("journal: {0}")]
    Journal(#[from] crate::journal::JournalError),
    /// The order-id floor could not be read.
    #[error("cannot read the next valid order id from TWS: {0}")]
    NextId(ibapi::Error),
}

fn found(order: &BrokerOrder, id: ClientOrderId) -> FoundOrder {
    FoundOrder {
        id,
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        kind: order.kind,
        filled: Decimal::ZERO,
        parent: id.leg().is_protective().then(|| id.with_leg(Leg::Entry)),
    }
}

impl LiveSession {
    /// At start: restores positions, adopts our working orders, journals
    /// today's executions (marking them as already reflected in those
    /// positions), settles orders the journal left unresolved, and returns
    /// the symbols whose position at TWS the journal cannot explain (the
    /// caller halts trading and leaves them alone).
    ///
    /// # Errors
    /// [`ReconcileError`] when TWS cannot be read or a position is malformed.
    pub(in crate::broker::tws) async fn adopt_broker_state(
        &mut self,
    ) -> Result<Vec<Symbol>, ReconcileError> {
        let (client, account) = (&*self.client, self.account.expose());
        let (engine, router, recorder) = (&mut self.engine, &mut self.book, &mut self.recorder);
        let (managed, others) = snapshot::split_managed(
            snapshot::positions(client, account).await?,
            &engine.symbols(),
        );
        if !others.is_empty() {
            tracing::warn!(
                "not managed: {} (no enabled strategy trades them, or not a US stock: never stopped, flattened or counted toward a symbol's limit)",
                snapshot::position_list(&others)
            );
        }
        for position in managed {
            engine
                .restore_position(position.symbol, position.quantity, position.average_cost)
                .map_err(|e| ReconcileError::BadPosition {
                    symbol: position.symbol.to_string(),
                    quantity: position.quantity.to_string(),
                    average_cost: position.average_cost.to_string(),
                    detail: e.to_string(),
                })?;
            tracing::info!(symbol = %position.symbol, quantity = %position.quantity, average_cost = %position.average_cost, "adopted position");
        }
        let open = snapshot::open_orders(client).await?;
        for order in &open {
            match order.order_ref.parse::<ClientOrderId>() {
                Ok(id) => {
                    router.bind(id, order.order_id);
                    engine.adopt_order(found(order, id));
                    tracing::info!(order = %id, ib_order_id = order.order_id, status = %order.status, "adopted working order");
                }
                Err(_) => tracing::warn!(
                    ib_order_id = order.order_id,
                    client_id = order.client_id,
                    symbol = %order.symbol,
                    "a working order not placed by this bot exists in the account; it is left alone but counts toward nothing the bot controls"
                ),
            }
        }
        let executions = snapshot::executions(client, account).await?;
        let now = recorder.now();
        for execution in &executions {
            // Fills that happened while the bot was down are journaled now.
            recorder.execution(execution);
            if let Ok(id) = execution.order_ref.parse::<ClientOrderId>() {
                router.mark_seen(&execution.exec_id, id, execution.symbol);
                // Its orderRef is taken for the day, even though the order is done.
                engine.reserve_order_id(id);
            }
        }
        resolve_journaled_orders(recorder, &open, &executions, now)?;
        let differing = check_positions_against_journal(recorder, engine, now)?;
        tracing::info!(account = %mask_account(account), "broker state adopted");
        Ok(differing)
    }
}

/// Compares TWS's positions (already adopted) with the positions the journal's
/// executions add up to; logs every difference with the symbol and both
/// quantities and returns the symbols that differ. A position the journal
/// has no executions for at all (bought by hand, by another program, or
/// before this journal's first trade) differs too: it is not the bot's.
fn check_positions_against_journal(
    recorder: &mut Recorder,
    engine: &mut Engine,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<Symbol>, ReconcileError> {
    let day = crate::domain::calendar::trading_day(now);
    let report = recorder.journal().day_report(day)?;
    // The same filter as adoption: only the symbols the strategies trade.
    let managed = engine.symbols();
    let journaled: Vec<(Symbol, Decimal)> = report
        .pnl
        .iter()
        .filter(|p| managed.contains(&p.symbol))
        .map(|p| (p.symbol, p.position))
        .collect();
    let differences = position_differences(engine.portfolio(), &journaled);
    for &(symbol, journal, tws) in &differences {
        tracing::error!(
            %symbol,
            %journal,
            %tws,
            "position at TWS is not what the bot's journal adds up to (bought or sold by hand, by another program, before this journal's first trade, or a lost fill): trading halted and the position left alone — close it in TWS, or restart with --operator-reset to take TWS's position as the bot's"
        );
    }
    Ok(differences.iter().map(|&(symbol, _, _)| symbol).collect())
}

/// Settles every order the journal left unresolved (intent written, outcome
/// unknown — e.g. killed between journal write and send) by looking its
/// `orderRef` up at TWS. Nothing is ever resent.
fn resolve_journaled_orders(
    recorder: &mut Recorder,
    open: &[BrokerOrder],
    executions: &[BrokerExecution],
    now: chrono::DateTime<Utc>,
) -> Result<(), ReconcileError> {
    for order in recorder.journal().unresolved_orders()? {
        let reference = order.order_ref.to_string();
        let working = open.iter().find(|o| o.order_ref == reference);
        let filled: Decimal = executions
            .iter()
            .filter(|e| e.order_ref == reference)
            .map(|e| e.quantity)
            .sum();
        // Sent but its send not journaled (killed right after the send): the
        // IB order id is still knowable from the working order or a fill.
        let ib_order_id = working.map(|o| o.order_id).or_else(|| {
            executions
                .iter()
                .find(|e| e.order_ref == reference)
                .map(|e| e.order_id)
        });
        if let (None, Some(ib)) = (order.ib_order_id, ib_order_id) {
            recorder.journal().mark_sent(&order.order_ref, ib, now)?;
        }
        let (state, note) = if working.is_some() {
            (OrderStatus::Working, "working at TWS")
        } else if filled >= order.quantity {
            (OrderStatus::Filled, "filled at TWS")
        } else if order.ib_order_id.is_none() && filled.is_zero() {
            (
                OrderStatus::Cancelled,
                "neither working nor filled at TWS (never sent, or ended unfilled while the bot was down); not resent",
            )
        } else {
            (OrderStatus::Cancelled, "no longer working at TWS")
        };
        tracing::warn!(order = %order.order_ref, outcome = note, "resolved an order left open in the journal");
        recorder
            .journal()
            .record_status(&order.order_ref, state, filled, now)?;
    }
    Ok(())
}

impl LiveSession {
    /// After a reconnect (or a broken order stream): raises the order-id floor,
    /// applies executions missed meanwhile, settles our orders that ended while
    /// we were away, adopts ours we did not know, and returns the managed
    /// positions that still disagree with TWS, as (symbol, TWS, bot) — the
    /// caller decides (executions may still be on their way).
    ///
    /// # Errors
    /// [`ReconcileError`] when TWS cannot be read.
    pub(in crate::broker::tws) async fn reconcile_after_reconnect(
        &mut self,
    ) -> Result<Vec<(Symbol, Decimal, Decimal)>, ReconcileError> {
        let (client, account) = (&*self.client, self.account.expose());
        let (engine, router, recorder, out) = (
            &mut self.engine,
            &mut self.book,
            &mut self.recorder,
            &mut self.out,
        );
        let floor = client
            .next_valid_order_id()
            .await
            .map_err(ReconcileError::NextId)?;
        tracing::info!(next_valid_order_id = floor, "order-id floor refreshed");
        let now = recorder.now();
        let mut filled = Vec::new();
        for execution in snapshot::executions(client, account).await? {
            let Ok(id) = execution.order_ref.parse::<ClientOrderId>() else {
                continue;
            };
            recorder.execution(&execution);
            if let Some(event) = router.fill_event(&execution, id) {
                tracing::warn!(order = %id, exec_id = %execution.exec_id, "applying an execution missed while disconnected");
                let event = match event {
                    BrokerEvent::Filled { id, fill } => BrokerEvent::Filled {
                        id,
                        fill: Fill { time: now, ..fill },
                    },
                    other => other,
                };
                engine.on_broker(&event, now, out);
                filled.push(execution.symbol);
            }
            // Its commission (possibly missed even when the execution was
            // not) is applied once: a later report of the exec id is a duplicate.
            if let Some(amount) = execution
                .commission
                .and_then(|c| router.commission_due(&execution.exec_id, c))
                .filter(|a| !a.is_zero())
            {
                let symbol = execution.symbol;
                engine.on_broker(&BrokerEvent::Commission { id, symbol, amount }, now, out);
            }
        }
        let open = snapshot::open_orders(client).await?;
        let at_broker: Vec<ClientOrderId> = open
            .iter()
            .filter_map(|o| o.order_ref.parse().ok())
            .collect();
        let gone: Vec<ClientOrderId> = engine
            .orders()
            .open_orders()
            .map(|o| o.ticket.id())
            .filter(|id| !at_broker.contains(id))
            .collect();
        for order in &open {
            if let Ok(id) = order.order_ref.parse::<ClientOrderId>() {
                router.bind(id, order.order_id);
                if engine.orders().get(id).is_none() {
                    engine.adopt_order(found(order, id));
                }
            }
        }
        let (positions, _) = snapshot::split_managed(
            snapshot::positions(client, account).await?,
            &engine.symbols(),
        );
        let at_tws: Vec<(Symbol, Decimal)> =
            positions.iter().map(|p| (p.symbol, p.quantity)).collect();
        let differences = position_differences(engine.portfolio(), &at_tws);
        for symbol in filled {
            self.note_fill(symbol);
        }
        for id in gone {
            self.on_vanished(id);
        }
        Ok(differences)
    }
}
