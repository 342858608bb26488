//! Whole flow, bot ⇄ tws-sim over real sockets: the emergency shutdown
//! driven by the shutdown trigger. A second Ctrl+C shortly after the first
//! (cancels confirm in milliseconds, so it arrives after them) still
//! flattens; `--flatten-on-exit` flattens without it; without either the
//! position is kept and reported.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rust_decimal_macros::dec;
use tws_sim::{Action, OrderType, Status};

use common::*;
use first_trading_app::broker::tws::session::FLATTEN_GRACE;
use first_trading_app::risk::RiskLimits;
use first_trading_app::shutdown::ShutdownStage;

async fn holding_10_spy(
    client_id: i32,
    flatten_on_exit: bool,
) -> (tws_sim::SimHandle, Running, Arc<Probe>) {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(
        &sim,
        client_id,
        RiskLimits::default(),
        vec![strategy.boxed()],
    );
    config.flatten_on_exit = flatten_on_exit;
    let session = spawn_session(config);
    eventually("the bot to hold 10", Duration::from_secs(5), || {
        probe.position() == dec!(10) && sim.open_orders().len() == 2
    })
    .await;
    (sim, session, probe)
}

fn assert_flattened(sim: &tws_sim::SimHandle) {
    assert!(sim.positions().is_empty(), "{:?}", sim.positions());
    assert!(sim.open_orders().is_empty());
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 4, "{orders:#?}");
    let flatten = &orders[3];
    assert_eq!(
        (
            flatten.action,
            flatten.order_type,
            flatten.qty,
            flatten.status
        ),
        (Action::Sell, OrderType::Market, dec!(10), Status::Filled)
    );
    assert!(flatten.order_ref.ends_with('F'), "{}", flatten.order_ref);
    assert_eq!(orders[1].status, Status::Cancelled);
    assert_eq!(orders[2].status, Status::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_after_the_cancels_still_flattens() {
    init_tracing();
    let (sim, session, _) = holding_10_spy(51, false).await;
    session.trigger.escalate(ShutdownStage::Shutdown);
    eventually("every order cancelled", Duration::from_secs(5), || {
        sim.open_orders().is_empty()
    })
    .await;
    // The session says when its flatten grace starts: nothing was flattened before it.
    eventually("the flatten grace started", Duration::from_secs(5), || {
        log_text()
            .lines()
            .any(|line| line.contains("client_id=51") && line.contains("press Ctrl+C again"))
    })
    .await;
    assert_eq!(sim.positions().len(), 1, "flattened before being asked to");
    session.trigger.escalate(ShutdownStage::Flatten);
    let report = tokio::time::timeout(Duration::from_secs(10), session.result)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_flattened(&sim);
    assert!(report.flattened);
    assert!(report.positions.is_empty() && report.positions_confirmed);
    assert_eq!(report.open_orders_left, Some(0));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flatten_on_exit_flattens_on_the_first_signal() {
    let (sim, session, _) = holding_10_spy(52, true).await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_flattened(&sim);
    assert!(report.flattened);
    assert!(report.positions.is_empty());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_second_signal_the_position_is_kept_and_reported_after_the_grace() {
    let (sim, session, probe) = holding_10_spy(53, false).await;
    // Two more bars reach the strategy after it saw its fill: the second one
    // ends after the fill, so the position is marked at the 590.00 last.
    let seen = probe.bars();
    eventually("two bars after the fill", Duration::from_secs(5), || {
        probe.bars() >= seen + 2
    })
    .await;
    let asked = Instant::now();
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(asked.elapsed() >= FLATTEN_GRACE);
    assert!(sim.open_orders().is_empty());
    assert_eq!(sim.all_orders().len(), 3);
    assert!(!report.flattened);
    assert_eq!(report.positions.len(), 1);
    assert_eq!(report.positions[0].quantity, dec!(10));
    // Bought at the 590.01 ask; a bar that ended after the fill marks the
    // 590.00 last price: unrealized 10 × (590.00 − 590.01) = −0.10.
    assert_eq!(report.unrealized_pnl, dec!(-0.10));
    assert_eq!(report.commissions, dec!(1.00));
    sim.shutdown().await;
}
