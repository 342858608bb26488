//! The manual emergency commands when TWS misbehaves (tws-sim fault
//! scripts): a rejected closing order is reported and ends the wait early;
//! a TWS that stops answering is reported as unknown — never as done — and
//! no closing order is sent while orders may still be open.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ibapi::contracts::Contract;
use ibapi::orders::{order_builder, Action, Order};
use ibapi::Client;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use first_trading_app::broker::tws::connect;
use first_trading_app::broker::tws::manual::{flatten_everything, Scope};
use first_trading_app::risk::RiskLimits;

const ACCOUNT: &str = "DU1234567";

async fn start_sim() -> tws_sim::SimHandle {
    tws_sim::Simulator::start(
        tws_sim::SimConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

/// "Another program" (client id 50) places `order` for `symbol`.
async fn place(client: &Client, symbol: &str, order: Order) {
    let id = client.next_order_id();
    client
        .submit_order(id, &Contract::stock(symbol).build(), &order)
        .await
        .unwrap();
}

fn position(sim: &tws_sim::SimHandle, symbol: &str) -> Decimal {
    sim.positions()
        .into_iter()
        .find(|(s, _, _)| s == symbol)
        .map_or(Decimal::ZERO, |(_, q, _)| q)
}

/// Opens a 100-share SPY position from client 50 and waits for the fill.
async fn long_spy(sim: &tws_sim::SimHandle) -> Client {
    let other = Client::connect(&format!("127.0.0.1:{}", sim.local_addr().port()), 50)
        .await
        .unwrap();
    place(
        &other,
        "SPY",
        order_builder::market_order(Action::Buy, 100.0),
    )
    .await;
    let start = Instant::now();
    while position(sim, "SPY") != dec!(100) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "SPY did not fill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    other
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_closing_order_is_reported_and_ends_the_wait() {
    let sim = start_sim().await;
    let _other = long_spy(&sim).await;
    sim.reject_nth_order(1, 201, "Order rejected - reason: scripted");
    let client = Arc::new(
        connect("127.0.0.1", sim.local_addr().port(), 1050)
            .await
            .unwrap(),
    );
    let timeout = Duration::from_secs(20);
    let start = Instant::now();
    let report = flatten_everything(
        &client,
        ACCOUNT,
        &Scope::All,
        &RiskLimits::default(),
        timeout,
        &mut temp_journal(),
    )
    .await
    .unwrap();
    let elapsed = start.elapsed();
    println!("{report}");

    assert!(!report.is_flat(), "{report}");
    assert_eq!(position(&sim, "SPY"), dec!(100), "nothing was closed");
    assert_eq!(report.sent.len(), 1);
    assert_eq!(report.refused.len(), 1, "{report}");
    assert_eq!(report.refused[0].symbol.as_str(), "SPY");
    assert_eq!(report.refused[0].quantity, dec!(100));
    assert!(
        report.refused[0]
            .reason
            .contains("TWS rejected the closing order (201"),
        "{}",
        report.refused[0].reason
    );
    let left = report.left.clone().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].quantity, dec!(100));
    assert!(
        elapsed < Duration::from_secs(10),
        "stopped waiting once every closing order was rejected, took {elapsed:?}"
    );
    let text = report.to_string();
    assert!(text.contains("NOT closed (1):"), "{text}");
    assert!(
        text.contains("positions left (1) — CLOSE THEM IN TWS:"),
        "{text}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_tws_is_reported_unknown_and_nothing_is_closed() {
    let sim = start_sim().await;
    let other = long_spy(&sim).await;
    place(&other, "SPY", order_builder::stop(Action::Sell, 100.0, 1.0)).await;
    let client = Arc::new(
        connect("127.0.0.1", sim.local_addr().port(), 1050)
            .await
            .unwrap(),
    );
    // From now on every answer arrives after every deadline below.
    sim.set_response_delay(Duration::from_secs(30));
    let report = flatten_everything(
        &client,
        ACCOUNT,
        &Scope::All,
        &RiskLimits::default(),
        Duration::from_secs(1),
        &mut temp_journal(),
    )
    .await
    .unwrap();
    println!("{report}");

    assert_eq!(report.cancel.cancelled, None);
    assert_eq!(report.cancel.left, None);
    assert!(!report.cancel.is_clean());
    assert!(
        !report.attempted,
        "no closing order while orders may be open"
    );
    assert!(report.sent.is_empty());
    assert_eq!(report.left, None);
    assert!(!report.is_flat());
    // The cancel itself went out: the simulator applied it.
    assert!(sim.open_orders().is_empty(), "{:?}", sim.open_orders());
    assert_eq!(position(&sim, "SPY"), dec!(100));
    assert!(sim.all_orders().iter().all(|o| o.client_id == 50));
    let text = report.to_string();
    assert!(text.contains("left open: UNKNOWN"), "{text}");
    assert!(text.contains("closing orders: NOT SENT"), "{text}");
    assert!(text.contains("positions left: UNKNOWN"), "{text}");
    sim.set_response_delay(Duration::ZERO);
    sim.shutdown().await;
}

/// A fresh journal in its own temporary directory (kept for the test's life).
fn temp_journal() -> first_trading_app::journal::Journal {
    let dir = tempfile::tempdir().unwrap().keep();
    first_trading_app::journal::Journal::open(&dir.join("journal.db")).unwrap()
}
