//! Backtest throughput. Run: `cargo bench --bench backtest`.
//!
//! - `load/SPY_1h`: parsing and validating the 40 832-row hourly file.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use first_trading_app::backtest::csv::{load_bars, LoadOptions};

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

criterion_group!(benches, load);
criterion_main!(benches);
