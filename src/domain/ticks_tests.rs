use rust_decimal_macros::dec;

use super::*;

fn rung(low_edge: Decimal, increment: Decimal) -> Rung {
    Rung {
        low_edge,
        increment,
    }
}

#[test]
fn the_us_stock_ladder_has_sub_penny_ticks_below_one_dollar() {
    let ladder = TickLadder::us_stock();
    assert_eq!(ladder.increment_at(dec!(0.5)), dec!(0.0001));
    assert_eq!(ladder.increment_at(dec!(0.9999)), dec!(0.0001));
    assert_eq!(ladder.increment_at(dec!(1)), dec!(0.01));
    assert_eq!(ladder.increment_at(dec!(250)), dec!(0.01));
    assert_eq!(ladder.min_increment(), dec!(0.0001));
    assert_eq!(ladder.rung_below(dec!(1)).increment, dec!(0.0001));
}

#[test]
fn bad_rungs_are_refused_with_the_reason() {
    assert_eq!(TickLadder::new(&[]), Err(TickLadderError::Length(0)));
    assert_eq!(
        TickLadder::new(&[rung(dec!(1), dec!(0.01))]),
        Err(TickLadderError::FirstEdge(dec!(1)))
    );
    assert_eq!(
        TickLadder::new(&[rung(dec!(0), dec!(0))]),
        Err(TickLadderError::Increment(dec!(0)))
    );
    // 1.003 is not on the 0.01 grid above it.
    assert_eq!(
        TickLadder::new(&[rung(dec!(0), dec!(0.001)), rung(dec!(1.003), dec!(0.01))]),
        Err(TickLadderError::Edge(dec!(1.003)))
    );
    assert_eq!(
        TickLadder::new(&[rung(dec!(0), dec!(0.01)), rung(dec!(0), dec!(0.05))]),
        Err(TickLadderError::Edge(dec!(0)))
    );
    assert_eq!(TickLadder::flat(dec!(-0.01)), None);
    assert_eq!(TickLadder::flat(dec!(0.05)).unwrap().rungs().len(), 1);
}
