//! The real binary: `check` with a valid and an invalid configuration, and
//! `run` refusing a paper/live disagreement before opening any socket.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_first-trading-app");

fn write_config(dir: &Path, risk: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("strategies = []\n\n[risk]\n{risk}\n")).unwrap();
    path
}

/// Runs the binary in `dir` with a clean `IBKR_*` environment plus `env`.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("IBKR_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// Asserts that nothing connected to `listener` while the (already exited)
/// run was alive. No waiting: the test connects once itself, after the exit,
/// and that connection must be the first one the listener accepts.
fn assert_nobody_connected(listener: &TcpListener, what: &str) {
    let own = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (_, first) = listener.accept().unwrap();
    assert_eq!(first, own.local_addr().unwrap(), "{what}");
}

#[test]
fn check_accepts_a_valid_config_and_masks_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "max_daily_loss_pct = 0.03");
    let out = run(
        dir.path(),
        &["check", "--config", config.to_str().unwrap()],
        &[("IBKR_ACCOUNT_ID", "DU7654321")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("DU****321"), "{stdout}");
    assert!(!stdout.contains("DU7654321") && !stderr.contains("DU7654321"));
    assert!(stdout.to_uppercase().contains("PAPER"), "{stdout}");
    assert!(stdout.contains("0.03"), "{stdout}");
}

#[test]
fn check_reports_every_bad_value_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "max_daily_loss_pct = 2.5\nmax_position_size_pct = -1\nno_such_key = 1",
    );
    let out = run(
        dir.path(),
        &["check", "--config", config.to_str().unwrap()],
        &[("IBKR_PORT", "abc")],
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("risk.max_daily_loss_pct = 2.5"), "{all}");
    assert!(all.contains("risk.max_position_size_pct = -1"), "{all}");
    assert!(all.contains("no_such_key"), "{all}");
    assert!(all.contains("IBKR_PORT = abc"), "{all}");
}

#[test]
fn run_refuses_a_live_paper_disagreement_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let out = run(
        dir.path(),
        &["run", "--live", "--config", config.to_str().unwrap()],
        &[("IBKR_ACCOUNT_ID", "DU7654321"), ("IBKR_PORT", &port)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--live"), "{stderr}");
    assert!(stderr.contains("IBKR_PAPER_TRADING"), "{stderr}");
    assert!(!stderr.contains("DU7654321"), "{stderr}");
    // Nobody knocked on the port the run would have used.
    assert_nobody_connected(&listener, "run connected despite the mode conflict");
}

#[test]
fn run_without_tws_says_what_to_do() {
    // A port held (bound) but not listening: nobody else can take it, and a
    // connection to it is refused at once.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let out = run(
        dir.path(),
        &["run", "--config", config.to_str().unwrap()],
        &[("IBKR_ACCOUNT_ID", "DU7654321"), ("IBKR_PORT", &port)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("TWS/IB Gateway not reachable at 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(stderr.contains("--sim"), "{stderr}");
}

/// Runs the binary like [`run`], but kills it and fails if it has not exited
/// within 10 s (a FIFO read would block forever).
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args).env_remove("RUST_LOG");
    command.env("IBKR_ACCOUNT_ID", "DU1234567");
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{args:?} still running after 10 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_fifo_directory_or_foreign_file_as_a_path_exits_2_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (what, config) in [
        ("a FIFO", fifo.clone()),
        ("a directory", dir.path().to_path_buf()),
    ] {
        for command in ["check", "run"] {
            let out = run_bounded(dir.path(), &[command, "--config", config.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{command} with {what}: {stderr}"
            );
            assert!(
                stderr.contains("not a regular file") || stderr.contains("not a .toml file"),
                "{what}: {stderr}"
            );
        }
    }
    // A strategy path that points at a file that is not TOML: refused by
    // name, its content never quoted.
    let passwd = dir.path().join("passwd");
    std::fs::write(&passwd, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("strategies = [{:?}]\n", passwd.to_str().unwrap()),
    )
    .unwrap();
    let out = run_bounded(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a .toml file"), "{stderr}");
    assert!(!stderr.contains("root:x"), "{stderr}");
}

/// The last line of `text` that is not empty.
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

#[test]
fn check_refuses_every_journal_path_run_refuses_with_the_same_words() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.db");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::fs::create_dir(dir.path().join("a-dir.db")).unwrap();
    std::fs::write(dir.path().join("plain-file"), "x").unwrap();
    std::fs::write(
        dir.path().join("notes.db"),
        "not a database, just notes\n".repeat(9),
    )
    .unwrap();
    let cases = [
        (
            "a FIFO",
            fifo.to_str().unwrap().to_string(),
            "not a regular file",
        ),
        ("a directory", "a-dir.db".to_string(), "not a regular file"),
        ("a device", "/dev/null".to_string(), "not a regular file"),
        (
            "a file as its directory",
            "plain-file/j.db".to_string(),
            "is not a directory",
        ),
        (
            "a foreign file",
            "notes.db".to_string(),
            "is not a SQLite database",
        ),
    ];
    for (what, journal, said) in cases {
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!("strategies = []\n[journal]\npath = {journal:?}\n"),
        )
        .unwrap();
        let config = config.to_str().unwrap();
        let checked = run_bounded(dir.path(), &["check", "--config", config]);
        let ran = run_bounded(dir.path(), &["run", "--config", config]);
        let check_err = String::from_utf8_lossy(&checked.stderr);
        let run_err = String::from_utf8_lossy(&ran.stderr);
        assert_eq!(checked.status.code(), Some(2), "check, {what}: {check_err}");
        assert_eq!(ran.status.code(), Some(2), "run, {what}: {run_err}");
        assert!(run_err.contains(said), "run, {what}: {run_err}");
        assert!(
            check_err.contains("journal.path = ") && check_err.contains(last_line(&run_err)),
            "check, {what}, must say what run says:\n{check_err}\nrun said:\n{run_err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("plain-file")).unwrap(),
        "x",
        "nothing written"
    );
}

#[test]
fn check_accepts_a_journal_run_would_create_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "strategies = []\n[journal]\npath = \"new/dir/j.db\"\n",
    )
    .unwrap();
    let out = run_bounded(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !dir.path().join("new").exists(),
        "check created the directory"
    );
}

