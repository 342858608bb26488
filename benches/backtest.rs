//! Backtest throughput. Run: `cargo bench --bench backtest`.
//!
//! - `load/SPY_1h`: parsing and validating the 40 832-row hourly file.
//! - `engine/sma_crossover`: bars per second through the whole engine —
//!   strategy (SMA crossover 10/30 on hourly bars, 10 % of equity per entry),
//!   risk gate, order manager, portfolio, fill model and the recorder — on
//!   SPY_1h.csv repeated 25 times with shifted timestamps (1 020 800 bars), or
//!   on 1 000 000 synthetic bars when `../shared` is missing.

use std::path::{Path, PathBuf};

use chrono::Duration;
use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use first_trading_app::backtest::csv::{load_bars, LoadOptions};
use first_trading_app::backtest::runner::{simulate, RunSpec};
use first_trading_app::broker::fill_model::FillConfig;
use first_trading_app::domain::types::{Bar, Instrument, StrategyId, Symbol};
use first_trading_app::risk::RiskLimits;
use first_trading_app::strategy::{Registry, Sizing, StrategyFile};
use rust_decimal::Decimal;

/// Copies of SPY_1h.csv in the engine bench.
const REPEATS: i64 = 25;

/// `shared/data/bars/<name>` in the nearest ancestor of the crate that has it
/// (`../shared` for the main checkout, `../../shared` for a worktree).
fn shared(name: &str) -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/data/bars").join(name))
        .find(|path| path.exists())
}

fn load(c: &mut Criterion) {
    let Some(path) = shared("SPY_1h.csv") else {
        eprintln!("../shared/data/bars/SPY_1h.csv missing: skipping the loader bench");
        return;
    };
    let mut group = c.benchmark_group("load");
    group.throughput(Throughput::Elements(40_832));
    group.bench_function("SPY_1h", |b| {
        b.iter(|| load_bars(&path, &LoadOptions::default()).map(|s| s.bars.len()))
    });
    group.finish();
}

/// SPY hourly bars repeated [`REPEATS`] times, each copy shifted by whole
/// weeks past the previous one (same weekdays and times of day).
fn repeated_spy(path: &Path) -> Option<Vec<Bar>> {
    let series = load_bars(path, &LoadOptions::default()).ok()?;
    let (first, last) = (series.bars.first()?.start, series.bars.last()?.start);
    let weeks = (last - first).num_weeks() + 1;
    let mut bars = Vec::with_capacity(series.bars.len() * REPEATS as usize);
    for k in 0..REPEATS {
        let shift = Duration::weeks(weeks * k);
        bars.extend(series.bars.iter().map(|b| Bar {
            start: b.start + shift,
            ..*b
        }));
    }
    Some(bars)
}

/// A deterministic random walk of hourly bars around $100 (no `rand`: an LCG).
fn synthetic(count: usize) -> Vec<Bar> {
    let symbol = Symbol::new("SPY").unwrap_or_else(|_| unreachable!());
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut cents: i64 = 10_000;
    let start = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + Duration::days(10_000);
    (0..count)
        .map(|i| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let step = ((state >> 33) % 41) as i64 - 20;
            let open = cents;
            cents = (cents + step).max(1_000);
            let (hi, lo) = (open.max(cents) + 5, open.min(cents) - 5);
            Bar {
                symbol,
                start: start + Duration::hours(i as i64),
                seconds: 3600,
                open: Decimal::new(open, 2),
                high: Decimal::new(hi, 2),
                low: Decimal::new(lo, 2),
                close: Decimal::new(cents, 2),
                volume: Decimal::from(1_000),
            }
        })
        .collect()
}

fn sma_file(symbol: Symbol) -> StrategyFile {
    let mut params = toml::Table::new();
    params.insert("fast".into(), toml::Value::Integer(10));
    params.insert("slow".into(), toml::Value::Integer(30));
    StrategyFile {
        source: "bench".into(),
        kind: "sma_crossover".into(),
        name: "bench".into(),
        enabled: true,
        symbols: vec![symbol],
        bar_size: "1 hour".into(),
        bar_seconds: 3600,
        sizing: Sizing::FractionOfEquity(Decimal::new(1, 1)),
        params,
    }
}

fn engine(c: &mut Criterion) {
    let (bars, source) = match shared("SPY_1h.csv").and_then(|p| repeated_spy(&p)) {
        Some(bars) => (bars, "SPY_1h.csv x 25"),
        None => (synthetic(1_000_000), "synthetic"),
    };
    let Some(symbol) = bars.first().map(|b| b.symbol) else {
        return;
    };
    eprintln!("engine bench: {} bars ({source})", bars.len());
    let limits = RiskLimits::default();
    let instruments = [Instrument {
        symbol,
        ticks: first_trading_app::domain::ticks::TickLadder::flat(Decimal::new(1, 2)).unwrap(),
    }];
    let spec = RunSpec {
        limits: &limits,
        instruments: &instruments,
        initial_equity: Decimal::from(100_000),
        fill: FillConfig::default(),
        progress: false,
        expected_bars: None,
    };
    let registry = Registry::with_builtins();
    let file = sma_file(symbol);
    if let Ok(strategy) = registry.build(&file, StrategyId(0)) {
        let once = simulate(&spec, bars.iter().copied(), vec![strategy]);
        let m = &once.metrics;
        eprintln!(
            "one run: {} trades, {} fills, {} rejections, {} HALTED days, total return {} %",
            m.trades,
            once.diagnostics.fills,
            m.rejections,
            m.halted_days.len(),
            m.total_return_pct
        );
    }
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(bars.len() as u64));
    group.bench_function("sma_crossover", |b| {
        b.iter_batched(
            || registry.build(&file, StrategyId(0)).ok(),
            |strategy| {
                let result = simulate(&spec, bars.iter().copied(), strategy.into_iter().collect());
                (result.metrics.trades, result.diagnostics.fills)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Runs every benchmark of this file (CSV loading and the backtest engine); called by `criterion_main!`.
/// (`criterion_group!` would generate this function without a doc comment.)
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    load(&mut criterion);
    engine(&mut criterion);
}

criterion_main!(benches);
