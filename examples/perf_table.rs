//! The performance table of issue 14 in one command:
//!
//! ```text
//! cargo run --release --example perf_table                   # ~25 min: tick-to-order over 10 000 signals takes ~17
//! cargo run --release --example perf_table -- --signals 1000 # ~8 min
//! ```
//!
//! It only drives the shipped pieces as child processes and reads what they
//! print, so it measures what a user runs:
//! - engine bars/s: `cargo bench --bench backtest -- engine` (criterion's throughput);
//! - `backtest` end to end on a ~1 M-bar file: wall time and peak RSS of the
//!   release binary (the file is SPY_1h.csv from `shared/data/bars` tiled 25×,
//!   or 1 000 000 synthetic hourly bars when that directory is absent);
//! - risk-gate p50/p99: `cargo bench --bench gate_latency`;
//! - tick → placeOrder vs loopback: `examples/tick_to_order.rs`;
//! - sweep speed-up: the same `backtest --sweep` with `RAYON_NUM_THREADS=1`
//!   and with every core;
//! - `run --sim` with 100 symbols: `examples/sim_symbols.rs` (the session and
//!   the simulator in one process, as `run --sim` has them).
//!
//! Peak RSS is the child's `VmHWM` from `/proc/<pid>/status`, read every 2 ms
//! while it runs (Linux only; elsewhere "n/a"). A measurement tool: it asserts
//! nothing about the figures.

use std::fmt::Write as _;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::DateTime;

#[path = "support/procfs.rs"]
mod procfs;
use procfs::megabytes as mb;

/// Copies of SPY_1h.csv (40 832 rows) in the end-to-end file: 1 020 800 bars.
const REPEATS: i64 = 25;
/// Synthetic bars when `shared/data/bars` is absent.
const SYNTHETIC_BARS: i64 = 1_000_000;

/// One row of the table.
struct Row {
    figure: &'static str,
    value: String,
    command: String,
}

/// A finished child: its stdout, wall time and peak RSS.
struct Measured {
    stdout: String,
    wall: Duration,
    peak_rss_kb: Option<u64>,
}

fn main() -> Result<(), String> {
    let signals = parse_signals()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tmp = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    eprintln!("perf_table: building the release binary and examples ...");
    let bin = shipped_binary(&cargo, &root, tmp.path())?;
    run(Command::new(&cargo).current_dir(&root).args([
        "build",
        "--release",
        "--example",
        "tick_to_order",
        "--example",
        "sim_symbols",
    ]))?;
    let release = root.join("target/release");
    // The long tick-to-order run goes last, so a failure elsewhere shows early.
    let engine = engine(&cargo, &root)?;
    let file = big_file(&root, tmp.path())?;
    let end_to_end = end_to_end(&bin, &file, tmp.path())?;
    let gate = gate(&cargo, &root)?;
    let sweep = sweep(&bin, &file.path, tmp.path())?;
    let sim_symbols = sim_symbols(&release.join("examples/sim_symbols"))?;
    let tick = tick_to_order(&release.join("examples/tick_to_order"), signals)?;
    let mut rows = vec![engine, end_to_end];
    rows.extend(gate);
    rows.extend(tick);
    rows.push(sweep);
    rows.push(sim_symbols);
    println!("{}", machine());
    println!();
    println!("| figure | value | command |");
    println!("|---|---|---|");
    for row in rows {
        println!("| {} | {} | `{}` |", row.figure, row.value, row.command);
    }
    Ok(())
}

fn parse_signals() -> Result<usize, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(10_000),
        [flag, n] if flag == "--signals" => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(format!("--signals {n}: expected a whole number above 0")),
        other => Err(format!("unexpected arguments {other:?} (only --signals N)")),
    }
}

/// The release binary as `cargo build --release` makes it, copied to `tmp`:
/// building benches and examples rebuilds `target/release/first-trading-app`
/// with the dev-dependency's `failpoints` feature, which a shipped build
/// never has.
fn shipped_binary(cargo: &str, root: &Path, tmp: &Path) -> Result<PathBuf, String> {
    run(Command::new(cargo).current_dir(root).args([
        "build",
        "--release",
        "--bin",
        "first-trading-app",
    ]))?;
    let copy = tmp.join("first-trading-app");
    let built = root.join("target/release/first-trading-app");
    std::fs::copy(&built, &copy).map_err(|e| format!("{}: {e}", built.display()))?;
    Ok(copy)
}

/// `nproc`, the CPU model and the load average when the table was made.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
        .map_or("unknown CPU".to_string(), |(_, m)| m.trim().to_string());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "machine: {cores} cores (nproc), {model}; load average {} at the end of the run",
        load.join(" ")
    )
}

