//! `/metrics`: the session's counters and state in Prometheus' text
//! exposition format (version 0.0.4), rendered from the latest [`Snapshot`]
//! and the dashboard's own refusal counters.
//!
//! Owns the metric names (`fta_*`, documented in README) and their
//! rendering; must never read anything but the snapshot it is given.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use rust_decimal::Decimal;

use super::auth::Refusals;
use crate::control::{Snapshot, LATENCY_BOUNDS_NS};

/// The metrics text for `snapshot`.
pub fn render(snapshot: &Snapshot, refusals: &Refusals) -> String {
    let mut out = String::with_capacity(4096);
    let c = &snapshot.counters;
    counter(
        &mut out,
        "fta_orders_sent_total",
        "Orders sent to TWS (each bracket leg counts).",
        c.orders_sent,
    );
    counter(&mut out, "fta_fills_total", "Fills applied.", c.fills);
    header(
        &mut out,
        "fta_orders_rejected_total",
        "counter",
        "Orders TWS refused, by IB code.",
    );
    for (code, n) in &c.broker_rejects {
        let _ = writeln!(out, "fta_orders_rejected_total{{code=\"{code}\"}} {n}");
    }
    header(
        &mut out,
        "fta_risk_decisions_total",
        "counter",
        "Risk-gate decisions, by outcome (approved or the refusal's reason code).",
    );
    for (reason, n) in &c.gate_decisions {
        let _ = writeln!(out, "fta_risk_decisions_total{{reason=\"{reason}\"}} {n}");
    }
    header(
        &mut out,
        "fta_trading_state",
        "gauge",
        "1 for the current trading state.",
    );
    for state in ["STARTING", "ACTIVE", "REDUCING", "HALTED"] {
        let on = u8::from(snapshot.state == state);
        let _ = writeln!(out, "fta_trading_state{{state=\"{state}\"}} {on}");
    }
    gauge(
        &mut out,
        "fta_connected",
        "1 while connected to TWS and trading on market events.",
        u8::from(snapshot.connected),
    );
    counter(
        &mut out,
        "fta_reconnects_total",
        "Times the link to IB came back and the bot reconciled.",
        c.reconnects,
    );
    counter(
        &mut out,
        "fta_market_events_total",
        "Market events handled.",
        c.market_events,
    );
    header(
        &mut out,
        "fta_market_data_lag_seconds",
        "gauge",
        "Seconds since the last bar of each symbol ended.",
    );
    for feed in &snapshot.market_data {
        if let Some(lag) = feed.lag_secs {
            let _ = writeln!(
                out,
                "fta_market_data_lag_seconds{{symbol=\"{}\"}} {lag}",
                feed.symbol
            );
        }
    }
    header(
        &mut out,
        "fta_market_data_up",
        "gauge",
        "1 while a symbol's bars stream.",
    );
    for feed in &snapshot.market_data {
        let up = u8::from(feed.state == "streaming");
        let _ = writeln!(out, "fta_market_data_up{{symbol=\"{}\"}} {up}", feed.symbol);
    }
    decimal(
        &mut out,
        "fta_pnl_net",
        "Today's net PnL (account currency).",
        snapshot.pnl.net,
    );
    decimal(
        &mut out,
        "fta_pnl_realized",
        "Today's realized PnL.",
        snapshot.pnl.realized,
    );
    decimal(
        &mut out,
        "fta_equity",
        "Start-of-day equity plus today's net PnL.",
        snapshot.pnl.equity,
    );
    decimal(
        &mut out,
        "fta_daily_loss",
        "Today's loss as the risk gate counts it.",
        snapshot.risk.daily_loss,
    );
    decimal(
        &mut out,
        "fta_daily_loss_limit",
        "The loss at which trading halts.",
        snapshot.risk.daily_loss_limit,
    );
    gauge(
        &mut out,
        "fta_open_orders",
        "Working orders of the bot's.",
        snapshot.risk.open_orders,
    );
    latency(&mut out, snapshot);
    header(
        &mut out,
        "fta_notifications_total",
        "counter",
        "Webhook notifications, by outcome.",
    );
    for (outcome, n) in [
        ("sent", c.notifications_sent),
        ("failed", c.notifications_failed),
        ("dropped", c.notifications_dropped),
    ] {
        let _ = writeln!(out, "fta_notifications_total{{outcome=\"{outcome}\"}} {n}");
    }
    header(
        &mut out,
        "fta_dashboard_refused_total",
        "counter",
        "Dashboard requests refused, by why.",
    );
    for (why, n) in [
        ("unauthorized", &refusals.unauthorized),
        ("bad_origin", &refusals.bad_origin),
        ("rate_limited", &refusals.rate_limited),
    ] {
        let _ = writeln!(
            out,
            "fta_dashboard_refused_total{{why=\"{why}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    out
}

/// The decision-latency histogram (cumulative buckets, seconds).
fn latency(out: &mut String, snapshot: &Snapshot) {
    let c = &snapshot.counters;
    let name = "fta_decision_latency_seconds";
    header(
        out,
        name,
        "histogram",
        "Market event to engine output (strategy, risk gate, orders).",
    );
    let mut cumulative = 0;
    for (i, bound) in LATENCY_BOUNDS_NS.iter().enumerate() {
        cumulative += c.decision_latency_buckets.get(i).copied().unwrap_or(0);
        let le = Decimal::from(*bound) / Decimal::from(1_000_000_000u64);
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"{}\"}} {cumulative}",
            le.normalize()
        );
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", c.market_events);
    let sum = Decimal::from(c.decision_latency_sum_ns) / Decimal::from(1_000_000_000u64);
    let _ = writeln!(out, "{name}_sum {}", sum.normalize());
    let _ = writeln!(out, "{name}_count {}", c.market_events);
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, "counter", help);
    let _ = writeln!(out, "{name} {value}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    header(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

fn decimal(out: &mut String, name: &str, help: &str, value: Decimal) {
    gauge(out, name, help, value.normalize());
}
