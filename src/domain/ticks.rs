//! [`TickLadder`]: an instrument's minimum price increments by price level,
//! as IB's market rules give them (`reqMarketRule`: rows of low edge and
//! increment; e.g. US stocks 0.0001 below $1, 0.01 from $1).
//!
//! Owns the ladder's shape and its validation. A fixed small array, never a
//! `Vec`, so an [`Instrument`](super::types::Instrument) stays `Copy` and the
//! hot path allocates nothing. Does no rounding policy (the risk gate rounds
//! toward the entry) and no I/O.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Most rungs a ladder holds (IB's stock and option rules have one to three).
pub const MAX_RUNGS: usize = 4;

/// One rung: from `low_edge` (inclusive) up to the next rung's, prices move
/// in steps of `increment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    /// Lowest price the increment applies to.
    pub low_edge: Decimal,
    /// Minimum price increment from `low_edge` on.
    pub increment: Decimal,
}

/// Why rungs do not form a ladder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TickLadderError {
    /// No rungs, or more than [`MAX_RUNGS`].
    #[error("a tick ladder needs 1 to {MAX_RUNGS} rungs, got {0}")]
    Length(usize),
    /// The first rung does not start at 0.
    #[error("the first rung must start at 0, got {0}")]
    FirstEdge(Decimal),
    /// An increment ≤ 0.
    #[error("increment {0} is not above 0")]
    Increment(Decimal),
    /// Low edges not strictly increasing, or an edge off the grid of the
    /// increments on either side of it.
    #[error("low edge {0} is not above the previous one and on both neighbouring grids")]
    Edge(Decimal),
}

/// An instrument's price increments by price level (1 to [`MAX_RUNGS`] rungs,
/// the first from 0, edges increasing and each on the grids of both rungs it
/// separates, so rounding within a rung never lands off the ladder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickLadder {
    rungs: [Rung; MAX_RUNGS],
    len: u8,
}

/// The US stock rule (SEC Rule 612; IB's market rule for US stocks):
/// 0.0001 below $1, 0.01 from $1.
const US_STOCK: [Rung; 2] = [
    Rung {
        low_edge: Decimal::ZERO,
        increment: Decimal::from_parts(1, 0, 0, false, 4),
    },
    Rung {
        low_edge: Decimal::ONE,
        increment: Decimal::from_parts(1, 0, 0, false, 2),
    },
];

impl TickLadder {
    /// A ladder of `rungs`, validated.
    ///
    /// # Errors
    /// [`TickLadderError`] naming the first problem.
    pub fn new(rungs: &[Rung]) -> Result<Self, TickLadderError> {
        if rungs.is_empty() || rungs.len() > MAX_RUNGS {
            return Err(TickLadderError::Length(rungs.len()));
        }
        if !rungs[0].low_edge.is_zero() {
            return Err(TickLadderError::FirstEdge(rungs[0].low_edge));
        }
        if let Some(bad) = rungs.iter().find(|r| r.increment <= Decimal::ZERO) {
            return Err(TickLadderError::Increment(bad.increment));
        }
        for pair in rungs.windows(2) {
            let (lower, upper) = (pair[0], pair[1]);
            let on = |inc: Decimal| (upper.low_edge % inc).is_zero();
            if upper.low_edge <= lower.low_edge || !on(lower.increment) || !on(upper.increment) {
                return Err(TickLadderError::Edge(upper.low_edge));
            }
        }
        let mut ladder = Self {
            rungs: [rungs[0]; MAX_RUNGS],
            len: rungs.len() as u8,
        };
        ladder.rungs[..rungs.len()].copy_from_slice(rungs);
        Ok(ladder)
    }

    /// One increment at every price; `None` unless `increment > 0`.
    pub fn flat(increment: Decimal) -> Option<Self> {
        Self::new(&[Rung {
            low_edge: Decimal::ZERO,
            increment,
        }])
        .ok()
    }

    /// US stocks: 0.0001 below $1, 0.01 from $1.
    pub fn us_stock() -> Self {
        Self::new(&US_STOCK).expect("the US stock ladder is valid")
    }

    /// The rungs, lowest first.
    pub fn rungs(&self) -> &[Rung] {
        &self.rungs[..usize::from(self.len)]
    }

    /// The rung `price` falls in (the first for prices below 0).
    pub fn rung_at(&self, price: Decimal) -> Rung {
        *self
            .rungs()
            .iter()
            .rev()
            .find(|r| r.low_edge <= price)
            .unwrap_or(&self.rungs[0])
    }

    /// The rung just below `price` (the last whose low edge is strictly below it).
    pub fn rung_below(&self, price: Decimal) -> Rung {
        *self
            .rungs()
            .iter()
            .rev()
            .find(|r| r.low_edge < price)
            .unwrap_or(&self.rungs[0])
    }

    /// The minimum increment at `price`.
    pub fn increment_at(&self, price: Decimal) -> Decimal {
        self.rung_at(price).increment
    }

    /// The smallest increment anywhere on the ladder (IB's `minTick`).
    pub fn min_increment(&self) -> Decimal {
        self.rungs()
            .iter()
            .map(|r| r.increment)
            .min()
            .unwrap_or(self.rungs[0].increment)
    }
}

#[cfg(test)]
#[path = "ticks_tests.rs"]
mod tests;
