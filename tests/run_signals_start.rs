//! The real binary stopped with SIGINT before it trades: while TWS accepts
//! the socket but never answers the handshake, and while the start-up
//! reconciliation waits for an answer that never comes. Both times the bot
//! exits promptly (within `cancel_timeout_secs` and a margin, not after its
//! 15-s connect timeout or 20-s read timeouts) with exit code 0, and nothing
//! of its own is left working at the simulator; orders that are not its own
//! are left alone.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::binary::*;

const CANCEL_TIMEOUT_SECS: u64 = 5;
/// Time allowed beyond the cancel timeout for the process to exit.
const MARGIN: Duration = Duration::from_secs(3);

/// `sim` with `scenario` (TOML) written beside the config.
fn start_sim(dir: &std::path::Path, scenario: &str) -> (Proc, u16) {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    start_sim_process_with(
        dir,
        &["--speed", "120", "--scenario", path.to_str().unwrap()],
    )
}

/// `run` against the simulator on `port`, client id 1.
fn start_bot(dir: &std::path::Path, port: u16) -> Proc {
    let config = write_config(
        dir,
        FAST_SMA,
        &format!("[shutdown]\ncancel_timeout_secs = {CANCEL_TIMEOUT_SECS}\n"),
    );
    let config = config.to_str().unwrap().to_string();
    let mut command: Command = command(dir, &["run", "--config", config.as_str()]);
    command
        .env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", port.to_string())
        .env("IBKR_CLIENT_ID", "1")
        .env("RUST_LOG", "info");
    Proc::spawn(command)
}

/// Sends SIGINT and waits for the exit, asserting it comes within the
/// cancel timeout plus [`MARGIN`] and with code 0.
fn interrupt_and_expect_prompt_exit(bot: &mut Proc) {
    let sent = Instant::now();
    bot.sigint();
    let within = Duration::from_secs(CANCEL_TIMEOUT_SECS) + MARGIN;
    let status = bot
        .wait_exit(within)
        .unwrap_or_else(|| panic!("still running {within:?} after SIGINT:\n{}", bot.dump()));
    assert!(sent.elapsed() < within, "{:?}", sent.elapsed());
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    assert!(
        bot.stdout
            .contains("=== first-trading-app: start-up interrupted ==="),
        "{}",
        bot.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_while_tws_does_not_answer_the_handshake_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, port) = start_sim(dir.path(), "handshake_unanswered = true\n");
    let mut bot = start_bot(dir.path(), port);
    sim.stderr
        .wait_for("handshake left unanswered", Duration::from_secs(20));

    interrupt_and_expect_prompt_exit(&mut bot);
    assert!(
        bot.stdout
            .contains("shutdown requested while connecting: nothing was traded"),
        "{}",
        bot.dump()
    );
    assert!(bot.stdout.contains("not connected: no order was sent"));
    assert!(!bot.stderr.contains("connected to TWS"), "{}", bot.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_the_start_up_reconciliation_cancels_the_bots_orders_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    // A working order of the bot's (client 1, its orderRef, its symbol) left
    // by an earlier run, and one typed into TWS by hand (client 0).
    let scenario = r#"
positions_unanswered = true

[[start.orders]]
client_id = 1
order_id = 7
symbol = "SPY"
action = "BUY"
quantity = "1"
limit = "1.00"
order_ref = "fta-20260105-s0-000001-E"

[[start.orders]]
client_id = 0
order_id = 900
symbol = "SPY"
action = "BUY"
quantity = "1"
limit = "1.00"
"#;
    let (sim, port) = start_sim(dir.path(), scenario);
    let observer = observer(port).await;
    let mut bot = start_bot(dir.path(), port);
    sim.stderr
        .wait_for("reqPositions left unanswered", Duration::from_secs(20));

    interrupt_and_expect_prompt_exit(&mut bot);
    assert!(
        bot.stdout
            .contains("shutdown requested while reconciling: nothing was traded"),
        "{}",
        bot.dump()
    );
    assert!(
        bot.stdout
            .contains("left open: none (TWS confirms no open order)"),
        "{}",
        bot.dump()
    );
    let open = open_orders(&observer).await;
    assert!(
        !open.iter().any(|(client, _)| *client == 1),
        "the bot's order is still working: {open:?}"
    );
    assert!(
        open.iter().any(|(client, _)| *client == 0),
        "the manual order must be left alone: {open:?}"
    );
}
