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

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

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
        let span = table::day_of(time).and_then(|row| {
            let from = DateTime::from_timestamp(row.midnight, 0)?;
            Some((row.date, from, DateTime::from_timestamp(row.end(), 0)?))
        });
        let (day, from, to) = span.unwrap_or_else(|| {
            // Outside the table: the chrono-tz rules, and a day that reaches
            // the end of chrono's range where New York time is not defined.
            let day = trading_day(time);
            let from = midnight(day).unwrap_or(DateTime::<Utc>::MIN_UTC);
            (
                day,
                from,
                next_midnight(day).unwrap_or(DateTime::<Utc>::MAX_UTC),
            )
        });
        self.last = to
            .checked_sub_signed(TimeDelta::nanoseconds(1))
            .unwrap_or(to);
        (self.day, self.from, self.to) = (Some(day), from, to);
        day
    }
}

#[cfg(test)]
#[path = "day_clock_tests.rs"]
mod tests;
