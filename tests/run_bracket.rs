//! Whole flow, bot ⇄ tws-sim over real sockets: a strategy signal becomes a
//! bracket at the simulator with the right stop and target; fills update the
//! bot's positions; a price drop through the stop fills it and OCA cancels
//! the target; the bot stays ACTIVE and trades again.

mod common;

use std::time::Duration;

use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use tws_sim::{Action, OrderType, SimConfig, SimOrder, Status};

use common::*;
use first_trading_app::domain::types::TradingState;
use first_trading_app::risk::RiskLimits;

/// One symbol, SPY at 123.45 with no spread: a market buy fills at the last
/// price, so the test can derive the bracket from the execution price.
fn sim_config() -> SimConfig {
    quiet_spy_at(dec!(123.45))
}

/// The stop and target of a long entry at `price` (5 % / 10 %), on the 0.01
/// tick, each rounded toward the entry.
fn expected_bracket(price: Decimal) -> (Decimal, Decimal) {
    let stop = (price * dec!(0.95)).round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity);
    let target =
        (price * dec!(1.10)).round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity);
    (stop, target)
}

fn leg(order: &SimOrder) -> char {
    order.order_ref.chars().last().unwrap()
}

#[test]
fn hand_computed_brackets() {
    // 123.45 × 0.95 = 117.2775 → up to 117.28; 123.45 × 1.10 = 135.795 → down to 135.79.
    assert_eq!(expected_bracket(dec!(123.45)), (dec!(117.28), dec!(135.79)));
    // 117.00 × 0.95 = 111.15; 117.00 × 1.10 = 128.70 (already on the tick).
    assert_eq!(expected_bracket(dec!(117.00)), (dec!(111.15), dec!(128.70)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_becomes_a_bracket_the_stop_fills_and_oca_cancels_the_target() {
    let sim = start_sim(sim_config()).await;
    let (strategy, probe) = Scripted::new("SPY", dec!(10), 2);
    let session = spawn_session(session_config(
        &sim,
        11,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));

    // The first bar's signal: three orders, the entry fills at once.
    eventually(
        "the first bracket's entry to fill",
        Duration::from_secs(5),
        || sim.all_orders().len() == 3 && sim.all_orders()[0].status == Status::Filled,
    )
    .await;
    let orders = sim.all_orders();
    let (entry, stop, target) = (&orders[0], &orders[1], &orders[2]);
    let executions = sim.executions();
    assert_eq!(executions.len(), 1);
    let entry_price = executions[0].price;
    assert_eq!(entry_price, dec!(123.45));
    let (stop_price, target_price) = expected_bracket(entry_price);

    assert_eq!(
        (entry.action, entry.order_type, entry.qty),
        (Action::Buy, OrderType::Market, dec!(10))
    );
    assert_eq!(entry.parent_id, 0);
    assert_eq!(leg(entry), 'E');
    assert_eq!(
        (stop.action, stop.order_type, stop.qty),
        (Action::Sell, OrderType::Stop, dec!(10))
    );
    assert_eq!(stop.aux, Some(stop_price));
    assert_eq!(leg(stop), 'S');
    assert_eq!(
        (target.action, target.order_type, target.qty),
        (Action::Sell, OrderType::Limit, dec!(10))
    );
    assert_eq!(target.lmt, Some(target_price));
    assert_eq!(leg(target), 'T');
    for child in [stop, target] {
        assert_eq!(child.parent_id, entry.order_id, "{child:?}");
        assert_eq!(child.tif, "GTC");
        assert_eq!(child.status, Status::Submitted);
        // One bracket: the same orderRef apart from the leg letter.
        assert_eq!(
            child.order_ref[..child.order_ref.len() - 1],
            entry.order_ref[..entry.order_ref.len() - 1]
        );
    }
    assert!(!stop.oca_group.is_empty());
    assert_eq!(stop.oca_group, target.oca_group);
    assert!(entry.order_ref.starts_with("fta-"), "{}", entry.order_ref);

    // The fill reached the bot's portfolio: its position equals the simulator's.
    eventually(
        "the bot to see the 10 shares",
        Duration::from_secs(5),
        || probe.position() == dec!(10),
    )
    .await;
    let positions = sim.positions();
    assert_eq!(positions.len(), 1);
    assert_eq!((positions[0].0.as_str(), positions[0].1), ("SPY", dec!(10)));

    // A drop through the stop: the stop fills, OCA cancels the target.
    assert!(sim.set_price("SPY", dec!(117.00)));
    eventually(
        "the stop to fill and the target to be cancelled",
        Duration::from_secs(5),
        || {
            let orders = sim.all_orders();
            orders[1].status == Status::Filled && orders[2].status == Status::Cancelled
        },
    )
    .await;
    assert!(sim.positions().is_empty());
    let stop_fill = sim.executions()[1].clone();
    assert_eq!(stop_fill.order_id, stop.order_id);
    assert_eq!(stop_fill.price, dec!(117.00));

    // The bot saw the exit, stays ACTIVE, and enters again: a second bracket
    // priced from the new level.
    eventually(
        "the second bracket's entry to fill",
        Duration::from_secs(5),
        || {
            let orders = sim.all_orders();
            orders.len() == 6 && orders[3].status == Status::Filled
        },
    )
    .await;
    let orders = sim.all_orders();
    let (stop_price, target_price) = expected_bracket(sim.executions()[2].price);
    assert_eq!((stop_price, target_price), (dec!(111.15), dec!(128.70)));
    assert_eq!(orders[4].aux, Some(stop_price));
    assert_eq!(orders[5].lmt, Some(target_price));
    assert_eq!(orders[4].parent_id, orders[3].order_id);
    assert_ne!(orders[4].oca_group, stop.oca_group);
    eventually(
        "the bot to see the new position",
        Duration::from_secs(5),
        || probe.position() == dec!(10),
    )
    .await;
    assert!(probe.rejections().is_empty(), "{:?}", probe.rejections());

    // Shutdown: every order cancelled, the report's positions are the simulator's.
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(sim.open_orders().is_empty(), "{:?}", sim.open_orders());
    assert_eq!(report.open_orders_left, Some(0));
    assert!(report.positions_confirmed);
    assert_eq!(report.positions.len(), 1);
    assert_eq!(report.positions[0].symbol.as_str(), "SPY");
    assert_eq!(report.positions[0].quantity, dec!(10));
    assert_eq!(report.state, TradingState::Halted);
    // The bot's own accounting: realized = (117.00 − 123.45) × 10 = −64.50,
    // commissions = what the simulator charged for the three fills.
    assert_eq!(report.realized_pnl, dec!(-64.50));
    let charged: Decimal = sim.executions().iter().map(|e| e.commission).sum();
    assert_eq!(report.commissions, charged);
    sim.shutdown().await;
}
