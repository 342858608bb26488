//! Whole flow, bot ⇄ tws-sim over real sockets: the protection invariant
//! under faults. A position of ours always has a working stop at TWS: a
//! refused stop child is replaced, a stop cancelled by a TWS user is put
//! back, a stop gone without a report is found by the audit and put back;
//! an order TWS never acknowledges halts trading.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{Action, OrderType, SimConfig, SimHandle, SimOrder, Status};

use common::*;
use first_trading_app::broker::tws::session::SessionConfig;
use first_trading_app::domain::types::TradingState;
use first_trading_app::risk::RiskLimits;

/// SPY at 100.00 with no spread: a market buy fills at 100.00.
fn sim_config() -> SimConfig {
    quiet_spy_at(dec!(100))
}

/// One entry of 10 SPY; the audit every 300 ms, acknowledgements due in 1 s.
fn config(sim: &SimHandle, client_id: i32) -> SessionConfig {
    let (strategy, _) = Scripted::new("SPY", dec!(10), 1);
    SessionConfig {
        audit_interval: Duration::from_millis(300),
        ack_timeout: Duration::from_secs(1),
        ..session_config(
            sim,
            client_id,
            RiskLimits::default(),
            vec![strategy.boxed()],
        )
    }
}

/// The working sell stops of `client_id` at the simulator.
fn working_stops(sim: &SimHandle, client_id: i32) -> Vec<SimOrder> {
    sim.open_orders()
        .into_iter()
        .filter(|o| {
            o.client_id == client_id
                && o.order_type == OrderType::Stop
                && o.action == Action::Sell
                && matches!(o.status, Status::Submitted | Status::PreSubmitted)
        })
        .collect()
}

/// 100.00 × (1 − 0.05) = 95.00: the stop of a long bought at 100.00.
const STOP: rust_decimal::Decimal = dec!(95.00);

