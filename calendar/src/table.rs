//! The precomputed calendar: for every New York date from [`FIRST`] to
//! [`END`], the UTC second its midnight falls on, how long the day is (23, 24
//! or 25 hours), when 09:30 falls, and when the regular session opens and
//! closes (none on a weekend or holiday), so the per-event questions
//! (`trading_day`, `midnight`, `is_open`, `next_open`, ...) are integer
//! arithmetic on Unix seconds and one array read instead of a time-zone
//! search. The midnight and the next one are also kept as the `DateTime`s the
//! rules gave, so the callers that hand them out convert nothing.
//!
//! Owns only the lookup: every value in it is computed by the crate's
//! chrono-tz rules (`*_slow` in the crate root) when its block is first read,
//! so the two agree by construction (and `table_tests.rs` checks every day and
//! every DST change and holiday against them). Must never hold a rule of its
//! own, never answer for an instant outside the table (it says `None`, and the
//! caller falls back to the chrono-tz code), and never read a clock.
//!
//! The table is built lazily in blocks of [`BLOCK_DAYS`] days, each once per
//! process (a [`OnceLock`]), so a live session touching one year builds one
//! block and a backtest over 1998-2021 builds 17. One block takes about
//! 0.04 ms to build in a release build and about 0.45 ms unoptimised (tests);
//! all 785 blocks 31 ms and 0.34 s (timed around `build` in `cargo test
//! [--release] -p nyse-calendar` on the 2-core build machine, which others
//! were using): per date one time-zone search (its midnight) and the holiday
//! rules of its month, and on the 23- and 25-hour days the wall-clock times
//! by the rules. Only the tests and the engine bench (25 copies of 23 years,
//! about 400 blocks) come near building them all. The blocks live as long as
//! the process: 24 KB each.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

/// The first date in the table.
pub(crate) const FIRST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(day) => day,
    None => panic!("1900-01-01 is a date"),
};

/// The first date past the table.
pub(crate) const END: NaiveDate = match NaiveDate::from_ymd_opt(3000, 1, 1) {
    Some(day) => day,
    None => panic!("3000-01-01 is a date"),
};

/// Days per lazily built block.
const BLOCK_DAYS: usize = 512;

/// Seconds in a day of 24 hours.
const DAY: i64 = 86_400;

/// New York is never more than this far behind UTC in the table's range
/// (EST), nor less than [`NY_MIN_BEHIND`] (EDT); a day index estimated from
/// the seconds is therefore the right one or one too many.
const NY_MIN_BEHIND: i64 = 4 * 3600;

/// Days in the table: 1 100 years of 365 days and 267 leap days (every
/// fourth year but 1900, 2100, 2200, 2300, 2500, 2600, 2700 and 2900).
const DAYS: usize = 401_767;

/// Blocks in the table (the last one reaches past [`END`]).
const BLOCKS: usize = DAYS.div_ceil(BLOCK_DAYS);

/// [`FIRST`] counted in days from 1970-01-01.
const FIRST_UNIX_DAY: i64 = -25_567;

/// [`FIRST`] counted in days from 0001-01-01 as day 1 (chrono's
/// `num_days_from_ce`).
const FIRST_CE_DAY: i32 = 693_596;

/// The blocks, each built on first use.
static TABLE: [OnceLock<Box<[Day; BLOCK_DAYS]>>; BLOCKS] = [const { OnceLock::new() }; BLOCKS];

/// One New York date, as Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day {
    /// The date.
    pub(crate) date: NaiveDate,
    /// Its 00:00 New York, in Unix seconds.
    pub(crate) midnight: i64,
    /// Its 00:00 New York as the chrono-tz rules gave it.
    pub(crate) from: DateTime<Utc>,
    /// The next 00:00 New York (when it ends), as the rules gave it.
    pub(crate) to: DateTime<Utc>,
    /// Seconds from its midnight to the next (82 800, 86 400 or 90 000);
    /// 0 marks a date whose answers the table does not hold (a New York
    /// wall-clock time that does not exist, or a date past [`END`]).
    length: i32,
    /// Seconds from its midnight to 09:30 New York.
    nine_thirty: i32,
    /// Seconds from its midnight to the regular session's close; 0 when the
    /// market does not open (the open is then 09:30 all the same).
    close: i32,
}

impl Day {
    /// A row for `date` that holds no answers (length 0).
    const fn missing(date: NaiveDate) -> Self {
        Day {
            date,
            midnight: 0,
            from: DateTime::<Utc>::MIN_UTC,
            to: DateTime::<Utc>::MIN_UTC,
            length: 0,
            nine_thirty: 0,
            close: 0,
        }
    }

    /// Its next midnight (when it ends), in Unix seconds.
    pub(crate) fn end(&self) -> i64 {
        self.midnight + i64::from(self.length)
    }

    /// 09:30 New York on this date, in Unix seconds.
    pub(crate) fn nine_thirty(&self) -> i64 {
        self.midnight + i64::from(self.nine_thirty)
    }

    /// The regular session (open, close) in Unix seconds; `None` on a
    /// weekend or holiday.
    pub(crate) fn session(&self) -> Option<(i64, i64)> {
        (self.close != 0).then(|| (self.nine_thirty(), self.midnight + i64::from(self.close)))
    }
}

