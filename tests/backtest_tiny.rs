//! A hand-checked backtest: 15 daily SPY bars, `sma_crossover` fast 2 /
//! slow 3, 10 shares per entry, default risk limits (stop 5 %, target 10 %),
//! IBKR fixed commissions ($1 minimum per fill), no slippage.
//!
//! Closes 100 99 98 101 | 102.5 104 99.5 99 103 | 97.5 96 100.5 101.5 99 95.
//! Worked by hand (SMA2 vs SMA3 of closes; a cross is a sign change):
//! - bar 4 (close 101): SMA2 99.5 > SMA3 99.33 after being below → buy 10 at
//!   market; bracket from the close 101: stop 95.95, target 111.10.
//!   Bar 5 opens 102: entry fills at 102. Bar 6 trades up to 112 > 111.10:
//!   the target fills at 111.10, the stop is cancelled (OCA).
//!   Trade 1: +9.10 × 10 = +91.00 gross, −2.00 commission = +89.00.
//! - bar 7 crosses down while flat: nothing.
//! - bar 9 (close 103) crosses up → buy 10; bracket stop 97.85, target 113.30.
//!   Bar 10 opens 102 (entry), trades down to 97 ≤ 97.85: stop fills at 97.85.
//!   Trade 2: −4.15 × 10 = −41.50, −2.00 = −43.50.
//! - bar 11 crosses down while flat: nothing.
//! - bar 12 (close 100.5) crosses up → buy 10; stop ceil(95.475) = 95.48,
//!   target 110.55. Bar 13 opens 101 (entry).
//! - bar 14 (close 99) crosses down → sell 10 at market. Bar 15 opens 98.5:
//!   the exit fills there; the engine cancels the stop and target before the
//!   bar's range (low 94 < 95.48) is traded, so nothing else fills.
//!   Trade 3: −2.50 × 10 = −25.00, −2.00 = −27.00.
//!
//! Net: 89.00 − 43.50 − 27.00 = +18.50 → final equity 100 018.50.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use first_trading_app::backtest::cli::{run_backtest, run_sweep, BacktestArgs};
use first_trading_app::domain::types::Side;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const BARS: &str = "timestamp,open,high,low,close,volume
2021-01-04T00:00:00-05:00,100,100.5,99.5,100,1000
2021-01-05T00:00:00-05:00,100,100,98.5,99,1000
2021-01-06T00:00:00-05:00,99,99,97.5,98,1000
2021-01-07T00:00:00-05:00,98,101.5,97.8,101,1000
2021-01-08T00:00:00-05:00,102,103,101.5,102.5,1000
2021-01-11T00:00:00-05:00,102,112,101,104,1000
2021-01-12T00:00:00-05:00,104,104.5,99,99.5,1000
2021-01-13T00:00:00-05:00,99,100,98,99,1000
2021-01-14T00:00:00-05:00,99,103,99,103,1000
2021-01-15T00:00:00-05:00,102,102.5,97,97.5,1000
2021-01-18T00:00:00-05:00,98,99,96,96,1000
2021-01-19T00:00:00-05:00,96,101,95,100.5,1000
2021-01-20T00:00:00-05:00,101,102,100,101.5,1000
2021-01-21T00:00:00-05:00,101,101.5,99,99,1000
2021-01-22T00:00:00-05:00,98.5,99,94,95,1000
";

const STRATEGY: &str = r#"kind = "sma_crossover"
name = "tiny"
symbols = ["SPY"]
bar_size = "1 day"
[sizing]
fixed_quantity = 10
[params]
fast = 2
slow = 3
"#;

/// (entry time, entry price, exit time, exit price, commission, net PnL).
type TradeRow = (
    DateTime<Utc>,
    Decimal,
    DateTime<Utc>,
    Decimal,
    Decimal,
    Decimal,
);

fn write_inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("SPY_1d.csv");
    let strategy = dir.join("tiny.toml");
    std::fs::write(&data, BARS).unwrap();
    std::fs::write(&strategy, STRATEGY).unwrap();
    (data, strategy)
}

