//! The protection invariant ([`Engine::protect`]) after the broker events
//! that break it: a refused or cancelled stop, a parent filled after its
//! stop child was refused, a broker that keeps refusing; and the
//! freshness limit on entries.

use rust_decimal_macros::dec;

use super::super::tests::{bar, engine, filled_bracket, spy, spy_fill, t0};
use super::*;

/// The one stand-alone stop in `out`: (id, side, quantity, stop price).
fn new_stop(out: &Output) -> (ClientOrderId, Side, Decimal, Decimal) {
    let stops: Vec<_> = out
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::Place(t) => match t.kind() {
                OrderKind::Stop { stop } => Some((t.id(), t.side(), t.quantity(), stop)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(stops.len(), 1, "expected one new stop: {:?}", out.commands);
    stops[0]
}

/// The first bar's bracket, sent and not yet acknowledged (`out` cleared
/// after): its entry, stop and target ids.
fn sent_bracket(engine: &mut Engine, out: &mut Output) -> [ClientOrderId; 3] {
    engine.on_market(&bar(0, dec!(100)), out);
    let Command::PlaceBracket {
        entry,
        stop_loss,
        take_profit,
    } = out.commands[0]
    else {
        panic!("no bracket: {:?}", out.commands);
    };
    out.clear();
    [entry.id(), stop_loss.id(), take_profit.id()]
}

/// `id` refused by TWS with 201.
fn refused(id: ClientOrderId) -> BrokerEvent {
    BrokerEvent::Rejected { id, code: 201 }
}

fn unprotected(out: &Output) -> Vec<Repair> {
    out.notices
        .iter()
        .filter_map(|n| match n {
            Notice::Unprotected { repair, .. } => Some(*repair),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stop_refused_after_the_entry_filled_is_replaced_in_the_same_event() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let ([_, stop_loss, _], _) = filled_bracket(&mut engine, &mut out);
    engine.on_broker(&refused(stop_loss), t0(), &mut out);
    let (id, side, quantity, stop) = new_stop(&out);
    // Average cost 100 × (1 − 0.05) = 95.00, for all 100 shares.
    assert_eq!((side, quantity, stop), (Side::Sell, dec!(100), dec!(95)));
    assert_eq!(id.leg(), Leg::StopLoss);
    assert_eq!(unprotected(&out), [Repair::Stop]);
    assert_eq!(engine.state(), TradingState::Active);
}

#[test]
fn a_stop_cancelled_from_outside_is_put_back_and_a_refused_target_is_not() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let ([_, stop_loss, take_profit], _) = filled_bracket(&mut engine, &mut out);
    engine.on_broker(&refused(take_profit), t0(), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    // The refused target is no longer counted as working.
    let working: Vec<_> = engine
        .orders()
        .open_orders()
        .map(|o| o.ticket.id())
        .collect();
    assert_eq!(working, [stop_loss]);

    engine.on_broker(&BrokerEvent::Cancelled { id: stop_loss }, t0(), &mut out);
    assert_eq!(new_stop(&out).2, dec!(100));
}

#[test]
fn a_parent_filled_after_its_stop_was_refused_gets_a_stop_with_the_fill() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let [entry, stop_loss, _] = sent_bracket(&mut engine, &mut out);
    engine.on_broker(&refused(stop_loss), t0(), &mut out);
    assert!(out.commands.is_empty(), "flat: nothing to protect yet");
    // Half the entry fills: the stop covers what is held.
    let fill = spy_fill(Side::Buy, dec!(40), dec!(100), dec!(0));
    engine.on_broker(&BrokerEvent::Filled { id: entry, fill }, t0(), &mut out);
    assert_eq!(new_stop(&out).2, dec!(40));
    out.clear();
    // The rest fills: the new 60 are covered by a second stop.
    let fill = spy_fill(Side::Buy, dec!(60), dec!(100), dec!(0));
    engine.on_broker(&BrokerEvent::Filled { id: entry, fill }, t0(), &mut out);
    assert_eq!(new_stop(&out).2, dec!(60));
}

#[test]
fn a_broker_that_keeps_refusing_stops_gets_a_close_then_a_halt_once() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let ([_, mut stop, _], _) = filled_bracket(&mut engine, &mut out);
    for _ in 0..STOP_REPAIRS {
        engine.on_broker(&refused(stop), t0(), &mut out);
        stop = new_stop(&out).0;
        out.clear();
    }
    engine.on_broker(&refused(stop), t0(), &mut out);
    assert_eq!(unprotected(&out), [Repair::Close]);
    let Some(&Command::Place(close)) = out.commands.first() else {
        panic!("expected a market close: {:?}", out.commands);
    };
    assert_eq!(
        (close.kind(), close.quantity()),
        (OrderKind::Market, dec!(100))
    );
    out.clear();
    engine.on_broker(&refused(close.id()), t0(), &mut out);
    assert_eq!(unprotected(&out), [Repair::Impossible]);
    assert_eq!(engine.state(), TradingState::Halted);
    // Said once: later events about the symbol stay quiet.
    out.clear();
    engine.protect(spy(), t0(), &mut out);
    assert!(out.notices.is_empty() && out.commands.is_empty(), "{out:?}");
}

#[test]
fn after_the_emergency_cancel_nothing_is_re_protected() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let ([_, stop_loss, take_profit], _) = filled_bracket(&mut engine, &mut out);
    engine.cancel_all(t0(), &mut out);
    out.clear();
    for id in [stop_loss, take_profit] {
        engine.on_broker(&BrokerEvent::Cancelled { id }, t0(), &mut out);
    }
    assert!(out.commands.is_empty(), "{:?}", out.commands);
}

#[test]
fn an_entry_on_data_older_than_two_bar_lengths_is_refused() {
    let (mut engine, rejections) = engine(dec!(10));
    let mut out = Output::default();
    // A 60-s bar ending at t0 + 1 min: the limit is 2 × 60 s = 120 s.
    let late = bar(0, dec!(100));
    let end = late.time();
    engine.on_market_received(&late, end + chrono::Duration::seconds(121), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    let refused: Vec<_> = out
        .notices
        .iter()
        .filter_map(|n| match n {
            Notice::Rejected(r) => Some(r.reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        [crate::risk::RejectReason::StaleData {
            symbol: spy(),
            age_ms: 121_000,
            limit_ms: 120_000
        }]
    );
    assert_eq!(rejections.lock().unwrap().len(), 1);
    out.clear();
    let fresh = bar(1, dec!(100));
    let end = fresh.time();
    engine.on_market_received(&fresh, end + chrono::Duration::seconds(119), &mut out);
    assert!(
        matches!(out.commands.first(), Some(Command::PlaceBracket { .. })),
        "{:?}",
        out.notices
    );
}

#[test]
fn stops_acknowledged_then_removed_are_put_back_up_to_the_overall_cap() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let ([_, mut stop, _], _) = filled_bracket(&mut engine, &mut out);
    for round in 0..MAX_STOP_REPAIRS {
        engine.on_broker(&BrokerEvent::Working { id: stop }, t0(), &mut out);
        out.clear();
        engine.on_broker(&BrokerEvent::Cancelled { id: stop }, t0(), &mut out);
        assert_eq!(unprotected(&out), [Repair::Stop], "round {round}");
        stop = new_stop(&out).0;
    }
    out.clear();
    engine.on_broker(&BrokerEvent::Working { id: stop }, t0(), &mut out);
    engine.on_broker(&BrokerEvent::Cancelled { id: stop }, t0(), &mut out);
    assert_eq!(unprotected(&out), [Repair::Close]);
}

#[test]
fn a_refused_transmitting_leg_cancels_the_untransmitted_entry() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    let [entry, _, take_profit] = sent_bracket(&mut engine, &mut out);
    engine.on_broker(&refused(take_profit), t0(), &mut out);
    assert_eq!(out.commands, [Command::Cancel(entry)]);
}

#[test]
fn a_position_left_alone_is_neither_protected_nor_flattened() {
    let (mut engine, _) = engine(dec!(10));
    engine.restore_position(spy(), dec!(50), dec!(100)).unwrap();
    engine.leave_alone(spy());
    let mut out = Output::default();
    engine.protect_positions(t0(), &mut out);
    engine.flatten_all(t0(), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    assert!(unprotected(&out).is_empty());
}
