//! [`DayClock`]: the New York date of a stream of instants, remembered with
//! the span of that date, so a caller that asks for every event (a backtest
//! bar, an engine event) pays one compare while the day lasts and one table
//! read when it changes.
//!
//! Owns the per-caller cache of "the current trading day" and nothing else:
//! which date an instant belongs to and where that date starts and ends come
//! from the crate's [`trading_day`], [`midnight`] and [`next_midnight`], so
//! the cache cannot disagree with them. Must never read a clock or decide
//! what a new day means to its owner (a daily-loss reset, a HALTED day).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

use crate::{midnight, next_midnight, table, trading_day};

/// The current New York date of its owner and its `[from, to)` span in UTC.
///
/// A fresh clock holds no day ([`today`](Self::today) is `None`,
/// [`ends`](Self::ends) is `DateTime::MIN_UTC`), so the first
/// [`day`](Self::day) call always looks the date up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayClock {
    day: Option<NaiveDate>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// `to` less a nanosecond, kept because a backtest asks for it per bar.
    last: DateTime<Utc>,
}

impl Default for DayClock {
    fn default() -> Self {
        Self::new()
    }
}

impl DayClock {
    /// A clock that holds no day yet.
    pub const fn new() -> Self {
        Self {
            day: None,
            from: DateTime::<Utc>::MAX_UTC,
            to: DateTime::<Utc>::MIN_UTC,
            last: DateTime::<Utc>::MIN_UTC,
        }
    }

    /// The New York date of `time` ([`trading_day`]); when `time` leaves the
    /// held day (forward or back) the clock moves to `time`'s day.
    pub fn day(&mut self, time: DateTime<Utc>) -> NaiveDate {
        match self.day {
            Some(day) if self.from <= time && time < self.to => day,
            _ => self.enter(time),
        }
    }

    /// The date last returned by [`day`](Self::day) (`None` before the
    /// first call).
    pub fn today(&self) -> Option<NaiveDate> {
        self.day
    }

    /// When that date ends: the next New York midnight (`DateTime::MAX_UTC`
    /// past chrono's range; `DateTime::MIN_UTC` before the first call).
    pub fn ends(&self) -> DateTime<Utc> {
        self.to
    }

    /// That date's last instant: [`ends`](Self::ends) less a nanosecond.
    pub fn last_instant(&self) -> DateTime<Utc> {
        self.last
    }

    /// Moves the clock to the date of `time`, which it returns.
    fn enter(&mut self, time: DateTime<Utc>) -> NaiveDate {
        let span = table::day_of(time).map(|row| (row.date, row.from, row.to, just_before(row.to)));
        let (day, from, to, last) = span.unwrap_or_else(|| {
            // Outside the table: the chrono-tz rules, and a day that reaches
            // the end of chrono's range where New York time is not defined.
            let day = trading_day(time);
            let from = midnight(day).unwrap_or(DateTime::<Utc>::MIN_UTC);
            let to = next_midnight(day).unwrap_or(DateTime::<Utc>::MAX_UTC);
            (day, from, to, just_before(to))
        });
        (self.day, self.from, self.to, self.last) = (Some(day), from, to, last);
        day
    }
}

/// The instant a nanosecond before `time` (`time` itself at chrono's first
/// instant): on the same UTC date when it can be (a New York midnight is at
/// 04:00 or 05:00 UTC), without chrono's date arithmetic.
fn just_before(time: DateTime<Utc>) -> DateTime<Utc> {
    let naive = time.naive_utc();
    let (secs, nanos) = (
        naive.time().num_seconds_from_midnight(),
        naive.time().nanosecond(),
    );
    let earlier = match (secs, nanos) {
        (_, 1..=999_999_999) => NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos - 1),
        (1.., 0) => NaiveTime::from_num_seconds_from_midnight_opt(secs - 1, 999_999_999),
        _ => None,
    };
    match earlier {
        Some(earlier) => naive.date().and_time(earlier).and_utc(),
        None => time
            .checked_sub_signed(TimeDelta::nanoseconds(1))
            .unwrap_or(time),
    }
}

#[cfg(test)]
#[path = "day_clock_tests.rs"]
mod tests;
