//! A backtest's result must not depend on what the symbols are called or on
//! the order of the bar files: two generated daily series traded by the
//! default strategy (10 % of equity per entry, so every decision reads net
//! liquidation) under a tight daily-loss limit (so HALTED days occur) give
//! the same report when the names are swapped and the files reordered.

use std::path::{Path, PathBuf};

use first_trading_app::backtest::cli::{run_backtest, BacktestArgs};
use first_trading_app::backtest::trades::Trade;
use first_trading_app::risk::RiskLimits;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// 300 daily bars of a random walk (a fixed linear congruential generator
/// seeded by `seed`): moves up to ±3 %, opens gapping up to ±1 % from the
/// previous close. Prices in cents.
fn series(seed: u64) -> String {
    let mut state = seed;
    let mut next = |range: i64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as i64 % (2 * range + 1)) - range
    };
    let mut close: i64 = 10_000;
    let mut text = String::from("timestamp,open,high,low,close,volume\n");
    let mut day = chrono::NaiveDate::from_ymd_opt(2019, 1, 2).unwrap();
    for _ in 0..300 {
        let open = close + close * next(100) / 10_000;
        let new_close = open + open * next(300) / 10_000;
        let high = open.max(new_close) + next(50).abs();
        let low = open.min(new_close) - next(50).abs();
        let cents = |c: i64| Decimal::new(c, 2);
        text.push_str(&format!(
            "{day}T00:00:00-05:00,{},{},{},{},1000\n",
            cents(open),
            cents(high),
            cents(low),
            cents(new_close)
        ));
        close = new_close;
        day = day.succ_opt().unwrap();
    }
    text
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}_1d.csv"));
    std::fs::write(&path, text).unwrap();
    path
}

fn args(data: Vec<PathBuf>) -> BacktestArgs {
    BacktestArgs {
        data,
        limits: RiskLimits {
            max_daily_loss_pct: dec!(0.003),
            ..RiskLimits::default()
        },
        progress: false,
        ..BacktestArgs::default()
    }
}

/// Trades with the symbol names swapped back, in a name-independent order.
fn normalised(trades: &[Trade], rename: impl Fn(&str) -> String) -> Vec<String> {
    let mut rows: Vec<String> = trades
        .iter()
        .map(|t| {
            format!(
                "{} {:?} {} {} {} {} {} {}",
                rename(t.symbol.as_str()),
                t.side,
                t.quantity,
                t.entry_time,
                t.entry_price,
                t.exit_time,
                t.exit_price,
                t.net_pnl
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn swapping_symbol_names_and_file_order_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = (series(7), series(11));
    let first = run_backtest(&args(vec![
        write(dir.path(), "AAA", &x),
        write(dir.path(), "BBB", &y),
    ]))
    .unwrap();
    let swapped_dir = dir.path().join("swapped");
    std::fs::create_dir(&swapped_dir).unwrap();
    let second = run_backtest(&args(vec![
        write(&swapped_dir, "AAA", &y),
        write(&swapped_dir, "BBB", &x),
    ]))
    .unwrap();

    let (a, b) = (&first.report.metrics, &second.report.metrics);
    assert!(a.trades >= 10, "the data must trade: {a:?}");
    assert!(!a.halted_days.is_empty(), "the daily-loss limit must act");
    assert_eq!(a.final_equity, b.final_equity);
    assert_eq!(a.halted_days, b.halted_days);
    assert_eq!(a.rejections_by_reason, b.rejections_by_reason);
    assert_eq!(first.result.curve, second.result.curve);
    let swap = |s: &str| if s == "AAA" { "BBB" } else { "AAA" }.to_string();
    assert_eq!(
        normalised(&first.report.trades, str::to_string),
        normalised(&second.report.trades, swap)
    );
    assert_eq!(
        first.report.diagnostics.orders_approved,
        second.report.diagnostics.orders_approved
    );
}
