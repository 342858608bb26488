//! Whole flow, bot ⇄ tws-sim over real sockets: a second session on the same
//! trading day (a restart) never hands out an `orderRef` the first one used,
//! even when nothing of the first is still working (only its executions are
//! left at TWS).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{Action, OrderType, Status};

use common::*;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_day_never_reuses_an_order_ref() {
    let sim = start_sim(quiet_sim()).await;

    // First session: one bracket, closed by its stop.
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let first = spawn_session(session_config(
        &sim,
        61,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually(
        "the first session to hold 10",
        Duration::from_secs(5),
        || probe.position() == dec!(10) && sim.open_orders().len() == 2,
    )
    .await;
    assert!(sim.set_price("SPY", dec!(550.00)));
    eventually(
        "the first session to be flat",
        Duration::from_secs(5),
        || probe.position().is_zero() && sim.open_orders().is_empty(),
    )
    .await;
    let report = first.shut_down(Duration::from_secs(10)).await;
    assert!(report.positions.is_empty());
    assert_eq!(sim.all_orders().len(), 3);

    // Second session, same day, same client id: a fresh engine.
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let second = spawn_session(session_config(
        &sim,
        61,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually(
        "the second session to hold 10",
        Duration::from_secs(5),
        || probe.position() == dec!(10) && sim.all_orders().len() == 6,
    )
    .await;
    let orders = sim.all_orders();
    assert!(
        orders.iter().all(|o| o.status != Status::Inactive),
        "{orders:#?}"
    );
    let refs: HashSet<&str> = orders.iter().map(|o| o.order_ref.as_str()).collect();
    assert_eq!(refs.len(), 6, "an orderRef was used twice: {orders:#?}");
    let ids: HashSet<i32> = orders.iter().map(|o| o.order_id).collect();
    assert_eq!(ids.len(), 6, "an order id was used twice: {orders:#?}");
    second.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_left_without_its_stop_is_protected_again_at_the_next_start() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let first = spawn_session(session_config(
        &sim,
        62,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually(
        "the first session to hold 10",
        Duration::from_secs(5),
        || probe.position() == dec!(10) && sim.open_orders().len() == 2,
    )
    .await;
    // A plain Ctrl+C: the bracket is cancelled, the position kept.
    first.shut_down(Duration::from_secs(10)).await;
    assert!(sim.open_orders().is_empty());
    let (_, quantity, average_cost) = sim.positions()[0].clone();
    assert_eq!((quantity, average_cost), (dec!(10), dec!(590.11)));

    // The next start protects it before anything else: 590.11 × 0.95 =
    // 560.6045, rounded toward the entry to 560.61.
    let (strategy, _probe) = Scripted::new("SPY", dec!(10), 0);
    let second = spawn_session(session_config(
        &sim,
        62,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually(
        "a new stop at the simulator",
        Duration::from_secs(5),
        || sim.open_orders().len() == 1,
    )
    .await;
    let stop = sim.open_orders()[0].clone();
    assert_eq!(
        (stop.action, stop.order_type, stop.qty, stop.aux),
        (Action::Sell, OrderType::Stop, dec!(10), Some(dec!(560.61)))
    );
    assert_eq!(stop.tif, "GTC");
    assert_eq!(stop.parent_id, 0);
    assert!(stop.order_ref.ends_with("-S"), "{}", stop.order_ref);

    // It works: a drop through it closes the position.
    assert!(sim.set_price("SPY", dec!(550.00)));
    eventually(
        "the stop to close the position",
        Duration::from_secs(5),
        || sim.positions().is_empty(),
    )
    .await;
    let report = second.shut_down(Duration::from_secs(10)).await;
    assert!(report.positions.is_empty());
    assert_eq!(sim.all_orders().len(), 4);
    sim.shutdown().await;
}
