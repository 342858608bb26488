//! Performance statistics of one backtest, computed from the per-bar equity
//! (folded in one pass by [`EquityCurve`](crate::backtest::equity::EquityCurve):
//! per-day points and the figures that need every close), the closed trades,
//! the risk gate's rejections and the HALTED days.
//!
//! Money stays `Decimal`. Ratios that need roots or powers (CAGR, Sharpe,
//! Sortino) use `f64`, rounded to 6 decimals so reports stay readable and
//! deterministic.
//!
//! * **Returns for Sharpe and Sortino are daily**: the equity at the last bar
//!   of each exchange day (America/New_York date of the bar's start), relative
//!   to the previous day's (the first day relative to the initial capital).
//!   Annualized with √252, risk-free rate 0. Sharpe uses the sample standard
//!   deviation (n − 1); Sortino the downside deviation √(Σ min(r, 0)² / n).
//!   Either is `None` when undefined (fewer than two days, or no dispersion /
//!   no losing day).
//! * **CAGR** is `(final / initial)^(1 / years) − 1` over the span from the
//!   first bar's start to the last bar's end, with 365.25-day years.
//! * **Max drawdown** value and percent are each the largest seen (they may
//!   come from different troughs); the peak starts at the initial capital.
//! * **Exposure** is the share of bars that closed with a non-zero position.
//! * **A ruined account** — equity at or below 0 at some close — is reported
//!   as such ([`Metrics::ruined_on`]) and has no CAGR, Sharpe or Sortino: no
//!   ratio of a wiped-out account means anything.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::backtest::equity::EquitySummary;
use crate::backtest::trades::Trade;

/// Trading days per year used to annualize daily Sharpe and Sortino.
pub const TRADING_DAYS_PER_YEAR: f64 = 252.0;

/// Account equity after one bar (or one group of bars sharing an end time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EquityPoint {
    /// When the value is known: the bar's end.
    pub time: DateTime<Utc>,
    /// Exchange date (America/New_York) of the bar's start.
    pub day: NaiveDate,
    /// Initial capital + realized + unrealized PnL − commissions.
    pub equity: Decimal,
    /// Whether any position was open at the bar's close.
    pub exposed: bool,
}

/// The figures of one run. Percentages are percent (12.5 = 12.5 %).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// First bar's start.
    pub start: Option<DateTime<Utc>>,
    /// Last bar's end.
    pub end: Option<DateTime<Utc>>,
    /// Bar closes (bars closing at the same instant count once).
    pub bars: usize,
    /// Starting equity.
    pub initial_equity: Decimal,
    /// Equity after the last bar.
    pub final_equity: Decimal,
    /// `final − initial`.
    pub net_profit: Decimal,
    /// The exchange day the equity first closed at or below 0 (the account
    /// is ruined); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ruined_on: Option<NaiveDate>,
    /// `(final / initial − 1) × 100`, 4 decimals.
    pub total_return_pct: Decimal,
    /// Compound annual growth rate, percent.
    pub cagr_pct: Option<f64>,
    /// Largest peak-to-trough fall in money.
    pub max_drawdown: Decimal,
    /// Largest peak-to-trough fall relative to the peak, percent, 4 decimals.
    pub max_drawdown_pct: Decimal,
    /// Annualized Sharpe ratio of daily returns.
    pub sharpe: Option<f64>,
    /// Annualized Sortino ratio of daily returns.
    pub sortino: Option<f64>,
    /// Exchange days with at least one bar.
    pub days: usize,
    /// Closed round-trip trades.
    pub trades: usize,
    /// Trades with net PnL > 0.
    pub wins: usize,
    /// Trades with net PnL ≤ 0.
    pub losses: usize,
    /// `wins / trades × 100`, 2 decimals; `None` without trades.
    pub win_rate_pct: Option<Decimal>,
    /// Mean net PnL of winning trades, cents.
    pub average_win: Option<Decimal>,
    /// Mean net PnL of losing trades (≤ 0), cents.
    pub average_loss: Option<Decimal>,
    /// Gross wins / |gross losses| of net trade PnL, 4 decimals; `None` without losses.
    pub profit_factor: Option<Decimal>,
    /// Commissions over all trades.
    pub commissions: Decimal,
    /// Share of bars closing with a position, percent, 2 decimals.
    pub exposure_pct: Decimal,
    /// Risk-gate rejections in all.
    pub rejections: u64,
    /// Risk-gate rejections by reason.
    pub rejections_by_reason: BTreeMap<String, u64>,
    /// Exchange days on which trading was HALTED at some bar.
    pub halted_days: Vec<NaiveDate>,
}

