//! The scenario files shipped in `sim/scenarios/`: each parses into the
//! behaviours it promises, the `sim` command starts on it, and the bot trades
//! against it while leaving what is not its own alone.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rust_decimal_macros::dec;
use tws_sim::SimConfig;

use common::binary::*;

fn realistic_paper() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/realistic_paper.toml")
}

#[test]
fn the_market_data_troubles_scenario_parses_into_its_behaviours() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/market_data_troubles.toml");
    let access = SimConfig::from_scenario_file(path)
        .expect("scenario parses")
        .market_access;
    let at = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
    assert!(access.no_permission.contains("MSFT"));
    assert_eq!(
        access.competing_session.map(|w| (w.from, w.until)),
        Some((at(9, 31), at(9, 33)))
    );
    assert_eq!(
        access.farm_outage.map(|w| (w.from, w.until)),
        Some((at(9, 40), at(9, 41)))
    );
    assert_eq!(access.silent_stops.len(), 1);
    assert_eq!(
        (
            access.silent_stops[0].symbol.as_str(),
            access.silent_stops[0].at
        ),
        ("NVDA", at(9, 36))
    );
    assert_eq!(access.realtime_bar_budget, 60, "IB's pacing by default");
}

#[test]
fn the_realistic_paper_scenario_parses_into_its_behaviours() {
    let config = SimConfig::from_scenario_file(realistic_paper()).expect("scenario parses");
    let penny = config
        .symbols
        .iter()
        .find(|s| s.symbol == "PNNY")
        .expect("the sub-dollar symbol");
    assert_eq!(penny.start_price, dec!(0.52));
    assert_eq!(
        penny.price_increments,
        vec![(dec!(0), dec!(0.0001)), (dec!(1), dec!(0.01))]
    );
    assert_eq!(
        config.lifecycle.commission_delay,
        Duration::from_millis(200)
    );
    let mut held: Vec<(&str, &str)> = config
        .start_positions
        .iter()
        .map(|p| (p.symbol.as_str(), p.sec_type.as_str()))
        .collect();
    held.sort();
    assert_eq!(held, vec![("AAPL", "STK"), ("SPY", "OPT")]);
    assert_eq!(config.start_orders.len(), 1);
    assert_eq!(
        (
            config.start_orders[0].client_id,
            config.start_orders[0].order_id
        ),
        (0, 900)
    );
    assert_eq!(config.speed, 60.0);
    assert_eq!(config.hours, tws_sim::Hours::Nyse);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_trades_on_the_realistic_paper_scenario_and_leaves_the_manual_order() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = realistic_paper();
    let (_sim, port) =
        start_sim_process_with(dir.path(), &["--scenario", scenario.to_str().unwrap()]);
    let config = write_config(
        dir.path(),
        FAST_SMA,
        "[shutdown]\ncancel_timeout_secs = 5\n",
    );
    let started = Instant::now();
    let mut command: Command = command(dir.path(), &["run", "--config", config.to_str().unwrap()]);
    command
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .env("RUST_LOG", "info");
    let mut bot = Proc::spawn(command);
    bot.stderr
        .wait_for("risk gate approved", Duration::from_secs(30));
    assert!(started.elapsed() < Duration::from_secs(30));

    bot.sigint();
    let status = bot
        .wait_exit(Duration::from_secs(8))
        .unwrap_or_else(|| panic!("still running:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    // The order typed into TWS by hand (client 0, no orderRef) is the only
    // one still working: the bot cancelled its own and left it alone.
    let observer = observer(port).await;
    let working = open_orders(&observer).await;
    assert_eq!(working, vec![(0, String::new())], "{}", bot.dump());
}
