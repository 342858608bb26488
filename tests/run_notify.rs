//! Whole flow, bot ⇄ tws-sim over real sockets, webhooks to real HTTP
//! receivers on loopback: a fill and a HALTED reach the receiver with the
//! schema the README documents; a receiver that never answers holds up
//! nothing; a long disconnect and its end are announced; the daily summary
//! arrives at the session close.

mod common;

use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use tws_sim::SimConfig;

use common::webhook::{DeadReceiver, Receiver};
use common::*;
use first_trading_app::domain::webhook::WebhookUrl;
use first_trading_app::domain::AccountId;
use first_trading_app::notify::{Header, Notifier, NotifyConfig, Policy};
use first_trading_app::risk::RiskLimits;
use first_trading_app::settings::NotifyEvent;

/// Every event to `urls`; a 1 s disconnect threshold; `policy`.
fn notifier(urls: &[String], policy: Policy) -> Notifier {
    let config = NotifyConfig {
        urls: urls.iter().map(|u| WebhookUrl::parse(u).unwrap()).collect(),
        events: NotifyEvent::ALL.to_vec(),
        queue: 16,
        disconnect_after: Duration::from_secs(1),
        policy,
    };
    let header = Header {
        mode: "paper".to_string(),
        account: AccountId::parse(ACCOUNT).unwrap().masked(),
    };
    Notifier::start(config, header)
}

/// 0.1 % of 1 000 000 = 1 000. Buying 80 SPY at the 590.01 ask and marking
/// them at 577.00 loses 80 × 13.01 = 1 040.80 plus the 1.00 commission:
/// HALTED for the day (as in tests/run_risk.rs).
fn loss_limits() -> RiskLimits {
    RiskLimits {
        max_daily_loss_pct: dec!(0.001),
        ..RiskLimits::default()
    }
}

