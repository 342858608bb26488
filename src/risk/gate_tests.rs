//! Gate unit tests, one scenario per order check; expected values computed by
//! hand in the comments (fixtures in `fixtures.rs`).

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::fixtures::*;
use crate::domain::types::{Instrument, IntentPurpose, OrderKind, Side};
use crate::risk::bracket::Bracket;
use crate::risk::decision::Decision;
use crate::risk::limits::RiskLimits;
use crate::risk::reason::RejectReason;
use crate::risk::view::{AccountView, NoOpenOrders};
use crate::risk::RiskGate;

#[test]
fn entry_is_approved_with_a_bracket_from_the_limit_price() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let d = g.check(
        &buy(dec!(50), limit(dec!(190))),
        &view(&p, &NoOpenOrders),
        t0(),
    );
    let Decision::Approved(approved) = d else {
        panic!("rejected: {d:?}")
    };
    // stop 190 × 0.95 = 180.50; target 190 × 1.10 = 209.00
    assert_eq!(
        approved.bracket(),
        Some(Bracket {
            stop_loss: dec!(180.50),
            take_profit: dec!(209.00)
        })
    );
    assert_eq!(approved.intent().quantity, dec!(50));
}

#[test]
fn market_entry_brackets_the_last_price_and_short_entries_mirror() {
    let mut g = gate();
    let p = aapl_at(dec!(190.37));
    let d = g.check(
        &buy(dec!(10), OrderKind::Market),
        &view(&p, &NoOpenOrders),
        t0(),
    );
    let Decision::Approved(a) = d else {
        panic!("{d:?}")
    };
    // 190.37 × 0.95 = 180.8515 → 180.86 (toward entry); × 1.10 = 209.407 → 209.40
    assert_eq!(
        a.bracket().map(|b| (b.stop_loss, b.take_profit)),
        Some((dec!(180.86), dec!(209.40)))
    );

    let short = intent(
        "AAPL",
        Side::Sell,
        dec!(10),
        limit(dec!(190)),
        IntentPurpose::Entry,
    );
    let d = g.check(&short, &view(&p, &NoOpenOrders), t0());
    let Decision::Approved(a) = d else {
        panic!("{d:?}")
    };
    // stop 190 × 1.05 = 199.50 above; target 190 × 0.90 = 171.00 below
    assert_eq!(
        a.bracket().map(|b| (b.stop_loss, b.take_profit)),
        Some((dec!(199.50), dec!(171.00)))
    );
}

#[test]
fn position_limit_counts_the_position_and_same_side_working_orders() {
    let mut g = gate();
    let mut p = aapl_at(dec!(190));
    // Limit: 15% × 100 000 = 15 000. 78 × 190 = 14 820 passes; 79 × 190 = 15 010 does not.
    assert!(g
        .check(
            &buy(dec!(78), OrderKind::Market),
            &view(&p, &NoOpenOrders),
            t0()
        )
        .is_approved());
    assert_eq!(
        reason(g.check(
            &buy(dec!(79), OrderKind::Market),
            &view(&p, &NoOpenOrders),
            t0()
        )),
        RejectReason::PositionLimit {
            symbol: sym("AAPL"),
            resulting: dec!(79),
            price: dec!(190),
            limit_pct: dec!(0.15),
            net_liquidation: dec!(100000),
        }
    );
    // Holding 50 with 20 more working on the buy side: 50 + 20 + 9 = 79 → refused,
    // 50 + 20 + 8 = 78 → passes. Working sells (exits) do not count.
    fill(&mut p, Side::Buy, dec!(50), dec!(190));
    let book = Book {
        working: vec![
            (sym("AAPL"), Side::Buy, dec!(20)),
            (sym("AAPL"), Side::Sell, dec!(50)),
        ],
        open: 3,
    };
    let r = reason(g.check(&buy(dec!(9), OrderKind::Market), &view(&p, &book), t0()));
    assert_eq!(
        r.to_string(),
        "position limit: AAPL would reach 79 shares = $15,010.00 > 15% of net liquidation $100,000.00"
    );
    assert!(g
        .check(&buy(dec!(8), OrderKind::Market), &view(&p, &book), t0())
        .is_approved());
}

#[test]
fn valuation_uses_the_higher_of_order_and_last_price() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    // Buy limit 199.50 (collar edge): 76 × 199.50 = 15 162 > 15 000 although 76 × 190 = 14 440.
    let r = reason(g.check(
        &buy(dec!(76), limit(dec!(199.50))),
        &view(&p, &NoOpenOrders),
        t0(),
    ));
    assert!(
        matches!(r, RejectReason::PositionLimit { price, .. } if price == dec!(199.50)),
        "{r}"
    );
}

