//! Whole flow, bot ⇄ tws-sim over real sockets: each symbol's price
//! increments come from TWS (contract details' market rule), never a
//! hard-coded cent. A 0.05-tick symbol's brackets are on 0.05; a sub-dollar
//! stock's are on IB's 0.0001 rung; a symbol whose market rule TWS does not
//! answer is not traded at all.

mod common;

use std::time::Duration;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tws_sim::{SimConfig, SimOrder, Status, SymbolSpec};

use common::*;
use first_trading_app::risk::RiskLimits;

fn sim_with(spec: SymbolSpec) -> SimConfig {
    SimConfig {
        symbols: vec![spec],
        ..quiet_sim()
    }
}

/// Runs one entry of 10 shares of `symbol` and returns the sim's three
/// orders (entry, stop, target) once the children work.
async fn bracket_at(sim: &tws_sim::SimHandle, symbol: &str, client_id: i32) -> Vec<SimOrder> {
    let (strategy, probe) = Scripted::new(symbol, dec!(10), 1);
    let session = spawn_session(session_config(
        sim,
        client_id,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    eventually("the entry to fill", Duration::from_secs(8), || {
        probe.position() == dec!(10)
    })
    .await;
    eventually(
        "the stop and target working",
        Duration::from_secs(5),
        || {
            let orders = sim.all_orders();
            orders.len() == 3 && orders[1..].iter().all(|o| o.status == Status::Submitted)
        },
    )
    .await;
    assert!(probe.rejections().is_empty(), "{:?}", probe.rejections());
    let orders = sim.all_orders();
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.open_orders_left, Some(0));
    orders
}

fn on_grid(price: Decimal, tick: Decimal) -> bool {
    (price % tick).is_zero()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nickel_tick_symbol_gets_brackets_on_the_nickel() {
    let mut spec = SymbolSpec::new("NKL", 9_001, dec!(123.45), "NYSE", "NICKEL CORP");
    spec.half_spread_ticks = 0;
    spec.tick_size = dec!(0.05);
    spec.price_increments = tws_sim::market_rules::flat_ladder(dec!(0.05));
    let sim = start_sim(sim_with(spec)).await;
    let orders = bracket_at(&sim, "NKL", 31).await;
    let (stop, target) = (orders[1].aux.expect("stop"), orders[2].lmt.expect("limit"));
    // 123.45 × 0.95 = 117.2775 → up to 117.30; × 1.10 = 135.795 → down to 135.75.
    assert_eq!((stop, target), (dec!(117.30), dec!(135.75)));
    assert!(on_grid(stop, dec!(0.05)) && on_grid(target, dec!(0.05)));
    // Nothing answered with 110 (a refused order never reaches the sim's
    // book): entry filled, both children working.
    assert_eq!(orders[0].status, Status::Filled);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sub_dollar_stock_gets_brackets_on_the_hundredth_of_a_cent() {
    let mut spec = SymbolSpec::new("PNY", 9_002, dec!(0.5003), "NASDAQ", "PENNY INC");
    spec.half_spread_ticks = 0;
    // The sim's own prices move in 0.0001 steps; its market rule is IB's
    // US stock rule (the default): 0.0001 below $1, 0.01 from $1.
    spec.tick_size = dec!(0.0001);
    let sim = start_sim(sim_with(spec)).await;
    let orders = bracket_at(&sim, "PNY", 32).await;
    let (stop, target) = (orders[1].aux.expect("stop"), orders[2].lmt.expect("limit"));
    // 0.5003 × 0.95 = 0.475285 → up to 0.4753; × 1.10 = 0.55033 → down to 0.5503.
    assert_eq!((stop, target), (dec!(0.4753), dec!(0.5503)));
    assert_eq!(orders[0].status, Status::Filled);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symbol_whose_market_rule_is_not_answered_is_not_traded() {
    let mut spec = SymbolSpec::new("NRL", 9_003, dec!(50.00), "NYSE", "NO RULE CORP");
    spec.market_rule_answered = false;
    let sim = start_sim(sim_with(spec)).await;
    let (strategy, probe) = Scripted::new("NRL", dec!(10), 1);
    let session = spawn_session(session_config(
        &sim,
        33,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    // The strategy trades on bars; the gate refuses every entry: no tick known.
    eventually("the entry refused", Duration::from_secs(10), || {
        probe.rejections().len() >= 2
    })
    .await;
    let unknown = first_trading_app::risk::RejectReason::UnknownInstrument {
        symbol: first_trading_app::domain::types::Symbol::new("NRL").unwrap(),
    };
    assert_eq!(probe.rejections()[0], unknown.to_string());
    let report = session.shut_down(Duration::from_secs(10)).await;
    assert!(sim.all_orders().is_empty(), "{:?}", sim.all_orders());
    assert_eq!(report.open_orders_left, Some(0));
    sim.shutdown().await;
}
