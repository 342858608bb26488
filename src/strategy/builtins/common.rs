//! Pieces every built-in shares: the position a signal asks for
//! ([`Target`]), the own-orders-still-working flags ([`Working`]), and
//! [`rebalance`], which turns a target into exit/entry intents.

use rust_decimal::Decimal;

use crate::domain::types::{IntentPurpose, Side, Symbol};
use crate::strategy::context::StrategyContext;
use crate::strategy::intents::Intents;
use crate::strategy::sizing::Sizing;
use crate::strategy::traits::OrderOutcome;

/// The position a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Long, sized by the strategy's sizing rule.
    Long,
    /// No position.
    Flat,
    /// Short, sized by the strategy's sizing rule.
    Short,
}

/// Which of a strategy's own orders for one symbol are still working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Working {
    /// An entry is working.
    pub entry: bool,
    /// An exit is working.
    pub exit: bool,
}

impl Working {
    /// Clears the flag of the outcome's purpose when the order is done
    /// (filled completely, rejected or cancelled).
    pub fn on_outcome(&mut self, outcome: &OrderOutcome<'_>) {
        if outcome.is_final() {
            match outcome.intent().purpose {
                IntentPurpose::Entry => self.entry = false,
                IntentPurpose::Exit => self.exit = false,
            }
        }
    }
}

/// Pushes the intents that move `symbol` from its current position to
/// `target`: first an exit of the whole position on the wrong side, then an
/// entry of `sizing`'s quantity at `price` — skipping whatever is already
/// working, and the entry when the size comes out as zero. Marks what it sent
/// as working. Allocation-free.
pub fn rebalance(
    target: Target,
    symbol: Symbol,
    price: Decimal,
    sizing: &Sizing,
    ctx: &StrategyContext<'_>,
    working: &mut Working,
    out: &mut Intents,
) {
    let position = ctx.position(symbol);
    let wrong_side = match target {
        Target::Long => position < Decimal::ZERO,
        Target::Flat => !position.is_zero(),
        Target::Short => position > Decimal::ZERO,
    };
    if wrong_side && !working.exit {
        let side = if position > Decimal::ZERO {
            Side::Sell
        } else {
            Side::Buy
        };
        let exit = ctx.market_order(symbol, side, position.abs(), IntentPurpose::Exit);
        working.exit = out.push(exit).is_ok();
    }
    let entry_side = match target {
        Target::Long if position <= Decimal::ZERO => Side::Buy,
        Target::Short if position >= Decimal::ZERO => Side::Sell,
        _ => return,
    };
    if working.entry {
        return;
    }
    let quantity = sizing.quantity(ctx.equity(), price);
    if quantity > Decimal::ZERO {
        let entry = ctx.market_order(symbol, entry_side, quantity, IntentPurpose::Entry);
        working.entry = out.push(entry).is_ok();
    }
}

/// Index of `symbol` in `symbols` (built-ins trade a handful, a scan is fastest).
pub fn slot_of(symbols: &[Symbol], symbol: Symbol) -> Option<usize> {
    symbols.iter().position(|&s| s == symbol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::{Fill, OrderKind, StrategyId};
    use crate::strategy::context::StrategyBook;
    use chrono::{DateTime, Utc};
    use rust_decimal_macros::dec;

    fn spy() -> Symbol {
        Symbol::new("SPY").unwrap()
    }

    fn book_with(position: Decimal) -> StrategyBook {
        let mut book = StrategyBook::new(StrategyId(2), &[spy()]);
        book.set_position(spy(), position);
        book
    }

    fn run(
        target: Target,
        position: Decimal,
        working: &mut Working,
    ) -> Vec<(Side, Decimal, IntentPurpose)> {
        let book = book_with(position);
        let ctx = book.context(DateTime::<Utc>::UNIX_EPOCH, dec!(100000));
        let mut out = Intents::new();
        // fraction 0.1 of 100 000 at 250 → 40 shares
        let sizing = Sizing::FractionOfEquity(dec!(0.1));
        rebalance(target, spy(), dec!(250), &sizing, &ctx, working, &mut out);
        for intent in out.as_slice() {
            assert_eq!(intent.strategy, StrategyId(2));
            assert_eq!(intent.kind, OrderKind::Market);
        }
        out.as_slice()
            .iter()
            .map(|i| (i.side, i.quantity, i.purpose))
            .collect()
    }

    #[test]
    fn rebalance_exits_the_wrong_side_then_enters() {
        let mut w = Working::default();
        assert_eq!(
            run(Target::Long, dec!(0), &mut w),
            vec![(Side::Buy, dec!(40), IntentPurpose::Entry)]
        );
        assert_eq!(
            w,
            Working {
                entry: true,
                exit: false
            }
        );
        // Entry still working: nothing more.
        assert_eq!(run(Target::Long, dec!(0), &mut w), vec![]);

        let mut w = Working::default();
        assert_eq!(
            run(Target::Long, dec!(-15), &mut w),
            vec![
                (Side::Buy, dec!(15), IntentPurpose::Exit),
                (Side::Buy, dec!(40), IntentPurpose::Entry)
            ]
        );
        let mut w = Working::default();
        assert_eq!(
            run(Target::Flat, dec!(7), &mut w),
            vec![(Side::Sell, dec!(7), IntentPurpose::Exit)]
        );
        assert_eq!(
            run(Target::Flat, dec!(7), &mut w),
            vec![],
            "exit already working"
        );
        let mut w = Working::default();
        assert_eq!(
            run(Target::Short, dec!(7), &mut w),
            vec![
                (Side::Sell, dec!(7), IntentPurpose::Exit),
                (Side::Sell, dec!(40), IntentPurpose::Entry)
            ]
        );
        let mut w = Working::default();
        assert_eq!(run(Target::Long, dec!(40), &mut w), vec![], "already long");
        assert_eq!(run(Target::Flat, dec!(0), &mut w), vec![], "already flat");
    }

    #[test]
    fn final_outcomes_clear_working_flags() {
        let intent = crate::domain::types::OrderIntent {
            strategy: StrategyId(2),
            symbol: spy(),
            side: Side::Buy,
            quantity: dec!(10),
            kind: OrderKind::Market,
            purpose: IntentPurpose::Entry,
        };
        let fill = Fill {
            symbol: spy(),
            side: Side::Buy,
            quantity: dec!(4),
            price: dec!(1),
            commission: dec!(0),
            time: DateTime::<Utc>::UNIX_EPOCH,
        };
        let mut w = Working {
            entry: true,
            exit: true,
        };
        w.on_outcome(&OrderOutcome::Filled {
            intent: &intent,
            fill: &fill,
            remaining: dec!(6),
        });
        assert_eq!(
            w,
            Working {
                entry: true,
                exit: true
            },
            "partial fill keeps it working"
        );
        w.on_outcome(&OrderOutcome::Cancelled {
            intent: &intent,
            unfilled: dec!(6),
        });
        assert_eq!(
            w,
            Working {
                entry: false,
                exit: true
            }
        );
    }
}
