//! The New York trading calendar: which trading day an instant belongs to,
//! where that day starts (midnight), whether the NYSE holds a regular session
//! that day (weekends, exchange holidays, 13:00 half days), and when that
//! session opens and closes.
//!
//! Owns every America/New_York date and time rule the bot and its simulator
//! (`tws-sim`) use, so the day a fill counts toward, the day the daily-loss
//! limit resets on, the bucket a bar falls in, whether the market is open and
//! when the simulator parks or expires an order cannot disagree. A leaf crate
//! of the workspace (it depends on chrono and chrono-tz alone) because the
//! simulator may not depend on the bot; the bot re-exports it as
//! `domain::calendar`. The holidays are computed from NYSE's rules (Rule 7.2
//! and its published holiday schedule), so any year works; one-off closures
//! (a national day of mourning, a storm) are not rules and are not known here.
//! Must never read a clock: every function takes the instant or day it
//! answers for.
//!
//! The rules are written once, in the `*_slow` functions here. For dates from
//! 1900 to 2999 the public functions read their answers from a table built
//! from those functions (`table`: integer math on Unix seconds, no time-zone
//! search), and outside that range they call them directly; [`DayClock`]
//! caches the current day for callers that ask per event.

#![forbid(unsafe_code)]

mod day_clock;
mod table;

pub use day_clock::DayClock;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::America::New_York;

use table::Found;

/// Length of the regular US equity session (09:30–16:00), in seconds.
pub const SESSION_SECONDS: u32 = 6 * 3600 + 30 * 60;

/// The regular session's opening time, New York local.
const SESSION_OPEN: (u32, u32) = (9, 30);

/// The regular session's closing time, New York local.
const SESSION_CLOSE: (u32, u32) = (16, 0);

/// A half day's closing time, New York local.
const HALF_DAY_CLOSE: (u32, u32) = (13, 0);

/// Extended hours (pre-market from 04:00, after-hours until 20:00), New
/// York local, on every trading day.
const EXTENDED: ((u32, u32), (u32, u32)) = ((4, 0), (20, 0));

/// First year NYSE closes for Juneteenth.
const JUNETEENTH_FROM: i32 = 2022;

/// How far [`next_open`] looks ahead (no NYSE closure is this long).
const LOOKAHEAD_DAYS: u32 = 14;

/// What kind of day a New York calendar date is for the NYSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// Saturday or Sunday.
    Weekend,
    /// An exchange holiday (the name of the holiday observed).
    Holiday(&'static str),
    /// A regular session, 09:30–16:00.
    Full,
    /// An early close at 13:00 (the occasion).
    HalfDay(&'static str),
}

impl DayKind {
    /// Whether the market holds a regular session on this day.
    pub fn is_trading_day(self) -> bool {
        matches!(self, Self::Full | Self::HalfDay(_))
    }
}

/// One day's regular session, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// 09:30 New York.
    pub open: DateTime<Utc>,
    /// 16:00 New York, or 13:00 on a half day.
    pub close: DateTime<Utc>,
}

/// What the NYSE does on the New York date `day`.
pub fn day_kind(day: NaiveDate) -> DayKind {
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return DayKind::Weekend;
    }
    if let Some(name) = holiday(day) {
        return DayKind::Holiday(name);
    }
    match half_day(day) {
        Some(occasion) => DayKind::HalfDay(occasion),
        None => DayKind::Full,
    }
}

/// The regular session of `day`; `None` on a weekend or holiday.
pub fn session(day: NaiveDate) -> Option<Session> {
    match table::day(day) {
        Some(row) => row.session().and_then(|(open, close)| {
            Some(Session {
                open: utc(open)?,
                close: utc(close)?,
            })
        }),
        None => session_slow(day),
    }
}

/// [`session`] by the chrono-tz rules (what the table is built from).
fn session_slow(day: NaiveDate) -> Option<Session> {
    let close = closing_time(day)?;
    Some(Session {
        open: nine_thirty_slow(day)?,
        close: local_to_utc(day, hm(close)?)?,
    })
}

/// The regular session's New York closing time on `day` (16:00, or 13:00
/// on a half day); `None` on a weekend or holiday.
fn closing_time(day: NaiveDate) -> Option<(u32, u32)> {
    let close = match day_kind(day) {
        DayKind::Full => SESSION_CLOSE,
        DayKind::HalfDay(_) => HALF_DAY_CLOSE,
        DayKind::Weekend | DayKind::Holiday(_) => return None,
    };
    Some(close)
}

/// When the regular session of `day` closes (16:00, or 13:00 on a half
/// day); `None` when the market does not open that day.
pub fn session_close(day: NaiveDate) -> Option<DateTime<Utc>> {
    session(day).map(|s| s.close)
}

