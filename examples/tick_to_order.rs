//! Tick-to-order latency through real sockets: `tws-sim` and a live trading
//! session of the bot (the release build of the library, the same
//! `run_session` that `run` uses, over the real `ibapi` client), measured at
//! the simulator from "5-second bar frame written" to "placeOrder frame read"
//! (the simulator's wire tap, `SimHandle::tap_wire`). In the same run, between
//! the signals, a plain loopback TCP ping-pong (32 bytes each way) measures
//! the floor: one round trip through the kernel, which the bar → order path
//! also makes (sim → bot, bot → sim).
//!
//! Each signal: the simulator's clock moves 5 s and the bar closes; the
//! strategy below buys 100 shares at market on every bar while flat; the risk
//! gate approves and brackets it (entry, take-profit, stop: three
//! placeOrders); the simulator fills the entry; the driver then lifts the
//! price through the take-profit so the position closes and the next bar can
//! enter again. Signals start on a fixed cadence (`--interval-ms`, default
//! 100): the bot paces everything it sends below IB's 50 messages/s (ibapi's
//! limiter at 40/s: a burst of 4, then one per 27 ms), and with three orders
//! per signal a faster cadence makes the pacer, not the bot, delay entries —
//! which is why 10 000 signals take about 17 minutes. The output also shows
//! the messages the bot sent per signal, to check the cadence.
//!
//! The journal (SQLite, `synchronous=FULL`) records every intent before it is
//! sent, so its fsync is on this path; `--journal-dir /dev/shm` puts it on
//! tmpfs to see the figure without it.
//!
//! ```text
//! cargo run --release --example tick_to_order                  # 10 000 signals, ~17 min
//! cargo run --release --example tick_to_order -- --signals 1000 # ~2 min
//! ```
//!
//! A measurement tool, not a test: it asserts nothing about the figures.

use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use first_trading_app::domain::calendar;
use first_trading_app::domain::types::{IntentPurpose, MarketEvent, OrderKind, Side, Symbol};
use first_trading_app::shutdown::ShutdownStage;
use first_trading_app::strategy::{Intents, OrderOutcome, Strategy, StrategyContext};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedReceiver;
use tws_sim::trading_hours::Hours;
use tws_sim::{Direction, SimConfig, SimHandle, Simulator, WireEvent};

#[path = "../benches/support/latency.rs"]
mod latency;
#[path = "support/session.rs"]
mod session;
use latency::{Samples, Unit};
use session::{paper_session, spawn_session};

/// TWS message ids: real-time bar (written), placeOrder and reqRealTimeBars
/// (read). Every message read is tapped, to count what the bot sends.
const REAL_TIME_BAR: i32 = 50;
const PLACE_ORDER: i32 = 3;
const REQ_REAL_TIME_BARS: i32 = 50;
/// The symbol traded, the price bars close at, and the price that fills the
/// take-profit (the gate's default bracket: +10 % / -5 % around 100.00).
const SYMBOL: &str = "SPY";
const BASE: Decimal = Decimal::from_parts(10_000, 0, 0, false, 2);
const THROUGH_TAKE_PROFIT: Decimal = Decimal::from_parts(11_100, 0, 0, false, 2);
/// Shares per entry: 100 × $100 = 1 % of the simulator's $1 M account.
const QUANTITY: i64 = 100;
/// Round trips (after the timed part) that may fail and be recovered from
/// before the run is abandoned.
const MAX_RECOVERIES: usize = 10;
/// Longest wait for any one step before the run is abandoned.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// `--signals N --interval-ms M --journal-dir DIR`.
struct Args {
    signals: usize,
    interval: Duration,
    journal_dir: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        signals: 10_000,
        interval: Duration::from_millis(100),
        journal_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        if flag == "--journal-dir" {
            args.journal_dir = Some(value.into());
            continue;
        }
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{flag} {value}: expected a whole number"))?;
        match flag.as_str() {
            "--signals" if n > 0 => args.signals = n as usize,
            "--interval-ms" => args.interval = Duration::from_millis(n),
            _ => return Err(format!("unknown flag or zero value: {flag} {value} (flags: --signals N, --interval-ms M, --journal-dir DIR)")),
        }
    }
    Ok(args)
}

