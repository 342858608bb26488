//! NYSE market hours through the real `ibapi` client: real-time bars follow
//! useRTH, an order placed after the close is parked with IB's 399 and fills
//! at the next open (see sim/README.md, "Market hours").

mod common;

use std::time::Duration;

use chrono::{NaiveTime, TimeZone};
use chrono_tz::America::New_York;
use ibapi::market_data::TradingHours;
use ibapi::orders::{order_builder, Action};
use ibapi::prelude::*;
use tws_sim::{Hours, SimConfig};

use common::*;

/// A quiet simulator on NYSE hours whose clock stands still at `time` on
/// Monday 2026-01-05 (it moves only by `advance_clock`).
fn nyse_at(time: NaiveTime) -> SimConfig {
    SimConfig {
        hours: Hours::Nyse,
        speed: 0.0,
        start_time: time,
        ..quiet_config()
    }
}

/// New York wall clock of a bar's start.
fn bar_time(bar: &ibapi::market_data::realtime::Bar) -> String {
    let t = chrono::DateTime::from_timestamp(bar.date.unix_timestamp(), 0).unwrap();
    t.with_timezone(&New_York)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[tokio::test]
async fn regular_hours_bars_stop_at_the_close_and_all_hours_bars_go_on() {
    let sim = start(nyse_at(NaiveTime::from_hms_opt(15, 59, 30).unwrap())).await;
    let client = connect(&sim, 1).await;
    let spy = Contract::stock("SPY").build();
    let mut regular = client.realtime_bars(&spy).subscribe().await.unwrap();
    let mut extended = client
        .realtime_bars(&spy)
        .trading_hours(TradingHours::Extended)
        .subscribe()
        .await
        .unwrap();
    eventually("both subscriptions", || {
        sim.realtime_bar_subscriptions() == 2
    })
    .await;
    sim.advance_clock(Duration::from_secs(45)); // 16:00:15
    loop {
        let bar = next_data!(extended);
        if bar_time(&bar) == "2026-01-05 16:00:10" {
            break;
        }
    }
    let mut last_regular = String::new();
    while last_regular != "2026-01-05 15:59:55" {
        last_regular = bar_time(&next_data!(regular));
    }
    // To 09:30:05 the next morning: the regular stream's next bar is the
    // new session's, nothing from the evening or the night.
    // (`step` rolls the bars due at once, so the long jump's skip-ahead
    // lands before the first bar of the morning is due.)
    sim.advance_clock(Duration::from_secs(17 * 3600 + 29 * 60 + 50));
    sim.step(1);
    sim.advance_clock(Duration::from_secs(5));
    sim.step(1);
    let next = bar_time(&next_data!(regular));
    assert!(next.as_str() >= "2026-01-06 09:30:00", "{next}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_market_order_after_the_close_is_parked_with_399_and_fills_at_the_open() {
    let sim = start(nyse_at(NaiveTime::from_hms_opt(17, 0, 0).unwrap())).await;
    let client = connect(&sim, 2).await;
    let order = order_builder::market_order(Action::Buy, 100.0);
    let mut sub = client
        .place_order(1, &Contract::stock("SPY").build(), &order)
        .await
        .unwrap();
    let mut parked = None;
    while parked.is_none() {
        let item = tokio::time::timeout(Duration::from_secs(5), sub.next())
            .await
            .expect("an item within 5 s");
        match item {
            Some(Ok(SubscriptionItem::Notice(n))) | Some(Err(Error::Notice(n)))
                if n.code == 399 =>
            {
                parked = Some(n.message)
            }
            Some(Ok(SubscriptionItem::Data(PlaceOrder::OrderStatus(s)))) => {
                assert_eq!(s.status.to_string(), "PreSubmitted")
            }
            Some(_) => {}
            None => panic!("the order's stream ended"),
        }
    }
    assert_eq!(
        parked.as_deref(),
        Some("Order Message:\nBUY 100 SPY ARCA\nWarning: your order will not be placed at the exchange until 2026-01-06 09:30:00 US/Eastern")
    );
    assert!(sim.executions().is_empty());
    sim.advance_clock(Duration::from_secs(16 * 3600 + 30 * 60)); // 09:30 Tuesday
    eventually("the fill at the open", || !sim.executions().is_empty()).await;
    let fill = &sim.executions()[0];
    let open = New_York.with_ymd_and_hms(2026, 1, 6, 9, 30, 0).unwrap();
    assert!(
        fill.time >= open && fill.time < open + chrono::Duration::seconds(5),
        "{}",
        fill.time
    );
    sim.shutdown().await;
}
