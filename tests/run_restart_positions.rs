//! Whole flow: a restart against a TWS whose positions disagree with what the
//! journal's executions add up to halts trading before any new order, and an
//! explicit operator reset lets it trade again; shares bought by hand before
//! the bot's first run are left alone until the operator takes them over.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;

use common::*;
use first_trading_app::domain::types::TradingState;
use first_trading_app::journal::Journal;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_the_journal_cannot_explain_halts_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");

    // Run 1: buy 10 SPY, journaled; the position stays open at shutdown.
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&sim, 31, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = Journal::open(&path).unwrap();
    let session = spawn_session(config);
    eventually("the entry to fill", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.positions.len(), 1);
    sim.shutdown().await;

    // Run 2: a different, flat account state (e.g. the position was closed by
    // hand in TWS while the bot was down): the bot must not trade.
    let flat = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&flat, 32, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = Journal::open(&path).unwrap();
    let session = spawn_session(config);
    eventually("a refused entry", Duration::from_secs(5), || {
        !probe.rejections().is_empty()
    })
    .await;
    assert!(flat.all_orders().is_empty(), "{:?}", flat.all_orders());
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.state, TradingState::Halted);
    assert!(flat.all_orders().is_empty());

    // Run 3: the operator has looked, and resets explicitly: trading resumes.
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&flat, 33, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = Journal::open(&path).unwrap();
    config.operator_reset = true;
    let session = spawn_session(config);
    eventually(
        "the entry after the reset to fill",
        Duration::from_secs(5),
        || probe.position() == dec!(10),
    )
    .await;
    session.shut_down(Duration::from_secs(10)).await;
    flat.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_bought_by_hand_before_the_first_run_are_left_alone_until_taken_over() {
    // 50 SPY typed into TWS by hand; the bot's journal is new.
    let sim = start_sim(tws_sim::SimConfig {
        start_positions: vec![tws_sim::StartPosition::stock("SPY", dec!(50), dec!(580))],
        ..quiet_sim()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&sim, 34, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = Journal::open(&path).unwrap();
    let session = spawn_session(config);
    eventually(
        "the halt naming the shares",
        Duration::from_secs(10),
        || {
            log_text().lines().any(|l| {
                l.contains("client_id=34") && l.contains("not what the bot's journal adds up to")
            })
        },
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.state, TradingState::Halted);
    // Not the bot's: no stop placed on them, nothing sold, nothing bought.
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    assert_eq!(sim.positions()[0].1, dec!(50));
    assert_eq!(probe.attempts(), 0);

    // The operator takes them over: adopted, protected, traded on.
    let (strategy, _) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&sim, 35, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = Journal::open(&path).unwrap();
    config.operator_reset = true;
    let session = spawn_session(config);
    eventually("a stop over the 50 shares", Duration::from_secs(10), || {
        sim.open_orders().iter().any(|o| {
            o.client_id == 35 && o.order_type == tws_sim::OrderType::Stop && o.qty == dec!(50)
        })
    })
    .await;
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
