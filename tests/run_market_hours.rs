//! The bot against a simulator on NYSE hours (`SimConfig::hours`), whole
//! flow over real sockets: a daily strategy decides once per session, on
//! the bar before the close, and its entry trades that session.

mod common;

use std::time::Duration;

use chrono::{NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use first_trading_app::risk::RiskLimits;
use rust_decimal_macros::dec;
use tws_sim::{Hours, SimConfig};

use common::*;

/// SPY at 100 with no spread on NYSE hours, the clock at 20× from `time`
/// on Monday 2026-01-05.
fn nyse_from(time: NaiveTime) -> SimConfig {
    SimConfig {
        hours: Hours::Nyse,
        speed: 20.0,
        start_time: time,
        ..quiet_spy_at(dec!(100))
    }
}

/// `h:m:s` New York on 2026-01-`day`, in UTC.
fn ny(day: u32, h: u32, m: u32, s: u32) -> chrono::DateTime<Utc> {
    New_York
        .with_ymd_and_hms(2026, 1, day, h, m, s)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_strategy_makes_one_decision_per_session() {
    let sim = start_sim(nyse_from(NaiveTime::from_hms_opt(15, 58, 0).unwrap())).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let strategy = strategy.with_bar_seconds(86_400);
    let config = session_config(&sim, 51, RiskLimits::default(), vec![strategy.boxed()]);
    let session = spawn_session(config);
    eventually("Monday's daily bar", Duration::from_secs(20), || {
        probe.bars() == 1
    })
    .await;
    eventually("the entry filled", Duration::from_secs(10), || {
        probe.position() == dec!(10)
    })
    .await;
    // Decided at 15:59:55, while the market is open: the entry traded
    // that session, before the close.
    let entry = sim.executions()[0].time.with_timezone(&Utc);
    assert!(
        ny(5, 15, 59, 55) <= entry && entry < ny(5, 16, 0, 0),
        "{entry}"
    );
    // To Tuesday 15:58 or so: the night passes without a decision.
    sim.advance_clock(Duration::from_secs(23 * 3600 + 58 * 60));
    eventually("Tuesday's daily bar", Duration::from_secs(20), || {
        probe.bars() == 2
    })
    .await;
    assert_eq!(probe.bar_ends(), [ny(5, 15, 59, 55), ny(6, 15, 59, 55)]);
    assert!(probe.rejections().is_empty(), "{:?}", probe.rejections());
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
