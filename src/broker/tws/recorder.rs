//! [`Recorder`]: the session's link to the [`Journal`]. Every intent is
//! journaled before it is sent (a write that fails stops the send and halts
//! trading); then sends, statuses, executions, commissions, risk decisions and
//! trading-state changes. Executions are unique by exec id, so seeing one
//! twice (live and in a reconciliation snapshot) is harmless.

use chrono::{DateTime, NaiveDate, Utc};
use ibapi::orders::{OrderStatusKind, OrderUpdate};

use crate::broker::tws::snapshot::{broker_execution, decimal, parse_ib_time, BrokerExecution};
use crate::core::engine::Notice;
use crate::core::order_id::ClientOrderId;
use crate::core::order_manager::{Command, OrderTicket};
use crate::journal::{
    ExecutionRecord, Journal, JournalError, OrderIntentRecord, OrderStatus, RiskDecisionRecord,
};
use crate::risk::state::trading_day;
use crate::risk::{LatchSnapshot, StateChange};

/// Separator between the readable reason and the machine-readable latch in
/// journaled trading-state rows.
const LATCH_MARK: &str = " | latch=";

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

    /// Journals what one TWS order update says (status, execution, commission).
    pub fn on_update(
        &mut self,
        update: &OrderUpdate,
        resolve: impl Fn(i32, &str) -> Option<ClientOrderId>,
        now: DateTime<Utc>,
    ) {
        match update {
            OrderUpdate::OrderStatus(status) => {
                let Some(id) = resolve(status.order_id, "") else {
                    return;
                };
                let state = match &status.status {
                    OrderStatusKind::Submitted | OrderStatusKind::PreSubmitted => {
                        OrderStatus::Working
                    }
                    OrderStatusKind::Filled => OrderStatus::Filled,
                    OrderStatusKind::Cancelled | OrderStatusKind::ApiCancelled => {
                        OrderStatus::Cancelled
                    }
                    OrderStatusKind::Inactive => OrderStatus::Rejected,
                    _ => return,
                };
                if let Err(error) =
                    self.journal
                        .record_status(&id, state, decimal(status.filled), now)
                {
                    tracing::warn!(order = %id, %error, "journal: status not recorded");
                }
            }
            OrderUpdate::ExecutionData(data) => {
                if let Some(execution) = broker_execution(data) {
                    self.execution(&execution, now);
                }
            }
            OrderUpdate::CommissionReport(report) => {
                if let Err(error) = self
                    .journal
                    .record_commission(&report.execution_id, decimal(report.commission))
                {
                    tracing::warn!(exec_id = %report.execution_id, %error, "journal: commission not recorded");
                }
            }
            OrderUpdate::OpenOrder(_) | OrderUpdate::OrderBound(_) => {}
        }
    }

    /// Journals one execution (idempotent by exec id).
    pub fn execution(&mut self, e: &BrokerExecution, now: DateTime<Utc>) {
        let record = ExecutionRecord {
            exec_id: e.exec_id.clone(),
            order_ref: (!e.order_ref.is_empty()).then(|| e.order_ref.clone()),
            symbol: e.symbol,
            side: e.side,
            quantity: e.quantity,
            price: e.price,
            time: parse_ib_time(&e.time).unwrap_or(now),
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
                        reason_code(&r.reason),
                        r.reason.to_string(),
                    ))
            }
            Notice::StateChanged(change) => self.state_change(change, latch, at),
            _ => Ok(()),
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
        let latch_json = serde_json::to_string(&latch).unwrap_or_default();
        let reason = format!("{change}{LATCH_MARK}{latch_json}");
        self.journal
            .record_trading_state(trading_day(at), change.to, &reason, at)
    }

    /// The latch journaled for `day`, if any (restart after a crash or kill).
    pub fn latched(&self, day: NaiveDate) -> Option<LatchSnapshot> {
        let (_, reason) = self.journal.latched_state(day).ok().flatten()?;
        let (_, json) = reason.rsplit_once(LATCH_MARK)?;
        serde_json::from_str(json).ok()
    }
}

/// A short stable grouping key for a rejection: the variant name.
fn reason_code(reason: &crate::risk::RejectReason) -> String {
    let debug = format!("{reason:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("Rejected")
        .to_string()
}
