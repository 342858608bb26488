//! [`Recorder`]: what a backtest writes down while it runs — the equity after
//! every bar close (bars of several symbols closing at the same instant share
//! one point), folded into an [`EquityCurve`] that keeps one point per day;
//! every fill (folded into round-trip trades), and the exchange days on which
//! trading was HALTED. Recording a bar allocates only when a day ends.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::backtest::equity::{EquityCurve, EquitySummary};
use crate::backtest::metrics::EquityPoint;
use crate::backtest::trades::TradeBook;
use crate::domain::calendar::DayClock;
use crate::domain::money::Money;
use crate::domain::portfolio::Portfolio;
use crate::domain::types::{Bar, Fill, TradingState};

/// The running record of one backtest.
#[derive(Debug, Clone)]
pub struct Recorder {
    initial_equity: Decimal,
    start: Option<DateTime<Utc>>,
    curve: EquityCurve,
    trades: TradeBook,
    fills: usize,
    halted_days: BTreeSet<NaiveDate>,
    /// The exchange day of the last bar, so the calendar is read once per
    /// day, not once per bar.
    clock: DayClock,
    /// The day last added to `halted_days` (the set is not searched again
    /// for every HALTED bar of that day).
    halted_on: Option<NaiveDate>,
}

impl Recorder {
    /// A recorder for a run starting with `initial_equity`.
    pub fn new(initial_equity: Decimal) -> Self {
        Self {
            initial_equity,
            start: None,
            curve: EquityCurve::new(initial_equity),
            trades: TradeBook::new(),
            fills: 0,
            halted_days: BTreeSet::new(),
            clock: DayClock::new(),
            halted_on: None,
        }
    }

    /// Books one execution.
    pub fn on_fill(&mut self, fill: &Fill) {
        self.fills += 1;
        self.trades.on_fill(fill);
    }

    /// Records the state after `bar`, which ended at `time`, was fully processed.
    pub fn on_bar(
        &mut self,
        bar: &Bar,
        time: DateTime<Utc>,
        portfolio: &Portfolio,
        state: TradingState,
    ) {
        let day = self.clock.day(bar.start);
        if self.start.is_none() {
            self.start = Some(bar.start);
        }
        self.curve.record(EquityPoint {
            time,
            day,
            equity: equity(self.initial_equity, portfolio),
            exposed: portfolio.open_positions().next().is_some(),
        });
        if state == TradingState::Halted && self.halted_on != Some(day) {
            self.halted_on = Some(day);
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

    /// The equity after the latest close.
    pub fn latest(&self) -> Option<&EquityPoint> {
        self.curve.latest()
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

    /// Consumes the recorder: (the equity curve's figures, trade book, halted days).
    pub fn into_parts(self) -> (EquitySummary, TradeBook, BTreeSet<NaiveDate>) {
        (self.curve.finish(), self.trades, self.halted_days)
    }
}

/// The account's equity: `initial + net PnL`, added in fixed point
/// ([`Money`]) unless a figure is beyond its range. The one home of that sum
/// for the recorder and the runner.
pub(crate) fn equity(initial: Decimal, portfolio: &Portfolio) -> Decimal {
    equity_money(initial, portfolio)
        .map_or_else(|| initial + portfolio.net_pnl(), Money::to_decimal)
}

/// [`equity`] in [`Money`]; `None` beyond its range.
pub(crate) fn equity_money(initial: Decimal, portfolio: &Portfolio) -> Option<Money> {
    Money::from_decimal(initial)
        .ok()?
        .checked_add(portfolio.net_pnl_money())
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::domain::types::{Side, Symbol};

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
        let mut rec = Recorder::new(dec!(1000));
        rec.on_bar(
            &bar("SPY", 0),
            bar("SPY", 0).end(),
            &portfolio,
            TradingState::Active,
        );
        assert_eq!(
            rec.latest().map(|p| (p.equity, p.exposed)),
            Some((dec!(1000), false))
        );
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
        rec.on_bar(
            &bar("QQQ", 1),
            bar("QQQ", 1).end(),
            &portfolio,
            TradingState::Active,
        );
        rec.on_bar(
            &bar("SPY", 1),
            bar("SPY", 1).end(),
            &portfolio,
            TradingState::Halted,
        );
        // 10 × (12 − 10) − 1 commission.
        assert_eq!(
            rec.latest().map(|p| (p.equity, p.exposed)),
            Some((dec!(1019), true))
        );
        assert_eq!(rec.fills(), 1);
        let day = NaiveDate::from_ymd_opt(2021, 3, 31).unwrap();
        assert_eq!(
            rec.halted_days().iter().copied().collect::<Vec<_>>(),
            vec![day]
        );
        // Two closes (QQQ's and SPY's second bars share one), one exposed,
        // on one day: its point is the last close's.
        let (curve, _, _) = rec.into_parts();
        assert_eq!((curve.points, curve.exposed), (2, 1));
        assert_eq!(curve.days.len(), 1);
        assert_eq!((curve.days[0].day, curve.days[0].equity), (day, dec!(1019)));
    }
}
