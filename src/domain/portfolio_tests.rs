//! Hand-computed portfolio scenarios: the arithmetic is in the comments, the
//! expected values are literals.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::domain::types::Side;

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

fn fill(symbol: &str, side: Side, quantity: Decimal, price: Decimal, commission: Decimal) -> Fill {
    Fill {
        symbol: sym(symbol),
        side,
        quantity,
        price,
        commission,
        time: DateTime::<Utc>::UNIX_EPOCH,
    }
}

#[test]
fn long_partial_fills_average_cost_and_partial_close() {
    let mut p = Portfolio::new();
    let aapl = sym("AAPL");
    p.apply_fill(&fill("AAPL", Side::Buy, dec!(100), dec!(10), dec!(1)))
        .unwrap();
    p.apply_fill(&fill("AAPL", Side::Buy, dec!(300), dec!(12), dec!(1)))
        .unwrap();
    // basis = 100*10 + 300*12 = 1000 + 3600 = 4600; avg = 4600 / 400 = 11.50
    let pos = p.position(aapl).unwrap();
    assert_eq!(pos.quantity(), dec!(400));
    assert_eq!(pos.cost_basis(), dec!(4600));
    assert_eq!(pos.average_cost(), dec!(11.5));
    // The first fill set the mark (10); the second does not move it.
    assert_eq!(p.last_price(aapl), Some(dec!(10)));

    assert!(p.mark(aapl, dec!(12.50)));
    // unrealized = 400*12.50 - 4600 = 5000 - 4600 = 400
    assert_eq!(p.unrealized_pnl(), dec!(400));

    p.apply_fill(&fill("AAPL", Side::Sell, dec!(100), dec!(13), dec!(1.5)))
        .unwrap();
    // closed 100 of 400: basis removed = 4600*100/400 = 1150
    // realized = 100*13 - 1150 = 150; basis left 3450, avg 3450/300 = 11.50
    // unrealized = 300*12.50 - 3450 = 3750 - 3450 = 300
    // commissions = 1 + 1 + 1.5 = 3.5; net = 150 + 300 - 3.5 = 446.5
    let pos = p.position(aapl).unwrap();
    assert_eq!(pos.quantity(), dec!(300));
    assert_eq!(pos.average_cost(), dec!(11.5));
    assert_eq!(p.realized_pnl(), dec!(150));
    assert_eq!(p.unrealized_pnl(), dec!(300));
    assert_eq!(p.commissions(), dec!(3.5));
    assert_eq!(p.net_pnl(), dec!(446.5));
}

#[test]
fn flip_long_to_short_realizes_closed_part_and_opens_rest_at_fill_price() {
    let mut p = Portfolio::new();
    let x = sym("X");
    p.apply_fill(&fill("X", Side::Buy, dec!(300), dec!(11.5), dec!(0)))
        .unwrap();
    p.apply_fill(&fill("X", Side::Sell, dec!(500), dec!(12), dec!(2)))
        .unwrap();
    // closes 300: realized = 300*12 - 300*11.5 = 3600 - 3450 = 150
    // opens short 200 at 12: basis = -200*12 = -2400, avg 12
    let pos = p.position(x).unwrap();
    assert_eq!(pos.quantity(), dec!(-200));
    assert_eq!(pos.cost_basis(), dec!(-2400));
    assert_eq!(pos.average_cost(), dec!(12));
    assert_eq!(p.realized_pnl(), dec!(150));

    p.mark(x, dec!(11));
    // short gains when price falls: -200*11 - (-2400) = -2200 + 2400 = 200
    assert_eq!(p.unrealized_pnl(), dec!(200));

    p.apply_fill(&fill("X", Side::Buy, dec!(50), dec!(11.5), dec!(0.5)))
        .unwrap();
    // covers 50 of 200: basis removed = -2400*50/200 = -600
    // realized += -50*11.5 - (-600) = -575 + 600 = 25 → 175
    // left: -150 shares, basis -1800 (avg 12); unrealized = -150*11 + 1800 = 150
    let pos = p.position(x).unwrap();
    assert_eq!(pos.quantity(), dec!(-150));
    assert_eq!(pos.average_cost(), dec!(12));
    assert_eq!(p.realized_pnl(), dec!(175));
    assert_eq!(p.unrealized_pnl(), dec!(150));
    // net = 175 + 150 - (2 + 0.5) = 322.5
    assert_eq!(p.net_pnl(), dec!(322.5));
}

