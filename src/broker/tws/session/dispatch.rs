//! Sending what the engine answered: every notice is logged and journaled
//! (a trading-state change also notified),
//! every command is journaled *before* it is sent, then sent, then marked
//! sent with the IB ids the sender bound.
//!
//! A command the journal cannot record is not sent: its orders are reported
//! back to the engine as rejected and trading halts. A command that fails to
//! send is reported back as rejected. Must never send anything that did not
//! come out of the engine (and so through the risk gate).

use std::time::Duration;

use super::LiveSession;
use crate::core::engine::{Notice, Repair};
use crate::core::event::BrokerEvent;
use crate::core::order_manager::Command;
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::Symbol;
use crate::risk::HaltCause;
use rust_decimal::Decimal;

impl LiveSession {
    /// Journals and sends everything in the engine's output, until the
    /// engine (answering rejections) has nothing more to say.
    pub(in crate::broker::tws) async fn dispatch(&mut self) {
        loop {
            let latch = self.engine.latch_snapshot();
            for notice in self.out.notices.drain(..) {
                log_notice(&notice);
                match &notice {
                    Notice::Approved(_) => self.operator.on_decision("approved"),
                    Notice::Rejected(r) => self.operator.on_decision(r.reason.code()),
                    Notice::StateChanged(change) => {
                        let event = crate::notify::Event::state(change);
                        self.notifier.send(&event, self.recorder.now());
                    }
                    _ => {}
                }
                self.recorder.on_notice(&notice, latch, self.recorder.now());
            }
            if self.out.commands.is_empty() {
                return;
            }
            let commands: Vec<Command> = self.out.commands.drain(..).collect();
            for command in &commands {
                self.send(command).await;
            }
        }
    }

    /// Journals, sends and marks one command sent.
    async fn send(&mut self, command: &Command) {
        let now = self.recorder.now();
        if let Err(error) = self.recorder.before_send(command, now) {
            tracing::error!(%error, "journal write failed: order not sent, trading halted");
            self.reject_all(command, now);
            self.engine.halt(HaltCause::Engine, now, &mut self.out);
            return;
        }
        crate::failpoint::hit("after-journal-write");
        match self.sender.execute(command, &mut self.book).await {
            Ok(sent) => {
                if crate::failpoint::armed("after-send")
                    && !matches!(command, Command::Cancel(_) | Command::CancelAll)
                {
                    // Let the socket carry the order out, then die before journaling the send.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    crate::failpoint::hit("after-send");
                }
                let at = std::time::Instant::now();
                self.operator.on_sent(sent.iter().count());
                for (id, ib) in sent.iter() {
                    self.recorder.sent(id, ib, now);
                    self.audit.on_sent(id, at);
                }
            }
            Err(error) => {
                tracing::error!(%error, "order not sent");
                self.reject_all(command, now);
            }
        }
    }

    /// Tells the engine that none of `command`'s orders reached TWS.
    fn reject_all(&mut self, command: &Command, now: chrono::DateTime<chrono::Utc>) {
        for id in order_ids(command) {
            let event = BrokerEvent::Rejected { id, code: 0 };
            self.engine.on_broker(&event, now, &mut self.out);
        }
    }
}

/// The orders a command places (none for cancels).
fn order_ids(command: &Command) -> impl Iterator<Item = ClientOrderId> {
    let ids = match command {
        Command::PlaceBracket {
            entry,
            stop_loss,
            take_profit,
        } => [
            Some(entry.id()),
            Some(stop_loss.id()),
            Some(take_profit.id()),
        ],
        Command::Place(ticket) => [Some(ticket.id()), None, None],
        Command::Cancel(_) | Command::CancelAll => [None, None, None],
    };
    ids.into_iter().flatten()
}

fn log_notice(notice: &Notice) {
    match notice {
        Notice::Approved(intent) => tracing::info!(
            strategy = intent.strategy.0,
            symbol = %intent.symbol,
            side = %intent.side,
            quantity = %intent.quantity,
            "risk gate approved"
        ),
        Notice::Rejected(r) => tracing::warn!(
            strategy = r.intent.strategy.0,
            symbol = %r.intent.symbol,
            side = %r.intent.side,
            quantity = %r.intent.quantity,
            reason = %r.reason,
            "risk gate rejected"
        ),
        Notice::StateChanged(change) => tracing::warn!("{change}"),
        Notice::IntentsDropped { strategy, count } => {
            tracing::warn!(
                strategy = strategy.0,
                count,
                "strategy produced too many intents; extra dropped"
            )
        }
        Notice::UnknownOrder(id) => {
            tracing::error!(order = %id, "event for an unknown order: trading halted")
        }
        Notice::BadFill(id) => tracing::error!(order = %id, "malformed fill: trading halted"),
        Notice::CommissionRefused { symbol, amount } => tracing::error!(
            %symbol,
            %amount,
            "commission cannot be booked exactly: trading halted"
        ),
        Notice::MarkRefused { symbol, price } => {
            tracing::warn!(%symbol, %price, "market data price refused: event dropped")
        }
        Notice::DayStarted { day, start_equity } => {
            tracing::info!(%day, %start_equity, "new trading day")
        }
        &Notice::Unprotected {
            symbol,
            uncovered,
            repair,
        } => log_unprotected(symbol, uncovered, repair),
        Notice::CancelFailed {
            id,
            code,
            retrying: true,
        } => {
            tracing::warn!(order = %id, code, "TWS refused the cancel; the order is still working: cancelling again")
        }
        Notice::CancelFailed {
            id,
            code,
            retrying: false,
        } => tracing::error!(
            order = %id,
            code,
            "TWS refused every cancel of a working order: trading halted; the order stays working at TWS — cancel it in TWS"
        ),
    }
}

fn log_unprotected(symbol: Symbol, uncovered: Decimal, repair: Repair) {
    match repair {
        Repair::Stop => {
            tracing::warn!(%symbol, %uncovered, "position without a working stop (stop refused or cancelled at TWS): placing a new protective stop")
        }
        Repair::Close => {
            tracing::error!(%symbol, %uncovered, "position that cannot keep a protective stop: closing the uncovered shares at market")
        }
        Repair::Impossible => {
            tracing::error!(%symbol, %uncovered, "UNPROTECTED POSITION: no stop and no closing order could be sent; trading halted — protect or close it in TWS now, then restart with --operator-reset")
        }
    }
}
