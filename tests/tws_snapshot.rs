//! The bot's TWS snapshot reads against tws-sim through the real `ibapi` client.

use rust_decimal_macros::dec;

use first_trading_app::broker::tws::{connect, snapshot};

async fn sim() -> tws_sim::SimHandle {
    tws_sim::Simulator::start(
        tws_sim::SimConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_accounts_net_liquidation_positions_orders_and_executions() {
    let sim = sim().await;
    let client = connect("127.0.0.1", sim.local_addr().port(), 7)
        .await
        .unwrap();
    let accounts = snapshot::managed_accounts(&client).await.unwrap();
    assert_eq!(accounts, vec!["DU1234567".to_string()]);
    let net_liq = snapshot::net_liquidation(&client, "DU1234567")
        .await
        .unwrap();
    assert_eq!(net_liq, sim.net_liquidation());
    assert!(net_liq > dec!(0));
    assert!(snapshot::positions(&client, "DU1234567")
        .await
        .unwrap()
        .is_empty());
    assert!(snapshot::open_orders(&client).await.unwrap().is_empty());
    assert!(snapshot::executions(&client, "DU1234567")
        .await
        .unwrap()
        .is_empty());
    sim.shutdown().await;
}