/// `body` without its `time` (checked to be RFC 3339 UTC) and `order_ref`.
fn stable_part(body: &Value) -> Value {
    let time = body["time"].as_str().expect("time is a string");
    assert!(time.ends_with('Z'), "{time}");
    DateTime::parse_from_rfc3339(time).expect("time is RFC 3339");
    let mut body = body.clone();
    let fields = body.as_object_mut().unwrap();
    fields.remove("time");
    fields.remove("order_ref");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_and_a_halt_reach_the_receiver_with_the_documented_schema() {
    let sim = start_sim(quiet_sim()).await;
    let receiver = Receiver::start().await;
    let notifier = notifier(&[receiver.url()], Policy::default());
    let (strategy, probe) = Scripted::new("SPY", dec!(80), 1);
    let mut config = session_config(&sim, 61, loss_limits(), vec![strategy.boxed()]);
    config.notifier = notifier.clone();
    let session = spawn_session(config);

    eventually("the fill notified", Duration::from_secs(10), || {
        !receiver.events("fill").is_empty()
    })
    .await;
    let fill = &receiver.events("fill")[0];
    assert_eq!(
        stable_part(fill),
        json!({
            "schema": 1,
            "event": "fill",
            "mode": "paper",
            "account": "DU****567",
            "symbol": "SPY",
            "side": "BUY",
            "quantity": "80",
            "price": "590.01"
        })
    );
    // The order reference is the entry's at the simulator.
    let entry = &sim.all_orders()[0];
    assert_eq!(fill["order_ref"], entry.order_ref.as_str());

    assert!(sim.set_price("SPY", dec!(577.00)));
    eventually("HALTED notified", Duration::from_secs(10), || {
        !receiver.events("state").is_empty()
    })
    .await;
    let halt = &receiver.events("state")[0];
    assert_eq!(
        stable_part(halt),
        json!({
            "schema": 1,
            "event": "state",
            "mode": "paper",
            "account": "DU****567",
            "from": "ACTIVE",
            "to": "HALTED",
            "cause": "daily_loss",
            "reason": "trading state ACTIVE → HALTED: daily loss $1,041.80 = 0.1% of start-of-day equity $1,000,000.00 ≥ limit 0.1%"
        })
    );
    // A real POST of JSON to the configured path, with the secret in the
    // URL, never in the log.
    let request = &receiver.received()[0];
    assert!(
        request
            .request_line
            .starts_with("POST /hook/SECRET-TOKEN?key=SECRET-KEY HTTP/1.1"),
        "{}",
        request.request_line
    );
    assert!(request
        .headers
        .contains(&("content-type".to_string(), "application/json".to_string())));
    assert!(probe.rejections().iter().all(|r| r.contains("HALTED")));

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(notifier.flush(Duration::from_secs(5)).await, 0);
    assert_eq!((notifier.failed(), notifier.dropped()), (0, 0));
    assert_eq!(notifier.sent(), receiver.received().len() as u64);
    assert_eq!(report.state.to_string(), "HALTED");
    let log = log_text();
    assert!(log.contains("webhook notifications on"), "{log}");
    assert!(!log.contains("SECRET"), "{log}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_reject_reaches_the_receiver_with_ib_s_code_and_text() {
    let sim = start_sim(quiet_spy_at(dec!(100))).await;
    // The bracket is entry, stop, target: TWS refuses the entry.
    sim.reject_nth_order(1, 201, "Order rejected - reason:Insufficient margin");
    let receiver = Receiver::start().await;
    let notifier = notifier(&[receiver.url()], Policy::default());
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&sim, 65, RiskLimits::default(), vec![strategy.boxed()]);
    config.notifier = notifier.clone();
    let session = spawn_session(config);

    eventually("the reject notified", Duration::from_secs(10), || {
        !receiver.events("reject").is_empty()
    })
    .await;
    let reject = &receiver.events("reject")[0];
    assert_eq!(
        stable_part(reject),
        json!({
            "schema": 1,
            "event": "reject",
            "mode": "paper",
            "account": "DU****567",
            "symbol": "SPY",
            "code": 201,
            "message": "Order rejected - reason:Insufficient margin"
        })
    );
    // The refused entry is not kept at the simulator; its bracket's stop is,
    // under the same reference but for the leg letter (E entry, S stop).
    let stop = &sim.all_orders()[0].order_ref;
    let entry_ref = format!("{}E", stop.strip_suffix('S').unwrap());
    assert_eq!(reject["order_ref"], entry_ref.as_str());
    eventually("the strategy told", Duration::from_secs(5), || {
        !probe.rejections().is_empty()
    })
    .await;
    assert_eq!(
        probe.rejections()[0],
        "rejected by the broker (IB error 201)"
    );
    let _ = session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_holds_up_neither_trading_nor_the_other_url() {
    let sim = start_sim(quiet_sim()).await;
    let dead = DeadReceiver::start().await;
    let live = Receiver::start().await;
    let policy = Policy {
        attempt_timeout: Duration::from_millis(300),
        retries: 1,
        first_backoff: Duration::from_millis(50),
    };
    let notifier = notifier(&[dead.url(), live.url()], policy);
    // After the drop below 580 the strategy keeps asking to add: each bar's
    // entry refused as HALTED shows the loop handling events.
    let (strategy, probe) = Scripted::new("SPY", dec!(80), 1);
    let strategy = strategy.adding_after_drop_below(dec!(580), dec!(1));
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.db");
    let mut config = session_config(&sim, 62, loss_limits(), vec![strategy.boxed()]);
    config.journal = first_trading_app::journal::Journal::open(&journal_path).unwrap();
    config.notifier = notifier.clone();
    let session = spawn_session(config);

    // The fill: journaled, and its notification hanging at the dead receiver.
    eventually(
        "the fill journaled and delivered to the live URL",
        Duration::from_secs(10),
        || probe.position() == dec!(80) && !live.events("fill").is_empty(),
    )
    .await;
    eventually(
        "the dead receiver holding a delivery",
        Duration::from_secs(5),
        || dead.accepted() >= 1,
    )
    .await;
    let db = rusqlite::Connection::open(&journal_path).unwrap();
    let executions: i64 = db
        .query_row("SELECT COUNT(*) FROM executions", [], |row| row.get(0))
        .unwrap();
    assert_eq!(executions, 1);

    // The dead URL's deliveries time out and are given up…
    eventually("a delivery given up", Duration::from_secs(10), || {
        notifier.failed() >= 1
    })
    .await;
    // …while the bot keeps reacting: the loss halts it, later bars' entries
    // are refused, and the live URL hears of the halt.
    assert!(sim.set_price("SPY", dec!(577.00)));
    eventually(
        "HALTED, entries refused, and notified to the live URL",
        Duration::from_secs(10),
        || probe.rejections().len() >= 3 && !live.events("state").is_empty(),
    )
    .await;
    assert_eq!(live.events("state")[0]["to"], "HALTED");
    eventually(
        "the halt given up at the dead URL",
        Duration::from_secs(10),
        || notifier.failed() >= 2,
    )
    .await;
    let _ = session.shut_down(Duration::from_secs(10)).await;
    let log = log_text();
    let given_up: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("webhook notification not delivered: given up"))
        .collect();
    assert!(!given_up.is_empty(), "{log}");
    let dead_shown = format!("url=http://{}/****", dead.url().split('/').nth(2).unwrap());
    assert!(
        given_up
            .iter()
            .all(|l| l.contains(&dead_shown) && l.contains("attempts=2")),
        "{given_up:#?}"
    );
    assert!(!log.contains("SECRET"), "{log}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_disconnect_is_announced_and_so_is_its_end() {
    let sim = start_sim(quiet_sim()).await;
    let receiver = Receiver::start().await;
    let notifier = notifier(&[receiver.url()], Policy::default());
    let mut config = session_config(&sim, 63, RiskLimits::default(), Vec::new());
    config.notifier = notifier.clone();
    let session = spawn_session(config);
    eventually("the session trading", Duration::from_secs(10), || {
        log_text()
            .lines()
            .any(|l| l.contains("client_id=63") && l.contains("market data subscriptions started"))
    })
    .await;

    // 1100, 500 s of market silence (2 s at 250×), then 1102: longer than
    // the 1 s threshold.
    sim.nightly_reset(Duration::from_secs(500), true);
    eventually(
        "the outage and its end notified",
        Duration::from_secs(10),
        || receiver.events("disconnect").len() >= 2,
    )
    .await;
    let events = receiver.events("disconnect");
    assert_eq!(events.len(), 2, "{events:#?}");
    let (down, restored) = (&events[0], &events[1]);
    assert_eq!(
        (&down["link"], &restored["link"]),
        (&json!("down"), &json!("restored"))
    );
    assert_eq!(down["seconds"], 1);
    assert_eq!(down["since"], restored["since"], "one outage");
    assert!(restored["seconds"].as_u64().unwrap() >= 1, "{restored}");
    DateTime::parse_from_rfc3339(down["since"].as_str().unwrap()).unwrap();

    let _ = session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_summary_arrives_at_the_close() {
    // 15:00 New York at 250×: the close is 14 s away until the test moves
    // the clock (once the bot is trading, however long it took to start).
    let sim = start_sim(SimConfig {
        start_time: NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
        ..quiet_spy_at(dec!(100))
    })
    .await;
    let receiver = Receiver::start().await;
    let notifier = notifier(&[receiver.url()], Policy::default());
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let mut config = session_config(&sim, 64, RiskLimits::default(), vec![strategy.boxed()]);
    config.notifier = notifier.clone();
    let session = spawn_session(config);
    eventually("10 SPY held", Duration::from_secs(10), || {
        probe.position() == dec!(10)
    })
    .await;
    assert!(receiver.events("daily_summary").is_empty());
    let to = Utc.with_ymd_and_hms(2026, 1, 5, 20, 59, 50).unwrap();
    sim.advance_clock((to - sim.now()).to_std().expect("before 15:59:50"));

    eventually("the daily summary", Duration::from_secs(15), || {
        !receiver.events("daily_summary").is_empty()
    })
    .await;
    let summary = &receiver.events("daily_summary")[0];
    // One entry of 10 SPY at 100.00, marked at 100.00: the day lost only the
    // 1.00 commission (IB's minimum for 10 shares).
    assert_eq!(
        stable_part(summary),
        json!({
            "schema": 1,
            "event": "daily_summary",
            "mode": "paper",
            "account": "DU****567",
            "day": "2026-01-05",
            "state": "ACTIVE",
            "day_pnl": "-1.00",
            "trades": 1,
            "positions": [{ "symbol": "SPY", "quantity": "10", "average_cost": "100.00" }]
        })
    );
    let time = DateTime::parse_from_rfc3339(summary["time"].as_str().unwrap()).unwrap();
    let close = Utc.with_ymd_and_hms(2026, 1, 5, 21, 0, 0).unwrap();
    assert!(time >= close, "sent at or after 16:00 New York: {time}");
    let _ = session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

/// The binary: `run --sim` with `[notify]` in config.toml notifies its fills,
/// and on Ctrl+C the shutdown's HALTED goes out before the process exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_sim_notifies_fills_and_delivers_the_shutdown_halt_before_exiting() {
    use common::binary::{command, write_config, Proc, FAST_SMA};
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let notify = format!(
        "[notify]\nurls = [\"{}\"]\nevents = [\"fill\", \"state\"]\n\n[logging]\nstatus_interval_secs = 0\n",
        receiver.url()
    );
    write_config(dir.path(), FAST_SMA, &notify);
    let mut run = command(dir.path(), &["run", "--sim"]);
    // The HTTP stack's own tracing too: it must not leak the URL either.
    run.env(
        "RUST_LOG",
        "info,reqwest=trace,hyper=trace,hyper_util=trace",
    );
    let mut bot = Proc::spawn(run);
    eventually("a fill notified", Duration::from_secs(30), || {
        !receiver.events("fill").is_empty()
    })
    .await;
    assert_eq!(receiver.events("fill")[0]["symbol"], "SPY");
    assert!(receiver.events("state").is_empty());

    bot.sigint();
    let status = tokio::task::block_in_place(|| bot.wait_exit(Duration::from_secs(15)))
        .unwrap_or_else(|| panic!("still running:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    // Delivered before the exit: no waiting here.
    let states = receiver.events("state");
    assert_eq!(states.len(), 1, "{states:#?}");
    assert_eq!(
        (&states[0]["to"], &states[0]["cause"], &states[0]["account"]),
        (&json!("HALTED"), &json!("shutdown"), &json!("DU****567"))
    );
    let output = bot.dump();
    assert!(output.contains("webhook notifications on"), "{output}");
    // The HTTP client traced its connections (host and port only)…
    assert!(output.contains("connecting to 127.0.0.1:"), "{output}");
    // …and nothing anywhere showed the URL's path or query.
    assert!(!output.contains("SECRET"), "{output}");
}
