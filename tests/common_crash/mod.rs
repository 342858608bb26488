//! Shared fixtures for the crash-safety tests: a standalone simulator child
//! process (`first-trading-app sim`), a temporary workspace with a
//! `config.toml` and a fast strategy, the real bot as a child process (logs
//! as JSON lines in a file that the test can poll), and an independent `ibapi`
//! client that reads what the simulator holds (orders, executions, positions;
//! see `inspect`).
//!
//! Every wait is a bounded poll; every child is killed when its guard drops,
//! so a failing assertion leaves no process behind.

#![allow(dead_code)]

mod inspect;

#[allow(unused_imports)] // each test crate uses its own subset
pub use inspect::{inspect, SimOrder, SimState};

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use first_trading_app::journal::Journal;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_first-trading-app");
/// The simulator's paper account.
pub const ACCOUNT: &str = "DU1234567";

/// The simulator's market day (its clock starts 2026-01-05 09:30 New York;
/// at speed 120 the session lasts 195 s of real time, far beyond a test).
pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

/// Polls `probe` every 50 ms until it returns `Some`, or panics after `limit`
/// saying what was awaited.
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A temporary directory with `config.toml`, `strategies/fast.toml` and the
/// journal path inside it.
pub struct Workspace {
    dir: tempfile::TempDir,
    /// `config.toml`.
    pub config: PathBuf,
    /// The configured journal file.
    pub journal: PathBuf,
}

impl Workspace {
    /// A workspace whose `[risk]` section holds `risk` (TOML lines).
    pub fn new(risk: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("strategies")).unwrap();
        // SMA 2/3 on 5-second bars: at speed 120 it crosses every second or so.
        std::fs::write(
            dir.path().join("strategies/fast.toml"),
            "kind = \"sma_crossover\"\nname = \"fast\"\nsymbols = [\"SPY\"]\n\
             bar_size = \"5 secs\"\n\n[sizing]\nfixed_quantity = 10\n\n\
             [params]\nfast = 2\nslow = 3\n",
        )
        .unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "strategies = [\"strategies/fast.toml\"]\n\n[connection]\nhost = \"127.0.0.1\"\n\
                 client_id = 1\n\n[risk]\n{risk}\n\n[shutdown]\ncancel_timeout_secs = 5\n\n\
                 [journal]\npath = \"journal/bot.db\"\n\n[logging]\nstatus_interval_secs = 0\n"
            ),
        )
        .unwrap();
        let journal = dir.path().join("journal/bot.db");
        Workspace {
            dir,
            config,
            journal,
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Opens the journal (the bot may be running: WAL allows a second connection).
    pub fn open_journal(&self) -> Journal {
        Journal::open(&self.journal).unwrap_or_else(|e| panic!("journal opens: {e}"))
    }

    /// A `Command` for the binary in this workspace with a clean environment:
    /// no inherited `IBKR_*`, `RUST_LOG` or failpoint; the sim's paper account.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.current_dir(self.path()).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("IBKR_") {
                command.env_remove(key);
            }
        }
        command
            .env_remove("RUST_LOG")
            .env_remove("FIRST_TRADING_APP_FAILPOINT")
            .env("IBKR_ACCOUNT_ID", ACCOUNT);
        command
    }
}

/// A standalone simulator child process; killed on drop.
pub struct Sim {
    child: Child,
    /// The loopback port it listens on.
    pub port: u16,
}

impl Sim {
    /// Starts `first-trading-app sim --port 0 --speed 120` (the OS picks the
    /// port, read back from the simulator's first stdout line); its log goes to
    /// `sim.log` in `dir`.
    pub fn start(dir: &Path) -> Sim {
        let log = std::fs::File::create(dir.join("sim.log")).unwrap();
        let mut child = Command::new(BIN)
            .args(["sim", "--port", "0", "--speed", "120"])
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = line
                    .rsplit_once(':')
                    .filter(|_| line.contains("listening on"))
                    .and_then(|(_, p)| p.trim().parse::<u16>().ok())
                {
                    let _ = tx.send(port);
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                panic!("the simulator did not report its port within 15 s");
            }
        };
        Sim { child, port }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One run of the bot (`first-trading-app --log-format json run`); killed on drop.
pub struct Bot {
    child: Child,
    /// Its stderr (JSON log lines).
    pub log: PathBuf,
    /// Its stdout (the final report).
    pub out: PathBuf,
}

impl Bot {
    /// Starts the bot against the simulator on `port`, with the crash point
    /// `failpoint` armed if given; output goes to `<name>.log` / `<name>.out`.
    pub fn start(ws: &Workspace, port: u16, failpoint: Option<&str>, name: &str) -> Bot {
        let log = ws.path().join(format!("{name}.log"));
        let out = ws.path().join(format!("{name}.out"));
        let mut command = ws.command(&[
            "--log-format",
            "json",
            "run",
            "--config",
            ws.config.to_str().unwrap(),
        ]);
        command
            .env("IBKR_PORT", port.to_string())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&log).unwrap());
        if let Some(point) = failpoint {
            command.env("FIRST_TRADING_APP_FAILPOINT", point);
        }
        let child = command.spawn().unwrap();
        Bot { child, log, out }
    }

    /// The log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log lines whose message contains `text`.
    pub fn log_lines(&self, text: &str) -> Vec<String> {
        self.log_text()
            .lines()
            .filter(|l| message(l).is_some_and(|m| m.contains(text)))
            .map(str::to_string)
            .collect()
    }

    /// Waits (bounded) until the log has a line whose message contains `text`.
    pub fn wait_log(&mut self, text: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Some(line) = self.log_lines(text).into_iter().next() {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the bot exited ({status}) before logging {text:?}; log:\n{}",
                    self.log_text()
                );
            }
            assert!(
                start.elapsed() < limit,
                "no {text:?} in the bot's log within {limit:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (bounded) for the process to end.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "the bot did not exit within {limit:?}; log:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGINT (`kill -INT`, what Ctrl+C sends).
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -INT failed");
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status}");
    }

    /// SIGINT, then waits for a clean exit (code 0) and returns the final report.
    pub fn stop(&mut self) -> String {
        self.interrupt();
        let status = self.wait_exit(Duration::from_secs(20));
        let report = std::fs::read_to_string(&self.out).unwrap_or_default();
        assert_eq!(
            status.code(),
            Some(0),
            "exit after SIGINT: {status}\nreport:\n{report}\nlog:\n{}",
            self.log_text()
        );
        report
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `message` field of a JSON log line.
pub fn message(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    value.get("message")?.as_str().map(str::to_string)
}

/// A field of a JSON log line, as text.
pub fn field(line: &str, name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    match value.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
