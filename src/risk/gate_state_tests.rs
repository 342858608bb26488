//! Gate unit tests of what persists between decisions: the trading-state
//! latch (daily loss, REDUCING, resets, snapshots) and the order-rate bucket.

use chrono::{Duration, TimeZone, Utc};
use rust_decimal_macros::dec;

use super::fixtures::*;
use crate::domain::types::{IntentPurpose, OrderKind, Side, TradingState};
use crate::risk::reason::RejectReason;
use crate::risk::state::{ChangeReason, HaltCause};
use crate::risk::view::NoOpenOrders;

#[test]
fn rate_limit_uses_event_time_and_refusals_cost_nothing() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let v = view(&p, &NoOpenOrders);
    for _ in 0..40 {
        assert!(g
            .check(&buy(dec!(1), OrderKind::Market), &v, t0())
            .is_approved());
    }
    // Refusals for other reasons do not take tokens, and do not report the rate.
    assert!(matches!(
        reason(g.check(&buy(dec!(0), OrderKind::Market), &v, t0())),
        RejectReason::QuantityNotPositive { .. }
    ));
    // 1/40 s = 25 ms = 25 000 µs to the next token.
    assert_eq!(
        reason(g.check(&buy(dec!(1), OrderKind::Market), &v, t0())),
        RejectReason::RateLimited {
            per_second: 40,
            wait_micros: 25_000
        }
    );
    assert!(g
        .check(
            &buy(dec!(1), OrderKind::Market),
            &v,
            t0() + Duration::milliseconds(25)
        )
        .is_approved());
}

#[test]
fn cancels_always_pass_and_count_against_the_rate() {
    let mut g = gate();
    g.halt(HaltCause::Operator, t0());
    for _ in 0..40 {
        let _ = g.check_cancel(t0());
    }
    g.operator_reset();
    let p = aapl_at(dec!(190));
    assert!(matches!(
        reason(g.check(
            &buy(dec!(1), OrderKind::Market),
            &view(&p, &NoOpenOrders),
            t0()
        )),
        RejectReason::RateLimited { .. }
    ));
}

#[test]
fn daily_loss_halts_until_the_next_new_york_day_and_price_recovery_does_not_clear_it() {
    let mut g = gate();
    let mut p = aapl_at(dec!(190));
    fill(&mut p, Side::Buy, dec!(70), dec!(190));
    // 70 × (162 − 190) = −1 960: a loss of 1.96% < 2%, still active.
    p.mark(sym("AAPL"), dec!(162));
    assert_eq!(g.on_mark_update(&view(&p, &NoOpenOrders), t0()), None);
    // 70 × (161.4 − 190) = −2 002 ≥ 2 000 = 2% × 100 000: halted.
    p.mark(sym("AAPL"), dec!(161.40));
    let change = g.on_mark_update(&view(&p, &NoOpenOrders), t0()).unwrap();
    assert_eq!(
        (change.from, change.to),
        (TradingState::Active, TradingState::Halted)
    );
    assert_eq!(
        change.to_string(),
        "trading state ACTIVE → HALTED: daily loss $2,002.00 = 2% of start-of-day equity $100,000.00 ≥ limit 2%"
    );
    // Price recovers fully: still halted, entries and exits refused, flatten passes.
    p.mark(sym("AAPL"), dec!(200));
    let later = t0() + Duration::hours(5); // 15:00 New York, same day
    assert_eq!(g.on_mark_update(&view(&p, &NoOpenOrders), later), None);
    assert!(matches!(
        reason(g.check(
            &buy(dec!(1), OrderKind::Market),
            &view(&p, &NoOpenOrders),
            later
        )),
        RejectReason::Halted {
            cause: HaltCause::DailyLoss(_)
        }
    ));
    let exit = intent(
        "AAPL",
        Side::Sell,
        dec!(70),
        OrderKind::Market,
        IntentPurpose::Exit,
    );
    assert!(!g
        .check(&exit, &view(&p, &NoOpenOrders), later)
        .is_approved());
    assert!(g
        .check_flatten(&exit, &view(&p, &NoOpenOrders), later)
        .is_approved());
    let too_much = intent(
        "AAPL",
        Side::Sell,
        dec!(71),
        OrderKind::Market,
        IntentPurpose::Exit,
    );
    assert!(!g
        .check_flatten(&too_much, &view(&p, &NoOpenOrders), later)
        .is_approved());
    // Next New York day (05:00 UTC = 00:00 EST): cleared.
    let next_day = Utc.with_ymd_and_hms(2026, 1, 6, 5, 0, 0).unwrap();
    let change = g
        .on_mark_update(&view(&p, &NoOpenOrders), next_day)
        .unwrap();
    assert_eq!(change.to, TradingState::Active);
    assert!(matches!(change.reason, ChangeReason::NewTradingDay(_)));
}

#[test]
fn account_measure_also_breaches_and_check_latches_by_itself() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let mut v = view(&p, &NoOpenOrders);
    // The portfolio shows no loss, the account lost 2 500 (2.5%).
    v.account.net_liquidation = dec!(97500);
    assert!(matches!(
        reason(g.check(&buy(dec!(1), OrderKind::Market), &v, t0())),
        RejectReason::Halted { .. }
    ));
    assert_eq!(g.state(), TradingState::Halted);
    // The change made inside check is handed out once.
    assert_eq!(
        g.take_state_change().map(|c| c.to),
        Some(TradingState::Halted)
    );
    assert_eq!(g.take_state_change(), None);
}

#[test]
fn operator_reset_with_the_loss_still_there_halts_again() {
    let mut g = gate();
    let p = aapl_at(dec!(190));
    let mut v = view(&p, &NoOpenOrders);
    v.account.net_liquidation = dec!(97500);
    assert!(g.on_mark_update(&v, t0()).is_some());
    assert!(g.operator_reset().is_some());
    assert!(!g
        .check(&buy(dec!(1), OrderKind::Market), &v, t0())
        .is_approved());
    assert_eq!(g.state(), TradingState::Halted);
    // Once the account is back above the limit, a reset sticks.
    v.account.net_liquidation = dec!(99000);
    g.operator_reset();
    assert!(g
        .check(&buy(dec!(1), OrderKind::Market), &v, t0())
        .is_approved());
}

#[test]
fn reducing_lets_exits_through_only() {
    let mut g = gate();
    let mut p = aapl_at(dec!(190));
    fill(&mut p, Side::Buy, dec!(10), dec!(190));
    assert!(g.set_reducing(t0()).is_some());
    assert_eq!(
        reason(g.check(
            &buy(dec!(1), OrderKind::Market),
            &view(&p, &NoOpenOrders),
            t0()
        )),
        RejectReason::Reducing
    );
    let exit = intent(
        "AAPL",
        Side::Sell,
        dec!(10),
        OrderKind::Market,
        IntentPurpose::Exit,
    );
    assert!(g.check(&exit, &view(&p, &NoOpenOrders), t0()).is_approved());
}

#[test]
fn latch_survives_a_restart_through_its_snapshot() {
    let mut g = gate();
    g.halt(HaltCause::Engine, t0());
    let snapshot = g.latch_snapshot();
    let mut restarted = gate();
    restarted.restore_latch(snapshot);
    assert_eq!(restarted.state(), TradingState::Halted);
    assert_eq!(restarted.halt_cause(), Some(HaltCause::Engine));
}
