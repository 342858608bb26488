//! Whole flow, bot ⇄ tws-sim over real sockets: market data as a paper
//! account meets it. A symbol the login has no permission for is requested
//! once, named with its fix, marked inactive, and the other symbol trades on;
//! a competing live session refuses bars for a window of market clock, the
//! bot backs off and bars resume without an operator; bars that stop
//! silently during regular hours are resubscribed within 3 bar intervals,
//! and outside regular hours they are left alone.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::NaiveTime;
use rust_decimal_macros::dec;
use tws_sim::{MarketAccess, SilentStop, SimConfig, Status, Window};

use common::*;
use first_trading_app::broker::codes::DataRefusal;
use first_trading_app::domain::types::Symbol;
use first_trading_app::risk::RiskLimits;

fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

/// The quiet simulator (09:30 New York on Monday 2026-01-05, 250× clock)
/// with `access`.
fn sim_with(access: MarketAccess) -> SimConfig {
    SimConfig {
        market_access: access,
        ..quiet_sim()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symbol_without_permission_is_requested_once_named_with_its_fix_and_the_other_trades_on()
{
    let sim = start_sim(sim_with(MarketAccess {
        no_permission: ["AAPL".to_string()].into(),
        ..MarketAccess::default()
    }))
    .await;
    let (spy, spy_probe) = Scripted::new("SPY", dec!(10), 1);
    let (aapl, aapl_probe) = Scripted::new("AAPL", dec!(5), 1);
    let mut config = session_config(
        &sim,
        61,
        RiskLimits::default(),
        vec![spy.boxed(), aapl.boxed()],
    );
    config.status_interval = Duration::from_millis(200);
    let session = spawn_session(config);

    eventually("SPY's entry to fill", Duration::from_secs(10), || {
        sim.all_orders()
            .iter()
            .any(|o| o.symbol == "SPY" && o.status == Status::Filled)
    })
    .await;
    eventually(
        "the message naming AAPL's fix",
        Duration::from_secs(10),
        || log_text().contains("market data for AAPL refused (no market data permission)"),
    )
    .await;
    eventually(
        "the status line to show AAPL inactive",
        Duration::from_secs(10),
        || log_text().contains("AAPL INACTIVE (no market data permission)"),
    )
    .await;
    let log = log_text();
    assert!(
        log.contains("market-data sharing"),
        "the fix names the paper-account setting"
    );
    assert!(log.contains("other symbols trade on"));

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(
        report.market_data_inactive,
        vec![(Symbol::new("AAPL").unwrap(), DataRefusal::NoPermission)]
    );
    assert!(report
        .to_string()
        .contains("AAPL INACTIVE (no market data permission)"));
    // One request for AAPL, ever; AAPL never traded, SPY did.
    assert_eq!(sim.realtime_bar_requests("AAPL"), 1);
    assert_eq!(sim.history_requests("AAPL"), 0);
    assert_eq!(aapl_probe.bars.load(Ordering::SeqCst), 0);
    assert!(sim.all_orders().iter().all(|o| o.symbol != "AAPL"));
    assert!(spy_probe.bars.load(Ordering::SeqCst) > 0);
    assert_eq!(spy_probe.position(), dec!(10));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symbol_refused_history_at_warm_up_gets_no_live_request_and_one_message() {
    let sim = start_sim(sim_with(MarketAccess {
        no_permission: ["AAPL".to_string()].into(),
        ..MarketAccess::default()
    }))
    .await;
    let (spy, spy_probe) = Scripted::new("SPY", dec!(10), 0);
    let (aapl, _) = Scripted::new("AAPL", dec!(5), 1);
    let strategies = vec![spy.warming_up(10).boxed(), aapl.warming_up(10).boxed()];
    let session = spawn_session(session_config(&sim, 66, RiskLimits::default(), strategies));
    eventually("SPY's live bars", Duration::from_secs(10), || {
        spy_probe.bars.load(Ordering::SeqCst) > 0
    })
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(
        report.market_data_inactive,
        vec![(Symbol::new("AAPL").unwrap(), DataRefusal::NoPermission)]
    );
    // One request for AAPL in all: the warm-up's, refused with 162.
    assert_eq!(sim.history_requests("AAPL"), 1);
    assert_eq!(sim.realtime_bar_requests("AAPL"), 0);
    assert_eq!(sim.realtime_bar_requests("SPY"), 1);
    let messages = log_text()
        .lines()
        .filter(|l| {
            l.contains("client_id=66")
                && l.contains("market data for AAPL refused (no market data permission)")
        })
        .count();
    assert_eq!(messages, 1, "one clear message");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bars_refused_by_a_competing_session_resume_after_it_without_an_operator() {
    // 40 minutes of market clock at 250× ≈ 9.6 s: the first request and the
    // retry 5 s later fall inside, the next one (10 s later) after it.
    let sim = start_sim(sim_with(MarketAccess {
        competing_session: Some(Window {
            from: hms(9, 30, 0),
            until: hms(10, 10, 0),
        }),
        ..MarketAccess::default()
    }))
    .await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 0);
    let session = spawn_session(session_config(
        &sim,
        62,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));

    eventually(
        "the first 10197 to be met with a back-off",
        Duration::from_secs(10),
        || {
            log_text().contains(
                "market data for SPY interrupted (competing live session); retrying by itself",
            )
        },
    )
    .await;
    let refused_at = Instant::now();
    eventually("bars to flow again", Duration::from_secs(25), || {
        probe.bars.load(Ordering::SeqCst) > 0
    })
    .await;
    // Backed off, not a tight loop: 5 s, then 10 s between requests.
    let requests = sim.realtime_bar_requests("SPY");
    assert!((2..=4).contains(&requests), "{requests} requests");
    assert!(
        refused_at.elapsed() >= Duration::from_secs(4),
        "the retry waited its back-off"
    );
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(
        report.market_data_inactive.is_empty(),
        "a competing session is not permanent"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bars_that_stop_silently_in_regular_hours_are_resubscribed_within_three_bar_intervals() {
    // SPY's bars stop without a word at 09:35 market time (≈ 1.2 s in).
    let sim = start_sim(sim_with(MarketAccess {
        silent_stops: vec![SilentStop {
            symbol: "SPY".to_string(),
            at: hms(9, 35, 0),
        }],
        ..MarketAccess::default()
    }))
    .await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 0);
    let session = spawn_session(session_config(
        &sim,
        63,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));

    eventually("the first bars", Duration::from_secs(10), || {
        probe.bars.load(Ordering::SeqCst) > 0
    })
    .await;
    // Follow the bar count until the resubscription; remember the last bar.
    let mut seen = probe.bars.load(Ordering::SeqCst);
    let mut last_bar = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(25);
    while sim.realtime_bar_requests("SPY") < 2 {
        assert!(Instant::now() < deadline, "no resubscription within 25 s");
        let now_seen = probe.bars.load(Ordering::SeqCst);
        if now_seen != seen {
            seen = now_seen;
            last_bar = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let quiet_for = last_bar.elapsed();
    // 3 bar intervals = 15 s, plus slack for a loaded machine.
    assert!(
        quiet_for <= Duration::from_secs(19),
        "resubscribed after {quiet_for:?} of silence"
    );
    assert!(
        quiet_for >= Duration::from_secs(14),
        "not before 3 bar intervals: {quiet_for:?}"
    );
    assert!(log_text().contains(
        "no real-time bar for 3 bar intervals during regular trading hours: resubscribing"
    ));
    let before = probe.bars.load(Ordering::SeqCst);
    eventually(
        "bars to flow on the new subscription",
        Duration::from_secs(5),
        || probe.bars.load(Ordering::SeqCst) > before,
    )
    .await;
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bars_that_stop_outside_regular_hours_are_left_alone() {
    // 17:00 New York, after the close (250× clock); SPY's bars stop without
    // a word at 17:05 (≈ 1.2 s in).
    let sim = start_sim(SimConfig {
        start_time: hms(17, 0, 0),
        market_access: MarketAccess {
            silent_stops: vec![SilentStop {
                symbol: "SPY".to_string(),
                at: hms(17, 5, 0),
            }],
            ..MarketAccess::default()
        },
        ..quiet_sim()
    })
    .await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 0);
    let session = spawn_session(session_config(
        &sim,
        65,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually("the first bar", Duration::from_secs(10), || {
        probe.bars.load(Ordering::SeqCst) > 0
    })
    .await;
    eventually(
        "the watchdog to find the silence normal",
        Duration::from_secs(25),
        || log_text().contains("outside regular trading hours: normal, not resubscribing"),
    )
    .await;
    assert_eq!(sim.realtime_bar_requests("SPY"), 1, "nothing was sent");
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
