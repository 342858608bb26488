//! Backtest metrics on hand-computed runs: returns, drawdown, ratios, and the
//! empty and flat cases that must report no ratio.

use rust_decimal_macros::dec;

use super::*;
use crate::backtest::equity::EquitySummary;
use crate::domain::types::{Side, Symbol};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, d).unwrap()
}

fn point(time: &str, d: u32, equity: Decimal, exposed: bool) -> EquityPoint {
    EquityPoint {
        time: utc(time),
        day: day(d),
        equity,
        exposed,
    }
}

fn trade(net: Decimal, commission: Decimal) -> Trade {
    Trade {
        symbol: Symbol::new("SPY").unwrap(),
        side: Side::Buy,
        quantity: dec!(1),
        entry_time: utc("2021-01-04T15:00:00Z"),
        entry_price: dec!(1),
        exit_time: utc("2021-01-05T15:00:00Z"),
        exit_price: dec!(1),
        gross_pnl: net + commission,
        commission,
        net_pnl: net,
    }
}

#[test]
fn hand_computed_three_day_run() {
    // Day 4 has two bars (only the last counts for the daily return).
    let curve = [
        point("2021-01-04T15:00:00Z", 4, dec!(1050), true),
        point("2021-01-04T16:00:00Z", 4, dec!(1100), true),
        point("2021-01-05T16:00:00Z", 5, dec!(990), true),
        point("2023-01-01T12:00:00Z", 6, dec!(1089), false),
    ];
    let trades = [
        trade(dec!(50), dec!(2)),
        trade(dec!(-20), dec!(1)),
        trade(dec!(30), dec!(1)),
    ];
    let mut rejections = BTreeMap::new();
    rejections.insert("position_limit".to_string(), 3);
    rejections.insert("halted".to_string(), 2);
    let halted = BTreeSet::from([day(5)]);
    let m = compute(&MetricInputs {
        initial_equity: dec!(1000),
        start: Some(utc("2021-01-01T00:00:00Z")),
        equity: &EquitySummary::of(dec!(1000), &curve),
        trades: &trades,
        rejections: &rejections,
        halted_days: &halted,
    });
    assert_eq!(
        (m.final_equity, m.net_profit, m.total_return_pct),
        (dec!(1089), dec!(89), dec!(8.9))
    );
    // Peak 1100 → 990.
    assert_eq!((m.max_drawdown, m.max_drawdown_pct), (dec!(110), dec!(10)));
    // Daily returns +10 %, −10 %, +10 %: mean 1/30, sample sd 0.11547, √252.
    assert_eq!(m.sharpe, Some(4.582576));
    assert_eq!(m.sortino, Some(9.165151));
    // 730.5 days = 2 years: √1.089 − 1.
    assert_eq!(m.cagr_pct, Some(4.355163));
    assert_eq!(
        (m.days, m.bars, m.trades, m.wins, m.losses),
        (3, 4, 3, 2, 1)
    );
    assert_eq!(m.win_rate_pct, Some(dec!(66.67)));
    assert_eq!(
        (m.average_win, m.average_loss),
        (Some(dec!(40)), Some(dec!(-20)))
    );
    assert_eq!(m.profit_factor, Some(dec!(4)));
    assert_eq!(m.commissions, dec!(4));
    assert_eq!(m.exposure_pct, dec!(75));
    assert_eq!(m.rejections, 5);
    assert_eq!(m.halted_days, vec![day(5)]);
}