/// Whether the regular session is open at `time` (open at 09:30:00 sharp,
/// closed from the closing second on).
pub fn is_open(time: DateTime<Utc>) -> bool {
    let Some(row) = table::day_of(time) else {
        return is_open_slow(time);
    };
    // Open and close are whole seconds: compare the instant's whole seconds.
    let secs = time.timestamp();
    row.session()
        .is_some_and(|(open, close)| open <= secs && secs < close)
}

/// [`is_open`] by the chrono-tz rules.
fn is_open_slow(time: DateTime<Utc>) -> bool {
    session_slow(trading_day_slow(time)).is_some_and(|s| s.open <= time && time < s.close)
}

/// Whether `time` lies in the extended trading hours of a trading day
/// (04:00–20:00 New York, pre-market, regular session and after-hours), when
/// US stock orders flagged to fill outside regular hours may fill.
pub fn is_extended(time: DateTime<Utc>) -> bool {
    let day = trading_day(time);
    let bounds = hm(EXTENDED.0)
        .and_then(|from| local_to_utc(day, from))
        .zip(hm(EXTENDED.1).and_then(|to| local_to_utc(day, to)));
    day_kind(day).is_trading_day() && bounds.is_some_and(|(from, to)| from <= time && time < to)
}

/// The first regular-session open at or after `time` (the open of today's
/// session when it is still ahead, else of the next trading day); `None`
/// only outside chrono's range.
pub fn next_open(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (secs, whole) = (time.timestamp(), time.timestamp_subsec_nanos() == 0);
    // An open (a whole second) is at or after the instant when its second is
    // later, or the same second and the instant has no fraction.
    let ahead = |open: i64| open > secs || (open == secs && whole);
    match table::find_session(time, |(open, _)| ahead(open)) {
        Found::Session((open, _)) => utc(open),
        Found::NoneWithin => None,
        Found::OutsideTable => next_open_slow(time),
    }
}

/// [`next_open`] by the chrono-tz rules.
fn next_open_slow(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut day = trading_day_slow(time);
    for _ in 0..LOOKAHEAD_DAYS {
        if let Some(s) = session_slow(day).filter(|s| s.open >= time) {
            return Some(s.open);
        }
        day = day.succ_opt()?;
    }
    None
}

/// The first regular-session close after `time` (today's close while it is
/// still ahead, else the next trading day's); `None` only outside chrono's
/// range.
pub fn next_close(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let secs = time.timestamp();
    // A close (a whole second) is after the instant when its second is later.
    match table::find_session(time, |(_, close)| close > secs) {
        Found::Session((_, close)) => utc(close),
        Found::NoneWithin => None,
        Found::OutsideTable => next_close_slow(time),
    }
}

/// [`next_close`] by the chrono-tz rules.
fn next_close_slow(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut day = trading_day_slow(time);
    for _ in 0..LOOKAHEAD_DAYS {
        if let Some(s) = session_slow(day).filter(|s| s.close > time) {
            return Some(s.close);
        }
        day = day.succ_opt()?;
    }
    None
}

/// The exchange holiday observed on `day`, if any (weekdays only).
fn holiday(day: NaiveDate) -> Option<&'static str> {
    let year = day.year();
    let fixed = |month, date, name| {
        observed(year, month, date)
            .filter(|o| *o == day)
            .map(|_| name)
    };
    let floating = |found: Option<NaiveDate>, name| found.filter(|d| *d == day).map(|_| name);
    // Each rule falls in its own month: an observed date moves by a day
    // within it (New Year's Day on a Saturday is not moved to December), and
    // Good Friday is in March or April. So a date asks only its month's.
    match day.month() {
        1 => new_years_day(day).or_else(|| {
            floating(
                nth_weekday(year, 1, Weekday::Mon, 3),
                "Martin Luther King Jr. Day",
            )
        }),
        2 => floating(
            nth_weekday(year, 2, Weekday::Mon, 3),
            "Washington's Birthday",
        ),
        3 | 4 => floating(
            easter(year).and_then(|e| e.checked_sub_days(chrono::Days::new(2))),
            "Good Friday",
        ),
        5 => floating(last_weekday(year, 5, Weekday::Mon), "Memorial Day"),
        6 => (year >= JUNETEENTH_FROM)
            .then(|| fixed(6, 19, "Juneteenth"))
            .flatten(),
        7 => fixed(7, 4, "Independence Day"),
        9 => floating(nth_weekday(year, 9, Weekday::Mon, 1), "Labor Day"),
        11 => floating(nth_weekday(year, 11, Weekday::Thu, 4), "Thanksgiving Day"),
        12 => fixed(12, 25, "Christmas Day"),
        _ => None,
    }
}

