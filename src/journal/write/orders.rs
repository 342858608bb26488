//! Writes of the order lifecycle: intents (before sending), "sent", and
//! status changes, each appended to the order's history.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};
use rust_decimal::Decimal;

use super::Ctx;
use crate::domain::order_id::ClientOrderId;
use crate::journal::codec::{day_text, kind_parts, leg_text, opt_text, order_day, time_text};
use crate::journal::error::JournalError;
use crate::journal::read::load_order;
use crate::journal::records::{OrderIntentRecord, OrderStatus};
use crate::journal::Journal;

impl Journal {
    /// Journals one order intent before it is sent. Idempotent: the same
    /// intent again returns `Ok(false)` and writes nothing. Returns `Ok(true)`
    /// when newly recorded (state `intent`).
    ///
    /// # Errors
    /// As [`record_intents`](Self::record_intents).
    pub fn record_intent(&mut self, intent: &OrderIntentRecord) -> Result<bool, JournalError> {
        Ok(self.record_intents(std::slice::from_ref(intent))? == 1)
    }

    /// Journals several intents atomically — the three legs of a bracket must
    /// all be on disk before any is sent. A child's parent must be journaled
    /// already or come earlier in `intents`. Intents already journaled with
    /// identical content are skipped. Returns how many were new.
    ///
    /// # Errors
    /// [`JournalError::Conflict`] when an order id is already journaled with
    /// different content; [`JournalError::InvalidRecord`] for a non-positive
    /// quantity or price; [`JournalError::UnknownOrder`] for a parent that is
    /// not journaled. Nothing is written then.
    pub fn record_intents(&mut self, intents: &[OrderIntentRecord]) -> Result<usize, JournalError> {
        self.write("recording order intents", |tx, path| {
            let mut new = 0;
            for intent in intents {
                if insert_intent(tx, path, intent)? {
                    new += 1;
                }
            }
            Ok(new)
        })
    }

    /// Records that `placeOrder` was called for `order_ref` with IB order id
    /// `ib_order_id`: an `intent` becomes `sent`; a later state is kept.
    ///
    /// # Errors
    /// [`JournalError::UnknownOrder`] when the order is not journaled;
    /// [`JournalError::Conflict`] when it already has another IB order id.
    pub fn mark_sent(
        &mut self,
        order_ref: &ClientOrderId,
        ib_order_id: i32,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.write("marking an order sent", |tx, path| {
            let order = load_order(tx, path, order_ref)?
                .ok_or_else(|| JournalError::UnknownOrder(order_ref.to_string()))?;
            if let Some(existing) = order.ib_order_id.filter(|id| *id != ib_order_id) {
                return Err(JournalError::Conflict(format!(
                    "order {order_ref} was sent as IB order {existing}, not {ib_order_id}"
                )));
            }
            let state = if order.state == OrderStatus::Intent {
                OrderStatus::Sent
            } else {
                order.state
            };
            if order.ib_order_id.is_some() && state == order.state {
                return Ok(());
            }
            update_order(
                tx,
                path,
                order_ref,
                state,
                order.filled,
                Some(ib_order_id),
                at,
            )?;
            append_event(
                tx,
                path,
                order_ref,
                state,
                order.filled,
                Some(ib_order_id),
                at,
            )
        })
    }

    /// Records a status the broker (or the restart path) reported. Appends to
    /// the order's history whenever state or filled quantity differ from the
    /// latest known; the order's current state never leaves a terminal state
    /// (filled, cancelled, rejected) and its filled quantity never decreases.
    /// Returns the order's resulting state.
    ///
    /// # Errors
    /// [`JournalError::UnknownOrder`]; [`JournalError::InvalidRecord`] when
    /// `state` is `Intent` or `filled` is negative or above the order quantity.
    pub fn record_status(
        &mut self,
        order_ref: &ClientOrderId,
        state: OrderStatus,
        filled: Decimal,
        at: DateTime<Utc>,
    ) -> Result<OrderStatus, JournalError> {
        self.write("recording an order status", |tx, path| {
            let order = load_order(tx, path, order_ref)?
                .ok_or_else(|| JournalError::UnknownOrder(order_ref.to_string()))?;
            if state == OrderStatus::Intent {
                return Err(JournalError::InvalidRecord(format!(
                    "order {order_ref}: a status cannot return an order to intent"
                )));
            }
            if filled < Decimal::ZERO || filled > order.quantity {
                return Err(JournalError::InvalidRecord(format!(
                    "order {order_ref}: filled {filled} is outside 0..={}",
                    order.quantity
                )));
            }
            let new_state = if order.state.is_terminal() {
                order.state
            } else {
                state
            };
            let new_filled = filled.max(order.filled);
            if state == order.state && new_filled == order.filled {
                return Ok(order.state);
            }
            if new_state != order.state || new_filled != order.filled {
                update_order(
                    tx,
                    path,
                    order_ref,
                    new_state,
                    new_filled,
                    order.ib_order_id,
                    at,
                )?;
            }
            append_event(tx, path, order_ref, state, filled, order.ib_order_id, at)?;
            Ok(new_state)
        })
    }
}