/// What the strategy tells the driver.
enum Note {
    /// The take-profit filled: flat again, ready for the next bar.
    Flat,
    /// An entry was refused (by the gate or the simulator), with the reason.
    Refused(String),
}

/// Buys [`QUANTITY`] at market on every bar while flat and no entry is in flight.
struct Pulse {
    symbols: [Symbol; 1],
    in_flight: bool,
    notes: std_mpsc::Sender<Note>,
}

impl Strategy for Pulse {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        5
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let MarketEvent::Bar(_) = event else { return };
        // The session's last 5-second bar ends at the close: no entry then
        // (the gate would refuse it as "market closed").
        let closed = !calendar::is_open(ctx.now());
        if closed || self.in_flight || !ctx.position(self.symbols[0]).is_zero() {
            return;
        }
        let quantity = Decimal::from(QUANTITY);
        let entry = ctx.intent(
            self.symbols[0],
            Side::Buy,
            quantity,
            OrderKind::Market,
            IntentPurpose::Entry,
        );
        self.in_flight = out.push(entry).is_ok();
    }

    fn on_order_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        ctx: &StrategyContext<'_>,
        _out: &mut Intents,
    ) {
        let entry = outcome.intent().purpose == IntentPurpose::Entry;
        let note = match outcome {
            OrderOutcome::Filled { .. } if !entry && ctx.position(self.symbols[0]).is_zero() => {
                Note::Flat
            }
            OrderOutcome::Rejected { reason, .. } if entry => Note::Refused(reason.to_string()),
            OrderOutcome::Cancelled { .. } if entry => Note::Refused("entry cancelled".into()),
            _ => return,
        };
        self.in_flight = false;
        let _ = self.notes.send(note);
    }
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    // The session's warnings and errors (a halt, say) on stderr; RUST_LOG overrides.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("simulator runtime: {e}"))?;
    runtime.block_on(measure(args))
}

