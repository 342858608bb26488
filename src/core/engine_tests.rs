//! Engine tests with a tiny scripted strategy and the real risk gate.

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::domain::types::Bar;
use crate::strategy::StrategyContext;

/// Buys `quantity` at market on every bar while flat; records rejections.
struct BuyWhenFlat {
    symbols: [Symbol; 1],
    quantity: Decimal,
    rejections: Arc<Mutex<Vec<String>>>,
}

impl Strategy for BuyWhenFlat {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        60
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        if ctx.position(event.symbol()).is_zero() {
            let _ = out.push(OrderIntent {
                strategy: ctx.id(),
                symbol: event.symbol(),
                side: Side::Buy,
                quantity: self.quantity,
                kind: OrderKind::Market,
                purpose: IntentPurpose::Entry,
            });
        }
    }

    fn on_order_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        _ctx: &StrategyContext<'_>,
        _out: &mut Intents,
    ) {
        if let OrderOutcome::Rejected { reason, .. } = outcome {
            self.rejections.lock().unwrap().push(reason.to_string());
        }
    }
}

pub(super) fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

pub(super) fn t0() -> DateTime<Utc> {
    // 2026-01-05 10:00 New York (EST, UTC−5).
    Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap()
}

pub(super) fn bar(minute: i64, close: Decimal) -> MarketEvent {
    MarketEvent::Bar(Bar {
        symbol: spy(),
        start: t0() + Duration::minutes(minute),
        seconds: 60,
        open: close,
        high: close,
        low: close,
        close,
        volume: dec!(1000),
    })
}

/// A SPY execution at `t0()`.
pub(super) fn spy_fill(side: Side, quantity: Decimal, price: Decimal, commission: Decimal) -> Fill {
    Fill {
        symbol: spy(),
        side,
        quantity,
        price,
        commission,
        time: t0(),
    }
}

pub(super) fn engine(quantity: Decimal) -> (Engine, Arc<Mutex<Vec<String>>>) {
    let rejections = Arc::new(Mutex::new(Vec::new()));
    let strategy = BuyWhenFlat {
        symbols: [spy()],
        quantity,
        rejections: rejections.clone(),
    };
    let config = EngineConfig {
        limits: RiskLimits::default(),
        instruments: vec![Instrument {
            symbol: spy(),
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        }],
        account: AccountView::new(dec!(100000), dec!(100000)),
        next_seq: 1,
        broker_enforces_oca: false,
        max_data_age: None,
        regular_hours_only: false,
    };
    (Engine::new(config, vec![Box::new(strategy)]), rejections)
}

/// A bracket for 100 SPY sent and its entry filled at 100 (`out` cleared
/// after): its entry, stop and target ids, and the entry's fill.
pub(super) fn filled_bracket(engine: &mut Engine, out: &mut Output) -> ([ClientOrderId; 3], Fill) {
    engine.on_market(&bar(0, dec!(100)), out);
    let Command::PlaceBracket {
        entry,
        stop_loss,
        take_profit,
    } = out.commands[0]
    else {
        panic!("no bracket");
    };
    let buy = spy_fill(Side::Buy, dec!(100), dec!(100), dec!(0));
    engine.on_broker(
        &BrokerEvent::Filled {
            id: entry.id(),
            fill: buy,
        },
        t0(),
        out,
    );
    out.clear();
    ([entry.id(), stop_loss.id(), take_profit.id()], buy)
}

/// [`filled_bracket`], then its stop filled at 95: flat, and `out` holds
/// what the engine answered. Returns the target's id.
fn stopped_out(engine: &mut Engine, out: &mut Output) -> ClientOrderId {
    let ([_, stop_loss, take_profit], buy) = filled_bracket(engine, out);
    let sell = Fill {
        side: Side::Sell,
        price: dec!(95),
        ..buy
    };
    engine.on_broker(
        &BrokerEvent::Filled {
            id: stop_loss,
            fill: sell,
        },
        t0(),
        out,
    );
    take_profit
}

#[test]
fn a_signal_becomes_a_bracket_with_stop_and_target() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    assert_eq!(out.commands.len(), 1, "{:?}", out.notices);
    let Command::PlaceBracket {
        entry,
        stop_loss,
        take_profit,
    } = out.commands[0]
    else {
        panic!("expected a bracket, got {:?}", out.commands[0]);
    };
    assert_eq!(entry.quantity(), dec!(100));
    assert_eq!(stop_loss.kind(), OrderKind::Stop { stop: dec!(95.00) });
    assert_eq!(
        take_profit.kind(),
        OrderKind::Limit {
            limit: dec!(110.00)
        }
    );
    assert!(matches!(out.notices[0], Notice::Approved(_)));
}

