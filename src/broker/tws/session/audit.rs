//! The session's side of the audit ([`crate::broker::tws::audit`]): what
//! a periodic read of TWS's open orders and positions leads to — an order
//! gone without a report booked as cancelled (so its position is
//! re-protected), an unacknowledged order reconciled and, if still unknown,
//! a halt, a managed position moved outside the bot a halt. Must never
//! place anything itself: repairs come from the engine, through dispatch.

use rust_decimal::Decimal;

use super::LiveSession;
use crate::broker::tws::audit::TwsRead;
use crate::broker::tws::order_book::JournalFact;
use crate::broker::tws::reads::is_foreign;
use crate::core::event::BrokerEvent;
use crate::domain::order_id::ClientOrderId;
use crate::domain::types::Symbol;
use crate::journal::OrderStatus;
use crate::risk::HaltCause;

impl LiveSession {
    /// TWS's open orders and positions, read periodically: the orders that
    /// are not ours go to the status line; ours are audited
    /// ([`crate::broker::tws::audit::OrderAudit`]). An order gone without a report ends in the book as
    /// cancelled (the engine then re-protects its position); an order never
    /// acknowledged makes the session ask TWS (a reconciliation) and halt if
    /// it is still unknown there; a managed position that moved without the
    /// bot halts trading.
    pub(super) async fn on_tws_read(&mut self, read: TwsRead) {
        let findings = self.audit.check(
            &read,
            self.engine.orders().open_orders(),
            self.engine.portfolio(),
            &self.last_fills,
        );
        self.not_ours = read.orders.into_iter().filter(is_foreign).collect();
        for id in findings.vanished {
            self.on_vanished(id);
        }
        if !findings.unacknowledged.is_empty() {
            self.on_unacknowledged(&findings.unacknowledged).await;
        }
        for d in &findings.positions {
            tracing::error!(symbol = %d.symbol, bot = %d.bot, tws = %d.tws, "position at TWS moved without the bot (a trade by hand, by another client or by flatten --all): trading halted — check TWS, then restart with --operator-reset to take TWS's positions as the bot's");
        }
        if !findings.positions.is_empty() {
            self.engine
                .halt(HaltCause::Engine, self.recorder.now(), &mut self.out);
        }
        self.dispatch().await;
    }

    /// Remembers that the bot applied a fill in `symbol` now.
    pub(in crate::broker::tws) fn note_fill(&mut self, symbol: Symbol) {
        let now = std::time::Instant::now();
        match self.last_fills.iter_mut().find(|(s, _)| *s == symbol) {
            Some(last) => last.1 = now,
            None => self.last_fills.push((symbol, now)),
        }
    }

    /// An order of ours that stopped working without a report (found by the
    /// audit, or by a reconciliation after a reconnect): booked and
    /// journaled as cancelled, so the engine re-protects its position.
    pub(in crate::broker::tws) fn on_vanished(&mut self, id: ClientOrderId) {
        tracing::warn!(order = %id, "order no longer working at TWS, and no status said so: marking it cancelled");
        let now = self.recorder.now();
        let filled = self
            .engine
            .orders()
            .get(id)
            .map_or(Decimal::ZERO, |o| o.filled);
        let fact = JournalFact::Status {
            id,
            status: OrderStatus::Cancelled,
            filled,
        };
        self.recorder.record(&fact, now);
        self.engine
            .on_broker(&BrokerEvent::Cancelled { id }, now, &mut self.out);
    }

    /// Orders TWS never acknowledged: reconcile (a fill may explain them),
    /// then halt if one is still unknown.
    async fn on_unacknowledged(&mut self, ids: &[ClientOrderId]) {
        let names: Vec<String> = ids.iter().map(ToString::to_string).collect();
        tracing::error!(orders = ?names, "orders sent but never acknowledged by TWS: reconciling");
        self.reconcile().await;
        let unknown = ids.iter().any(|&id| {
            self.engine
                .orders()
                .get(id)
                .is_none_or(|o| o.filled.is_zero())
        });
        if unknown {
            tracing::error!("an order the bot sent is unknown at TWS: trading halted — check TWS's API log and the journal, then restart with --operator-reset");
            self.engine
                .halt(HaltCause::Engine, self.recorder.now(), &mut self.out);
        }
    }
}
