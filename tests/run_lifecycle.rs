//! Whole flow, bot ⇄ tws-sim over real sockets: the order lifecycle as TWS
//! reports it — a refused bracket parent ends its children, an execution
//! correction replaces the fill, late and duplicate commissions count once.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{LifecycleOptions, SimConfig, Status};

use common::*;
use first_trading_app::risk::RiskLimits;

fn sim_config(lifecycle: LifecycleOptions) -> SimConfig {
    SimConfig {
        lifecycle,
        ..quiet_spy_at(dec!(123.45))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_bracket_parent_cancels_its_children_and_the_strategy_hears_it() {
    let sim = start_sim(sim_config(LifecycleOptions::default())).await;
    sim.reject_nth_order(1, 201, "Order rejected - reason:simulated margin");
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let session = spawn_session(session_config(
        &sim,
        21,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));

    // The parent is refused; its two children are cancelled, never worked.
    eventually(
        "the strategy to hear the rejection",
        Duration::from_secs(5),
        || probe.rejections().len() == 1,
    )
    .await;
    eventually("both children cancelled", Duration::from_secs(5), || {
        let orders = sim.all_orders();
        orders.len() >= 2 && orders[..2].iter().all(|o| o.status == Status::Cancelled)
    })
    .await;
    let orders = sim.all_orders();
    let children = &orders[..2];
    assert_eq!(children[0].parent_id, children[1].parent_id);
    assert!(children.iter().all(|o| o.filled.is_zero()));
    assert!(sim
        .executions()
        .iter()
        .all(|e| e.order_id != children[0].order_id && e.order_id != children[1].order_id));
    // The retry (a new bracket) fills; the bot's book holds exactly its two
    // working children, none of the refused bracket's.
    eventually("the retried entry to fill", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    eventually(
        "only the new bracket's children at TWS",
        Duration::from_secs(5),
        || sim.open_orders().len() == 2,
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.open_orders_left, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_replaces_the_fill_and_late_duplicate_commissions_count_once() {
    let lifecycle = LifecycleOptions {
        commission_delay: Duration::from_millis(300),
        duplicate_commissions: true,
        ..LifecycleOptions::default()
    };
    let sim = start_sim(sim_config(lifecycle)).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let journal_dir = tempfile::tempdir().expect("temp dir").keep();
    let journal_path = journal_dir.join("journal.db");
    let mut config = session_config(&sim, 22, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = first_trading_app::journal::Journal::open(&journal_path).expect("journal");
    let session = spawn_session(config);

    eventually("the entry to fill", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    let first = sim.executions()[0].clone();
    assert_eq!(first.price, dec!(123.45));
    // TWS corrects the execution: 10 @ 123.40 replaces 10 @ 123.45.
    let corrected = sim
        .correct_execution(0, dec!(10), dec!(123.40))
        .expect("correction sent");
    assert!(corrected.ends_with(".02"), "{corrected}");
    assert_eq!(
        corrected[..corrected.len() - 3],
        first.exec_id[..first.exec_id.len() - 3]
    );
    // Wait for the correction's (delayed, doubled) commission to be journaled.
    let day = first.time.date_naive();
    eventually(
        "the correction's commission in the journal",
        Duration::from_secs(5),
        || {
            first_trading_app::journal::Journal::open(&journal_path)
                .and_then(|j| j.executions_on(day))
                .is_ok_and(|e| {
                    e.len() == 1 && e[0].exec_id == corrected && e[0].commission.is_some()
                })
        },
    )
    .await;
    let report = session.shut_down(Duration::from_secs(10)).await;

    // One commission per execution id, applied once: the sim's total.
    let charged: rust_decimal::Decimal = [first.commission].iter().sum();
    assert_eq!(report.commissions, charged);
    // The journal keeps one fill, the corrected one.
    let journal = first_trading_app::journal::Journal::open(&journal_path).expect("journal");
    let executions = journal.executions_on(day).expect("executions");
    assert_eq!(executions.len(), 1, "{executions:?}");
    assert_eq!(executions[0].exec_id, corrected);
    assert_eq!(
        (executions[0].quantity, executions[0].price),
        (dec!(10), dec!(123.40))
    );
    // The position's cost is the corrected price.
    let position = report
        .positions
        .iter()
        .find(|p| p.symbol.as_str() == "SPY")
        .expect("SPY");
    assert_eq!(position.quantity, dec!(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_fill_leaves_its_oca_sibling_to_tws_and_no_cancel_is_sent() {
    let sim = start_sim(sim_config(LifecycleOptions::default())).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 1);
    let journal_dir = tempfile::tempdir().expect("temp dir").keep();
    let journal_path = journal_dir.join("journal.db");
    let mut config = session_config(&sim, 23, RiskLimits::default(), vec![strategy.boxed()]);
    config.journal = first_trading_app::journal::Journal::open(&journal_path).expect("journal");
    let session = spawn_session(config);

    eventually("the entry to fill", Duration::from_secs(5), || {
        probe.position() == dec!(10)
    })
    .await;
    // A drop through the stop (117.28): the stop fills, TWS's OCA cancels the target.
    assert!(sim.set_price("SPY", dec!(117.00)));
    eventually("the bot to be flat", Duration::from_secs(5), || {
        probe.position().is_zero()
    })
    .await;
    let orders = sim.all_orders();
    let (stop, target) = (&orders[1], &orders[2]);
    assert_eq!(
        (stop.status, target.status),
        (Status::Filled, Status::Cancelled)
    );
    // The bot's book: the target ends Cancelled (from TWS's own status).
    let target_ref: first_trading_app::domain::order_id::ClientOrderId =
        target.order_ref.parse().expect("our order ref");
    eventually(
        "the target cancelled in the bot's journal",
        Duration::from_secs(5),
        || {
            first_trading_app::journal::Journal::open(&journal_path)
                .and_then(|j| j.order(&target_ref))
                .is_ok_and(|o| {
                    o.is_some_and(|o| o.state == first_trading_app::journal::OrderStatus::Cancelled)
                })
        },
    )
    .await;
    // The shutdown is the next event: everything the bot sent before it is
    // in the sim's record. Not one cancel: the OCA sibling was left to TWS.
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.open_orders_left, Some(0));
    assert_eq!(sim.cancel_requests(), Vec::<(i32, i32)>::new());
    sim.shutdown().await;
}