/// Starts everything, runs the signals, prints the table.
async fn measure(args: Args) -> Result<(), String> {
    let config = SimConfig {
        // Bars only in regular hours, as TWS sends useRTH bars.
        hours: Hours::Nyse,
        random_walk: false,
        pacing_limit: None,
        tick_interval: Duration::from_secs(3600),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| format!("tws-sim: {e}"))?;
    let mut tap = sim
        .tap_wire(&[REAL_TIME_BAR], &(1..=255).collect::<Vec<i32>>())
        .ok_or("wire tap already installed")?;
    sim.set_price(SYMBOL, BASE);
    let (notes_tx, notes) = std_mpsc::channel();
    let strategy = Pulse {
        symbols: [Symbol::new(SYMBOL).map_err(|e| e.to_string())?],
        in_flight: false,
        notes: notes_tx,
    };
    let trigger = spawn_session(paper_session(
        &sim,
        Box::new(strategy),
        "tick_to_order",
        args.journal_dir.as_deref(),
    )?);
    wait_for(
        &mut tap,
        Direction::Read,
        REQ_REAL_TIME_BARS,
        Duration::from_secs(60),
    )
    .await
    .map_err(|e| format!("the session never subscribed to bars: {e}"))?;
    first_entry(&sim, &mut tap, &notes).await?;
    let mut echo = echo_pair().await?;
    println!(
        "tick-to-order: {} signals, one every {:?} (the bot paces what it sends below IB's 50 messages/s)",
        args.signals, args.interval
    );
    let mut order = Samples::with_capacity(args.signals);
    let mut ping = Samples::with_capacity(args.signals);
    let started = tokio::time::Instant::now();
    SENT.store(0, std::sync::atomic::Ordering::Relaxed);
    let mut recovered = 0;
    for i in 0..args.signals {
        tokio::time::sleep_until(started + args.interval * i as u32).await;
        let signal = |e| format!("signal {}: {e}", i + 1);
        order.record_duration(timed_entry(&sim, &mut tap, &notes).await.map_err(signal)?);
        if let Err(e) = close_round_trip(&sim, &mut tap, &notes).await {
            recovered += 1;
            eprintln!("{} (after its placeOrder was timed); recovering", signal(e));
            if recovered > MAX_RECOVERIES {
                return Err(format!("more than {MAX_RECOVERIES} round trips failed"));
            }
            recover(&sim, &notes).await.map_err(signal)?;
        }
        ping.record_duration(echo.round_trip().await?);
    }
    println!(
        "bar written → placeOrder read      {}",
        order.summary(Unit::Micros)
    );
    println!(
        "loopback TCP ping-pong (32 B)      {}",
        ping.summary(Unit::Micros)
    );
    println!(
        "messages the bot sent per signal: {:.2} (placeOrder, cancels, audits, ...); round trips recovered: {recovered}",
        SENT.load(std::sync::atomic::Ordering::Relaxed) as f64 / args.signals as f64
    );
    println!(
        "p50 ratio: {:.2}× the loopback round trip ({:.0} s)",
        order.quantile(0.5) as f64 / ping.quantile(0.5).max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    trigger.escalate(ShutdownStage::Shutdown);
    sim.shutdown().await;
    Ok(())
}

/// Moves the simulator's clock one 5-second bar on. The bar that ends at
/// the close is not timed: the clock jumps to the next open, and one step
/// there sends that bar (the strategy lets it pass) and flushes the closed
/// hours' bars, which the simulator's NYSE hours do not send; that bar's
/// frame is awaited here, so it is never taken for a signal's. So any number
/// of signals stays within regular sessions.
async fn advance_one_bar(sim: &SimHandle, tap: &mut UnboundedReceiver<WireEvent>) {
    let bar = Duration::from_secs(5);
    let now = sim.now();
    if !calendar::is_open(now + chrono::Duration::seconds(5)) {
        if let Some(open) = calendar::next_open(now) {
            sim.advance_clock((open - now).to_std().unwrap_or(bar));
            sim.step(1);
            let _ = wait_for(tap, Direction::Written, REAL_TIME_BAR, STEP_TIMEOUT).await;
            while let Ok(e) = tap.try_recv() {
                count(&e);
            }
        }
    }
    sim.advance_clock(bar);
}

/// One bar → one entry: returns bar-written → placeOrder-read.
async fn timed_entry(
    sim: &SimHandle,
    tap: &mut UnboundedReceiver<WireEvent>,
    notes: &std_mpsc::Receiver<Note>,
) -> Result<Duration, String> {
    while let Ok(e) = tap.try_recv() {
        count(&e);
    }
    advance_one_bar(sim, tap).await;
    sim.step(1);
    let bar = wait_for(tap, Direction::Written, REAL_TIME_BAR, STEP_TIMEOUT).await?;
    let order = match wait_for(tap, Direction::Read, PLACE_ORDER, STEP_TIMEOUT).await {
        Ok(at) => at,
        Err(e) => return Err(refusal(notes).unwrap_or(e)),
    };
    Ok(order.saturating_duration_since(bar))
}

/// After a round trip that did not complete (untimed): lifts the price
/// through any take-profit still working, back to the base price, and waits
/// for nothing to be left open.
async fn recover(sim: &SimHandle, notes: &std_mpsc::Receiver<Note>) -> Result<(), String> {
    sim.set_price(SYMBOL, THROUGH_TAKE_PROFIT);
    poll("the position closed", || sim.positions().is_empty()).await?;
    sim.set_price(SYMBOL, BASE);
    poll("no order left working", || sim.open_orders().is_empty()).await?;
    while notes.try_recv().is_ok() {}
    Ok(())
}

/// The first entry of the session, untimed: a bar every 500 ms until the
/// session, still starting up, answers one with a placeOrder.
async fn first_entry(
    sim: &SimHandle,
    tap: &mut UnboundedReceiver<WireEvent>,
    notes: &std_mpsc::Receiver<Note>,
) -> Result<(), String> {
    for _ in 0..60 {
        advance_one_bar(sim, tap).await;
        sim.step(1);
        let placed = wait_for(
            tap,
            Direction::Read,
            PLACE_ORDER,
            Duration::from_millis(500),
        )
        .await;
        if placed.is_ok() {
            return close_round_trip(sim, tap, notes).await;
        }
        if let Some(refused) = refusal(notes) {
            return Err(refused);
        }
    }
    Err("no entry within 30 s of bars".into())
}

/// After the entry's placeOrder: waits for its two bracket legs, lifts the
/// price through the take-profit, and returns once the strategy is flat and
/// nothing is left working.
async fn close_round_trip(
    sim: &SimHandle,
    tap: &mut UnboundedReceiver<WireEvent>,
    notes: &std_mpsc::Receiver<Note>,
) -> Result<(), String> {
    for _ in 0..2 {
        wait_for(tap, Direction::Read, PLACE_ORDER, STEP_TIMEOUT).await?;
    }
    poll("the entry filled and both bracket legs working", || {
        sim.open_orders().len() == 2 && !sim.positions().is_empty()
    })
    .await?;
    sim.set_price(SYMBOL, THROUGH_TAKE_PROFIT);
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        match notes.try_recv() {
            Ok(Note::Flat) => break,
            Ok(Note::Refused(reason)) => return Err(format!("entry refused: {reason}")),
            Err(_) if Instant::now() > deadline => {
                return Err("the take-profit never closed the position".into())
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
    sim.set_price(SYMBOL, BASE);
    poll("no order left working", || sim.open_orders().is_empty()).await
}

/// The reason of an entry refusal the strategy reported, if any.
fn refusal(notes: &std_mpsc::Receiver<Note>) -> Option<String> {
    notes.try_iter().find_map(|n| match n {
        Note::Refused(reason) => Some(format!("entry refused: {reason}")),
        Note::Flat => None,
    })
}

/// Frames the bot sent (read by the simulator) since the measured run began.
static SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count(e: &WireEvent) {
    if e.direction == Direction::Read {
        SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The instant of the next tapped frame of `message_id` going `direction`.
async fn wait_for(
    tap: &mut UnboundedReceiver<WireEvent>,
    direction: Direction,
    message_id: i32,
    within: Duration,
) -> Result<Instant, String> {
    let wanted = async {
        while let Some(e) = tap.recv().await {
            count(&e);
            if e.direction == direction && e.message_id == message_id {
                return Some(e.at);
            }
        }
        None
    };
    match tokio::time::timeout(within, wanted).await {
        Ok(Some(at)) => Ok(at),
        Ok(None) => Err("the simulator stopped".into()),
        Err(_) => Err(format!(
            "no {direction:?} message {message_id} within {within:?}"
        )),
    }
}

/// Polls `check` every millisecond until it holds or [`STEP_TIMEOUT`] passes.
async fn poll(what: &str, mut check: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !check() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// The client end of a loopback echo whose server runs on its own thread
/// and runtime (like the bot's session), both ends with `TCP_NODELAY`.
struct Echo {
    stream: TcpStream,
}

impl Echo {
    /// One 32-byte message there and back.
    async fn round_trip(&mut self) -> Result<Duration, String> {
        let mut buf = [7u8; 32];
        let t = Instant::now();
        self.stream
            .write_all(&buf)
            .await
            .map_err(|e| format!("ping: {e}"))?;
        self.stream
            .read_exact(&mut buf)
            .await
            .map_err(|e| format!("pong: {e}"))?;
        Ok(t.elapsed())
    }
}

async fn echo_pair() -> Result<Echo, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("echo bind: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("echo addr: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("echo: {e}"))?;
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let _ = s.set_nodelay(true);
            let mut buf = [0u8; 32];
            while s.read_exact(&mut buf).await.is_ok() && s.write_all(&buf).await.is_ok() {}
        });
    });
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("echo connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| format!("echo: {e}"))?;
    Ok(Echo { stream })
}
