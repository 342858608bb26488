//! Whole flow, bot ⇄ tws-sim over real sockets: account settings a real
//! paper user meets. A position carried from an earlier day counts only
//! today's move (from the prior close, as IB's daily PnL does) toward the
//! daily-loss limit, and the day's start equity is the day's real start; an
//! account whose base currency is not USD is refused at start.

mod common;

use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal_macros::dec;
use tws_sim::{CarriedPosition, SimConfig};

use common::*;
use first_trading_app::broker::tws::session::SessionError;
use first_trading_app::broker::tws::snapshot::SnapshotError;
use first_trading_app::domain::types::TradingState;
use first_trading_app::journal::Journal;
use first_trading_app::risk::{DailyLoss, HaltCause, RiskLimits};

const DAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_carried_from_yesterday_counts_only_todays_move() {
    // 1000 SPY bought yesterday at 612.85, 3 % above yesterday's close of
    // 595.00; SPY trades at 590.00 when the bot first starts at 11:00.
    let sim = start_sim(SimConfig {
        start_time: NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
        carried_positions: vec![CarriedPosition {
            symbol: "SPY".into(),
            quantity: dec!(1000),
            average_cost: dec!(612.85),
            prior_close: dec!(595.00),
        }],
        ..quiet_sim()
    })
    .await;
    // Cash 1,000,000 − 612,850; net liquidation 387,150 + 590,000 = 977,150.
    assert_eq!(sim.net_liquidation(), dec!(977150.00));
    let limits = RiskLimits {
        max_daily_loss_pct: dec!(0.015),
        stop_loss_pct: dec!(0.10),
        ..RiskLimits::default()
    };
    let (watcher, probe) = Scripted::new("SPY", dec!(1), 0);
    let mut config = session_config(&sim, 44, limits, vec![watcher.boxed()]);
    let path = config.journal.path().to_path_buf();
    config.journal = Journal::open(&path).unwrap();
    // The journal is new: the operator takes the carried shares over as the bot's.
    config.operator_reset = true;
    let session = spawn_session(config);
    let journal = Journal::open(&path).unwrap();

    eventually("bars at 590", Duration::from_secs(10), || {
        probe.bars() >= 2 && probe.position() == dec!(1000)
    })
    .await;
    // The day started at 977,150 + 5,000 (today's loss so far, from the prior close).
    assert_eq!(journal.start_equity(DAY).unwrap(), Some(dec!(982150.00)));

    // Today's loss 8,000 (0.81 %): trading goes on, although the loss from
    // the average cost (25,850) is beyond the 1.5 % limit.
    assert!(sim.set_price("SPY", dec!(587.00)));
    eventually("bars at 587", Duration::from_secs(5), || {
        *probe.last_close.lock().unwrap() == Some(dec!(587.00))
    })
    .await;
    // Today's loss 15,000 (1.53 %): HALTED, and the halt's figure is today's move only.
    assert!(sim.set_price("SPY", dec!(580.00)));
    eventually("the daily-loss halt", Duration::from_secs(5), || {
        journal
            .trading_states_on(DAY)
            .unwrap()
            .iter()
            .any(|r| r.state == TradingState::Halted)
    })
    .await;
    let halts: Vec<_> = journal
        .trading_states_on(DAY)
        .unwrap()
        .into_iter()
        .filter(|r| r.state == TradingState::Halted)
        .collect();
    assert_eq!(halts.len(), 1, "{halts:?}");
    let cause = halts[0].latch.and_then(|l| l.cause);
    assert_eq!(
        cause,
        Some(HaltCause::DailyLoss(DailyLoss {
            loss: dec!(15000.00),
            start_of_day_equity: dec!(982150.00),
            limit_pct: dec!(0.015),
        }))
    );
    session.shut_down(Duration::from_secs(10)).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_eur_base_currency_account_is_refused_at_start() {
    let sim = start_sim(SimConfig {
        base_currency: "EUR".into(),
        exchange_rate_usd: dec!(0.92),
        ..quiet_sim()
    })
    .await;
    let (strategy, _probe) = Scripted::new("SPY", dec!(10), 1);
    let session = spawn_session(session_config(
        &sim,
        45,
        RiskLimits::default(),
        vec![strategy.boxed()],
    ));
    let result = tokio::time::timeout(Duration::from_secs(10), session.result)
        .await
        .expect("the session ends")
        .expect("no panic");
    match result {
        Err(SessionError::Snapshot(SnapshotError::BaseCurrency { currency })) => {
            assert_eq!(currency, "EUR")
        }
        Err(other) => panic!("wrong refusal: {other}"),
        Ok(_) => panic!("a EUR account was traded"),
    }
    assert!(sim.all_orders().is_empty());
    sim.shutdown().await;
}
