//! [`merge`]: the bars of several files as one stream in the order the market
//! would have delivered them: by bar end, then by symbol (so two symbols'
//! bars closing at the same instant always come in the same order).

use crate::backtest::csv::BarSeries;
use crate::domain::types::Bar;

/// Every bar of every series, ascending by (end time, symbol). Allocates the
/// result once; a single series is copied as is.
pub fn merge(series: &[BarSeries]) -> Vec<Bar> {
    let total = series.iter().map(|s| s.bars.len()).sum();
    let mut bars = Vec::with_capacity(total);
    for s in series {
        bars.extend_from_slice(&s.bars);
    }
    if series.len() > 1 {
        // Stable: equal keys keep file order (bars within a file are strictly ascending).
        bars.sort_by_key(|b| (b.end(), b.symbol));
    }
    bars
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::types::Symbol;

    fn series(symbol: &str, seconds: u32, starts: &[i64]) -> BarSeries {
        let symbol = Symbol::new(symbol).unwrap();
        let bar = |h: i64| Bar {
            symbol,
            start: DateTime::<Utc>::UNIX_EPOCH + Duration::hours(h),
            seconds,
            open: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
            close: Decimal::ONE,
            volume: Decimal::ZERO,
        };
        BarSeries {
            file: format!("{symbol}.csv"),
            symbol,
            seconds,
            bars: starts.iter().map(|&h| bar(h)).collect(),
        }
    }

    #[test]
    fn interleaves_by_end_time_then_symbol() {
        let spy = series("SPY", 3600, &[0, 1, 2]);
        let qqq = series("QQQ", 7200, &[0, 2]);
        let merged = merge(&[spy, qqq]);
        let order: Vec<(String, i64)> = merged
            .iter()
            .map(|b| (b.symbol.to_string(), b.end().timestamp() / 3600))
            .collect();
        let expected = [("SPY", 1), ("QQQ", 2), ("SPY", 2), ("SPY", 3), ("QQQ", 4)];
        assert_eq!(
            order,
            expected
                .iter()
                .map(|(s, h)| (s.to_string(), *h))
                .collect::<Vec<_>>()
        );
    }
}
