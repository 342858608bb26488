//! [`EquityCurve`]: the per-bar equity of a run, folded as it comes into what
//! the report needs, in one pass: one point per exchange day (the day's last
//! close), and the figures that need every close — the largest drawdown
//! (money and percent), the first ruined day, how many closes there were and
//! how many were exposed. It keeps no per-bar list, so a run's memory does
//! not grow with its bars; the figures are exactly those a list would give.
//!
//! It must never reorder or drop a close: every figure depends on seeing
//! each close once, in time order.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::backtest::metrics::EquityPoint;

/// Equity after every close so far, folded (see the module docs).
#[derive(Debug, Clone)]
pub struct EquityCurve {
    initial: Decimal,
    /// The latest close's point, replaced while closes share one time
    /// (several symbols' bars), counted once its time is over.
    pending: Option<EquityPoint>,
    /// The last counted point.
    last: Option<EquityPoint>,
    /// The last point of each run of same-day points, but the current run's.
    days: Vec<EquityPoint>,
    points: usize,
    exposed: usize,
    /// The current run-up: its peak and the lowest equity after it.
    peak: Decimal,
    trough: Decimal,
    max_drawdown: Decimal,
    /// Largest relative drawdown of a finished run-up (computed once per peak:
    /// a division per close is slow).
    max_drawdown_ratio: Decimal,
    ruined_on: Option<NaiveDate>,
}

/// What a whole curve came to ([`EquityCurve::finish`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EquitySummary {
    /// Starting equity.
    pub initial: Decimal,
    /// Equity at the last close of each exchange day (of each run of closes
    /// on one day), ascending.
    pub days: Vec<EquityPoint>,
    /// The last close's point.
    pub last: Option<EquityPoint>,
    /// Closes (bars sharing an end time count once).
    pub points: usize,
    /// Closes with a position open.
    pub exposed: usize,
    /// Largest peak-to-trough fall in money; the peak starts at `initial`.
    pub max_drawdown: Decimal,
    /// Largest peak-to-trough fall relative to its peak (0.1 = 10 %).
    pub max_drawdown_ratio: Decimal,
    /// The exchange day of the first close at or below 0.
    pub ruined_on: Option<NaiveDate>,
}

impl EquityCurve {
    /// A curve starting at `initial`.
    pub fn new(initial: Decimal) -> Self {
        Self {
            initial,
            pending: None,
            last: None,
            days: Vec::new(),
            points: 0,
            exposed: 0,
            peak: initial,
            trough: initial,
            max_drawdown: Decimal::ZERO,
            max_drawdown_ratio: Decimal::ZERO,
            ruined_on: None,
        }
    }

    /// Notes the equity after one bar's close; a later point with the same
    /// time replaces it.
    pub fn record(&mut self, point: EquityPoint) {
        match self.pending {
            Some(p) if p.time == point.time => {}
            Some(p) => self.count(p),
            None => {}
        }
        self.pending = Some(point);
    }

    /// The last point recorded so far.
    pub fn latest(&self) -> Option<&EquityPoint> {
        self.pending.as_ref()
    }

    /// Every figure, the pending point counted.
    pub fn finish(mut self) -> EquitySummary {
        if let Some(p) = self.pending.take() {
            self.count(p);
        }
        self.days.extend(self.last);
        let ratio = relative(self.peak, self.trough);
        EquitySummary {
            initial: self.initial,
            days: self.days,
            last: self.last,
            points: self.points,
            exposed: self.exposed,
            max_drawdown: self.max_drawdown,
            max_drawdown_ratio: self.max_drawdown_ratio.max(ratio),
            ruined_on: self.ruined_on,
        }
    }

    fn count(&mut self, p: EquityPoint) {
        if let Some(last) = self.last {
            if last.day != p.day {
                self.days.push(last);
            }
        }
        self.last = Some(p);
        self.points += 1;
        self.exposed += usize::from(p.exposed);
        if p.equity > self.peak {
            let ratio = relative(self.peak, self.trough);
            self.max_drawdown_ratio = self.max_drawdown_ratio.max(ratio);
            (self.peak, self.trough) = (p.equity, p.equity);
        } else if p.equity < self.trough {
            self.trough = p.equity;
            self.max_drawdown = self.max_drawdown.max(self.peak - self.trough);
        }
        if self.ruined_on.is_none() && p.equity <= Decimal::ZERO {
            self.ruined_on = Some(p.day);
        }
    }
}

impl EquitySummary {
    /// The summary of `points`, each a close (ascending, times distinct).
    pub fn of(initial: Decimal, points: &[EquityPoint]) -> Self {
        let mut curve = EquityCurve::new(initial);
        for p in points {
            curve.record(*p);
        }
        curve.finish()
    }

    /// Equity after the last close, or the initial equity without one.
    pub fn final_equity(&self) -> Decimal {
        self.last.map_or(self.initial, |p| p.equity)
    }

    /// The last close's time.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.last.map(|p| p.time)
    }
}

/// `(peak − trough) / peak`, 0 for a peak at or below 0.
fn relative(peak: Decimal, trough: Decimal) -> Decimal {
    if peak > Decimal::ZERO {
        (peak - trough) / peak
    } else {
        Decimal::ZERO
    }
}
