//! Whole flow, bot ⇄ tws-sim over real sockets: `run --read-only` watches
//! market data and the account but places and cancels nothing — not even at
//! shutdown, and not even an order someone else left working.

mod common;

use std::time::Duration;

use ibapi::orders::{order_builder, Action};
use ibapi::prelude::*;
use rust_decimal_macros::dec;
use tws_sim::Status;

use common::*;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_places_and_cancels_nothing_while_market_data_flows() {
    init_tracing();
    let sim = start_sim(quiet_sim()).await;

    // Someone else (client 90) holds 10 SPY and has a buy limit working.
    let other = ibapi::Client::connect(&sim.local_addr().to_string(), 90)
        .await
        .unwrap();
    let spy = Contract::stock("SPY").build();
    let mut fill = other
        .place_order(1, &spy, &order_builder::market_order(Action::Buy, 10.0))
        .await
        .unwrap();
    let _ = fill.next().await;
    let _limit = other
        .place_order(
            2,
            &spy,
            &order_builder::limit_order(Action::Buy, 1.0, 500.0),
        )
        .await
        .unwrap();
    eventually("the other client's orders", Duration::from_secs(5), || {
        sim.positions().len() == 1 && sim.open_orders().len() == 1
    })
    .await;
    // Average cost with the commission: (10 × 590.01 + 1.00) / 10 = 590.11.
    assert_eq!(sim.positions()[0].2, dec!(590.11));

    let (strategy, probe) = Scripted::new("SPY", dec!(10), 5);
    let mut config = session_config(&sim, 41, RiskLimits::default(), vec![strategy.boxed()]);
    config.read_only = true;
    config.status_interval = Duration::from_millis(100);
    let session = spawn_session(config);

    // The adopted position is marked by the bars: at 600.00 it is worth
    // 10 × (600.00 − 590.11) = 98.90 more than it cost.
    eventually(
        "the adopted position in the status line",
        Duration::from_secs(5),
        || log_text().contains("positions=SPY 10@590.11"),
    )
    .await;
    assert!(sim.set_price("SPY", dec!(600.00)));
    eventually(
        "the status line to show the new mark",
        Duration::from_secs(5),
        || log_text().contains("day_pnl=98.90"),
    )
    .await;
    assert_eq!(
        probe.attempts(),
        0,
        "strategies do not run in read-only mode"
    );

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.unrealized_pnl, dec!(98.90));
    // The other client's order is not ours: not counted, listed as left alone.
    assert_eq!(report.open_orders_left, Some(0));
    let not_ours: Vec<i32> = report.not_ours.iter().map(|o| o.client_id).collect();
    assert_eq!(not_ours, vec![90]);
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 2, "{orders:#?}");
    assert!(orders.iter().all(|o| o.client_id == 90), "{orders:#?}");
    assert_eq!(orders[1].status, Status::Submitted, "nothing was cancelled");
    assert_eq!(report.positions[0].quantity, dec!(10));
    let log = log_text();
    assert!(log.contains("read-only"), "{log}");
    assert!(!log.contains("order not sent"), "{log}");
    sim.shutdown().await;
}
