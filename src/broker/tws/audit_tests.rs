//! The audit's findings from hand-built snapshots and books.

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use super::*;
use crate::core::order_manager::OrderTicket;
use crate::domain::order_id::Leg;
use crate::domain::portfolio::Portfolio;
use crate::domain::types::{OrderKind, Side, Symbol};

fn id(seq: u32) -> ClientOrderId {
    ClientOrderId::new(
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        0,
        seq,
        Leg::StopLoss,
    )
}

fn managed(seq: u32, state: OrderState) -> ManagedOrder {
    ManagedOrder {
        ticket: OrderTicket::for_test(
            id(seq),
            Symbol::new("SPY").unwrap(),
            Side::Sell,
            dec!(10),
            OrderKind::Stop { stop: dec!(95) },
            None,
        ),
        state,
        filled: dec!(0),
        cancel_failures: 0,
    }
}

fn at_tws(seqs: &[u32], requested_at: Instant) -> TwsRead {
    let orders = seqs
        .iter()
        .map(|&seq| BrokerOrder {
            order_id: seq as i32,
            client_id: 7,
            order_ref: id(seq).to_string(),
            symbol: Symbol::new("SPY").unwrap(),
            side: Side::Sell,
            quantity: dec!(10),
            kind: OrderKind::Stop { stop: dec!(95) },
            parent_id: 0,
            status: "Submitted".to_string(),
        })
        .collect();
    TwsRead {
        requested_at,
        orders,
        positions: None,
    }
}

#[test]
fn a_working_order_missing_twice_in_a_row_has_vanished() {
    let start = Instant::now();
    let mut audit = OrderAudit::new(Duration::from_secs(10));
    audit.on_sent(id(1), start);
    audit.on_sent(id(2), start);
    let book = [
        managed(1, OrderState::Working),
        managed(2, OrderState::Working),
    ];
    let later = start + Duration::from_secs(1);
    // Missing once: only a suspect (its status may still be in flight).
    assert_eq!(
        audit.check(
            &at_tws(&[2], later),
            book.iter(),
            &Portfolio::default(),
            &[]
        ),
        Findings::default()
    );
    // Back in the list: no longer a suspect.
    assert_eq!(
        audit.check(
            &at_tws(&[1, 2], later),
            book.iter(),
            &Portfolio::default(),
            &[]
        ),
        Findings::default()
    );
    assert_eq!(
        audit.check(
            &at_tws(&[2], later),
            book.iter(),
            &Portfolio::default(),
            &[]
        ),
        Findings::default()
    );
    let found = audit.check(
        &at_tws(&[2], later),
        book.iter(),
        &Portfolio::default(),
        &[],
    );
    assert_eq!(found.vanished, [id(1)]);
    assert!(found.unacknowledged.is_empty());
}

#[test]
fn an_order_is_unacknowledged_only_after_the_timeout() {
    let start = Instant::now();
    let mut audit = OrderAudit::new(Duration::from_secs(10));
    audit.on_sent(id(1), start);
    let book = [managed(1, OrderState::PendingSubmit)];
    let early = at_tws(&[], start + Duration::from_secs(9));
    assert_eq!(
        audit.check(&early, book.iter(), &Portfolio::default(), &[]),
        Findings::default()
    );
    let late = at_tws(&[], start + Duration::from_secs(10));
    assert_eq!(
        audit
            .check(&late, book.iter(), &Portfolio::default(), &[])
            .unacknowledged,
        [id(1)]
    );
    // Listed at TWS (its status still on the way): acknowledged enough.
    let listed = at_tws(&[1], start + Duration::from_secs(20));
    assert_eq!(
        audit.check(&listed, book.iter(), &Portfolio::default(), &[]),
        Findings::default()
    );
}

#[test]
fn an_order_sent_after_the_snapshot_was_requested_is_not_judged_by_it() {
    let start = Instant::now();
    let mut audit = OrderAudit::new(Duration::from_secs(10));
    audit.on_sent(id(1), start + Duration::from_secs(5));
    let book = [managed(1, OrderState::Working)];
    for _ in 0..3 {
        assert_eq!(
            audit.check(&at_tws(&[], start), book.iter(), &Portfolio::default(), &[]),
            Findings::default()
        );
    }
}

#[test]
fn a_position_moved_outside_the_bot_is_reported_once_when_it_lasts() {
    let spy = Symbol::new("SPY").unwrap();
    let mut portfolio = Portfolio::with_symbols(&[spy]);
    portfolio
        .restore_position(spy, dec!(10), dec!(100))
        .unwrap();
    let start = Instant::now();
    let mut audit = OrderAudit::new(Duration::from_secs(10));
    let mut check = |secs: u64, tws: Decimal, last_fills: &[(Symbol, Instant)]| {
        let read = TwsRead {
            requested_at: start + Duration::from_secs(secs),
            orders: Vec::new(),
            positions: Some(vec![(spy, tws)]),
        };
        audit
            .check(&read, std::iter::empty(), &portfolio, last_fills)
            .positions
    };
    assert!(check(0, dec!(10), &[]).is_empty());
    // A fill on its way: one read differs, the next agrees.
    assert!(check(1, dec!(20), &[]).is_empty());
    assert!(check(12, dec!(10), &[]).is_empty());
    // A read requested before a fill the bot has since applied proves nothing.
    assert!(check(13, dec!(0), &[(spy, start + Duration::from_secs(14))]).is_empty());
    assert!(check(30, dec!(0), &[(spy, start + Duration::from_secs(14))]).is_empty());
    // 15 by hand (or another client): the same difference for 10 s is reported, once.
    assert!(check(40, dec!(25), &[]).is_empty());
    assert!(check(45, dec!(25), &[]).is_empty());
    let expected = PositionDifference {
        symbol: spy,
        bot: dec!(10),
        tws: dec!(25),
    };
    assert_eq!(check(50, dec!(25), &[]), [expected]);
    assert!(check(60, dec!(25), &[]).is_empty());
}
