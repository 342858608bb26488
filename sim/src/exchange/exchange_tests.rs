//! Exchange unit tests: hand-computed fill prices, statuses and commissions.

use chrono::TimeZone;
use chrono_tz::America::New_York;
use rust_decimal_macros::dec;

use super::*;
use crate::config::SymbolSpec;

fn setup() -> (Exchange, Market, Account) {
    let market = Market::new(&SymbolSpec::default_universe(), 1, 0);
    (
        Exchange::new(false, Commissions::default(), Hours::Always),
        market,
        Account::new("DU1", dec!(100000)),
    )
}

fn now() -> DateTime<Tz> {
    New_York.with_ymd_and_hms(2026, 1, 5, 9, 30, 0).unwrap()
}

fn order(
    action: Action,
    qty: Decimal,
    t: OrderType,
    lmt: Option<Decimal>,
    aux: Option<Decimal>,
) -> NewOrder {
    NewOrder {
        symbol: "AAPL".into(),
        action,
        qty,
        order_type: t,
        lmt,
        aux,
        parent_id: 0,
        oca_group: String::new(),
        oca_type: 0,
        order_ref: "ref".into(),
        tif: "DAY".into(),
        account: "DU1".into(),
        transmit: true,
        outside_rth: false,
    }
}

/// Events as short codes: S<index> status, F<exec> fill, C<exec> commission, E<code> error.
fn sig(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Status(i, o) => format!("S{i}:{}", o.status),
            Event::Fill(i) => format!("F{i}"),
            Event::Commission(i) => format!("C{i}"),
            Event::Error { code, .. } => format!("E{code}"),
        })
        .collect()
}

fn set(market: &mut Market, price: Decimal) {
    let i = market.index("AAPL").unwrap();
    market.set_last(i, price, dec!(100));
}

#[test]
fn market_buy_fills_at_ask_with_min_commission_in_wire_order() {
    let (mut ex, m, mut a) = setup();
    let ev = ex.place(
        1,
        10,
        order(Action::Buy, dec!(100), OrderType::Market, None, None),
        &m,
        &mut a,
        now(),
    );
    assert_eq!(sig(&ev), ["S0:Submitted", "F0", "S0:Filled", "C0"]);
    let e = &ex.executions()[0];
    assert_eq!(
        (e.price, e.shares, e.commission),
        (dec!(230.01), dec!(100), dec!(1.00))
    );
    assert_eq!(ex.orders()[0].status, Status::Filled);
    assert_eq!(a.holding("AAPL").qty, dec!(100));
}

#[test]
fn limit_rests_until_crossed_then_fills_at_touch() {
    let (mut ex, mut m, mut a) = setup();
    ex.place(
        1,
        1,
        order(
            Action::Buy,
            dec!(10),
            OrderType::Limit,
            Some(dec!(229.00)),
            None,
        ),
        &m,
        &mut a,
        now(),
    );
    assert_eq!(ex.orders()[0].status, Status::Submitted);
    set(&mut m, dec!(229.50)); // ask 229.51 > 229.00
    assert!(ex.on_price("AAPL", &m, &mut a, now()).is_empty());
    set(&mut m, dec!(228.99)); // ask 229.00 <= limit
    ex.on_price("AAPL", &m, &mut a, now());
    assert_eq!(ex.executions()[0].price, dec!(229.00));
    assert_eq!(ex.orders()[0].status, Status::Filled);
}

#[test]
fn sell_stop_triggers_on_last_and_fills_at_bid_through_gap() {
    let (mut ex, mut m, mut a) = setup();
    ex.place(
        1,
        1,
        order(
            Action::Sell,
            dec!(5),
            OrderType::Stop,
            None,
            Some(dec!(225.00)),
        ),
        &m,
        &mut a,
        now(),
    );
    set(&mut m, dec!(225.01));
    assert!(ex.on_price("AAPL", &m, &mut a, now()).is_empty());
    set(&mut m, dec!(220.00)); // gap through the stop: fills at bid 219.99
    ex.on_price("AAPL", &m, &mut a, now());
    assert_eq!(ex.executions()[0].price, dec!(219.99));
}

#[test]
fn stop_limit_does_not_fill_past_its_limit() {
    let (mut ex, mut m, mut a) = setup();
    ex.place(
        1,
        1,
        order(
            Action::Sell,
            dec!(5),
            OrderType::StopLimit,
            Some(dec!(224.50)),
            Some(dec!(225.00)),
        ),
        &m,
        &mut a,
        now(),
    );
    set(&mut m, dec!(224.00)); // triggered, bid 223.99 < limit 224.50
    assert!(ex.on_price("AAPL", &m, &mut a, now()).is_empty());
    assert!(ex.orders()[0].triggered);
    set(&mut m, dec!(224.60)); // bid 224.59 >= 224.50
    ex.on_price("AAPL", &m, &mut a, now());
    assert_eq!(ex.executions()[0].price, dec!(224.59));
}