/// Midnight New York (EST, UTC−5) of 2021-01-`day`, the start of that daily bar.
fn day(day: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2021-01-{day:02}T05:00:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn args(dir: &Path, out: &str) -> BacktestArgs {
    let (data, strategy) = write_inputs(dir);
    BacktestArgs {
        data: vec![data],
        strategy: Some(strategy),
        out: Some(dir.join(out)),
        progress: false,
        ..BacktestArgs::default()
    }
}

#[test]
fn hand_checked_trades_fills_and_pnl() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = run_backtest(&args(dir.path(), "out")).unwrap();
    let trades = &outcome.report.trades;
    let summary: Vec<TradeRow> = trades
        .iter()
        .map(|t| {
            (
                t.entry_time,
                t.entry_price,
                t.exit_time,
                t.exit_price,
                t.commission,
                t.net_pnl,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                day(8),
                dec!(102),
                day(11),
                dec!(111.10),
                dec!(2),
                dec!(89.00)
            ),
            (
                day(15),
                dec!(102),
                day(15),
                dec!(97.85),
                dec!(2),
                dec!(-43.50)
            ),
            (
                day(20),
                dec!(101),
                day(22),
                dec!(98.5),
                dec!(2),
                dec!(-27.00)
            ),
        ]
    );
    assert!(trades
        .iter()
        .all(|t| t.side == Side::Buy && t.quantity == dec!(10)));

    let m = &outcome.report.metrics;
    assert_eq!(m.final_equity, dec!(100018.50));
    assert_eq!(m.net_profit, dec!(18.50));
    assert_eq!(m.commissions, dec!(6));
    assert_eq!((m.trades, m.wins, m.losses), (3, 1, 2));
    assert_eq!(m.win_rate_pct, Some(dec!(33.33)));
    assert_eq!(
        (m.average_win, m.average_loss),
        (Some(dec!(89.00)), Some(dec!(-35.25)))
    );
    assert_eq!((m.rejections, m.halted_days.len(), m.bars), (0, 0, 15));

    let d = outcome.report.diagnostics;
    assert_eq!((d.fills, d.orders_approved), (6, 4));
    assert_eq!((d.open_trades_at_end, d.open_orders_at_end), (0, 0));
    assert_eq!((d.unknown_orders, d.bad_fills, d.rounds_cut), (0, 0, 0));

    // Equity after the bar-6 target fill: 100 000 + 89; flat (no exposure).
    let curve = &outcome.result.curve;
    assert_eq!(curve.len(), 15);
    assert_eq!(
        (curve[5].equity, curve[5].exposed),
        (dec!(100089.00), false)
    );
    // Bar 5 closes long 10 bought at 102, marked 102.5, one $1 commission: +4.
    assert_eq!((curve[4].equity, curve[4].exposed), (dec!(100004.0), true));
}

#[test]
fn the_same_run_twice_writes_byte_identical_reports() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_backtest(&args(dir.path(), "a")).unwrap().files.unwrap();
    let second = run_backtest(&args(dir.path(), "b")).unwrap().files.unwrap();
    for (a, b) in [
        (first.json, second.json),
        (first.markdown, second.markdown),
        (first.svg, second.svg),
    ] {
        let (a_bytes, b_bytes) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert!(!a_bytes.is_empty());
        assert!(
            a_bytes == b_bytes,
            "{} and {} differ",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn sweep_ranks_every_combination_and_reports_invalid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut sweep_args = args(dir.path(), "sweep");
    sweep_args.sweep = vec!["fast=2,3".into(), "slow=3,4".into()];
    sweep_args.rank = Some("total_return".into());
    let outcome = run_sweep(&sweep_args).unwrap();
    assert_eq!(outcome.rows.len(), 4);
    // fast=3, slow=3 is invalid (fast must be below slow): ranked last, with the reason.
    let last = &outcome.rows[3];
    assert_eq!(last.parameters["fast"], "3");
    assert_eq!(last.parameters["slow"], "3");
    assert!(last.metrics.is_none());
    assert!(
        last.error.as_deref().unwrap_or("").contains("params.fast"),
        "{last:?}"
    );
    // The hand-checked combination returns 0.0185 %.
    let tiny = outcome
        .rows
        .iter()
        .find(|r| r.parameters["fast"] == "2" && r.parameters["slow"] == "3")
        .unwrap();
    assert_eq!(
        tiny.metrics.as_ref().unwrap().total_return_pct,
        dec!(0.0185)
    );
    let returns: Vec<Decimal> = outcome.rows[..3]
        .iter()
        .map(|r| r.metrics.as_ref().unwrap().total_return_pct)
        .collect();
    assert!(returns.windows(2).all(|w| w[0] >= w[1]), "{returns:?}");
    assert_eq!(
        outcome.rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    let json = std::fs::read_to_string(dir.path().join("sweep/sweep.json")).unwrap();
    assert!(json.contains("\"rank_by\": \"total_return\""));
    // Parallel runs, same bytes: a second sweep writes an identical sweep.json.
    sweep_args.out = Some(dir.path().join("sweep2"));
    run_sweep(&sweep_args).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sweep2/sweep.json")).unwrap(),
        json
    );
    assert!(std::fs::read_to_string(dir.path().join("sweep/sweep.md"))
        .unwrap()
        .contains("| 1 | fast=2"));
}
