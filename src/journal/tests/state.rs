//! Day state: the trading-state latch, start equity, runs (masked accounts,
//! config hash) and risk decisions.

use super::*;
use crate::domain::types::{IntentPurpose, OrderIntent, StrategyId, TradingState};
use crate::journal::open::companion;
use crate::journal::{config_hash, JournalError, RiskDecisionRecord};

#[test]
fn latch_persists_across_reopen_and_latest_wins() {
    let (_dir, path, mut j) = fresh();
    assert_eq!(j.latched_state(day()).unwrap(), None);
    j.record_trading_state(day(), TradingState::Active, "start of day", ny(9, 0, 0))
        .unwrap();
    j.record_trading_state(
        day(),
        TradingState::Halted,
        "daily loss 2.10% >= 2%",
        ny(11, 0, 0),
    )
    .unwrap();
    // The same state and reason again (a restart replaying it): not duplicated.
    j.record_trading_state(
        day(),
        TradingState::Halted,
        "daily loss 2.10% >= 2%",
        ny(11, 5, 0),
    )
    .unwrap();
    drop(j);
    let j = Journal::open(&path).unwrap();
    assert_eq!(
        j.latched_state(day()).unwrap(),
        Some((TradingState::Halted, "daily loss 2.10% >= 2%".to_string()))
    );
    assert_eq!(j.trading_states_on(day()).unwrap().len(), 2);
    assert_eq!(j.latched_state(day().succ_opt().unwrap()).unwrap(), None);
}

#[test]
fn start_equity_first_write_wins() {
    let (_dir, path, mut j) = fresh();
    assert_eq!(j.start_equity(day()).unwrap(), None);
    assert_eq!(
        j.set_start_equity(day(), d("100000.00"), ny(9, 0, 0))
            .unwrap(),
        d("100000.00")
    );
    drop(j);
    let mut j = Journal::open(&path).unwrap();
    // After a restart mid-day, with the account already down: the baseline stays.
    assert_eq!(
        j.set_start_equity(day(), d("97500.00"), ny(12, 0, 0))
            .unwrap(),
        d("100000.00")
    );
    assert_eq!(j.start_equity(day()).unwrap(), Some(d("100000.00")));
    assert!(matches!(
        j.set_start_equity(day().succ_opt().unwrap(), d("0"), ny(12, 0, 0)),
        Err(JournalError::InvalidRecord(_))
    ));
}

#[test]
fn runs_store_only_the_masked_account() {
    let (_dir, path, mut j) = fresh();
    let hash = config_hash("[risk]\nmax_daily_loss_pct = 2\n");
    let run = j
        .record_run(&hash, "paper", "DU1234567", ny(8, 59, 0))
        .unwrap();
    assert_eq!(run, 1);
    let runs = j.runs_on(day()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].account, "DU****567");
    assert_eq!(runs[0].config_hash, hash);
    assert_eq!(runs[0].mode, "paper");
    assert_eq!(runs[0].version, env!("CARGO_PKG_VERSION"));
    drop(j);
    // Closed cleanly: everything is in the database file itself.
    assert!(!companion(&path, "-wal").exists());
    let bytes = std::fs::read(&path).unwrap();
    let raw = b"DU1234567";
    assert!(!bytes.windows(raw.len()).any(|w| w == raw));
    assert!(bytes.windows(9).any(|w| w == b"DU****567"));
}

#[test]
fn config_hash_is_sha256_hex() {
    // Published SHA-256 test vectors.
    assert_eq!(
        config_hash(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        config_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn risk_decisions_round_trip() {
    let (_dir, _path, mut j) = fresh();
    let wish = OrderIntent {
        strategy: StrategyId(2),
        symbol: sym("MSFT"),
        side: Side::Sell,
        quantity: d("25"),
        kind: OrderKind::StopLimit {
            stop: d("400.00"),
            limit: d("399.50"),
        },
        purpose: IntentPurpose::Exit,
    };
    let yes = RiskDecisionRecord::from_intent(ny(10, 0, 0), &wish, true, "approved", "approved");
    let no = RiskDecisionRecord::from_intent(
        ny(10, 0, 1),
        &wish,
        false,
        "ExitExceedsPosition",
        "exit of 25 MSFT exceeds the position of 10",
    );
    j.record_risk_decision(&yes).unwrap();
    j.record_risk_decision(&no).unwrap();
    assert_eq!(j.risk_decisions_on(day()).unwrap(), vec![yes, no]);
}

#[test]
fn operator_actions_are_kept_in_order_per_day_and_survive_reopen() {
    let (_dir, path, mut j) = fresh();
    let action = |at, name: &str, accepted, state| crate::journal::OperatorActionRecord {
        at,
        action: name.to_string(),
        source: "dashboard".to_string(),
        accepted,
        state_after: state,
        outcome: format!("{name} outcome"),
    };
    j.record_operator_action(&action(ny(10, 0, 0), "halt", true, TradingState::Halted))
        .unwrap();
    j.record_operator_action(&action(ny(10, 5, 0), "resume", true, TradingState::Active))
        .unwrap();
    drop(j);
    let j = Journal::open(&path).unwrap();
    let actions = j.operator_actions_on(day()).unwrap();
    let names: Vec<(&str, TradingState)> = actions
        .iter()
        .map(|a| (a.action.as_str(), a.state_after))
        .collect();
    assert_eq!(
        names,
        [
            ("halt", TradingState::Halted),
            ("resume", TradingState::Active)
        ]
    );
    assert_eq!(actions[0].at, ny(10, 0, 0));
    assert_eq!(actions[0].outcome, "halt outcome");
    let next_day = day().succ_opt().unwrap();
    assert!(j.operator_actions_on(next_day).unwrap().is_empty());
}

#[test]
fn an_unknown_operator_action_is_refused_by_the_schema() {
    let (_dir, _path, mut j) = fresh();
    let bad = crate::journal::OperatorActionRecord {
        at: ny(10, 0, 0),
        action: "sell_everything".to_string(),
        source: "dashboard".to_string(),
        accepted: true,
        state_after: TradingState::Active,
        outcome: String::new(),
    };
    assert!(j.record_operator_action(&bad).is_err());
    assert!(j.operator_actions_on(day()).unwrap().is_empty());
}