#[test]
fn an_oversize_intent_is_rejected_and_the_strategy_is_told_why() {
    // 200 × $100 = $20 000: under the $50 000 notional cap, over 15 % of $100 000.
    let (mut engine, rejections) = engine(dec!(200));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    assert!(matches!(out.notices[0], Notice::Rejected(_)));
    let told = rejections.lock().unwrap().clone();
    assert!(!told.is_empty());
    assert!(told[0].to_lowercase().contains("position"), "{told:?}");
}

#[test]
fn fills_update_the_portfolio_and_a_daily_loss_halts_for_good() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let Command::PlaceBracket { entry, .. } = out.commands[0] else {
        panic!("no bracket");
    };
    out.clear();
    let fill = spy_fill(Side::Buy, dec!(100), dec!(100), dec!(1));
    engine.on_broker(
        &BrokerEvent::Filled {
            id: entry.id(),
            fill,
        },
        t0(),
        &mut out,
    );
    assert_eq!(engine.portfolio().quantity(spy()), dec!(100));
    // A fall to 70 loses 100 × 30 + 1 = 3 001 > 2 % of 100 000.
    out.clear();
    engine.on_market(&bar(1, dec!(70)), &mut out);
    assert_eq!(engine.state(), TradingState::Halted);
    assert!(out
        .notices
        .iter()
        .any(|n| matches!(n, Notice::StateChanged(c) if c.to == TradingState::Halted)));
    // The strategy keeps asking (it is not flat after a stop fill), but nothing new passes.
    let stop = entry.id().with_leg(Leg::StopLoss);
    let exit = Fill {
        side: Side::Sell,
        price: dec!(70),
        ..fill
    };
    engine.on_broker(
        &BrokerEvent::Filled {
            id: stop,
            fill: exit,
        },
        t0(),
        &mut out,
    );
    assert_eq!(engine.portfolio().quantity(spy()), dec!(0));
    out.clear();
    engine.on_market(&bar(2, dec!(100)), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    assert_eq!(engine.state(), TradingState::Halted);
}

#[test]
fn an_unknown_order_halts_trading() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    let stranger = ClientOrderId::new(Engine::trading_day(t0()), 9, 99, Leg::Entry);
    engine.on_broker(&BrokerEvent::Working { id: stranger }, t0(), &mut out);
    assert_eq!(engine.state(), TradingState::Halted);
    assert!(out.notices.contains(&Notice::UnknownOrder(stranger)));
}

#[test]
fn flatten_cancels_protection_then_closes_with_a_reduce_only_order() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let Command::PlaceBracket { entry, .. } = out.commands[0] else {
        panic!("no bracket");
    };
    let fill = spy_fill(Side::Buy, dec!(100), dec!(100), dec!(0));
    engine.on_broker(
        &BrokerEvent::Filled {
            id: entry.id(),
            fill,
        },
        t0(),
        &mut out,
    );
    engine.stop_strategies();
    out.clear();
    engine.flatten_all(t0(), &mut out);
    let cancels = out
        .commands
        .iter()
        .filter(|c| matches!(c, Command::Cancel(_)))
        .count();
    assert_eq!(cancels, 2, "{:?}", out.commands);
    let Some(Command::Place(ticket)) = out.commands.last() else {
        panic!("no flatten order: {:?}", out.commands);
    };
    assert_eq!(ticket.side(), Side::Sell);
    assert_eq!(ticket.quantity(), dec!(100));
    assert_eq!(ticket.kind(), OrderKind::Market);
    assert_eq!(ticket.id().leg(), Leg::Flatten);
}

#[test]
fn an_exit_that_flattens_cancels_the_leftover_protection() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let ([entry, stop_loss, take_profit], buy) = filled_bracket(&mut engine, &mut out);
    // Some other order of ours (an exit) sells the whole position.
    let exit_id = entry.with_leg(Leg::Exit);
    engine.adopt_order(FoundOrder {
        id: exit_id,
        symbol: spy(),
        side: Side::Sell,
        quantity: dec!(100),
        kind: OrderKind::Market,
        filled: dec!(0),
        parent: None,
    });
    let sell = Fill {
        side: Side::Sell,
        price: dec!(101),
        ..buy
    };
    engine.on_broker(
        &BrokerEvent::Filled {
            id: exit_id,
            fill: sell,
        },
        t0(),
        &mut out,
    );
    assert_eq!(engine.portfolio().quantity(spy()), dec!(0));
    assert!(
        out.commands.contains(&Command::Cancel(stop_loss)),
        "{:?}",
        out.commands
    );
    assert!(
        out.commands.contains(&Command::Cancel(take_profit)),
        "{:?}",
        out.commands
    );
}

