//! The fixed-point bracket against the `Decimal` arithmetic it replaced,
//! kept here as the model: same prices and the same scale (so the journal and
//! the reports print the same text), for random references, percentages and
//! grids.

use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

use super::*;
use crate::domain::ticks::Rung as LadderRung;

/// The `Decimal` rounding the gate used before [`Fixed`].
fn model_round(price: Decimal, size: Decimal, strategy: RoundingStrategy) -> Decimal {
    match decimals(size) {
        Some(k) if price.scale() <= k => price,
        Some(k) => price.round_dp_with_strategy(k, strategy),
        None => (price / size).round_dp_with_strategy(0, strategy) * size,
    }
}

/// The `Decimal` bracket the gate computed before [`Fixed`].
fn model(stop: Decimal, target: Decimal, side: Side, r: Decimal, l: TickLadder) -> Option<Bracket> {
    let floor =
        |p: Decimal| model_round(p, l.increment_at(p), RoundingStrategy::ToNegativeInfinity);
    let ceil = |p: Decimal| model_round(p, l.increment_at(p), RoundingStrategy::ToPositiveInfinity);
    let below = ceil(r) - l.rung_below(ceil(r)).increment;
    let above = floor(r) + l.increment_at(floor(r));
    let one = Decimal::ONE;
    let (stop_loss, take_profit) = match side {
        Side::Buy => (
            ceil(r * (one - stop)).min(below),
            floor(r * (one + target)).max(above),
        ),
        Side::Sell => (
            floor(r * (one + stop)).max(above),
            ceil(r * (one - target)).min(below),
        ),
    };
    let positive = |d: Decimal| d.is_sign_positive() && !d.is_zero();
    (positive(stop_loss) && positive(take_profit)).then_some(Bracket {
        stop_loss,
        take_profit,
    })
}

fn ladder() -> impl Strategy<Value = TickLadder> {
    prop_oneof![
        Just(TickLadder::us_stock()),
        Just(TickLadder::flat(Decimal::new(1, 2)).unwrap()),
        Just(TickLadder::flat(Decimal::new(5, 2)).unwrap()),
        Just(TickLadder::flat(Decimal::new(10, 3)).unwrap()),
        Just(TickLadder::flat(Decimal::new(25, 2)).unwrap()),
        Just(
            TickLadder::new(&[
                LadderRung {
                    low_edge: Decimal::ZERO,
                    increment: Decimal::new(5, 3)
                },
                LadderRung {
                    low_edge: Decimal::new(3, 0),
                    increment: Decimal::new(5, 2)
                },
            ])
            .unwrap()
        ),
    ]
}

/// A price with 0 to 6 places, from 0.0001 to 10 000.
fn price() -> impl Strategy<Value = Decimal> {
    (1i64..100_000_000, 0u32..=6)
        .prop_map(|(m, s)| Decimal::new(m, 4).round_dp(s).max(Decimal::new(1, s)))
}

/// A percentage with 1 to 4 places.
fn pct(max_hundredths: i64) -> impl Strategy<Value = Decimal> {
    (1i64..max_hundredths * 100, 1u32..=4).prop_map(|(m, s)| {
        let d = Decimal::new(m, 4).round_dp(s);
        if d.is_zero() {
            Decimal::new(1, s)
        } else {
            d
        }
    })
}

proptest! {
    #[test]
    fn fixed_point_bracket_equals_the_decimal_one_to_the_scale(
        stop in pct(99),
        target in pct(1_000),
        buy in any::<bool>(),
        reference in price(),
        ladder in ladder(),
    ) {
        let side = if buy { Side::Buy } else { Side::Sell };
        let tick = Tick::ladder(ladder).unwrap();
        let fixed = BracketRule::new(stop, target).for_entry(side, reference, tick);
        let model = model(stop, target, side, reference, ladder);
        prop_assert_eq!(fixed, model);
        let text = |b: Option<Bracket>| b.map(|b| (b.stop_loss.to_string(), b.take_profit.to_string()));
        prop_assert_eq!(text(fixed), text(model));
    }
}
