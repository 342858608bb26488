//! The manual commands beside a running bot (the real binary three times over
//! against the simulator process): `cancel-all` and `flatten --all` connect
//! as IBKR_CLIENT_ID + 1000, so they work while the bot holds its own
//! connection (client 1) and its journal's trading lock; `flatten --all`
//! numbers its closing order in its own namespace (`ftm-…`) in the bot's
//! journal and warns that the bot does not see its fills (TWS sends a client
//! only its own executions). The bot runs `--read-only` here, so the account
//! changes only by the test's hand and every outcome is deterministic.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use ibapi::contracts::Contract;
use ibapi::orders::{order_builder, Action};

use common::binary::*;

const CANCEL_TIMEOUT_SECS: u64 = 5;

/// `args` of the binary with the bot's config, account and port.
fn manual(dir: &std::path::Path, port: u16, args: &[&str]) -> std::process::Output {
    let config = dir.join("config.toml");
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", config.to_str().unwrap()]);
    command(dir, &all)
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// Runs `args` off the async runtime; returns (exit code, stdout, stderr).
async fn run_manual(
    dir: &std::path::Path,
    port: u16,
    args: &'static [&'static str],
) -> (Option<i32>, String, String) {
    let dir = dir.to_path_buf();
    let out = tokio::task::spawn_blocking(move || manual(&dir, port, args))
        .await
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_all_and_flatten_all_work_while_the_bot_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, port) = start_sim_process(dir.path(), "120");
    let config = write_config(
        dir.path(),
        FAST_SMA,
        &format!("[shutdown]\ncancel_timeout_secs = {CANCEL_TIMEOUT_SECS}\n"),
    );
    let config = config.to_str().unwrap().to_string();
    let mut command: Command = command(dir.path(), &["run", "--read-only", "--config", &config]);
    command
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .env("RUST_LOG", "info");
    let mut bot = Proc::spawn(command);
    bot.stderr
        .wait_for("market data subscriptions started", Duration::from_secs(20));

    // Another program holds MSFT and has a limit order working.
    let observer = observer(port).await;
    for order in [
        order_builder::market_order(Action::Buy, 5.0),
        order_builder::limit_order(Action::Buy, 1.0, 1.0),
    ] {
        let id = observer.next_order_id();
        observer
            .submit_order(id, &Contract::stock("MSFT").build(), &order)
            .await
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while positions(&observer).await != [("MSFT".to_string(), 5.0)] {
        assert!(Instant::now() < deadline, "MSFT did not fill");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (code, out, err) = run_manual(dir.path(), port, &["cancel-all"]).await;
    assert_eq!(code, Some(0), "{out}\n{err}\n{}", bot.dump());
    assert!(out.contains("cancelled (1):"), "{out}");
    assert!(out.contains("left open: none"), "{out}");

    let (code, out, err) = run_manual(dir.path(), port, &["flatten", "--all", "--yes"]).await;
    assert_eq!(code, Some(0), "{out}\n{err}\n{}", bot.dump());
    assert!(out.contains("ref ftm-"), "{out}");
    assert!(out.contains("positions left: none"), "{out}");
    assert!(
        err.contains("a bot is running on")
            && err.contains(&format!("(pid {})", bot.pid()))
            && err.contains("does not see this flatten's fills"),
        "{err}"
    );
    assert!(positions(&observer).await.is_empty());

    // The bot went on through both; its own Ctrl+C ends it cleanly.
    assert!(bot.wait_exit(Duration::ZERO).is_none(), "{}", bot.dump());
    bot.sigint();
    let status = bot
        .wait_exit(Duration::from_secs(CANCEL_TIMEOUT_SECS + 3))
        .unwrap_or_else(|| panic!("the bot did not stop:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
}
