//! Memory and CPU of a live session with the simulator in the same process —
//! what `run --sim` runs — on many symbols at 1× speed. `run --sim` itself
//! cannot do this: its embedded simulator knows five symbols (SPY, QQQ,
//! AAPL, MSFT, NVDA). Here the simulator gets `--symbols N` synthetic ones
//! (XAA, XAB, …; random walk, a tick every 250 ms) and the session one
//! strategy on all of them, on 5-second bars. The strategy only counts bars
//! (no indicator warm-up: 100 historical requests would wait on IB's
//! historical pacing for minutes), so the figure is the bot's and the
//! simulator's own cost: subscriptions, bar decoding, the engine, the
//! journal, the periodic audit.
//!
//! Once every symbol has delivered a bar, it measures `--seconds S` of steady
//! state: CPU time of the process (from `/proc/self/stat`) over wall time,
//! and the peak RSS (`VmHWM`) at the end. Linux only for those two figures.
//!
//! ```text
//! cargo run --release --example sim_symbols -- --symbols 100 --seconds 60
//! ```
//!
//! A measurement tool, not a test: it asserts nothing about the figures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use first_trading_app::domain::types::{MarketEvent, Symbol};
use first_trading_app::shutdown::ShutdownStage;
use first_trading_app::strategy::{Intents, Strategy, StrategyContext};
use rust_decimal::Decimal;
use tws_sim::{SimConfig, Simulator, SymbolSpec};

#[path = "support/procfs.rs"]
mod procfs;
#[path = "support/session.rs"]
mod session;
use session::{paper_session, spawn_session};

/// Counts the bars it is given; never trades.
struct Watch {
    symbols: Vec<Symbol>,
    bars: Arc<AtomicUsize>,
}

impl Strategy for Watch {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        5
    }

    fn on_event(&mut self, event: &MarketEvent, _ctx: &StrategyContext<'_>, _out: &mut Intents) {
        if let MarketEvent::Bar(_) = event {
            self.bars.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// `--symbols N --seconds S`.
fn parse_args() -> Result<(usize, u64), String> {
    let (mut symbols, mut seconds) = (100, 60);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let n: u64 = value
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(format!("{flag} {value}: expected a whole number above 0"))?;
        match flag.as_str() {
            "--symbols" if n <= 676 => symbols = n as usize,
            "--seconds" => seconds = n,
            _ => {
                return Err(format!(
                    "{flag} {value}: unknown flag or out of range (--symbols 1..=676, --seconds S)"
                ))
            }
        }
    }
    Ok((symbols, seconds))
}

/// XAA, XAB, … XZZ.
fn tickers(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let letter = |k: usize| char::from(b'A' + (k % 26) as u8);
            format!("X{}{}", letter(i / 26), letter(i))
        })
        .collect()
}

fn main() -> Result<(), String> {
    let (symbols, seconds) = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("simulator runtime: {e}"))?;
    runtime.block_on(measure(symbols, Duration::from_secs(seconds)))
}

async fn measure(n: usize, window: Duration) -> Result<(), String> {
    let names = tickers(n);
    let specs = names
        .iter()
        .enumerate()
        .map(|(i, s)| SymbolSpec::new(s, 900_000 + i as i32, Decimal::from(50 + i), "NYSE", s))
        .collect();
    let config = SimConfig {
        symbols: specs,
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| format!("tws-sim: {e}"))?;
    let bars = Arc::new(AtomicUsize::new(0));
    let symbols = names
        .iter()
        .map(|s| Symbol::new(s).map_err(|e| format!("{s}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let strategy = Watch {
        symbols,
        bars: Arc::clone(&bars),
    };
    let trigger = spawn_session(paper_session(
        &sim,
        Box::new(strategy),
        "sim_symbols",
        None,
    )?);
    let started = Instant::now();
    while bars.load(Ordering::Relaxed) < n {
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "only {} bars after 120 s: the session did not subscribe all {n} symbols",
                bars.load(Ordering::Relaxed)
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (cpu0, bars0, t0) = (
        procfs::cpu_time("self"),
        bars.load(Ordering::Relaxed),
        Instant::now(),
    );
    tokio::time::sleep(window).await;
    let (cpu1, bars1, wall) = (
        procfs::cpu_time("self"),
        bars.load(Ordering::Relaxed),
        t0.elapsed(),
    );
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => format!(
            "{:.1} % of one core",
            100.0 * (b - a).as_secs_f64() / wall.as_secs_f64()
        ),
        _ => "CPU n/a".to_string(),
    };
    let rss = procfs::megabytes(procfs::peak_rss_kb("self"));
    println!(
        "result: {n} symbols, {} bars in {:.0} s of steady state, {cpu}, peak RSS {rss} (session + simulator, one process)",
        bars1 - bars0,
        wall.as_secs_f64()
    );
    trigger.escalate(ShutdownStage::Shutdown);
    sim.shutdown().await;
    Ok(())
}