/// Runs `cmd` to the end, stdout captured, stderr passed through.
fn run(cmd: &mut Command) -> Result<Measured, String> {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{shown}: {e}"))?;
    let mut out = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let pid = child.id().to_string();
    let mut peak = None;
    let status = loop {
        peak = procfs::peak_rss_kb(&pid).or(peak);
        if let Some(status) = child.try_wait().map_err(|e| format!("{shown}: {e}"))? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed();
    let stdout = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("{shown} failed ({status}):\n{stdout}"));
    }
    Ok(Measured {
        stdout,
        wall,
        peak_rss_kb: peak,
    })
}

/// Engine bars/s: criterion's throughput line of the backtest bench.
fn engine(cargo: &str, root: &Path) -> Result<Row, String> {
    eprintln!("perf_table: engine bench ...");
    let m = run(Command::new(cargo)
        .current_dir(root)
        .args(["bench", "--bench", "backtest", "--", "engine"]))?;
    let thrpt = m
        .stdout
        .lines()
        .find(|l| l.contains("thrpt:"))
        .and_then(|l| l.split('[').nth(1))
        .map(|inner| {
            inner
                .split_whitespace()
                .skip(2)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .ok_or(format!("no throughput in the bench output:\n{}", m.stdout))?;
    Ok(Row {
        figure:
            "engine, SMA crossover 10/30, one core (strategy + gate + orders + fills + portfolio)",
        value: thrpt.replace("Melem/s", "M bars/s"),
        command: "cargo bench --bench backtest -- engine".into(),
    })
}

/// The ~1 M-bar CSV written in `dir`.
struct BigFile {
    path: PathBuf,
    bars: usize,
    /// Where its rows came from.
    source: String,
}

fn big_file(root: &Path, dir: &Path) -> Result<BigFile, String> {
    let path = dir.join("SPY_1h_tiled.csv");
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut w = BufWriter::new(file);
    let shared = root
        .ancestors()
        .map(|d| d.join("shared/data/bars/SPY_1h.csv"))
        .find(|p| p.exists());
    let (bars, source) = match shared {
        Some(spy) => (tile(&spy, &mut w)?, format!("SPY_1h.csv × {REPEATS}")),
        None => (
            synthetic(&mut w)?,
            "synthetic, no shared/data/bars".to_string(),
        ),
    };
    w.flush().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(BigFile { path, bars, source })
}

/// Writes `spy` [`REPEATS`] times, each copy shifted by whole weeks past the
/// previous one (same weekdays and times of day); returns the row count.
fn tile(spy: &Path, w: &mut impl Write) -> Result<usize, String> {
    let text = std::fs::read_to_string(spy).map_err(|e| format!("{}: {e}", spy.display()))?;
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let (time, rest) = line
            .split_once(',')
            .ok_or(format!("{}: bad row {line}", spy.display()))?;
        let time = DateTime::parse_from_rfc3339(time)
            .map_err(|e| format!("{}: {time}: {e}", spy.display()))?;
        rows.push((time, rest));
    }
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Err(format!("{}: no rows", spy.display()));
    };
    let weeks = (last.0 - first.0).num_weeks() + 1;
    let mut out = String::from("timestamp,open,high,low,close,volume\n");
    for k in 0..REPEATS {
        let shift = chrono::Duration::weeks(weeks * k);
        for (time, rest) in &rows {
            let _ = writeln!(out, "{},{rest}", (*time + shift).to_rfc3339());
        }
    }
    w.write_all(out.as_bytes()).map_err(|e| e.to_string())?;
    Ok(rows.len() * REPEATS as usize)
}

/// A deterministic random walk of hourly bars around $100 (an LCG, no `rand`).
fn synthetic(w: &mut impl Write) -> Result<usize, String> {
    let mut out = String::from("timestamp,open,high,low,close,volume\n");
    let (mut state, mut cents) = (0x2545_f491_4f6c_dd1d_u64, 10_000_i64);
    let start = DateTime::UNIX_EPOCH + chrono::Duration::days(10_000);
    for i in 0..SYNTHETIC_BARS {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let open = cents;
        cents = (cents + ((state >> 33) % 41) as i64 - 20).max(1_000);
        let (hi, lo) = (open.max(cents) + 5, open.min(cents) - 5);
        let time = (start + chrono::Duration::hours(i)).to_rfc3339();
        let _ = writeln!(
            out,
            "{time},{},{},{},{},1000",
            cents_text(open),
            cents_text(hi),
            cents_text(lo),
            cents_text(cents)
        );
    }
    w.write_all(out.as_bytes()).map_err(|e| e.to_string())?;
    Ok(SYNTHETIC_BARS as usize)
}

