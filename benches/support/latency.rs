//! Exact latency percentiles for the measurement tools (benches/gate_latency.rs,
//! examples/tick_to_order.rs, examples/perf_table.rs): every sample is kept
//! (preallocated, so recording allocates nothing) and sorted once, so p50,
//! p99, p99.9 and max are the samples themselves — no bucket rounding and no
//! extra dependency. Included with `#[path]`; it must never time or assert
//! anything on its own.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Every recorded latency, in nanoseconds.
pub struct Samples {
    ns: Vec<u64>,
    sorted: bool,
}

impl Samples {
    /// Room for `capacity` samples, allocated now (not while recording).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            ns: Vec::with_capacity(capacity),
            sorted: false,
        }
    }

    /// Records one latency of `ns` nanoseconds.
    pub fn record(&mut self, ns: u64) {
        self.ns.push(ns);
        self.sorted = false;
    }

    /// Records one [`Duration`].
    pub fn record_duration(&mut self, d: Duration) {
        self.record(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Samples recorded.
    pub fn len(&self) -> usize {
        self.ns.len()
    }

    /// True before the first sample.
    pub fn is_empty(&self) -> bool {
        self.ns.is_empty()
    }

    /// The sample at quantile `q` (0.0 ..= 1.0, nearest rank), in ns; 0 when empty.
    pub fn quantile(&mut self, q: f64) -> u64 {
        if self.ns.is_empty() {
            return 0;
        }
        if !self.sorted {
            self.ns.sort_unstable();
            self.sorted = true;
        }
        let rank = (q * self.ns.len() as f64).ceil() as usize;
        self.ns[rank.clamp(1, self.ns.len()) - 1]
    }

    /// `p50 … p99 … p99.9 … max` in a fixed-width line, each in `unit`.
    pub fn summary(&mut self, unit: Unit) -> String {
        let [p50, p99, p999, max] = [0.5, 0.99, 0.999, 1.0].map(|q| self.quantile(q));
        format!(
            "p50 {:>9}  p99 {:>9}  p99.9 {:>9}  max {:>9}  (n={})",
            unit.show(p50),
            unit.show(p99),
            unit.show(p999),
            unit.show(max),
            self.len()
        )
    }
}

/// How a summary shows nanoseconds.
#[derive(Clone, Copy)]
pub enum Unit {
    /// Nanoseconds.
    Nanos,
    /// Microseconds, one decimal.
    Micros,
}

impl Unit {
    /// `ns` in this unit with its suffix.
    pub fn show(self, ns: u64) -> String {
        match self {
            Unit::Nanos => format!("{ns} ns"),
            Unit::Micros => format!("{:.1} µs", ns as f64 / 1_000.0),
        }
    }
}

/// The cost of one `Instant::now()` pair with nothing between, in ns: the
/// median of `n` back-to-back measurements. Subtracted from per-call timings
/// of operations that take tens of nanoseconds.
pub fn timer_overhead_ns(n: usize) -> u64 {
    let mut s = Samples::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let e = t.elapsed();
        s.record_duration(e);
    }
    s.quantile(0.5)
}
