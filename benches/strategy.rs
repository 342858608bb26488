//! Per-bar cost of the built-in strategies, driven the way the engine drives
//! them: mark the symbol, clear the intent buffer, lend a context, call
//! `on_event`, and fill whatever was asked for at the close (reporting the
//! fill back through `on_order_outcome`). No risk gate, no order manager.
//!
//! Bars: `../shared/data/bars/SPY_1h.csv` (searched upwards from the crate
//! directory) when present, otherwise a deterministic synthetic random walk
//! of the same length, so the bench runs on a fresh clone too.
//!
//! Run: `cargo bench --bench strategy`. Per-bar cost = reported time / bars.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_main, Criterion, Throughput};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use first_trading_app::domain::types::{Bar, Fill, MarketEvent, StrategyId, Symbol};
use first_trading_app::strategy::indicators::{Donchian, Rsi, Sma};
use first_trading_app::strategy::{
    Intents, OrderOutcome, Registry, Strategy, StrategyBook, StrategyContext, StrategyFile,
};

const SYNTHETIC_BARS: usize = 40_832;

fn find_csv() -> Option<PathBuf> {
    let start = Path::new(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .map(|dir| dir.join("shared/data/bars/SPY_1h.csv"))
        .find(|path| path.is_file())
}

fn load_csv(path: &Path, symbol: Symbol) -> Option<Vec<Bar>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut bars = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [time, open, high, low, close, volume] = fields.as_slice() else {
            return None;
        };
        let number = |s: &str| Decimal::from_str(s).ok();
        bars.push(Bar {
            symbol,
            start: DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc),
            seconds: 3600,
            open: number(open)?,
            high: number(high)?,
            low: number(low)?,
            close: number(close)?,
            volume: number(volume)?,
        });
    }
    Some(bars)
}

/// A seeded random walk in cents (64-bit LCG), hourly bars.
fn synthetic(symbol: Symbol) -> Vec<Bar> {
    let mut state: u64 = 0x5eed;
    let mut cents: i64 = 40_000;
    let start = Utc
        .with_ymd_and_hms(2020, 1, 2, 14, 30, 0)
        .single()
        .unwrap_or_default();
    (0..SYNTHETIC_BARS)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let step = ((state >> 33) % 201) as i64 - 100;
            let open = cents;
            cents = (cents + step).max(100);
            let (high, low) = (open.max(cents) + 25, open.min(cents) - 25);
            Bar {
                symbol,
                start: start + Duration::hours(i as i64),
                seconds: 3600,
                open: Decimal::new(open, 2),
                high: Decimal::new(high, 2),
                low: Decimal::new(low, 2),
                close: Decimal::new(cents, 2),
                volume: dec!(1000),
            }
        })
        .collect()
}

fn bars(symbol: Symbol) -> (Vec<Bar>, &'static str) {
    match find_csv().and_then(|path| load_csv(&path, symbol)) {
        Some(bars) if !bars.is_empty() => (bars, "SPY_1h.csv"),
        _ => (synthetic(symbol), "synthetic"),
    }
}

fn build(kind: &str, params: &str) -> Box<dyn Strategy> {
    let text = format!(
        "kind = \"{kind}\"\nsymbols = [\"SPY\"]\nbar_size = \"1 hour\"\n[sizing]\nfixed_quantity = 10\n[params]\n{params}\n"
    );
    let file =
        StrategyFile::parse("bench.toml", "bench", &text).unwrap_or_else(|p| panic!("{p:?}"));
    Registry::with_builtins()
        .build(&file, StrategyId(0))
        .unwrap_or_else(|p| panic!("{p:?}"))
}

