//! Whole flow, bot ⇄ tws-sim over real sockets: the risk gate stops what it
//! must before anything reaches the simulator — an entry beyond the position
//! limit, and every entry after a daily-loss breach (HALTED, latched even
//! when the price recovers; with `flatten_on_daily_loss` the position is closed).

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use tws_sim::{Action, OrderType, Status};

use common::*;
use first_trading_app::domain::types::TradingState;
use first_trading_app::risk::RiskLimits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_beyond_the_position_limit_never_reaches_the_simulator() {
    let sim = start_sim(quiet_sim()).await;
    // 1 % of 1 000 000 = 10 000; 20 SPY at 590 = 11 800 is over it (and
    // under the 50 000 notional cap, so only the position limit refuses it).
    let limits = RiskLimits {
        max_position_size_pct: dec!(0.01),
        ..RiskLimits::default()
    };
    let (strategy, probe) = Scripted::new("SPY", dec!(20), 1);
    let session = spawn_session(session_config(&sim, 21, limits, vec![strategy.boxed()]));

    // The strategy retries on every bar; every try is refused.
    eventually("three refused entries", Duration::from_secs(5), || {
        probe.rejections().len() >= 3
    })
    .await;
    for reason in probe.rejections() {
        assert!(
            reason.starts_with("position limit: SPY would reach 20 shares"),
            "{reason}"
        );
    }
    assert!(probe.attempts() >= 3);
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    assert!(report.positions.is_empty());
    assert_eq!(report.open_orders_left, Some(0));
    sim.shutdown().await;
}

/// 0.1 % of 1 000 000 = 1 000. Buying 80 SPY at the 590.01 ask and marking
/// them at 577.00 loses 80 × 13.01 = 1 040.80 plus the 1.00 commission.
fn loss_limits(flatten: bool) -> RiskLimits {
    RiskLimits {
        max_daily_loss_pct: dec!(0.001),
        flatten_on_daily_loss: flatten,
        ..RiskLimits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_loss_breach_halts_and_no_entry_reaches_the_simulator_again() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(80), 1);
    let strategy = strategy.adding_after_drop_below(dec!(580), dec!(1));
    let session = spawn_session(session_config(
        &sim,
        22,
        loss_limits(false),
        vec![strategy.boxed()],
    ));

    eventually("the entry to fill", Duration::from_secs(5), || {
        let orders = sim.all_orders();
        orders.len() == 3 && orders[0].status == Status::Filled
    })
    .await;
    assert_eq!(sim.executions()[0].price, dec!(590.01));
    eventually("the bot to hold 80", Duration::from_secs(5), || {
        probe.position() == dec!(80)
    })
    .await;
    assert!(probe.rejections().is_empty(), "{:?}", probe.rejections());

    assert!(sim.set_price("SPY", dec!(577.00)));
    eventually("entries refused as HALTED", Duration::from_secs(5), || {
        probe.rejections().len() >= 3
    })
    .await;
    for reason in probe.rejections() {
        assert!(
            reason.starts_with("trading HALTED (daily loss") && reason.contains("1,041.80"),
            "{reason}"
        );
    }
    // Nothing new at the simulator; the protective stop and target still work.
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 3, "{orders:?}");
    assert_eq!(orders[1].status, Status::Submitted);
    assert_eq!(orders[2].status, Status::Submitted);

    // The price recovers: the latch holds for the rest of the day.
    assert!(sim.set_price("SPY", dec!(590.00)));
    let seen = probe.rejections().len();
    eventually(
        "more refusals after the recovery",
        Duration::from_secs(5),
        || {
            probe.rejections().len() >= seen + 5
                && *probe.last_close.lock().unwrap() == Some(dec!(590.00))
        },
    )
    .await;
    assert!(probe
        .rejections()
        .iter()
        .all(|r| r.starts_with("trading HALTED (daily loss")));
    assert_eq!(sim.all_orders().len(), 3);

    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.state, TradingState::Halted);
    assert_eq!(sim.all_orders().len(), 3);
    assert!(sim.open_orders().is_empty());
    assert_eq!(report.positions.len(), 1);
    assert_eq!(report.positions[0].quantity, dec!(80));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_flatten_on_daily_loss_the_breach_also_closes_the_position() {
    let sim = start_sim(quiet_sim()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(80), 1);
    let strategy = strategy.adding_after_drop_below(dec!(580), dec!(1));
    let session = spawn_session(session_config(
        &sim,
        23,
        loss_limits(true),
        vec![strategy.boxed()],
    ));
    eventually("the bot to hold 80", Duration::from_secs(5), || {
        probe.position() == dec!(80)
    })
    .await;

    assert!(sim.set_price("SPY", dec!(577.00)));
    eventually(
        "the position to be closed at the simulator",
        Duration::from_secs(5),
        || sim.positions().is_empty() && sim.open_orders().is_empty(),
    )
    .await;
    let orders = sim.all_orders();
    assert_eq!(orders.len(), 4, "{orders:?}");
    let flatten = &orders[3];
    assert_eq!(
        (flatten.action, flatten.order_type, flatten.qty),
        (Action::Sell, OrderType::Market, dec!(80))
    );
    assert!(flatten.order_ref.ends_with('F'), "{}", flatten.order_ref);
    assert_eq!(flatten.status, Status::Filled);
    assert_eq!(orders[1].status, Status::Cancelled);
    assert_eq!(orders[2].status, Status::Cancelled);

    eventually(
        "the bot to be flat and still refusing",
        Duration::from_secs(5),
        || probe.position().is_zero() && probe.rejections().len() >= 3,
    )
    .await;
    assert_eq!(sim.all_orders().len(), 4);
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(report.positions.is_empty());
    assert_eq!(sim.all_orders().len(), 4);
    sim.shutdown().await;
}
