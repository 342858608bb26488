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

/// `HH:MM` New York on `day`, in UTC.
fn ny(day: NaiveDate, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    local_to_utc(day, NaiveTime::from_hms_opt(hour, minute, 0).unwrap()).unwrap()
}

#[test]
fn nyse_holidays_2026_are_closed_and_named() {
    let closed = [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 1, 19), "Martin Luther King Jr. Day"),
        (date(2026, 2, 16), "Washington's Birthday"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 5, 25), "Memorial Day"),
        (date(2026, 6, 19), "Juneteenth"),
        // July 4 is a Saturday: observed on Friday July 3.
        (date(2026, 7, 3), "Independence Day"),
        (date(2026, 9, 7), "Labor Day"),
        (date(2026, 11, 26), "Thanksgiving Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ];
    for (day, name) in closed {
        assert_eq!(day_kind(day), DayKind::Holiday(name), "{day}");
        assert_eq!(session(day), None, "{day}");
        assert_eq!(session_close(day), None, "{day}");
    }
}

#[test]
fn nyse_holidays_2027_follow_the_weekend_rules() {
    let closed = [
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 1, 18), "Martin Luther King Jr. Day"),
        (date(2027, 2, 15), "Washington's Birthday"),
        // Easter 2027 is March 28.
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 5, 31), "Memorial Day"),
        // June 19 is a Saturday: Friday the 18th.
        (date(2027, 6, 18), "Juneteenth"),
        // July 4 is a Sunday: Monday the 5th.
        (date(2027, 7, 5), "Independence Day"),
        (date(2027, 9, 6), "Labor Day"),
        (date(2027, 11, 25), "Thanksgiving Day"),
        // December 25 is a Saturday: Friday the 24th, no half day.
        (date(2027, 12, 24), "Christmas Day"),
    ];
    for (day, name) in closed {
        assert_eq!(day_kind(day), DayKind::Holiday(name), "{day}");
    }
    // New Year's Day 2028 is a Saturday: NYSE keeps Friday Dec 31 open.
    assert_eq!(day_kind(date(2027, 12, 31)), DayKind::Full);
    // July 2, 2027 (Friday before the Monday holiday) is a full day.
    assert_eq!(day_kind(date(2027, 7, 2)), DayKind::Full);
    assert_eq!(
        day_kind(date(2027, 11, 26)),
        DayKind::HalfDay("day after Thanksgiving")
    );
}

#[test]
fn juneteenth_closes_only_from_2022_and_new_year_on_sunday_moves_to_monday() {
    assert_eq!(day_kind(date(2021, 6, 18)), DayKind::Full);
    assert_eq!(day_kind(date(2022, 6, 20)), DayKind::Holiday("Juneteenth"));
    // 2023-01-01 was a Sunday: closed Monday January 2.
    assert_eq!(
        day_kind(date(2023, 1, 2)),
        DayKind::Holiday("New Year's Day")
    );
    // 2022-01-01 was a Saturday: Friday 2021-12-31 traded.
    assert_eq!(day_kind(date(2021, 12, 31)), DayKind::Full);
}

#[test]
fn easter_computus_matches_known_dates() {
    for (year, month, day) in [
        (2019, 4, 21),
        (2024, 3, 31),
        (2025, 4, 20),
        (2026, 4, 5),
        (2027, 3, 28),
        (2038, 4, 25),
    ] {
        assert_eq!(easter(year), Some(date(year, month, day)), "{year}");
    }
}

#[test]
fn half_days_close_at_one_pm() {
    let friday = date(2026, 11, 27);
    assert_eq!(day_kind(friday), DayKind::HalfDay("day after Thanksgiving"));
    // 13:00 EST = 18:00 UTC.
    assert_eq!(
        session_close(friday),
        Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).single()
    );
    assert!(is_open(ny(friday, 12, 59)));
    assert!(!is_open(ny(friday, 13, 0)));
    assert_eq!(
        day_kind(date(2026, 12, 24)),
        DayKind::HalfDay("Christmas Eve")
    );
    // July 3 early close when July 3 and 4 are weekdays (2025: Thu/Fri).
    assert_eq!(
        day_kind(date(2025, 7, 3)),
        DayKind::HalfDay("Independence Day eve")
    );
    assert_eq!(
        day_kind(date(2024, 7, 3)),
        DayKind::HalfDay("Independence Day eve")
    );
    // A regular day closes at 16:00.
    assert_eq!(
        session_close(date(2026, 11, 30)),
        Some(ny(date(2026, 11, 30), 16, 0))
    );
}

