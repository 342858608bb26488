//! The real binary crashes (SIGKILL) while holding a position protected by a
//! working bracket; a new `run` adopts the position and the working orders
//! (never cancels or resends them), keeps trading without reusing an order
//! id or an `orderRef` (it executes a new order), and still cancels
//! everything on SIGINT.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::binary::*;

fn start_bot(dir: &std::path::Path, port: u16) -> Proc {
    let config = write_config(dir, FAST_SMA, "[shutdown]\ncancel_timeout_secs = 5\n");
    let mut command = command(dir, &["run", "--config", config.to_str().unwrap()]);
    command
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .env("RUST_LOG", "info");
    Proc::spawn(command)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_the_next_run_adopts_what_is_working_and_never_reuses_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, port) = start_sim_process(dir.path(), "120");
    let observer = observer(port).await;

    let mut first = start_bot(dir.path(), port);
    let deadline = Instant::now() + Duration::from_secs(30);
    let working = loop {
        let working: Vec<String> = open_orders(&observer)
            .await
            .into_iter()
            .filter(|(client, _)| *client == 1)
            .map(|(_, order_ref)| order_ref)
            .collect();
        if working.len() == 2 && !positions(&observer).await.is_empty() {
            break working;
        }
        assert!(Instant::now() < deadline, "no position:\n{}", first.dump());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // What the first run traded or left working, before it dies.
    let first_refs: HashSet<String> = executions(&observer)
        .await
        .into_iter()
        .map(|(order_ref, _)| order_ref)
        .chain(working.iter().cloned())
        .collect();
    first.crash();
    // Still there: nobody cancelled them.
    let still: Vec<String> = open_orders(&observer)
        .await
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    assert_eq!(still, working);

    let mut second = start_bot(dir.path(), port);
    second
        .stderr
        .wait_for("broker state adopted", Duration::from_secs(10));
    let log = second.stderr.text();
    assert!(log.contains("adopted position"), "{log}");
    for order_ref in &working {
        assert!(
            log.lines()
                .any(|l| l.contains("adopted working order") && l.contains(order_ref.as_str())),
            "{order_ref} not adopted:\n{log}"
        );
    }
    // It trades on: wait for an execution of an order the first run never had.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let traded = executions(&observer)
            .await
            .into_iter()
            .any(|(order_ref, _)| !first_refs.contains(&order_ref));
        if traded {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second run did not trade:\n{}",
            second.dump()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.sigint();
    let status = second
        .wait_exit(Duration::from_secs(8))
        .unwrap_or_else(|| panic!("still running:\n{}", second.dump()));
    assert_eq!(status.code(), Some(0), "{}", second.dump());
    assert!(open_orders(&observer).await.is_empty(), "{}", second.dump());
    assert!(
        !second.stderr.contains("halting trading"),
        "{}",
        second.dump()
    );

    // Every orderRef executed belongs to exactly one IB order, and no IB order
    // id carries two orderRefs.
    let mut by_ref: HashMap<String, HashSet<i32>> = HashMap::new();
    let mut by_id: HashMap<i32, HashSet<String>> = HashMap::new();
    for (order_ref, id) in executions(&observer).await {
        by_ref.entry(order_ref.clone()).or_default().insert(id);
        by_id.entry(id).or_default().insert(order_ref);
    }
    assert!(by_ref.len() >= 2, "{by_ref:?}");
    assert!(by_ref.values().all(|ids| ids.len() == 1), "{by_ref:?}");
    assert!(by_id.values().all(|refs| refs.len() == 1), "{by_id:?}");
}
