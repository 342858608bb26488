//! The real binary, twice on one journal: the second `run` is refused with
//! exit 2 before it connects, naming the process that trades on the journal;
//! the first trades on undisturbed. (Two bots on one journal would send the
//! same orderRefs, hold twice the intended position, and one's shutdown would
//! remove the other's stops.)

mod common;

use std::process::Command;
use std::time::Duration;

use common::binary::*;

/// `run` against the simulator on `port` with the config in `dir`.
fn start_bot(dir: &std::path::Path, port: u16, client_id: &str) -> Proc {
    let config = write_config(dir, FAST_SMA, "[shutdown]\ncancel_timeout_secs = 5\n");
    let config = config.to_str().unwrap().to_string();
    let mut command: Command = command(dir, &["run", "--config", config.as_str()]);
    command
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .env("IBKR_CLIENT_ID", client_id)
        .env("RUST_LOG", "info");
    Proc::spawn(command)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_journal_exits_2_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, port) = start_sim_process(dir.path(), "120");
    let mut first = start_bot(dir.path(), port, "1");
    first
        .stderr
        .wait_for("connected to TWS", Duration::from_secs(20));

    let mut second = start_bot(dir.path(), port, "2");
    let status = second
        .wait_exit(Duration::from_secs(10))
        .unwrap_or_else(|| panic!("the second bot is still running:\n{}", second.dump()));
    assert_eq!(status.code(), Some(2), "{}", second.dump());
    let expected = format!(
        "is in use by another first-trading-app run (pid {})",
        first.pid()
    );
    assert!(second.stderr.contains(&expected), "{}", second.dump());
    assert!(
        !second.stderr.contains("connected to TWS"),
        "{}",
        second.dump()
    );

    // `check` validates the journal as `run` does: it names the holder too.
    let config = dir.path().join("config.toml");
    let checked = command(dir.path(), &["check", "--config", config.to_str().unwrap()])
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .output()
        .unwrap();
    let check_err = String::from_utf8_lossy(&checked.stderr);
    assert_eq!(checked.status.code(), Some(2), "{check_err}");
    assert!(check_err.contains("journal.path = "), "{check_err}");
    assert!(check_err.contains(&expected), "{check_err}");

    // `flatten` in its default scope would connect as the bot's own client
    // id: it refuses while the bot runs, naming it and `--all`.
    let flattened = command(
        dir.path(),
        &["flatten", "--yes", "--config", config.to_str().unwrap()],
    )
    .env("IBKR_ACCOUNT_ID", "DU1234567")
    .env("IBKR_PORT", port.to_string())
    .output()
    .unwrap();
    let flatten_err = String::from_utf8_lossy(&flattened.stderr);
    assert_eq!(flattened.status.code(), Some(2), "{flatten_err}");
    assert!(
        flatten_err.contains("a bot is running on")
            && flatten_err.contains(&format!("(pid {})", first.pid())),
        "{flatten_err}"
    );
    assert!(flatten_err.contains("flatten --all"), "{flatten_err}");

    // The first bot was not disturbed: it still shuts down cleanly.
    first.sigint();
    let status = first
        .wait_exit(Duration::from_secs(10))
        .unwrap_or_else(|| panic!("the first bot did not stop:\n{}", first.dump()));
    assert_eq!(status.code(), Some(0), "{}", first.dump());
}
