//! The README's first quick-start command, `cargo run -- run --sim`, on a
//! fresh checkout: the shipped `config.toml` and `strategies/` in an empty
//! directory, no `.env`, no `IBKR_*` variables. It must show the bot trading
//! (a "risk gate approved" line) within 30 seconds, then stop cleanly on Ctrl+C.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::binary::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_readme_starts_with_run_sim() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let quick_start = &readme[readme
        .find("## Quick start")
        .expect("a Quick start section")..];
    let first_command = quick_start
        .lines()
        .skip_while(|l| !l.starts_with("```"))
        .nth(1)
        .unwrap();
    assert_eq!(first_command, "cargo run -- run --sim");
}

#[test]
fn run_sim_on_a_fresh_checkout_trades_within_30_seconds_and_stops_on_sigint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join("config.toml"), dir.path().join("config.toml")).unwrap();
    copy_dir(&root.join("strategies"), &dir.path().join("strategies"));

    let started = Instant::now();
    let mut bot = Proc::spawn(command(dir.path(), &["run", "--sim"]));
    bot.stderr
        .wait_for("risk gate approved", Duration::from_secs(30));
    let to_first_trade = started.elapsed();
    assert!(to_first_trade < Duration::from_secs(30));
    eprintln!("run --sim: first approved order after {to_first_trade:?}");

    bot.sigint();
    // The shipped cancel timeout is 10 s.
    let status = bot
        .wait_exit(Duration::from_secs(13))
        .unwrap_or_else(|| panic!("still running:\n{}", bot.dump()));
    assert_eq!(status.code(), Some(0), "{}", bot.dump());
    let stdout = bot.stdout.text();
    assert!(
        stdout.contains("=== first-trading-app: final report ==="),
        "{}",
        bot.dump()
    );
    assert!(stdout.contains("open orders left: 0"), "{}", bot.dump());
    assert!(!format!("{stdout}{}", bot.stderr.text()).contains("DU1234567"));

    // The simulated session journaled into its own file, never the account's,
    // and `report --sim` reads it.
    let journal = dir.path().join("journal/first-trading-app.db");
    assert!(
        !journal.exists(),
        "the account's journal was written by --sim"
    );
    assert!(dir.path().join("journal/first-trading-app-sim.db").exists());
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_first-trading-app"))
        .current_dir(dir.path())
        .args(["report", "--sim", "--day", "2026-01-05"])
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(0), "{report:?}");
    assert!(
        String::from_utf8_lossy(&report.stdout).contains("SPY"),
        "{report:?}"
    );
}
