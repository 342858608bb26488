//! Whole flow, bot ⇄ tws-sim over real sockets: TWS's nightly reset (1100,
//! ten minutes of silence, 1102) with the bot's stop filling inside the
//! silence — the bot does not halt, journals the fill once, ends flat like
//! the simulator and trades again; and a reconciliation after the reset
//! that finds TWS disagreeing is retried until TWS agrees, or halts after
//! the patience.

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use common::*;
use first_trading_app::journal::Journal;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_inside_the_nightly_reset_is_taken_once_without_a_halt() {
    let sim = start_sim(quiet_spy_at(dec!(100))).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 2);
    let mut config = session_config(&sim, 71, RiskLimits::default(), vec![strategy.boxed()]);
    let path = config.journal.path().to_path_buf();
    config.journal = Journal::open(&path).unwrap();
    let session = spawn_session(config);
    eventually("the first entry", Duration::from_secs(10), || {
        probe.position() == dec!(10)
    })
    .await;

    // 10 minutes of market clock (2.4 s at 250×); the stop (95.00) fills inside.
    sim.nightly_reset(Duration::from_secs(600), true);
    assert!(sim.set_price("SPY", dec!(94)));
    assert!(
        sim.positions().is_empty(),
        "the stop filled at the simulator"
    );
    eventually(
        "the restore and a second entry",
        Duration::from_secs(20),
        || probe.fills().len() >= 3 && probe.position() == dec!(10),
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;

    let log = log_text();
    let ours = |l: &&str| l.contains("client_id=71");
    assert!(log.lines().filter(ours).any(|l| l.contains("code=1102")));
    assert!(
        !log.lines()
            .filter(ours)
            .any(|l| l.contains("HALTED: halted by the engine")),
        "the reset must not halt the bot"
    );
    // Three executions (entry, stop inside the silence, second entry), each once.
    let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let journaled = Journal::open(&path).unwrap().executions_on(day).unwrap();
    let mut ids: Vec<&str> = journaled.iter().map(|e| e.exec_id.as_str()).collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((all, ids.len()), (3, 3), "{journaled:?}");
    assert_eq!(sim.executions().len(), 3);
    let at_sim: Vec<_> = sim.positions().into_iter().map(|p| (p.0, p.1)).collect();
    let reported: Vec<_> = report
        .positions
        .iter()
        .map(|p| (p.symbol.to_string(), p.quantity))
        .collect();
    assert_eq!(reported, at_sim);
    sim.shutdown().await;
}

/// SPY at 100.00 without spread, and a session holding 10 of it.
async fn long_ten(client_id: i32, patience: Duration) -> (tws_sim::SimHandle, Running) {
    let sim = start_sim(quiet_spy_at(dec!(100))).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(
        &sim,
        client_id,
        RiskLimits::default(),
        vec![strategy.boxed()],
    );
    config.reconcile_patience = patience;
    let session = spawn_session(config);
    eventually("the entry", Duration::from_secs(10), || {
        probe.position() == dec!(10)
    })
    .await;
    (sim, session)
}

/// A TWS user's marketable limit order of `quantity` SPY (client 0).
fn by_hand(sim: &tws_sim::SimHandle, order_id: i32, action: &str, limit: rust_decimal::Decimal) {
    let order = tws_sim::StartOrder::limit(0, order_id, "SPY", action, dec!(5), limit);
    sim.place_as_other_client(&order).expect("manual order");
}

fn logged(client_id: i32, text: &str) -> bool {
    let tag = format!("client_id={client_id}");
    log_text()
        .lines()
        .any(|l| l.contains(&tag) && l.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconciliation_that_disagrees_is_retried_until_tws_agrees() {
    let (sim, session) = long_ten(72, Duration::from_secs(60)).await;
    // 5 SPY bought by hand during the reset: after it TWS holds 15.
    sim.nightly_reset(Duration::from_secs(600), true);
    by_hand(&sim, 901, "BUY", dec!(100.50));
    eventually(
        "the retried reconciliation",
        Duration::from_secs(10),
        || logged(72, "reconciliation failed: no new orders"),
    )
    .await;
    // The user sells them again: the next attempt agrees, nothing halted.
    by_hand(&sim, 902, "SELL", dec!(99.50));
    eventually(
        "TWS and the bot agreeing again",
        Duration::from_secs(10),
        || logged(72, "reconciliation succeeded"),
    )
    .await;
    assert!(!logged(72, "HALTED: halted by the engine"));
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconciliation_that_keeps_disagreeing_halts_after_the_patience() {
    let (sim, session) = long_ten(73, Duration::from_secs(2)).await;
    sim.nightly_reset(Duration::from_secs(600), true);
    by_hand(&sim, 901, "BUY", dec!(100.50));
    eventually(
        "the halt after the patience",
        Duration::from_secs(15),
        || logged(73, "reconciliation failed for too long"),
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(
        report.state,
        first_trading_app::domain::types::TradingState::Halted
    );
    sim.shutdown().await;
}
