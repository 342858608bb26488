//! Market rules through the real `ibapi` client: contract details carry
//! `marketRuleIds` (one per valid exchange), reqMarketRule answers with the
//! rule's increments, and order prices are checked against the increment at
//! their price level (110 when off it).

mod common;

use ibapi::orders::{order_builder, Action};
use ibapi::prelude::*;
use rust_decimal_macros::dec;
use tws_sim::{SimConfig, SymbolSpec};

use common::*;

fn config() -> SimConfig {
    let penny = SymbolSpec::new("PNY", 1_001, dec!(0.50), "NASDAQ", "PENNY INC");
    let mut nickel = SymbolSpec::new("NKL", 1_002, dec!(120.00), "NYSE", "NICKEL CORP");
    nickel.tick_size = dec!(0.05);
    nickel.price_increments = tws_sim::market_rules::flat_ladder(dec!(0.05));
    let spy = SymbolSpec::new(
        "SPY",
        756_733,
        dec!(123.45),
        "ARCA",
        "SPDR S&P 500 ETF TRUST",
    );
    SimConfig {
        symbols: vec![spy, penny, nickel],
        ..quiet_config()
    }
}

async fn rule_of(client: &Client, symbol: &str) -> (Vec<String>, Vec<(f64, f64)>) {
    let details = client
        .contract_details(&Contract::stock(symbol).build())
        .await
        .expect("contract details");
    let d = &details[0];
    assert_eq!(d.market_rule_ids.len(), d.valid_exchanges.len(), "{d:?}");
    let id: i32 = d.market_rule_ids[0].parse().expect("numeric rule id");
    assert!(d.market_rule_ids.iter().all(|r| *r == d.market_rule_ids[0]));
    let rule = client.market_rule(id).await.expect("market rule");
    assert_eq!(rule.market_rule_id, id);
    let rows = rule
        .price_increments
        .iter()
        .map(|p| (p.low_edge, p.increment))
        .collect();
    (d.market_rule_ids.clone(), rows)
}

#[tokio::test]
async fn contract_details_name_the_rule_and_req_market_rule_answers_its_ladder() {
    let sim = start(config()).await;
    let client = connect(&sim, 1).await;
    let (spy_ids, spy) = rule_of(&client, "SPY").await;
    assert_eq!(spy, vec![(0.0, 0.0001), (1.0, 0.01)]);
    let (penny_ids, penny) = rule_of(&client, "PNY").await;
    assert_eq!(penny, spy);
    assert_eq!(penny_ids[0], spy_ids[0], "equal ladders share a rule id");
    let (nickel_ids, nickel) = rule_of(&client, "NKL").await;
    assert_eq!(nickel, vec![(0.0, 0.05)]);
    assert_ne!(nickel_ids[0], spy_ids[0]);
    sim.shutdown().await;
}

/// The first notice code on the order's subscription, or 0 once it is working.
async fn outcome(client: &Client, id: i32, symbol: &str, price: f64) -> i32 {
    let order = order_builder::limit_order(Action::Buy, 1.0, price);
    let mut sub = client
        .place_order(id, &Contract::stock(symbol).build(), &order)
        .await
        .expect("placed");
    let item = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next())
        .await
        .expect("an answer within 5 s");
    match item {
        Some(Ok(SubscriptionItem::Data(_))) => 0,
        Some(Ok(SubscriptionItem::Notice(n))) => n.code,
        Some(Err(Error::Notice(n))) => n.code,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn prices_are_checked_against_the_increment_at_their_level() {
    let sim = start(config()).await;
    let client = connect(&sim, 1).await;
    assert_eq!(outcome(&client, 1, "PNY", 0.4753).await, 0);
    assert_eq!(outcome(&client, 2, "PNY", 0.47535).await, 110);
    assert_eq!(outcome(&client, 3, "SPY", 100.01).await, 0);
    assert_eq!(outcome(&client, 4, "SPY", 100.015).await, 110);
    assert_eq!(outcome(&client, 5, "NKL", 119.95).await, 0);
    assert_eq!(outcome(&client, 6, "NKL", 119.97).await, 110);
    sim.shutdown().await;
}
