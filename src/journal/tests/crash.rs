//! A real crash: a child process (this test binary, re-run on one test)
//! journals a bracket, marks the entry sent and is killed with SIGKILL — no
//! destructors, no SQLite close. The parent then opens the journal the way a
//! restarted bot would.

use std::process::Command;

use super::*;
use crate::journal::open::companion;
use crate::journal::OrderStatus;

/// Set (to the journal path) only in the child process.
const CHILD_VAR: &str = "FTA_JOURNAL_TEST_CRASH_PATH";

/// The child's half of [`journal_survives_a_killed_process`]; returns at once
/// when run as an ordinary test.
#[test]
fn crash_child_process() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let mut j = Journal::open(Path::new(&path)).unwrap();
    let entry = intent(1, Side::Buy, "100", OrderKind::Limit { limit: d("10.00") });
    let stop = OrderIntentRecord {
        order_ref: id(1, Leg::StopLoss),
        side: Side::Sell,
        kind: OrderKind::Stop { stop: d("9.50") },
        parent: Some(entry.order_ref),
        ..entry
    };
    j.record_intents(&[entry, stop]).unwrap();
    j.mark_sent(&entry.order_ref, 41, ny(9, 31, 0)).unwrap();
    j.set_start_equity(day(), d("100000"), ny(9, 0, 0)).unwrap();
    j.record_trading_state(
        day(),
        crate::domain::types::TradingState::Halted,
        "loss",
        ny(9, 32, 0),
    )
    .unwrap();
    // SIGKILL ourselves, as `kill -9` would (no core dump, nothing runs).
    let _ = Command::new("kill")
        .args(["-9", &std::process::id().to_string()])
        .status();
    std::thread::sleep(std::time::Duration::from_secs(10));
    std::process::abort();
}

#[test]
fn journal_survives_a_killed_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "journal::tests::crash::crash_child_process",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, &path)
        .output()
        .unwrap()
        .status;
    assert!(!status.success(), "the child must have died: {status:?}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "SIGKILL: {status:?}");
    }
    assert!(companion(&path, "-wal").exists(), "the WAL was left behind");

    let j = Journal::open(&path).unwrap();
    let unresolved: Vec<(String, OrderStatus, Option<i32>)> = j
        .unresolved_orders()
        .unwrap()
        .iter()
        .map(|o| (o.order_ref.to_string(), o.state, o.ib_order_id))
        .collect();
    assert_eq!(
        unresolved,
        vec![
            (
                "fta-20260105-s3-000001-E".to_string(),
                OrderStatus::Sent,
                Some(41)
            ),
            (
                "fta-20260105-s3-000001-S".to_string(),
                OrderStatus::Intent,
                None
            ),
        ]
    );
    assert_eq!(j.next_seq(day()).unwrap(), 2);
    assert_eq!(j.start_equity(day()).unwrap(), Some(d("100000")));
    assert_eq!(
        j.latched_state(day()).unwrap().map(|(s, _)| s),
        Some(crate::domain::types::TradingState::Halted)
    );
}
