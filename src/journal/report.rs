//! [`DayReport`]: one trading day as the journal saw it — runs, trades,
//! realized PnL per symbol, orders, risk decisions and trading-state changes —
//! and its plain-text rendering for `report [--day DATE]`.
//!
//! Realized PnL is replayed from the journaled executions with the engine's
//! own [`Portfolio`] (average cost), starting from the first execution ever
//! journaled so that positions carried overnight are costed correctly; the
//! figures of a day are what its executions realized. Commissions are those
//! of the day's executions that IB has reported.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use rust_decimal::Decimal;

use super::error::JournalError;
use super::records::{
    ExecutionRecord, OrderRecord, RiskDecisionRecord, RunRecord, TradingStateRecord,
};
use super::write::Ctx;
use super::Journal;
use crate::domain::portfolio::Portfolio;
use crate::domain::types::Symbol;
use crate::redact::mask_account;

/// One symbol's figures for a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolPnl {
    /// Instrument.
    pub symbol: Symbol,
    /// Shares bought that day.
    pub bought: Decimal,
    /// Shares sold that day.
    pub sold: Decimal,
    /// PnL realized by that day's executions against average cost, before commissions.
    pub realized: Decimal,
    /// Commissions of that day's executions (those reported so far).
    pub commissions: Decimal,
    /// `realized − commissions`.
    pub net: Decimal,
    /// Signed position after the day's last execution, per the journal.
    pub position: Decimal,
}

/// One trading day (America/New_York) as recorded in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    /// The trading day.
    pub day: NaiveDate,
    /// Runs started that day (accounts masked).
    pub runs: Vec<RunRecord>,
    /// The day's start equity, if recorded.
    pub start_equity: Option<Decimal>,
    /// The day's executions in time order.
    pub trades: Vec<ExecutionRecord>,
    /// Realized PnL per symbol traded that day, in symbol order.
    pub pnl: Vec<SymbolPnl>,
    /// Sum of `pnl[..].realized`.
    pub realized: Decimal,
    /// Sum of `pnl[..].commissions`.
    pub commissions: Decimal,
    /// `realized − commissions`.
    pub net: Decimal,
    /// Executions whose commission IB has not reported yet.
    pub pending_commissions: usize,
    /// Orders whose ids belong to that day.
    pub orders: Vec<OrderRecord>,
    /// Risk decisions made that day, in order.
    pub decisions: Vec<RiskDecisionRecord>,
    /// How many of them were approvals.
    pub approved: usize,
    /// Rejections counted by reason code.
    pub rejected_by_reason: BTreeMap<String, usize>,
    /// Trading-state changes of the day, in order (the last one is the latch).
    pub state_changes: Vec<TradingStateRecord>,
}

impl Journal {
    /// Builds the report of trading day `day` from one consistent snapshot of
    /// the journal.
    ///
    /// # Errors
    /// [`JournalError::Sqlite`] / [`JournalError::InvalidRecord`] on a failed
    /// read or a stored execution the portfolio refuses.
    pub fn day_report(&self, day: NaiveDate) -> Result<DayReport, JournalError> {
        let snapshot = self
            .conn
            .unchecked_transaction()
            .ctx(&self.path, "starting a read snapshot")?;
        let history = self.executions_through(day)?;
        let (pnl, pending_commissions) = day_pnl(day, &history)?;
        let trades: Vec<ExecutionRecord> = history
            .into_iter()
            .filter(|e| e.trading_day() == day)
            .collect();
        let decisions = self.risk_decisions_on(day)?;
        let approved = decisions.iter().filter(|d| d.approved).count();
        let mut rejected_by_reason = BTreeMap::new();
        for decision in decisions.iter().filter(|d| !d.approved) {
            *rejected_by_reason
                .entry(decision.reason_code.clone())
                .or_insert(0) += 1;
        }
        let realized = pnl.iter().map(|p| p.realized).sum();
        let commissions = pnl.iter().map(|p| p.commissions).sum();
        let report = DayReport {
            day,
            runs: self.runs_on(day)?,
            start_equity: self.start_equity(day)?,
            trades,
            pnl,
            realized,
            commissions,
            net: realized - commissions,
            pending_commissions,
            orders: self.orders_on(day)?,
            decisions,
            approved,
            rejected_by_reason,
            state_changes: self.trading_states_on(day)?,
        };
        snapshot
            .commit()
            .ctx(&self.path, "ending a read snapshot")?;
        Ok(report)
    }
}

