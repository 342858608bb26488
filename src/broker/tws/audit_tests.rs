//! The audit's findings from hand-built snapshots and books.

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use super::*;
use crate::core::order_manager::OrderTicket;
use crate::domain::order_id::Leg;
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

fn at_tws(seqs: &[u32], requested_at: Instant) -> OpenOrders {
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
    OpenOrders {
        requested_at,
        orders,
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
        audit.check(&at_tws(&[2], later), book.iter()),
        Findings::default()
    );
    // Back in the list: no longer a suspect.
    assert_eq!(
        audit.check(&at_tws(&[1, 2], later), book.iter()),
        Findings::default()
    );
    assert_eq!(
        audit.check(&at_tws(&[2], later), book.iter()),
        Findings::default()
    );
    let found = audit.check(&at_tws(&[2], later), book.iter());
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
    assert_eq!(audit.check(&early, book.iter()), Findings::default());
    let late = at_tws(&[], start + Duration::from_secs(10));
    assert_eq!(audit.check(&late, book.iter()).unacknowledged, [id(1)]);
    // Listed at TWS (its status still on the way): acknowledged enough.
    let listed = at_tws(&[1], start + Duration::from_secs(20));
    assert_eq!(audit.check(&listed, book.iter()), Findings::default());
}

#[test]
fn an_order_sent_after_the_snapshot_was_requested_is_not_judged_by_it() {
    let start = Instant::now();
    let mut audit = OrderAudit::new(Duration::from_secs(10));
    audit.on_sent(id(1), start + Duration::from_secs(5));
    let book = [managed(1, OrderState::Working)];
    for _ in 0..3 {
        assert_eq!(
            audit.check(&at_tws(&[], start), book.iter()),
            Findings::default()
        );
    }
}
