//! Optional partial fills through the real `ibapi` client.

mod common;

use ibapi::orders::{order_builder, Action};
use ibapi::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tws_sim::SimConfig;

use common::*;

#[tokio::test]
async fn large_order_fills_in_displayed_size_chunks() {
    let sim = start(SimConfig {
        partial_fills: true,
        ..quiet_config()
    })
    .await;
    let client = connect(&sim, 1).await;
    let mut sub = client
        .place_order(
            1,
            &Contract::stock("AAPL").build(),
            &order_builder::market_order(Action::Buy, 2500.0),
        )
        .await
        .unwrap();
    eventually("first chunk", || !sim.executions().is_empty()).await;
    let chunk = sim.executions()[0].shares;
    assert!(
        chunk < dec!(2500),
        "first fill limited to the displayed ask size, got {chunk}"
    );
    // Each price event fills at most one more displayed size.
    for _ in 0..30 {
        if sim.open_orders().is_empty() {
            break;
        }
        sim.set_price("AAPL", dec!(230.00));
    }
    eventually("order filled", || sim.open_orders().is_empty()).await;

    let execs = sim.executions();
    assert!(
        execs.len() >= 3,
        "2500 shares in chunks of {chunk}: {} fills",
        execs.len()
    );
    assert_eq!(execs.iter().map(|e| e.shares).sum::<Decimal>(), dec!(2500));
    assert!(execs.iter().all(|e| e.price == dec!(230.01)));
    assert_eq!(execs.last().map(|e| e.cum_qty), Some(dec!(2500)));

    // The client saw a partially filled status and commissions adding up to
    // one order's worth: 2500 × $0.005 = $12.50.
    let (mut partial_seen, mut commission, mut reports) = (false, 0.0, 0);
    while reports < execs.len() {
        match next_data!(sub) {
            PlaceOrder::OrderStatus(s) if s.filled > 0.0 && s.remaining > 0.0 => {
                partial_seen = true
            }
            PlaceOrder::CommissionReport(c) => {
                commission += c.commission;
                reports += 1;
            }
            _ => {}
        }
    }
    assert!(partial_seen);
    assert!(
        (commission - 12.5).abs() < 1e-9,
        "total commission {commission}"
    );
    assert_eq!(
        sim.positions(),
        vec![("AAPL".to_string(), dec!(2500), dec!(230.015))]
    );
    sim.shutdown().await;
}
