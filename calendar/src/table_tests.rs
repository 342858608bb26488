//! The table against the chrono-tz rules it is built from: every date in
//! range, instants around every DST change, holiday and half day, the range
//! edges and the fallback beyond them.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};

use super::*;
use crate::{
    is_open, is_open_slow, midnight, midnight_slow, next_close, next_close_slow, next_midnight,
    next_open, next_open_slow, session, session_open, session_open_slow, session_slow, trading_day,
    trading_day_slow,
};

/// The public answers about `day` equal the chrono-tz ones.
fn same_day(day: NaiveDate) {
    assert_eq!(midnight(day), midnight_slow(day), "midnight {day}");
    let next = day.succ_opt().and_then(midnight_slow);
    assert_eq!(next_midnight(day), next, "next_midnight {day}");
    assert_eq!(session(day), session_slow(day), "session {day}");
}

/// The public answers about `time` equal the chrono-tz ones.
fn same_instant(time: DateTime<Utc>) {
    assert_eq!(
        trading_day(time),
        trading_day_slow(time),
        "trading_day {time:?}"
    );
    assert_eq!(is_open(time), is_open_slow(time), "is_open {time:?}");
    assert_eq!(next_open(time), next_open_slow(time), "next_open {time:?}");
    assert_eq!(
        next_close(time),
        next_close_slow(time),
        "next_close {time:?}"
    );
    assert_eq!(
        session_open(time),
        session_open_slow(time),
        "session_open {time:?}"
    );
}

/// `time`, a nanosecond and a second either side.
fn around(time: DateTime<Utc>) {
    for delta in [
        TimeDelta::seconds(-1),
        TimeDelta::nanoseconds(-1),
        TimeDelta::zero(),
        TimeDelta::nanoseconds(1),
        TimeDelta::seconds(1),
    ] {
        same_instant(time + delta);
    }
}

fn utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

#[test]
fn the_range_constants_match_the_dates() {
    assert_eq!(END.signed_duration_since(FIRST).num_days(), DAYS as i64);
    let epoch = DateTime::<Utc>::UNIX_EPOCH.date_naive();
    assert_eq!(
        FIRST.signed_duration_since(epoch).num_days(),
        FIRST_UNIX_DAY
    );
    assert_eq!(FIRST.num_days_from_ce(), FIRST_CE_DAY);
}

#[test]
fn every_date_in_range_matches_chrono_tz_at_its_midnight_and_09_30() {
    let mut day = FIRST;
    let mut kinds = (0, 0, 0);
    while day < END {
        same_day(day);
        let row = super::day(day).expect("every date in range has a row");
        assert_eq!(row.date, day);
        // Each date's first and last instant and its 09:30 (the other
        // answers about instants: the tests below).
        for time in [
            utc(row.midnight),
            utc(row.end()) - TimeDelta::nanoseconds(1),
            utc(row.nine_thirty()),
        ] {
            assert_eq!(trading_day(time), day, "{time:?}");
            assert_eq!(trading_day_slow(time), day, "{time:?}");
        }
        assert_eq!(
            session_open(utc(row.midnight)),
            session_open_slow(utc(row.midnight))
        );
        kinds.0 += usize::from(row.length == 86_400);
        kinds.1 += usize::from(row.length != 86_400);
        kinds.2 += usize::from(row.session().is_some());
        day = day.succ_opt().unwrap();
    }
    // Some days are 23 or 25 hours long and some have a session; no row is
    // missing (day() would have said None).
    assert!(
        kinds.1 > 100 && kinds.0 > 300_000 && kinds.2 > 200_000,
        "{kinds:?}"
    );
}

#[test]
fn instants_around_every_dst_change_match_chrono_tz() {
    let mut day = FIRST;
    let mut changes = 0;
    while day < END {
        let row = *super::day(day).unwrap();
        if row.length != 86_400 {
            changes += 1;
            // Every whole hour of the day (the change is on one), and the
            // hours either side of its midnights.
            let mut t = row.midnight - 3600;
            while t <= row.end() + 3600 {
                around(utc(t));
                t += 3600;
            }
        }
        day = day.succ_opt().unwrap();
    }
    // US DST in 1918-1919, 1942-1945 (one change each way), 1967 on, and in
    // chrono-tz's data up to 2037 at least.
    assert!(changes > 2 * 70, "{changes} DST changes");
}

#[test]
fn instants_around_every_holiday_half_day_and_session_match_chrono_tz() {
    let mut day = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    while day < last {
        let row = *super::day(day).unwrap();
        if matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            day = day.succ_opt().unwrap();
            continue;
        }
        // Sessions: open and close; holidays (closed weekdays) and half
        // days: their 09:30, 13:00 and 16:00 all the same.
        around(utc(row.nine_thirty()));
        if let Some((_, close)) = row.session() {
            around(utc(close));
        }
        if row
            .session()
            .is_none_or(|(_, close)| close - row.nine_thirty() < 6 * 3600)
        {
            around(utc(row.nine_thirty() + 3 * 3600 + 1800));
            around(utc(row.nine_thirty() + 6 * 3600 + 1800));
        }
        day = day.succ_opt().unwrap();
    }
}

#[test]
fn the_table_ends_at_its_range_and_the_chrono_tz_code_answers_beyond() {
    let first = midnight_slow(FIRST).unwrap();
    let end = midnight_slow(END).unwrap();
    // Inside: the first and last instants have rows; outside: none.
    assert_eq!(day_of(first).map(|r| r.date), Some(FIRST));
    assert_eq!(
        day_of(end - TimeDelta::nanoseconds(1)).map(|r| r.date),
        END.pred_opt()
    );
    assert_eq!(day_of(first - TimeDelta::nanoseconds(1)), None);
    assert_eq!(day_of(end), None);
    assert_eq!(super::day(FIRST.pred_opt().unwrap()), None);
    assert_eq!(super::day(END), None);
    // The public answers are the same on both sides of each edge, and far
    // beyond (down to chrono's range, where New York time stops).
    for edge in [first, end] {
        for hours in [-48, -24, -1, 0, 1, 24, 48] {
            around(edge + TimeDelta::hours(hours));
        }
    }
    for day in [FIRST, END] {
        for offset in -3..3 {
            same_day(day + TimeDelta::days(offset));
        }
    }
    for year in [1, 1492, 1883, 1899, 3000, 9999] {
        let time = Utc.with_ymd_and_hms(year, 7, 1, 15, 0, 0).unwrap();
        around(time);
        same_day(time.date_naive());
    }
    same_day(NaiveDate::MIN);
    same_day(NaiveDate::MAX);
    // (At chrono's first instant New York time does not exist: both panic.)
    same_instant(DateTime::<Utc>::MAX_UTC);
}

#[test]
fn random_instants_with_fractions_match_chrono_tz() {
    // An LCG over 1890..3010, with a random fraction of a second.
    let (from, to) = (
        Utc.with_ymd_and_hms(1890, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp(),
        Utc.with_ymd_and_hms(3010, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp(),
    );
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let secs = from + ((state >> 11) % (to - from) as u64) as i64;
        let nanos = [0, 1, 999_999_999, (state % 1_000_000_000) as u32][(state >> 60) as usize % 4];
        same_instant(DateTime::from_timestamp(secs, nanos).unwrap());
    }
}
