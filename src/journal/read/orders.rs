//! Reads of orders and executions: unresolved orders for the restart path,
//! the next sequence number, a day's orders and executions, and the lookups
//! the writers use inside their transactions.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Row};

use super::query;
use crate::domain::order_id::{ClientOrderId, Namespace};
use crate::journal::codec::{
    day_text, parse_day, parse_decimal, parse_kind, parse_opt_decimal, parse_opt_order_ref,
    parse_order_ref, parse_side, parse_symbol, parse_time,
};
use crate::journal::error::JournalError;
use crate::journal::records::{ExecutionRecord, OrderRecord, OrderStatus};
use crate::journal::write::Ctx;
use crate::journal::Journal;

const ORDER_COLUMNS: &str = "order_ref, trading_day, symbol, side, quantity, kind, limit_price, \
     stop_price, parent_ref, ib_order_id, state, filled, created_at, updated_at";

const EXECUTION_COLUMNS: &str =
    "exec_id, order_ref, symbol, side, quantity, price, time, commission";

impl Journal {
    /// The journaled order `order_ref`, if any.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn order(&self, order_ref: &ClientOrderId) -> Result<Option<OrderRecord>, JournalError> {
        load_order(&self.conn, &self.path, order_ref)
    }

    /// Every order whose outcome is not final — `intent`, `sent`, `working`
    /// or `unknown` — oldest first, across all days. The restart path resolves
    /// each one by `orderRef` lookup at TWS; none may be blindly resent.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn unresolved_orders(&self) -> Result<Vec<OrderRecord>, JournalError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders \
             WHERE state IN ('intent', 'sent', 'working', 'unknown') \
             ORDER BY created_at, order_ref"
        );
        let raw = query(&self.conn, &self.path, &sql, (), RawOrder::from_row)?;
        raw.into_iter().map(RawOrder::parse).collect()
    }

    /// Every order of trading day `day`, in id order.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn orders_on(&self, day: NaiveDate) -> Result<Vec<OrderRecord>, JournalError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE trading_day = ?1 ORDER BY seq, order_ref"
        );
        let raw = query(
            &self.conn,
            &self.path,
            &sql,
            [day_text(day)],
            RawOrder::from_row,
        )?;
        raw.into_iter().map(RawOrder::parse).collect()
    }

    /// The first sequence number not yet used on `day`: 1 + the highest
    /// journaled, or 1 for a day without orders. Seeding the order manager
    /// with it means a restart never reuses a client order id.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] on a failed read; [`JournalError::InvalidRecord`]
    /// when the day's sequence is exhausted.
    pub fn next_seq(&self, day: NaiveDate) -> Result<u32, JournalError> {
        self.next_seq_in(day, Namespace::Bot)
    }

    /// [`next_seq`](Self::next_seq) within one namespace: the bot's (`fta-…`)
    /// or the manual commands' (`ftm-…`), each numbered on its own, so two
    /// `flatten` runs the same day never reuse an `orderRef`.
    ///
    /// # Errors
    /// As [`next_seq`](Self::next_seq).
    pub fn next_seq_in(&self, day: NaiveDate, namespace: Namespace) -> Result<u32, JournalError> {
        let prefix = format!("{}-", namespace.prefix());
        let max: Option<u32> = self
            .conn
            .query_row(
                "SELECT MAX(seq) FROM orders WHERE trading_day = ?1 AND substr(order_ref, 1, length(?2)) = ?2",
                [day_text(day), prefix],
                |r| r.get(0),
            )
            .ctx(&self.path, "reading the last sequence number")?;
        max.unwrap_or(0).checked_add(1).ok_or_else(|| {
            JournalError::InvalidRecord(format!("sequence numbers of {day} exhausted"))
        })
    }

    /// The executions of trading day `day` (America/New_York), in time order.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn executions_on(&self, day: NaiveDate) -> Result<Vec<ExecutionRecord>, JournalError> {
        let sql = format!(
            "SELECT {EXECUTION_COLUMNS} FROM executions WHERE trading_day = ?1 \
             ORDER BY time, exec_id"
        );
        let raw = query(
            &self.conn,
            &self.path,
            &sql,
            [day_text(day)],
            RawExecution::from_row,
        )?;
        raw.into_iter().map(RawExecution::parse).collect()
    }

    /// Every execution up to and including trading day `day`, in time order
    /// (what realized PnL is replayed from).
    pub(crate) fn executions_through(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<ExecutionRecord>, JournalError> {
        let sql = format!(
            "SELECT {EXECUTION_COLUMNS} FROM executions WHERE trading_day <= ?1 \
             ORDER BY time, exec_id"
        );
        let raw = query(
            &self.conn,
            &self.path,
            &sql,
            [day_text(day)],
            RawExecution::from_row,
        )?;
        raw.into_iter().map(RawExecution::parse).collect()
    }

    /// The time of the latest journaled execution: reconciliation asks TWS for
    /// executions since then.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed read.
    pub fn last_execution_time(&self) -> Result<Option<DateTime<Utc>>, JournalError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT MAX(time) FROM executions", [], |r| r.get(0))
            .ctx(&self.path, "reading the last execution time")?;
        text.as_deref().map(parse_time).transpose()
    }
}

