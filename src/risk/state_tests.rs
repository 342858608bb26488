//! Tests of the trading-state latch: New York trading days, which halts clear
//! on a new day, REDUCING, snapshot round trips and the messages.

use chrono::TimeZone;
use rust_decimal_macros::dec;

use super::*;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn loss() -> HaltCause {
    HaltCause::DailyLoss(DailyLoss {
        loss: dec!(2100),
        start_of_day_equity: dec!(100000),
        limit_pct: dec!(0.02),
    })
}

#[test]
fn trading_day_is_the_new_york_date() {
    // 2026-01-06 03:30 UTC is 2026-01-05 22:30 in New York (EST, UTC−5).
    assert_eq!(
        trading_day(at(2026, 1, 6, 3, 30)),
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
    );
    // 2026-07-06 04:30 UTC is 00:30 EDT (UTC−4) on the 6th.
    assert_eq!(
        trading_day(at(2026, 7, 6, 4, 30)),
        NaiveDate::from_ymd_opt(2026, 7, 6).unwrap()
    );
}

#[test]
fn daily_loss_halt_clears_only_on_the_next_new_york_date() {
    let mut latch = TradingLatch::new();
    // 15:00 UTC = 10:00 EST on Mon 5 Jan 2026.
    let change = latch.halt(loss(), at(2026, 1, 5, 15, 0)).unwrap();
    assert_eq!(change.to, TradingState::Halted);
    // 04:59 UTC on the 6th is still 23:59 on the 5th in New York.
    assert_eq!(latch.roll_day(at(2026, 1, 6, 4, 59)), None);
    assert_eq!(latch.state(), TradingState::Halted);
    let change = latch.roll_day(at(2026, 1, 6, 5, 0)).unwrap();
    assert_eq!(
        change.reason,
        ChangeReason::NewTradingDay(NaiveDate::from_ymd_opt(2026, 1, 6).unwrap())
    );
    assert_eq!(latch.state(), TradingState::Active);
}

#[test]
fn operator_halt_survives_the_day_and_is_stickier_than_daily_loss() {
    let mut latch = TradingLatch::new();
    latch.halt(loss(), at(2026, 1, 5, 15, 0));
    assert_eq!(latch.halt(HaltCause::Operator, at(2026, 1, 5, 16, 0)), None);
    assert_eq!(latch.cause(), Some(HaltCause::Operator));
    assert_eq!(latch.roll_day(at(2026, 1, 9, 15, 0)), None);
    assert_eq!(latch.state(), TradingState::Halted);
    let change = latch.operator_reset().unwrap();
    assert_eq!(change.reason, ChangeReason::OperatorReset);
    assert_eq!(latch.state(), TradingState::Active);
    assert_eq!(latch.operator_reset(), None);
}

#[test]
fn reducing_only_from_active_and_rolls_with_the_day() {
    let mut latch = TradingLatch::new();
    assert!(latch.set_reducing(at(2026, 1, 5, 20, 0)).is_some());
    assert_eq!(latch.set_reducing(at(2026, 1, 5, 20, 1)), None);
    latch.halt(HaltCause::Engine, at(2026, 1, 5, 20, 2));
    assert_eq!(latch.set_reducing(at(2026, 1, 5, 20, 3)), None);
    assert_eq!(latch.state(), TradingState::Halted);

    let mut latch = TradingLatch::new();
    latch.set_reducing(at(2026, 1, 5, 20, 0));
    assert!(latch.roll_day(at(2026, 1, 6, 14, 0)).is_some());
    assert_eq!(latch.state(), TradingState::Active);
}

#[test]
fn snapshot_round_trips_and_restore_is_strict() {
    let mut latch = TradingLatch::new();
    latch.halt(loss(), at(2026, 1, 5, 15, 0));
    let snap = latch.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: LatchSnapshot = serde_json::from_str(&json).unwrap();
    let mut restored = TradingLatch::new();
    restored.restore(back);
    assert_eq!(restored, latch);
    // Restored after a restart on the next day: the day roll clears it.
    assert!(restored.roll_day(at(2026, 1, 6, 15, 0)).is_some());

    let mut strict = TradingLatch::new();
    strict.restore(LatchSnapshot {
        state: TradingState::Halted,
        cause: None,
        since: None,
    });
    assert_eq!(strict.cause(), Some(HaltCause::Operator));
    assert_eq!(strict.roll_day(at(2030, 1, 1, 15, 0)), None);
}

#[test]
fn messages() {
    assert_eq!(
        loss().to_string(),
        "daily loss $2,100.00 = 2.1% of start-of-day equity $100,000.00 ≥ limit 2%"
    );
    let change = StateChange {
        from: TradingState::Active,
        to: TradingState::Halted,
        reason: ChangeReason::Halted(HaltCause::Operator),
    };
    assert_eq!(
        change.to_string(),
        "trading state ACTIVE → HALTED: halted by the operator"
    );
}
