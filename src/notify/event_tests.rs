//! The body's schema against literals written by hand from the README's
//! "Notifications" section (compared as JSON values: key order is free).

use chrono::TimeZone;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

use super::*;
use crate::domain::types::{Side, Symbol};
use crate::risk::{ChangeReason, DailyLoss, HaltCause};

fn header() -> Header {
    Header {
        mode: "paper".to_string(),
        account: "DU****567".to_string(),
    }
}

/// 2026-01-05 15:30:00.250 New York = 20:30:00.250 UTC.
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 20, 30, 0).unwrap() + chrono::TimeDelta::milliseconds(250)
}

fn parsed(event: &Event) -> Value {
    serde_json::from_str(&body(&header(), event, at())).unwrap()
}

#[test]
fn a_fill() {
    let fill = Fill {
        symbol: Symbol::new("SPY").unwrap(),
        side: Side::Buy,
        quantity: dec!(10.000),
        price: dec!(590.01),
        commission: dec!(1),
        time: at(),
    };
    let event = Event::fill("FTA-20260105-s0-000001-E", &fill);
    assert_eq!(
        parsed(&event),
        json!({
            "schema": 1,
            "event": "fill",
            "time": "2026-01-05T20:30:00.250Z",
            "mode": "paper",
            "account": "DU****567",
            "symbol": "SPY",
            "side": "BUY",
            "quantity": "10",
            "price": "590.01",
            "order_ref": "FTA-20260105-s0-000001-E"
        })
    );
}

#[test]
fn a_reject() {
    let event = Event::Reject {
        symbol: "SPY".to_string(),
        order_ref: "FTA-20260105-s0-000001-E".to_string(),
        code: 201,
        message: "Order rejected - reason:Stop price is not valid".to_string(),
    };
    assert_eq!(
        parsed(&event),
        json!({
            "schema": 1,
            "event": "reject",
            "time": "2026-01-05T20:30:00.250Z",
            "mode": "paper",
            "account": "DU****567",
            "symbol": "SPY",
            "order_ref": "FTA-20260105-s0-000001-E",
            "code": 201,
            "message": "Order rejected - reason:Stop price is not valid"
        })
    );
}

#[test]
fn a_halt() {
    let change = StateChange {
        from: TradingState::Active,
        to: TradingState::Halted,
        reason: ChangeReason::Halted(HaltCause::DailyLoss(DailyLoss {
            loss: dec!(2100),
            start_of_day_equity: dec!(100000),
            limit_pct: dec!(0.02),
        })),
    };
    assert_eq!(
        parsed(&Event::state(&change)),
        json!({
            "schema": 1,
            "event": "state",
            "time": "2026-01-05T20:30:00.250Z",
            "mode": "paper",
            "account": "DU****567",
            "from": "ACTIVE",
            "to": "HALTED",
            "cause": "daily_loss",
            "reason": "trading state ACTIVE → HALTED: daily loss $2,100.00 = 2.1% of start-of-day equity $100,000.00 ≥ limit 2%"
        })
    );
}

#[test]
fn a_disconnect_and_its_end() {
    let since = Utc.with_ymd_and_hms(2026, 1, 5, 20, 29, 15).unwrap();
    let down = parsed(&Event::disconnect(false, since, 45));
    assert_eq!(down["event"], "disconnect");
    assert_eq!(
        (&down["link"], &down["since"], &down["seconds"]),
        (
            &json!("down"),
            &json!("2026-01-05T20:29:15.000Z"),
            &json!(45)
        )
    );
    let restored = parsed(&Event::disconnect(true, since, 80));
    assert_eq!(
        restored,
        json!({
            "schema": 1,
            "event": "disconnect",
            "time": "2026-01-05T20:30:00.250Z",
            "mode": "paper",
            "account": "DU****567",
            "link": "restored",
            "since": "2026-01-05T20:29:15.000Z",
            "seconds": 80
        })
    );
}

#[test]
fn a_daily_summary() {
    let event = Event::DailySummary {
        day: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        state: TradingState::Active,
        day_pnl: dec!(-12.50),
        trades: Some(3),
        positions: vec![PositionLine {
            symbol: "SPY".to_string(),
            quantity: dec!(-10),
            average_cost: dec!(590.01),
        }],
    };
    assert_eq!(
        parsed(&event),
        json!({
            "schema": 1,
            "event": "daily_summary",
            "time": "2026-01-05T20:30:00.250Z",
            "mode": "paper",
            "account": "DU****567",
            "day": "2026-01-05",
            "state": "ACTIVE",
            "day_pnl": "-12.50",
            "trades": 3,
            "positions": [
                { "symbol": "SPY", "quantity": "-10", "average_cost": "590.01" }
            ]
        })
    );
}
