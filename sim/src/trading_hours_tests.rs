use chrono::TimeZone;

use super::*;

/// A New York wall-clock time in December 2026 (EST, UTC-5), in UTC.
fn ny(day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    New_York
        .with_ymd_and_hms(2026, 12, day, hour, minute, second)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn bars_follow_use_rth_under_nyse_hours_and_always_flow_otherwise() {
    // (case, start of the bar, useRTH, sent)
    let rows = [
        ("first bar of the session", ny(1, 9, 30, 0), true, true),
        ("bar before the open", ny(1, 9, 29, 55), true, false),
        ("last bar, ends at the close", ny(1, 15, 59, 55), true, true),
        ("bar at the close", ny(1, 16, 0, 0), true, false),
        ("pre-market with useRTH=0", ny(1, 4, 0, 0), false, true),
        ("after-hours with useRTH=0", ny(1, 19, 59, 55), false, true),
        ("night with useRTH=0", ny(1, 20, 0, 0), false, false),
        ("half day after 13:00", ny(24, 13, 0, 0), true, false),
        ("Christmas Day", ny(25, 11, 0, 0), true, false),
        ("Saturday", ny(26, 11, 0, 0), false, false),
    ];
    for (case, start, use_rth, sent) in rows {
        assert_eq!(Hours::Nyse.bar_at(start, use_rth), sent, "{case}");
        assert!(Hours::Always.bar_at(start, use_rth), "{case} (always)");
    }
}

#[test]
fn orders_work_in_regular_hours_or_with_outside_rth_in_extended_hours() {
    let rows = [
        (
            "market in session",
            ny(1, 10, 0, 0),
            OrderType::Market,
            false,
            true,
        ),
        (
            "market at 17:00",
            ny(1, 17, 0, 0),
            OrderType::Market,
            false,
            false,
        ),
        (
            "market at 17:00, outsideRth",
            ny(1, 17, 0, 0),
            OrderType::Market,
            true,
            false,
        ),
        (
            "limit at 17:00",
            ny(1, 17, 0, 0),
            OrderType::Limit,
            false,
            false,
        ),
        (
            "limit at 17:00, outsideRth",
            ny(1, 17, 0, 0),
            OrderType::Limit,
            true,
            true,
        ),
        (
            "stop at 05:00, outsideRth",
            ny(1, 5, 0, 0),
            OrderType::Stop,
            true,
            true,
        ),
        (
            "limit at 21:00, outsideRth",
            ny(1, 21, 0, 0),
            OrderType::Limit,
            true,
            false,
        ),
    ];
    for (case, now, kind, outside_rth, works) in rows {
        assert_eq!(
            Hours::Nyse.order_works(now, kind, outside_rth),
            works,
            "{case}"
        );
        assert!(Hours::Always.order_works(now, kind, outside_rth), "{case}");
    }
}

#[test]
fn a_close_is_seen_once_between_two_instants() {
    assert!(Hours::Nyse.closed_between(ny(1, 15, 59, 59), ny(1, 16, 0, 0)));
    assert!(!Hours::Nyse.closed_between(ny(1, 16, 0, 0), ny(1, 16, 0, 1)));
    // The day after Thanksgiving 2026 (Nov 27) closes at 13:00.
    let nov = |h, m| {
        New_York
            .with_ymd_and_hms(2026, 11, 27, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    assert!(Hours::Nyse.closed_between(nov(12, 59), nov(13, 0)));
    // A weekend holds no close; a jump over a whole day sees its close.
    assert!(!Hours::Nyse.closed_between(ny(5, 9, 0, 0), ny(6, 23, 0, 0)));
    assert!(Hours::Nyse.closed_between(ny(1, 20, 0, 0), ny(2, 17, 0, 0)));
    assert!(!Hours::Always.closed_between(ny(1, 15, 0, 0), ny(1, 17, 0, 0)));
}
