//! Account flows through the real `ibapi` client: positions, account summary,
//! account updates, PnL, PnL single, executions with filters, completed orders.

mod common;

use std::time::Duration;

use ibapi::accounts::types::{AccountGroup, AccountId, ContractId};
use ibapi::orders::{order_builder, Action, ExecutionFilter, ExecutionFilterSide, Executions};
use ibapi::prelude::*;
use rust_decimal_macros::dec;

use common::*;

/// Buys 100 AAPL at the 230.01 ask ($1 commission) and marks AAPL at 232.00.
async fn long_aapl(sim: &tws_sim::SimHandle, client: &Client) {
    let order = order_builder::market_order(Action::Buy, 100.0);
    drop(
        client
            .place_order(1, &Contract::stock("AAPL").build(), &order)
            .await
            .unwrap(),
    );
    eventually("AAPL filled", || sim.executions().len() == 1).await;
    sim.set_price("AAPL", dec!(232.00));
}

#[tokio::test]
async fn positions_pnl_and_summary_after_a_fill() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    long_aapl(&sim, &client).await;
    let account = AccountId("DU1234567".into());

    let mut positions = client.positions().await.unwrap();
    match next_data!(positions) {
        PositionUpdate::Position(p) => {
            assert_eq!(p.contract.symbol.to_string(), "AAPL");
            assert_eq!((p.position, p.average_cost), (100.0, 230.02));
            assert_eq!(p.account, "DU1234567");
        }
        other => panic!("expected a position, got {other:?}"),
    }
    assert!(matches!(next_data!(positions), PositionUpdate::PositionEnd));

    // unrealized = 100 × 232.00 − (23 001 + 1) = 198
    let mut pnl = client.pnl(&account, None).await.unwrap();
    let p = next_data!(pnl);
    assert_eq!(
        (p.daily_pnl, p.unrealized_pnl, p.realized_pnl),
        (198.0, Some(198.0), Some(0.0))
    );

    let mut single = client
        .pnl_single(&account, ContractId(265_598), None)
        .await
        .unwrap();
    let s = next_data!(single);
    assert_eq!(
        (s.position, s.unrealized_pnl, s.realized_pnl, s.value),
        (100.0, 198.0, 0.0, 23_200.0)
    );

    let tags = [
        "NetLiquidation",
        "TotalCashValue",
        "GrossPositionValue",
        "BuyingPower",
        "AvailableFunds",
    ];
    let mut summary = client
        .account_summary(&AccountGroup("All".into()), &tags)
        .await
        .unwrap();
    let mut values = std::collections::BTreeMap::new();
    while let AccountSummaryResult::Summary(s) = next_data!(summary) {
        assert_eq!(
            (s.account.as_str(), s.currency.as_str()),
            ("DU1234567", "USD")
        );
        values.insert(s.tag, s.value);
    }
    // cash 1 000 000 − 23 002; GPV 23 200; init margin 50 % = 11 600
    assert_eq!(values["NetLiquidation"], "1000198.00");
    assert_eq!(values["TotalCashValue"], "976998.00");
    assert_eq!(values["GrossPositionValue"], "23200.00");
    assert_eq!(values["AvailableFunds"], "988598.00");
    assert_eq!(values["BuyingPower"], "3954392.00");
    assert_eq!(sim.net_liquidation(), dec!(1000198.00));

    // A closing fill streams a new position and realized PnL: sell 100 at bid 231.99.
    drop(
        client
            .place_order(
                2,
                &Contract::stock("AAPL").build(),
                &order_builder::market_order(Action::Sell, 100.0),
            )
            .await
            .unwrap(),
    );
    match next_data!(positions) {
        PositionUpdate::Position(p) => assert_eq!(p.position, 0.0),
        other => panic!("expected a position update, got {other:?}"),
    }
    // realized = 100 × (231.99 − 230.02) − 1 = 196
    let p = next_data!(pnl);
    assert_eq!(p.realized_pnl, Some(196.0));
    assert_eq!(sim.realized_pnl(), dec!(196.00));
    sim.shutdown().await;
}

