use chrono::TimeZone;
use rust_decimal_macros::dec;

use super::*;

#[test]
fn ib_execution_times_parse_in_their_zone() {
    let expected = Utc.with_ymd_and_hms(2026, 1, 5, 14, 31, 5).unwrap();
    for text in [
        "20260105 09:31:05 US/Eastern",
        "20260105  09:31:05",
        "20260105 09:31:05 EST",
        "20260105 08:31:05 CST",
        "20260105-14:31:05 UTC",
        "20260105 09:31:05 America/New_York",
    ] {
        assert_eq!(ib_time("t", text), Ok(expected), "{text}");
    }
}

#[test]
fn a_bad_or_unknown_zone_time_is_malformed_not_new_york() {
    let error = ib_time("execution time", "20260105 09:31:05 Mars/Olympus").unwrap_err();
    assert_eq!(error.field, "execution time");
    assert_eq!(error.expected, "names an unknown time zone");
    assert!(ib_time("t", "yesterday").is_err());
    assert!(ib_time("t", "").is_err());
    assert!(ib_time("t", "20261340 09:31:05").is_err());
}

#[test]
fn doubles_become_short_decimals() {
    assert_eq!(decimal(101.25), Some(Decimal::new(10125, 2)));
    assert_eq!(decimal(0.1 + 0.2), Some(Decimal::new(3, 1)));
    assert_eq!(decimal(-3.0), Some(Decimal::from(-3)));
}

#[test]
fn unrepresentable_doubles_are_refused_not_zero() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX] {
        assert_eq!(decimal(value), None, "{value}");
        assert!(amount("a", value).is_err());
        assert!(price("p", value).is_err());
    }
}

#[test]
fn a_price_must_be_positive() {
    assert_eq!(price("p", 0.01), Ok(Decimal::new(1, 2)));
    assert_eq!(
        price("close", 0.0).unwrap_err().expected,
        "is not a positive price"
    );
    assert!(price("p", -1.0).is_err());
}

#[test]
fn a_time_before_1990_is_a_defaulted_field() {
    assert!(unix_time("bar time", 0, 0).is_err());
    assert_eq!(
        unix_time("bar time", 1_767_623_400, 0),
        Ok(Utc.with_ymd_and_hms(2026, 1, 5, 14, 30, 0).unwrap())
    );
}

#[test]
fn a_market_rule_becomes_a_tick_ladder_or_a_named_error() {
    let ladder = tick_ladder(&[(0.0, 0.0001), (1.0, 0.01)]).expect("US stock rule");
    assert_eq!(ladder, crate::domain::ticks::TickLadder::us_stock());
    let flat = tick_ladder(&[(0.0, 0.05)]).expect("flat");
    assert_eq!(flat.increment_at(dec!(120)), dec!(0.05));
    assert_eq!(tick_ladder(&[]).unwrap_err().field, "market rule rows");
    assert_eq!(
        tick_ladder(&[(0.0, f64::MAX)]).unwrap_err().field,
        "market rule increment"
    );
    assert_eq!(
        tick_ladder(&[(0.0, 0.0)]).unwrap_err().field,
        "market rule increment"
    );
    assert_eq!(
        tick_ladder(&[(1.0, 0.01)]).unwrap_err().field,
        "market rule"
    );
}
