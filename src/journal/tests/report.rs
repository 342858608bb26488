//! The day report: realized PnL checked against hand computations, counts by
//! reason, and the rendered text.

use super::*;
use crate::domain::types::{IntentPurpose, OrderIntent, StrategyId, TradingState};
use crate::journal::{config_hash, OrderStatus, RiskDecisionRecord, SymbolPnl};

fn record(j: &mut Journal, execs: &[ExecutionRecord]) {
    for e in execs {
        assert!(j.record_execution(e).unwrap());
    }
}

#[test]
fn realized_pnl_by_hand() {
    let (_dir, _path, mut j) = fresh();
    record(
        &mut j,
        &[
            exec("X1", Side::Buy, "100", "10.00", ny(9, 31, 0), Some("1.00")),
            exec("X2", Side::Sell, "60", "11.00", ny(10, 0, 0), Some("1.00")),
            exec("X3", Side::Sell, "40", "9.50", ny(10, 30, 0), Some("1.00")),
        ],
    );
    let report = j.day_report(day()).unwrap();
    // 60 × (11.00 − 10.00) + 40 × (9.50 − 10.00) = 60 − 20 = 40 gross;
    // minus 3 × 1.00 commission = 37.00 net.
    assert_eq!(
        report.pnl,
        vec![SymbolPnl {
            symbol: sym("AAPL"),
            bought: d("100"),
            sold: d("100"),
            realized: d("40"),
            commissions: d("3"),
            net: d("37"),
            position: d("0"),
        }]
    );
    assert_eq!(report.realized, d("40.00"));
    assert_eq!(report.commissions, d("3.00"));
    assert_eq!(report.net, d("37.00"));
    assert_eq!(report.pending_commissions, 0);
    assert_eq!(report.trades.len(), 3);
}

#[test]
fn average_cost_longs_and_shorts() {
    let (_dir, _path, mut j) = fresh();
    let msft = |id: &str, side, q: &str, p: &str, t| ExecutionRecord {
        symbol: sym("MSFT"),
        ..exec(id, side, q, p, t, Some("0.50"))
    };
    record(
        &mut j,
        &[
            exec("A1", Side::Buy, "100", "10", ny(9, 31, 0), Some("0.50")),
            exec("A2", Side::Buy, "100", "12", ny(9, 32, 0), Some("0.50")),
            exec("A3", Side::Sell, "50", "13", ny(9, 33, 0), Some("0.50")),
            msft("M1", Side::Sell, "10", "20", ny(9, 34, 0)),
            msft("M2", Side::Buy, "10", "18", ny(9, 35, 0)),
        ],
    );
    let report = j.day_report(day()).unwrap();
    // AAPL: average cost (100×10 + 100×12) / 200 = 11; 50 × (13 − 11) = 100;
    // 150 shares left. MSFT: short 10 at 20 covered at 18 = +20.
    let figures: Vec<(Symbol, Decimal, Decimal, Decimal)> = report
        .pnl
        .iter()
        .map(|p| (p.symbol, p.realized, p.commissions, p.position))
        .collect();
    assert_eq!(
        figures,
        vec![
            (sym("AAPL"), d("100"), d("1.50"), d("150")),
            (sym("MSFT"), d("20"), d("1.00"), d("0")),
        ]
    );
    assert_eq!(report.net, d("117.50"));
}

#[test]
fn overnight_position_is_costed_from_the_day_it_was_bought() {
    let (_dir, _path, mut j) = fresh();
    let next = Utc.with_ymd_and_hms(2026, 1, 6, 15, 0, 0).unwrap();
    record(
        &mut j,
        &[
            exec("D1", Side::Buy, "100", "10.00", ny(15, 0, 0), Some("1")),
            exec("D2", Side::Sell, "100", "12.00", next, Some("1")),
        ],
    );
    let first = j.day_report(day()).unwrap();
    assert_eq!(
        (first.pnl[0].realized, first.net, first.pnl[0].position),
        (d("0"), d("-1"), d("100"))
    );
    // Next day: 100 × (12 − 10) = 200 realized, 199 net.
    let second = j.day_report(day().succ_opt().unwrap()).unwrap();
    assert_eq!(second.trades.len(), 1);
    assert_eq!(
        (second.pnl[0].realized, second.net, second.pnl[0].position),
        (d("200"), d("199"), d("0"))
    );
}

