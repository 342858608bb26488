//! The manual emergency commands against tws-sim over real sockets.
//!
//! Orders and positions are made by a separate real `ibapi` client (client
//! id 50, "another program"), then `cancel_everything` / `flatten_everything`
//! run on a connection of their own (another client id), and the simulator
//! itself is asked whether anything is still open or held. The last tests run
//! the real binary's `cancel-all` and `flatten` against `first-trading-app sim`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ibapi::contracts::Contract;
use ibapi::orders::{order_builder, Action, Order};
use ibapi::Client;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use first_trading_app::broker::tws::account::AccountError;
use first_trading_app::broker::tws::manual::{
    cancel_everything, flatten_everything, verify_account, ManualError, Scope,
};
use first_trading_app::broker::tws::{connect, snapshot};
use first_trading_app::domain::types::Side;
use first_trading_app::domain::AccountId;
use first_trading_app::risk::RiskLimits;
use first_trading_app::settings::TradingMode;

const ACCOUNT: &str = "DU1234567";
const BIN: &str = env!("CARGO_BIN_EXE_first-trading-app");
const TIMEOUT: Duration = Duration::from_secs(10);

async fn start_sim() -> tws_sim::SimHandle {
    tws_sim::Simulator::start(
        tws_sim::SimConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

/// "Another program": a plain `ibapi` client as client id 50.
async fn other_program(port: u16) -> Client {
    Client::connect(&format!("127.0.0.1:{port}"), 50)
        .await
        .unwrap()
}

async fn place(client: &Client, symbol: &str, order: Order) {
    let id = client.next_order_id();
    client
        .submit_order(id, &Contract::stock(symbol).build(), &order)
        .await
        .unwrap();
}

/// Polls `check` for up to 10 s.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn position(sim: &tws_sim::SimHandle, symbol: &str) -> Decimal {
    sim.positions()
        .into_iter()
        .find(|(s, _, _)| s == symbol)
        .map_or(Decimal::ZERO, |(_, q, _)| q)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_everything_cancels_another_clients_orders() {
    let sim = start_sim().await;
    let port = sim.local_addr().port();
    let other = other_program(port).await;
    place(
        &other,
        "SPY",
        order_builder::limit_order(Action::Buy, 100.0, 1.0),
    )
    .await;
    place(
        &other,
        "QQQ",
        order_builder::limit_order(Action::Sell, 10.0, 99_999.0),
    )
    .await;
    place(&other, "AAPL", order_builder::stop(Action::Sell, 5.0, 1.0)).await;
    eventually("3 resting orders", || sim.open_orders().len() == 3).await;

    let client = connect("127.0.0.1", port, 1050).await.unwrap();
    let report = cancel_everything(&client, ACCOUNT, TIMEOUT).await.unwrap();

    println!("{report}");
    assert!(sim.open_orders().is_empty(), "{:?}", sim.open_orders());
    assert!(report.is_clean(), "{report}");
    let cancelled = report.cancelled.clone().unwrap();
    let mut seen: Vec<(String, Side, Decimal, i32)> = cancelled
        .iter()
        .map(|o| (o.symbol.to_string(), o.side, o.quantity, o.client_id))
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            ("AAPL".to_string(), Side::Sell, dec!(5), 50),
            ("QQQ".to_string(), Side::Sell, dec!(10), 50),
            ("SPY".to_string(), Side::Buy, dec!(100), 50),
        ]
    );
    let text = report.to_string();
    assert!(text.contains("account DU****567"), "{text}");
    assert!(!text.contains(ACCOUNT), "{text}");
    assert!(text.contains("cancelled (3):"), "{text}");
    assert!(text.contains("left open: none"), "{text}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flatten_everything_cancels_stops_then_closes_long_and_short() {
    let sim = start_sim().await;
    let port = sim.local_addr().port();
    let other = other_program(port).await;
    place(
        &other,
        "SPY",
        order_builder::market_order(Action::Buy, 100.0),
    )
    .await;
    place(
        &other,
        "QQQ",
        order_builder::market_order(Action::Sell, 30.0),
    )
    .await;
    // A protective stop: if it survived the close it would open a short.
    place(&other, "SPY", order_builder::stop(Action::Sell, 100.0, 1.0)).await;
    eventually("filled positions and a working stop", || {
        position(&sim, "SPY") == dec!(100)
            && position(&sim, "QQQ") == dec!(-30)
            && sim.open_orders().len() == 1
    })
    .await;

    let client = Arc::new(connect("127.0.0.1", port, 1050).await.unwrap());
    let report = flatten_everything(
        &client,
        ACCOUNT,
        &Scope::All,
        &RiskLimits::default(),
        TIMEOUT,
        &mut temp_journal(),
    )
    .await
    .unwrap();

    println!("{report}");
    assert!(sim.positions().is_empty(), "{:?}", sim.positions());
    assert!(sim.open_orders().is_empty(), "{:?}", sim.open_orders());
    assert!(report.is_flat(), "{report}");
    assert_eq!(report.cancel.cancelled.as_ref().map(Vec::len), Some(1));
    let mut sent: Vec<(String, Side, Decimal)> = report
        .sent
        .iter()
        .map(|o| (o.symbol.to_string(), o.side, o.quantity))
        .collect();
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sent,
        vec![
            ("QQQ".to_string(), Side::Buy, dec!(30)),
            ("SPY".to_string(), Side::Sell, dec!(100)),
        ]
    );
    // The closing orders are ours (client 1050), flatten legs in the manual
    // namespace, numbered from 1, each filled completely.
    let closing: Vec<_> = sim
        .all_orders()
        .into_iter()
        .filter(|o| o.client_id == 1050)
        .collect();
    assert_eq!(closing.len(), 2);
    assert_ne!(closing[0].order_ref, closing[1].order_ref);
    for order in &closing {
        assert!(order.order_ref.starts_with("ftm-"), "{}", order.order_ref);
        assert!(order.order_ref.ends_with("-F"), "{}", order.order_ref);
        assert!(
            order.order_ref.contains("-s65535-00000"),
            "{}",
            order.order_ref
        );
        assert_eq!(order.filled, order.qty);
    }
    let text = report.to_string();
    assert!(
        text.contains("positions left: none (TWS confirms flat)"),
        "{text}"
    );
    assert!(!text.contains(ACCOUNT), "{text}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flatten_with_nothing_open_or_held_is_flat_and_sends_nothing() {
    let sim = start_sim().await;
    let client = Arc::new(
        connect("127.0.0.1", sim.local_addr().port(), 1050)
            .await
            .unwrap(),
    );
    let report = flatten_everything(
        &client,
        ACCOUNT,
        &Scope::All,
        &RiskLimits::default(),
        TIMEOUT,
        &mut temp_journal(),
    )
    .await
    .unwrap();
    assert!(report.is_flat(), "{report}");
    assert!(report.sent.is_empty() && report.found.is_empty());
    assert!(sim.all_orders().is_empty());
    assert!(report.to_string().contains("cancelled: nothing was open"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_account_refuses_an_unmanaged_account_or_the_wrong_mode() {
    let sim = start_sim().await;
    let client = connect("127.0.0.1", sim.local_addr().port(), 1050)
        .await
        .unwrap();
    verify_account(
        &client,
        &AccountId::parse(ACCOUNT).unwrap(),
        TradingMode::Paper,
    )
    .await
    .unwrap();
    let error = verify_account(
        &client,
        &AccountId::parse("DU7654321").unwrap(),
        TradingMode::Paper,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        error,
        ManualError::Account(AccountError::NotManaged { .. })
    ));
    let text = error.to_string();
    assert!(
        text.contains("DU****321") && text.contains("DU****567"),
        "{text}"
    );
    assert!(
        !text.contains("DU7654321") && !text.contains(ACCOUNT),
        "{text}"
    );
    let error = verify_account(
        &client,
        &AccountId::parse(ACCOUNT).unwrap(),
        TradingMode::Live,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            ManualError::Account(AccountError::ModeMismatch {
                actual: "paper",
                ..
            })
        ),
        "{error}"
    );
    sim.shutdown().await;
}

// ---- the real binary -------------------------------------------------------

/// `first-trading-app sim --port 0` as a child process (the OS picks the
/// port; the simulator prints it as `tws-sim listening on 127.0.0.1:<port>`
/// once it accepts connections); killed on drop.
struct SimChild {
    child: Child,
    port: u16,
}

impl SimChild {
    fn start() -> Self {
        let mut child = Command::new(BIN)
            .args(["sim", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // The first stdout line is the listening address; reading it blocks
        // until the simulator is ready (or has exited: then it is empty).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next().and_then(Result::ok).unwrap_or_default());
            lines.for_each(drop); // keep the pipe open and drained
        });
        let line = rx
            .recv_timeout(TIMEOUT)
            .expect("sim child reports its port");
        let port = line
            .trim()
            .strip_prefix("tws-sim listening on 127.0.0.1:")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("sim child did not listen: {line:?}"));
        Self { child, port }
    }
}

impl Drop for SimChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary in `dir` with a clean `IBKR_*` environment, the sim's
/// paper account and port, and stdin from /dev/null.
fn run_bin(dir: &Path, port: u16, args: &[&str]) -> Output {
    let config = dir.join("config.toml");
    std::fs::write(&config, "strategies = []\n").unwrap();
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .args(args)
        .args(["--config", config.to_str().unwrap()])
        .stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("IBKR_") {
            command.env_remove(key);
        }
    }
    command
        .env_remove("RUST_LOG")
        .env("IBKR_ACCOUNT_ID", ACCOUNT)
        .env("IBKR_PORT", port.to_string());
    command.output().unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_cancel_all_and_flatten_against_the_sim_subcommand() {
    let sim = SimChild::start();
    let other = other_program(sim.port).await;
    place(
        &other,
        "SPY",
        order_builder::limit_order(Action::Buy, 100.0, 1.0),
    )
    .await;
    place(
        &other,
        "MSFT",
        order_builder::market_order(Action::Buy, 7.0),
    )
    .await;
    let start = Instant::now();
    loop {
        let held = snapshot::positions(&other, ACCOUNT).await.unwrap();
        if held.iter().any(|p| p.quantity == dec!(7)) {
            break;
        }
        assert!(start.elapsed() < TIMEOUT, "MSFT did not fill: {held:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dir = tempfile::tempdir().unwrap();

    let port = sim.port;
    let path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || run_bin(&path, port, &["cancel-all"]))
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("=== cancel-all: account DU****567 ==="),
        "{stdout}"
    );
    assert!(stdout.contains("cancelled (1):"), "{stdout}");
    assert!(stdout.contains("left open: none"), "{stdout}");
    assert!(
        !stdout.contains(ACCOUNT) && !stderr.contains(ACCOUNT),
        "{stdout}\n{stderr}"
    );

    // Without a terminal and without --yes, flatten refuses before connecting.
    let path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || run_bin(&path, port, &["flatten"]))
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("pass --yes"), "{stderr}");

    // By default flatten touches only the bot's own (its strategies' symbols):
    // the MSFT position another program holds is left alone.
    let path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || run_bin(&path, port, &["flatten", "--yes"]))
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the bot's own orders cancelled one by one"),
        "{stdout}"
    );
    let positions = snapshot::positions(&other, ACCOUNT).await.unwrap();
    assert_eq!(positions.len(), 1, "{positions:?}");
    assert_eq!(
        (positions[0].symbol.as_str(), positions[0].quantity),
        ("MSFT", dec!(7))
    );

    // --all: IB's global cancel and every position of the account.
    let path = dir.path().to_path_buf();
    let out =
        tokio::task::spawn_blocking(move || run_bin(&path, port, &["flatten", "--yes", "--all"]))
            .await
            .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("=== flatten: account DU****567 ==="),
        "{stdout}"
    );
    assert!(stdout.contains("global cancel sent"), "{stdout}");
    assert!(stdout.contains("MSFT"), "{stdout}");
    assert!(stdout.contains("positions left: none"), "{stdout}");
    assert!(
        !stdout.contains(ACCOUNT) && !stderr.contains(ACCOUNT),
        "{stdout}\n{stderr}"
    );
    let positions = snapshot::positions(&other, ACCOUNT).await.unwrap();
    assert!(positions.is_empty(), "{positions:?}");
}

