//! Histogram data (reqHistogramData): how much traded at each price level
//! over a period, built from the same seeded history as reqHistoricalData so
//! the two agree. Pure: no sockets, no clock.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::history::{parse_bar_size, HistBar};

/// Ticks per price level (our choice; IB does not document its bucket).
pub const TICKS_PER_LEVEL: u32 = 10;

/// Trading days covered by a histogram period (`1 day`, `3 days`, `1 week`,
/// `2 weeks`, `1 month`, as IB's bar-size-like period strings); `None` for
/// anything else.
pub fn histogram_days(period: &str) -> Option<i64> {
    parse_bar_size(period)
        .map(|bar| bar.days)
        .filter(|days| *days > 0)
}

/// Each bar's volume at its close, rounded down to a multiple of `level`,
/// summed per level, ascending by price. Empty for no bars or a level ≤ 0.
pub fn price_levels(bars: &[HistBar], level: Decimal) -> Vec<(Decimal, Decimal)> {
    if level <= Decimal::ZERO {
        return Vec::new();
    }
    let mut levels: BTreeMap<Decimal, Decimal> = BTreeMap::new();
    for bar in bars {
        let price = ((bar.close / level).floor() * level).normalize();
        *levels.entry(price).or_default() += bar.volume;
    }
    levels.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn bar(close: Decimal, volume: Decimal) -> HistBar {
        HistBar {
            date: String::new(),
            open: close,
            high: close,
            low: close,
            close,
            volume,
            count: 1,
        }
    }

    #[test]
    fn volume_is_summed_per_level_in_ascending_price() {
        let bars = [
            bar(dec!(590.07), dec!(100)),
            bar(dec!(589.95), dec!(50)),
            bar(dec!(590.00), dec!(25)),
            bar(dec!(590.10), dec!(10)),
        ];
        assert_eq!(
            price_levels(&bars, dec!(0.10)),
            vec![
                (dec!(589.9), dec!(50)),
                (dec!(590), dec!(125)),
                (dec!(590.1), dec!(10))
            ]
        );
        assert!(price_levels(&bars, Decimal::ZERO).is_empty());
    }

    #[test]
    fn periods_are_ibs_day_week_and_month_strings() {
        assert_eq!(histogram_days("1 day"), Some(1));
        assert_eq!(histogram_days("3 days"), Some(3));
        assert_eq!(histogram_days("1 week"), Some(5));
        assert_eq!(histogram_days("1 month"), Some(21));
        assert_eq!(histogram_days("5 mins"), None);
        assert_eq!(histogram_days("soon"), None);
    }
}
