//! Every read of the journal: what the restart path needs (unresolved
//! orders, the next sequence number, the latch, start equity, the last
//! execution) and what the day report is built from. Rows are read as text
//! and parsed strictly; a value that does not parse is an error, never a guess.
//!
//! This file holds the day-level reads (the trading-state latch, decoded
//! from its typed columns by `latch`, start equity, risk decisions, runs); `orders` holds orders and executions.

mod orders;

pub(crate) use orders::{load_execution, load_order};

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row};
use rust_decimal::Decimal;

use super::codec::{
    day_text, parse_decimal, parse_kind, parse_opt_decimal, parse_side, parse_symbol, parse_time,
    parse_trading_state,
};
use super::error::JournalError;
use super::latch::{LatchText, LATCH_COLUMNS};
use super::records::{OperatorActionRecord, RiskDecisionRecord, RunRecord, TradingStateRecord};
use super::write::Ctx;
use super::Journal;
use crate::domain::types::{StrategyId, TradingState};

const DECISION_COLUMNS: &str = "at, strategy, symbol, side, quantity, kind, limit_price, \
     stop_price, approved, reason_code, reason";

impl Journal {
    /// The latch for `day`: the latest recorded trading state and its reason,
    /// or `None` when nothing was recorded that day. The whole latch (halt
    /// cause, since) is in [`TradingStateRecord::latch`] of
    /// [`trading_states_on`](Self::trading_states_on).
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed
    /// read, including a stored latch that does not decode.
    pub fn latched_state(
        &self,
        day: NaiveDate,
    ) -> Result<Option<(TradingState, String)>, JournalError> {
        Ok(self
            .latest_trading_state(day)?
            .map(|record| (record.state, record.reason)))
    }

    /// The latest trading-state change of `day`, if any.
    pub(crate) fn latest_trading_state(
        &self,
        day: NaiveDate,
    ) -> Result<Option<TradingStateRecord>, JournalError> {
        Ok(self.trading_state_rows(day, "DESC LIMIT 1")?.pop())
    }

    /// Every trading-state change of `day`, oldest first, each with the latch
    /// it was journaled with.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed
    /// read, including a stored latch that does not decode.
    pub fn trading_states_on(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<TradingStateRecord>, JournalError> {
        self.trading_state_rows(day, "")
    }

    /// The trading-state rows of `day` in id order, `order` appended to the
    /// `ORDER BY id` (`""` or `"DESC LIMIT 1"`).
    fn trading_state_rows(
        &self,
        day: NaiveDate,
        order: &str,
    ) -> Result<Vec<TradingStateRecord>, JournalError> {
        let sql = format!(
            "SELECT state, reason, at, {LATCH_COLUMNS} FROM trading_state \
             WHERE trading_day = ?1 ORDER BY id {order}"
        );
        let rows: Vec<(String, String, String, LatchText)> =
            query(&self.conn, &self.path, &sql, [day_text(day)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, LatchText::from_row(r, 3)?))
            })?;
        rows.into_iter()
            .map(|(state, reason, at, latch)| {
                Ok(TradingStateRecord {
                    trading_day: day,
                    state: parse_trading_state(&state)?,
                    reason,
                    at: parse_time(&at)?,
                    latch: latch.decode()?,
                })
            })
            .collect()
    }

    /// The start equity recorded for `day`, if any.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn start_equity(&self, day: NaiveDate) -> Result<Option<Decimal>, JournalError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT equity FROM start_equity WHERE trading_day = ?1",
                [day_text(day)],
                |r| r.get(0),
            )
            .optional()
            .ctx(&self.path, "reading the start equity")?;
        text.as_deref().map(parse_decimal).transpose()
    }

    /// The risk decisions of trading day `day`, in the order they were made.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn risk_decisions_on(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<RiskDecisionRecord>, JournalError> {
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM risk_decisions WHERE trading_day = ?1 ORDER BY id"
        );
        type Raw = (
            String,
            u16,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            bool,
            String,
            String,
        );
        let raw: Vec<Raw> = query(&self.conn, &self.path, &sql, [day_text(day)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
            ))
        })?;
        raw.into_iter()
            .map(
                |(at, strategy, symbol, side, qty, kind, limit, stop, approved, code, reason)| {
                    Ok(RiskDecisionRecord {
                        at: parse_time(&at)?,
                        strategy: StrategyId(strategy),
                        symbol: parse_symbol(&symbol)?,
                        side: parse_side(&side)?,
                        quantity: parse_decimal(&qty)?,
                        kind: parse_kind(
                            &kind,
                            parse_opt_decimal(limit)?,
                            parse_opt_decimal(stop)?,
                        )?,
                        approved,
                        reason_code: code,
                        reason,
                    })
                },
            )
            .collect()
    }

    /// The runs started on trading day `day`, in order.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn runs_on(&self, day: NaiveDate) -> Result<Vec<RunRecord>, JournalError> {
        type Raw = (i64, String, String, String, String, String);
        let raw: Vec<Raw> = query(
            &self.conn,
            &self.path,
            "SELECT id, started_at, config_hash, mode, account, version FROM runs \
             WHERE trading_day = ?1 ORDER BY id",
            [day_text(day)],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        raw.into_iter()
            .map(|(id, started_at, config_hash, mode, account, version)| {
                Ok(RunRecord {
                    id,
                    started_at: parse_time(&started_at)?,
                    config_hash,
                    mode,
                    account,
                    version,
                })
            })
            .collect()
    }

    /// The operator actions of trading day `day`, in order.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn operator_actions_on(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<OperatorActionRecord>, JournalError> {
        type Raw = (String, String, String, bool, String, String);
        let raw: Vec<Raw> = query(
            &self.conn,
            &self.path,
            "SELECT at, action, source, accepted, state_after, outcome FROM operator_actions \
             WHERE trading_day = ?1 ORDER BY id",
            [day_text(day)],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        raw.into_iter()
            .map(|(at, action, source, accepted, state, outcome)| {
                Ok(OperatorActionRecord {
                    at: parse_time(&at)?,
                    action,
                    source,
                    accepted,
                    state_after: parse_trading_state(&state)?,
                    outcome,
                })
            })
            .collect()
    }
}

/// Runs `sql` with `params` and collects the mapped rows.
pub(crate) fn query<T, P: rusqlite::Params>(
    conn: &Connection,
    path: &Path,
    sql: &str,
    params: P,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, JournalError> {
    let mut stmt = conn.prepare_cached(sql).ctx(path, "preparing a query")?;
    let rows = stmt
        .query_map(params, map)
        .ctx(path, "reading the journal")?;
    rows.collect::<rusqlite::Result<Vec<T>>>()
        .ctx(path, "reading the journal")
}