fn cents_text(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// `backtest` on the big file: bars/s end to end (load, run, reports) and peak RSS.
fn end_to_end(bin: &Path, file: &BigFile, tmp: &Path) -> Result<Row, String> {
    eprintln!("perf_table: backtest end to end on {} bars ...", file.bars);
    let m = run(Command::new(bin)
        .arg("backtest")
        .arg("--data")
        .arg(&file.path)
        .arg("--out")
        .arg(tmp.join("e2e")))?;
    let secs = m.wall.as_secs_f64();
    Ok(Row {
        figure: "`backtest` end to end (load, run, report.json/md, equity.svg)",
        value: format!(
            "{:.2} M bars/s ({secs:.2} s for {} bars, {}), peak RSS {}",
            file.bars as f64 / secs / 1e6,
            file.bars,
            file.source,
            mb(m.peak_rss_kb)
        ),
        command: "first-trading-app backtest --data SPY_1h_tiled.csv --out DIR".into(),
    })
}

/// p50 / p99 of each decision kind from the gate-latency bench.
fn gate(cargo: &str, root: &Path) -> Result<Vec<Row>, String> {
    eprintln!("perf_table: risk-gate latency bench ...");
    let m = run(Command::new(cargo)
        .current_dir(root)
        .args(["bench", "--bench", "gate_latency"]))?;
    let timer = m
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("timer: one Instant::now() pair costs "))
        .and_then(|r| r.split(" ns").next())
        .unwrap_or("?")
        .to_string();
    let row = |figure, label: &str| -> Result<Row, String> {
        let line = m
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .ok_or(format!("no '{label}' line:\n{}", m.stdout))?;
        Ok(Row {
            figure,
            value: format!(
                "{} (each decision timed; {timer} ns timer cost subtracted)",
                p50_p99(line)
            ),
            command: "cargo bench --bench gate_latency".into(),
        })
    };
    Ok(vec![
        row("risk gate, approved entry", "gate approved entry")?,
        row("risk gate, rejection (position limit)", "gate rejection")?,
    ])
}

/// `p50 X  p99 Y` of a summary line.
fn p50_p99(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| *w == key)
            .map_or("?".to_string(), |i| {
                words[i + 1..]
                    .iter()
                    .take(2)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
    };
    format!("p50 {} / p99 {}", after("p50"), after("p99"))
}

/// Bar → placeOrder and the loopback round trip, from `tick_to_order`.
fn tick_to_order(example: &Path, signals: usize) -> Result<Vec<Row>, String> {
    eprintln!("perf_table: tick-to-order over {signals} signals ...");
    let m = run(Command::new(example).args(["--signals", &signals.to_string()]))?;
    let line = |label: &str| {
        m.stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .map(p50_p99)
            .ok_or(format!("no '{label}' line:\n{}", m.stdout))
    };
    let ratio = m
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("p50 ratio: "))
        .unwrap_or("?")
        .to_string();
    let command = format!("cargo run --release --example tick_to_order -- --signals {signals}");
    Ok(vec![
        Row {
            figure:
                "tick → placeOrder at the simulator (bar frame written → placeOrder frame read)",
            value: format!(
                "{} over {signals} signals; p50 = {ratio}",
                line("bar written → placeOrder read")?
            ),
            command: command.clone(),
        },
        Row {
            figure: "loopback TCP ping-pong, same run (32 B each way)",
            value: line("loopback TCP ping-pong (32 B)")?,
            command,
        },
    ])
}

/// The same sweep on one rayon thread and on every core.
fn sweep(bin: &Path, file: &Path, tmp: &Path) -> Result<Row, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let args = [
        "--sweep",
        "fast=5,10,15,20",
        "--sweep",
        "slow=30,40,50,60",
        "--rank",
        "sharpe",
    ];
    let mut wall = Vec::new();
    for threads in [1, cores] {
        eprintln!("perf_table: sweep of 16 runs on {threads} thread(s) ...");
        let out = tmp.join(format!("sweep{threads}"));
        let m = run(Command::new(bin)
            .env("RAYON_NUM_THREADS", threads.to_string())
            .arg("backtest")
            .arg("--data")
            .arg(file)
            .args(args)
            .arg("--out")
            .arg(out))?;
        wall.push(m.wall.as_secs_f64());
    }
    Ok(Row {
        figure: "sweep speed-up, all cores vs 1 (16 SMA runs over the same ~1 M bars)",
        value: format!("{:.2}× on {cores} cores ({:.1} s on 1 thread, {:.1} s on {cores})", wall[0] / wall[1], wall[0], wall[1]),
        command: "RAYON_NUM_THREADS=1 vs unset: first-trading-app backtest --data FILE --sweep fast=5,10,15,20 --sweep slow=30,40,50,60 --rank sharpe".into(),
    })
}

/// Steady-state CPU and peak RSS of a session and its simulator in one
/// process on 100 symbols, as `sim_symbols` measures them itself.
fn sim_symbols(example: &Path) -> Result<Row, String> {
    eprintln!("perf_table: session + simulator with 100 symbols (60 s of steady state) ...");
    let m = run(Command::new(example).args(["--symbols", "100", "--seconds", "60"]))?;
    let result = m
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("result: "))
        .ok_or(format!("no result line:\n{}", m.stdout))?;
    Ok(Row {
        figure: "session + embedded simulator in one process (as `run --sim`), 100 symbols on 5-s bars, 1× speed",
        value: result.to_string(),
        command: "cargo run --release --example sim_symbols -- --symbols 100 --seconds 60".into(),
    })
}
