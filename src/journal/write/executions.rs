//! Writes of executions and their commissions: unique by exec id, a
//! duplicate report is ignored, a contradicting one refused.

use std::path::Path;

use rusqlite::{params, Transaction};
use rust_decimal::Decimal;

use super::Ctx;
use crate::journal::codec::{day_text, opt_text, time_text};
use crate::journal::error::JournalError;
use crate::journal::read::load_execution;
use crate::journal::records::ExecutionRecord;
use crate::journal::Journal;

impl Journal {
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
            if !replace_corrected(tx, path, &exec.exec_id)? {
                // A later correction of this execution is journaled already.
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

/// An execution correction replaces the execution it corrects (same stem, a
/// lower revision): that row is deleted. Returns `false` when a higher
/// revision of `exec_id` is journaled already (this one is stale).
fn replace_corrected(
    tx: &Transaction<'_>,
    path: &Path,
    exec_id: &str,
) -> Result<bool, JournalError> {
    use crate::domain::exec_id::stem_and_revision;
    let (stem, revision) = stem_and_revision(exec_id);
    let prefix = format!("{stem}.");
    let mut stmt = tx
        .prepare("SELECT exec_id FROM executions WHERE substr(exec_id, 1, ?2) = ?1")
        .ctx(path, "reading corrected executions")?;
    let ids: Vec<String> = stmt
        .query_map(params![prefix, prefix.len() as i64], |r| r.get(0))
        .ctx(path, "reading corrected executions")?
        .collect::<Result<_, _>>()
        .ctx(path, "reading corrected executions")?;
    for id in ids {
        let (other_stem, other) = stem_and_revision(&id);
        if other_stem != stem {
            continue;
        }
        if other > revision {
            return Ok(false);
        }
        tx.execute("DELETE FROM executions WHERE exec_id = ?1", params![id])
            .ctx(path, "replacing a corrected execution")?;
    }
    Ok(true)
}
