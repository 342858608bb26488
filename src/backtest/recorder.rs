//! [`Recorder`]: what a backtest writes down while it runs — one equity point
//! per bar close (bars of several symbols closing at the same instant share
//! one point), every fill (folded into round-trip trades), and the exchange
//! days on which trading was HALTED. Capacity is reserved up front, so
//! recording a bar does not allocate.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::New_York;
use rust_decimal::Decimal;

use crate::backtest::metrics::EquityPoint;
use crate::backtest::trades::TradeBook;
use crate::core::portfolio::Portfolio;
use crate::core::types::{Bar, Fill, TradingState};

/// The running record of one backtest.
#[derive(Debug, Clone)]
pub struct Recorder {
    initial_equity: Decimal,
    start: Option<DateTime<Utc>>,
    curve: Vec<EquityPoint>,
    trades: TradeBook,
    fills: usize,
    halted_days: BTreeSet<NaiveDate>,
}

impl Recorder {
    /// A recorder for a run starting with `initial_equity` over about `bars` bars.
    pub fn new(initial_equity: Decimal, bars: usize) -> Self {
        Self {
            initial_equity,
            start: None,
            curve: Vec::with_capacity(bars),
            trades: TradeBook::new(),
            fills: 0,
            halted_days: BTreeSet::new(),
        }
    }

    /// Books one execution.
    pub fn on_fill(&mut self, fill: &Fill) {
        self.fills += 1;
        self.trades.on_fill(fill);
    }

    /// Records the state after `bar` was fully processed.
    pub fn on_bar(&mut self, bar: &Bar, portfolio: &Portfolio, state: TradingState) {
        let time = bar.end();
        let day = bar.start.with_timezone(&New_York).date_naive();
        if self.start.is_none() {
            self.start = Some(bar.start);
        }
        let point = EquityPoint {
            time,
            day,
            equity: self.initial_equity + portfolio.net_pnl(),
            exposed: portfolio.open_positions().next().is_some(),
        };
        match self.curve.last_mut() {
            Some(last) if last.time == time => *last = point,
            _ => self.curve.push(point),
        }
        if state == TradingState::Halted && !self.halted_days.contains(&day) {
            self.halted_days.insert(day);
        }
    }

    /// Starting equity.
    pub fn initial_equity(&self) -> Decimal {
        self.initial_equity
    }

    /// First bar's start.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        self.start
    }

    /// The equity curve so far.
    pub fn curve(&self) -> &[EquityPoint] {
        &self.curve
    }

    /// Round trips so far.
    pub fn trades(&self) -> &TradeBook {
        &self.trades
    }

    /// Executions so far.
    pub fn fills(&self) -> usize {
        self.fills
    }

    /// Days with a HALTED bar.
    pub fn halted_days(&self) -> &BTreeSet<NaiveDate> {
        &self.halted_days
    }

    /// Consumes the recorder: (curve, trade book, halted days).
    pub fn into_parts(self) -> (Vec<EquityPoint>, TradeBook, BTreeSet<NaiveDate>) {
        (self.curve, self.trades, self.halted_days)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::core::types::{Side, Symbol};

    fn bar(symbol: &str, hour: i64) -> Bar {
        Bar {
            symbol: Symbol::new(symbol).unwrap(),
            start: DateTime::parse_from_rfc3339("2021-03-31T13:30:00Z")
                .unwrap()
                .with_timezone(&Utc)
                + chrono::Duration::hours(hour),
            seconds: 3600,
            open: dec!(10),
            high: dec!(10),
            low: dec!(10),
            close: dec!(10),
            volume: dec!(0),
        }
    }

    #[test]
    fn one_point_per_close_time_with_equity_exposure_and_halts() {
        let spy = Symbol::new("SPY").unwrap();
        let mut portfolio = Portfolio::with_symbols(&[spy]);
        let mut rec = Recorder::new(dec!(1000), 8);
        rec.on_bar(&bar("SPY", 0), &portfolio, TradingState::Active);
        let fill = Fill {
            symbol: spy,
            side: Side::Buy,
            quantity: dec!(10),
            price: dec!(10),
            commission: dec!(1),
            time: bar("SPY", 1).start,
        };
        portfolio.apply_fill(&fill).unwrap();
        rec.on_fill(&fill);
        portfolio.mark(spy, dec!(12));
        rec.on_bar(&bar("QQQ", 1), &portfolio, TradingState::Active);
        rec.on_bar(&bar("SPY", 1), &portfolio, TradingState::Halted);
        let curve = rec.curve();
        assert_eq!(curve.len(), 2);
        assert_eq!((curve[0].equity, curve[0].exposed), (dec!(1000), false));
        // 10 × (12 − 10) − 1 commission.
        assert_eq!((curve[1].equity, curve[1].exposed), (dec!(1019), true));
        assert_eq!(rec.fills(), 1);
        let day = NaiveDate::from_ymd_opt(2021, 3, 31).unwrap();
        assert_eq!(
            rec.halted_days().iter().copied().collect::<Vec<_>>(),
            vec![day]
        );
    }
}
