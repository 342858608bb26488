//! Every write to the journal. Each public method runs one immediate
//! transaction and commits it before returning (WAL + `synchronous=FULL`), so
//! what it recorded survives a crash the moment it returns; when it returns an
//! error nothing of it was written.
//!
//! This file holds the transaction helper and the day-level records (runs,
//! risk decisions, trading state with its latch in typed columns, start
//! equity); `orders` and `executions`
//! hold the order lifecycle and the fills.

mod executions;
mod orders;

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Transaction, TransactionBehavior};
use rust_decimal::Decimal;

use super::codec::{day_text, kind_parts, ny_day, opt_text, parse_decimal, time_text};
use super::error::JournalError;
use super::latch::{LatchText, LATCH_COLUMNS};
use super::records::{OperatorActionRecord, RiskDecisionRecord};
use super::Journal;
use crate::domain::types::TradingState;
use crate::redact::mask_account;
use crate::risk::LatchSnapshot;

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

    /// Records a change of the trading-state latch for `day` without the
    /// latch itself (its columns stay NULL); see
    /// [`record_latch_change`](Self::record_latch_change). A repeat of the
    /// current row writes nothing.
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
        self.record_state_row(day, state, reason, None, at)
    }

    /// Records a change of the trading-state latch for `day`: the state it
    /// went to, the reason in words, and the whole latch after it (state,
    /// halt cause with its figures, since) in typed columns. The latest row
    /// of a day is the latch ([`latched_state`](Self::latched_state)); a
    /// repeat of the current row (same state, reason and latch) writes
    /// nothing.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] when the write fails.
    pub fn record_latch_change(
        &mut self,
        day: NaiveDate,
        state: TradingState,
        latch: LatchSnapshot,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.record_state_row(day, state, reason, Some(latch), at)
    }

    fn record_state_row(
        &mut self,
        day: NaiveDate,
        state: TradingState,
        reason: &str,
        latch: Option<LatchSnapshot>,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let latest = self.latest_trading_state(day)?;
        if latest.is_some_and(|r| r.state == state && r.reason == reason && r.latch == latch) {
            return Ok(());
        }
        let l = LatchText::of(latch.as_ref());
        self.write("recording the trading state", |tx, path| {
            tx.execute(
                &format!(
                    "INSERT INTO trading_state (trading_day, state, reason, at, {LATCH_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ),
                params![
                    day_text(day),
                    state.to_string(),
                    reason,
                    time_text(at),
                    l.state,
                    l.cause,
                    l.since,
                    l.loss,
                    l.start_of_day_equity,
                    l.limit_pct
                ],
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
            parse_decimal(&stored)
        })
    }

    /// Records what an operator asked of the running bot and what came of it.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] when the write fails.
    pub fn record_operator_action(
        &mut self,
        action: &OperatorActionRecord,
    ) -> Result<(), JournalError> {
        self.write("recording an operator action", |tx, path| {
            tx.execute(
                "INSERT INTO operator_actions (at, trading_day, action, source, accepted, state_after, outcome) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    time_text(action.at),
                    day_text(ny_day(action.at)),
                    action.action,
                    action.source,
                    action.accepted,
                    action.state_after.to_string(),
                    action.outcome
                ],
            )
            .ctx(path, "recording an operator action")?;
            Ok(())
        })
    }
}