/// Every command that reads `.env` says, in the same words, that it is
/// readable by others and that a variable is set twice in it (naming the
/// variable and the line). Each command then fails fast on its own (no TWS
/// on the port, no journal, no data file): only the warnings matter here.
#[cfg(unix)]
#[test]
fn every_command_that_reads_dotenv_warns_about_its_permissions_and_duplicates() {
    use std::os::unix::fs::PermissionsExt;

    // A port held (bound) but not listening: a connection is refused at once.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let config = config.to_str().unwrap();
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        format!("IBKR_ACCOUNT_ID=DU1234567\nIBKR_PORT={port}\nIBKR_PORT=7497\n"),
    )
    .unwrap();
    std::fs::set_permissions(&dotenv, std::fs::Permissions::from_mode(0o644)).unwrap();
    let commands: [&[&str]; 7] = [
        &["check"],
        &["run"],
        &["cancel-all"],
        &["flatten", "--all", "--yes"],
        &[
            "history",
            "--symbol",
            "SPY",
            "--bar-size",
            "1min",
            "--duration",
            "1D",
            "--out",
            "h.csv",
        ],
        &["report"],
        &["backtest", "--data", "missing.csv"],
    ];
    for args in commands {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--config", config]);
        let out = run(dir.path(), &full, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(".env is readable by group or others (mode 644)"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("IBKR_PORT is set more than once in .env (again on line 3)"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("DU1234567"), "{args:?}: {stderr}");
    }
}

#[test]
fn check_lists_notify_with_urls_masked_and_refuses_a_bad_url_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "strategies = []\n\n[notify]\nurls = [\"https://hooks.example.com/T0/B0/SECRET\"]\nevents = [\"state\"]\n",
    )
    .unwrap();
    let args = ["check", "--config", config.to_str().unwrap()];
    let out = run(dir.path(), &args, &[("IBKR_ACCOUNT_ID", "DU7654321")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let url_line = stdout
        .lines()
        .find(|l| l.contains("notify.urls[0]"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        url_line.contains("https://hooks.example.com/****"),
        "{url_line}"
    );
    assert!(stdout
        .lines()
        .any(|l| l.contains("notify.events") && l.contains("state")));
    assert!(!format!("{stdout}{stderr}").contains("SECRET"));

    std::fs::write(
        &config,
        "strategies = []\n\n[notify]\nurls = [\"hooks.example.com/T0/B0/SECRET\"]\n",
    )
    .unwrap();
    let out = run(dir.path(), &args, &[]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("notify.urls[0] = \"****\": must be an http:// or https:// URL with a host"),
        "{all}"
    );
    assert!(!all.contains("SECRET"), "{all}");
}