/// One pass over `bars`, as the engine would; returns the number of intents.
fn run(
    strategy: &mut dyn Strategy,
    book: &mut StrategyBook,
    out: &mut Intents,
    bars: &[Bar],
) -> usize {
    let equity = dec!(100000);
    let mut answer = Intents::new();
    let mut count = 0;
    for bar in bars {
        let event = MarketEvent::Bar(*bar);
        book.set_mark(bar.symbol, bar.close);
        out.clear();
        strategy.on_event(&event, &book.context(event.time(), equity), out);
        count += out.len();
        for i in 0..out.len() {
            let intent = out.as_slice()[i];
            let fill = Fill {
                symbol: intent.symbol,
                side: intent.side,
                quantity: intent.quantity,
                price: bar.close,
                commission: Decimal::ZERO,
                time: event.time(),
            };
            book.apply_fill(&fill);
            let outcome = OrderOutcome::Filled {
                intent: &intent,
                fill: &fill,
                remaining: Decimal::ZERO,
            };
            answer.clear();
            strategy.on_order_outcome(&outcome, &book.context(event.time(), equity), &mut answer);
        }
    }
    count
}

/// Does nothing: its time is the loop's own cost (marks, context, the
/// chrono arithmetic of `MarketEvent::time`), to subtract from the others.
struct Noop(Vec<Symbol>);

impl Strategy for Noop {
    fn symbols(&self) -> &[Symbol] {
        &self.0
    }
    fn bar_seconds(&self) -> u32 {
        3600
    }
    fn on_event(&mut self, event: &MarketEvent, _: &StrategyContext<'_>, _: &mut Intents) {
        black_box(event);
    }
}

fn strategies(c: &mut Criterion) {
    let spy = Symbol::new("SPY").unwrap_or_else(|e| panic!("{e}"));
    let (bars, source) = bars(spy);
    let mut group = c.benchmark_group(format!("strategy_per_bar/{source}"));
    group.throughput(Throughput::Elements(bars.len() as u64));
    for (kind, params) in [
        ("noop_baseline", ""),
        ("sma_crossover", "fast = 10\nslow = 30"),
        ("rsi_reversion", "period = 14"),
        ("donchian_breakout", "entry = 20\nexit = 10"),
    ] {
        let mut strategy = if kind == "noop_baseline" {
            Box::new(Noop(vec![spy]))
        } else {
            build(kind, params)
        };
        let mut book = StrategyBook::new(StrategyId(0), strategy.symbols());
        let mut out = Intents::new();
        group.bench_function(kind, |b| {
            b.iter(|| run(strategy.as_mut(), &mut book, &mut out, black_box(&bars)))
        });
    }
    group.finish();
}

fn indicators(c: &mut Criterion) {
    let spy = Symbol::new("SPY").unwrap_or_else(|e| panic!("{e}"));
    let (bars, _) = bars(spy);
    let mut group = c.benchmark_group("indicator_update");
    group.throughput(Throughput::Elements(bars.len() as u64));
    let mut sma = Sma::new(30).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("sma_30_push", |b| {
        b.iter(|| {
            bars.iter()
                .filter(|bar| sma.push(black_box(bar.close)))
                .count()
        })
    });
    group.bench_function("sma_30_update_with_value", |b| {
        b.iter(|| {
            bars.iter()
                .filter_map(|bar| sma.update(black_box(bar.close)))
                .count()
        })
    });
    let mut rsi = Rsi::new(14).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("rsi_14_push", |b| {
        b.iter(|| {
            bars.iter()
                .filter(|bar| rsi.push(black_box(bar.close)))
                .count()
        })
    });
    let mut donchian = Donchian::new(20).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("donchian_20_push", |b| {
        b.iter(|| {
            bars.iter()
                .filter(|bar| donchian.push(black_box(bar.high), black_box(bar.low)))
                .count()
        })
    });
    group.finish();
}

/// Runs every benchmark of this file (the built-in strategies and indicators); called by `criterion_main!`.
/// (`criterion_group!` would generate this function without a doc comment.)
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    strategies(&mut criterion);
    indicators(&mut criterion);
}

criterion_main!(benches);