#[test]
fn flip_short_to_long_and_close_to_flat() {
    let mut p = Portfolio::new();
    let x = sym("X");
    p.apply_fill(&fill("X", Side::Sell, dec!(100), dec!(50), dec!(1)))
        .unwrap();
    p.apply_fill(&fill("X", Side::Buy, dec!(150), dec!(40), dec!(1)))
        .unwrap();
    // covers 100 short at 50 with buys at 40: realized = -100*40 + 100*50 = 1000
    // opens long 50 at 40
    let pos = p.position(x).unwrap();
    assert_eq!(pos.quantity(), dec!(50));
    assert_eq!(pos.average_cost(), dec!(40));
    assert_eq!(p.realized_pnl(), dec!(1000));

    p.apply_fill(&fill("X", Side::Sell, dec!(50), dec!(38), dec!(1)))
        .unwrap();
    // realized += 50*38 - 50*40 = 1900 - 2000 = -100 → 900; flat
    let pos = p.position(x).unwrap();
    assert_eq!(pos.quantity(), Decimal::ZERO);
    assert_eq!(pos.cost_basis(), Decimal::ZERO);
    assert_eq!(pos.average_cost(), Decimal::ZERO);
    assert_eq!(p.realized_pnl(), dec!(900));
    assert_eq!(p.unrealized_pnl(), Decimal::ZERO);
    // net = 900 - 3 commissions
    assert_eq!(p.net_pnl(), dec!(897));
}

#[test]
fn inexact_average_cost_still_realizes_the_exact_total() {
    let mut p = Portfolio::new();
    p.apply_fill(&fill("X", Side::Buy, dec!(1), dec!(10), dec!(0)))
        .unwrap();
    p.apply_fill(&fill("X", Side::Buy, dec!(2), dec!(10.01), dec!(0)))
        .unwrap();
    // basis 10 + 20.02 = 30.02 over 3 shares: the average 10.00666… is not exact
    p.apply_fill(&fill("X", Side::Sell, dec!(1), dec!(11), dec!(0)))
        .unwrap();
    p.apply_fill(&fill("X", Side::Sell, dec!(2), dec!(11), dec!(0)))
        .unwrap();
    // total realized = proceeds - cost = 3*11 - 30.02 = 2.98, exactly
    assert_eq!(p.realized_pnl(), dec!(2.98));
    assert_eq!(p.quantity(sym("X")), Decimal::ZERO);
}

#[test]
fn late_commission_and_totals_over_several_symbols() {
    let mut p = Portfolio::new();
    p.apply_fill(&fill("MSFT", Side::Buy, dec!(10), dec!(400), dec!(0)))
        .unwrap();
    p.apply_fill(&fill("SPY", Side::Sell, dec!(20), dec!(500), dec!(0)))
        .unwrap();
    p.apply_commission(sym("MSFT"), dec!(1.25)).unwrap();
    p.apply_commission(sym("SPY"), dec!(0.75)).unwrap();
    p.mark(sym("MSFT"), dec!(410));
    p.mark(sym("SPY"), dec!(505));
    // MSFT: 10*410 - 4000 = 100; SPY: -20*505 + 10000 = -100
    assert_eq!(p.position(sym("MSFT")).unwrap().unrealized_pnl(), dec!(100));
    assert_eq!(p.position(sym("SPY")).unwrap().unrealized_pnl(), dec!(-100));
    assert_eq!(p.unrealized_pnl(), Decimal::ZERO);
    assert_eq!(p.commissions(), dec!(2));
    assert_eq!(p.net_pnl(), dec!(-2));
    // market value: 10*410 - 20*505 = 4100 - 10100 = -6000
    assert_eq!(p.market_value(), dec!(-6000));
    // Deterministic order: the same for any insertion order.
    let order: Vec<Symbol> = p.positions().iter().map(Position::symbol).collect();
    let mut q = Portfolio::new();
    q.mark(sym("SPY"), dec!(1));
    q.mark(sym("MSFT"), dec!(1));
    let other: Vec<Symbol> = q.positions().iter().map(Position::symbol).collect();
    assert_eq!(order, other);
}

#[test]
fn invalid_fills_and_marks_change_nothing() {
    let mut p = Portfolio::new();
    p.apply_fill(&fill("X", Side::Buy, dec!(10), dec!(5), dec!(0)))
        .unwrap();
    let before = p.clone();
    assert_eq!(
        p.apply_fill(&fill("X", Side::Buy, dec!(0), dec!(5), dec!(0))),
        Err(PortfolioError::NonPositiveQuantity {
            symbol: sym("X"),
            quantity: dec!(0)
        })
    );
    assert!(p
        .apply_fill(&fill("X", Side::Sell, dec!(-3), dec!(5), dec!(0)))
        .is_err());
    assert!(matches!(
        p.apply_fill(&fill("X", Side::Sell, dec!(3), dec!(0), dec!(0))),
        Err(PortfolioError::NonPositivePrice { .. })
    ));
    assert!(!p.mark(sym("X"), dec!(-1)));
    assert_eq!(p, before);
}

