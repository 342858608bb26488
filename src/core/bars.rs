//! [`BarAggregator`]: builds a strategy's bars (1 min, 1 hour, 1 day, ...) from
//! the 5-second real-time bars IB streams. Buckets are aligned to the regular
//! session open (09:30 America/New_York), so hourly bars are 09:30–10:30 as on
//! IB's charts, and a daily bar is the whole session.

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
}

impl BarAggregator {
    /// Aggregates `symbol` into bars of `seconds` (a daily bar: use
    /// [`SESSION_SECONDS`] or more, which means "the whole session").
    pub fn new(symbol: Symbol, seconds: u32) -> Self {
        Self {
            symbol,
            seconds: seconds.max(1),
            current: None,
            bucket_end: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    /// Adds one base bar; returns the finished bar when this base bar completes
    /// a bucket, or when it starts a new bucket while an older one is still open
    /// (a gap in the stream), in which case the older, partial bar is returned
    /// and the new base bar starts the next one.
    pub fn push(&mut self, base: &Bar) -> Option<Bar> {
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
            let (start, end) = self.bucket(base.start);
            self.bucket_end = end;
            self.current = Some(Bar {
                symbol: self.symbol,
                start,
                seconds: self.seconds,
                open: base.open,
                high: base.high,
                low: base.low,
                close: base.close,
                volume: base.volume,
            });
        }
        if base.end() >= self.bucket_end {
            // When a gap already finished an older bar, that one is returned now and
            // the new, complete bucket stays current until the next push closes it.
            if finished.is_none() {
                return self.current.take();
            }
        }
        finished
    }

    fn bucket(&self, time: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let open = session_open(time);
        if self.seconds >= SESSION_SECONDS {
            let close = open + Duration::seconds(i64::from(SESSION_SECONDS));
            return (open, close);
        }
        let step = i64::from(self.seconds);
        let offset = (time - open).num_seconds();
        let index = offset.div_euclid(step);
        let start = open + Duration::seconds(index * step);
        (start, start + Duration::seconds(step))
    }

    /// The partial bar being built, if any (for status output).
    pub fn partial(&self) -> Option<&Bar> {
        self.current.as_ref()
    }
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
