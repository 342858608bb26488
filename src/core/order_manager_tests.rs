//! Order manager tests: brackets from gate-approved intents, the order
//! lifecycle, adoption.

use super::*;
use crate::domain::types::{Instrument, OrderIntent, StrategyId};
use crate::risk::{AccountView, Decision, RiskGate, RiskLimits, RiskView};
use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

/// A cancel approval from a real gate (cancels always pass).
fn cancel_approval() -> CancelApproved {
    RiskGate::new(&RiskLimits::default(), &[], &[])
        .check_cancel(Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap())
}

/// Runs `intent` through a real gate (SPY at 100.00, $100k account).
fn approve(book: &OrderManager, intent: OrderIntent) -> Approved {
    let mut gate = RiskGate::new(
        &RiskLimits::default(),
        &[Instrument {
            symbol: spy(),
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        }],
        &[spy()],
    );
    let mut portfolio = Portfolio::new();
    portfolio.mark(spy(), dec!(100));
    let view = RiskView {
        portfolio: &portfolio,
        account: AccountView::new(dec!(100000), dec!(100000)),
        orders: book,
        data_age: None,
    };
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap();
    match gate.check(&intent, &view, now) {
        Decision::Approved(a) => a,
        Decision::Rejected(r) => panic!("rejected: {}", r.reason),
    }
}

use crate::domain::portfolio::Portfolio;

fn entry(quantity: Decimal) -> OrderIntent {
    OrderIntent {
        strategy: StrategyId(2),
        symbol: spy(),
        side: Side::Buy,
        quantity,
        kind: OrderKind::Market,
        purpose: IntentPurpose::Entry,
    }
}

#[test]
fn an_entry_becomes_a_bracket_with_the_gate_prices() {
    let mut book = OrderManager::new(7);
    let approved = approve(&book, entry(dec!(10)));
    let Command::PlaceBracket {
        entry,
        stop_loss,
        take_profit,
    } = book.submit(approved, day())
    else {
        panic!("entry did not become a bracket");
    };
    assert_eq!(entry.id().to_string(), "fta-20260105-s2-000007-E");
    assert_eq!(stop_loss.id().to_string(), "fta-20260105-s2-000007-S");
    assert_eq!(take_profit.parent(), Some(entry.id()));
    assert_eq!(stop_loss.side(), Side::Sell);
    // 100.00 × (1 − 0.05) = 95.00 and 100.00 × (1 + 0.10) = 110.00.
    assert_eq!(stop_loss.kind(), OrderKind::Stop { stop: dec!(95.00) });
    assert_eq!(
        take_profit.kind(),
        OrderKind::Limit {
            limit: dec!(110.00)
        }
    );
    assert_eq!(book.open_order_count(), 3);
    assert_eq!(book.next_seq(), 8);
    // Working buy exposure counts the entry only, not the contingent children.
    assert_eq!(book.working_quantity(spy(), Side::Buy), dec!(10));
    assert_eq!(book.working_quantity(spy(), Side::Sell), dec!(0));
}

#[test]
fn fills_and_cancels_close_orders() {
    let mut book = OrderManager::new(1);
    let approved = approve(&book, entry(dec!(10)));
    let Command::PlaceBracket {
        entry,
        stop_loss,
        take_profit,
    } = book.submit(approved, day())
    else {
        panic!("not a bracket");
    };
    assert!(book.on_working(entry.id()));
    assert!(book.on_fill(entry.id(), dec!(4)));
    assert_eq!(book.get(entry.id()).unwrap().remaining(), dec!(6));
    assert!(book.on_fill(entry.id(), dec!(6)));
    assert_eq!(book.get(entry.id()).unwrap().state, OrderState::Filled);
    assert_eq!(book.open_order_count(), 2);
    assert_eq!(
        book.cancel(take_profit.id(), cancel_approval()),
        Some(Command::Cancel(take_profit.id()))
    );
    assert!(book.on_cancelled(take_profit.id()));
    assert!(book.on_fill(stop_loss.id(), dec!(10)));
    assert_eq!(book.open_order_count(), 0);
    assert_eq!(book.closed_orders().len(), 3);
    // Late news about a closed order is recognised; unknown ids are not.
    assert!(book.on_working(entry.id()));
    assert!(!book.on_working(entry.id().with_leg(Leg::Exit)));
    assert_eq!(book.cancel(entry.id(), cancel_approval()), None);
}

#[test]
fn cancel_all_marks_every_working_order_and_asks_once() {
    let mut book = OrderManager::new(1);
    let approved = approve(&book, entry(dec!(10)));
    let _ = book.submit(approved, day());
    assert_eq!(book.cancel_all(cancel_approval()), Command::CancelAll);
    assert!(book
        .open_orders()
        .all(|o| o.state == OrderState::PendingCancel));
    assert_eq!(book.open_order_count(), 3);
}

#[test]
fn adopted_orders_push_the_sequence_past_them() {
    let mut book = OrderManager::new(1);
    let id = ClientOrderId::new(day(), 0, 41, Leg::StopLoss);
    book.adopt(FoundOrder {
        id,
        symbol: spy(),
        side: Side::Sell,
        quantity: dec!(5),
        kind: OrderKind::Stop { stop: dec!(90) },
        filled: dec!(0),
        parent: None,
    });
    assert_eq!(book.next_seq(), 42);
    assert_eq!(book.open_order_count(), 1);
    assert_eq!(book.get(id).unwrap().state, OrderState::Working);
}

#[test]
fn reserved_ids_push_the_sequence_past_them_but_never_back() {
    let mut book = OrderManager::new(5);
    book.reserve_past(ClientOrderId::new(day(), 0, 9, Leg::TakeProfit));
    assert_eq!(book.next_seq(), 10);
    book.reserve_past(ClientOrderId::new(day(), 2, 3, Leg::Entry));
    assert_eq!(book.next_seq(), 10);
    assert_eq!(book.open_order_count(), 0, "reserving adopts nothing");
}
