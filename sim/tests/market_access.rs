//! Market access through the real `ibapi` client: a symbol without
//! permission (420 / 162 / 354 with IB's texts), a competing live session
//! (10197) for a window of market clock, a farm outage (2103 → 2104) with
//! bars silently stopping, and IB's pacing of new real-time-bar requests.

mod common;

use std::time::Duration;

use chrono::NaiveTime;
use ibapi::prelude::*;
use tws_sim::{MarketAccess, SimConfig, Window};

use common::*;

/// A frozen clock (speed 0): only `advance_clock` moves it.
fn frozen(access: MarketAccess) -> SimConfig {
    SimConfig {
        speed: 0.0,
        market_access: access,
        ..quiet_config()
    }
}

fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

/// TWS's error carried by a subscription item.
async fn error_of<T: std::fmt::Debug>(
    item: Option<Result<SubscriptionItem<T>, Error>>,
) -> (i32, String) {
    match item {
        Some(Err(Error::Notice(n))) => (n.code, n.message),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// The next item of a subscription within 5 s.
macro_rules! next_item {
    ($sub:expr) => {
        tokio::time::timeout(Duration::from_secs(5), $sub.next())
            .await
            .expect("an item within 5 s")
    };
}

/// Waits until the simulator has received `n` real-time-bar requests for `symbol`.
async fn requested(sim: &tws_sim::SimHandle, symbol: &str, n: u64) {
    eventually("the bar request to reach the simulator", || {
        sim.realtime_bar_requests(symbol) >= n
    })
    .await;
}

/// Closes one 5-second bar on the frozen clock.
fn close_a_bar(sim: &tws_sim::SimHandle) {
    sim.advance_clock(Duration::from_secs(5));
    sim.step(1);
}

#[tokio::test]
async fn a_symbol_without_permission_is_refused_per_request_kind_and_others_are_served() {
    let sim = start(frozen(MarketAccess {
        no_permission: ["AAPL".to_string()].into(),
        ..MarketAccess::default()
    }))
    .await;
    let client = connect(&sim, 1).await;
    let aapl = Contract::stock("AAPL").build();
    let mut bars = client.realtime_bars(&aapl).subscribe().await.unwrap();
    assert_eq!(
        error_of(next_item!(bars)).await,
        (
            420,
            "Invalid Real-time Query:No market data permissions for NASDAQ STK".into()
        )
    );
    let mut ticks = client.market_data(&aapl).subscribe().await.unwrap();
    assert_eq!(
        error_of(next_item!(ticks)).await,
        (354, "Requested market data is not subscribed.".into())
    );
    let history = client
        .historical_data(&aapl, HistoricalBarSize::Min5)
        .duration(1.days())
        .fetch()
        .await;
    match history {
        Err(Error::Notice(n)) => assert_eq!(
            (n.code, n.message.as_str()),
            (162, "Historical Market Data Service error message:No market data permissions for NASDAQ STK")
        ),
        other => panic!("expected 162, got {other:?}"),
    }
    // Another symbol streams.
    let mut spy = client
        .realtime_bars(&Contract::stock("SPY").build())
        .subscribe()
        .await
        .unwrap();
    requested(&sim, "SPY", 1).await;
    close_a_bar(&sim);
    let _bar = next_data!(spy);
    assert_eq!(sim.realtime_bar_requests("AAPL"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_competing_session_refuses_data_for_its_window_then_serves_again() {
    let sim = start(frozen(MarketAccess {
        competing_session: Some(Window {
            from: hms(9, 31, 0),
            until: hms(9, 33, 0),
        }),
        ..MarketAccess::default()
    }))
    .await;
    let client = connect(&sim, 1).await;
    let spy = Contract::stock("SPY").build();
    let mut live = client.realtime_bars(&spy).subscribe().await.unwrap();
    requested(&sim, "SPY", 1).await;
    close_a_bar(&sim);
    let _bar = next_data!(live);
    // 09:31: the live login elsewhere takes the data.
    sim.advance_clock(Duration::from_secs(55));
    sim.step(1);
    // The bars that closed on the way come first, then the 10197.
    let refused = loop {
        match next_item!(live) {
            Some(Ok(_)) => continue,
            other => break error_of(other).await,
        }
    };
    assert_eq!(
        refused,
        (10197, "No market data during competing live session".into())
    );
    let mut again = client.realtime_bars(&spy).subscribe().await.unwrap();
    assert_eq!(error_of(next_item!(again)).await.0, 10197);
    // 09:33: over; a new request streams.
    sim.advance_clock(Duration::from_secs(120));
    sim.step(1);
    let mut after = client.realtime_bars(&spy).subscribe().await.unwrap();
    requested(&sim, "SPY", 3).await;
    close_a_bar(&sim);
    let _bar = next_data!(after);
    assert_eq!(sim.realtime_bar_requests("SPY"), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_farm_outage_says_2103_then_2104_and_the_old_subscription_stays_silent() {
    let sim = start(frozen(MarketAccess {
        farm_outage: Some(Window {
            from: hms(9, 31, 0),
            until: hms(9, 32, 0),
        }),
        ..MarketAccess::default()
    }))
    .await;
    let client = connect(&sim, 1).await;
    let mut notices = client.notice_stream().unwrap();
    let spy = Contract::stock("SPY").build();
    let mut old = client.realtime_bars(&spy).subscribe().await.unwrap();
    requested(&sim, "SPY", 1).await;
    close_a_bar(&sim);
    let _bar = next_data!(old);
    sim.advance_clock(Duration::from_secs(60));
    sim.step(1);
    let codes = |n: Option<ibapi::Notice>| n.expect("a notice").code;
    let mut seen = Vec::new();
    while !seen.contains(&2103) {
        seen.push(codes(
            tokio::time::timeout(Duration::from_secs(5), notices.next())
                .await
                .expect("2103 within 5 s"),
        ));
    }
    sim.advance_clock(Duration::from_secs(60));
    sim.step(1);
    while !seen.contains(&2104) {
        seen.push(codes(
            tokio::time::timeout(Duration::from_secs(5), notices.next())
                .await
                .expect("2104 within 5 s"),
        ));
    }
    // The old subscription is gone at the simulator without a word to the
    // client (it got 2103 / 2104 only, on the notice stream); a new one streams.
    assert_eq!(sim.realtime_bar_subscriptions(), 0);
    let mut fresh = client.realtime_bars(&spy).subscribe().await.unwrap();
    requested(&sim, "SPY", 2).await;
    close_a_bar(&sim);
    let _bar = next_data!(fresh);
    assert_eq!(sim.realtime_bar_subscriptions(), 1);
    drop(old);
    sim.shutdown().await;
}

#[tokio::test]
async fn more_new_bar_requests_than_the_budget_get_ibs_pacing_violation() {
    let sim = start(frozen(MarketAccess {
        realtime_bar_budget: 3,
        ..MarketAccess::default()
    }))
    .await;
    let client = connect(&sim, 1).await;
    let mut subs = Vec::new();
    for symbol in ["SPY", "QQQ", "AAPL"] {
        subs.push(
            client
                .realtime_bars(&Contract::stock(symbol).build())
                .subscribe()
                .await
                .unwrap(),
        );
    }
    let mut fourth = client
        .realtime_bars(&Contract::stock("MSFT").build())
        .subscribe()
        .await
        .unwrap();
    assert_eq!(
        error_of(next_item!(fourth)).await,
        (
            420,
            "Invalid Real-time Query:Historical data request pacing violation".into()
        )
    );
    // Ten minutes of market clock later the budget is free again.
    sim.advance_clock(Duration::from_secs(600));
    sim.step(1);
    let mut later = client
        .realtime_bars(&Contract::stock("MSFT").build())
        .subscribe()
        .await
        .unwrap();
    requested(&sim, "MSFT", 2).await;
    close_a_bar(&sim);
    let _bar = next_data!(later);
    sim.shutdown().await;
}
