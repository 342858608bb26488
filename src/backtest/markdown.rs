//! `report.md`: the report for people — a metrics table, rejections by
//! reason, HALTED days, the first trades, and the equity chart. Deterministic
//! like `report.json`.

use std::fmt::Write;

use chrono_tz::America::New_York;
use rust_decimal::Decimal;

use crate::backtest::report::Report;
use crate::broker::fill_model::Slippage;
use crate::domain::types::Side;

/// Trades listed in the Markdown report (all of them are in `report.json`).
pub const MAX_TRADES_LISTED: usize = 100;

/// `$1,234,567.89` / `-$12.30`.
pub fn money(value: Decimal) -> String {
    let rounded = value.round_dp(2);
    let text = format!("{:.2}", rounded.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${grouped}.{cents}")
}

fn opt<T: std::fmt::Display>(value: Option<T>, suffix: &str) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v}{suffix}"))
}

/// Renders the whole Markdown document.
pub fn render(report: &Report) -> String {
    let mut md = String::with_capacity(8 * 1024);
    let run = &report.run;
    let m = &report.metrics;
    let params = run
        .parameters
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(md, "# Backtest report\n");
    let _ = writeln!(
        md,
        "Strategy `{}` `{}` ({params}; {}; {} s bars) from {}, initial equity {}.\n",
        run.strategy,
        run.name,
        run.sizing,
        run.bar_seconds,
        run.source,
        money(run.initial_equity)
    );
    for d in &run.data {
        let _ = writeln!(
            md,
            "- {} `{}`: {} bars of {} s, {} to {}",
            d.symbol,
            d.file,
            d.bars,
            d.bar_seconds,
            d.first.with_timezone(&New_York).format("%Y-%m-%d %H:%M"),
            d.last.with_timezone(&New_York).format("%Y-%m-%d %H:%M"),
        );
    }
    let fill = &run.fill_model;
    let slippage = match fill.slippage {
        Slippage::Ticks(t) => format!("{t} tick(s) of {}", fill.tick_size),
        Slippage::Bps(b) => format!("{b} bps"),
    };
    let _ = writeln!(
        md,
        "\nFills: market orders at the next bar's open, slippage {slippage}; limits {:?}; \
         stop-loss assumed first when a bar crosses both stop and target. Commission \
         {}/share, min {}, max {} of value.\n",
        fill.limit_fill,
        fill.commission.per_share,
        money(fill.commission.minimum),
        opt(
            fill.commission
                .max_pct_of_value
                .map(|p| p * Decimal::ONE_HUNDRED),
            " %"
        ),
    );

    let rows: [(&str, String); 19] = [
        ("Initial equity", money(m.initial_equity)),
        ("Final equity", money(m.final_equity)),
        ("Net profit", money(m.net_profit)),
        ("Total return", format!("{} %", m.total_return_pct)),
        ("CAGR", opt(m.cagr_pct, " %")),
        (
            "Max drawdown",
            format!("{} ({} %)", money(m.max_drawdown), m.max_drawdown_pct),
        ),
        ("Sharpe (daily, annualized)", opt(m.sharpe, "")),
        ("Sortino (daily, annualized)", opt(m.sortino, "")),
        ("Trades", m.trades.to_string()),
        ("Win rate", opt(m.win_rate_pct, " %")),
        ("Average win", opt(m.average_win.map(money), "")),
        ("Average loss", opt(m.average_loss.map(money), "")),
        ("Profit factor", opt(m.profit_factor, "")),
        ("Commissions", money(m.commissions)),
        ("Exposure", format!("{} % of bars", m.exposure_pct)),
        ("Bars", m.bars.to_string()),
        ("Days", m.days.to_string()),
        ("Risk-gate rejections", m.rejections.to_string()),
        ("HALTED days", m.halted_days.len().to_string()),
    ];
    if let Some(day) = m.ruined_on {
        let _ = writeln!(
            md,
            "**The account is ruined: its equity closed at or below 0 on {day}.** \
             CAGR, Sharpe and Sortino are not given.\n"
        );
    }
    let _ = writeln!(md, "| Metric | Value |\n|---|---|");
    for (name, value) in rows {
        let _ = writeln!(md, "| {name} | {value} |");
    }

    if !m.rejections_by_reason.is_empty() {
        let _ = writeln!(
            md,
            "\n## Risk-gate rejections\n\n| Reason | Count |\n|---|---|"
        );
        for (reason, count) in &m.rejections_by_reason {
            let _ = writeln!(md, "| {reason} | {count} |");
        }
    }
    if !m.halted_days.is_empty() {
        let days: Vec<String> = m.halted_days.iter().map(|d| d.to_string()).collect();
        let _ = writeln!(md, "\n## HALTED days\n\n{}", days.join(", "));
    }
    let d = &report.diagnostics;
    let _ = writeln!(
        md,
        "\n## Run health\n\n{} fills, {} orders approved; at the end {} trade(s) still open \
         (valued at the last close) and {} order(s) working. Unknown-order events {}, refused \
         fills {}, dropped intents {}, command loops cut {} (all 0 in a healthy run).",
        d.fills,
        d.orders_approved,
        d.open_trades_at_end,
        d.open_orders_at_end,
        d.unknown_orders,
        d.bad_fills,
        d.intents_dropped,
        d.rounds_cut
    );

    let _ = writeln!(
        md,
        "\n## Equity\n\n![Equity curve and drawdown](equity.svg)"
    );
    if !report.trades.is_empty() {
        let shown = report.trades.len().min(MAX_TRADES_LISTED);
        let _ = writeln!(
            md,
            "\n## Trades ({shown} of {})\n\n| # | Symbol | Side | Qty | Entry (NY) | Entry price | Exit (NY) | Exit price | Net PnL |\n|---|---|---|---|---|---|---|---|---|",
            report.trades.len()
        );
        for (i, t) in report.trades.iter().take(shown).enumerate() {
            let side = if t.side == Side::Buy { "long" } else { "short" };
            let _ = writeln!(
                md,
                "| {} | {} | {side} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                t.symbol,
                t.quantity,
                t.entry_time
                    .with_timezone(&New_York)
                    .format("%Y-%m-%d %H:%M"),
                t.entry_price.round_dp(4),
                t.exit_time
                    .with_timezone(&New_York)
                    .format("%Y-%m-%d %H:%M"),
                t.exit_price.round_dp(4),
                money(t.net_pnl),
            );
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_the_sign() {
        assert_eq!(money(dec!(1234567.891)), "$1,234,567.89");
        assert_eq!(money(dec!(-12.3)), "-$12.30");
        assert_eq!(money(dec!(999)), "$999.00");
        assert_eq!(money(dec!(-0.001)), "$0.00");
        assert_eq!(money(dec!(100000)), "$100,000.00");
    }
}
