//! The real binary: `first-trading-app run` against `first-trading-app sim`
//! (two processes, real sockets), stopped with SIGINT while orders are
//! working. One signal: every order cancelled, exit 0, final report. Two:
//! positions flattened too. Three: exit 130 at once. SIGHUP and SIGQUIT count
//! as Ctrl+C. And the shutdown still ends in time when TWS is gone.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::binary::*;

const REPORT: &str = "=== first-trading-app: final report ===";
const CANCEL_TIMEOUT_SECS: u64 = 5;

/// `run` against the simulator on `port`, with a 5 s cancel timeout.
fn start_bot(dir: &std::path::Path, port: u16, extra_args: &[&str], rust_log: &str) -> Proc {
    let config = write_config(
        dir,
        FAST_SMA,
        &format!("[shutdown]\ncancel_timeout_secs = {CANCEL_TIMEOUT_SECS}\n\n[logging]\nstatus_interval_secs = 1\n"),
    );
    let config = config.to_str().unwrap().to_string();
    let mut args = vec!["run", "--config", config.as_str()];
    args.extend_from_slice(extra_args);
    let mut command: Command = command(dir, &args);
    command
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .env("RUST_LOG", rust_log);
    Proc::spawn(command)
}

/// Waits until the bot (client 1) has at least `orders` orders working at the
/// simulator and, with `holding`, a position.
async fn wait_for_trading(observer: &ibapi::Client, bot: &Proc, orders: usize, holding: bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let working = open_orders(observer)
            .await
            .into_iter()
            .filter(|(client, _)| *client == 1)
            .count();
        if working >= orders && (!holding || !positions(observer).await.is_empty()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the bot did not start trading:\n{}",
            bot.dump()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every way a log could spell `id`: text, `{:?}` of its bytes, hex.
fn account_encodings(id: &str) -> Vec<String> {
    let decimal: Vec<String> = id.bytes().map(|b| b.to_string()).collect();
    let hex: Vec<String> = id.bytes().map(|b| format!("{b:02x}")).collect();
    vec![
        id.to_string(),
        decimal.join(", "),
        decimal.join(","),
        hex.concat(),
        hex.concat().to_uppercase(),
        hex.join(" "),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sigint_cancels_every_order_reports_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, port) = start_sim_process(dir.path(), "120");
    // The most verbose level there is: the account id must not leak even here.
    let mut bot = start_bot(dir.path(), port, &[], "trace");
    let observer = observer(port).await;
    wait_for_trading(&observer, &bot, 2, false).await;

    bot.sigint();
    let sent = Instant::now();
    let status = bot
        .wait_exit(Duration::from_secs(CANCEL_TIMEOUT_SECS + 3))
        .unwrap_or_else(|| panic!("still running after the cancel timeout:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    assert!(sent.elapsed() < Duration::from_secs(CANCEL_TIMEOUT_SECS + 3));
    assert!(open_orders(&observer).await.is_empty(), "{}", bot.dump());
    let stdout = bot.stdout.text();
    assert!(stdout.contains(REPORT), "{}", bot.dump());
    assert!(stdout.contains("open orders left: 0"), "{}", bot.dump());
    // The whole trace log and the report show the account masked only: not
    // as text, not as a wire dump's decimal bytes, not as hex.
    let all = format!("{}{}", stdout, bot.stderr.text());
    for encoding in account_encodings("DU1234567") {
        assert!(
            !all.contains(&encoding),
            "raw account id in the output as {encoding:?}"
        );
    }
    assert!(bot.stderr.contains("DU****567"), "{}", bot.dump());
}

/// A closed terminal (SIGHUP) or Ctrl+\ (SIGQUIT) is an emergency shutdown
/// like Ctrl+C, never a silent death with orders left working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_and_sigquit_shut_down_like_sigint() {
    for signal in ["HUP", "QUIT"] {
        let dir = tempfile::tempdir().unwrap();
        let (_sim, port) = start_sim_process(dir.path(), "120");
        let mut bot = start_bot(dir.path(), port, &[], "info");
        let observer = observer(port).await;
        wait_for_trading(&observer, &bot, 2, false).await;

        bot.signal(signal);
        let status = bot
            .wait_exit(Duration::from_secs(CANCEL_TIMEOUT_SECS + 3))
            .unwrap_or_else(|| panic!("SIG{signal}: still running:\n{}", bot.dump()));
        assert_eq!(status.code(), Some(0), "SIG{signal}: {}", bot.dump());
        assert!(
            open_orders(&observer).await.is_empty(),
            "SIG{signal}: {}",
            bot.dump()
        );
        assert!(
            bot.stderr.contains("emergency shutdown"),
            "SIG{signal}: {}",
            bot.dump()
        );
        assert!(
            bot.stdout.text().contains("open orders left: 0"),
            "SIG{signal}: {}",
            bot.dump()
        );
    }
}

/// Ctrl+C while the strategies warm up from a historical data farm that
/// never answers: the warm-up is abandoned at once and the shutdown ends
/// within the cancel timeout (the warm-up alone would wait 90 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_a_stalled_warm_up_exits_within_the_cancel_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("stalled_history.toml");
    std::fs::write(&scenario, "speed = 120.0\nhistory_unanswered = true\n").unwrap();
    let (_sim, port) =
        start_sim_process_with(dir.path(), &["--scenario", scenario.to_str().unwrap()]);
    let mut bot = start_bot(dir.path(), port, &[], "info");
    // Adoption is the last step before the warm-up.
    bot.stderr
        .wait_for("broker state adopted", Duration::from_secs(20));

    bot.sigint();
    let status = bot
        .wait_exit(Duration::from_secs(CANCEL_TIMEOUT_SECS + 3))
        .unwrap_or_else(|| panic!("still warming up after the cancel timeout:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    assert!(bot.stderr.contains("warm-up abandoned"), "{}", bot.dump());
    assert!(bot.stdout.text().contains(REPORT), "{}", bot.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sigints_also_flatten_every_position() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, port) = start_sim_process(dir.path(), "120");
    let mut bot = start_bot(dir.path(), port, &["--log-format", "json"], "debug");
    let observer = observer(port).await;
    wait_for_trading(&observer, &bot, 2, true).await;

    bot.sigint();
    bot.stderr
        .wait_for("emergency shutdown", Duration::from_secs(2));
    bot.sigint();
    let status = bot
        .wait_exit(Duration::from_secs(2 * CANCEL_TIMEOUT_SECS + 3))
        .unwrap_or_else(|| panic!("still running:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    assert!(positions(&observer).await.is_empty(), "{}", bot.dump());
    assert!(open_orders(&observer).await.is_empty(), "{}", bot.dump());
    let stdout = bot.stdout.text();
    assert!(stdout.contains(REPORT), "{}", bot.dump());
    assert!(stdout.contains("positions (TWS): flat"), "{}", bot.dump());
    // JSON log lines only (the signal messages included), masked.
    let stderr = bot.stderr.text();
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with('{'),
            "a plain-text line in the JSON log: {line}"
        );
    }
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with('{') && l.contains("\"DU****567\"")),
        "{stderr}"
    );
    assert!(!format!("{stdout}{stderr}").contains("DU1234567"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_tws_gone_the_shutdown_ends_at_the_timeout_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, port) = start_sim_process(dir.path(), "120");
    let mut bot = start_bot(dir.path(), port, &[], "info");
    let observer = observer(port).await;
    wait_for_trading(&observer, &bot, 2, false).await;
    drop(sim); // killed: TWS is gone

    bot.sigint();
    let sent = Instant::now();
    let status = bot
        .wait_exit(Duration::from_secs(CANCEL_TIMEOUT_SECS + 5))
        .unwrap_or_else(|| panic!("still running:\n{}", bot.dump()));
    // Nothing could be confirmed: exit 3, never 0.
    assert_eq!(status.code(), Some(3), "{}", bot.dump());
    assert!(
        bot.stderr.contains("could not confirm everything at TWS"),
        "{}",
        bot.dump()
    );
    assert!(sent.elapsed() >= Duration::from_secs(CANCEL_TIMEOUT_SECS - 1));
    let stdout = bot.stdout.text();
    assert!(stdout.contains(REPORT), "{}", bot.dump());
    assert!(
        stdout.contains("UNKNOWN (TWS unreachable)"),
        "{}",
        bot.dump()
    );
    assert!(stdout.contains("bot's own accounting"), "{}", bot.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_sigint_exits_at_once_with_130() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, port) = start_sim_process(dir.path(), "120");
    let mut bot = start_bot(dir.path(), port, &[], "info");
    let observer = observer(port).await;
    wait_for_trading(&observer, &bot, 2, false).await;
    // With TWS gone the shutdown waits out its timeout: the signals land inside it.
    drop(sim);

    bot.sigint();
    bot.stderr
        .wait_for("emergency shutdown", Duration::from_secs(2));
    bot.sigint();
    bot.stderr.wait_for(
        "flattening every position as part of the shutdown",
        Duration::from_secs(2),
    );
    bot.sigint();
    let sent = Instant::now();
    let status = bot
        .wait_exit(Duration::from_secs(2))
        .unwrap_or_else(|| panic!("still running after the third SIGINT:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(130), "{}", bot.dump());
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert!(
        bot.stderr.contains("exiting now (code 130)"),
        "{}",
        bot.dump()
    );
}
