//! Orders and executions: intents before send, idempotence, the status
//! lifecycle, unresolved orders, sequence numbers, execution dedup and
//! commissions.

use super::*;
use crate::journal::{JournalError, OrderStatus};

fn lmt(price: &str) -> OrderKind {
    OrderKind::Limit { limit: d(price) }
}

fn events(j: &Journal, order: &ClientOrderId) -> Vec<(String, String)> {
    let mut stmt = j
        .conn
        .prepare("SELECT state, filled FROM order_events WHERE order_ref = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([order.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn intent_is_idempotent_and_conflicts_are_refused() {
    let (_dir, _path, mut j) = fresh();
    let first = intent(1, Side::Buy, "100", lmt("10.00"));
    assert!(j.record_intent(&first).unwrap());
    // The same intent again (e.g. replayed after a restart): nothing new.
    assert!(!j.record_intent(&first).unwrap());
    // Same price written with another scale is the same intent.
    let same = OrderIntentRecord {
        kind: lmt("10.0"),
        ..first
    };
    assert!(!j.record_intent(&same).unwrap());
    let other = OrderIntentRecord {
        quantity: d("200"),
        ..first
    };
    let err = j.record_intent(&other).unwrap_err();
    assert!(matches!(err, JournalError::Conflict(_)), "{err:?}");
    let stored = j.order(&first.order_ref).unwrap().unwrap();
    assert_eq!(stored.quantity, d("100"));
    assert_eq!(stored.kind, lmt("10.00"));
    assert_eq!(stored.trading_day, day());
    assert_eq!(events(&j, &first.order_ref).len(), 1);
}

#[test]
fn bracket_is_journaled_all_or_nothing() {
    let (_dir, _path, mut j) = fresh();
    let entry = intent(4, Side::Buy, "100", lmt("10.00"));
    let stop = OrderIntentRecord {
        order_ref: id(4, Leg::StopLoss),
        side: Side::Sell,
        kind: OrderKind::Stop { stop: d("9.50") },
        parent: Some(entry.order_ref),
        ..entry
    };
    let bad_target = OrderIntentRecord {
        order_ref: id(4, Leg::TakeProfit),
        side: Side::Sell,
        kind: lmt("0"),
        parent: Some(entry.order_ref),
        ..entry
    };
    let err = j.record_intents(&[entry, stop, bad_target]).unwrap_err();
    assert!(matches!(err, JournalError::InvalidRecord(_)), "{err:?}");
    assert_eq!(j.order(&entry.order_ref).unwrap(), None, "rolled back");

    let target = OrderIntentRecord {
        kind: lmt("11.00"),
        ..bad_target
    };
    assert_eq!(j.record_intents(&[entry, stop, target]).unwrap(), 3);
    let child = j.order(&id(4, Leg::StopLoss)).unwrap().unwrap();
    assert_eq!(child.parent, Some(entry.order_ref));
    assert_eq!(child.kind, OrderKind::Stop { stop: d("9.50") });
}

#[test]
fn child_of_an_unknown_parent_is_refused() {
    let (_dir, _path, mut j) = fresh();
    let orphan = OrderIntentRecord {
        order_ref: id(9, Leg::StopLoss),
        parent: Some(id(9, Leg::Entry)),
        ..intent(9, Side::Sell, "5", OrderKind::Stop { stop: d("9") })
    };
    let err = j.record_intent(&orphan).unwrap_err();
    assert!(matches!(err, JournalError::UnknownOrder(ref r) if r == "fta-20260105-s3-000009-E"));
}

#[test]
fn order_lifecycle_and_history() {
    let (_dir, _path, mut j) = fresh();
    let o = intent(1, Side::Buy, "100", lmt("10.00"));
    let r = o.order_ref;
    j.record_intent(&o).unwrap();
    j.mark_sent(&r, 17, ny(9, 31, 0)).unwrap();
    let sent = j.order(&r).unwrap().unwrap();
    assert_eq!(
        (sent.state, sent.ib_order_id),
        (OrderStatus::Sent, Some(17))
    );
    // Sent twice with the same id: no change; with another id: conflict.
    j.mark_sent(&r, 17, ny(9, 31, 1)).unwrap();
    assert!(matches!(
        j.mark_sent(&r, 18, ny(9, 31, 2)),
        Err(JournalError::Conflict(_))
    ));

    let w = OrderStatus::Working;
    assert_eq!(j.record_status(&r, w, d("0"), ny(9, 31, 3)).unwrap(), w);
    // IB repeats statuses; a repeat writes nothing.
    assert_eq!(j.record_status(&r, w, d("0"), ny(9, 31, 4)).unwrap(), w);
    assert_eq!(j.record_status(&r, w, d("40"), ny(9, 32, 0)).unwrap(), w);
    let f = OrderStatus::Filled;
    assert_eq!(j.record_status(&r, f, d("100"), ny(9, 33, 0)).unwrap(), f);
    // A stale "working" after the fill is kept in the history but does not
    // reopen the order, and filled never goes down.
    assert_eq!(j.record_status(&r, w, d("40"), ny(9, 33, 1)).unwrap(), f);
    let done = j.order(&r).unwrap().unwrap();
    assert_eq!((done.state, done.filled), (f, d("100")));
    assert_eq!(done.updated_at, ny(9, 33, 0));
    let history: Vec<(String, String)> = events(&j, &r);
    let expected = [
        ("intent", "0"),
        ("sent", "0"),
        ("working", "0"),
        ("working", "40"),
        ("filled", "100"),
        ("working", "40"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(s, q)| (s.to_string(), q.to_string()))
        .collect();
    assert_eq!(history, expected);

    assert!(matches!(
        j.record_status(&r, OrderStatus::Intent, d("0"), ny(9, 34, 0)),
        Err(JournalError::InvalidRecord(_))
    ));
    assert!(matches!(
        j.record_status(&r, f, d("101"), ny(9, 34, 0)),
        Err(JournalError::InvalidRecord(_))
    ));
    assert!(matches!(
        j.record_status(&id(99, Leg::Entry), f, d("1"), ny(9, 34, 0)),
        Err(JournalError::UnknownOrder(_))
    ));
}

#[test]
fn order_events_are_append_only() {
    let (_dir, _path, mut j) = fresh();
    j.record_intent(&intent(1, Side::Buy, "1", OrderKind::Market))
        .unwrap();
    assert!(j
        .conn
        .execute("UPDATE order_events SET state = 'filled'", [])
        .is_err());
    assert!(j.conn.execute("DELETE FROM order_events", []).is_err());
}

#[test]
fn unresolved_orders_are_the_unfinished_ones() {
    let (_dir, _path, mut j) = fresh();
    for seq in 1..=7 {
        j.record_intent(&intent(seq, Side::Buy, "10", OrderKind::Market))
            .unwrap();
    }
    let r = |seq| id(seq, Leg::Entry);
    // 1 stays an intent (crash between journal and send).
    j.mark_sent(&r(2), 2, ny(10, 0, 0)).unwrap();
    j.mark_sent(&r(3), 3, ny(10, 0, 0)).unwrap();
    j.record_status(&r(3), OrderStatus::Working, d("5"), ny(10, 0, 1))
        .unwrap();
    j.record_status(&r(4), OrderStatus::Filled, d("10"), ny(10, 0, 1))
        .unwrap();
    j.record_status(&r(5), OrderStatus::Cancelled, d("0"), ny(10, 0, 1))
        .unwrap();
    j.record_status(&r(6), OrderStatus::Rejected, d("0"), ny(10, 0, 1))
        .unwrap();
    j.record_status(&r(7), OrderStatus::Unknown, d("0"), ny(10, 0, 1))
        .unwrap();
    let unresolved: Vec<(u32, OrderStatus)> = j
        .unresolved_orders()
        .unwrap()
        .iter()
        .map(|o| (o.order_ref.seq(), o.state))
        .collect();
    assert_eq!(
        unresolved,
        vec![
            (1, OrderStatus::Intent),
            (2, OrderStatus::Sent),
            (3, OrderStatus::Working),
            (7, OrderStatus::Unknown)
        ]
    );
}

#[test]
fn next_seq_follows_the_highest_of_the_day() {
    let (_dir, path, mut j) = fresh();
    assert_eq!(j.next_seq(day()).unwrap(), 1);
    for (strategy, seq) in [(3, 1), (0, 2), (5, 7)] {
        let o = OrderIntentRecord {
            order_ref: ClientOrderId::new(day(), strategy, seq, Leg::Entry),
            ..intent(seq, Side::Buy, "1", OrderKind::Market)
        };
        j.record_intent(&o).unwrap();
    }
    drop(j);
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.next_seq(day()).unwrap(), 8);
    let next_day = day().succ_opt().unwrap();
    assert_eq!(j.next_seq(next_day).unwrap(), 1);
}

#[test]
fn the_manual_namespace_is_numbered_on_its_own_and_reads_back() {
    use crate::domain::order_id::Namespace;
    let (_dir, _path, mut j) = fresh();
    for seq in [1, 2, 3] {
        j.record_intent(&intent(seq, Side::Buy, "1", OrderKind::Market))
            .unwrap();
    }
    assert_eq!(j.next_seq_in(day(), Namespace::Manual).unwrap(), 1);
    let manual = OrderIntentRecord {
        order_ref: ClientOrderId::manual(day(), 1),
        ..intent(9, Side::Sell, "3", OrderKind::Market)
    };
    j.record_intent(&manual).unwrap();
    // Each namespace counts its own: the bot's next is 4, the manual one's 2.
    assert_eq!(j.next_seq(day()).unwrap(), 4);
    assert_eq!(j.next_seq_in(day(), Namespace::Manual).unwrap(), 2);
    let read = j.order(&ClientOrderId::manual(day(), 1)).unwrap().unwrap();
    assert_eq!(read.order_ref.to_string(), "ftm-20260105-s65535-000001-F");
    assert_eq!(read.quantity, d("3"));
    assert_eq!(j.orders_on(day()).unwrap().len(), 4);
}

#[test]
fn executions_are_deduplicated_by_exec_id() {
    let (_dir, _path, mut j) = fresh();
    let e = exec("0001.01", Side::Buy, "100", "10.00", ny(9, 31, 0), None);
    assert!(j.record_execution(&e).unwrap());
    assert!(!j.record_execution(&e).unwrap());
    let count: i64 = j
        .conn
        .query_row("SELECT count(*) FROM executions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
    let moved = ExecutionRecord {
        price: d("10.01"),
        ..e.clone()
    };
    assert!(matches!(
        j.record_execution(&moved),
        Err(JournalError::Conflict(_))
    ));
    let bad = ExecutionRecord {
        quantity: d("0"),
        exec_id: "0002.01".to_string(),
        ..e.clone()
    };
    assert!(matches!(
        j.record_execution(&bad),
        Err(JournalError::InvalidRecord(_))
    ));
    assert_eq!(j.executions_on(day()).unwrap(), vec![e]);
}

#[test]
fn commissions_attach_to_their_execution() {
    let (_dir, _path, mut j) = fresh();
    let a = exec("A", Side::Buy, "100", "10.00", ny(9, 31, 0), None);
    let b = exec("B", Side::Sell, "100", "10.50", ny(9, 45, 0), None);
    j.record_execution(&a).unwrap();
    j.record_execution(&b).unwrap();
    j.record_commission("A", d("1.25")).unwrap();
    // A duplicate report that now carries the commission fills it in.
    let b_with = ExecutionRecord {
        commission: Some(d("-0.10")),
        ..b.clone()
    };
    assert!(!j.record_execution(&b_with).unwrap());
    let stored = j.executions_on(day()).unwrap();
    assert_eq!(stored[0].commission, Some(d("1.25")));
    assert_eq!(stored[1].commission, Some(d("-0.10")));
    assert!(matches!(
        j.record_commission("Z", d("1")),
        Err(JournalError::UnknownExecution(ref x)) if x == "Z"
    ));
}

#[test]
fn executions_belong_to_the_new_york_day_and_the_last_time_is_known() {
    let (_dir, _path, mut j) = fresh();
    assert_eq!(j.last_execution_time().unwrap(), None);
    // 2026-01-06 03:00 UTC is 22:00 on 2026-01-05 in New York.
    let late = Utc.with_ymd_and_hms(2026, 1, 6, 3, 0, 0).unwrap();
    let early = ny(9, 31, 0);
    j.record_execution(&exec("L", Side::Sell, "1", "10", late, None))
        .unwrap();
    j.record_execution(&exec("E", Side::Buy, "1", "10", early, None))
        .unwrap();
    let ids: Vec<String> = j
        .executions_on(day())
        .unwrap()
        .into_iter()
        .map(|e| e.exec_id)
        .collect();
    assert_eq!(ids, ["E", "L"]);
    assert!(j
        .executions_on(day().succ_opt().unwrap())
        .unwrap()
        .is_empty());
    assert_eq!(j.last_execution_time().unwrap(), Some(late));
}