/// The table's row for `date`; `None` outside the table or where it holds
/// no answer.
pub(crate) fn day(date: NaiveDate) -> Option<&'static Day> {
    row(index_of(date))
}

/// The row `offset` days after `day` (`None` past the table).
pub(crate) fn after(day: &Day, offset: i64) -> Option<&'static Day> {
    row(index_of(day.date) + offset)
}

/// What [`find_session`] found.
pub(crate) enum Found {
    /// The first session (open, close in Unix seconds) that matched.
    Session((i64, i64)),
    /// No session within the look-ahead matched.
    NoneWithin,
    /// `time` or a day of the look-ahead is outside the table.
    OutsideTable,
}

/// The first regular session, from the New York date of `time` on and for
/// [`LOOKAHEAD_DAYS`](crate::LOOKAHEAD_DAYS) dates, that `wanted` accepts.
pub(crate) fn find_session(time: DateTime<Utc>, wanted: impl Fn((i64, i64)) -> bool) -> Found {
    let Some(today) = day_of(time) else {
        return Found::OutsideTable;
    };
    for offset in 0..i64::from(crate::LOOKAHEAD_DAYS) {
        let Some(row) = after(today, offset) else {
            return Found::OutsideTable;
        };
        if let Some(session) = row.session().filter(|s| wanted(*s)) {
            return Found::Session(session);
        }
    }
    Found::NoneWithin
}

/// Days from [`FIRST`] to `date`.
fn index_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - i64::from(FIRST_CE_DAY)
}

/// The row of the New York date that contains `time`: the day whose
/// midnight is at or before it and whose next midnight is after it.
pub(crate) fn day_of(time: DateTime<Utc>) -> Option<&'static Day> {
    // Whole seconds rounded down: an instant is at or after a midnight (a
    // whole second) exactly when its seconds are.
    let secs = time.timestamp();
    let estimate = (secs - NY_MIN_BEHIND).div_euclid(DAY) - FIRST_UNIX_DAY;
    let found = match row(estimate) {
        Some(found) if found.midnight <= secs => found,
        _ => row(estimate - 1)?,
    };
    (found.midnight <= secs && secs < found.end()).then_some(found)
}

/// Row `index` (days since [`FIRST`]), building its block on first use.
fn row(index: i64) -> Option<&'static Day> {
    let index = usize::try_from(index).ok().filter(|&i| i < DAYS)?;
    let block = TABLE.get(index / BLOCK_DAYS)?;
    let rows = block.get_or_init(|| build(index / BLOCK_DAYS));
    rows.get(index % BLOCK_DAYS).filter(|d| d.length != 0)
}

/// Block `block`, computed with the crate's chrono-tz rules.
fn build(block: usize) -> Box<[Day; BLOCK_DAYS]> {
    let first = FIRST.checked_add_days(Days::new((block * BLOCK_DAYS) as u64));
    let mut rows = Box::new([Day::missing(FIRST); BLOCK_DAYS]);
    let mut date = first;
    let mut midnight = first.and_then(crate::midnight_slow);
    for row in rows.iter_mut() {
        let Some(today) = date.filter(|d| *d < END) else {
            break;
        };
        let next = today.succ_opt();
        let next_midnight = next.and_then(crate::midnight_slow);
        *row = compute(today, midnight, next_midnight);
        (date, midnight) = (next, next_midnight);
    }
    rows
}

/// The row of `date` from its midnight and the next (length 0 when a value
/// is missing or does not fit).
fn compute(date: NaiveDate, midnight: Option<DateTime<Utc>>, next: Option<DateTime<Utc>>) -> Day {
    let (Some(midnight), Some(next)) = (midnight, next) else {
        return Day::missing(date);
    };
    let from = midnight.timestamp();
    let offset = |t: DateTime<Utc>| i32::try_from(t.timestamp() - from).ok();
    let length = offset(next);
    let (nine_thirty, close) = if length == Some(DAY as i32) {
        // A 24-hour day keeps one UTC offset from midnight to midnight in
        // New York (its DST changes make 23- and 25-hour days), so a wall-
        // clock time is the midnight plus its time of day: two time-zone
        // searches fewer per day (`table_tests` checks every such day
        // against the rules).
        let close = crate::closing_time(date).map_or(0, seconds);
        (Some(seconds(crate::SESSION_OPEN)), Some(close))
    } else {
        let nine_thirty = crate::nine_thirty_slow(date);
        // The session opens at 09:30 by the crate's rules; a row that would
        // say otherwise is left to the chrono-tz code rather than stored.
        let close = match crate::session_slow(date) {
            Some(s) if Some(s.open) == nine_thirty => offset(s.close),
            Some(_) => None,
            None => Some(0),
        };
        (nine_thirty.and_then(offset), close)
    };
    match (length, nine_thirty, close) {
        (Some(length), Some(nine_thirty), Some(close)) if length > 0 => Day {
            date,
            midnight: from,
            from: midnight,
            to: next,
            length,
            nine_thirty,
            close,
        },
        _ => Day::missing(date),
    }
}

/// An `(hour, minute)` time of day in seconds from midnight.
fn seconds((hour, minute): (u32, u32)) -> i32 {
    (hour * 3600 + minute * 60) as i32
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