/// New Year's Day: January 1, or Monday January 2 when the 1st is a Sunday.
/// When it falls on a Saturday NYSE does not close the Friday before (the
/// last trading day of the year stays open: Rule 7.2).
fn new_years_day(day: NaiveDate) -> Option<&'static str> {
    let first = NaiveDate::from_ymd_opt(day.year(), 1, 1)?;
    let observed = match first.weekday() {
        Weekday::Sat => return None,
        Weekday::Sun => first.succ_opt()?,
        _ => first,
    };
    (observed == day).then_some("New Year's Day")
}

/// A fixed-date holiday as NYSE observes it: a Saturday moves to the Friday
/// before, a Sunday to the Monday after.
fn observed(year: i32, month: u32, date: u32) -> Option<NaiveDate> {
    let day = NaiveDate::from_ymd_opt(year, month, date)?;
    match day.weekday() {
        Weekday::Sat => day.pred_opt(),
        Weekday::Sun => day.succ_opt(),
        _ => Some(day),
    }
}

/// The 13:00 early closes: the day after Thanksgiving, Christmas Eve when it
/// is a weekday trading day, and July 3 when it and July 4 are both weekdays
/// (NYSE's published schedule; when July 4 is a Saturday, July 3 is the
/// holiday instead).
fn half_day(day: NaiveDate) -> Option<&'static str> {
    let year = day.year();
    // The day after Thanksgiving is in November (the fourth Thursday is the
    // 28th at the latest).
    let thanksgiving = (day.month() == 11)
        .then(|| nth_weekday(year, 11, Weekday::Thu, 4))
        .flatten();
    if thanksgiving.and_then(|t| t.succ_opt()) == Some(day) {
        return Some("day after Thanksgiving");
    }
    if (day.month(), day.day()) == (12, 24) {
        return Some("Christmas Eve");
    }
    let weekday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    if (day.month(), day.day()) == (7, 3) && day.succ_opt().is_some_and(weekday) {
        return Some("Independence Day eve");
    }
    None
}

/// The `n`-th `weekday` of `month` in `year` (n from 1).
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

/// The last `weekday` of `month` in `year`.
fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    nth_weekday(year, month, weekday, 5).or_else(|| nth_weekday(year, month, weekday, 4))
}

/// Western (Gregorian) Easter Sunday of `year`: the anonymous Gregorian
/// computus (Meeus/Jones/Butcher).
fn easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let date = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(date).ok()?)
}

/// An `(hour, minute)` pair as a time of day.
fn hm((hour, minute): (u32, u32)) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// The America/New_York calendar date of `time`: its trading day.
pub fn trading_day(time: DateTime<Utc>) -> NaiveDate {
    table::day_of(time).map_or_else(|| trading_day_slow(time), |row| row.date)
}

/// [`trading_day`] by the chrono-tz rules.
fn trading_day_slow(time: DateTime<Utc>) -> NaiveDate {
    time.with_timezone(&New_York).date_naive()
}

/// 00:00 America/New_York of `day`, in UTC; `None` outside chrono's range.
pub fn midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    match table::day(day) {
        Some(row) => Some(row.from),
        None => midnight_slow(day),
    }
}

/// [`midnight`] by the chrono-tz rules.
fn midnight_slow(day: NaiveDate) -> Option<DateTime<Utc>> {
    local_to_utc(day, NaiveTime::MIN)
}

/// 00:00 America/New_York of the day after `day`, in UTC: when `day` ends.
pub fn next_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    match table::day(day) {
        Some(row) => Some(row.to),
        None => midnight_slow(day.succ_opt()?),
    }
}

/// The 09:30 New York session open of the trading day that contains `time`
/// (09:30 of its date even when the market does not open that day).
pub fn session_open(time: DateTime<Utc>) -> DateTime<Utc> {
    match table::day_of(time) {
        Some(row) => utc(row.nine_thirty()).unwrap_or(time),
        None => session_open_slow(time),
    }
}

/// [`session_open`] by the chrono-tz rules.
fn session_open_slow(time: DateTime<Utc>) -> DateTime<Utc> {
    nine_thirty_slow(trading_day_slow(time)).unwrap_or(time)
}

/// 09:30 New York on `day`, in UTC, by the chrono-tz rules.
fn nine_thirty_slow(day: NaiveDate) -> Option<DateTime<Utc>> {
    local_to_utc(day, hm(SESSION_OPEN)?)
}

/// Unix seconds as an instant.
fn utc(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
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
#[path = "lib_tests.rs"]
mod tests;
