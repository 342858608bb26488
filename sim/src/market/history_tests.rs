//! Tests of the synthetic history: IB duration and bar-size strings, bar
//! counts and spans in the regular session, weekends, determinism per seed.

use super::*;
use rust_decimal_macros::dec;

fn end() -> DateTime<Utc> {
    // Wednesday 2026-01-07 16:00 EST
    Utc.with_ymd_and_hms(2026, 1, 7, 21, 0, 0).unwrap()
}

#[test]
fn parses_ib_strings() {
    assert_eq!(
        parse_bar_size("5 mins"),
        Some(BarSpec { secs: 300, days: 0 })
    );
    assert_eq!(parse_bar_size("1 min"), Some(BarSpec { secs: 60, days: 0 }));
    assert_eq!(
        parse_bar_size("1 hour"),
        Some(BarSpec {
            secs: 3600,
            days: 0
        })
    );
    assert_eq!(
        parse_bar_size("1 day"),
        Some(BarSpec {
            secs: 23_400,
            days: 1
        })
    );
    assert_eq!(parse_bar_size("2 fortnights"), None);
    assert_eq!(parse_duration("1 D"), Some((1, 0)));
    assert_eq!(parse_duration("2 W"), Some((10, 0)));
    assert_eq!(parse_duration("1 M"), Some((21, 0)));
    assert_eq!(parse_duration("3600 S"), Some((0, 3600)));
    assert_eq!(parse_duration("x D"), None);
}

#[test]
fn one_day_of_five_minute_bars_is_78_bars_ending_at_last() {
    let bars = generate_history(
        dec!(100),
        dec!(0.01),
        1,
        7,
        end(),
        (1, 0),
        parse_bar_size("5 mins").unwrap(),
    );
    assert_eq!(bars.len(), 78);
    // first bar starts 09:30 EST = 14:30 UTC on 2026-01-07
    assert_eq!(
        bars[0].date,
        Utc.with_ymd_and_hms(2026, 1, 7, 14, 30, 0)
            .unwrap()
            .timestamp()
            .to_string()
    );
    assert_eq!(bars.last().unwrap().close, dec!(100));
    assert!(bars
        .iter()
        .all(|b| b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close)));
    for w in bars.windows(2) {
        assert_eq!(w[0].close, w[1].open, "bars join");
    }
}

#[test]
fn daily_bars_skip_weekends_and_holidays() {
    let bars = generate_history(
        dec!(50),
        dec!(0.01),
        1,
        7,
        end(),
        (5, 0),
        parse_bar_size("1 day").unwrap(),
    );
    let dates: Vec<_> = bars.iter().map(|b| b.date.as_str()).collect();
    assert_eq!(
        dates,
        // New Year's Day 2026 (a Thursday) is an exchange holiday.
        vec!["20251231", "20260102", "20260105", "20260106", "20260107"]
    );
}

#[test]
fn deterministic_per_seed() {
    let spec = parse_bar_size("1 min").unwrap();
    let a = generate_history(dec!(10), dec!(0.01), 1, 3, end(), (1, 0), spec);
    let b = generate_history(dec!(10), dec!(0.01), 1, 3, end(), (1, 0), spec);
    let c = generate_history(dec!(10), dec!(0.01), 1, 4, end(), (1, 0), spec);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.len(), 390);
}

#[test]
fn one_day_from_a_morning_spans_the_previous_afternoon() {
    // Monday 2026-01-05 09:35 EST: 1 D reaches back to Friday 09:35.
    let end = Utc.with_ymd_and_hms(2026, 1, 5, 14, 35, 0).unwrap();
    let bars = generate_history(
        dec!(10),
        dec!(0.01),
        1,
        3,
        end,
        (1, 0),
        parse_bar_size("5 mins").unwrap(),
    );
    // Friday 09:35..15:55 is 77 bars, plus Monday 09:30.
    assert_eq!(bars.len(), 78);
    assert_eq!(
        bars[0].date,
        Utc.with_ymd_and_hms(2026, 1, 2, 14, 35, 0)
            .unwrap()
            .timestamp()
            .to_string()
    );
    assert_eq!(
        start_limit(end, 1, 0),
        Utc.with_ymd_and_hms(2026, 1, 2, 14, 35, 0).unwrap()
    );
}

#[test]
fn seconds_duration_limits_span() {
    let bars = generate_history(
        dec!(10),
        dec!(0.01),
        1,
        3,
        end(),
        (0, 3600),
        parse_bar_size("5 mins").unwrap(),
    );
    assert_eq!(bars.len(), 12);
}