#[test]
fn bracket_waits_for_transmit_then_stop_fill_cancels_target() {
    let (mut ex, mut m, mut a) = setup();
    let mut parent = order(
        Action::Buy,
        dec!(10),
        OrderType::Limit,
        Some(dec!(229.00)),
        None,
    );
    parent.transmit = false;
    let mut target = order(
        Action::Sell,
        dec!(10),
        OrderType::Limit,
        Some(dec!(240.00)),
        None,
    );
    target.parent_id = 1;
    target.transmit = false;
    let mut stop = order(
        Action::Sell,
        dec!(10),
        OrderType::Stop,
        None,
        Some(dec!(225.00)),
    );
    stop.parent_id = 1;
    assert!(ex.place(1, 1, parent, &m, &mut a, now()).is_empty());
    assert!(ex.place(1, 2, target, &m, &mut a, now()).is_empty());
    let ev = ex.place(1, 3, stop, &m, &mut a, now());
    assert_eq!(
        sig(&ev),
        ["S0:Submitted", "S1:PreSubmitted", "S2:PreSubmitted"]
    );
    assert_eq!(ex.orders()[1].status, Status::PreSubmitted);
    set(&mut m, dec!(228.99)); // parent fills at 229.00, children activate
    ex.on_price("AAPL", &m, &mut a, now());
    assert_eq!(ex.orders()[0].status, Status::Filled);
    assert_eq!(ex.orders()[1].status, Status::Submitted);
    set(&mut m, dec!(224.00)); // stop fills at 223.99, target cancelled
    let ev = ex.on_price("AAPL", &m, &mut a, now());
    assert_eq!(ex.orders()[2].status, Status::Filled);
    assert_eq!(ex.orders()[1].status, Status::Cancelled);
    assert!(ev.contains(&Event::Error {
        client_id: 1,
        id: 2,
        code: 202,
        message: "Order Canceled - reason:".into()
    }));
    assert_eq!(a.holding("AAPL").qty, dec!(0));
}

#[test]
fn oca_group_fill_cancels_other_members() {
    let (mut ex, mut m, mut a) = setup();
    let mut x = order(
        Action::Buy,
        dec!(1),
        OrderType::Limit,
        Some(dec!(220.00)),
        None,
    );
    x.oca_group = "G".into();
    x.oca_type = 1;
    let mut y = order(
        Action::Buy,
        dec!(1),
        OrderType::Stop,
        None,
        Some(dec!(240.00)),
    );
    y.oca_group = "G".into();
    y.oca_type = 1;
    ex.place(1, 1, x, &m, &mut a, now());
    ex.place(1, 2, y, &m, &mut a, now());
    set(&mut m, dec!(241.00));
    ex.on_price("AAPL", &m, &mut a, now());
    assert_eq!(ex.orders()[1].status, Status::Filled);
    assert_eq!(ex.orders()[0].status, Status::Cancelled);
}

#[test]
fn cancel_unknown_duplicate_id_and_modify() {
    let (mut ex, m, mut a) = setup();
    let ev = ex.cancel(1, 99);
    assert!(matches!(
        &ev[0],
        Event::Error {
            code: 10_147,
            id: 99,
            ..
        }
    ));
    ex.place(
        1,
        1,
        order(Action::Buy, dec!(1), OrderType::Market, None, None),
        &m,
        &mut a,
        now(),
    );
    let ev = ex.place(
        1,
        1,
        order(Action::Buy, dec!(1), OrderType::Market, None, None),
        &m,
        &mut a,
        now(),
    );
    assert!(matches!(
        &ev[0],
        Event::Error {
            code: 103,
            id: 1,
            ..
        }
    ));
    ex.place(
        1,
        2,
        order(
            Action::Buy,
            dec!(5),
            OrderType::Limit,
            Some(dec!(200.00)),
            None,
        ),
        &m,
        &mut a,
        now(),
    );
    ex.place(
        1,
        2,
        order(
            Action::Buy,
            dec!(7),
            OrderType::Limit,
            Some(dec!(201.00)),
            None,
        ),
        &m,
        &mut a,
        now(),
    );
    assert_eq!(
        (ex.orders()[1].qty, ex.orders()[1].lmt),
        (dec!(7), Some(dec!(201.00)))
    );
    let ev = ex.cancel(1, 2);
    assert_eq!(sig(&ev), ["S1:Cancelled", "E202"]);
    assert_eq!(ex.orders()[1].status, Status::Cancelled);
}

#[test]
fn partial_fills_respect_displayed_size() {
    let market = Market::new(&SymbolSpec::default_universe(), 1, 0);
    let mut ex = Exchange::new(true, Commissions::default(), Hours::Always);
    let mut a = Account::new("DU1", dec!(10000000));
    let shown = market
        .quote(market.index("AAPL").unwrap())
        .unwrap()
        .ask_size;
    ex.place(
        1,
        1,
        order(Action::Buy, shown + dec!(50), OrderType::Market, None, None),
        &market,
        &mut a,
        now(),
    );
    assert_eq!(ex.orders()[0].filled, shown);
    assert_eq!(ex.orders()[0].status, Status::Submitted);
    ex.on_price("AAPL", &market, &mut a, now());
    assert_eq!(ex.orders()[0].status, Status::Filled);
    // commission over the whole order: (shown+50) * 0.005, min 1
    let total: Decimal = ex.executions().iter().map(|e| e.commission).sum();
    assert_eq!(
        total,
        ((shown + dec!(50)) * dec!(0.005)).max(dec!(1)).round_dp(2)
    );
}

