use chrono::{NaiveDate, TimeZone, Utc};
use ibapi::contracts::Contract;
use ibapi::orders::{
    CommissionReport, Execution, ExecutionData, ExecutionSide, OrderData, OrderStatus as IbStatus,
};
use rust_decimal_macros::dec;

use super::*;
use crate::domain::order_id::Leg;
use crate::domain::types::Side;

fn our(seq: u32, leg: Leg) -> ClientOrderId {
    ClientOrderId::new(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), 1, seq, leg)
}

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

fn status(order_id: i32, kind: OrderStatusKind, filled: f64) -> OrderUpdate {
    OrderUpdate::OrderStatus(IbStatus {
        order_id,
        status: kind,
        filled,
        ..IbStatus::default()
    })
}

fn execution(order_id: i32, order_ref: &str, exec_id: &str, price: f64) -> OrderUpdate {
    OrderUpdate::ExecutionData(ExecutionData {
        contract: Contract::stock("SPY").build(),
        execution: Execution {
            order_id,
            order_reference: order_ref.to_string(),
            execution_id: exec_id.to_string(),
            time: "20260105 09:31:05 US/Eastern".to_string(),
            side: ExecutionSide::Bought,
            shares: 10.0,
            price,
            ..Execution::default()
        },
        ..ExecutionData::default()
    })
}

fn commission(exec_id: &str, amount: f64) -> OrderUpdate {
    OrderUpdate::CommissionReport(CommissionReport {
        execution_id: exec_id.to_string(),
        commission: amount,
        ..CommissionReport::default()
    })
}

fn book_with(id: ClientOrderId, ib: i32) -> OrderBook {
    let mut book = OrderBook::new();
    book.bind(id, ib);
    book
}

#[test]
fn statuses_of_our_orders_become_events_and_journal_rows() {
    let id = our(1, Leg::Entry);
    let mut book = book_with(id, 100);
    let cases = [
        (
            OrderStatusKind::PreSubmitted,
            OrderStatus::Working,
            Translated::Event(BrokerEvent::Working { id }),
        ),
        (
            OrderStatusKind::Submitted,
            OrderStatus::Working,
            Translated::Event(BrokerEvent::Working { id }),
        ),
        (
            OrderStatusKind::Cancelled,
            OrderStatus::Cancelled,
            Translated::Event(BrokerEvent::Cancelled { id }),
        ),
        (
            OrderStatusKind::ApiCancelled,
            OrderStatus::Cancelled,
            Translated::Event(BrokerEvent::Cancelled { id }),
        ),
        (
            OrderStatusKind::Inactive,
            OrderStatus::Rejected,
            Translated::Event(BrokerEvent::Rejected { id, code: 0 }),
        ),
        // Fills reach the engine as executions, not as a status.
        (
            OrderStatusKind::Filled,
            OrderStatus::Filled,
            Translated::Nothing,
        ),
    ];
    for (kind, journaled, engine) in cases {
        let decoded = book.decode(&status(100, kind.clone(), 4.0));
        assert_eq!(decoded.engine, engine, "{kind:?}");
        assert_eq!(
            decoded.journal,
            Some(JournalFact::Status {
                id,
                status: journaled,
                filled: dec!(4)
            }),
            "{kind:?}"
        );
    }
}

#[test]
fn a_status_for_an_order_id_we_never_bound_is_unaccounted() {
    let mut book = OrderBook::new();
    let decoded = book.decode(&status(7, OrderStatusKind::Submitted, 0.0));
    assert_eq!(decoded.journal, None);
    assert!(matches!(
        decoded.engine,
        Translated::Unaccounted(Unaccounted {
            order_id: 7,
            what: "order status",
            ..
        })
    ));
}