#[test]
fn a_bar_older_than_a_fill_does_not_overwrite_the_fill_price() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let Command::PlaceBracket { entry, .. } = out.commands[0] else {
        panic!("no bracket");
    };
    // Filled at 97.00 at minute 5 (later than the bar below ends).
    let fill = Fill {
        symbol: spy(),
        side: Side::Buy,
        quantity: dec!(10),
        price: dec!(97),
        commission: dec!(0),
        time: t0() + Duration::minutes(5),
    };
    engine.on_broker(
        &BrokerEvent::Filled {
            id: entry.id(),
            fill,
        },
        t0(),
        &mut out,
    );
    assert_eq!(engine.portfolio().last_price(spy()), Some(dec!(97)));
    // A bar that closed at minute 2, delivered late, is stale for marking.
    engine.on_market(&bar(1, dec!(100)), &mut out);
    assert_eq!(engine.portfolio().last_price(spy()), Some(dec!(97)));
    // A bar ending after the fill marks again.
    engine.on_market(&bar(6, dec!(98)), &mut out);
    assert_eq!(engine.portfolio().last_price(spy()), Some(dec!(98)));
}

#[test]
fn a_new_trading_day_resets_the_daily_loss_baseline() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let Command::PlaceBracket { entry, .. } = out.commands[0] else {
        panic!("no bracket");
    };
    let fill = spy_fill(Side::Buy, dec!(100), dec!(100), dec!(0));
    engine.on_broker(
        &BrokerEvent::Filled {
            id: entry.id(),
            fill,
        },
        t0(),
        &mut out,
    );
    // Day 1: down 100 × 15 = 1 500 (1.5 %), under the 2 % limit.
    engine.on_market(&bar(10, dec!(85)), &mut out);
    assert_eq!(engine.state(), TradingState::Active);
    // Day 2 (a day later): another 1 000 lost is 1 % of the new baseline, not
    // 2.5 % of the old one: still ACTIVE.
    engine.on_market(&bar(24 * 60, dec!(85)), &mut out);
    engine.on_market(&bar(24 * 60 + 1, dec!(75)), &mut out);
    assert_eq!(engine.state(), TradingState::Active, "{:?}", out.notices);
    // But another 1 000 on day 2 (2 000 = 2 %) halts.
    engine.on_market(&bar(24 * 60 + 2, dec!(65)), &mut out);
    assert_eq!(engine.state(), TradingState::Halted);
}

#[test]
fn the_brokers_worse_day_pnl_decides_the_daily_loss() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    assert_eq!(engine.state(), TradingState::Active);
    // The bot's own accounting says flat; IB reports −2 500 for the day
    // (net liquidation 97 500 against a 100 000 start): 2.5 % ≥ 2 %.
    engine.set_net_liquidation(dec!(97500));
    engine.on_market(&bar(1, dec!(100)), &mut out);
    assert_eq!(engine.portfolio().net_pnl(), dec!(0));
    assert_eq!(engine.state(), TradingState::Halted);
}

