//! Whole flow, bot ⇄ tws-sim over real sockets: TWS loses its own link to
//! IB's server (2110). The bot sends no new order and trades on no bar until
//! a data farm reports OK again (2104 / 2106); then it reconciles and trades on.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{Action, Status};

use common::*;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_2110_nothing_is_traded_until_a_data_farm_reports_ok() {
    let sim = start_sim(quiet_sim()).await;
    // One entry of 10, then 5 more on every bar below 580.
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let strategy = strategy.adding_below(dec!(580), dec!(5));
    let session = spawn_session(session_config(
        &sim,
        64,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually("the bot to hold 10", Duration::from_secs(10), || {
        probe.position() == dec!(10)
    })
    .await;

    sim.server_link_broken();
    eventually(
        "the bot to stop for the broken link",
        Duration::from_secs(5),
        || log_text().contains("TWS lost its link to IB's server"),
    )
    .await;
    let attempts = probe.attempts.load(Ordering::SeqCst);
    // Bars below 580 arrive: none may reach the strategy while the link is down.
    assert!(sim.set_price("SPY", dec!(575.00)));
    eventually(
        "a bar to arrive and not be traded",
        Duration::from_secs(5),
        || log_text().contains("link to IB down: market events are not traded on"),
    )
    .await;
    assert_eq!(probe.attempts.load(Ordering::SeqCst), attempts);
    assert!(
        sim.all_orders().iter().all(|o| o.qty != dec!(5)),
        "no add was sent while the link was down"
    );

    sim.data_farms_ok();
    eventually(
        "the bot to resume after the farm's OK",
        Duration::from_secs(5),
        || log_text().contains("TWS's link to IB's server is back"),
    )
    .await;
    eventually(
        "an add of 5 to fill after the link is back",
        Duration::from_secs(10),
        || {
            sim.all_orders().iter().any(|o| {
                o.symbol == "SPY"
                    && o.action == Action::Buy
                    && o.qty == dec!(5)
                    && o.status == Status::Filled
            })
        },
    )
    .await;
    assert!(log_text()
        .contains("market events that arrived while the link was down were not traded on"));
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