#[test]
fn an_execution_is_applied_once_and_journaled_every_time() {
    let id = our(2, Leg::Entry);
    let mut book = book_with(id, 100);
    let first = book.decode(&execution(100, &id.to_string(), "e1", 101.25));
    let Translated::Event(BrokerEvent::Filled { id: filled, fill }) = first.engine else {
        panic!("expected a fill, got {:?}", first.engine);
    };
    assert_eq!(filled, id);
    assert_eq!(
        (fill.symbol, fill.side, fill.quantity, fill.price),
        (spy(), Side::Buy, dec!(10), dec!(101.25))
    );
    assert_eq!(
        fill.time,
        Utc.with_ymd_and_hms(2026, 1, 5, 14, 31, 5).unwrap()
    );
    assert!(matches!(first.journal, Some(JournalFact::Execution(ref e)) if e.exec_id == "e1"));

    let again = book.decode(&execution(100, &id.to_string(), "e1", 101.25));
    assert_eq!(
        again.engine,
        Translated::Nothing,
        "a duplicate exec id is not applied twice"
    );
    assert!(
        again.journal.is_some(),
        "the journal is idempotent by exec id itself"
    );
}

#[test]
fn an_execution_found_by_order_ref_after_a_restart_is_ours() {
    let id = our(3, Leg::StopLoss);
    let mut book = OrderBook::new();
    let decoded = book.decode(&execution(555, &id.to_string(), "e9", 99.0));
    assert!(
        matches!(decoded.engine, Translated::Event(BrokerEvent::Filled { id: got, .. }) if got == id)
    );
}

#[test]
fn an_execution_with_an_unusable_price_is_dropped_and_halts() {
    let id = our(4, Leg::Entry);
    let mut book = book_with(id, 100);
    for price in [f64::NAN, 0.0, f64::MAX] {
        let decoded = book.decode(&execution(100, &id.to_string(), "bad", price));
        assert_eq!(decoded.journal, None, "price {price}: nothing journaled");
        assert!(
            matches!(
                decoded.engine,
                Translated::Unaccounted(Unaccounted {
                    what: "execution",
                    ..
                })
            ),
            "price {price}"
        );
    }
}

#[test]
fn another_clients_execution_is_journaled_and_left_alone() {
    let mut book = OrderBook::new();
    let decoded = book.decode(&execution(42, "", "x1", 100.0));
    assert!(matches!(decoded.journal, Some(JournalFact::Execution(_))));
    assert_eq!(decoded.engine, Translated::Nothing);
}

/// A `flatten` closing order (manual namespace, `ftm-…`) seen by a running
/// bot — open order, its status, its fill — is someone else's: journaled,
/// left alone, never unaccounted (which would halt the bot) and never bound.
#[test]
fn a_manual_flatten_order_is_left_alone_not_unaccounted() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let manual = ClientOrderId::manual(day, 1).to_string();
    let mut book = OrderBook::new();
    let mut data = OrderData {
        order_id: 77,
        ..OrderData::default()
    };
    data.order.order_ref = manual.clone();
    assert_eq!(
        book.decode(&OrderUpdate::OpenOrder(data)).engine,
        Translated::Nothing
    );
    assert_eq!(
        book.decode(&status(77, OrderStatusKind::Filled, 10.0))
            .engine,
        Translated::Nothing
    );
    let decoded = book.decode(&execution(77, &manual, "m1", 100.0));
    assert!(matches!(decoded.journal, Some(JournalFact::Execution(_))));
    assert_eq!(decoded.engine, Translated::Nothing);
    assert_eq!(book.lookup(77, &manual), None);
}

#[test]
fn an_execution_with_our_prefix_we_cannot_account_for_halts() {
    let mut book = OrderBook::new();
    let decoded = book.decode(&execution(43, "fta-garbled", "x2", 100.0));
    assert!(matches!(
        decoded.engine,
        Translated::Unaccounted(Unaccounted { order_id: 43, .. })
    ));
}

#[test]
fn a_commission_follows_its_execution_once() {
    let id = our(5, Leg::Entry);
    let mut book = book_with(id, 100);
    book.decode(&execution(100, &id.to_string(), "e5", 100.0));
    let decoded = book.decode(&commission("e5", 1.05));
    assert_eq!(
        decoded.engine,
        Translated::Event(BrokerEvent::Commission {
            id,
            symbol: spy(),
            amount: dec!(1.05)
        })
    );
    assert_eq!(
        decoded.journal,
        Some(JournalFact::Commission {
            exec_id: "e5".into(),
            amount: dec!(1.05)
        })
    );
    assert_eq!(
        book.decode(&commission("e5", 1.05)).engine,
        Translated::Nothing
    );
    assert_eq!(
        book.decode(&commission("unknown", 1.0)).engine,
        Translated::Nothing
    );
}

