//! The New York trading calendar: which trading day an instant belongs to,
//! where that day starts (midnight), and where its regular session opens.
//!
//! Owns every America/New_York date and time rule the bot uses, so the day a
//! fill counts toward, the day the daily-loss limit resets on and the bucket a
//! bar falls in cannot disagree. Must never read a clock: every function takes
//! the instant it answers for.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;

/// Length of the regular US equity session (09:30–16:00), in seconds.
pub const SESSION_SECONDS: u32 = 6 * 3600 + 30 * 60;

/// The regular session's opening time, New York local.
const SESSION_OPEN: (u32, u32) = (9, 30);

/// The America/New_York calendar date of `time`: its trading day.
pub fn trading_day(time: DateTime<Utc>) -> NaiveDate {
    time.with_timezone(&New_York).date_naive()
}

/// 00:00 America/New_York of `day`, in UTC; `None` outside chrono's range.
pub fn midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    local_to_utc(day, NaiveTime::MIN)
}

/// 00:00 America/New_York of the day after `day`, in UTC: when `day` ends.
pub fn next_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    midnight(day.succ_opt()?)
}

/// The 09:30 New York session open of the trading day that contains `time`.
pub fn session_open(time: DateTime<Utc>) -> DateTime<Utc> {
    let open = NaiveTime::from_hms_opt(SESSION_OPEN.0, SESSION_OPEN.1, 0);
    open.and_then(|open| local_to_utc(trading_day(time), open))
        .unwrap_or(time)
}

/// A New York wall-clock time on `day`, in UTC (the earlier instant when the
/// clock is set back; `None` in a spring-forward gap or out of range).
fn local_to_utc(day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    New_York
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
