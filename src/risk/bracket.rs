//! [`Bracket`]: the protective stop-loss and take-profit prices every entry
//! carries, and the tick arithmetic behind them (`Decimal` only).
//!
//! Rounding is protective: both prices move toward the entry, never away, so
//! the stop never risks more than `stop_loss_pct` and the target never asks
//! for more than `take_profit_pct`. Both always stay at least one tick away
//! from the entry on their own side, and a stop that would land at or below 0
//! is refused.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::ticks::TickLadder;
use crate::domain::types::Side;

/// Stop-loss and take-profit prices of an entry's bracket children (both on
/// the instrument's tick grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bracket {
    /// Price of the protective stop (below the entry for a buy, above for a sell).
    pub stop_loss: Decimal,
    /// Price of the take-profit limit (above the entry for a buy, below for a sell).
    pub take_profit: Decimal,
}

/// An instrument's tick grid: its [`TickLadder`] (price-dependent
/// increments), with a fast path for powers of ten (0.01, 0.0001, 1) that
/// needs no division. Rounding uses the increment of the rung the price is
/// in; the ladder's edges lie on both neighbouring grids, so the result is
/// always on the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    ladder: TickLadder,
}

/// `Some(k)` when `size == 10^-k`.
fn decimals(size: Decimal) -> Option<u32> {
    let normalized = size.normalize();
    (normalized.mantissa() == 1).then(|| normalized.scale())
}

impl Tick {
    /// One tick of `size` at every price; `None` unless `size > 0`.
    pub fn new(size: Decimal) -> Option<Self> {
        TickLadder::flat(size).map(Self::ladder)
    }

    /// The grid of `ladder`.
    pub fn ladder(ladder: TickLadder) -> Self {
        Self { ladder }
    }

    /// The increment at `price`.
    pub fn size_at(&self, price: Decimal) -> Decimal {
        self.ladder.increment_at(price)
    }

    /// True when `price` is a whole multiple of the increment at `price`.
    pub fn is_on_grid(&self, price: Decimal) -> bool {
        let size = self.size_at(price);
        match decimals(size) {
            Some(k) => price.scale() <= k || price.round_dp(k) == price,
            None => (price % size).is_zero(),
        }
    }

    /// Largest price on the grid ≤ `price`.
    pub fn floor(&self, price: Decimal) -> Decimal {
        round(
            price,
            self.size_at(price),
            RoundingStrategy::ToNegativeInfinity,
        )
    }

    /// Smallest price on the grid ≥ `price`.
    pub fn ceil(&self, price: Decimal) -> Decimal {
        round(
            price,
            self.size_at(price),
            RoundingStrategy::ToPositiveInfinity,
        )
    }

    /// The highest price on the grid strictly below `price`.
    pub fn below(&self, price: Decimal) -> Decimal {
        let ceil = self.ceil(price);
        ceil - self.ladder.rung_below(ceil).increment
    }

    /// The lowest price on the grid strictly above `price`.
    pub fn above(&self, price: Decimal) -> Decimal {
        let floor = self.floor(price);
        floor + self.size_at(floor)
    }
}

fn round(price: Decimal, size: Decimal, strategy: RoundingStrategy) -> Decimal {
    match decimals(size) {
        Some(k) if price.scale() <= k => price,
        Some(k) => price.round_dp_with_strategy(k, strategy),
        None => (price / size).round_dp_with_strategy(0, strategy) * size,
    }
}

/// The bracket percentages turned into price factors once, so computing a
/// bracket costs two multiplications and four roundings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BracketRule {
    /// `1 − stop_loss_pct`: a long's stop.
    long_stop: Decimal,
    /// `1 + take_profit_pct`: a long's target.
    long_target: Decimal,
    /// `1 + stop_loss_pct`: a short's stop.
    short_stop: Decimal,
    /// `1 − take_profit_pct`: a short's target.
    short_target: Decimal,
}

impl BracketRule {
    /// Stop `stop_pct` and target `target_pct` away from the entry.
    pub fn new(stop_pct: Decimal, target_pct: Decimal) -> Self {
        Self {
            long_stop: Decimal::ONE - stop_pct,
            long_target: Decimal::ONE + target_pct,
            short_stop: Decimal::ONE + stop_pct,
            short_target: Decimal::ONE - target_pct,
        }
    }

