//! Pieces every built-in shares: the position a signal asks for
//! ([`Target`]), the own-orders-still-working flags ([`Working`]), and
//! [`rebalance`], which turns a target into exit/entry intents.

use rust_decimal::Decimal;

use crate::domain::types::{IntentPurpose, Side, Symbol};
use crate::strategy::context::StrategyContext;
use crate::strategy::intents::Intents;
use crate::strategy::sizing::Sizing;
use crate::strategy::traits::OrderOutcome;

/// The position a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Long, sized by the strategy's sizing rule.
    Long,
    /// No position.
    Flat,
    /// Short, sized by the strategy's sizing rule.
    Short,
}

/// Which of a strategy's own orders for one symbol are still working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Working {
    /// An entry is working.
    pub entry: bool,
    /// An exit is working.
    pub exit: bool,
}

impl Working {
    /// Clears the flag of the outcome's purpose when the order is done
    /// (filled completely, rejected or cancelled).
    pub fn on_outcome(&mut self, outcome: &OrderOutcome<'_>) {
        if outcome.is_final() {
            match outcome.intent().purpose {
                IntentPurpose::Entry => self.entry = false,
                IntentPurpose::Exit => self.exit = false,
            }
        }
    }
}

/// Pushes the intents that move `symbol` from its current position to
/// `target`: first an exit of the whole position on the wrong side, then an
/// entry of `sizing`'s quantity at `price` — skipping whatever is already
/// working, and the entry when the size comes out as zero. Marks what it sent
/// as working. Allocation-free.
pub fn rebalance(
    target: Target,
    symbol: Symbol,
    price: Decimal,
    sizing: &Sizing,
    ctx: &StrategyContext<'_>,
    working: &mut Working,
    out: &mut Intents,
) {
    let position = ctx.position(symbol);
    let wrong_side = match target {
        Target::Long => position < Decimal::ZERO,
        Target::Flat => !position.is_zero(),
        Target::Short => position > Decimal::ZERO,
    };
    if wrong_side && !working.exit {
        let side = if position > Decimal::ZERO {
            Side::Sell
        } else {
            Side::Buy
        };
        let exit = ctx.market_order(symbol, side, position.abs(), IntentPurpose::Exit);
        working.exit = out.push(exit).is_ok();
    }
    let entry_side = match target {
        Target::Long if position <= Decimal::ZERO => Side::Buy,
        Target::Short if position >= Decimal::ZERO => Side::Sell,
        _ => return,
    };
    if working.entry {
        return;
    }
    let quantity = sizing.quantity(ctx.equity(), price);
    if quantity > Decimal::ZERO {
        let entry = ctx.market_order(symbol, entry_side, quantity, IntentPurpose::Entry);
        working.entry = out.push(entry).is_ok();
    }
}

/// Index of `symbol` in `symbols` (built-ins trade a handful, a scan is fastest).
pub fn slot_of(symbols: &[Symbol], symbol: Symbol) -> Option<usize> {
    symbols.iter().position(|&s| s == symbol)
}

#[cfg(test)]
#[path = "common_tests.rs"]
mod tests;
