use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn the_trading_day_changes_at_new_york_midnight_not_utc() {
    // 03:59 UTC on 2026-12-02 is 22:59 EST on 2026-12-01.
    let late = Utc.with_ymd_and_hms(2026, 12, 2, 3, 59, 0).unwrap();
    assert_eq!(trading_day(late), date(2026, 12, 1));
    let midnight_ny = Utc.with_ymd_and_hms(2026, 12, 2, 5, 0, 0).unwrap();
    assert_eq!(trading_day(midnight_ny), date(2026, 12, 2));
}

#[test]
fn midnight_follows_daylight_saving_time() {
    // EDT (UTC-4) in July, EST (UTC-5) in December.
    assert_eq!(
        midnight(date(2026, 7, 1)),
        Utc.with_ymd_and_hms(2026, 7, 1, 4, 0, 0).single()
    );
    assert_eq!(
        next_midnight(date(2026, 11, 30)),
        Utc.with_ymd_and_hms(2026, 12, 1, 5, 0, 0).single()
    );
    // 2026-03-08 springs forward: the day after still starts at 04:00 UTC.
    assert_eq!(
        next_midnight(date(2026, 3, 8)),
        Utc.with_ymd_and_hms(2026, 3, 9, 4, 0, 0).single()
    );
}

#[test]
fn the_session_opens_at_half_past_nine_in_new_york() {
    let noon_edt = Utc.with_ymd_and_hms(2026, 7, 1, 16, 0, 0).unwrap();
    assert_eq!(
        session_open(noon_edt),
        Utc.with_ymd_and_hms(2026, 7, 1, 13, 30, 0).unwrap()
    );
    let noon_est = Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap();
    assert_eq!(
        session_open(noon_est),
        Utc.with_ymd_and_hms(2026, 12, 1, 14, 30, 0).unwrap()
    );
}