#[tokio::test]
async fn account_updates_stream_values_and_portfolio() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    long_aapl(&sim, &client).await;
    let mut updates = client
        .account_updates(&AccountId("DU1234567".into()))
        .await
        .unwrap();
    let (mut net_liq, mut portfolio, mut saw_time) = (None, None, false);
    loop {
        match next_data!(updates) {
            AccountUpdate::AccountValue(v) if v.key == "NetLiquidation" => net_liq = Some(v.value),
            AccountUpdate::AccountValue(_) => {}
            AccountUpdate::PortfolioValue(p) => {
                portfolio = Some((
                    p.contract.symbol.to_string(),
                    p.position,
                    p.market_price,
                    p.unrealized_pnl,
                ))
            }
            AccountUpdate::UpdateTime(t) => {
                saw_time = true;
                assert_eq!(t.timestamp, "09:30");
            }
            AccountUpdate::End => break,
        }
    }
    assert_eq!(net_liq.as_deref(), Some("1000198.00"));
    assert_eq!(portfolio, Some(("AAPL".to_string(), 100.0, 232.0, 198.0)));
    assert!(saw_time);
    sim.shutdown().await;
}

#[tokio::test]
async fn executions_filter_and_completed_orders() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 4).await;
    long_aapl(&sim, &client).await;
    drop(
        client
            .place_order(
                2,
                &Contract::stock("MSFT").build(),
                &order_builder::market_order(Action::Sell, 10.0),
            )
            .await
            .unwrap(),
    );
    eventually("MSFT filled", || sim.executions().len() == 2).await;

    let collect = |filter: ExecutionFilter| {
        let client = &client;
        async move {
            let mut sub = client.executions(filter).await.unwrap();
            sub.collect_to_end_within(Duration::from_secs(5))
                .await
                .unwrap()
        }
    };
    let all = collect(ExecutionFilter::default()).await;
    let execs: Vec<(String, f64, f64)> = all
        .iter()
        .filter_map(|e| match e {
            Executions::ExecutionData(d) => Some((
                d.contract.symbol.to_string(),
                d.execution.price,
                d.execution.shares,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        execs,
        vec![
            ("AAPL".into(), 230.01, 100.0),
            ("MSFT".into(), 419.99, 10.0)
        ]
    );
    let commissions: Vec<f64> = all
        .iter()
        .filter_map(|e| match e {
            Executions::CommissionReport(c) => Some(c.commission),
            _ => None,
        })
        .collect();
    assert_eq!(commissions, vec![1.0, 1.0]);

    let sells = collect(ExecutionFilter {
        side: Some(ExecutionFilterSide::Sell),
        ..Default::default()
    })
    .await;
    let symbols: Vec<String> = sells
        .iter()
        .filter_map(|e| match e {
            Executions::ExecutionData(d) => Some(d.contract.symbol.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(symbols, vec!["MSFT".to_string()]);
    let other_client = collect(ExecutionFilter {
        client_id: Some(99),
        ..Default::default()
    })
    .await;
    assert!(other_client.is_empty());

    let completed = client
        .completed_orders(true)
        .await
        .unwrap()
        .collect_to_end_within(Duration::from_secs(5))
        .await
        .unwrap();
    let done: Vec<(String, String)> = completed
        .iter()
        .filter_map(|o| match o {
            Orders::OrderData(d) => Some((
                d.contract.symbol.to_string(),
                d.order_state.status.to_string(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        done,
        vec![
            ("AAPL".into(), "Filled".into()),
            ("MSFT".into(), "Filled".into())
        ]
    );
    assert_eq!(client.next_valid_order_id().await.unwrap(), 3);
    sim.shutdown().await;
}