    /// The bracket of an entry on `side` at `reference`, rounded toward the
    /// entry onto `tick`'s grid. `None` when no stop above 0 exists (a buy)
    /// or no target above 0 exists (a sell) — such an entry cannot be protected.
    pub fn for_entry(&self, side: Side, reference: Decimal, tick: Tick) -> Option<Bracket> {
        // The last tick strictly below and the first strictly above the reference.
        let highest_below = tick.below(reference);
        let lowest_above = tick.above(reference);
        let (stop_loss, take_profit) = match side {
            // Stop below: round up (toward the entry); target above: round down.
            Side::Buy => (
                tick.ceil(reference * self.long_stop).min(highest_below),
                tick.floor(reference * self.long_target).max(lowest_above),
            ),
            // Stop above: round down; target below: round up.
            Side::Sell => (
                tick.floor(reference * self.short_stop).max(lowest_above),
                tick.ceil(reference * self.short_target).min(highest_below),
            ),
        };
        let positive = |d: Decimal| d.is_sign_positive() && !d.is_zero();
        (positive(stop_loss) && positive(take_profit)).then_some(Bracket {
            stop_loss,
            take_profit,
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn cents() -> Tick {
        Tick::new(dec!(0.01)).unwrap()
    }

    #[test]
    fn tick_grid() {
        assert_eq!(Tick::new(dec!(0)), None);
        assert_eq!(Tick::new(dec!(-0.01)), None);
        let t = cents();
        assert!(t.is_on_grid(dec!(190.25)));
        assert!(t.is_on_grid(dec!(190.2500)));
        assert!(!t.is_on_grid(dec!(190.255)));
        assert_eq!(t.floor(dec!(190.259)), dec!(190.25));
        assert_eq!(t.ceil(dec!(190.251)), dec!(190.26));
        let nickel = Tick::new(dec!(0.05)).unwrap();
        assert!(nickel.is_on_grid(dec!(10.15)));
        assert!(!nickel.is_on_grid(dec!(10.12)));
        assert_eq!(nickel.floor(dec!(10.14)), dec!(10.10));
        assert_eq!(nickel.ceil(dec!(10.11)), dec!(10.15));
    }

    #[test]
    fn the_us_stock_ladder_rounds_below_a_dollar_to_hundredths_of_a_cent() {
        let t = Tick::ladder(TickLadder::us_stock());
        assert!(t.is_on_grid(dec!(0.5123)));
        assert!(!t.is_on_grid(dec!(0.51234)));
        assert!(!t.is_on_grid(dec!(1.0001)));
        assert_eq!(t.ceil(dec!(0.99995)), dec!(1.0000));
        assert_eq!(t.floor(dec!(1.009)), dec!(1.00));
        assert_eq!(t.below(dec!(1.00)), dec!(0.9999));
        assert_eq!(t.above(dec!(0.9999)), dec!(1.0000));
        assert_eq!(t.size_at(dec!(0.5)), dec!(0.0001));
        // 0.50 × 0.95 = 0.475; × 1.10 = 0.55: both on the 0.0001 grid.
        let b = BracketRule::new(dec!(0.05), dec!(0.10))
            .for_entry(Side::Buy, dec!(0.5003), t)
            .unwrap();
        // 0.5003 × 0.95 = 0.475285 → up to 0.4753; × 1.10 = 0.55033 → down to 0.5503.
        assert_eq!((b.stop_loss, b.take_profit), (dec!(0.4753), dec!(0.5503)));
        // Across the edge: 1.02 × 0.95 = 0.969 (sub-dollar grid), × 1.10 = 1.122 → 1.12.
        let b = BracketRule::new(dec!(0.05), dec!(0.10))
            .for_entry(Side::Buy, dec!(1.02), t)
            .unwrap();
        assert_eq!((b.stop_loss, b.take_profit), (dec!(0.969), dec!(1.12)));
    }

    #[test]
    fn buy_bracket_rounds_toward_the_entry() {
        // 190.37 × 0.95 = 180.8515 → up to 180.86; × 1.10 = 209.407 → down to 209.40
        let b = BracketRule::new(dec!(0.05), dec!(0.10))
            .for_entry(Side::Buy, dec!(190.37), cents())
            .unwrap();
        assert_eq!(b.stop_loss, dec!(180.86));
        assert_eq!(b.take_profit, dec!(209.40));
    }

    #[test]
    fn sell_bracket_rounds_toward_the_entry() {
        // 190.37 × 1.05 = 199.8885 → down to 199.88; × 0.90 = 171.333 → up to 171.34
        let b = BracketRule::new(dec!(0.05), dec!(0.10))
            .for_entry(Side::Sell, dec!(190.37), cents())
            .unwrap();
        assert_eq!(b.stop_loss, dec!(199.88));
        assert_eq!(b.take_profit, dec!(171.34));
    }

    #[test]
    fn off_grid_reference_and_coarse_ticks() {
        // Reference 10.07 on a 0.05 grid (a last price from a quote mid):
        // stop 10.07 × 0.95 = 9.5665 → up to 9.60; target 10.07 × 1.1 = 11.077 → down to 11.05
        let nickel = Tick::new(dec!(0.05)).unwrap();
        let b = BracketRule::new(dec!(0.05), dec!(0.10))
            .for_entry(Side::Buy, dec!(10.07), nickel)
            .unwrap();
        assert_eq!(b.stop_loss, dec!(9.60));
        assert_eq!(b.take_profit, dec!(11.05));
    }

    #[test]
    fn tiny_percentages_stay_one_tick_away() {
        // 1.00 × 0.999 = 0.999 → up to 1.00 = entry: pulled to 0.99; target 1.001 → 1.00 → 1.01
        let b = BracketRule::new(dec!(0.001), dec!(0.001))
            .for_entry(Side::Buy, dec!(1.00), cents())
            .unwrap();
        assert_eq!((b.stop_loss, b.take_profit), (dec!(0.99), dec!(1.01)));
        let s = BracketRule::new(dec!(0.001), dec!(0.001))
            .for_entry(Side::Sell, dec!(1.00), cents())
            .unwrap();
        assert_eq!((s.stop_loss, s.take_profit), (dec!(1.01), dec!(0.99)));
    }

    #[test]
    fn unprotectable_entries_are_refused() {
        // A buy at 0.01: the stop would have to be at 0.00.
        assert_eq!(
            BracketRule::new(dec!(0.05), dec!(0.10)).for_entry(Side::Buy, dec!(0.01), cents()),
            None
        );
        // A sell at 0.01: the target would have to be at 0.00.
        assert_eq!(
            BracketRule::new(dec!(0.05), dec!(0.10)).for_entry(Side::Sell, dec!(0.01), cents()),
            None
        );
    }
}