#[test]
fn order_notional_limit() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let mut v = view(&p, &NoOpenOrders);
    v.account = AccountView::new(dec!(1000000), dec!(1000000));
    // 263 × 190 = 49 970 ≤ 50 000; 264 × 190 = 50 160 > 50 000.
    assert!(g
        .check(&buy(dec!(263), OrderKind::Market), &v, t0())
        .is_approved());
    let r = reason(g.check(&buy(dec!(264), OrderKind::Market), &v, t0()));
    assert_eq!(
        r.to_string(),
        "order notional: 264 AAPL × $190.00 = $50,160.00 > max $50,000.00"
    );
}

#[test]
fn price_collar_and_reference_price() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let v = view(&p, &NoOpenOrders);
    // Band: 5% × 190 = 9.50. 199.50 is on the edge (passes), 199.51 is not.
    assert!(g
        .check(&buy(dec!(1), limit(dec!(199.50))), &v, t0())
        .is_approved());
    assert!(matches!(
        reason(g.check(&buy(dec!(1), limit(dec!(199.51))), &v, t0())),
        RejectReason::PriceCollar { price, last, .. } if price == dec!(199.51) && last == dec!(190)
    ));
    // A stop-limit is judged by both prices: stop 180.49 is 9.51 away.
    let stop_limit = OrderKind::StopLimit {
        stop: dec!(180.49),
        limit: dec!(190),
    };
    assert!(matches!(
        reason(g.check(&buy(dec!(1), stop_limit), &v, t0())),
        RejectReason::PriceCollar { price, .. } if price == dec!(180.49)
    ));
    // SPY has no last price: market orders are refused, limit orders use their limit.
    let spy_market = intent(
        "SPY",
        Side::Buy,
        dec!(1),
        OrderKind::Market,
        IntentPurpose::Entry,
    );
    assert_eq!(
        reason(g.check(&spy_market, &v, t0())),
        RejectReason::NoReferencePrice { symbol: sym("SPY") }
    );
    let spy_limit = intent(
        "SPY",
        Side::Buy,
        dec!(20),
        limit(dec!(500)),
        IntentPurpose::Entry,
    );
    let d = g.check(&spy_limit, &v, t0());
    // 500 × 0.95 = 475, 500 × 1.1 = 550
    let Decision::Approved(a) = d else {
        panic!("{d:?}")
    };
    assert_eq!(
        a.bracket().map(|b| (b.stop_loss, b.take_profit)),
        Some((dec!(475), dec!(550)))
    );
}

#[test]
fn intent_shape_symbol_and_tick() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let v = view(&p, &NoOpenOrders);
    let cases = [
        (
            buy(dec!(0), OrderKind::Market),
            RejectReason::QuantityNotPositive { quantity: dec!(0) },
        ),
        (
            buy(dec!(-5), OrderKind::Market),
            RejectReason::QuantityNotPositive { quantity: dec!(-5) },
        ),
        (
            buy(dec!(1.5), OrderKind::Market),
            RejectReason::FractionalQuantity {
                quantity: dec!(1.5),
            },
        ),
        (
            buy(dec!(1), limit(dec!(190.005))),
            RejectReason::PriceOffTick {
                price: dec!(190.005),
                tick: dec!(0.01),
            },
        ),
        (
            buy(dec!(1), limit(dec!(-1))),
            RejectReason::PriceNotPositive { price: dec!(-1) },
        ),
        (
            intent(
                "MSFT",
                Side::Buy,
                dec!(1),
                OrderKind::Market,
                IntentPurpose::Entry,
            ),
            RejectReason::SymbolNotAllowed {
                symbol: sym("MSFT"),
            },
        ),
        (
            intent(
                "XYZ",
                Side::Buy,
                dec!(1),
                OrderKind::Market,
                IntentPurpose::Entry,
            ),
            RejectReason::UnknownInstrument { symbol: sym("XYZ") },
        ),
    ];
    for (i, expected) in cases {
        assert_eq!(reason(g.check(&i, &v, t0())), expected);
    }
    // 10.00 shares is a whole number.
    assert!(g
        .check(&buy(dec!(10.00), OrderKind::Market), &v, t0())
        .is_approved());
}

