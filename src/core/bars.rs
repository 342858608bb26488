//! [`BarAggregator`]: builds a strategy's bars (1 min, 1 hour, 1 day, ...) from
//! the 5-second real-time bars IB streams, by session. Buckets are aligned to
//! the regular session open (09:30 America/New_York), so hourly bars are
//! 09:30–10:30 as on IB's charts; the last bucket of a session ends at its
//! close (16:00, or 13:00 on a half day: the 12:30 hourly bar is half an hour
//! long), and a daily bar is the whole session — base bars outside it belong
//! to no daily bar.
//!
//! A bar that ends at the close is completed by the base bar that ends one
//! base bar before it (the 5-second bar ending 15:59:55): its decision is
//! made while the market is still open, so an entry can still trade that
//! session, as a trader running a daily strategy expects — a decision at
//! 16:00 could only be refused (the market is closed). The final base bar
//! (15:59:55–16:00:00) then belongs to no bar of that size.

use crate::domain::calendar;
use crate::domain::types::{Bar, Symbol};
use chrono::{DateTime, Duration, Utc};

pub use crate::domain::calendar::{session_open, SESSION_SECONDS};

/// Folds base bars into bars of `seconds` length. Allocation-free per bar.
#[derive(Debug, Clone)]
pub struct BarAggregator {
    symbol: Symbol,
    seconds: u32,
    current: Option<Bar>,
    bucket_end: DateTime<Utc>,
    /// Whether the current bucket ends at its session's close (then the
    /// base bar before the close completes it).
    closes_session: bool,
    /// End of the last bucket completed before its end: a base bar starting
    /// before it (the last seconds of a session) is dropped.
    completed_until: DateTime<Utc>,
}

/// One bucket: its start and end, and whether it ends at a session's close.
type Bucket = (DateTime<Utc>, DateTime<Utc>, bool);

