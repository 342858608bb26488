//! `sma_crossover`: go long when the fast simple moving average of closes
//! crosses above the slow one, leave when it crosses back below (and, with
//! `allow_short`, go short there).
//!
//! Parameters: `fast` and `slow` (bars, required, fast < slow), `allow_short`
//! (default false). A cross is a change of the sign of `fast − slow` (equal
//! averages keep the previous sign); the moment both averages first exist is
//! not a cross. Per bar: two ring-buffer updates and one comparison of
//! `fast_sum × slow` with `slow_sum × fast` in fixed point (no division).

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::domain::types::{Bar, MarketEvent, Symbol};
use crate::strategy::builtins::common::{rebalance, slot_of, Target, Working};
use crate::strategy::context::StrategyContext;
use crate::strategy::indicators::{Sma, ZeroPeriod};
use crate::strategy::intents::Intents;
use crate::strategy::params::Params;
use crate::strategy::sizing::Sizing;
use crate::strategy::traits::{OrderOutcome, Strategy};

/// Registry name.
pub const KIND: &str = "sma_crossover";

/// The checked parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmaCrossoverParams {
    /// Fast average length in bars (smaller than `slow`).
    pub fast: usize,
    /// Slow average length in bars.
    pub slow: usize,
    /// Go short on a cross down instead of only leaving.
    pub allow_short: bool,
}

#[derive(Debug, Clone)]
struct Slot {
    fast: Sma,
    slow: Sma,
    /// Sign of the last non-zero `fast − slow`: 1, −1, or 0 before any.
    trend: i8,
    working: Working,
}

/// The SMA crossover strategy (see the module docs).
#[derive(Debug, Clone)]
pub struct SmaCrossover {
    symbols: Vec<Symbol>,
    bar_seconds: u32,
    sizing: Sizing,
    params: SmaCrossoverParams,
    slots: Vec<Slot>,
}

impl SmaCrossover {
    /// A strategy trading `symbols` on bars of `bar_seconds`.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when a period is 0.
    pub fn new(
        symbols: &[Symbol],
        bar_seconds: u32,
        sizing: Sizing,
        params: SmaCrossoverParams,
    ) -> Result<Self, ZeroPeriod> {
        let mut slots = Vec::with_capacity(symbols.len());
        for _ in symbols {
            slots.push(Slot {
                fast: Sma::new(params.fast)?,
                slow: Sma::new(params.slow)?,
                trend: 0,
                working: Working::default(),
            });
        }
        Ok(Self {
            symbols: symbols.to_vec(),
            bar_seconds,
            sizing,
            params,
            slots,
        })
    }

    /// Updates the averages with a close; returns the cross it caused, if any.
    fn advance(&mut self, slot: usize, close: Decimal) -> Option<Target> {
        let slot = &mut self.slots[slot];
        slot.fast.push(close);
        slot.slow.push(close);
        let sign: i8 = match slot.fast.cmp_mean(&slot.slow)? {
            Ordering::Greater => 1,
            Ordering::Less => -1,
            Ordering::Equal => return None,
        };
        let previous = std::mem::replace(&mut slot.trend, sign);
        match (previous, sign) {
            (-1, 1) => Some(Target::Long),
            (1, -1) if self.params.allow_short => Some(Target::Short),
            (1, -1) => Some(Target::Flat),
            _ => None,
        }
    }
}

/// Registry constructor: reads `fast`, `slow`, `allow_short`.
pub fn build(p: &mut Params<'_>) -> Option<Box<dyn Strategy>> {
    let fast = p.period("fast", None);
    let slow = p.period("slow", None);
    let allow_short = p.bool("allow_short", false);
    let (fast, slow, allow_short) = (fast?, slow?, allow_short?);
    if fast >= slow {
        p.problem(
            "fast",
            fast,
            format!("must be smaller than params.slow ({slow})"),
        );
        return None;
    }
    let file = p.file();
    let params = SmaCrossoverParams {
        fast,
        slow,
        allow_short,
    };
    let strategy = SmaCrossover::new(&file.symbols, file.bar_seconds, file.sizing, params).ok()?;
    Some(Box::new(strategy))
}

impl Strategy for SmaCrossover {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        self.bar_seconds
    }

    fn warmup_bars(&self) -> usize {
        self.params.slow
    }

    fn warm_up(&mut self, bar: &Bar) {
        if let Some(slot) = slot_of(&self.symbols, bar.symbol) {
            self.advance(slot, bar.close);
        }
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let MarketEvent::Bar(bar) = event else { return };
        let Some(slot) = slot_of(&self.symbols, bar.symbol) else {
            return;
        };
        if let Some(target) = self.advance(slot, bar.close) {
            let working = &mut self.slots[slot].working;
            rebalance(
                target,
                bar.symbol,
                bar.close,
                &self.sizing,
                ctx,
                working,
                out,
            );
        }
    }

    fn on_order_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        _ctx: &StrategyContext<'_>,
        _out: &mut Intents,
    ) {
        if let Some(slot) = slot_of(&self.symbols, outcome.symbol()) {
            self.slots[slot].working.on_outcome(outcome);
        }
    }
}

#[cfg(test)]
#[path = "sma_crossover_tests.rs"]
mod tests;