#[test]
fn an_open_order_of_ours_binds_its_ib_id() {
    let id = our(6, Leg::TakeProfit);
    let mut book = OrderBook::new();
    let mut data = OrderData {
        order_id: 321,
        ..OrderData::default()
    };
    data.order.order_ref = id.to_string();
    assert_eq!(
        book.decode(&OrderUpdate::OpenOrder(data)).engine,
        Translated::Nothing
    );
    assert_eq!(book.ib_id(id), Some(321));
    assert_eq!(book.lookup(321, ""), Some(id));

    // A manual order (client 0, no orderRef) and its status: left alone.
    let foreign = OrderData {
        order_id: 9,
        ..OrderData::default()
    };
    assert_eq!(
        book.decode(&OrderUpdate::OpenOrder(foreign)).engine,
        Translated::Nothing
    );
    assert_eq!(
        book.decode(&status(9, OrderStatusKind::Submitted, 0.0))
            .engine,
        Translated::Nothing
    );
    // Our prefix on an order we cannot account for: halts.
    let mut garbled = OrderData {
        order_id: 10,
        ..OrderData::default()
    };
    garbled.order.order_ref = "fta-garbled".into();
    assert!(matches!(
        book.decode(&OrderUpdate::OpenOrder(garbled)).engine,
        Translated::Unaccounted(Unaccounted { order_id: 10, .. })
    ));
}

#[test]
fn order_bound_codes_map_to_events_only_for_our_orders() {
    let id = our(7, Leg::Entry);
    let book = book_with(id, 100);
    assert_eq!(
        book.rejection(100, codes::ORDER_CANCELLED, ""),
        Some(BrokerEvent::Cancelled { id })
    );
    assert_eq!(
        book.rejection(100, codes::ORDER_REJECTED, ""),
        Some(BrokerEvent::Rejected { id, code: 201 })
    );
    assert_eq!(
        book.rejection(100, codes::REQUEST_INVALID, ""),
        Some(BrokerEvent::Rejected { id, code: 321 })
    );
    assert_eq!(
        book.rejection(100, codes::ORDER_WARNING, ""),
        None,
        "a warning leaves the order working"
    );
    assert_eq!(
        book.rejection(101, codes::ORDER_REJECTED, ""),
        None,
        "not ours"
    );
}

#[test]
fn another_clients_option_fill_is_never_read_as_shares() {
    let mut book = OrderBook::new();
    let OrderUpdate::ExecutionData(mut data) = execution(42, "", "o1", 3.5) else {
        unreachable!()
    };
    data.contract = Contract::option(
        "SPY",
        "20260116",
        600.0,
        ibapi::contracts::OptionRight::Call,
    );
    let decoded = book.decode(&OrderUpdate::ExecutionData(data));
    assert_eq!(decoded.journal, None, "not journaled as SPY shares");
    assert_eq!(decoded.engine, Translated::Nothing);
}

#[test]
fn a_parked_order_stays_parked_until_it_reaches_the_exchange() {
    let id = our(8, Leg::Entry);
    let mut book = book_with(id, 100);
    let text = "Order Message:\nSELL 10 SPY ARCA\nWarning: your order will not be placed at the exchange until 2026-01-06 09:30:00 US/Eastern";
    assert_eq!(
        book.note_parked(101, codes::ORDER_WARNING, text),
        None,
        "not ours"
    );
    assert_eq!(
        book.note_parked(100, codes::ORDER_WARNING, "size warning"),
        None
    );
    assert_eq!(book.note_parked(100, codes::ORDER_WARNING, text), Some(id));
    let parked = |book: &OrderBook| -> Vec<(ClientOrderId, String)> {
        book.parked()
            .map(|(id, until)| (id, until.to_string()))
            .collect()
    };
    assert_eq!(
        parked(&book),
        [(id, "2026-01-06 09:30:00 US/Eastern".to_string())]
    );
    // PreSubmitted again (TWS repeats it) keeps it parked; Submitted at the open ends it.
    book.decode(&status(100, OrderStatusKind::PreSubmitted, 0.0));
    assert_eq!(parked(&book).len(), 1);
    book.decode(&status(100, OrderStatusKind::Submitted, 0.0));
    assert!(parked(&book).is_empty());
}