impl BarAggregator {
    /// Aggregates `symbol` into bars of `seconds` (a daily bar: use
    /// [`SESSION_SECONDS`] or more, which means "the whole session").
    pub fn new(symbol: Symbol, seconds: u32) -> Self {
        Self {
            symbol,
            seconds: seconds.max(1),
            current: None,
            bucket_end: DateTime::<Utc>::UNIX_EPOCH,
            closes_session: false,
            completed_until: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    /// Adds one base bar; returns the finished bar when this base bar completes
    /// a bucket, or when it starts a new bucket while an older one is still open
    /// (a gap in the stream), in which case the older, partial bar is returned
    /// and the new base bar starts the next one. A finished bar's `seconds`
    /// is the time it covers, so its end is when it became known.
    pub fn push(&mut self, base: &Bar) -> Option<Bar> {
        if self.current.is_none() && base.start < self.completed_until {
            return None;
        }
        let mut finished = None;
        if let Some(current) = self.current.as_mut() {
            if base.start < self.bucket_end && base.start >= current.start {
                current.high = current.high.max(base.high);
                current.low = current.low.min(base.low);
                current.close = base.close;
                current.volume += base.volume;
            } else {
                finished = self.current.take();
            }
        }
        if self.current.is_none() {
            let Some((start, end, closes_session)) = self.bucket(base.start) else {
                return finished;
            };
            self.bucket_end = end;
            self.closes_session = closes_session;
            self.current = Some(Bar {
                symbol: self.symbol,
                start,
                seconds: span(start, end),
                open: base.open,
                high: base.high,
                low: base.low,
                close: base.close,
                volume: base.volume,
            });
        }
        // When a gap already finished an older bar, that one is returned now and
        // the new, complete bucket stays current until the next push closes it.
        if finished.is_none() && self.completes(base) {
            let mut done = self.current.take()?;
            let end = base.end().min(self.bucket_end);
            if end < self.bucket_end {
                done.seconds = span(done.start, end);
                self.completed_until = self.bucket_end;
            }
            return Some(done);
        }
        finished
    }

    /// Whether `base` (folded into the current bucket) completes it: it
    /// reaches the bucket's end, or, for a bucket ending at the close, it is
    /// the base bar before the close.
    fn completes(&self, base: &Bar) -> bool {
        let end = base.end();
        let before_close = end + Duration::seconds(i64::from(base.seconds));
        end >= self.bucket_end || (self.closes_session && before_close >= self.bucket_end)
    }

    /// The bucket `time` falls in; `None` for a daily bar outside every
    /// regular session.
    fn bucket(&self, time: DateTime<Utc>) -> Option<Bucket> {
        let session = calendar::session(calendar::trading_day(time));
        if self.seconds >= SESSION_SECONDS {
            return session
                .filter(|s| s.open <= time && time < s.close)
                .map(|s| (s.open, s.close, true));
        }
        let open = session.map_or_else(|| session_open(time), |s| s.open);
        let step = i64::from(self.seconds);
        let index = (time - open).num_seconds().div_euclid(step);
        let start = open + Duration::seconds(index * step);
        let end = start + Duration::seconds(step);
        Some(match session {
            // The bucket the close cuts: its part before the close, or (a
            // base bar after the close, from a feed that does not stop) the
            // rest of it.
            Some(s) if start < s.close && s.close <= end && time < s.close => {
                (start, s.close, true)
            }
            Some(s) if start < s.close && s.close < end => (s.close, end, false),
            _ => (start, end, false),
        })
    }

    /// The partial bar being built, if any (for status output).
    pub fn partial(&self) -> Option<&Bar> {
        self.current.as_ref()
    }
}

/// Seconds from `start` to `end` (at least 1).
fn span(start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
    u32::try_from((end - start).num_seconds())
        .unwrap_or(u32::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn five_sec(start: DateTime<Utc>, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Bar {
        Bar {
            symbol: Symbol::new("SPY").unwrap(),
            start,
            seconds: 5,
            open: o,
            high: h,
            low: l,
            close: c,
            volume: dec!(100),
        }
    }

    fn ny(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        // 2026-01-05 is in EST (UTC−5).
        Utc.with_ymd_and_hms(2026, 1, 5, h + 5, m, s).unwrap()
    }

    #[test]
    fn twelve_five_second_bars_make_one_minute() {
        let mut agg = BarAggregator::new(Symbol::new("SPY").unwrap(), 60);
        let mut out = Vec::new();
        for i in 0..12u32 {
            let p = dec!(100) + Decimal::from(i);
            if let Some(bar) = agg.push(&five_sec(
                ny(9, 30, i * 5),
                p,
                p + dec!(0.5),
                p - dec!(0.5),
                p,
            )) {
                out.push(bar);
            }
        }
        assert_eq!(out.len(), 1);
        let bar = out[0];
        assert_eq!(bar.start, ny(9, 30, 0));
        assert_eq!(bar.seconds, 60);
        assert_eq!(bar.open, dec!(100));
        assert_eq!(bar.high, dec!(111.5));
        assert_eq!(bar.low, dec!(99.5));
        assert_eq!(bar.close, dec!(111));
        assert_eq!(bar.volume, dec!(1200));
        assert!(agg.partial().is_none());
    }

    #[test]
    fn hourly_buckets_align_to_the_half_hour_open() {
        let mut agg = BarAggregator::new(Symbol::new("SPY").unwrap(), 3600);
        assert!(agg
            .push(&five_sec(ny(10, 0, 0), dec!(1), dec!(1), dec!(1), dec!(1)))
            .is_none());
        let partial = agg.partial().copied().unwrap();
        assert_eq!(partial.start, ny(9, 30, 0));
        // The last 5 s of the 09:30–10:30 bucket completes it.
        let done = agg
            .push(&five_sec(
                ny(10, 29, 55),
                dec!(2),
                dec!(3),
                dec!(1),
                dec!(2),
            ))
            .unwrap();
        assert_eq!(done.start, ny(9, 30, 0));
        assert_eq!(done.close, dec!(2));
        assert_eq!(done.high, dec!(3));
    }

    /// Pushes a flat 5-second bar at every 5 s of `[from, to)`; returns
    /// the finished bars.
    fn feed(agg: &mut BarAggregator, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Bar> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            out.extend(agg.push(&five_sec(t, dec!(1), dec!(1), dec!(1), dec!(1))));
            t += Duration::seconds(5);
        }
        out
    }

    #[test]
    fn a_daily_bar_is_the_session_decided_on_the_bar_before_the_close() {
        let mut agg = BarAggregator::new(Symbol::new("SPY").unwrap(), 86_400);
        // Monday 2026-01-05 from 08:00 to Tuesday 09:31, bars all night (a
        // feed that never stops): one daily bar, nothing outside the session.
        let tuesday_0931 = Utc.with_ymd_and_hms(2026, 1, 6, 14, 31, 0).unwrap();
        let bars = feed(&mut agg, ny(8, 0, 0), tuesday_0931);
        assert_eq!(bars.len(), 1, "{bars:?}");
        // 09:30:00–15:59:55: completed by the 5-second bar ending 15:59:55,
        // while the market is open; 15:59:55–16:00 belongs to no daily bar.
        assert_eq!(
            (bars[0].start, bars[0].end()),
            (ny(9, 30, 0), ny(15, 59, 55))
        );
        assert_eq!(bars[0].volume, dec!(100) * Decimal::from(4679));
        assert_eq!(
            agg.partial().map(|b| b.start),
            Some(ny(9, 30, 0) + Duration::days(1))
        );
    }

    #[test]
    fn half_days_close_the_daily_hourly_and_last_minute_bars_at_one() {
        // 2026-11-27, the day after Thanksgiving (EST, UTC−5), closes at 13:00.
        let at = |h: u32, m, s| Utc.with_ymd_and_hms(2026, 11, 27, h + 5, m, s).unwrap();
        let spy = Symbol::new("SPY").unwrap();
        let (mut day, mut hour, mut minute) = (
            BarAggregator::new(spy, 86_400),
            BarAggregator::new(spy, 3600),
            BarAggregator::new(spy, 60),
        );
        let daily = feed(&mut day, at(9, 30, 0), at(13, 0, 0));
        assert_eq!(daily.len(), 1);
        assert_eq!(daily[0].end(), at(12, 59, 55));
        let hourly = feed(&mut hour, at(9, 30, 0), at(13, 0, 0));
        let last = hourly.last().unwrap();
        assert_eq!(
            (hourly.len(), last.start, last.end()),
            (4, at(12, 30, 0), at(12, 59, 55))
        );
        let minutes = feed(&mut minute, at(12, 58, 0), at(13, 0, 0));
        assert_eq!(minutes.len(), 2);
        assert_eq!(
            (minutes[1].start, minutes[1].end()),
            (at(12, 59, 0), at(12, 59, 55))
        );
    }

    #[test]
    fn a_gap_returns_the_partial_bar() {
        let mut agg = BarAggregator::new(Symbol::new("SPY").unwrap(), 60);
        assert!(agg
            .push(&five_sec(ny(9, 30, 0), dec!(1), dec!(1), dec!(1), dec!(1)))
            .is_none());
        let partial = agg
            .push(&five_sec(ny(9, 35, 0), dec!(2), dec!(2), dec!(2), dec!(2)))
            .unwrap();
        assert_eq!(partial.start, ny(9, 30, 0));
        assert_eq!(partial.close, dec!(1));
        assert_eq!(agg.partial().unwrap().start, ny(9, 35, 0));
    }
}
