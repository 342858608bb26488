//! Every write to the journal. Each public method runs one immediate
//! transaction and commits it before returning (WAL + `synchronous=FULL`), so
//! what it recorded survives a crash the moment it returns; when it returns an
//! error nothing of it was written.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Transaction, TransactionBehavior};
use rust_decimal::Decimal;

use super::codec::{day_text, kind_parts, leg_text, ny_day, opt_text, order_day, time_text};
use super::error::JournalError;
use super::read::{load_execution, load_order};
use super::records::{ExecutionRecord, OrderIntentRecord, OrderStatus, RiskDecisionRecord};
use super::Journal;
use crate::core::order_id::ClientOrderId;
use crate::core::types::TradingState;
use crate::redact::mask_account;

/// Attaches the journal path and the action to a SQLite error.
pub(crate) trait Ctx<T> {
    /// `Err(e)` → [`JournalError::Sqlite`] naming `path` and `action`.
    fn ctx(self, path: &Path, action: &'static str) -> Result<T, JournalError>;
}

impl<T> Ctx<T> for rusqlite::Result<T> {
    fn ctx(self, path: &Path, action: &'static str) -> Result<T, JournalError> {
        self.map_err(|e| JournalError::sqlite(path, action, e))
    }
}

impl Journal {
    /// Runs `body` in one immediate transaction and commits it; on any error
    /// the transaction is rolled back and nothing is written.
    fn write<T>(
        &mut self,
        action: &'static str,
        body: impl FnOnce(&Transaction<'_>, &Path) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, action)?;
        let out = body(&tx, path)?;
        tx.commit().ctx(path, action)?;
        Ok(out)
    }

    /// Records the start of a run: when, the SHA-256 of the effective
    /// configuration ([`config_hash`](super::config_hash)), the trading mode,
    /// the account (masked here whatever the caller passes — the raw id never
    /// reaches the file) and this program's version. Returns the run id.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] when the write fails.
    pub fn record_run(
        &mut self,
        config_hash: &str,
        mode: &str,
        account: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, JournalError> {
        let account = mask_account(account);
        self.write("recording the run", |tx, path| {
            tx.execute(
                "INSERT INTO runs (started_at, trading_day, config_hash, mode, account, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    time_text(at),
                    day_text(ny_day(at)),
                    config_hash,
                    mode,
                    account,
                    env!("CARGO_PKG_VERSION")
                ],
            )
            .ctx(path, "recording the run")?;
            Ok(tx.last_insert_rowid())
        })
    }

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

    /// Records an execution. Returns `Ok(true)` when it is new, `Ok(false)`
    /// when an identical execution (same exec id) was already journaled — in
    /// which case a commission carried by `exec` is attached if the stored
    /// one is still unknown.
    ///
    /// # Errors
    /// [`JournalError::Conflict`] when the exec id is journaled with other
    /// figures; [`JournalError::InvalidRecord`] for an empty exec id or a
    /// non-positive quantity or price.
    pub fn record_execution(&mut self, exec: &ExecutionRecord) -> Result<bool, JournalError> {
        if exec.exec_id.is_empty() || exec.quantity <= Decimal::ZERO || exec.price <= Decimal::ZERO
        {
            return Err(JournalError::InvalidRecord(format!(
                "execution {:?}: needs an exec id, quantity > 0 and price > 0 (got {} @ {})",
                exec.exec_id, exec.quantity, exec.price
            )));
        }
        self.write("recording an execution", |tx, path| {
            if let Some(stored) = load_execution(tx, path, &exec.exec_id)? {
                if !same_execution(&stored, exec) {
                    return Err(JournalError::Conflict(format!(
                        "execution {} is journaled as {} {} {} @ {} at {}, now reported as {} {} {} @ {} at {}",
                        exec.exec_id, stored.side, stored.quantity, stored.symbol, stored.price,
                        time_text(stored.time), exec.side, exec.quantity, exec.symbol, exec.price,
                        time_text(exec.time)
                    )));
                }
                if stored.commission.is_none() && exec.commission.is_some() {
                    set_commission(tx, path, &exec.exec_id, exec.commission)?;
                }
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO executions (exec_id, order_ref, trading_day, symbol, side, quantity, \
                 price, time, commission) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    exec.exec_id,
                    exec.order_ref,
                    day_text(exec.trading_day()),
                    exec.symbol.as_str(),
                    exec.side.as_ib(),
                    exec.quantity.to_string(),
                    exec.price.to_string(),
                    time_text(exec.time),
                    opt_text(exec.commission),
                ],
            )
            .ctx(path, "recording an execution")?;
            Ok(true)
        })
    }