/// What the statistics are computed from.
#[derive(Debug, Clone, Copy)]
pub struct MetricInputs<'a> {
    /// Equity before the first bar.
    pub initial_equity: Decimal,
    /// First bar's start.
    pub start: Option<DateTime<Utc>>,
    /// The per-bar equity, folded.
    pub equity: &'a EquitySummary,
    /// Closed trades.
    pub trades: &'a [Trade],
    /// Risk-gate rejections by reason.
    pub rejections: &'a BTreeMap<String, u64>,
    /// Days with a HALTED bar.
    pub halted_days: &'a BTreeSet<NaiveDate>,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn percent(part: Decimal, whole: Decimal, dp: u32) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part / whole * Decimal::ONE_HUNDRED).round_dp(dp)
    }
}

/// Computes every figure. Pure; the same inputs always give identical output.
pub fn compute(inputs: &MetricInputs<'_>) -> Metrics {
    let initial = inputs.initial_equity;
    let equity = inputs.equity;
    let final_equity = equity.final_equity();
    let end = equity.end();
    let ruined_on = equity.ruined_on;
    let ratio = |value: Option<f64>| value.filter(|_| ruined_on.is_none());
    let daily = daily_returns(initial, &equity.days);
    let wins: Vec<Decimal> = inputs
        .trades
        .iter()
        .map(|t| t.net_pnl)
        .filter(|p| *p > Decimal::ZERO)
        .collect();
    let losses: Vec<Decimal> = inputs
        .trades
        .iter()
        .map(|t| t.net_pnl)
        .filter(|p| *p <= Decimal::ZERO)
        .collect();
    let mean = |v: &[Decimal]| {
        (!v.is_empty()).then(|| (v.iter().sum::<Decimal>() / Decimal::from(v.len())).round_dp(2))
    };
    let gross_win: Decimal = wins.iter().sum();
    let gross_loss: Decimal = losses.iter().sum();
    let trades = inputs.trades.len();

    Metrics {
        start: inputs.start,
        end,
        bars: equity.points,
        initial_equity: initial,
        final_equity,
        net_profit: final_equity - initial,
        ruined_on,
        total_return_pct: percent(final_equity - initial, initial, 4),
        cagr_pct: ratio(cagr(initial, final_equity, inputs.start, end)),
        max_drawdown: equity.max_drawdown,
        max_drawdown_pct: (equity.max_drawdown_ratio * Decimal::ONE_HUNDRED).round_dp(4),
        sharpe: ratio(sharpe(&daily)),
        sortino: ratio(sortino(&daily)),
        days: daily.len(),
        trades,
        wins: wins.len(),
        losses: losses.len(),
        win_rate_pct: (trades > 0)
            .then(|| percent(Decimal::from(wins.len()), Decimal::from(trades), 2)),
        average_win: mean(&wins),
        average_loss: mean(&losses),
        profit_factor: (!gross_loss.is_zero()).then(|| (gross_win / -gross_loss).round_dp(4)),
        commissions: inputs.trades.iter().map(|t| t.commission).sum(),
        exposure_pct: percent(
            Decimal::from(equity.exposed),
            Decimal::from(equity.points),
            2,
        ),
        rejections: inputs.rejections.values().sum(),
        rejections_by_reason: inputs.rejections.clone(),
        halted_days: inputs.halted_days.iter().copied().collect(),
    }
}

/// One return per exchange day: last equity of the day over the previous day's.
pub fn daily_returns(initial: Decimal, curve: &[EquityPoint]) -> Vec<f64> {
    let mut returns = Vec::new();
    let mut previous = initial;
    for (i, p) in curve.iter().enumerate() {
        let last_of_day = curve.get(i + 1).is_none_or(|next| next.day != p.day);
        if last_of_day {
            if previous > Decimal::ZERO {
                returns.push((p.equity / previous - Decimal::ONE).to_f64().unwrap_or(0.0));
            }
            previous = p.equity;
        }
    }
    returns
}

fn cagr(
    initial: Decimal,
    last: Decimal,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Option<f64> {
    let seconds = (end? - start?).num_seconds() as f64;
    let years = seconds / (365.25 * 86_400.0);
    let growth = (last / initial).to_f64()?;
    (years > 0.0 && growth > 0.0 && initial > Decimal::ZERO)
        .then(|| round6((growth.powf(1.0 / years) - 1.0) * 100.0))
}

fn sharpe(r: &[f64]) -> Option<f64> {
    if r.len() < 2 {
        return None;
    }
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (var > 0.0).then(|| round6(mean / var.sqrt() * TRADING_DAYS_PER_YEAR.sqrt()))
}

fn sortino(r: &[f64]) -> Option<f64> {
    if r.len() < 2 {
        return None;
    }
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let downside = r.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / n;
    (downside > 0.0).then(|| round6(mean / downside.sqrt() * TRADING_DAYS_PER_YEAR.sqrt()))
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
