//! Whole flow, bot ⇄ tws-sim over real sockets: TWS's "Read-Only API"
//! setting is on. The bot's first entry is refused with 321 and TWS's text;
//! the session halts entries at once, says in one log line which TWS setting
//! to change, and sends TWS nothing more — no retry, no cancel, not even at
//! shutdown.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::SimConfig;

use common::*;
use first_trading_app::broker::codes::READ_ONLY_FIX;
use first_trading_app::domain::types::TradingState;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_api_halts_entries_at_the_first_refusal_and_sends_nothing_more() {
    init_tracing();
    let sim = start_sim(SimConfig {
        read_only_api: true,
        ..quiet_sim()
    })
    .await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.db");
    let mut config = session_config(&sim, 43, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = first_trading_app::journal::Journal::open(&journal_path).unwrap();
    let session = spawn_session(config);

    // The entry goes out as a bracket (entry, stop, target): TWS refuses all three.
    eventually("the bracket refused", Duration::from_secs(5), || {
        sim.read_only_refusals() == 3 && !probe.rejections().is_empty()
    })
    .await;
    // Every later bar's entry is refused by the bot itself: HALTED.
    eventually("entries refused as HALTED", Duration::from_secs(5), || {
        probe.rejections().len() >= 4
    })
    .await;
    let rejections = probe.rejections();
    // TWS refuses all three legs; the strategy hears it once, for its entry
    // (a refused parent ends its children: tests/run_lifecycle.rs)…
    assert_eq!(
        rejections[0], "rejected by the broker (IB error 321)",
        "{rejections:?}"
    );
    // …then later bars' entries, refused by the bot.
    for reason in &rejections[1..] {
        assert_eq!(
            reason, "trading HALTED (halted by the engine): no new orders",
            "{rejections:?}"
        );
    }
    assert_eq!(sim.read_only_refusals(), 3);
    assert!(sim.all_orders().is_empty());
    let log = log_text();
    assert_eq!(log.matches(READ_ONLY_FIX).count(), 1, "{log}");

    // The shutdown sends nothing either: TWS would refuse it.
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.state, TradingState::Halted);
    assert_eq!(sim.read_only_refusals(), 3);
    assert!(sim.all_orders().is_empty());
    // The three refused orders are journaled as rejected, not left `sent`.
    let db = rusqlite::Connection::open(&journal_path).unwrap();
    let states: Vec<String> = db
        .prepare("SELECT state FROM orders ORDER BY order_ref")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(states, ["rejected", "rejected", "rejected"]);
    sim.shutdown().await;
}