#[test]
fn open_and_closed_instants_around_the_session() {
    let monday = date(2026, 1, 5);
    assert!(!is_open(ny(monday, 9, 29)));
    assert!(is_open(ny(monday, 9, 30)));
    assert!(is_open(ny(monday, 15, 59)));
    assert!(!is_open(ny(monday, 16, 0)));
    assert!(!is_open(ny(date(2026, 1, 3), 11, 0)), "Saturday");
    assert!(!is_open(ny(date(2026, 12, 25), 11, 0)), "Christmas");
}

#[test]
fn the_next_open_skips_weekends_and_holidays() {
    // Before the open: today's open.
    let monday = date(2026, 1, 5);
    assert_eq!(next_open(ny(monday, 8, 0)), Some(ny(monday, 9, 30)));
    // After the close on Thursday Dec 24: Christmas Friday, the weekend → Monday Dec 28.
    assert_eq!(
        next_open(ny(date(2026, 12, 24), 13, 0)),
        Some(ny(date(2026, 12, 28), 9, 30))
    );
    // Friday evening before MLK day → Tuesday.
    assert_eq!(
        next_open(ny(date(2026, 1, 16), 17, 0)),
        Some(ny(date(2026, 1, 20), 9, 30))
    );
    // While open: the next session's open.
    assert_eq!(
        next_open(ny(monday, 10, 0)),
        Some(ny(date(2026, 1, 6), 9, 30))
    );
}

#[test]
fn the_next_close_is_today_s_until_it_passes_and_13_00_on_half_days() {
    let monday = date(2026, 1, 5);
    // Before and during the session: today's 16:00.
    assert_eq!(next_close(ny(monday, 8, 0)), Some(ny(monday, 16, 0)));
    assert_eq!(next_close(ny(monday, 15, 59)), Some(ny(monday, 16, 0)));
    // At the closing second it is past: Tuesday's.
    assert_eq!(
        next_close(ny(monday, 16, 0)),
        Some(ny(date(2026, 1, 6), 16, 0))
    );
    // Thursday Dec 24, 2026 is a half day: 13:00; after it, Christmas and
    // the weekend are skipped → Monday Dec 28 at 16:00.
    assert_eq!(
        next_close(ny(date(2026, 12, 24), 9, 0)),
        Some(ny(date(2026, 12, 24), 13, 0))
    );
    assert_eq!(
        next_close(ny(date(2026, 12, 24), 13, 0)),
        Some(ny(date(2026, 12, 28), 16, 0))
    );
}

#[test]
fn dst_switch_days_keep_new_york_wall_clock_hours() {
    // 2026-03-09, first Monday after the spring switch: 09:30 EDT = 13:30 UTC.
    let spring = session(date(2026, 3, 9)).unwrap();
    assert_eq!(
        spring.open,
        Utc.with_ymd_and_hms(2026, 3, 9, 13, 30, 0).unwrap()
    );
    assert_eq!(
        spring.close,
        Utc.with_ymd_and_hms(2026, 3, 9, 20, 0, 0).unwrap()
    );
    // Friday 2026-03-06 was still EST: 14:30 UTC.
    assert_eq!(
        session(date(2026, 3, 6)).unwrap().open,
        Utc.with_ymd_and_hms(2026, 3, 6, 14, 30, 0).unwrap()
    );
    // 2026-11-02, first Monday after the fall switch (Nov 1): back to 14:30 UTC.
    let fall = session(date(2026, 11, 2)).unwrap();
    assert_eq!(
        fall.open,
        Utc.with_ymd_and_hms(2026, 11, 2, 14, 30, 0).unwrap()
    );
    // The switch Sundays themselves are weekends.
    assert_eq!(day_kind(date(2026, 3, 8)), DayKind::Weekend);
    assert_eq!(day_kind(date(2026, 11, 1)), DayKind::Weekend);
    // Saturday night across the spring switch: the next open is Monday 13:30 UTC.
    assert_eq!(next_open(ny(date(2026, 3, 7), 22, 0)), Some(spring.open));
}

#[test]
fn extended_hours_run_from_four_to_eight_on_trading_days_only() {
    // 2026-12-01 is a Tuesday (EST, UTC-5): 04:00 = 09:00 UTC, 20:00 = 01:00 UTC next day.
    let at = |d, h, m| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
    assert!(!is_extended(at(1, 8, 59)));
    assert!(is_extended(at(1, 9, 0)));
    assert!(is_extended(at(2, 0, 59)));
    assert!(!is_extended(at(2, 1, 0)));
    // Christmas Day 2026 (a Friday) and Saturday 2026-12-26: no extended hours.
    assert!(!is_extended(at(25, 15, 0)));
    assert!(!is_extended(at(26, 15, 0)));
}
