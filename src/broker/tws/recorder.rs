//! [`Recorder`]: the session's link to the [`Journal`]. Every intent is
//! journaled before it is sent (a write that fails stops the send and halts
//! trading); then sends, statuses, executions, commissions, risk decisions and
//! trading-state changes. Executions are unique by exec id, so seeing one
//! twice (live and in a reconciliation snapshot) is harmless.

use chrono::{DateTime, NaiveDate, Utc};

use crate::broker::tws::order_book::JournalFact;
use crate::broker::tws::snapshot::BrokerExecution;
use crate::core::engine::Notice;
use crate::core::order_manager::{Command, OrderTicket};
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::TradingState;
use crate::journal::{
    ExecutionRecord, Journal, JournalError, OrderIntentRecord, RiskDecisionRecord,
};
use crate::risk::state::trading_day;
use crate::risk::{HaltCause, LatchSnapshot, StateChange};

/// Writes the session's facts to the journal, stamped with the session clock.
pub struct Recorder {
    journal: Journal,
    /// Broker time minus this machine's time: TWS's clock is the market's
    /// (tws-sim runs its own market clock), so decisions and journal rows are
    /// stamped with exchange time and fall on the exchange's trading day.
    offset: chrono::Duration,
}

impl Recorder {
    /// Wraps an open journal; the clock starts as this machine's.
    pub fn new(journal: Journal) -> Self {
        Self {
            journal,
            offset: chrono::Duration::zero(),
        }
    }

    /// Aligns the session clock with the broker's current time.
    pub fn sync_clock(&mut self, broker_now: DateTime<Utc>) {
        self.offset = broker_now - Utc::now();
    }

    /// Moves the session clock forward to `market_now` when it is behind
    /// (a market clock faster than real time); never back, so late data
    /// cannot make itself look fresh.
    pub fn advance_clock_to(&mut self, market_now: DateTime<Utc>) {
        if market_now > self.now() {
            self.sync_clock(market_now);
        }
    }

    /// Broker time minus this machine's time (what [`Recorder::now`] adds).
    pub fn offset(&self) -> chrono::Duration {
        self.offset
    }

    /// The session clock: this machine's time shifted to the broker's.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// The journal, for start-up reads.
    pub fn journal(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// Journals every order of `command` before it is sent.
    ///
    /// # Errors
    /// The journal's error: the command must then not be sent.
    pub fn before_send(
        &mut self,
        command: &Command,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let record = |t: &OrderTicket| OrderIntentRecord {
            order_ref: t.id(),
            symbol: t.symbol(),
            side: t.side(),
            quantity: t.quantity(),
            kind: t.kind(),
            parent: t.parent(),
            at,
        };
        match command {
            Command::PlaceBracket {
                entry,
                stop_loss,
                take_profit,
            } => self
                .journal
                .record_intents(&[record(entry), record(stop_loss), record(take_profit)])
                .map(drop),
            Command::Place(ticket) => self.journal.record_intent(&record(ticket)).map(drop),
            Command::Cancel(_) | Command::CancelAll => Ok(()),
        }
    }

    /// Notes that `id` went out as IB order `ib_id`.
    pub fn sent(&mut self, id: ClientOrderId, ib_id: i32, at: DateTime<Utc>) {
        if let Err(error) = self.journal.mark_sent(&id, ib_id, at) {
            tracing::error!(order = %id, %error, "journal: cannot mark the order sent");
        }
    }

    /// Journals one decoded order update (status, execution, commission).
    pub fn record(&mut self, fact: &JournalFact, now: DateTime<Utc>) {
        let result = match fact {
            JournalFact::Status { id, status, filled } => self
                .journal
                .record_status(id, *status, *filled, now)
                .map(drop),
            JournalFact::Execution(execution) => {
                self.execution(execution);
                Ok(())
            }
            JournalFact::Commission { exec_id, amount } => {
                self.journal.record_commission(exec_id, *amount)
            }
        };
        if let Err(error) = result {
            tracing::warn!(?fact, %error, "journal: order update not recorded");
        }
    }

    /// Journals one execution (idempotent by exec id).
    pub fn execution(&mut self, e: &BrokerExecution) {
        let record = ExecutionRecord {
            exec_id: e.exec_id.clone(),
            order_ref: (!e.order_ref.is_empty()).then(|| e.order_ref.clone()),
            symbol: e.symbol,
            side: e.side,
            quantity: e.quantity,
            price: e.price,
            time: e.time,
            commission: e.commission,
        };
        if let Err(error) = self.journal.record_execution(&record) {
            tracing::warn!(exec_id = %e.exec_id, %error, "journal: execution not recorded");
        }
    }

    /// Journals risk decisions and trading-state changes.
    pub fn on_notice(&mut self, notice: &Notice, latch: LatchSnapshot, at: DateTime<Utc>) {
        let result = match notice {
            Notice::Approved(intent) => {
                self.journal
                    .record_risk_decision(&RiskDecisionRecord::from_intent(
                        at, intent, true, "approved", "approved",
                    ))
            }
            Notice::Rejected(r) => {
                self.journal
                    .record_risk_decision(&RiskDecisionRecord::from_intent(
                        at,
                        &r.intent,
                        false,
                        r.reason.code(),
                        r.reason.to_string(),
                    ))
            }
            Notice::StateChanged(change) => self.state_change(change, latch, at),
            // Past midnight in New York: the day's start equity, kept for restarts.
            Notice::DayStarted { day, start_equity } => self
                .journal
                .set_start_equity(*day, *start_equity, at)
                .map(drop),
            Notice::IntentsDropped { .. }
            | Notice::UnknownOrder(_)
            | Notice::BadFill(_)
            | Notice::CommissionRefused { .. }
            | Notice::MarkRefused { .. }
            | Notice::CancelFailed { .. }
            | Notice::Unprotected { .. } => Ok(()),
        };
        if let Err(error) = result {
            tracing::error!(%error, "journal: decision not recorded");
        }
    }

    fn state_change(
        &mut self,
        change: &StateChange,
        latch: LatchSnapshot,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.journal
            .record_latch_change(trading_day(at), change.to, latch, &change.to_string(), at)
    }

    /// The latch to restore for `day` after a restart (crash, kill or a
    /// clean stop): the latest trading state journaled that day, except a
    /// halt caused by the shutdown itself — that one ends its own session,
    /// and starting the bot again is the operator's decision to trade, so the
    /// state before the shutdown applies (`None`: nothing to restore, ACTIVE).
    ///
    /// Fails safe: a journal that cannot be read (including a stored latch
    /// that does not decode) restores HALTED rather than starting ACTIVE; a
    /// row journaled without a latch keeps its state, and a HALTED one with no
    /// cause is a halt only an operator clears.
    pub fn latched(&self, day: NaiveDate) -> Option<LatchSnapshot> {
        let rows = match self.journal.trading_states_on(day) {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(%error, "journal: cannot read today's trading state; starting HALTED");
                return Some(LatchSnapshot {
                    state: TradingState::Halted,
                    cause: Some(HaltCause::Engine),
                    since: Some(day),
                });
            }
        };
        rows.iter()
            .rev()
            .map(|row| {
                row.latch.unwrap_or(LatchSnapshot {
                    // Journaled without a latch: keep the state, halting for a
                    // reason only an operator clears.
                    state: row.state,
                    cause: None,
                    since: Some(day),
                })
            })
            .find(|latch| latch.cause != Some(HaltCause::Shutdown))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::risk::{ChangeReason, DailyLoss};

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
    }

