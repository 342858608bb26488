//! The journal through the real binary: a corrupted or foreign file at the
//! configured journal path stops `run` (exit 2) before any connection, with a
//! message naming the file, and is never modified; `report --day` prints a
//! day's trades, PnL and risk decisions from a journal written by a real run
//! against the simulator.

mod common_crash;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common_crash::{inspect, wait_for, Bot, Sim, Workspace};
use first_trading_app::broker::tws::snapshot::BrokerExecution;
use first_trading_app::domain::types::Side;
use first_trading_app::journal::Journal;
use rust_decimal::Decimal;

/// `len` bytes of a fixed xorshift sequence: garbage, the same on every run.
fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The files in the journal's directory.
fn files_beside(path: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs `run` in another directory than the config's (so the journal path
/// must be resolved against the config file) with a listener on the port the
/// bot would use; asserts nobody connected to it.
fn run_without_connecting(ws: &Workspace) -> Output {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = ws
        .command(&["run", "--config", ws.config.to_str().unwrap()])
        .current_dir(elsewhere.path())
        .env("IBKR_PORT", &port)
        .output()
        .unwrap();
    assert_nobody_connected(&listener, "run connected despite the bad journal");
    out
}

/// Asserts that nothing connected to `listener` while the (already exited)
/// run was alive. No waiting: the test connects once itself, after the exit,
/// and that connection must be the first one the listener accepts.
fn assert_nobody_connected(listener: &TcpListener, what: &str) {
    let own = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (_, first) = listener.accept().unwrap();
    assert_eq!(first, own.local_addr().unwrap(), "{what}");
}

/// Puts `bytes` at the journal path, runs `run` and `report` on it, and checks
/// both refuse it naming the file with `what`, leaving it byte for byte as it was.
fn assert_refused(bytes: &[u8], what: &str) {
    let ws = Workspace::new("");
    std::fs::create_dir_all(ws.journal.parent().unwrap()).unwrap();
    std::fs::write(&ws.journal, bytes).unwrap();
    let files = files_beside(&ws.journal);

    let out = run_without_connecting(&ws);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let named = format!("journal {} ", ws.journal.display());
    assert!(stderr.contains(&named), "names {named:?}: {stderr}");
    assert!(stderr.contains(what), "says {what:?}: {stderr}");
    assert!(stderr.contains("left untouched"), "{stderr}");
    assert!(!stderr.contains("DU1234567"), "{stderr}");

    let out = ws
        .command(&[
            "report",
            "--config",
            ws.config.to_str().unwrap(),
            "--day",
            "2026-01-05",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&named) && stderr.contains(what), "{stderr}");

    assert_eq!(
        std::fs::read(&ws.journal).unwrap(),
        bytes,
        "the file's bytes"
    );
    assert_eq!(
        files_beside(&ws.journal),
        files,
        "no -wal/-shm/-journal created"
    );
}

#[test]
fn random_bytes_at_the_journal_path_are_refused_and_left_alone() {
    assert_refused(&garbage(8192), "is not a SQLite database");
}

#[test]
fn a_damaged_journal_is_refused_and_left_alone() {
    // A real journal with its pages after the first one overwritten.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("real.db");
    drop(Journal::open(&path).unwrap());
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "a journal spans several pages");
    let page = 4096;
    let noise = garbage(bytes.len() - page);
    bytes[page..].copy_from_slice(&noise);
    assert_refused(&bytes, "is damaged");
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);\
             INSERT INTO customers (name) VALUES ('Ada'), ('Grace');",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_refused(&bytes, "is a SQLite database of another application");
}

/// Realized PnL (average cost, before commissions) and commissions of
/// `executions` in the order given, from a flat start.
fn realized_and_commissions(executions: &[BrokerExecution]) -> (Decimal, Decimal) {
    let (mut quantity, mut cost, mut realized, mut commissions) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for e in executions {
        commissions += e.commission.unwrap_or_default();
        match e.side {
            Side::Buy => {
                quantity += e.quantity;
                cost += e.quantity * e.price;
            }
            Side::Sell => {
                let average = cost / quantity;
                realized += e.quantity * (e.price - average);
                cost -= e.quantity * average;
                quantity -= e.quantity;
            }
        }
    }
    (realized, commissions)
}

#[test]
fn report_prints_the_day_of_a_real_run() {
    let ws = Workspace::new("max_daily_loss_pct = 0.5");
    let sim = Sim::start(ws.path());
    let mut bot = Bot::start(&ws, sim.port, None, "run");
    wait_for(
        "four executions at the simulator",
        Duration::from_secs(20),
        || (inspect(sim.port).executions.len() >= 4).then_some(()),
    );
    bot.stop();
    let approved = bot.log_lines("risk gate approved").len();
    let rejected = bot.log_lines("risk gate rejected").len();
    let sim_state = inspect(sim.port);

    let elsewhere = tempfile::tempdir().unwrap();
    let out = ws
        .command(&[
            "report",
            "--config",
            ws.config.to_str().unwrap(),
            "--day",
            "2026-01-05",
        ])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.starts_with("Journal report for trading day 2026-01-05"),
        "{report}"
    );
    assert!(report.contains("Runs: 1\n"), "{report}");
    assert!(report.contains("account DU****567"), "{report}");
    assert!(!report.contains("DU1234567"), "{report}");
    assert!(report.contains("Start equity: 1000000.00"), "{report}");

    // Every execution at the simulator, with its order, and nothing more.
    let trades = sim_state.executions.len();
    assert!(report.contains(&format!("Trades: {trades}\n")), "{report}");
    for e in &sim_state.executions {
        let line = report
            .lines()
            .find(|l| l.contains(&format!("exec {}", e.exec_id)))
            .unwrap_or_else(|| panic!("execution {} missing:\n{report}", e.exec_id));
        let side = match e.side {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        };
        assert!(
            line.contains(&format!("{side} {} SPY @ {:.2}", e.quantity, e.price)),
            "{line}"
        );
        assert!(line.contains(&format!("order {}", e.order_ref)), "{line}");
    }

    // PnL recomputed by hand from the simulator's executions.
    let (realized, commissions) = realized_and_commissions(&sim_state.executions);
    let total = format!(
        "total  realized {:.2}  commissions {:.2}  net {:.2}",
        realized,
        commissions,
        realized - commissions
    );
    assert!(report.contains(&total), "expected {total:?} in:\n{report}");

    // Every risk decision the run logged, with its verdict.
    assert!(
        report.contains(&format!(
            "Risk decisions: {} ({approved} approved, {rejected} rejected)",
            approved + rejected
        )),
        "{report}"
    );
    assert_eq!(
        report.matches("  APPROVED  ").count(),
        approved,
        "approved lines:\n{report}"
    );
    // The shutdown's halt is the day's last state change, in words only (the
    // latch itself is in typed columns, not in the reason).
    assert!(
        report.contains("HALTED  trading state ACTIVE → HALTED: shutting down\n"),
        "{report}"
    );
    assert!(!report.contains("latch="), "{report}");
}