/// Replays `history` (every execution through `day`, in time order) and
/// returns the figures of the symbols traded on `day`, plus how many of that
/// day's executions still lack a commission.
pub(crate) fn day_pnl(
    day: NaiveDate,
    history: &[ExecutionRecord],
) -> Result<(Vec<SymbolPnl>, usize), JournalError> {
    let mut portfolio = Portfolio::new();
    let mut before: BTreeMap<Symbol, Decimal> = BTreeMap::new();
    let mut today: BTreeMap<Symbol, SymbolPnl> = BTreeMap::new();
    let mut pending = 0;
    for exec in history {
        let on_day = exec.trading_day() == day;
        if on_day && !today.contains_key(&exec.symbol) {
            let realized = portfolio
                .position(exec.symbol)
                .map_or(Decimal::ZERO, |p| p.realized_pnl());
            before.insert(exec.symbol, realized);
            today.insert(exec.symbol, SymbolPnl::empty(exec.symbol));
        }
        portfolio
            .apply_fill(&exec.to_fill())
            .map_err(|e| JournalError::InvalidRecord(format!("execution {}: {e}", exec.exec_id)))?;
        if let Some(entry) = today.get_mut(&exec.symbol).filter(|_| on_day) {
            match exec.side {
                crate::domain::types::Side::Buy => entry.bought += exec.quantity,
                crate::domain::types::Side::Sell => entry.sold += exec.quantity,
            }
            match exec.commission {
                Some(c) => entry.commissions += c,
                None => pending += 1,
            }
        }
    }
    let figures = today
        .into_values()
        .map(|mut entry| {
            let position = portfolio.position(entry.symbol);
            let realized_now = position.map_or(Decimal::ZERO, |p| p.realized_pnl());
            entry.realized = realized_now - before.get(&entry.symbol).copied().unwrap_or_default();
            entry.net = entry.realized - entry.commissions;
            entry.position = position.map_or(Decimal::ZERO, |p| p.quantity());
            entry
        })
        .collect();
    Ok((figures, pending))
}

impl SymbolPnl {
    fn empty(symbol: Symbol) -> Self {
        Self {
            symbol,
            bought: Decimal::ZERO,
            sold: Decimal::ZERO,
            realized: Decimal::ZERO,
            commissions: Decimal::ZERO,
            net: Decimal::ZERO,
            position: Decimal::ZERO,
        }
    }
}

/// `HH:MM:SS` in New York time.
fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&New_York).format("%H:%M:%S").to_string()
}

/// A quantity without trailing zeros (`100`, `0.5`).
fn qty(q: Decimal) -> Decimal {
    q.normalize()
}

impl fmt::Display for DayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Journal report for trading day {} (times America/New_York)",
            self.day
        )?;
        if self.runs.is_empty() {
            writeln!(f, "Runs: none started this day")?;
        } else {
            writeln!(f, "Runs: {}", self.runs.len())?;
            for run in &self.runs {
                writeln!(
                    f,
                    "  #{} {}  mode {}  account {}  config {}  version {}",
                    run.id,
                    clock(run.started_at),
                    run.mode,
                    mask_account(&run.account),
                    run.config_hash.get(..12).unwrap_or(&run.config_hash),
                    run.version
                )?;
            }
        }
        match self.start_equity {
            Some(e) => writeln!(f, "Start equity: {e:.2}")?,
            None => writeln!(f, "Start equity: not recorded")?,
        }

        writeln!(f, "Trades: {}", self.trades.len())?;
        for t in &self.trades {
            let commission = t
                .commission
                .map_or_else(|| "pending".to_string(), |c| format!("{c:.2}"));
            writeln!(
                f,
                "  {}  {} {} {} @ {}  commission {}  exec {}  order {}",
                clock(t.time),
                t.side,
                qty(t.quantity),
                t.symbol,
                t.price,
                commission,
                t.exec_id,
                t.order_ref.as_deref().unwrap_or("-")
            )?;
        }

        writeln!(f, "Realized PnL (average cost):")?;
        for p in &self.pnl {
            writeln!(
                f,
                "  {}  bought {}  sold {}  realized {:.2}  commissions {:.2}  net {:.2}  position {}",
                p.symbol,
                qty(p.bought),
                qty(p.sold),
                p.realized,
                p.commissions,
                p.net,
                qty(p.position)
            )?;
        }
        writeln!(
            f,
            "  total  realized {:.2}  commissions {:.2}  net {:.2}",
            self.realized, self.commissions, self.net
        )?;
        if self.pending_commissions > 0 {
            writeln!(
                f,
                "  ({} execution(s) still waiting for their commission report)",
                self.pending_commissions
            )?;
        }

        writeln!(f, "Orders: {}", self.orders.len())?;
        for o in &self.orders {
            writeln!(
                f,
                "  {}  {} {} {} {}  filled {}  {}",
                o.order_ref,
                o.side,
                qty(o.quantity),
                o.symbol,
                o.kind,
                qty(o.filled),
                o.state
            )?;
        }

        let rejected = self.decisions.len() - self.approved;
        writeln!(
            f,
            "Risk decisions: {} ({} approved, {} rejected)",
            self.decisions.len(),
            self.approved,
            rejected
        )?;
        for (code, count) in &self.rejected_by_reason {
            writeln!(f, "  rejected {code}: {count}")?;
        }
        for d in &self.decisions {
            writeln!(
                f,
                "  {}  s{} {} {} {} {}  {}  {}",
                clock(d.at),
                d.strategy.0,
                d.side,
                qty(d.quantity),
                d.symbol,
                d.kind,
                if d.approved { "APPROVED" } else { "REJECTED" },
                d.reason
            )?;
        }

        writeln!(f, "Trading state changes: {}", self.state_changes.len())?;
        for s in &self.state_changes {
            writeln!(f, "  {}  {}  {}", clock(s.at), s.state, s.reason)?;
        }
        Ok(())
    }
}