    /// Attaches (or replaces) the commission of a journaled execution, as
    /// IB's commission report gives it (negative for a rebate).
    ///
    /// # Errors
    /// [`JournalError::UnknownExecution`] when the exec id is not journaled.
    pub fn record_commission(
        &mut self,
        exec_id: &str,
        amount: Decimal,
    ) -> Result<(), JournalError> {
        self.write("recording a commission", |tx, path| {
            if set_commission(tx, path, exec_id, Some(amount))? {
                Ok(())
            } else {
                Err(JournalError::UnknownExecution(exec_id.to_string()))
            }
        })
    }

    /// Records one risk-gate decision (approvals and rejections alike).
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] when the write fails.
    pub fn record_risk_decision(
        &mut self,
        decision: &RiskDecisionRecord,
    ) -> Result<(), JournalError> {
        let (kind, limit, stop) = kind_parts(decision.kind);
        self.write("recording a risk decision", |tx, path| {
            tx.execute(
                "INSERT INTO risk_decisions (at, trading_day, strategy, symbol, side, quantity, \
                 kind, limit_price, stop_price, approved, reason_code, reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    time_text(decision.at),
                    day_text(ny_day(decision.at)),
                    decision.strategy.0,
                    decision.symbol.as_str(),
                    decision.side.as_ib(),
                    decision.quantity.to_string(),
                    kind,
                    opt_text(limit),
                    opt_text(stop),
                    decision.approved,
                    decision.reason_code,
                    decision.reason,
                ],
            )
            .ctx(path, "recording a risk decision")?;
            Ok(())
        })
    }

    /// Records a change of the trading-state latch for `day`. The latest row
    /// of a day is the latch ([`latched_state`](Self::latched_state)); a
    /// repeat of the current state with the same reason writes nothing.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] when the write fails.
    pub fn record_trading_state(
        &mut self,
        day: NaiveDate,
        state: TradingState,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let latest = self.latched_state(day)?;
        if latest
            .as_ref()
            .is_some_and(|(s, r)| *s == state && r == reason)
        {
            return Ok(());
        }
        self.write("recording the trading state", |tx, path| {
            tx.execute(
                "INSERT INTO trading_state (trading_day, state, reason, at) VALUES (?1, ?2, ?3, ?4)",
                params![day_text(day), state.to_string(), reason, time_text(at)],
            )
            .ctx(path, "recording the trading state")?;
            Ok(())
        })
    }

    /// Records `day`'s start equity unless one is already recorded: the first
    /// write of a day wins, so a restart cannot move the baseline of the
    /// daily-loss limit. Returns the equity in force for the day.
    ///
    /// # Errors
    /// [`JournalError::InvalidRecord`] for equity ≤ 0.
    pub fn set_start_equity(
        &mut self,
        day: NaiveDate,
        equity: Decimal,
        at: DateTime<Utc>,
    ) -> Result<Decimal, JournalError> {
        if equity <= Decimal::ZERO {
            return Err(JournalError::InvalidRecord(format!(
                "start equity for {day} must be > 0, got {equity}"
            )));
        }
        self.write("recording the start equity", |tx, path| {
            tx.execute(
                "INSERT OR IGNORE INTO start_equity (trading_day, equity, at) VALUES (?1, ?2, ?3)",
                params![day_text(day), equity.to_string(), time_text(at)],
            )
            .ctx(path, "recording the start equity")?;
            let stored: String = tx
                .query_row(
                    "SELECT equity FROM start_equity WHERE trading_day = ?1",
                    [day_text(day)],
                    |r| r.get(0),
                )
                .ctx(path, "recording the start equity")?;
            super::codec::parse_decimal(&stored)
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

/// Sets an execution's commission; `false` when the exec id is unknown.
fn set_commission(
    tx: &Transaction<'_>,
    path: &Path,
    exec_id: &str,
    amount: Option<Decimal>,
) -> Result<bool, JournalError> {
    let changed = tx
        .execute(
            "UPDATE executions SET commission = ?2 WHERE exec_id = ?1",
            params![exec_id, opt_text(amount)],
        )
        .ctx(path, "recording a commission")?;
    Ok(changed == 1)
}

/// Whether two reports of one exec id agree on everything but the commission
/// (times compared at the microsecond precision the journal stores).
fn same_execution(a: &ExecutionRecord, b: &ExecutionRecord) -> bool {
    a.exec_id == b.exec_id
        && a.order_ref == b.order_ref
        && a.symbol == b.symbol
        && a.side == b.side
        && a.quantity == b.quantity
        && a.price == b.price
        && time_text(a.time) == time_text(b.time)
}