#[test]
fn an_unprotected_position_gets_a_stop_from_its_average_cost_once() {
    let (mut engine, _) = engine(dec!(10));
    engine
        .restore_position(spy(), dec!(10), dec!(100.01))
        .unwrap();
    let mut out = Output::default();
    engine.protect_positions(t0(), &mut out);
    assert_eq!(out.commands.len(), 1, "{:?}", out.notices);
    let Command::Place(stop) = out.commands[0] else {
        panic!("expected one order, got {:?}", out.commands[0]);
    };
    assert_eq!(stop.side(), Side::Sell);
    assert_eq!(stop.quantity(), dec!(10));
    // 100.01 × 0.95 = 95.0095, rounded toward the entry: 95.01.
    assert_eq!(stop.kind(), OrderKind::Stop { stop: dec!(95.01) });
    assert_eq!(stop.id().leg(), Leg::StopLoss);
    assert_eq!(stop.id().strategy(), ENGINE_STRATEGY.0);
    // Covered now: a second pass sends nothing.
    out.clear();
    engine.protect_positions(t0(), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
}

#[test]
fn a_short_is_protected_above_and_a_covered_position_is_left_alone() {
    let (mut short, _) = engine(dec!(10));
    short.restore_position(spy(), dec!(-4), dec!(50)).unwrap();
    let mut out = Output::default();
    short.protect_positions(t0(), &mut out);
    let Command::Place(stop) = out.commands[0] else {
        panic!("expected one order, got {:?}", out.commands);
    };
    // 50 × 1.05 = 52.50 for a buy stop over a short of 4.
    assert_eq!((stop.side(), stop.quantity()), (Side::Buy, dec!(4)));
    assert_eq!(stop.kind(), OrderKind::Stop { stop: dec!(52.50) });

    let (mut covered, _) = engine(dec!(10));
    covered
        .restore_position(spy(), dec!(10), dec!(100))
        .unwrap();
    covered.adopt_order(FoundOrder {
        id: ClientOrderId::new(Engine::trading_day(t0()), 0, 3, Leg::StopLoss),
        symbol: spy(),
        side: Side::Sell,
        quantity: dec!(10),
        kind: OrderKind::Stop { stop: dec!(94) },
        filled: dec!(0),
        parent: None,
    });
    let mut out = Output::default();
    covered.protect_positions(t0(), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
}

/// Buys 10 when flat; sells everything when long.
struct InAndOut {
    symbols: [Symbol; 1],
}

impl Strategy for InAndOut {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        60
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let position = ctx.position(event.symbol());
        let (side, quantity, purpose) = if position.is_zero() {
            (Side::Buy, dec!(10), IntentPurpose::Entry)
        } else {
            (Side::Sell, position, IntentPurpose::Exit)
        };
        let _ = out.push(OrderIntent {
            strategy: ctx.id(),
            symbol: event.symbol(),
            side,
            quantity,
            kind: OrderKind::Market,
            purpose,
        });
    }
}

#[test]
fn a_full_exit_joins_the_oca_group_of_the_bracket_it_replaces() {
    let config = EngineConfig {
        limits: RiskLimits::default(),
        instruments: vec![Instrument {
            symbol: spy(),
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        }],
        account: AccountView::new(dec!(100000), dec!(100000)),
        next_seq: 1,
        broker_enforces_oca: false,
        max_data_age: None,
        regular_hours_only: false,
    };
    let mut engine = Engine::new(config, vec![Box::new(InAndOut { symbols: [spy()] })]);
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let Command::PlaceBracket { entry, .. } = out.commands[0] else {
        panic!("no bracket: {:?}", out.commands);
    };
    let buy = spy_fill(Side::Buy, dec!(10), dec!(100), dec!(0));
    engine.on_broker(
        &BrokerEvent::Filled {
            id: entry.id(),
            fill: buy,
        },
        t0(),
        &mut out,
    );
    out.clear();
    engine.on_market(&bar(1, dec!(101)), &mut out);
    let Some(Command::Place(exit)) = out.commands.first() else {
        panic!("no exit: {:?}", out.commands);
    };
    assert_eq!(exit.id().leg(), Leg::Exit);
    assert_eq!(exit.side(), Side::Sell);
    // With the stop and target in one OCA group, whichever fills first cancels
    // the others at the broker: never a second sell.
    assert_eq!(exit.oca_with(), Some(entry.id()));
}

#[test]
fn reduce_only_refuses_entries_until_the_next_new_york_day() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    engine.reduce_only(t0(), &mut out);
    assert_eq!(engine.state(), TradingState::Reducing);
    assert!(matches!(
        out.notices.as_slice(),
        [Notice::StateChanged(StateChange {
            from: TradingState::Active,
            to: TradingState::Reducing,
            reason: crate::risk::ChangeReason::Reducing,
        })]
    ));
    out.clear();
    engine.reduce_only(t0(), &mut out);
    assert!(out.notices.is_empty(), "latched once: {:?}", out.notices);
    engine.on_market(&bar(1, dec!(100)), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    assert!(matches!(
        out.notices.as_slice(),
        [Notice::Rejected(Rejected {
            reason: crate::risk::RejectReason::Reducing,
            ..
        })]
    ));
    // 23:59 New York the same day: still REDUCING.
    out.clear();
    engine.on_market(&bar(13 * 60 + 58, dec!(100)), &mut out);
    assert_eq!(engine.state(), TradingState::Reducing);
    // The next New York day clears it, like a daily-loss halt.
    out.clear();
    engine.on_market(&bar(24 * 60, dec!(100)), &mut out);
    assert_eq!(engine.state(), TradingState::Active);
    assert!(matches!(out.commands[..], [Command::PlaceBracket { .. }]));
}

#[test]
fn reduce_only_cancels_working_entries() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let Command::PlaceBracket { entry, .. } = out.commands[0] else {
        panic!("no bracket");
    };
    out.clear();
    engine.reduce_only(t0() + Duration::minutes(2), &mut out);
    assert_eq!(out.commands, vec![Command::Cancel(entry.id())]);
}

