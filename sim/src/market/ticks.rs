//! Historical ticks (reqHistoricalTicks): trades, bid/ask and midpoints
//! derived from the same seeded 1-minute history as reqHistoricalData, so the
//! three agree with the bars. Pure: no sockets, no clock.

use rust_decimal::Decimal;

use super::history::HistBar;

/// Most ticks one request returns (IB: "Max is 1000 per request").
pub const MAX_TICKS: usize = 1000;

/// One synthetic trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistTick {
    /// Unix seconds.
    pub time: i64,
    /// Trade price.
    pub price: Decimal,
    /// Trade size (shares).
    pub size: Decimal,
}

/// Four trades per 1-minute bar — open, the extreme nearer the open, the
/// other extreme, close — 15 s apart, each a quarter of the bar's volume
/// (at least 1 share), in time order. Bars whose date is not unix seconds
/// are skipped.
pub fn trades_from_bars(bars: &[HistBar]) -> Vec<HistTick> {
    let mut ticks = Vec::with_capacity(bars.len() * 4);
    for bar in bars {
        let Ok(start) = bar.date.parse::<i64>() else {
            continue;
        };
        let up = bar.close >= bar.open;
        let (second, third) = if up {
            (bar.low, bar.high)
        } else {
            (bar.high, bar.low)
        };
        let size = (bar.volume / Decimal::from(4)).floor().max(Decimal::ONE);
        for (n, price) in [bar.open, second, third, bar.close].into_iter().enumerate() {
            ticks.push(HistTick {
                time: start + 15 * n as i64,
                price,
                size,
            });
        }
    }
    ticks
}

/// The ticks a request selects: within `[start, end]` (either bound
/// optional), the first `count` after `start` when a start is given, else
/// the last `count` before `end`; `count` 0 means all, never more than
/// [`MAX_TICKS`].
pub fn select_ticks(
    ticks: &[HistTick],
    start: Option<i64>,
    end: Option<i64>,
    count: usize,
) -> Vec<HistTick> {
    let count = if count == 0 {
        MAX_TICKS
    } else {
        count.min(MAX_TICKS)
    };
    let inside: Vec<HistTick> = ticks
        .iter()
        .filter(|t| start.is_none_or(|s| t.time >= s) && end.is_none_or(|e| t.time <= e))
        .copied()
        .collect();
    if start.is_some() {
        inside.into_iter().take(count).collect()
    } else {
        let from = inside.len().saturating_sub(count);
        inside[from..].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn bar(start: i64, open: Decimal, high: Decimal, low: Decimal, close: Decimal) -> HistBar {
        HistBar {
            date: start.to_string(),
            open,
            high,
            low,
            close,
            volume: dec!(1000),
            count: 10,
        }
    }

    #[test]
    fn each_bar_becomes_four_trades_through_its_range() {
        let bars = [
            bar(60, dec!(10), dec!(12), dec!(9), dec!(11)),
            bar(120, dec!(11), dec!(11.5), dec!(10), dec!(10.5)),
        ];
        let ticks = trades_from_bars(&bars);
        let prices: Vec<Decimal> = ticks.iter().map(|t| t.price).collect();
        // Up bar: open, low, high, close; down bar: open, high, low, close.
        assert_eq!(
            prices,
            [
                dec!(10),
                dec!(9),
                dec!(12),
                dec!(11),
                dec!(11),
                dec!(11.5),
                dec!(10),
                dec!(10.5)
            ]
        );
        let times: Vec<i64> = ticks.iter().map(|t| t.time).collect();
        assert_eq!(times, [60, 75, 90, 105, 120, 135, 150, 165]);
        assert!(ticks.iter().all(|t| t.size == dec!(250)));
    }

    #[test]
    fn a_request_takes_the_first_after_its_start_or_the_last_before_its_end() {
        let ticks = trades_from_bars(&[
            bar(60, dec!(10), dec!(12), dec!(9), dec!(11)),
            bar(120, dec!(11), dec!(11.5), dec!(10), dec!(10.5)),
        ]);
        let times = |v: Vec<HistTick>| v.iter().map(|t| t.time).collect::<Vec<_>>();
        assert_eq!(times(select_ticks(&ticks, None, None, 3)), [135, 150, 165]);
        assert_eq!(times(select_ticks(&ticks, None, Some(100), 2)), [75, 90]);
        assert_eq!(times(select_ticks(&ticks, Some(100), None, 2)), [105, 120]);
        assert_eq!(
            times(select_ticks(&ticks, Some(100), Some(140), 0)),
            [105, 120, 135]
        );
        assert!(select_ticks(&ticks, Some(1_000), None, 5).is_empty());
    }
}