/// An exchange on NYSE hours.
fn nyse() -> (Exchange, Market, Account) {
    let (_, market, account) = setup();
    let ex = Exchange::new(false, Commissions::default(), Hours::Nyse);
    (ex, market, account)
}

/// Monday 2026-01-05 (a full session), New York wall clock.
fn at(hour: u32, minute: u32) -> DateTime<Tz> {
    New_York
        .with_ymd_and_hms(2026, 1, 5, hour, minute, 0)
        .unwrap()
}

#[test]
fn a_market_order_after_the_close_is_parked_with_399_and_fills_at_the_next_open() {
    let (mut ex, m, mut a) = nyse();
    let buy = order(Action::Buy, dec!(100), OrderType::Market, None, None);
    let ev = ex.place(1, 7, buy, &m, &mut a, at(17, 0));
    assert_eq!(sig(&ev), ["S0:PreSubmitted", "E399"]);
    let Event::Error { message, .. } = &ev[1] else {
        unreachable!()
    };
    assert_eq!(
        message,
        "Order Message:\nBUY 100 AAPL NASDAQ.NMS\nWarning: your order will not be placed at the exchange until 2026-01-06 09:30:00 US/Eastern"
    );
    // Nothing at 09:29 the next morning; at 09:30 it works and fills.
    let morning = |h, m| New_York.with_ymd_and_hms(2026, 1, 6, h, m, 0).unwrap();
    assert!(ex.on_clock(morning(9, 29), &m, &mut a).is_empty());
    let ev = ex.on_clock(morning(9, 30), &m, &mut a);
    assert_eq!(sig(&ev), ["S0:Submitted", "F0", "S0:Filled", "C0"]);
}

#[test]
fn outside_rth_lets_a_limit_fill_after_hours_but_not_a_market_order() {
    let (mut ex, m, mut a) = nyse();
    let limit = NewOrder {
        outside_rth: true,
        ..order(
            Action::Buy,
            dec!(10),
            OrderType::Limit,
            Some(dec!(231)),
            None,
        )
    };
    let ev = ex.place(1, 1, limit, &m, &mut a, at(17, 0));
    assert_eq!(sig(&ev), ["S0:Submitted", "F0", "S0:Filled", "C0"]);
    let market = NewOrder {
        outside_rth: true,
        ..order(Action::Buy, dec!(10), OrderType::Market, None, None)
    };
    let ev = ex.place(1, 2, market, &m, &mut a, at(17, 0));
    assert_eq!(sig(&ev), ["S1:PreSubmitted", "E399"]);
}

#[test]
fn day_orders_expire_at_the_close_and_gtc_orders_stay() {
    let (mut ex, m, mut a) = nyse();
    let resting = |tif: &str| NewOrder {
        tif: tif.into(),
        ..order(
            Action::Buy,
            dec!(10),
            OrderType::Limit,
            Some(dec!(200)),
            None,
        )
    };
    ex.place(1, 1, resting("DAY"), &m, &mut a, at(15, 0));
    ex.place(1, 2, resting("GTC"), &m, &mut a, at(15, 0));
    assert!(ex.on_clock(at(15, 59), &m, &mut a).is_empty());
    let ev = ex.on_clock(at(16, 0), &m, &mut a);
    assert_eq!(sig(&ev), ["S0:Cancelled"]);
    assert_eq!(ex.orders()[1].status, Status::Submitted);
    // A DAY order placed after the close is for the next session.
    ex.place(1, 3, resting("DAY"), &m, &mut a, at(16, 30));
    assert!(ex.on_clock(at(16, 31), &m, &mut a).is_empty());
    assert_eq!(ex.orders()[2].status, Status::PreSubmitted);
}

#[test]
fn a_working_stop_does_not_trigger_outside_regular_hours() {
    let (mut ex, mut m, mut a) = nyse();
    let stop = NewOrder {
        tif: "GTC".into(),
        ..order(
            Action::Sell,
            dec!(10),
            OrderType::Stop,
            None,
            Some(dec!(220)),
        )
    };
    ex.place(1, 1, stop, &m, &mut a, at(15, 0));
    set(&mut m, dec!(219));
    assert!(ex.on_price("AAPL", &m, &mut a, at(17, 0)).is_empty());
    assert_eq!(ex.orders()[0].status, Status::Submitted);
    let next_open = New_York.with_ymd_and_hms(2026, 1, 6, 9, 30, 0).unwrap();
    let ev = ex.on_price("AAPL", &m, &mut a, next_open);
    assert_eq!(sig(&ev), ["F0", "S0:Filled", "C0"]);
}