/// A small but complete day, used for the rendered-text check.
fn sample_day(j: &mut Journal) {
    j.record_run(&config_hash("abc"), "paper", "DU1234567", ny(8, 59, 0))
        .unwrap();
    j.set_start_equity(day(), d("100000"), ny(9, 0, 0)).unwrap();
    let wish = OrderIntent {
        strategy: StrategyId(3),
        symbol: sym("AAPL"),
        side: Side::Buy,
        quantity: d("100"),
        kind: OrderKind::Limit { limit: d("10.00") },
        purpose: IntentPurpose::Entry,
    };
    let decide = |s, ok, code: &str, why: &str| {
        RiskDecisionRecord::from_intent(ny(9, 30, s), &wish, ok, code, why)
    };
    for decision in [
        decide(0, true, "approved", "approved"),
        decide(
            10,
            false,
            "PositionLimit",
            "position 20000.00 above 10% of 100000.00",
        ),
        decide(
            20,
            false,
            "PriceCollar",
            "price 10.00 more than 1% from last 9.80",
        ),
    ] {
        j.record_risk_decision(&decision).unwrap();
    }
    let o = intent(1, Side::Buy, "100", wish.kind);
    j.record_intent(&o).unwrap();
    j.mark_sent(&o.order_ref, 17, ny(9, 30, 2)).unwrap();
    j.record_status(&o.order_ref, OrderStatus::Filled, d("100"), ny(9, 31, 0))
        .unwrap();
    record(
        j,
        &[
            exec("X1", Side::Buy, "100", "10.00", ny(9, 31, 0), Some("1.00")),
            exec("X2", Side::Sell, "60", "11.00", ny(10, 0, 0), Some("1.00")),
            exec("X3", Side::Sell, "40", "9.50", ny(10, 30, 0), None),
        ],
    );
    j.record_trading_state(
        day(),
        TradingState::Halted,
        "daily loss 2.10% >= 2%",
        ny(11, 0, 0),
    )
    .unwrap();
}

#[test]
fn report_counts_and_renders() {
    let (_dir, _path, mut j) = fresh();
    sample_day(&mut j);
    let report = j.day_report(day()).unwrap();
    assert_eq!(report.approved, 1);
    let reasons: Vec<(&str, usize)> = report
        .rejected_by_reason
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(reasons, [("PositionLimit", 1), ("PriceCollar", 1)]);
    assert_eq!(report.pending_commissions, 1);
    let version = env!("CARGO_PKG_VERSION");
    let expected = format!(
        "\
Journal report for trading day 2026-01-05 (times America/New_York)
Runs: 1
  #1 08:59:00  mode paper  account DU****567  config ba7816bf8f01  version {version}
Start equity: 100000.00
Trades: 3
  09:31:00  BUY 100 AAPL @ 10.00  commission 1.00  exec X1  order fta-20260105-s3-000001-E
  10:00:00  SELL 60 AAPL @ 11.00  commission 1.00  exec X2  order fta-20260105-s3-000001-E
  10:30:00  SELL 40 AAPL @ 9.50  commission pending  exec X3  order fta-20260105-s3-000001-E
Realized PnL (average cost):
  AAPL  bought 100  sold 100  realized 40.00  commissions 2.00  net 38.00  position 0
  total  realized 40.00  commissions 2.00  net 38.00
  (1 execution(s) still waiting for their commission report)
Orders: 1
  fta-20260105-s3-000001-E  BUY 100 AAPL LMT 10.00  filled 100  filled
Risk decisions: 3 (1 approved, 2 rejected)
  rejected PositionLimit: 1
  rejected PriceCollar: 1
  09:30:00  s3 BUY 100 AAPL LMT 10.00  APPROVED  approved
  09:30:10  s3 BUY 100 AAPL LMT 10.00  REJECTED  position 20000.00 above 10% of 100000.00
  09:30:20  s3 BUY 100 AAPL LMT 10.00  REJECTED  price 10.00 more than 1% from last 9.80
Trading state changes: 1
  11:00:00  HALTED  daily loss 2.10% >= 2%
"
    );
    assert_eq!(report.to_string(), expected);
}

#[test]
fn report_masks_an_account_even_if_stored_raw() {
    let (_dir, _path, mut j) = fresh();
    j.record_run("00", "live", "U7654321", ny(9, 0, 0)).unwrap();
    // Simulate an older writer that stored the id unmasked.
    j.conn
        .execute("UPDATE runs SET account = 'U7654321'", [])
        .unwrap();
    let text = j.day_report(day()).unwrap().to_string();
    assert!(!text.contains("U7654321"), "{text}");
    assert!(text.contains("account U7****321"), "{text}");
}