/// A fresh journal in its own temporary directory (kept for the test's life).
fn temp_journal() -> first_trading_app::journal::Journal {
    let dir = tempfile::tempdir().unwrap().keep();
    first_trading_app::journal::Journal::open(&dir.join("journal.db")).unwrap()
}

/// Buys `quantity` MSFT at market as "another program" and waits until the
/// account holds `quantity`.
async fn hold_msft(other: &Client, quantity: f64) {
    place(
        other,
        "MSFT",
        order_builder::market_order(Action::Buy, quantity),
    )
    .await;
    let start = Instant::now();
    loop {
        let held = snapshot::positions(other, ACCOUNT).await.unwrap();
        if held
            .iter()
            .any(|p| p.quantity == Decimal::try_from(quantity).unwrap())
        {
            return;
        }
        assert!(start.elapsed() < TIMEOUT, "MSFT did not fill: {held:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two `flatten` runs the same day: each closing order carries its own
/// `orderRef` in the manual namespace (`ftm-…`, numbered 1 then 2 from the
/// journal), and both are journaled with their fills.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_flatten_runs_the_same_day_use_distinct_journaled_refs() {
    let sim = SimChild::start();
    let other = other_program(sim.port).await;
    let dir = tempfile::tempdir().unwrap();
    let day = first_trading_app::domain::calendar::trading_day(chrono::Utc::now());
    let mut refs = Vec::new();
    for (run, quantity) in [(1, 7.0), (2, 3.0)] {
        hold_msft(&other, quantity).await;
        let (port, path) = (sim.port, dir.path().to_path_buf());
        let out = tokio::task::spawn_blocking(move || {
            run_bin(&path, port, &["flatten", "--yes", "--all"])
        })
        .await
        .unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "run {run}: {stdout}\n{stderr}");
        let expected = format!("ftm-{}-s65535-{run:06}-F", day.format("%Y%m%d"));
        assert!(
            stdout.contains(&format!("ref {expected}")),
            "run {run}: {stdout}"
        );
        refs.push(expected);
    }
    let journal =
        first_trading_app::journal::Journal::open(&dir.path().join("journal/first-trading-app.db"))
            .unwrap();
    let orders = journal.orders_on(day).unwrap();
    let journaled: Vec<(String, &str, Decimal)> = orders
        .iter()
        .map(|o| (o.order_ref.to_string(), o.state.as_str(), o.filled))
        .collect();
    assert_eq!(
        journaled,
        [
            (refs[0].clone(), "filled", dec!(7)),
            (refs[1].clone(), "filled", dec!(3)),
        ]
    );
    // Executions carry the simulator's clock, which starts on its own date.
    let sim_day = tws_sim::SimConfig::default().start_date;
    let executions = journal.executions_on(sim_day).unwrap();
    for reference in &refs {
        assert!(
            executions
                .iter()
                .any(|e| e.order_ref.as_deref() == Some(reference.as_str())),
            "no execution journaled for {reference}: {executions:?}"
        );
    }
}
