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
    let session = spawn_session(session_config(
        &sim,
        43,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));

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
    sim.shutdown().await;
}