/// One order, looked up by id (works inside a write transaction too).
pub(crate) fn load_order(
    conn: &Connection,
    path: &Path,
    id: &ClientOrderId,
) -> Result<Option<OrderRecord>, JournalError> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_ref = ?1");
    let raw = query(conn, path, &sql, [id.to_string()], RawOrder::from_row)?;
    raw.into_iter().next().map(RawOrder::parse).transpose()
}

/// One execution, looked up by exec id (works inside a write transaction too).
pub(crate) fn load_execution(
    conn: &Connection,
    path: &Path,
    exec_id: &str,
) -> Result<Option<ExecutionRecord>, JournalError> {
    let sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE exec_id = ?1");
    let raw = query(conn, path, &sql, [exec_id], RawExecution::from_row)?;
    raw.into_iter().next().map(RawExecution::parse).transpose()
}

/// An `orders` row as stored text, before parsing.
struct RawOrder {
    texts: [String; 6],
    limit: Option<String>,
    stop: Option<String>,
    parent: Option<String>,
    ib_order_id: Option<i32>,
    state: String,
    filled: String,
    created_at: String,
    updated_at: String,
}

impl RawOrder {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            texts: [
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ],
            limit: r.get(6)?,
            stop: r.get(7)?,
            parent: r.get(8)?,
            ib_order_id: r.get(9)?,
            state: r.get(10)?,
            filled: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
        })
    }

    fn parse(self) -> Result<OrderRecord, JournalError> {
        let [order_ref, day, symbol, side, quantity, kind] = self.texts;
        Ok(OrderRecord {
            order_ref: parse_order_ref(&order_ref)?,
            trading_day: parse_day(&day)?,
            symbol: parse_symbol(&symbol)?,
            side: parse_side(&side)?,
            quantity: parse_decimal(&quantity)?,
            kind: parse_kind(
                &kind,
                parse_opt_decimal(self.limit)?,
                parse_opt_decimal(self.stop)?,
            )?,
            parent: parse_opt_order_ref(self.parent)?,
            ib_order_id: self.ib_order_id,
            state: OrderStatus::parse(&self.state).ok_or_else(|| {
                JournalError::InvalidRecord(format!(
                    "stored order state {:?} cannot be read",
                    self.state
                ))
            })?,
            filled: parse_decimal(&self.filled)?,
            created_at: parse_time(&self.created_at)?,
            updated_at: parse_time(&self.updated_at)?,
        })
    }
}

/// An `executions` row as stored text, before parsing.
struct RawExecution {
    exec_id: String,
    order_ref: Option<String>,
    texts: [String; 5],
    commission: Option<String>,
}

impl RawExecution {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            exec_id: r.get(0)?,
            order_ref: r.get(1)?,
            texts: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
            commission: r.get(7)?,
        })
    }

    fn parse(self) -> Result<ExecutionRecord, JournalError> {
        let [symbol, side, quantity, price, time] = self.texts;
        Ok(ExecutionRecord {
            exec_id: self.exec_id,
            order_ref: self.order_ref,
            symbol: parse_symbol(&symbol)?,
            side: parse_side(&side)?,
            quantity: parse_decimal(&quantity)?,
            price: parse_decimal(&price)?,
            time: parse_time(&time)?,
            commission: parse_opt_decimal(self.commission)?,
        })
    }
}
