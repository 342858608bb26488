//! `rsi_reversion`: buy when Wilder's RSI of closes falls below `oversold`,
//! leave when it rises above `exit`; with `allow_short`, also sell short above
//! `overbought` and cover below `exit`.
//!
//! Parameters: `period` (bars, default 14), `oversold` (default 30), `exit`
//! (default 50), `overbought` (default 70), `allow_short` (default false);
//! 0 < oversold < exit < overbought < 100.
//!
//! An entry fires once per excursion: after sending one, the strategy waits
//! for the RSI to come back across the threshold before it may enter again
//! (so a refused entry is not resent on every bar). An exit is resent on the
//! next bar while the condition holds and no exit is working.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::domain::types::{Bar, MarketEvent, Symbol};
use crate::strategy::builtins::common::{rebalance, slot_of, Target, Working};
use crate::strategy::context::StrategyContext;
use crate::strategy::indicators::{Rsi, ZeroPeriod};
use crate::strategy::intents::Intents;
use crate::strategy::params::Params;
use crate::strategy::sizing::Sizing;
use crate::strategy::traits::{OrderOutcome, Strategy};

/// Registry name.
pub const KIND: &str = "rsi_reversion";

/// The checked parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsiReversionParams {
    /// RSI length in bars.
    pub period: usize,
    /// Enter long below this RSI.
    pub oversold: Decimal,
    /// Leave a long above (a short below) this RSI.
    pub exit: Decimal,
    /// Enter short above this RSI (with `allow_short`).
    pub overbought: Decimal,
    /// Trade the overbought side too.
    pub allow_short: bool,
}

#[derive(Debug, Clone)]
struct Slot {
    rsi: Rsi,
    long_armed: bool,
    short_armed: bool,
    working: Working,
}

/// The RSI mean-reversion strategy (see the module docs).
#[derive(Debug, Clone)]
pub struct RsiReversion {
    symbols: Vec<Symbol>,
    bar_seconds: u32,
    sizing: Sizing,
    params: RsiReversionParams,
    slots: Vec<Slot>,
}

impl RsiReversion {
    /// A strategy trading `symbols` on bars of `bar_seconds`.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when the period is 0.
    pub fn new(
        symbols: &[Symbol],
        bar_seconds: u32,
        sizing: Sizing,
        params: RsiReversionParams,
    ) -> Result<Self, ZeroPeriod> {
        let mut slots = Vec::with_capacity(symbols.len());
        for _ in symbols {
            slots.push(Slot {
                rsi: Rsi::new(params.period)?,
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

/// Registry constructor: reads `period`, `oversold`, `exit`, `overbought`, `allow_short`.
pub fn build(p: &mut Params<'_>) -> Option<Box<dyn Strategy>> {
    let (zero, hundred) = (Decimal::ZERO, Decimal::ONE_HUNDRED);
    let period = p.period("period", Some(14));
    let oversold = p.decimal_between("oversold", Some(dec!(30)), zero, hundred);
    let exit = p.decimal_between("exit", Some(dec!(50)), zero, hundred);
    let overbought = p.decimal_between("overbought", Some(dec!(70)), zero, hundred);
    let allow_short = p.bool("allow_short", false);
    let (period, oversold, exit, overbought, allow_short) =
        (period?, oversold?, exit?, overbought?, allow_short?);
    let mut ok = true;
    if oversold >= exit {
        p.problem(
            "oversold",
            oversold,
            format!("must be below params.exit ({exit})"),
        );
        ok = false;
    }
    if exit >= overbought {
        p.problem(
            "overbought",
            overbought,
            format!("must be above params.exit ({exit})"),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let file = p.file();
    let params = RsiReversionParams {
        period,
        oversold,
        exit,
        overbought,
        allow_short,
    };
    let strategy = RsiReversion::new(&file.symbols, file.bar_seconds, file.sizing, params).ok()?;
    Some(Box::new(strategy))
}

impl Strategy for RsiReversion {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        self.bar_seconds
    }

    fn warmup_bars(&self) -> usize {
        self.params.period + 1
    }

    fn warm_up(&mut self, bar: &Bar) {
        if let Some(slot) = slot_of(&self.symbols, bar.symbol) {
            self.slots[slot].rsi.push(bar.close);
        }
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let MarketEvent::Bar(bar) = event else { return };
        let Some(index) = slot_of(&self.symbols, bar.symbol) else {
            return;
        };
        let p = self.params;
        let slot = &mut self.slots[index];
        if !slot.rsi.push(bar.close) {
            return;
        }
        // Compared without dividing: `rsi.compare(level)` is `rsi.cmp(level)`.
        let rsi = &slot.rsi;
        let below = |level| rsi.compare(level) == Some(Ordering::Less);
        let above = |level| rsi.compare(level) == Some(Ordering::Greater);
        let (oversold, overbought) = (below(p.oversold), above(p.overbought));
        let (exit_long, exit_short) = (above(p.exit), below(p.exit));
        let position = ctx.position(bar.symbol);
        let mut act = |target| {
            rebalance(
                target,
                bar.symbol,
                bar.close,
                &self.sizing,
                ctx,
                &mut slot.working,
                out,
            )
        };
        if oversold {
            if slot.long_armed && position <= Decimal::ZERO {
                act(Target::Long);
                slot.long_armed = false;
            }
        } else {
            slot.long_armed = true;
        }
        if p.allow_short && overbought {
            if slot.short_armed && position >= Decimal::ZERO {
                act(Target::Short);
                slot.short_armed = false;
            }
        } else {
            slot.short_armed = true;
        }
        if (position > Decimal::ZERO && exit_long) || (position < Decimal::ZERO && exit_short) {
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
#[path = "rsi_reversion_tests.rs"]
mod tests;
