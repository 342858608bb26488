//! Hand-computed fill scenarios. Bars are daily-ish: bar `n` starts at
//! `T0 + n hours` and lasts an hour; orders are placed at a bar's end.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::core::order_id::Leg;
use crate::core::order_manager::{Command, OrderTicket};

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

fn t(n: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2021-03-31T13:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + Duration::hours(n)
}

/// Bar `n` of `symbol`: open, high, low, close.
fn bar_of(symbol: Symbol, n: i64, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Bar {
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

fn bar(n: i64, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Bar {
    bar_of(spy(), n, o, h, l, c)
}

fn id(seq: u32, leg: Leg) -> ClientOrderId {
    ClientOrderId::new(NaiveDate::from_ymd_opt(2021, 3, 31).unwrap(), 0, seq, leg)
}

fn order(seq: u32, leg: Leg, side: Side, qty: Decimal, kind: OrderKind) -> OrderSpec {
    OrderSpec {
        id: id(seq, leg),
        symbol: spy(),
        side,
        quantity: qty,
        kind,
        parent: None,
    }
}

fn bracket(seq: u32, entry: OrderKind, stop: Decimal, target: Decimal) -> [OrderSpec; 3] {
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

fn no_costs() -> FillConfig {
    FillConfig {
        commission: Commission::zero(),
        ..FillConfig::default()
    }
}

/// (id, price, commission) of every fill, in order.
fn fills(events: &[BrokerEvent]) -> Vec<(ClientOrderId, Decimal, Decimal)> {
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
fn bracket_children_wait_for_the_parent_and_stop_wins_when_both_cross() {
    let legs = bracket(7, OrderKind::Market, dec!(95), dec!(105));
    let [entry, stop, target] = legs;
    let mut fm = FillModel::new(FillConfig::default());
    let mut out = Vec::new();
    fm.place_bracket(legs, t(1), &mut out);
    assert_eq!(
        out,
        vec![
            BrokerEvent::Working { id: entry.id },
            BrokerEvent::Working { id: stop.id },
            BrokerEvent::Working { id: target.id },
        ]
    );
    out.clear();
    // Children are held: a bar crossing both before the entry fills does nothing.
    fm.on_bar(&bar(0, dec!(100), dec!(106), dec!(94), dec!(100)), &mut out);
    assert!(out.is_empty());
    // Entry at the open (100); the same bar reaches 106 and 94: the stop fills
    // first (pessimistic), the target is cancelled (OCA).
    fm.on_bar(&bar(1, dec!(100), dec!(106), dec!(94), dec!(100)), &mut out);
    assert_eq!(
        fills(&out),
        // 100 sh: 0.50 → $1 minimum each.
        vec![(entry.id, dec!(100), dec!(1)), (stop.id, dec!(95), dec!(1))]
    );
    assert_eq!(out[2], BrokerEvent::Cancelled { id: target.id });
    assert_eq!(out.len(), 3);
    assert_eq!(fm.open_orders().count(), 0);
}

#[test]
fn target_fills_and_cancels_the_stop() {
    let legs = bracket(1, OrderKind::Market, dec!(95), dec!(105));
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place_bracket(legs, t(0), &mut out);
    out.clear();
    fm.on_bar(&bar(0, dec!(100), dec!(102), dec!(99), dec!(101)), &mut out);
    assert_eq!(fills(&out), vec![(legs[0].id, dec!(100), dec!(0))]);
    out.clear();
    // Gap up through the target: a limit sell fills at the better open.
    fm.on_bar(
        &bar(1, dec!(107), dec!(108), dec!(106), dec!(107)),
        &mut out,
    );
    assert_eq!(fills(&out), vec![(legs[2].id, dec!(107), dec!(0))]);
    assert_eq!(out[1], BrokerEvent::Cancelled { id: legs[1].id });
}

#[test]
fn intrabar_entry_checks_the_stop_now_but_the_target_only_next_bar() {
    let legs = bracket(1, OrderKind::Limit { limit: dec!(99) }, dec!(97), dec!(101));
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place_bracket(legs, t(0), &mut out);
    out.clear();
    // Opens 100, trades down to 98 (entry at 99), high 102: the target (101)
    // may have printed before the entry, so it waits for the next bar.
    fm.on_bar(&bar(0, dec!(100), dec!(102), dec!(98), dec!(100)), &mut out);
    assert_eq!(fills(&out), vec![(legs[0].id, dec!(99), dec!(0))]);
    out.clear();
    fm.on_bar(
        &bar(1, dec!(100), dec!(101.5), dec!(99.5), dec!(101)),
        &mut out,
    );
    assert_eq!(fills(&out), vec![(legs[2].id, dec!(101), dec!(0))]);

    // Same entry, but the bar goes on down to 96: the stop fills in the same bar.
    let mut fm = FillModel::new(no_costs());
    fm.place_bracket(legs, t(0), &mut out);
    out.clear();
    fm.on_bar(
        &bar(0, dec!(100), dec!(102), dec!(96), dec!(96.5)),
        &mut out,
    );
    assert_eq!(
        fills(&out),
        vec![
            (legs[0].id, dec!(99), dec!(0)),
            (legs[1].id, dec!(97), dec!(0))
        ]
    );
    assert_eq!(out[2], BrokerEvent::Cancelled { id: legs[2].id });
}

#[test]
fn cancel_parent_cancels_held_children_and_cancel_all_empties_the_book() {
    let legs = bracket(1, OrderKind::Limit { limit: dec!(90) }, dec!(85), dec!(95));
    let other = order(
        2,
        Leg::Exit,
        Side::Sell,
        dec!(5),
        OrderKind::Limit { limit: dec!(200) },
    );
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place_bracket(legs, t(0), &mut out);
    fm.place(other, t(0), &mut out);
    out.clear();
    fm.cancel(legs[0].id, &mut out);
    let cancelled: Vec<_> = legs
        .iter()
        .map(|l| BrokerEvent::Cancelled { id: l.id })
        .collect();
    assert_eq!(out, cancelled);
    out.clear();
    fm.cancel(legs[0].id, &mut out);
    assert!(out.is_empty(), "a finished order cannot be cancelled twice");
    fm.cancel_all(&mut out);
    assert_eq!(out, vec![BrokerEvent::Cancelled { id: other.id }]);
    assert_eq!(fm.open_orders().count(), 0);
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
fn engine_commands_drive_the_same_rules() {
    let [e, s, tp] = bracket(3, OrderKind::Market, dec!(95), dec!(105));
    let ticket =
        |o: OrderSpec| OrderTicket::for_test(o.id, o.symbol, o.side, o.quantity, o.kind, o.parent);
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    let place = Command::PlaceBracket {
        entry: ticket(e),
        stop_loss: ticket(s),
        take_profit: ticket(tp),
    };
    fm.submit(&place, t(0), &mut out);
    assert_eq!(out.len(), 3);
    out.clear();
    fm.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    assert_eq!(fills(&out), vec![(e.id, dec!(100), dec!(0))]);
    out.clear();
    fm.submit(&Command::Cancel(s.id), t(1), &mut out);
    assert_eq!(out, vec![BrokerEvent::Cancelled { id: s.id }]);
    out.clear();
    let exit = order(4, Leg::Exit, Side::Sell, dec!(100), OrderKind::Market);
    fm.submit(&Command::Place(ticket(exit)), t(1), &mut out);
    fm.submit(&Command::CancelAll, t(1), &mut out);
    assert_eq!(
        out,
        vec![
            BrokerEvent::Working { id: exit.id },
            BrokerEvent::Cancelled { id: tp.id },
            BrokerEvent::Cancelled { id: exit.id },
        ]
    );
}

#[test]
fn a_reaction_between_open_and_range_can_cancel_protection() {
    // Long 100 with a working stop at 95; the strategy exits at the open.
    let stop = OrderSpec {
        parent: None,
        ..order(
            1,
            Leg::StopLoss,
            Side::Sell,
            dec!(100),
            OrderKind::Stop { stop: dec!(95) },
        )
    };
    let exit = order(2, Leg::Exit, Side::Sell, dec!(100), OrderKind::Market);
    let b = bar(0, dec!(97), dec!(98), dec!(94), dec!(95));

    // Without a reaction both sell: the position would flip short.
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place(stop, t(0), &mut out);
    fm.place(exit, t(0), &mut out);
    out.clear();
    fm.on_bar(&b, &mut out);
    assert_eq!(
        fills(&out),
        vec![(exit.id, dec!(97), dec!(0)), (stop.id, dec!(95), dec!(0))]
    );

    // The engine hears of the exit at the open and cancels the stop first.
    let mut fm = FillModel::new(no_costs());
    fm.place(stop, t(0), &mut out);
    fm.place(exit, t(0), &mut out);
    out.clear();
    fm.on_bar_open(&b, &mut out);
    assert_eq!(fills(&out), vec![(exit.id, dec!(97), dec!(0))]);
    fm.cancel(stop.id, &mut out);
    // A new order placed at the open trades from the next bar only.
    let late = order(
        3,
        Leg::Exit,
        Side::Buy,
        dec!(1),
        OrderKind::Limit { limit: dec!(96) },
    );
    fm.place(late, t(0), &mut out);
    out.clear();
    fm.on_bar_range(&b, &mut out);
    assert!(out.is_empty());
    fm.on_bar(&bar(1, dec!(97), dec!(98), dec!(95), dec!(96)), &mut out);
    assert_eq!(fills(&out), vec![(late.id, dec!(96), dec!(0))]);
}
