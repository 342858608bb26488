//! Brackets, OCA, cancels and engine commands, hand-computed like the
//! single-order scenarios in `tests.rs` (whose helpers they share).

use rust_decimal_macros::dec;

use super::tests::{bar, bracket, fills, no_costs, order, t};
use super::*;
use crate::core::order_manager::{Command, OrderTicket};
use crate::domain::order_id::Leg;

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

#[test]
fn an_exit_that_joined_the_bracket_and_its_stop_fill_once_at_a_gapped_open() {
    // Long 100 from a bracket (stop 95, target 105); the strategy's exit of
    // the 100 joins the bracket's OCA group. The next bar opens at 90, through
    // the stop: the stop (placed first) fills at the open and cancels the
    // exit and the target — one sale, the position is flat, not short.
    let legs = bracket(1, OrderKind::Market, dec!(95), dec!(105));
    let [entry, stop, target] = legs;
    let exit = OrderSpec {
        oca_with: Some(entry.id),
        ..order(2, Leg::Exit, Side::Sell, dec!(100), OrderKind::Market)
    };
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place_bracket(legs, t(0), &mut out);
    fm.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    fm.place(exit, t(1), &mut out);
    out.clear();
    fm.on_bar_open(&bar(1, dec!(90), dec!(91), dec!(88), dec!(89)), &mut out);
    assert_eq!(fills(&out), vec![(stop.id, dec!(90), dec!(0))]);
    assert_eq!(
        out[1..],
        [
            BrokerEvent::Cancelled { id: target.id },
            BrokerEvent::Cancelled { id: exit.id },
        ]
    );
    assert_eq!(fm.open_orders().count(), 0);

    // The exit first (a target cannot be reached at this open): it fills and
    // cancels both children.
    let mut fm = FillModel::new(no_costs());
    fm.place_bracket(legs, t(0), &mut out);
    fm.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    fm.place(exit, t(1), &mut out);
    out.clear();
    fm.on_bar(&bar(1, dec!(99), dec!(100), dec!(94), dec!(94.5)), &mut out);
    assert_eq!(fills(&out), vec![(exit.id, dec!(99), dec!(0))]);
    assert_eq!(
        out[1..],
        [
            BrokerEvent::Cancelled { id: stop.id },
            BrokerEvent::Cancelled { id: target.id },
        ]
    );
}

#[test]
fn an_exit_outside_any_group_still_fills_next_to_a_stop() {
    // An exit that joined nothing (e.g. of a different quantity) is not
    // linked to the stop: both trade, as at TWS.
    let legs = bracket(1, OrderKind::Market, dec!(95), dec!(105));
    let exit = order(2, Leg::Exit, Side::Sell, dec!(40), OrderKind::Market);
    let mut fm = FillModel::new(no_costs());
    let mut out = Vec::new();
    fm.place_bracket(legs, t(0), &mut out);
    fm.on_bar(&bar(0, dec!(100), dec!(101), dec!(99), dec!(100)), &mut out);
    fm.place(exit, t(1), &mut out);
    out.clear();
    fm.on_bar_open(&bar(1, dec!(90), dec!(91), dec!(88), dec!(89)), &mut out);
    assert_eq!(
        fills(&out),
        vec![
            (legs[1].id, dec!(90), dec!(0)),
            (exit.id, dec!(90), dec!(0))
        ]
    );
}
