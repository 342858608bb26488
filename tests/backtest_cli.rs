//! The real binary refusing bad input the way the config loader does (the
//! flag, the value, what is allowed; exit 2; nothing written), refusing a
//! `--config` that does not exist in every command, and ending quietly when
//! its stdout is closed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_first-trading-app");

/// 40 daily SPY bars (enough for the default 10/30 crossover to trade).
fn spy_bars(dir: &Path) -> PathBuf {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/SPY_1d.csv")).unwrap();
    let head: Vec<&str> = text.lines().take(41).collect();
    let path = dir.join("SPY_1d.csv");
    std::fs::write(&path, head.join("\n") + "\n").unwrap();
    path
}

/// The binary in `dir` with a clean `IBKR_*` environment and stdin closed.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args).stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("IBKR_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn numeric_and_size_flags_are_refused_with_flag_value_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    spy_bars(dir.path());
    let cases: [(&[&str], &str); 7] = [
        (&["--equity", "0"], "command line: --equity = 0: must be more than 0"),
        (&["--equity", "-1"], "command line: --equity = -1: must be more than 0"),
        (
            &["--equity", "10000000000000"],
            "command line: --equity = 10000000000000: must be more than 0 and at most 1000000000000",
        ),
        (
            &["--slippage-bps", "-1"],
            "command line: --slippage-bps = -1: must be from 0 to 10000",
        ),
        (
            &["--slippage-bps", "10001"],
            "command line: --slippage-bps = 10001: must be from 0 to 10000",
        ),
        (
            &["--bar-size", "7 secs"],
            "command line: --bar-size = \"7 secs\": must be a bar size like",
        ),
        // clap's own refusal of a non-number names the flag too.
        (&["--equity", "lots"], "'--equity <USD>'"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["backtest", "--data", "SPY_1d.csv", "--out", "out"];
        args.extend_from_slice(flags);
        let out = run(dir.path(), &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!dir.path().join("out").exists(), "{flags:?} wrote a report");
    }
    // Two bad flags: both reported at once.
    let out = run(
        dir.path(),
        &[
            "backtest",
            "--data",
            "SPY_1d.csv",
            "--equity",
            "0",
            "--slippage-bps",
            "-5",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("configuration invalid, 2 problems:"),
        "{stderr}"
    );
}

#[test]
fn a_single_bar_file_needs_bar_size_and_the_message_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ONE_1d.csv"),
        "timestamp,open,high,low,close,volume\n2021-01-04T00:00:00-05:00,1,1,1,1,1\n",
    )
    .unwrap();
    let out = run(dir.path(), &["backtest", "--data", "ONE_1d.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "ONE_1d.csv: one bar only, so its length cannot be inferred; give it with --bar-size"
        ),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        dir.path(),
        &["backtest", "--data", "ONE_1d.csv", "--bar-size", "1 day"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("1 bars, 0 trades"));
}

#[test]
fn every_command_refuses_a_config_file_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    spy_bars(dir.path());
    let missing = dir.path().join("nowhere/config.toml");
    let missing = missing.to_str().unwrap();
    let commands: [&[&str]; 7] = [
        &["backtest", "--data", "SPY_1d.csv"],
        &["run", "--sim"],
        &["check"],
        &["report"],
        &["cancel-all"],
        &["flatten", "--yes"],
        &[
            "history",
            "--symbol",
            "SPY",
            "--bar-size",
            "1day",
            "--duration",
            "5D",
            "--out",
            "h.csv",
        ],
    ];
    let expected = format!(
        "configuration invalid, 1 problem:\n  {missing}: (file) = {missing}: config file not found"
    );
    for args in commands {
        let mut args = args.to_vec();
        args.extend_from_slice(&["--config", missing]);
        let out = run(dir.path(), &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
    }
}

/// Runs `args` with stdout a pipe whose reader is already gone.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> Output {
    let mut child = command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_every_printing_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    spy_bars(dir.path());
    std::fs::write(dir.path().join("config.toml"), "strategies = []\n").unwrap();
    let commands: [&[&str]; 3] = [
        &["backtest", "--data", "SPY_1d.csv"],
        &[
            "backtest",
            "--data",
            "SPY_1d.csv",
            "--sweep",
            "fast=2,3",
            "--sweep",
            "slow=5",
        ],
        &["check"],
    ];
    for args in commands {
        let out = with_closed_stdout(dir.path(), args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
