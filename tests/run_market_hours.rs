//! The bot against a simulator on NYSE hours (`SimConfig::hours`), whole
//! flow over real sockets: a daily strategy decides once per session, on
//! the bar before the close, and its entry trades that session; a flatten
//! after the close is parked (399) until the open, fills there and is
//! journaled once; a DAY entry still working at the close ends cancelled;
//! GTC protection survives a crash and the night and is adopted next morning.

mod common;

use std::time::Duration;

use chrono::{NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use first_trading_app::risk::RiskLimits;
use rust_decimal_macros::dec;
use tws_sim::{Hours, SimConfig};

use common::*;

/// SPY at 100 with no spread on NYSE hours, the clock at 20× from `time`
/// on Monday 2026-01-05.
fn nyse_from(time: NaiveTime) -> SimConfig {
    SimConfig {
        hours: Hours::Nyse,
        speed: 20.0,
        start_time: time,
        ..quiet_spy_at(dec!(100))
    }
}

/// `h:m:s` New York on 2026-01-`day`, in UTC.
fn ny(day: u32, h: u32, m: u32, s: u32) -> chrono::DateTime<Utc> {
    New_York
        .with_ymd_and_hms(2026, 1, day, h, m, s)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_strategy_makes_one_decision_per_session() {
    let sim = start_sim(nyse_from(NaiveTime::from_hms_opt(15, 58, 0).unwrap())).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let strategy = strategy.with_bar_seconds(86_400);
    let config = session_config(&sim, 51, RiskLimits::default(), vec![strategy.boxed()]);
    let session = spawn_session(config);
    eventually("Monday's daily bar", Duration::from_secs(20), || {
        probe.bars() == 1
    })
    .await;
    eventually("the entry filled", Duration::from_secs(10), || {
        probe.position() == dec!(10)
    })
    .await;
    // Decided at 15:59:55, while the market is open: the entry traded
    // that session, before the close.
    let entry = sim.executions()[0].time.with_timezone(&Utc);
    assert!(
        ny(5, 15, 59, 55) <= entry && entry < ny(5, 16, 0, 0),
        "{entry}"
    );
    // To Tuesday 15:58 or so: the night passes without a decision.
    sim.advance_clock(Duration::from_secs(23 * 3600 + 58 * 60));
    eventually("Tuesday's daily bar", Duration::from_secs(20), || {
        probe.bars() == 2
    })
    .await;
    assert_eq!(probe.bar_ends(), [ny(5, 15, 59, 55), ny(6, 15, 59, 55)]);
    assert!(probe.rejections().is_empty(), "{:?}", probe.rejections());
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flatten_after_the_close_is_parked_until_the_open_and_journaled_once() {
    let sim = start_sim(nyse_from(NaiveTime::from_hms_opt(15, 58, 0).unwrap())).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let journal_path = tempfile::tempdir()
        .expect("temp dir")
        .keep()
        .join("journal.db");
    let mut config = session_config(&sim, 52, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = first_trading_app::journal::Journal::open(&journal_path).expect("journal");
    config.flatten_on_exit = true;
    let session = spawn_session(config);
    eventually("the entry filled", Duration::from_secs(15), || {
        probe.position() == dec!(10)
    })
    .await;
    // 16:05 or so: the market is closed when the operator stops the bot.
    sim.advance_clock(Duration::from_secs(7 * 60));
    let report = session.shut_down(Duration::from_secs(15)).await;
    // TWS holds the closing market order (399): the report says until when.
    assert_eq!(report.parked.len(), 1, "{report}");
    let parked = &report.parked[0];
    assert!(parked.starts_with("SELL 10 SPY ("), "{parked}");
    assert!(
        parked.ends_with(") until 2026-01-06 09:30:00 US/Eastern"),
        "{parked}"
    );
    assert!(
        report
            .to_string()
            .contains("left parked:      SELL 10 SPY ("),
        "{report}"
    );
    // The operator is told at once, not only in the report.
    assert!(log_text().lines().any(|l| l.contains("client_id=52")
        && l.contains(
            "the market is closed: TWS holds the order and it executes at the next open"
        )));
    let waiting = sim.open_orders();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].status, tws_sim::Status::PreSubmitted);

    // Tuesday 09:30: it fills at the open.
    sim.advance_clock(Duration::from_secs(17 * 3600 + 25 * 60));
    eventually(
        "the closing fill at the open",
        Duration::from_secs(10),
        || sim.executions().len() == 2,
    )
    .await;
    let exit = sim.executions()[1].clone();
    let fill_time = exit.time.with_timezone(&Utc);
    assert!(
        ny(6, 9, 30, 0) <= fill_time && fill_time < ny(6, 9, 31, 0),
        "{fill_time}"
    );

    // The next session journals that fill once (the reconciliation reads it).
    let mut config = session_config(&sim, 52, RiskLimits::default(), Vec::new());
    config.journal = first_trading_app::journal::Journal::open(&journal_path).expect("journal");
    let session = spawn_session(config);
    let day = exit.time.date_naive();
    let journaled = || {
        first_trading_app::journal::Journal::open(&journal_path)
            .and_then(|j| j.executions_on(day))
            .map(|e| e.iter().filter(|x| x.exec_id == exit.exec_id).count())
            .unwrap_or(0)
    };
    eventually(
        "the open's fill in the journal",
        Duration::from_secs(10),
        || journaled() == 1,
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(journaled(), 1);
    assert!(
        report.positions.iter().all(|p| p.quantity.is_zero()),
        "{report}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_entry_still_working_at_the_close_ends_cancelled_in_the_book_and_journal() {
    let sim = start_sim(nyse_from(NaiveTime::from_hms_opt(15, 59, 0).unwrap())).await;
    // A buy limit at 99 while SPY trades at 100: it rests until the close.
    let (strategy, _probe) = Scripted::new("SPY", dec!(10), 1);
    let strategy = strategy.limit_at(dec!(99));
    let journal_path = tempfile::tempdir()
        .expect("temp dir")
        .keep()
        .join("journal.db");
    let mut config = session_config(&sim, 53, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = first_trading_app::journal::Journal::open(&journal_path).expect("journal");
    let session = spawn_session(config);
    eventually(
        "the entry bracket working at TWS",
        Duration::from_secs(15),
        || sim.open_orders().iter().any(|o| o.tif == "DAY"),
    )
    .await;
    // 16:00: TWS cancels the DAY entry, and its GTC children with it.
    eventually("the close", Duration::from_secs(15), || {
        sim.open_orders().is_empty()
    })
    .await;
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let states = || {
        first_trading_app::journal::Journal::open(&journal_path)
            .and_then(|j| j.orders_on(monday))
            .map(|orders| orders.iter().map(|o| (o.kind, o.state)).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    eventually(
        "every leg cancelled in the journal",
        Duration::from_secs(5),
        || {
            let states = states();
            !states.is_empty()
                && states
                    .iter()
                    .all(|(_, s)| *s == first_trading_app::journal::OrderStatus::Cancelled)
        },
    )
    .await;
    assert!(states()
        .iter()
        .any(|(kind, _)| *kind
            == first_trading_app::domain::types::OrderKind::Limit { limit: dec!(99) }));
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.open_orders_left, Some(0), "{report}");
    assert!(report.parked.is_empty(), "{report}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gtc_protection_survives_a_crash_and_the_night_and_is_adopted_next_morning() {
    use common::binary::{command, write_config, Proc, FAST_SMA};
    let sim = start_sim(nyse_from(NaiveTime::from_hms_opt(15, 57, 0).unwrap())).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        FAST_SMA,
        "[shutdown]\ncancel_timeout_secs = 5\n",
    );
    let port = sim.local_addr().port().to_string();
    let bot = |dir: &std::path::Path| {
        let mut c = command(dir, &["run", "--config", config.to_str().unwrap()]);
        c.env("IBKR_ACCOUNT_ID", ACCOUNT)
            .env("IBKR_PORT", &port)
            .env("RUST_LOG", "info");
        Proc::spawn(c)
    };
    let mut first = bot(dir.path());
    first.stderr.wait_for(
        "subscribed to 5-second real-time bars",
        Duration::from_secs(15),
    );
    // A few flat bars, then a step up: the 2-over-3 average crosses and buys.
    let subscribed = sim.now();
    eventually("three flat bars", Duration::from_secs(5), || {
        sim.now() >= subscribed + chrono::Duration::seconds(20)
    })
    .await;
    sim.set_price("SPY", dec!(101));
    eventually(
        "a position with its stop and take-profit",
        Duration::from_secs(10),
        || sim.positions().iter().any(|p| !p.1.is_zero()) && sim.open_orders().len() == 2,
    )
    .await;
    let protection: Vec<(String, String)> = sim
        .open_orders()
        .iter()
        .map(|o| (o.order_ref.clone(), o.tif.clone()))
        .collect();
    assert!(
        protection.iter().all(|(_, tif)| tif == "GTC"),
        "{protection:?}"
    );
    first.crash();

    // The close passes (a tick sees it), then the night: GTC orders stay.
    sim.advance_clock(Duration::from_secs(5 * 60));
    sim.step(1);
    assert_eq!(sim.open_orders().len(), 2, "GTC orders survive the close");
    let now = sim.now();
    let tuesday_open = ny(6, 9, 30, 30);
    sim.advance_clock((tuesday_open - now).to_std().unwrap());
    sim.step(1);
    assert_eq!(sim.open_orders().len(), 2, "and the night");

    let mut second = bot(dir.path());
    second
        .stderr
        .wait_for("broker state adopted", Duration::from_secs(15));
    let log = second.stderr.text();
    for (order_ref, _) in &protection {
        assert!(
            log.lines()
                .any(|l| l.contains("adopted working order") && l.contains(order_ref.as_str())),
            "{order_ref} not adopted:\n{log}"
        );
    }
    assert!(!log.contains("halting trading"), "{log}");
    second.sigint();
    let status = second
        .wait_exit(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("still running:\n{}", second.dump()));
    assert_eq!(status.code(), Some(0), "{}", second.dump());
    sim.shutdown().await;
}
