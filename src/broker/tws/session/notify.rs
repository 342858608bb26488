//! The session's side of webhook notifications ([`crate::notify`]): turns
//! what the session just handled — a fill, a broker reject, the session
//! close — into an [`Event`] for the [`Notifier`]. (State changes are
//! notified where the engine's notices are drained, in dispatch; the link's
//! ups and downs where the notices about it arrive.)
//!
//! Must never await, block or decide anything about trading: every call only
//! queues (and is a no-op when notifications are off).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::LiveSession;
use crate::domain::calendar::{next_close, trading_day};
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::Fill;
use crate::notify::{Event, Notifier, PositionLine};
use crate::settings::NotifyEvent;

impl LiveSession {
    /// A fill of our order `id`.
    pub(super) fn notify_fill(&self, id: ClientOrderId, fill: &Fill) {
        if self.notifier.wants(NotifyEvent::Fill) {
            let now = self.recorder.now();
            self.notifier.send(&Event::fill(id, fill), now);
        }
    }

    /// TWS refused our order `id` with `code` and `message`.
    pub(super) fn notify_reject(&self, id: ClientOrderId, code: i32, message: &str) {
        if !self.notifier.wants(NotifyEvent::Reject) {
            return;
        }
        let symbol = self
            .engine
            .orders()
            .get(id)
            .map(|o| o.ticket.symbol().to_string());
        let event = Event::Reject {
            symbol: symbol.unwrap_or_default(),
            order_ref: id.to_string(),
            code,
            message: message.to_string(),
        };
        self.notifier.send(&event, self.recorder.now());
    }

    /// When the daily summary is due, as a timer (`None`: not wanted). Read
    /// at every turn of the loop: the session clock may jump ahead with the
    /// market's.
    pub(super) fn summary_due(&self) -> Option<tokio::time::Instant> {
        let close = self.summary_close?;
        let wait = (close - self.recorder.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        Some(tokio::time::Instant::now() + wait)
    }

    /// The session closed: the day's figures, then the next close is due.
    pub(super) fn on_session_close(&mut self) {
        let now = self.recorder.now();
        let Some(close) = self.summary_close.filter(|close| *close <= now) else {
            return;
        };
        self.summary_close = next_close(now);
        let day = trading_day(close);
        let trades = match self.recorder.journal().executions_on(day) {
            Ok(executions) => Some(executions.len() as u64),
            Err(error) => {
                tracing::warn!(%error, "daily summary: cannot count the day's trades (sent as null)");
                None
            }
        };
        let portfolio = self.engine.portfolio();
        let positions = portfolio.open_positions().map(|p| PositionLine {
            symbol: p.symbol().to_string(),
            quantity: p.quantity().normalize(),
            average_cost: cents(p.average_cost()),
        });
        let day_pnl = portfolio.net_pnl() - self.engine.account().start_of_day_pnl;
        let event = Event::DailySummary {
            day,
            state: self.engine.state(),
            day_pnl: cents(day_pnl),
            trades,
            positions: positions.collect(),
        };
        tracing::info!(%day, "session close: daily summary notified");
        self.notifier.send(&event, now);
    }
}

/// The first close a summary is due for, from `now`, when `notifier` wants
/// daily summaries.
pub(super) fn first_summary(notifier: &Notifier, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    notifier
        .wants(NotifyEvent::DailySummary)
        .then(|| next_close(now))
        .flatten()
}

/// `amount` to the cent, always with two decimals (`-12.50`, not `-12.5`).
fn cents(amount: Decimal) -> Decimal {
    let mut cents = amount.round_dp(2);
    cents.rescale(2);
    cents
}