/// Inserts one intent unless an identical one exists; `true` when inserted.
fn insert_intent(
    tx: &Transaction<'_>,
    path: &Path,
    intent: &OrderIntentRecord,
) -> Result<bool, JournalError> {
    let id = intent.order_ref;
    let (kind, limit, stop) = kind_parts(intent.kind);
    let prices_positive = [limit, stop]
        .into_iter()
        .flatten()
        .all(|p| p > Decimal::ZERO);
    if intent.quantity <= Decimal::ZERO || !prices_positive {
        return Err(JournalError::InvalidRecord(format!(
            "order {id}: quantity and prices must be > 0 (quantity {}, kind {:?})",
            intent.quantity, intent.kind
        )));
    }
    if let Some(existing) = load_order(tx, path, &id)? {
        let same = existing.symbol == intent.symbol
            && existing.side == intent.side
            && existing.quantity == intent.quantity
            && existing.kind == intent.kind
            && existing.parent == intent.parent;
        return if same {
            Ok(false)
        } else {
            Err(JournalError::Conflict(format!(
                "order {id} is journaled as {} {} {} {:?}, not {} {} {} {:?}",
                existing.side,
                existing.quantity,
                existing.symbol,
                existing.kind,
                intent.side,
                intent.quantity,
                intent.symbol,
                intent.kind
            )))
        };
    }
    if let Some(parent) = intent.parent {
        if load_order(tx, path, &parent)?.is_none() {
            return Err(JournalError::UnknownOrder(parent.to_string()));
        }
    }
    let at = time_text(intent.at);
    tx.execute(
        "INSERT INTO orders (order_ref, trading_day, strategy, seq, leg, symbol, side, quantity, \
         kind, limit_price, stop_price, parent_ref, ib_order_id, state, filled, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, '0', \
         ?14, ?14)",
        params![
            id.to_string(),
            day_text(order_day(&id)?),
            id.strategy(),
            id.seq(),
            leg_text(id.leg()),
            intent.symbol.as_str(),
            intent.side.as_ib(),
            intent.quantity.to_string(),
            kind,
            opt_text(limit),
            opt_text(stop),
            intent.parent.map(|p| p.to_string()),
            OrderStatus::Intent.as_str(),
            at,
        ],
    )
    .ctx(path, "recording an order intent")?;
    append_event(
        tx,
        path,
        &id,
        OrderStatus::Intent,
        Decimal::ZERO,
        None,
        intent.at,
    )?;
    Ok(true)
}

/// Sets an order's current state, filled quantity and IB id.
fn update_order(
    tx: &Transaction<'_>,
    path: &Path,
    id: &ClientOrderId,
    state: OrderStatus,
    filled: Decimal,
    ib_order_id: Option<i32>,
    at: DateTime<Utc>,
) -> Result<(), JournalError> {
    tx.execute(
        "UPDATE orders SET state = ?2, filled = ?3, ib_order_id = ?4, updated_at = ?5 \
         WHERE order_ref = ?1",
        params![
            id.to_string(),
            state.as_str(),
            filled.to_string(),
            ib_order_id,
            time_text(at)
        ],
    )
    .ctx(path, "updating an order")?;
    Ok(())
}

/// Appends one row to an order's status history.
fn append_event(
    tx: &Transaction<'_>,
    path: &Path,
    id: &ClientOrderId,
    state: OrderStatus,
    filled: Decimal,
    ib_order_id: Option<i32>,
    at: DateTime<Utc>,
) -> Result<(), JournalError> {
    tx.execute(
        "INSERT INTO order_events (order_ref, at, state, filled, ib_order_id) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.to_string(),
            time_text(at),
            state.as_str(),
            filled.to_string(),
            ib_order_id
        ],
    )
    .ctx(path, "appending an order event")?;
    Ok(())
}
