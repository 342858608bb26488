//! Whole flow, bot ⇄ tws-sim over real sockets: `run --reduce-only` starts
//! the session REDUCING — the operator's way in. Every entry is refused by
//! the gate before it reaches the simulator, and the state and each refusal
//! are journaled.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;

use common::*;
use first_trading_app::domain::types::TradingState;
use first_trading_app::journal::Journal;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reduce_only_refuses_every_entry_and_journals_the_state() {
    let sim = start_sim(quiet_sim()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&sim, 61, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = Journal::open(&path).unwrap();
    config.reduce_only = true;
    let session = spawn_session(config);

    // The strategy retries its entry on every bar; every try is refused.
    eventually("three refused entries", Duration::from_secs(10), || {
        probe.rejections().len() >= 3
    })
    .await;
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    assert!(report.positions.is_empty());

    let db = rusqlite::Connection::open(&path).unwrap();
    let states: Vec<String> = db
        .prepare("SELECT state FROM trading_state ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // REDUCING at start, then the shutdown's HALTED.
    assert_eq!(states, ["REDUCING", "HALTED"]);
    let codes: Vec<(bool, String)> = db
        .prepare("SELECT approved, reason_code FROM risk_decisions ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(codes.len() >= 3, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|(approved, code)| !approved && code == "reducing"),
        "{codes:?}"
    );
    assert_eq!(TradingState::Halted, report.state);
    sim.shutdown().await;
}