#[test]
fn what_cannot_be_held_exactly_is_refused_and_changes_nothing() {
    let mut p = Portfolio::new();
    p.apply_fill(&fill("X", Side::Buy, dec!(1000), dec!(5), dec!(0)))
        .unwrap();
    let before = p.clone();
    // A ninth decimal place in the price, the quantity or the commission.
    assert_eq!(
        p.apply_fill(&fill("X", Side::Buy, dec!(1), dec!(5.000000001), dec!(0))),
        Err(PortfolioError::NotExact {
            symbol: sym("X"),
            value: dec!(5.000000001)
        })
    );
    assert!(matches!(
        p.apply_fill(&fill("X", Side::Buy, dec!(0.000000001), dec!(5), dec!(0))),
        Err(PortfolioError::NotExact { .. })
    ));
    assert!(p
        .apply_commission(sym("X"), dec!(0.00000000000000001))
        .is_err());
    assert!(!p.mark(sym("X"), dec!(5.000000001)));
    // A mark that would value the position beyond ±7.9 × 10¹²
    // (1 000 × 9 × 10¹⁰).
    assert!(!p.mark(sym("X"), dec!(90000000000)));
    assert_eq!(p, before);
    assert_eq!(p.last_price(sym("X")), Some(dec!(5)));
}

#[test]
fn figures_print_with_the_places_decimal_arithmetic_gives() {
    let mut p = Portfolio::new();
    p.apply_fill(&fill("X", Side::Buy, dec!(100), dec!(97.3100), dec!(0.500)))
        .unwrap();
    assert!(p.mark(sym("X"), dec!(97.4100)));
    // 100 × 97.4100 − 9731.0000 = 10.0000; − 0.500 commission.
    assert_eq!(p.unrealized_pnl().to_string(), "10.0000");
    assert_eq!(p.commissions().to_string(), "0.500");
    assert_eq!(p.net_pnl().to_string(), "9.5000");
    assert_eq!(p.quantity(sym("X")).to_string(), "100");
}

#[test]
fn restore_position_sets_quantity_and_cost() {
    let mut p = Portfolio::new();
    let x = sym("X");
    p.restore_position(x, dec!(-40), dec!(25)).unwrap();
    p.mark(x, dec!(24));
    // -40*24 - (-40*25) = -960 + 1000 = 40
    assert_eq!(p.unrealized_pnl(), dec!(40));
    assert!(p.restore_position(x, dec!(10), dec!(0)).is_err());
}

