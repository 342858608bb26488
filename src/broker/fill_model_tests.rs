//! Hand-computed fill scenarios. Bars are daily-ish: bar `n` starts at
//! `T0 + n hours` and lasts an hour; orders are placed at a bar's end.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::domain::order_id::Leg;

pub(super) fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

pub(super) fn t(n: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2021-03-31T13:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + Duration::hours(n)
}

/// Bar `n` of `symbol`: open, high, low, close.
pub(super) fn bar_of(
    symbol: Symbol,
    n: i64,
    o: Decimal,
    h: Decimal,
    l: Decimal,
    c: Decimal,
) -> Bar {
    Bar {
        symbol,
        start: t(n),
        seconds: 3600,
        open: o,
        high: h,
        low: l,
        close: c,
        volume: dec!(1000),
    }
}

pub(super) fn bar(n: i64, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Bar {
    bar_of(spy(), n, o, h, l, c)
}

pub(super) fn id(seq: u32, leg: Leg) -> ClientOrderId {
    ClientOrderId::new(NaiveDate::from_ymd_opt(2021, 3, 31).unwrap(), 0, seq, leg)
}

pub(super) fn order(seq: u32, leg: Leg, side: Side, qty: Decimal, kind: OrderKind) -> OrderSpec {
    OrderSpec {
        id: id(seq, leg),
        symbol: spy(),
        side,
        quantity: qty,
        kind,
        parent: None,
        oca_with: None,
    }
}

pub(super) fn bracket(
    seq: u32,
    entry: OrderKind,
    stop: Decimal,
    target: Decimal,
) -> [OrderSpec; 3] {
    let e = order(seq, Leg::Entry, Side::Buy, dec!(100), entry);
    let child = |leg, kind| OrderSpec {
        parent: Some(e.id),
        ..order(seq, leg, Side::Sell, dec!(100), kind)
    };
    [
        e,
        child(Leg::StopLoss, OrderKind::Stop { stop }),
        child(Leg::TakeProfit, OrderKind::Limit { limit: target }),
    ]
}

pub(super) fn no_costs() -> FillConfig {
    FillConfig {
        commission: Commission::zero(),
        ..FillConfig::default()
    }
}

/// (id, price, commission) of every fill, in order.
pub(super) fn fills(events: &[BrokerEvent]) -> Vec<(ClientOrderId, Decimal, Decimal)> {
    events
        .iter()
        .filter_map(|e| match e {
            BrokerEvent::Filled { id, fill } => Some((*id, fill.price, fill.commission)),
            _ => None,
        })
        .collect()
}

#[test]
fn market_order_fills_at_next_open_with_slippage_and_ibkr_commission() {
    let mut fm = FillModel::new(FillConfig {
        slippage: Slippage::Ticks(dec!(1)),
        ..FillConfig::default()
    });
    let mut out = Vec::new();
    let buy = order(1, Leg::Exit, Side::Buy, dec!(300), OrderKind::Market);
    fm.place(buy, t(1), &mut out);
    assert_eq!(out, vec![BrokerEvent::Working { id: buy.id }]);
    out.clear();
    // The bar the decision was made on (ends at t(1)) cannot fill it.
    fm.on_bar(&bar(0, dec!(99), dec!(101), dec!(98), dec!(100)), &mut out);
    assert!(out.is_empty());
    fm.on_bar(
        &bar(1, dec!(100.50), dec!(102), dec!(100), dec!(101)),
        &mut out,
    );
    // 100.50 + 1 tick; 300 × 0.005 = 1.50 (above the $1 minimum, below 1 %).
    assert_eq!(fills(&out), vec![(buy.id, dec!(100.51), dec!(1.500))]);
    let BrokerEvent::Filled { fill, .. } = out[0] else {
        panic!()
    };
    assert_eq!(
        (fill.side, fill.quantity, fill.time),
        (Side::Buy, dec!(300), t(1))
    );
    assert_eq!(fm.open_orders().count(), 0);
}

#[test]
fn limit_needs_trade_through_unless_touch_and_gaps_fill_at_the_open() {
    let buy = order(
        1,
        Leg::Exit,
        Side::Buy,
        dec!(10),
        OrderKind::Limit { limit: dec!(99) },
    );
    let mut out = Vec::new();
    let mut fm = FillModel::new(no_costs());
    fm.place(buy, t(0), &mut out);
    out.clear();
    // Low touches 99 exactly: no fill when a trade-through is required.
    fm.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    assert!(out.is_empty());
    fm.on_bar(
        &bar(1, dec!(100), dec!(101), dec!(98.99), dec!(100)),
        &mut out,
    );
    assert_eq!(fills(&out), vec![(buy.id, dec!(99), dec!(0))]);

    let mut touch = FillModel::new(FillConfig {
        limit_fill: LimitFill::Touch,
        ..no_costs()
    });
    touch.place(buy, t(0), &mut out);
    out.clear();
    touch.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    assert_eq!(fills(&out), vec![(buy.id, dec!(99), dec!(0))]);

    // Opening below the limit fills at the (better) open.
    let mut gap = FillModel::new(no_costs());
    gap.place(buy, t(0), &mut out);
    out.clear();
    gap.on_bar(
        &bar(0, dec!(97.50), dec!(98), dec!(97), dec!(97.80)),
        &mut out,
    );
    assert_eq!(fills(&out), vec![(buy.id, dec!(97.50), dec!(0))]);
}

#[test]
fn stop_fills_at_stop_or_at_a_worse_gap_open_and_slips() {
    let sell = order(
        1,
        Leg::Exit,
        Side::Sell,
        dec!(10),
        OrderKind::Stop { stop: dec!(95) },
    );
    let config = FillConfig {
        slippage: Slippage::Ticks(dec!(2)),
        ..no_costs()
    };
    let mut out = Vec::new();
    let mut fm = FillModel::new(config);
    fm.place(sell, t(0), &mut out);
    out.clear();
    fm.on_bar(
        &bar(0, dec!(100), dec!(101), dec!(95.01), dec!(96)),
        &mut out,
    );
    assert!(out.is_empty());
    fm.on_bar(&bar(1, dec!(96), dec!(97), dec!(95), dec!(96)), &mut out);
    assert_eq!(fills(&out), vec![(sell.id, dec!(94.98), dec!(0))]);

    let mut gap = FillModel::new(config);
    gap.place(sell, t(0), &mut out);
    out.clear();
    gap.on_bar(&bar(0, dec!(93), dec!(94), dec!(90), dec!(91)), &mut out);
    assert_eq!(fills(&out), vec![(sell.id, dec!(92.98), dec!(0))]);
}

#[test]
fn invalid_orders_and_duplicate_ids_are_rejected() {
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    let mut legs = bracket(1, OrderKind::Market, dec!(95), dec!(105));
    legs[2].kind = OrderKind::Limit { limit: dec!(0) };
    fm.place_bracket(legs, t(0), &mut out);
    let rejected: Vec<_> = legs
        .iter()
        .map(|l| BrokerEvent::Rejected {
            id: l.id,
            code: CODE_REJECTED,
        })
        .collect();
    assert_eq!(out, rejected);
    out.clear();
    // A ninth decimal place: no exact fixed-point price, refused like IB's 201.
    let mut legs = bracket(4, OrderKind::Market, dec!(95), dec!(105));
    legs[1].kind = OrderKind::Stop {
        stop: dec!(95.000000001),
    };
    fm.place_bracket(legs, t(0), &mut out);
    assert!(out
        .iter()
        .all(|e| matches!(e, BrokerEvent::Rejected { code, .. } if *code == CODE_REJECTED)));
    assert_eq!(out.len(), 3);
    out.clear();
    let zero = order(2, Leg::Exit, Side::Buy, dec!(0), OrderKind::Market);
    fm.place(zero, t(0), &mut out);
    let ok = order(3, Leg::Exit, Side::Buy, dec!(1), OrderKind::Market);
    fm.place(ok, t(0), &mut out);
    fm.place(ok, t(0), &mut out);
    assert_eq!(
        out,
        vec![
            BrokerEvent::Rejected {
                id: zero.id,
                code: CODE_REJECTED
            },
            BrokerEvent::Working { id: ok.id },
            BrokerEvent::Rejected {
                id: ok.id,
                code: CODE_DUPLICATE_ID
            },
        ]
    );
}

#[test]
fn orders_only_trade_on_bars_of_their_symbol() {
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    let buy = order(1, Leg::Exit, Side::Buy, dec!(1), OrderKind::Market);
    fm.place(buy, t(0), &mut out);
    out.clear();
    let qqq = Symbol::new("QQQ").unwrap();
    fm.on_bar(
        &bar_of(qqq, 0, dec!(300), dec!(301), dec!(299), dec!(300)),
        &mut out,
    );
    assert!(out.is_empty());
    fm.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    assert_eq!(fills(&out), vec![(buy.id, dec!(100), dec!(0))]);
}

#[test]
fn stop_limit_fills_within_its_limit_or_rests_as_a_limit_after_a_gap() {
    let kind = OrderKind::StopLimit {
        stop: dec!(101),
        limit: dec!(101.50),
    };
    let buy = order(1, Leg::Exit, Side::Buy, dec!(10), kind);
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place(buy, t(0), &mut out);
    out.clear();
    fm.on_bar(
        &bar(0, dec!(100), dec!(101.2), dec!(99), dec!(101)),
        &mut out,
    );
    assert_eq!(fills(&out), vec![(buy.id, dec!(101), dec!(0))]);

    let mut gap = FillModel::new(no_costs());
    gap.place(buy, t(0), &mut out);
    out.clear();
    // Opens at 103, above the limit: triggered, rests as a 101.50 limit.
    gap.on_bar(
        &bar(0, dec!(103), dec!(104), dec!(101), dec!(102)),
        &mut out,
    );
    assert!(out.is_empty());
    gap.on_bar(
        &bar(1, dec!(102), dec!(102.5), dec!(101.4), dec!(102)),
        &mut out,
    );
    assert_eq!(fills(&out), vec![(buy.id, dec!(101.50), dec!(0))]);
}

#[test]
fn other_symbols_opens_may_come_between_a_bars_open_and_its_range() {
    // A step of two symbols: both opens, then both ranges. Each order trades
    // only against its own symbol's bar, and its range is still traded.
    let qqq = Symbol::new("QQQ").unwrap();
    let spy_limit = order(
        1,
        Leg::Entry,
        Side::Buy,
        dec!(1),
        OrderKind::Limit { limit: dec!(99) },
    );
    let qqq_limit = OrderSpec {
        symbol: qqq,
        ..order(
            2,
            Leg::Entry,
            Side::Buy,
            dec!(1),
            OrderKind::Limit { limit: dec!(49) },
        )
    };
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place(spy_limit, t(0), &mut out);
    fm.place(qqq_limit, t(0), &mut out);
    out.clear();
    let spy_bar = bar(0, dec!(100), dec!(101), dec!(98), dec!(100));
    let qqq_bar = Bar {
        symbol: qqq,
        ..bar(0, dec!(50), dec!(51), dec!(48), dec!(50))
    };
    fm.on_bar_open(&spy_bar, &mut out);
    fm.on_bar_open(&qqq_bar, &mut out);
    assert!(out.is_empty());
    fm.on_bar_range(&spy_bar, &mut out);
    fm.on_bar_range(&qqq_bar, &mut out);
    assert_eq!(
        fills(&out),
        vec![
            (spy_limit.id, dec!(99), dec!(0)),
            (qqq_limit.id, dec!(49), dec!(0))
        ]
    );
}