#[test]
fn exits_must_reduce_and_never_flip() {
    let mut g = gate();
    let mut p = aapl_at(dec!(190));
    let sell_exit = |q| {
        intent(
            "AAPL",
            Side::Sell,
            q,
            OrderKind::Market,
            IntentPurpose::Exit,
        )
    };
    // Flat: nothing to exit.
    assert!(matches!(
        reason(g.check(&sell_exit(dec!(10)), &view(&p, &NoOpenOrders), t0())),
        RejectReason::ExitIncreasesExposure { .. }
    ));
    fill(&mut p, Side::Buy, dec!(50), dec!(190));
    // A buy "exit" on a long adds to it.
    let buy_exit = intent(
        "AAPL",
        Side::Buy,
        dec!(10),
        OrderKind::Market,
        IntentPurpose::Exit,
    );
    assert_eq!(
        reason(g.check(&buy_exit, &view(&p, &NoOpenOrders), t0())).to_string(),
        "exit BUY AAPL would increase exposure: position is 50 shares"
    );
    // 30 already working + 21 > 50 flips; 30 + 20 = 50 closes exactly.
    let book = Book {
        working: vec![(sym("AAPL"), Side::Sell, dec!(30))],
        open: 1,
    };
    assert_eq!(
        reason(g.check(&sell_exit(dec!(21)), &view(&p, &book), t0())),
        RejectReason::ExitExceedsPosition {
            symbol: sym("AAPL"),
            quantity: dec!(21),
            working: dec!(30),
            position: dec!(50)
        }
    );
    let d = g.check(&sell_exit(dec!(20)), &view(&p, &book), t0());
    let Decision::Approved(a) = d else {
        panic!("{d:?}")
    };
    assert_eq!(a.bracket(), None);
    // An entry on the other side of a position is refused too.
    let short_entry = intent(
        "AAPL",
        Side::Sell,
        dec!(10),
        OrderKind::Market,
        IntentPurpose::Entry,
    );
    assert!(matches!(
        reason(g.check(&short_entry, &view(&p, &NoOpenOrders), t0())),
        RejectReason::EntryAgainstPosition { .. }
    ));
}

#[test]
fn max_open_orders_counts_bracket_children() {
    let mut g = gate();
    let mut p = aapl_at(dec!(190));
    let book = Book {
        working: vec![],
        open: 28,
    };
    // 28 + 3 = 31 > 30.
    assert_eq!(
        reason(g.check(&buy(dec!(1), OrderKind::Market), &view(&p, &book), t0())),
        RejectReason::MaxOpenOrders {
            open: 28,
            adding: 3,
            max: 30
        }
    );
    // An exit adds one order: 29 + 1 = 30 passes.
    fill(&mut p, Side::Buy, dec!(5), dec!(190));
    let book = Book {
        working: vec![],
        open: 29,
    };
    let exit = intent(
        "AAPL",
        Side::Sell,
        dec!(5),
        OrderKind::Market,
        IntentPurpose::Exit,
    );
    assert!(g.check(&exit, &view(&p, &book), t0()).is_approved());
}

#[test]
fn account_not_ready_and_unprotectable_entries() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let mut v = view(&p, &NoOpenOrders);
    v.account = AccountView::new(Decimal::ZERO, Decimal::ZERO);
    assert!(matches!(
        reason(g.check(&buy(dec!(1), OrderKind::Market), &v, t0())),
        RejectReason::AccountNotReady { .. }
    ));
    let penny = aapl_at(dec!(0.01));
    assert_eq!(
        reason(g.check(
            &buy(dec!(100), limit(dec!(0.01))),
            &view(&penny, &NoOpenOrders),
            t0()
        )),
        RejectReason::Unprotectable {
            reference: dec!(0.01),
            tick: dec!(0.01)
        }
    );
}

#[test]
fn config_allow_list_narrows_the_strategy_symbols() {
    let limits = RiskLimits {
        allowed_symbols: vec![sym("SPY")],
        ..RiskLimits::default()
    };
    let instruments = [Instrument {
        symbol: sym("AAPL"),
        ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
    }];
    let mut g = RiskGate::new(&limits, &instruments, &[sym("AAPL"), sym("SPY")]);
    let p = aapl_at(dec!(190));
    assert_eq!(
        reason(g.check(
            &buy(dec!(1), OrderKind::Market),
            &view(&p, &NoOpenOrders),
            t0()
        )),
        RejectReason::SymbolNotAllowed {
            symbol: sym("AAPL")
        }
    );
}

#[test]
fn rejected_displays_the_intent_and_the_reason() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let Decision::Rejected(r) = g.check(
        &buy(dec!(79), OrderKind::Market),
        &view(&p, &NoOpenOrders),
        t0(),
    ) else {
        panic!("approved")
    };
    assert_eq!(
        r.to_string(),
        "BUY 79 AAPL rejected: position limit: AAPL would reach 79 shares = $15,010.00 > 15% of net liquidation $100,000.00"
    );
}