    /// 2026-01-05 at `hour`:00 New York (UTC-5).
    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, hour + 5, 0, 0).unwrap()
    }

    fn recorder() -> (tempfile::TempDir, Recorder) {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.db")).unwrap();
        (dir, Recorder::new(journal))
    }

    fn loss() -> HaltCause {
        HaltCause::DailyLoss(DailyLoss {
            loss: dec!(2100),
            start_of_day_equity: dec!(100000),
            limit_pct: dec!(0.02),
        })
    }

    /// Journals a change from `from` to the latch `to`, as the session does.
    fn change(r: &mut Recorder, from: TradingState, to: LatchSnapshot, hour: u32) {
        let reason = match to.cause {
            Some(cause) => ChangeReason::Halted(cause),
            None => ChangeReason::Reducing,
        };
        let notice = Notice::StateChanged(StateChange {
            from,
            to: to.state,
            reason,
        });
        r.on_notice(&notice, to, at(hour));
    }

    fn halted(cause: HaltCause) -> LatchSnapshot {
        LatchSnapshot {
            state: TradingState::Halted,
            cause: Some(cause),
            since: Some(day()),
        }
    }

    #[test]
    fn nothing_journaled_restores_nothing() {
        let (_dir, r) = recorder();
        assert_eq!(r.latched(day()), None);
    }

    #[test]
    fn a_daily_loss_halt_is_restored() {
        let (_dir, mut r) = recorder();
        change(&mut r, TradingState::Active, halted(loss()), 11);
        assert_eq!(r.latched(day()), Some(halted(loss())));
        // The words in `reason`, the latch in its own typed columns.
        let rows = r.journal().trading_states_on(day()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].latch, Some(halted(loss())));
        assert_eq!(
            rows[0].reason,
            "trading state ACTIVE → HALTED: daily loss $2,100.00 = 2.1% of \
             start-of-day equity $100,000.00 ≥ limit 2%"
        );
        assert_eq!(r.latched(day().succ_opt().unwrap()), None);
    }

    #[test]
    fn the_shutdown_halt_is_not_restored() {
        let (_dir, mut r) = recorder();
        change(
            &mut r,
            TradingState::Active,
            halted(HaltCause::Shutdown),
            11,
        );
        assert_eq!(
            r.latched(day()),
            None,
            "a clean stop, then a restart: ACTIVE"
        );

        // REDUCING, then the shutdown: REDUCING is what the next start restores.
        let reducing = LatchSnapshot {
            state: TradingState::Reducing,
            cause: None,
            since: Some(day()),
        };
        change(&mut r, TradingState::Active, reducing, 12);
        change(
            &mut r,
            TradingState::Reducing,
            halted(HaltCause::Shutdown),
            13,
        );
        assert_eq!(r.latched(day()), Some(reducing));
    }

    #[test]
    fn a_halted_row_without_a_latch_restores_halted() {
        let (_dir, mut r) = recorder();
        r.journal()
            .record_trading_state(day(), TradingState::Halted, "halted by hand", at(11))
            .unwrap();
        let latch = r.latched(day()).unwrap();
        assert_eq!(latch.state, TradingState::Halted);
        assert_eq!(latch.cause, None);
    }
}
