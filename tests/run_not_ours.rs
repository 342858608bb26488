//! Whole flow, bot ⇄ tws-sim over real sockets: what is not ours is left
//! alone. Positions held before the bot starts in a symbol no strategy trades
//! (AAPL shares) or of another security type (an SPY option, while the
//! strategy trades SPY shares) are listed once as "not managed" and survive
//! Ctrl+C ×2; orders typed into TWS by hand (client 0, no orderRef) or placed
//! by another API client survive Ctrl+C, do not halt trading, and are listed
//! in the final report as not ours.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{SimConfig, StartOrder, StartPosition, Status};

use common::*;
use first_trading_app::risk::RiskLimits;
use first_trading_app::shutdown::ShutdownStage;

const OPTION_KEY: &str = "OPT SPY   260116C00600000 USD";

fn manual_order(client_id: i32, order_id: i32) -> StartOrder {
    StartOrder::limit(client_id, order_id, "AAPL", "BUY", dec!(5), dec!(150))
}

fn sim_with_foreign_state() -> SimConfig {
    SimConfig {
        start_positions: vec![
            StartPosition::stock("AAPL", dec!(10), dec!(200)),
            StartPosition::other("OPT", "SPY", "SPY   260116C00600000", dec!(2), dec!(1250)),
        ],
        start_orders: vec![manual_order(0, 900), manual_order(7, 41)],
        ..quiet_sim()
    }
}

fn foreign_positions(
    sim: &tws_sim::SimHandle,
) -> Vec<(String, rust_decimal::Decimal, rust_decimal::Decimal)> {
    let mut held: Vec<_> = sim
        .positions()
        .into_iter()
        .filter(|(key, _, _)| key != "SPY")
        .collect();
    held.sort();
    held
}

fn working_foreign_orders(sim: &tws_sim::SimHandle) -> Vec<(i32, i32, Status)> {
    let mut orders: Vec<_> = sim
        .open_orders()
        .into_iter()
        .filter(|o| o.order_ref.is_empty())
        .map(|o| (o.client_id, o.order_id, o.status))
        .collect();
    orders.sort_by_key(|&(client, id, _)| (client, id));
    orders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_and_orders_not_ours_survive_ctrl_c_twice() {
    init_tracing();
    let sim = start_sim(sim_with_foreign_state()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let strategy = strategy.adding_below(dec!(588), dec!(1));
    // Client 0: TWS sends it the status of orders typed into TWS by hand.
    let mut config = session_config(&sim, 0, RiskLimits::default(), vec![strategy.boxed()]);
    config.status_interval = Duration::from_millis(200);
    let session = spawn_session(config);
    eventually("the bot to hold 10 SPY", Duration::from_secs(5), || {
        probe.position() == dec!(10) && sim.open_orders().len() == 4
    })
    .await;
    // The status line lists what the bot leaves alone.
    eventually(
        "a status line listing the orders not ours",
        Duration::from_secs(5),
        || {
            log_text().lines().any(|l| {
                l.contains("status")
                    && l.contains("client 0 #900 BUY 5 AAPL")
                    && l.contains("client 7 #41 BUY 5 AAPL")
            })
        },
    )
    .await;
    // Typed into TWS by hand during the session: arrives on the bot's stream.
    sim.place_as_other_client(&manual_order(0, 5000)).unwrap();
    // Trading goes on: the strategy still adds below 588.
    assert!(sim.set_price("SPY", dec!(585.00)));
    eventually("the bot to add to SPY", Duration::from_secs(8), || {
        probe.position() > dec!(10)
    })
    .await;
    assert!(probe.rejections().is_empty(), "{:?}", probe.rejections());

    session.trigger.escalate(ShutdownStage::Shutdown);
    let report = session
        .finish(ShutdownStage::Flatten, Duration::from_secs(15))
        .await
        .expect("session ran");

    assert!(report.flattened);
    assert!(
        !sim.positions().iter().any(|(key, _, _)| key == "SPY"),
        "{:?}",
        sim.positions()
    );
    assert_eq!(
        foreign_positions(&sim),
        vec![
            ("AAPL".to_string(), dec!(10), dec!(200)),
            (OPTION_KEY.to_string(), dec!(2), dec!(1250)),
        ]
    );
    assert_eq!(
        working_foreign_orders(&sim),
        vec![
            (0, 900, Status::Submitted),
            (0, 5000, Status::Submitted),
            (7, 41, Status::Submitted)
        ]
    );
    assert_eq!(report.open_orders_left, Some(0));
    let mut not_ours: Vec<(i32, i32)> = report
        .not_ours
        .iter()
        .map(|o| (o.client_id, o.order_id))
        .collect();
    not_ours.sort();
    assert_eq!(not_ours, vec![(0, 900), (0, 5000), (7, 41)]);
    assert!(
        report
            .to_string()
            .contains("not ours, left alone: order 5000 of client 0"),
        "{report}"
    );

    let text = log_text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("not managed:"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("not managed: AAPL 10, OPT SPY   260116C00600000 2"),
        "{}",
        lines[0]
    );
}
