//! `flatten` without `--all`, against tws-sim over real sockets: only the
//! bot's own is touched — its orders (its client id and orderRef prefix) are
//! cancelled one by one and its US stock positions in its strategies'
//! symbols are closed; a position bought by hand in another symbol and an
//! order typed into TWS are left exactly as they were.

mod common;

use std::sync::Arc;
use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{StartOrder, StartPosition, Status};

use common::*;
use first_trading_app::broker::tws::manual::{flatten_everything, Scope};
use first_trading_app::domain::types::Symbol;
use first_trading_app::risk::RiskLimits;

/// The bot's client id in this test.
const BOT: i32 = 3;

fn order(client_id: i32, order_id: i32, symbol: &str, order_ref: &str) -> StartOrder {
    StartOrder {
        client_id,
        order_id,
        symbol: symbol.into(),
        action: "SELL".into(),
        quantity: dec!(10),
        order_type: "STP".into(),
        limit: None,
        stop: Some(dec!(100)),
        order_ref: order_ref.into(),
        tif: "GTC".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_scope_closes_the_bots_symbols_and_leaves_the_rest() {
    let sim = start_sim(tws_sim::SimConfig {
        start_positions: vec![
            StartPosition::stock("SPY", dec!(10), dec!(580)),
            StartPosition::stock("AAPL", dec!(10), dec!(200)),
        ],
        start_orders: vec![
            order(BOT, 11, "SPY", "fta-20260105-s1-000001-S"),
            order(0, 900, "AAPL", ""),
        ],
        ..quiet_sim()
    })
    .await;
    let client = Arc::new(
        ibapi::Client::connect(&sim.local_addr().to_string(), BOT)
            .await
            .unwrap(),
    );
    let scope = Scope::Bot {
        client_id: BOT,
        symbols: vec![Symbol::new("SPY").unwrap()],
    };

    let report = flatten_everything(
        &client,
        ACCOUNT,
        &scope,
        &RiskLimits::default(),
        Duration::from_secs(5),
        &mut common::temp_journal(),
    )
    .await
    .unwrap();

    assert!(report.is_flat(), "{report}");
    let mut held = sim.positions();
    held.sort();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!((held[0].0.as_str(), held[0].1), ("AAPL", dec!(10)));
    let open: Vec<(i32, i32, Status)> = sim
        .open_orders()
        .iter()
        .map(|o| (o.client_id, o.order_id, o.status))
        .collect();
    assert_eq!(
        open,
        [(0, 900, Status::Submitted)],
        "only the order typed into TWS is left"
    );
    client.disconnect().await;
    sim.shutdown().await;
}
