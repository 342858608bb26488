//! `equity.svg`: the equity curve over a drawdown panel (plotters, SVG
//! backend, no fonts needed), drawn from the equity at each exchange day's
//! last close (what a run keeps; a dip that recovers within one day shows in
//! the report's max drawdown, not here). Long curves are bucketed to at most
//! [`MAX_POINTS`] points: each bucket keeps its last equity and its deepest
//! drawdown, so the picture never hides the worst day.

use std::path::Path;

use chrono::DateTime;
use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::backtest::metrics::EquityPoint;

/// Most points drawn per series.
pub const MAX_POINTS: usize = 2_000;

/// Draws the equity curve (top) and its drawdown in percent (bottom) to `path`.
///
/// # Errors
/// The plotting backend's message (an I/O failure writing the file).
pub fn write_equity_svg(
    path: &Path,
    initial: Decimal,
    curve: &[EquityPoint],
) -> Result<(), String> {
    let (equity, drawdown) = series(initial, curve);
    let x0 = curve.first().map_or(0, |p| p.time.timestamp());
    let x1 = curve.last().map_or(1, |p| p.time.timestamp()).max(x0 + 1);
    let (lo, hi) = equity
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &(_, e)| {
            (lo.min(e), hi.max(e))
        });
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.05).max(1.0);
    let deepest = drawdown
        .iter()
        .fold(0.0f64, |m, &(_, d)| m.min(d))
        .min(-1.0);
    let date = |x: &i64| {
        DateTime::from_timestamp(*x, 0)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
    };

    let root = SVGBackend::new(path, (1000, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (upper, lower) = root.split_vertically(420);
    let mut chart = ChartBuilder::on(&upper)
        .caption("Equity", ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, (lo - pad)..(hi + pad))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&date)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(equity, &BLUE))
        .map_err(|e| e.to_string())?;

    let mut dd = ChartBuilder::on(&lower)
        .caption("Drawdown (%)", ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, (deepest * 1.05)..0.0)
        .map_err(|e| e.to_string())?;
    dd.configure_mesh()
        .x_labels(8)
        .x_label_formatter(&date)
        .y_label_formatter(&|y| format!("{y:.1}"))
        .draw()
        .map_err(|e| e.to_string())?;
    dd.draw_series(AreaSeries::new(drawdown, 0.0, RED.mix(0.3)).border_style(RED))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// One plotted series: (unix time, value) points.
type Series = Vec<(i64, f64)>;

/// (time, equity) and (time, drawdown %) series, bucketed to [`MAX_POINTS`].
fn series(initial: Decimal, curve: &[EquityPoint]) -> (Series, Series) {
    let bucket = curve.len().div_ceil(MAX_POINTS).max(1);
    let mut equity = Vec::with_capacity(curve.len() / bucket + 1);
    let mut drawdown = Vec::with_capacity(curve.len() / bucket + 1);
    let mut peak = initial;
    for chunk in curve.chunks(bucket) {
        let mut deepest = 0.0f64;
        for p in chunk {
            peak = peak.max(p.equity);
            if peak > Decimal::ZERO {
                let dd = ((p.equity - peak) / peak * Decimal::ONE_HUNDRED)
                    .to_f64()
                    .unwrap_or(0.0);
                deepest = deepest.min(dd);
            }
        }
        if let Some(last) = chunk.last() {
            let t = last.time.timestamp();
            equity.push((t, last.equity.to_f64().unwrap_or(0.0)));
            drawdown.push((t, deepest));
        }
    }
    (equity, drawdown)
}