#[test]
fn empty_and_flat_runs_have_no_ratios() {
    let none = BTreeMap::new();
    let no_days = BTreeSet::new();
    let flat = [
        point("2021-01-04T16:00:00Z", 4, dec!(1000), false),
        point("2021-01-05T16:00:00Z", 5, dec!(1000), false),
    ];
    let m = compute(&MetricInputs {
        initial_equity: dec!(1000),
        start: None,
        equity: &EquitySummary::of(dec!(1000), &flat),
        trades: &[],
        rejections: &none,
        halted_days: &no_days,
    });
    assert_eq!((m.sharpe, m.sortino, m.cagr_pct), (None, None, None));
    assert_eq!(
        (m.win_rate_pct, m.average_win, m.profit_factor),
        (None, None, None)
    );
    assert_eq!(
        (m.max_drawdown, m.exposure_pct, m.total_return_pct),
        (dec!(0), dec!(0), dec!(0))
    );
}

#[test]
fn a_ruined_account_says_so_and_has_no_ratios() {
    let none = BTreeMap::new();
    let no_days = BTreeSet::new();
    // Up 10 %, up 13.6 %, then wiped out (−100 on 1 000) and a little
    // back: without the rule, two good days out of three would give a
    // positive Sharpe.
    let curve = [
        point("2021-01-04T21:00:00Z", 4, dec!(1100), true),
        point("2021-01-05T21:00:00Z", 5, dec!(1250), true),
        point("2021-01-06T21:00:00Z", 6, dec!(-100), true),
        point("2021-01-07T21:00:00Z", 7, dec!(-90), true),
    ];
    let (ruined, two_days) = (
        EquitySummary::of(dec!(1000), &curve),
        EquitySummary::of(dec!(1000), &curve[..2]),
    );
    let m = compute(&MetricInputs {
        initial_equity: dec!(1000),
        start: Some(utc("2021-01-04T14:30:00Z")),
        equity: &ruined,
        trades: &[],
        rejections: &none,
        halted_days: &no_days,
    });
    assert_eq!(m.ruined_on, Some(day(6)));
    assert_eq!((m.sharpe, m.sortino, m.cagr_pct), (None, None, None));
    assert_eq!(m.total_return_pct, dec!(-109.0000));
    // Not ruined: no `ruined_on` key in the JSON report at all.
    let fine = compute(&MetricInputs {
        equity: &two_days,
        ..MetricInputs {
            initial_equity: dec!(1000),
            start: Some(utc("2021-01-04T14:30:00Z")),
            equity: &ruined,
            trades: &[],
            rejections: &none,
            halted_days: &no_days,
        }
    });
    assert_eq!(fine.ruined_on, None);
    assert!(fine.sharpe.is_some());
    assert!(!serde_json::to_string(&fine).unwrap().contains("ruined"));
}

#[test]
fn a_dip_within_a_day_counts_though_only_the_days_close_is_kept() {
    let none = BTreeMap::new();
    let no_days = BTreeSet::new();
    // Day 4: 1 000 → 1 200 (peak) → 900 → 1 150 at the close; day 5 closes 1 100.
    let curve = [
        point("2021-01-04T15:00:00Z", 4, dec!(1200), true),
        point("2021-01-04T16:00:00Z", 4, dec!(900), true),
        point("2021-01-04T17:00:00Z", 4, dec!(1150), true),
        point("2021-01-05T17:00:00Z", 5, dec!(1100), false),
    ];
    let equity = EquitySummary::of(dec!(1000), &curve);
    // One point per day, the day's last close.
    let days: Vec<(NaiveDate, Decimal)> = equity.days.iter().map(|p| (p.day, p.equity)).collect();
    assert_eq!(days, [(day(4), dec!(1150)), (day(5), dec!(1100))]);
    let m = compute(&MetricInputs {
        initial_equity: dec!(1000),
        start: Some(utc("2021-01-04T14:00:00Z")),
        equity: &equity,
        trades: &[],
        rejections: &none,
        halted_days: &no_days,
    });
    // 1 200 − 900 = 300, 300 / 1 200 = 25 %; 3 of 4 closes exposed.
    assert_eq!((m.max_drawdown, m.max_drawdown_pct), (dec!(300), dec!(25)));
    assert_eq!((m.bars, m.days, m.exposure_pct), (4, 2, dec!(75)));
}
