//! The dashboard's page: three static files compiled into the binary (no
//! build step, no CDN: the machine may be offline) and the day's equity
//! curve drawn on the server as SVG.
//!
//! The page's files hold no data and are served without the token (a
//! browser's first navigation cannot carry one); the page reads the token
//! from its URL's fragment and sends it with every data and control request.
//! Must never embed data in these files, nor inline script (the CSP forbids it).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;

use super::Shared;
use crate::control::EquityPoint;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// `GET /`.
pub(super) async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

/// `GET /app.js`.
pub(super) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /app.css`.
pub(super) async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// `GET /api/equity.svg`: today's equity curve.
pub(super) async fn equity_svg(State(shared): State<Arc<Shared>>) -> Response {
    let curve = shared.snapshot().equity_curve;
    let svg = draw(&curve).unwrap_or_else(|error| {
        tracing::warn!(%error, "dashboard: cannot draw the equity curve");
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
    });
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

/// The curve as an SVG document (display only: plotted in floating point).
fn draw(curve: &[EquityPoint]) -> Result<String, String> {
    let points: Vec<(i64, f64)> = curve
        .iter()
        .filter_map(|p| Some((p.at.timestamp(), p.equity.to_f64()?)))
        .collect();
    let x0 = points.first().map_or(0, |p| p.0);
    let x1 = points.last().map_or(1, |p| p.0).max(x0 + 60);
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &(_, e)| {
            (lo.min(e), hi.max(e))
        });
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.1).max(1.0);
    let time = |x: &i64| {
        chrono::DateTime::from_timestamp(*x, 0).map_or_else(String::new, |t| {
            t.with_timezone(&chrono_tz::America::New_York)
                .format("%H:%M")
                .to_string()
        })
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 240)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(72)
            .build_cartesian_2d(x0..x1, (lo - pad)..(hi + pad))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&time)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new(points, &BLUE))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