#[test]
fn marking_registered_symbols_never_allocates() {
    let symbols = [sym("AAPL"), sym("MSFT"), sym("SPY")];
    let mut p = Portfolio::with_symbols(&symbols);
    let (ptr, cap) = (p.positions.as_ptr(), p.positions.capacity());
    for i in 1..1000 {
        for s in symbols {
            p.mark(s, Decimal::from(i));
        }
    }
    p.apply_fill(&fill("SPY", Side::Buy, dec!(1), dec!(3), dec!(0)))
        .unwrap();
    assert_eq!(p.positions.as_ptr(), ptr);
    assert_eq!(p.positions.capacity(), cap);
    assert_eq!(p.positions().len(), 3);
    assert_eq!(p.open_positions().count(), 1);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the fills, realized + unrealized equals the exact cash flow
        /// of the fills plus the marked value of what is held, and the running
        /// totals equal the per-symbol sums.
        #[test]
        fn pnl_equals_cash_flow_plus_marked_value(
            fills in prop::collection::vec((any::<bool>(), 1u32..500, 100i64..20_000, 0usize..2), 1..40),
            mark_cents in 100i64..20_000,
        ) {
            let symbols = [sym("A"), sym("B")];
            let mut p = Portfolio::new();
            let mut cash = [Decimal::ZERO; 2];
            let mut held = [Decimal::ZERO; 2];
            for (buy, qty, cents, which) in fills {
                let side = if buy { Side::Buy } else { Side::Sell };
                let (q, px) = (Decimal::from(qty), Decimal::new(cents, 2));
                p.apply_fill(&Fill { symbol: symbols[which], side, quantity: q, price: px,
                    commission: dec!(0.01), time: DateTime::<Utc>::UNIX_EPOCH }).unwrap();
                cash[which] -= side.sign() * q * px;
                held[which] += side.sign() * q;
            }
            let mark = Decimal::new(mark_cents, 2);
            for s in symbols { p.mark(s, mark); }
            let expected: Decimal = (0..2).map(|i| cash[i] + held[i] * mark).sum();
            prop_assert_eq!(p.realized_pnl() + p.unrealized_pnl(), expected);
            for i in 0..2 { prop_assert_eq!(p.quantity(symbols[i]), held[i]); }
            let realized: Decimal = p.positions().iter().map(Position::realized_pnl).sum();
            let unrealized: Decimal = p.positions().iter().map(Position::unrealized_pnl).sum();
            prop_assert_eq!(p.realized_pnl(), realized);
            prop_assert_eq!(p.unrealized_pnl(), unrealized);
        }
    }

    /// One symbol's book in plain `Decimal` arithmetic, as the portfolio kept
    /// it before it moved to fixed point: the reference for what its figures
    /// must print.
    #[derive(Default)]
    struct Reference {
        quantity: Decimal,
        cost_basis: Decimal,
        realized: Decimal,
        commissions: Decimal,
        mark: Option<Decimal>,
        // Running totals, moved by each change as the portfolio moves them.
        total_realized: Decimal,
        total_unrealized: Decimal,
        total_commissions: Decimal,
    }

    impl Reference {
        fn unrealized(&self) -> Decimal {
            match self.mark {
                Some(mark) if !self.quantity.is_zero() => self.quantity * mark - self.cost_basis,
                _ => Decimal::ZERO,
            }
        }

        fn change(&mut self, f: impl FnOnce(&mut Self)) {
            let (r, u, c) = (self.realized, self.unrealized(), self.commissions);
            f(self);
            self.total_realized += self.realized - r;
            self.total_unrealized += self.unrealized() - u;
            self.total_commissions += self.commissions - c;
        }

        fn fill(&mut self, side: Side, quantity: Decimal, price: Decimal, commission: Decimal) {
            self.change(|b| {
                b.commissions += commission;
                b.mark.get_or_insert(price);
                let signed = side.sign() * quantity;
                if b.quantity.is_zero()
                    || b.quantity.is_sign_positive() == signed.is_sign_positive()
                {
                    b.quantity += signed;
                    b.cost_basis += signed * price;
                    return;
                }
                let held = b.quantity.abs();
                let (closed, removed) = if quantity >= held {
                    (b.quantity, b.cost_basis)
                } else {
                    (-signed, (b.cost_basis * quantity / held).round_dp(10))
                };
                b.realized += closed * price - removed;
                b.cost_basis -= removed;
                b.quantity -= closed;
                let rest = signed + closed;
                if !rest.is_zero() {
                    b.quantity += rest;
                    b.cost_basis = rest * price;
                } else if b.quantity.is_zero() {
                    b.cost_basis = Decimal::ZERO;
                }
            });
        }
    }

    /// A fill or a mark: (is a fill, buy, quantity mantissa and places,
    /// price mantissa and places, commission mantissa and places).
    type Step = (bool, bool, (i64, u32), (i64, u32), (i64, u32));

    fn step() -> impl Strategy<Value = Step> {
        (
            any::<bool>(),
            any::<bool>(),
            (1i64..50_000, 0u32..=2),
            (1i64..5_000_000, 0u32..=4),
            (0i64..5_000, 0u32..=3),
        )
    }

    proptest! {
        /// After every fill and mark, the fixed-point book's figures print
        /// exactly as the `Decimal` arithmetic it replaced prints them: the
        /// same values with the same decimal places (what keeps reports and
        /// the journal byte-identical).
        #[test]
        fn figures_print_as_the_decimal_book_did(steps in prop::collection::vec(step(), 1..60)) {
            let x = sym("X");
            let mut p = Portfolio::new();
            let mut r = Reference::default();
            for (is_fill, buy, (q, qp), (px, pp), (c, cp)) in steps {
                let (quantity, price) = (Decimal::new(q, qp), Decimal::new(px, pp));
                if is_fill {
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let commission = Decimal::new(c, cp);
                    p.apply_fill(&Fill { symbol: x, side, quantity, price, commission,
                        time: DateTime::<Utc>::UNIX_EPOCH }).unwrap();
                    r.fill(side, quantity, price, commission);
                } else {
                    prop_assert!(p.mark(x, price));
                    r.change(|b| b.mark = Some(price));
                }
                let book = p.position(x).unwrap();
                prop_assert_eq!(book.quantity().to_string(), r.quantity.to_string());
                prop_assert_eq!(book.cost_basis().to_string(), r.cost_basis.to_string());
                prop_assert_eq!(book.unrealized_pnl().to_string(), r.unrealized().to_string());
                prop_assert_eq!(p.realized_pnl().to_string(), r.total_realized.to_string());
                prop_assert_eq!(p.unrealized_pnl().to_string(), r.total_unrealized.to_string());
                prop_assert_eq!(p.commissions().to_string(), r.total_commissions.to_string());
                let net = r.total_realized + r.total_unrealized - r.total_commissions;
                prop_assert_eq!(p.net_pnl().to_string(), net.to_string());
            }
        }
    }
}
