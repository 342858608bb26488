//! Tests of `rebalance` and the working-order flags shared by the built-ins.

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
