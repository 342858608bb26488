//! The [`Strategy`] trait and [`OrderOutcome`], what a strategy is told about
//! its own orders.

use std::fmt;

use rust_decimal::Decimal;

use crate::domain::types::{Bar, Fill, MarketEvent, OrderIntent, Symbol};
use crate::strategy::context::StrategyContext;
use crate::strategy::intents::Intents;

/// Who refused an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectedBy {
    /// The bot's own risk gate; the order never left the process.
    RiskGate,
    /// The broker (TWS / the simulator / the backtest fill model).
    Broker,
}

impl fmt::Display for RejectedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RejectedBy::RiskGate => "risk gate",
            RejectedBy::Broker => "broker",
        })
    }
}

/// What happened to one of the strategy's own orders. Borrowed and `Copy`, so
/// reporting it allocates nothing.
///
/// Fills of the protective stop-loss / take-profit children the risk gate
/// attaches to an entry arrive as [`OrderOutcome::Filled`] with an `Exit`
/// intent the gate made on the strategy's behalf (kind `Stop` or `Limit`).
/// The context passed alongside already includes the fill in the position.
#[derive(Clone, Copy)]
pub enum OrderOutcome<'a> {
    /// (Part of) the order executed.
    Filled {
        /// The intent the order came from.
        intent: &'a OrderIntent,
        /// What executed.
        fill: &'a Fill,
        /// Quantity still working after this fill; zero when the order is done.
        remaining: Decimal,
    },
    /// The order was refused and will not execute.
    Rejected {
        /// The refused intent.
        intent: &'a OrderIntent,
        /// Who refused it.
        by: RejectedBy,
        /// Why, in words fit for a log line (e.g. the risk check that failed
        /// with the numbers involved).
        reason: &'a dyn fmt::Display,
    },
    /// The order was cancelled (by the bot, OCA, or the broker) before it
    /// fully executed.
    Cancelled {
        /// The intent the order came from.
        intent: &'a OrderIntent,
        /// Quantity that will now never execute.
        unfilled: Decimal,
    },
}

impl<'a> OrderOutcome<'a> {
    /// The intent this outcome is about.
    pub fn intent(&self) -> &'a OrderIntent {
        match *self {
            OrderOutcome::Filled { intent, .. }
            | OrderOutcome::Rejected { intent, .. }
            | OrderOutcome::Cancelled { intent, .. } => intent,
        }
    }

    /// The symbol of the order.
    pub fn symbol(&self) -> Symbol {
        self.intent().symbol
    }

    /// Whether the order can no longer execute (fully filled, rejected or cancelled).
    pub fn is_final(&self) -> bool {
        match *self {
            OrderOutcome::Filled { remaining, .. } => remaining <= Decimal::ZERO,
            OrderOutcome::Rejected { .. } | OrderOutcome::Cancelled { .. } => true,
        }
    }
}

impl fmt::Debug for OrderOutcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderOutcome::Filled {
                intent,
                fill,
                remaining,
            } => f
                .debug_struct("Filled")
                .field("intent", intent)
                .field("fill", fill)
                .field("remaining", remaining)
                .finish(),
            OrderOutcome::Rejected { intent, by, reason } => f
                .debug_struct("Rejected")
                .field("intent", intent)
                .field("by", by)
                .field("reason", &format_args!("{reason}"))
                .finish(),
            OrderOutcome::Cancelled { intent, unfilled } => f
                .debug_struct("Cancelled")
                .field("intent", intent)
                .field("unfilled", unfilled)
                .finish(),
        }
    }
}

// guide-trait:start
/// A trading strategy: it looks at market events and the outcomes of its own
/// orders, and answers with order intents. The engine routes events to it by
/// [`symbols`](Strategy::symbols) and [`bar_seconds`](Strategy::bar_seconds),
/// passes every intent through the risk gate, and reports the result back.
///
/// Rules every implementation must keep (the engine's guarantees rest on them):
/// - **No allocation, lock, I/O or wall clock per event.** Allocate buffers and
///   indicators in the constructor; time is [`StrategyContext::now`].
/// - **Intents only.** A strategy never talks to the broker; it pushes
///   [`OrderIntent`]s built with [`StrategyContext::intent`] (stamped with its
///   id) into `out`. Sizes are wishes: the risk gate may still refuse them.
/// - **Deterministic.** The same events and outcomes give the same intents.
pub trait Strategy: Send {
    /// The symbols this strategy trades; it receives market events for these only.
    fn symbols(&self) -> &[Symbol];

    /// The bar length (seconds) the strategy wants; the engine aggregates IB's
    /// 5-second bars to it. A daily strategy says 86 400.
    fn bar_seconds(&self) -> u32;

    /// How many completed bars of history the strategy needs before its first
    /// signal; the engine may feed them to [`warm_up`](Strategy::warm_up) at
    /// start. Default 0.
    fn warmup_bars(&self) -> usize {
        0
    }

    /// Feeds one historical bar to the indicators without trading. Default:
    /// ignore it.
    fn warm_up(&mut self, bar: &Bar) {
        let _ = bar;
    }

    /// Handles one market event (a bar of [`bar_seconds`](Strategy::bar_seconds),
    /// a quote or a trade) for one of [`symbols`](Strategy::symbols).
    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents);

    /// Handles what happened to one of its orders: filled (possibly in part),
    /// rejected with the reason (by the risk gate or the broker), or cancelled.
    /// It may answer with new intents. Default: ignore it.
    fn on_order_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        ctx: &StrategyContext<'_>,
        out: &mut Intents,
    ) {
        let _ = (outcome, ctx, out);
    }
}
// guide-trait:end

/// Every symbol the `strategies` trade, sorted, without duplicates: the one
/// definition of "the strategies' symbols" (the engine's portfolio, the risk
/// gate's allow-list and the market-data subscriptions all use it).
pub fn symbols_of(strategies: &[Box<dyn Strategy>]) -> Vec<Symbol> {
    let mut symbols: Vec<Symbol> = strategies
        .iter()
        .flat_map(|s| s.symbols().iter().copied())
        .collect();
    symbols.sort();
    symbols.dedup();
    symbols
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::{IntentPurpose, OrderKind, Side, StrategyId};
    use chrono::{DateTime, Utc};
    use rust_decimal_macros::dec;

    #[test]
    fn outcome_accessors_and_finality() {
        let intent = OrderIntent {
            strategy: StrategyId(0),
            symbol: Symbol::new("SPY").unwrap(),
            side: Side::Buy,
            quantity: dec!(10),
            kind: OrderKind::Market,
            purpose: IntentPurpose::Entry,
        };
        let fill = Fill {
            symbol: intent.symbol,
            side: Side::Buy,
            quantity: dec!(4),
            price: dec!(400),
            commission: dec!(1),
            time: DateTime::<Utc>::UNIX_EPOCH,
        };
        let partial = OrderOutcome::Filled {
            intent: &intent,
            fill: &fill,
            remaining: dec!(6),
        };
        assert!(!partial.is_final());
        assert_eq!(partial.symbol(), intent.symbol);
        let reason = "position 4000 > limit 1500";
        let rejected = OrderOutcome::Rejected {
            intent: &intent,
            by: RejectedBy::RiskGate,
            reason: &reason,
        };
        assert!(rejected.is_final());
        assert!(format!("{rejected:?}").contains("reason: position 4000 > limit 1500"));
        assert_eq!(RejectedBy::RiskGate.to_string(), "risk gate");
    }
}
