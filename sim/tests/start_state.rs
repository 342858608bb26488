//! The start state through the real `ibapi` client: positions of every
//! security type reported by reqPositions with their own contracts, orders of
//! other clients and of TWS's user (client 0) reported by reqAllOpenOrders,
//! kept working, and cancelled by reqGlobalCancel as TWS does.

mod common;

use ibapi::contracts::SecurityType;
use ibapi::orders::Orders;
use ibapi::prelude::*;
use rust_decimal_macros::dec;
use tws_sim::{SimConfig, StartOrder, StartPosition};

use common::*;

fn manual_order(client_id: i32, order_id: i32) -> StartOrder {
    StartOrder::limit(client_id, order_id, "AAPL", "BUY", dec!(5), dec!(150))
}

fn start_config() -> SimConfig {
    SimConfig {
        start_positions: vec![
            StartPosition::stock("AAPL", dec!(10), dec!(200)),
            StartPosition::other("OPT", "SPY", "SPY   260116C00600000", dec!(2), dec!(1250)),
            StartPosition::other("CASH", "EUR", "EUR.USD", dec!(20000), dec!(1.05)),
        ],
        start_orders: vec![manual_order(0, 900), manual_order(7, 41)],
        ..quiet_config()
    }
}

#[tokio::test]
async fn positions_of_every_type_are_reported_with_their_contracts() {
    let sim = start(start_config()).await;
    let client = connect(&sim, 1).await;
    let mut positions = client.positions().await.unwrap();
    let mut seen = Vec::new();
    while let PositionUpdate::Position(p) = next_data!(positions) {
        seen.push((
            p.contract.security_type.clone(),
            p.contract.symbol.to_string(),
            p.contract.local_symbol.clone(),
            p.position,
            p.average_cost,
        ));
    }
    seen.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(
        seen,
        vec![
            (
                SecurityType::Stock,
                "AAPL".into(),
                "AAPL".into(),
                10.0,
                200.0
            ),
            (
                SecurityType::ForexPair,
                "EUR".into(),
                "EUR.USD".into(),
                20000.0,
                1.05
            ),
            (
                SecurityType::Option,
                "SPY".into(),
                "SPY   260116C00600000".into(),
                2.0,
                1250.0
            ),
        ]
    );
    // Paid out of the opening cash: net liquidation starts where cash did,
    // plus AAPL's mark-to-market (230 − 200) × 10.
    assert_eq!(sim.net_liquidation(), dec!(1000000) + dec!(300));
}

#[tokio::test]
async fn manual_and_other_client_orders_are_listed_kept_and_globally_cancelled() {
    let sim = start(start_config()).await;
    let client = connect(&sim, 1).await;
    let mut all = client.all_open_orders().await.unwrap();
    let rows = all
        .collect_to_end_within(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let mut listed: Vec<(i32, i32, String)> = rows
        .iter()
        .filter_map(|r| match r {
            Orders::OrderData(d) => {
                Some((d.order.client_id, d.order_id, d.order.order_ref.clone()))
            }
            Orders::OrderStatus(_) => None,
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![(0, 900, String::new()), (7, 41, String::new())]
    );
    // Placed during the session by TWS's user: working at the simulator.
    sim.place_as_other_client(&manual_order(0, 901)).unwrap();
    assert_eq!(sim.open_orders().len(), 3);
    // reqOpenOrders of client 1 shows none of them.
    let mut own = client.open_orders().await.unwrap();
    let own_rows = own
        .collect_to_end_within(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(own_rows.len(), 0);
    // reqGlobalCancel cancels every order, the manual ones included.
    client.global_cancel().await.unwrap();
    eventually("every order cancelled", || sim.open_orders().is_empty()).await;
}
