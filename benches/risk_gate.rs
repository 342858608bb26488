//! Risk-gate decision latency: one approved entry (every check runs, bracket
//! computed, a rate token taken), one rejection (position limit, the last
//! check before the bracket), and a mark + latch update. Before measuring,
//! a counting allocator proves that deciding allocates nothing.
//!
//! Run: `cargo bench --bench risk_gate`.

// The one place with `unsafe`: a counting global allocator, to prove the gate
// allocates nothing. Library and binaries forbid unsafe code outright.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Duration;
use criterion::{criterion_main, Criterion};
use rust_decimal::Decimal;

use first_trading_app::risk::RiskView;

#[path = "support/gate_fixture.rs"]
mod gate_fixture;

use gate_fixture::{account, setup, sym, Book, Setup};

/// Counts every allocation so the bench can check the gate makes none.
struct CountingAlloc;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn assert_no_allocation(s: &mut Setup) {
    let view = RiskView {
        portfolio: &s.portfolio,
        account: account(),
        orders: &Book,
        data_age: None,
    };
    let mut now = s.start;
    let step = Duration::milliseconds(25);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut approved = 0;
    for _ in 0..10_000 {
        now += step;
        approved += usize::from(s.gate.check(&s.entry, &view, now).is_approved());
        approved += usize::from(s.gate.check(&s.too_big, &view, now).is_approved());
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(
        approved, 10_000,
        "every entry approved, every oversized order refused"
    );
    assert_eq!(allocations, 0, "the risk gate allocated while deciding");
    println!("risk gate: 20 000 decisions, 0 allocations");
}

fn bench(c: &mut Criterion) {
    let mut s = setup();
    assert_no_allocation(&mut s);

    let mut s = setup();
    let mut now = s.start;
    // 25 ms per decision = 40 orders/s: the bucket never runs dry.
    let step = Duration::milliseconds(25);
    c.bench_function("risk_gate/approved_entry", |b| {
        b.iter(|| {
            now += step;
            let view = RiskView {
                portfolio: &s.portfolio,
                account: account(),
                orders: &Book,
                data_age: None,
            };
            black_box(s.gate.check(black_box(&s.entry), &view, now))
        })
    });

    let mut s = setup();
    let now = s.start;
    c.bench_function("risk_gate/rejected_position_limit", |b| {
        b.iter(|| {
            let view = RiskView {
                portfolio: &s.portfolio,
                account: account(),
                orders: &Book,
                data_age: None,
            };
            black_box(s.gate.check(black_box(&s.too_big), &view, now))
        })
    });

    let mut s = setup();
    let now = s.start;
    let aapl = sym("AAPL");
    let mut tick = 0i64;
    c.bench_function("risk_gate/mark_and_latch_update", |b| {
        b.iter(|| {
            tick = (tick + 1) % 100;
            s.portfolio.mark(aapl, Decimal::new(9_950 + tick, 2));
            let view = RiskView {
                portfolio: &s.portfolio,
                account: account(),
                orders: &Book,
                data_age: None,
            };
            black_box(s.gate.on_mark_update(&view, now))
        })
    });
}

/// Runs every benchmark of this file (the risk-gate decisions); called by `criterion_main!`.
/// (`criterion_group!` would generate this function without a doc comment.)
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
}

criterion_main!(benches);
