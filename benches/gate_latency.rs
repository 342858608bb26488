//! Risk-gate latency distribution: every decision timed on its own and kept,
//! so p50, p99, p99.9 and max are real samples (the criterion bench
//! `risk_gate` gives means only). Two kinds of decision, as in `risk_gate`:
//! an approved entry (every check, bracket prices, a rate token) and a
//! rejection (position limit).
//!
//! Timing one decision takes an `Instant::now()` pair, which costs about as
//! much as a rejection. The pair's own cost (median of back-to-back pairs) is
//! measured first, printed, and subtracted from every sample; as a cross-check
//! that needs no subtraction, batches of [`BATCH`] decisions are timed whole
//! and their per-decision means printed too.
//!
//! Run: `cargo bench --bench gate_latency` (prints the table; no criterion).

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use first_trading_app::domain::types::OrderIntent;
use first_trading_app::risk::RiskView;

#[path = "support/gate_fixture.rs"]
mod gate_fixture;
#[path = "support/latency.rs"]
mod latency;

use gate_fixture::{account, setup, Book, Setup};
use latency::{timer_overhead_ns, Samples, Unit};

/// Decisions timed one by one, per kind.
const DECISIONS: usize = 2_000_000;
/// Decisions run (and discarded) before measuring, per kind.
const WARM_UP: usize = 200_000;
/// Decisions per batch in the whole-batch cross-check.
const BATCH: usize = 1_000;
/// Batches in the cross-check, per kind.
const BATCHES: usize = 2_000;
/// 25 ms of event time between approved entries = 40 orders/s: the rate
/// bucket never runs dry, so every entry is approved.
const STEP_MS: i64 = 25;

/// One decision at `now`; true when approved.
fn decide(s: &mut Setup, intent: &OrderIntent, now: DateTime<Utc>) -> bool {
    let view = RiskView {
        portfolio: &s.portfolio,
        account: account(),
        orders: &Book,
        data_age: None,
    };
    black_box(s.gate.check(black_box(intent), &view, now)).is_approved()
}

/// The clock for the next decision: moving for entries (rate tokens refill),
/// fixed for rejections (the check refuses before taking a token).
fn next_time(now: &mut DateTime<Utc>, moving: bool) -> DateTime<Utc> {
    if moving {
        *now += Duration::milliseconds(STEP_MS);
    }
    *now
}

/// Times every one of [`DECISIONS`] decisions of one kind, minus `overhead`
/// ns each; also checks each outcome is the expected one.
fn per_decision(approve: bool, overhead: u64) -> Samples {
    let mut s = setup();
    let intent = if approve { s.entry } else { s.too_big };
    let mut now = s.start;
    for _ in 0..WARM_UP {
        let t = next_time(&mut now, approve);
        assert_eq!(decide(&mut s, &intent, t), approve, "unexpected decision");
    }
    let mut samples = Samples::with_capacity(DECISIONS);
    for _ in 0..DECISIONS {
        let t = next_time(&mut now, approve);
        let start = Instant::now();
        let approved = decide(&mut s, &intent, t);
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        samples.record(ns.saturating_sub(overhead));
        assert_eq!(approved, approve, "unexpected decision");
    }
    samples
}

/// Per-decision means of [`BATCHES`] batches of [`BATCH`] decisions, each
/// batch timed whole (the timer's cost spread over the batch).
fn per_batch(approve: bool) -> Samples {
    let mut s = setup();
    let intent = if approve { s.entry } else { s.too_big };
    let mut now = s.start;
    let mut means = Samples::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let start = Instant::now();
        let mut approved = 0;
        for _ in 0..BATCH {
            let t = next_time(&mut now, approve);
            approved += usize::from(decide(&mut s, &intent, t));
        }
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        means.record(ns / BATCH as u64);
        assert_eq!(approved, if approve { BATCH } else { 0 });
    }
    means
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    let overhead = timer_overhead_ns(1_000_000);
    println!(
        "risk gate latency: {DECISIONS} decisions per kind, each timed alone after {WARM_UP} warm-up decisions"
    );
    println!(
        "timer: one Instant::now() pair costs {overhead} ns here (median of 1 000 000); subtracted from every sample"
    );
    let mut approved = per_decision(true, overhead);
    let mut rejected = per_decision(false, overhead);
    println!("gate approved entry   {}", approved.summary(Unit::Nanos));
    println!("gate rejection        {}", rejected.summary(Unit::Nanos));
    let mut approved_batches = per_batch(true);
    let mut rejected_batches = per_batch(false);
    println!("cross-check, batches of {BATCH} timed whole (per-decision mean of each batch, no subtraction):");
    println!(
        "  approved entry      p50 {} ns  p99 {} ns",
        approved_batches.quantile(0.5),
        approved_batches.quantile(0.99)
    );
    println!(
        "  rejection           p50 {} ns  p99 {} ns",
        rejected_batches.quantile(0.5),
        rejected_batches.quantile(0.99)
    );
}
