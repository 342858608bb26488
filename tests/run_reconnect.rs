//! Whole flow, bot ⇄ tws-sim over real sockets: the simulator drops the
//! connection while a bracket is working and the stop fills while the bot is
//! away. The bot reconnects, catches up on the missed execution, and trades
//! on: no order id reused, no order duplicated, positions equal the simulator's.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::Status;

use common::*;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_dropped_connection_the_bot_catches_up_without_reusing_or_duplicating_orders() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 2);
    let session = spawn_session(session_config(
        &sim,
        31,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually("the first entry to fill", Duration::from_secs(5), || {
        let orders = sim.all_orders();
        orders.len() == 3 && orders[0].status == Status::Filled
    })
    .await;
    eventually("the bot to hold 10", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    assert_eq!(sim.connection_count(), 1);

    // Drop the bot, then move the price through the stop (560.50) before it
    // can be back: the stop's execution is sent to nobody.
    sim.drop_connections();
    assert!(sim.set_price("SPY", dec!(550.00)));
    let orders = sim.all_orders();
    assert_eq!(orders[1].status, Status::Filled, "{:?}", orders[1]);
    assert_eq!(orders[2].status, Status::Cancelled, "{:?}", orders[2]);
    assert!(sim.positions().is_empty());

    // The bot reconnects, learns it is flat, and enters again.
    eventually("the bot to reconnect", Duration::from_secs(8), || {
        sim.connection_count() == 1
    })
    .await;
    eventually("the second entry to fill", Duration::from_secs(8), || {
        let orders = sim.all_orders();
        orders.len() >= 6 && orders[3].status == Status::Filled
    })
    .await;
    eventually("the bot to hold 10 again", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 6, "{orders:#?}");
    let ids: HashSet<i32> = orders.iter().map(|o| o.order_id).collect();
    assert_eq!(
        ids.len(),
        orders.len(),
        "an order id was reused: {orders:#?}"
    );
    let refs: HashSet<&str> = orders.iter().map(|o| o.order_ref.as_str()).collect();
    assert_eq!(
        refs.len(),
        orders.len(),
        "an order was duplicated: {orders:#?}"
    );
    assert!(
        orders.iter().all(|o| o.status != Status::Inactive),
        "{orders:#?}"
    );
    assert_eq!(orders[4].status, Status::Submitted);
    assert_eq!(orders[5].status, Status::Submitted);

    // Positions: the simulator's, the bot's own, and the report's agree.
    let positions = sim.positions();
    assert_eq!(positions.len(), 1);
    assert_eq!((positions[0].0.as_str(), positions[0].1), ("SPY", dec!(10)));
    assert_eq!(probe.position(), dec!(10));
    // The missed stop fill (a triggered sell stop fills at the 549.99 bid)
    // reached the strategy through the catch-up.
    let fills = probe.fills();
    assert_eq!(fills.len(), 3, "{fills:?}");
    assert_eq!(fills[1].price, dec!(549.99));
    assert_eq!(sim.executions()[1].price, dec!(549.99));

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(sim.open_orders().is_empty());
    assert_eq!(report.open_orders_left, Some(0));
    assert_eq!(report.positions.len(), 1);
    assert_eq!(report.positions[0].quantity, dec!(10));
    // Realized by the bot's own accounting: (549.99 − 590.01) × 10.
    assert_eq!(report.realized_pnl, dec!(-400.20));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bracket_working_across_a_reconnect_is_adopted_not_resent_and_still_reports_its_fill() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 2);
    let session = spawn_session(session_config(
        &sim,
        32,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually("the bot to hold 10", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    sim.drop_connections();
    eventually("the bot to reconnect", Duration::from_secs(8), || {
        sim.connection_count() == 1
    })
    .await;
    // Market data flows again after the reconnect.
    let bars = probe.bars();
    eventually("bars after the reconnect", Duration::from_secs(5), || {
        probe.bars() >= bars + 3
    })
    .await;
    // Nothing was resent: still the one bracket, its children working.
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 3, "{orders:#?}");
    assert_eq!(orders[1].status, Status::Submitted);
    assert_eq!(orders[2].status, Status::Submitted);

    // The stop fills on the new connection: the bot sees it live and re-enters.
    assert!(sim.set_price("SPY", dec!(550.00)));
    eventually("the second entry to fill", Duration::from_secs(5), || {
        let orders = sim.all_orders();
        orders.len() >= 6 && orders[3].status == Status::Filled
    })
    .await;
    eventually("the bot to hold 10 again", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 6, "{orders:#?}");
    let ids: HashSet<i32> = orders.iter().map(|o| o.order_id).collect();
    assert_eq!(ids.len(), 6, "an order id was reused: {orders:#?}");
    let refs: HashSet<&str> = orders.iter().map(|o| o.order_ref.as_str()).collect();
    assert_eq!(refs.len(), 6, "an order was duplicated: {orders:#?}");
    assert_eq!(sim.positions()[0].1, dec!(10));

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(sim.open_orders().is_empty());
    assert_eq!(report.positions[0].quantity, dec!(10));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_1101_market_data_is_resubscribed() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let session = spawn_session(session_config(
        &sim,
        33,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually("the bot to hold 10", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    // 1100 then 1101: TWS lost its link to IB and dropped our subscriptions.
    sim.connectivity_lost_then_restored(false);
    let bars = probe.bars();
    eventually("bars after 1101", Duration::from_secs(5), || {
        probe.bars() >= bars + 3
    })
    .await;
    assert_eq!(sim.all_orders().len(), 3);
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.positions[0].quantity, dec!(10));
    sim.shutdown().await;
}
