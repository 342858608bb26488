use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_fresh_clock_holds_no_day() {
    let clock = DayClock::new();
    assert_eq!(clock.today(), None);
    assert_eq!(clock.ends(), DateTime::<Utc>::MIN_UTC);
}

#[test]
fn days_are_new_york_dates_across_daylight_saving() {
    let mut clock = DayClock::new();
    // Instants in order across the 2026 spring-forward and fall-back
    // nights, each with the New York date it belongs to.
    let cases = [
        ((2026, 3, 7, 12, 0), date(2026, 3, 7)),
        ((2026, 3, 8, 4, 59), date(2026, 3, 7)), // 23:59 EST
        ((2026, 3, 8, 5, 0), date(2026, 3, 8)),  // midnight EST
        ((2026, 3, 9, 3, 59), date(2026, 3, 8)), // 23:59 EDT (a 23-hour day)
        ((2026, 3, 9, 4, 0), date(2026, 3, 9)),
        ((2026, 11, 1, 3, 59), date(2026, 10, 31)),
        ((2026, 11, 1, 4, 0), date(2026, 11, 1)),
        ((2026, 11, 2, 4, 59), date(2026, 11, 1)), // a 25-hour day
        ((2026, 11, 2, 5, 0), date(2026, 11, 2)),
    ];
    for ((y, mo, d, h, mi), day) in cases {
        let time = Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap();
        assert_eq!(clock.day(time), day, "{time}");
        assert_eq!(clock.today(), Some(day));
        assert_eq!(Some(clock.ends()), next_midnight(day), "{time}");
        assert_eq!(
            clock.last_instant(),
            clock.ends() - TimeDelta::nanoseconds(1)
        );
    }
}

#[test]
fn a_clock_follows_time_backwards_too() {
    let mut clock = DayClock::new();
    let noon = Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, 0).unwrap();
    assert_eq!(clock.day(noon), date(2026, 12, 2));
    assert_eq!(clock.day(noon - TimeDelta::days(3)), date(2026, 11, 29));
    assert_eq!(clock.day(noon), date(2026, 12, 2));
    // The first instant of the day and the last of the one before.
    let midnight = midnight(date(2026, 12, 2)).unwrap();
    assert_eq!(clock.day(midnight), date(2026, 12, 2));
    assert_eq!(
        clock.day(midnight - TimeDelta::nanoseconds(1)),
        date(2026, 12, 1)
    );
}

#[test]
fn outside_the_table_the_clock_uses_the_chrono_tz_rules() {
    let mut clock = DayClock::new();
    let far = Utc.with_ymd_and_hms(3100, 7, 4, 3, 0, 0).unwrap();
    assert_eq!(clock.day(far), trading_day(far));
    assert_eq!(Some(clock.ends()), next_midnight(trading_day(far)));
    assert_eq!(
        clock.last_instant(),
        clock.ends() - TimeDelta::nanoseconds(1)
    );
    // chrono's last instant: its New York date never ends within chrono.
    let last = DateTime::<Utc>::MAX_UTC;
    assert_eq!(clock.day(last), trading_day(last));
    assert_eq!(clock.ends(), DateTime::<Utc>::MAX_UTC);
}

#[test]
fn just_before_is_a_nanosecond_earlier() {
    let at = |secs, nanos| DateTime::from_timestamp(secs, nanos).unwrap();
    // New York midnights, a UTC midnight, fractions, a leap second
    // (2016-12-31T23:59:60.5) and the instant after it.
    for time in [
        at(1_767_243_600, 0),
        at(1_783_396_800, 0),
        at(1_767_225_600, 0),
        at(0, 1),
        at(-1, 999_999_999),
        at(1_483_228_799, 1_500_000_000),
        at(1_483_228_800, 0),
    ] {
        assert_eq!(
            just_before(time),
            time - TimeDelta::nanoseconds(1),
            "{time:?}"
        );
    }
    assert_eq!(
        just_before(DateTime::<Utc>::MIN_UTC),
        DateTime::<Utc>::MIN_UTC
    );
}