async fn long_ten_with_one_stop(sim: &SimHandle, client_id: i32) -> SimOrder {
    eventually(
        "10 SPY held with one working stop",
        Duration::from_secs(10),
        || {
            sim.positions().first().map(|p| p.1) == Some(dec!(10))
                && working_stops(sim, client_id).len() == 1
        },
    )
    .await;
    let stop = working_stops(sim, client_id).remove(0);
    assert_eq!((stop.qty, stop.aux), (dec!(10), Some(STOP)), "{stop:?}");
    assert!(stop.order_ref.ends_with('S'), "{}", stop.order_ref);
    stop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stop_child_is_replaced_by_a_stand_alone_stop() {
    let sim = start_sim(sim_config()).await;
    // The bracket is entry, stop, target: TWS refuses the stop.
    sim.reject_nth_order(2, 201, "Order rejected - reason:Stop price is not valid");
    let session = spawn_session(config(&sim, 31));
    let stop = long_ten_with_one_stop(&sim, 31).await;
    assert_eq!(stop.parent_id, 0, "a stand-alone stop: {stop:?}");
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_ne!(report.state, TradingState::Active);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_cancelled_by_a_tws_user_is_put_back() {
    let sim = start_sim(sim_config()).await;
    let session = spawn_session(config(&sim, 32));
    let first = long_ten_with_one_stop(&sim, 32).await;
    assert!(sim.cancel_as_tws_user(32, first.order_id));
    eventually(
        "a new stop after the cancel",
        Duration::from_secs(5),
        || {
            working_stops(&sim, 32)
                .iter()
                .any(|o| o.order_id != first.order_id)
        },
    )
    .await;
    let again = long_ten_with_one_stop(&sim, 32).await;
    assert_ne!(again.order_id, first.order_id);
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_gone_without_a_report_is_found_by_the_audit_and_put_back() {
    let sim = start_sim(sim_config()).await;
    let session = spawn_session(config(&sim, 33));
    let first = long_ten_with_one_stop(&sim, 33).await;
    assert!(sim.drop_order_silently(33, first.order_id));
    eventually(
        "the audit to put a stop back",
        Duration::from_secs(10),
        || {
            working_stops(&sim, 33)
                .iter()
                .any(|o| o.order_id != first.order_id)
        },
    )
    .await;
    long_ten_with_one_stop(&sim, 33).await;
    assert!(log_text().contains("no status said so"));
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_never_acknowledged_halts_trading() {
    let sim = start_sim(sim_config()).await;
    // TWS loses the bracket's last (transmitting) leg: nothing of it works.
    sim.swallow_nth_order(3);
    let session = spawn_session(config(&sim, 34));
    eventually(
        "the unacknowledged-order halt",
        Duration::from_secs(15),
        || log_text().contains("an order the bot sent is unknown at TWS"),
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.state, TradingState::Halted);
    assert!(sim.positions().is_empty());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_entry_is_decided_on_late_bars_and_trading_resumes_when_they_are_fresh() {
    // Real time: bars close every 5 s of the machine's clock.
    let sim = start_sim(SimConfig {
        speed: 1.0,
        ..sim_config()
    })
    .await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let config = SessionConfig {
        max_data_age: Some(Duration::from_millis(1_000)),
        ..session_config(&sim, 35, RiskLimits::default(), vec![strategy.boxed()])
    };
    let session = spawn_session(config);
    eventually("the bar subscription", Duration::from_secs(10), || {
        log_text()
            .lines()
            .any(|l| l.contains("client_id=35") && l.contains("market data subscriptions started"))
    })
    .await;
    // TWS answers 1.5 s late: every bar arrives older than the 1 s limit.
    sim.set_response_delay(Duration::from_millis(1_500));
    eventually(
        "an entry refused on stale data",
        Duration::from_secs(15),
        || {
            probe
                .rejections()
                .iter()
                .any(|r| r.contains("no entry on stale data"))
        },
    )
    .await;
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    sim.set_response_delay(Duration::ZERO);
    eventually("an entry on fresh data", Duration::from_secs(15), || {
        probe.position() == dec!(10)
    })
    .await;
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trade_in_a_managed_symbol_outside_the_bot_halts_it() {
    let sim = start_sim(sim_config()).await;
    let session = spawn_session(config(&sim, 36));
    long_ten_with_one_stop(&sim, 36).await;
    // 5 more SPY bought by hand in TWS (client 0): TWS reports that fill to
    // nobody but TWS; only the audit's position read sees it.
    let by_hand = tws_sim::StartOrder::limit(0, 900, "SPY", "BUY", dec!(5), dec!(100.50));
    sim.place_as_other_client(&by_hand).expect("manual order");
    eventually(
        "the 15 shares at the simulator",
        Duration::from_secs(5),
        || sim.positions().first().map(|p| p.1) == Some(dec!(15)),
    )
    .await;
    eventually("the audit's halt", Duration::from_secs(10), || {
        log_text().lines().any(|l| {
            l.contains("client_id=36") && l.contains("position at TWS moved without the bot")
        })
    })
    .await;
    // Its own stop still covers its own 10, never the 5 bought by hand.
    let stops = working_stops(&sim, 36);
    let covered: rust_decimal::Decimal = stops.iter().map(|o| o.qty).sum();
    assert_eq!(covered, dec!(10), "{stops:?}");
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.state, TradingState::Halted);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_entry_is_sent_when_the_market_is_closed() {
    // 16:00 New York on Monday 2026-01-05: the session just closed.
    let sim = start_sim(SimConfig {
        start_time: chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
        ..sim_config()
    })
    .await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let config = session_config(&sim, 37, RiskLimits::default(), vec![strategy.boxed()]);
    let session = spawn_session(config);
    eventually(
        "the entry refused as the market is closed",
        Duration::from_secs(10),
        || !probe.rejections().is_empty(),
    )
    .await;
    assert_eq!(
        probe.rejections()[0],
        "SPY: market closed (NYSE regular hours 09:30–16:00 New York); next open Tue 2026-01-06 09:30 EST"
    );
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