#[test]
fn a_new_new_york_day_is_announced_with_its_start_equity() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(100)), &mut out);
    let started = |out: &Output| {
        out.notices
            .iter()
            .filter_map(|n| match *n {
                Notice::DayStarted { day, start_equity } => Some((day, start_equity)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(started(&out), vec![], "the first day is the caller's");
    out.clear();
    engine.set_net_liquidation(dec!(101000));
    engine.on_market(&bar(24 * 60, dec!(100)), &mut out);
    engine.on_market(&bar(24 * 60 + 1, dec!(100)), &mut out);
    let day = NaiveDate::from_ymd_opt(2026, 1, 6).unwrap();
    assert_eq!(started(&out), vec![(day, dec!(101000))]);
    assert_eq!(engine.account().start_of_day_equity, dec!(101000));
}

#[test]
fn a_bar_whose_mark_is_refused_reaches_no_strategy() {
    let (mut engine, _) = engine(dec!(10));
    let mut out = Output::default();
    engine.on_market(&bar(0, dec!(0)), &mut out);
    engine.on_market(&bar(1, dec!(-1)), &mut out);
    assert!(out.commands.is_empty(), "{:?}", out.commands);
    assert_eq!(
        out.notices,
        vec![Notice::MarkRefused {
            symbol: spy(),
            price: dec!(0)
        }],
        "said once, however many follow"
    );
    assert_eq!(engine.portfolio().last_price(spy()), None);
    out.clear();
    engine.on_market(&bar(2, dec!(100)), &mut out);
    assert!(matches!(out.commands[..], [Command::PlaceBracket { .. }]));
    out.clear();
    engine.on_market(&bar(3, dec!(0)), &mut out);
    assert!(matches!(out.notices[..], [Notice::MarkRefused { .. }]));
}

#[test]
fn a_refused_cancel_is_retried_then_halts_and_the_order_stays() {
    let (mut engine, _) = engine(dec!(100));
    let mut out = Output::default();
    let take_profit = stopped_out(&mut engine, &mut out);
    assert_eq!(engine.portfolio().quantity(spy()), dec!(0));
    // The bot cancels the leftover target; TWS refuses with 161.
    assert!(out.commands.contains(&Command::Cancel(take_profit)));
    for attempt in 1..=crate::core::engine::CANCEL_RETRIES {
        out.clear();
        engine.on_broker(
            &BrokerEvent::CancelFailed {
                id: take_profit,
                code: 161,
            },
            t0(),
            &mut out,
        );
        assert_eq!(
            out.commands,
            vec![Command::Cancel(take_profit)],
            "retry {attempt}"
        );
        assert_eq!(engine.state(), TradingState::Active);
    }
    out.clear();
    engine.on_broker(
        &BrokerEvent::CancelFailed {
            id: take_profit,
            code: 161,
        },
        t0(),
        &mut out,
    );
    assert!(out
        .commands
        .iter()
        .all(|c| !matches!(c, Command::Cancel(_))));
    assert_eq!(engine.state(), TradingState::Halted);
    // The order is still in the book, working: never dropped.
    let target = engine.orders().get(take_profit).expect("kept");
    assert_eq!(
        target.state,
        crate::core::order_manager::OrderState::Working
    );
}

#[test]
fn where_the_broker_enforces_oca_a_stop_fill_leaves_the_target_to_it() {
    for enforced in [true, false] {
        let mut engine = engine(dec!(100)).0;
        engine.broker_enforces_oca = enforced;
        let mut out = Output::default();
        let take_profit = stopped_out(&mut engine, &mut out);
        let cancels: Vec<&Command> = out
            .commands
            .iter()
            .filter(|c| matches!(c, Command::Cancel(_)))
            .collect();
        if enforced {
            assert!(cancels.is_empty(), "{cancels:?}");
        } else {
            assert_eq!(cancels, vec![&Command::Cancel(take_profit)]);
        }
    }
}
