//! `donchian_breakout`: buy when a bar closes above the highest high of the
//! previous `entry` bars; leave when one closes below the lowest low of the
//! previous `exit` bars. With `allow_short`, the mirror image: sell short
//! below the `entry`-bar low, cover above the `exit`-bar high.
//!
//! Parameters: `entry` (bars, default 20), `exit` (bars, default 10),
//! `allow_short` (default false). An entry fires once per breakout: after
//! sending one, the strategy waits for a close back inside the channel before
//! it may enter again (so a refused entry is not resent on every bar).

use rust_decimal::Decimal;

use crate::domain::types::{Bar, MarketEvent, Symbol};
use crate::strategy::builtins::common::{rebalance, slot_of, Target, Working};
use crate::strategy::context::StrategyContext;
use crate::strategy::indicators::{Donchian, ZeroPeriod};
use crate::strategy::intents::Intents;
use crate::strategy::params::Params;
use crate::strategy::sizing::Sizing;
use crate::strategy::traits::{OrderOutcome, Strategy};

/// Registry name.
pub const KIND: &str = "donchian_breakout";

/// The checked parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DonchianBreakoutParams {
    /// Entry channel length in bars.
    pub entry: usize,
    /// Exit channel length in bars.
    pub exit: usize,
    /// Trade downside breakouts too.
    pub allow_short: bool,
}

#[derive(Debug, Clone)]
struct Slot {
    entry: Donchian,
    exit: Donchian,
    long_armed: bool,
    short_armed: bool,
    working: Working,
}

/// The Donchian breakout strategy (see the module docs).
#[derive(Debug, Clone)]
pub struct DonchianBreakout {
    symbols: Vec<Symbol>,
    bar_seconds: u32,
    sizing: Sizing,
    params: DonchianBreakoutParams,
    slots: Vec<Slot>,
}

impl DonchianBreakout {
    /// A strategy trading `symbols` on bars of `bar_seconds`.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when a channel length is 0.
    pub fn new(
        symbols: &[Symbol],
        bar_seconds: u32,
        sizing: Sizing,
        params: DonchianBreakoutParams,
    ) -> Result<Self, ZeroPeriod> {
        let mut slots = Vec::with_capacity(symbols.len());
        for _ in symbols {
            slots.push(Slot {
                entry: Donchian::new(params.entry)?,
                exit: Donchian::new(params.exit)?,
                long_armed: true,
                short_armed: true,
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
}

/// Registry constructor: reads `entry`, `exit`, `allow_short`.
pub fn build(p: &mut Params<'_>) -> Option<Box<dyn Strategy>> {
    let entry = p.period("entry", Some(20));
    let exit = p.period("exit", Some(10));
    let allow_short = p.bool("allow_short", false);
    let params = DonchianBreakoutParams {
        entry: entry?,
        exit: exit?,
        allow_short: allow_short?,
    };
    let file = p.file();
    let strategy =
        DonchianBreakout::new(&file.symbols, file.bar_seconds, file.sizing, params).ok()?;
    Some(Box::new(strategy))
}

impl Strategy for DonchianBreakout {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        self.bar_seconds
    }

    fn warmup_bars(&self) -> usize {
        self.params.entry.max(self.params.exit)
    }

    fn warm_up(&mut self, bar: &Bar) {
        if let Some(slot) = slot_of(&self.symbols, bar.symbol) {
            let slot = &mut self.slots[slot];
            slot.entry.push(bar.high, bar.low);
            slot.exit.push(bar.high, bar.low);
        }
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let MarketEvent::Bar(bar) = event else { return };
        let Some(index) = slot_of(&self.symbols, bar.symbol) else {
            return;
        };
        let allow_short = self.params.allow_short;
        let slot = &mut self.slots[index];
        let close = bar.close;
        // Compare with the channels of the bars before this one, then add it.
        let (entry_ready, exit_ready) = (slot.entry.is_ready(), slot.exit.is_ready());
        let (above_entry, below_entry) = (slot.entry.is_above(close), slot.entry.is_below(close));
        let (above_exit, below_exit) = (slot.exit.is_above(close), slot.exit.is_below(close));
        slot.entry.push(bar.high, bar.low);
        slot.exit.push(bar.high, bar.low);
        let position = ctx.position(bar.symbol);
        let mut act = |target| {
            rebalance(
                target,
                bar.symbol,
                close,
                &self.sizing,
                ctx,
                &mut slot.working,
                out,
            )
        };
        if entry_ready {
            if above_entry {
                if slot.long_armed && position <= Decimal::ZERO {
                    act(Target::Long);
                    slot.long_armed = false;
                }
            } else {
                slot.long_armed = true;
            }
            if allow_short && below_entry {
                if slot.short_armed && position >= Decimal::ZERO {
                    act(Target::Short);
                    slot.short_armed = false;
                }
            } else {
                slot.short_armed = true;
            }
        }
        let leave_long = position > Decimal::ZERO && exit_ready && below_exit;
        let leave_short = position < Decimal::ZERO && exit_ready && above_exit;
        if leave_long || leave_short {
            act(Target::Flat);
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
#[path = "donchian_breakout_tests.rs"]
mod tests;
