//! Whole flow, bot ⇄ tws-sim over real sockets: a cancel TWS refuses with
//! 161 ("Cancel attempted when order is not in a cancellable state") is not a
//! rejection. The order stays in the bot's book as working, the cancel is
//! sent again, and the Ctrl+C shutdown still ends with nothing of ours open.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;

use common::*;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_cancel_at_shutdown_is_retried_until_the_order_is_gone() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let session = spawn_session(session_config(
        &sim,
        71,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually(
        "a bracketed position of 10 SPY",
        Duration::from_secs(10),
        || probe.position() == dec!(10) && sim.open_orders().len() == 2,
    )
    .await;
    let protecting: Vec<i32> = sim.open_orders().iter().map(|o| o.order_id).collect();

    // TWS refuses the first cancel it gets with 161.
    sim.refuse_next_cancels(1);
    let report = session.shut_down(Duration::from_secs(10)).await;

    assert_eq!(report.open_orders_left, Some(0), "{report}");
    assert!(sim.open_orders().is_empty(), "{:?}", sim.open_orders());
    let cancels = sim.cancel_requests();
    // Two orders, each cancelled once, plus the one resent after the 161.
    assert_eq!(cancels.len(), 3, "{cancels:?}");
    for id in &protecting {
        assert!(
            cancels
                .iter()
                .any(|&(client, order)| client == 71 && order == *id),
            "{cancels:?}"
        );
    }
    let refused = cancels[0].1;
    assert_eq!(
        cancels
            .iter()
            .filter(|&&(_, order)| order == refused)
            .count(),
        2,
        "{cancels:?}"
    );
    sim.shutdown().await;
}
