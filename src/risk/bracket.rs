//! [`Bracket`]: the protective stop-loss and take-profit prices every entry
//! carries, and the tick arithmetic behind them, in exact fixed point
//! ([`Fixed`]); `Decimal` only at the edges.
//!
//! Rounding is protective: both prices move toward the entry, never away, so
//! the stop never risks more than `stop_loss_pct` and the target never asks
//! for more than `take_profit_pct`. Both always stay at least one tick away
//! from the entry on their own side, and a stop that would land at or below 0
//! is refused.
//!
//! The prices handed out are the `Decimal`s the same arithmetic in `Decimal`
//! gives, down to their scale ("180.50", not "180.5" or "180.50000000"):
//! bracket prices are journaled and reported as text, so each value here
//! carries the scale `Decimal` would have given it (`Scaled`).

use rust_decimal::Decimal;

use crate::domain::fixed::{Fixed, ONE_RAW};
use crate::domain::ticks::{TickLadder, MAX_RUNGS};
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

/// A [`Fixed`] and the scale `Decimal` arithmetic would give the same value,
/// so converting back prints exactly what `Decimal` printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scaled {
    /// The value.
    pub(crate) value: Fixed,
    /// Its `Decimal` scale.
    pub(crate) scale: u32,
}

impl Scaled {
    /// `d` and its scale, `None` when `d` has no [`Fixed`].
    pub(crate) fn from_decimal(d: Decimal) -> Option<Self> {
        Some(Self {
            value: Fixed::from_decimal(d).ok()?,
            scale: d.scale(),
        })
    }

    /// Back to `Decimal` with the scale carried; `None` beyond 28 places.
    fn to_decimal(self) -> Option<Decimal> {
        self.value.to_decimal_scaled(self.scale)
    }

    /// `Decimal::min`: the first when equal.
    fn min(self, other: Self) -> Self {
        if self.value > other.value {
            other
        } else {
            self
        }
    }

    /// `Decimal::max`: the first when equal.
    fn max(self, other: Self) -> Self {
        if self.value < other.value {
            other
        } else {
            self
        }
    }
}

/// One rung of a [`Tick`] grid in fixed point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rung {
    low_edge: Fixed,
    /// The increment, > 0.
    increment: Fixed,
    /// The increment's `Decimal` scale as configured.
    increment_scale: u32,
    /// `Some(k)` when the increment is 10⁻ᵏ.
    decimals: Option<u32>,
}

/// An instrument's tick grid: its [`TickLadder`] (price-dependent
/// increments), held in fixed point. Rounding uses the increment of the rung
/// the price is in; the ladder's edges lie on both neighbouring grids, so the
/// result is always on the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    ladder: TickLadder,
    rungs: [Rung; MAX_RUNGS],
    len: usize,
}

/// `Some(k)` when `size == 10^-k`.
fn decimals(size: Decimal) -> Option<u32> {
    let normalized = size.normalize();
    (normalized.mantissa() == 1).then(|| normalized.scale())
}

impl Tick {
    /// One tick of `size` at every price; `None` unless `size > 0` and it
    /// has a [`Fixed`] (at most 8 decimal places).
    pub fn new(size: Decimal) -> Option<Self> {
        TickLadder::flat(size).and_then(Self::ladder)
    }

    /// The grid of `ladder`; `None` when an edge or increment has no
    /// [`Fixed`] (more than 8 decimal places, or beyond its range).
    pub fn ladder(ladder: TickLadder) -> Option<Self> {
        let mut rungs = [Rung {
            low_edge: Fixed::ZERO,
            increment: Fixed::ONE,
            increment_scale: 0,
            decimals: Some(0),
        }; MAX_RUNGS];
        for (slot, rung) in rungs.iter_mut().zip(ladder.rungs()) {
            *slot = Rung {
                low_edge: Fixed::from_decimal(rung.low_edge).ok()?,
                increment: Fixed::from_decimal(rung.increment).ok()?,
                increment_scale: rung.increment.scale(),
                decimals: decimals(rung.increment),
            };
        }
        Some(Self {
            ladder,
            rungs,
            len: ladder.rungs().len(),
        })
    }

    /// The increment at `price`.
    pub fn size_at(&self, price: Decimal) -> Decimal {
        self.ladder.increment_at(price)
    }

    /// True when `price` is a whole multiple of the increment at `price`
    /// (never for a price with no [`Fixed`]: no grid is that fine).
    pub fn is_on_grid(&self, price: Decimal) -> bool {
        Fixed::from_decimal(price).is_ok_and(|p| self.is_on_grid_fixed(p))
    }

    /// [`Tick::is_on_grid`] in fixed point.
    pub fn is_on_grid_fixed(&self, price: Fixed) -> bool {
        price.raw() % self.rung_at(price).increment.raw() == 0
    }

    /// Largest price on the grid ≤ `price` (`None`: beyond [`Fixed`]'s range).
    pub fn floor(&self, price: Fixed) -> Option<Fixed> {
        Self::round(price.wide(), self.rung_at(price).increment, false)
    }

    /// Smallest price on the grid ≥ `price` (`None`: beyond [`Fixed`]'s range).
    pub fn ceil(&self, price: Fixed) -> Option<Fixed> {
        Self::round(price.wide(), self.rung_at(price).increment, true)
    }

    /// The highest price on the grid strictly below `price`.
    pub fn below(&self, price: Fixed) -> Option<Fixed> {
        let unscaled = Scaled {
            value: price,
            scale: 0,
        };
        self.below_scaled(unscaled).map(|s| s.value)
    }

    /// The lowest price on the grid strictly above `price`.
    pub fn above(&self, price: Fixed) -> Option<Fixed> {
        let unscaled = Scaled {
            value: price,
            scale: 0,
        };
        self.above_scaled(unscaled).map(|s| s.value)
    }

    /// The rung `price` falls in (the first for prices below 0).
    fn rung_at(&self, price: Fixed) -> Rung {
        *self.rungs[..self.len]
            .iter()
            .rev()
            .find(|r| r.low_edge <= price)
            .unwrap_or(&self.rungs[0])
    }

    /// The rung just below `price` (the last whose low edge is strictly below it).
    fn rung_below(&self, price: Fixed) -> Rung {
        *self.rungs[..self.len]
            .iter()
            .rev()
            .find(|r| r.low_edge < price)
            .unwrap_or(&self.rungs[0])
    }

    /// `x` (in 10⁻¹⁶ units) rounded down or up onto multiples of `increment`.
    fn round(x: i128, increment: Fixed, up: bool) -> Option<Fixed> {
        let step = increment.wide();
        // Products up to about 922 (10⁻¹⁶ units) fit an i64, whose division
        // is one instruction; an i128 division is a library call.
        let q = match (i64::try_from(x), i64::try_from(step)) {
            (Ok(x), Ok(step)) => {
                let q = x.div_euclid(step);
                i128::from(q + i64::from(up && q * step != x))
            }
            _ => {
                let q = x.div_euclid(step);
                q + i128::from(up && q * step != x)
            }
        };
        i64::try_from(q * i128::from(increment.raw()))
            .ok()
            .map(Fixed::from_raw)
    }

    /// Rounds `x` (in 10⁻¹⁶ units, with `Decimal` scale `scale`) onto the
    /// grid at `at`, with the scale `Decimal` rounding gives: unchanged when
    /// it has no more places than a 10⁻ᵏ increment, else `k`; the
    /// increment's own scale for other increments.
    fn round_scaled(&self, x: i128, scale: u32, at: Fixed, up: bool) -> Option<Scaled> {
        let rung = self.rung_at(at);
        let scale = match rung.decimals {
            Some(k) => scale.min(k),
            None => rung.increment_scale,
        };
        Some(Scaled {
            value: Self::round(x, rung.increment, up)?,
            scale,
        })
    }

    fn below_scaled(&self, price: Scaled) -> Option<Scaled> {
        let ceil = self.round_scaled(price.value.wide(), price.scale, price.value, true)?;
        let rung = self.rung_below(ceil.value);
        Some(Scaled {
            value: ceil.value.checked_sub(rung.increment)?,
            scale: ceil.scale.max(rung.increment_scale),
        })
    }

    fn above_scaled(&self, price: Scaled) -> Option<Scaled> {
        let floor = self.round_scaled(price.value.wide(), price.scale, price.value, false)?;
        let rung = self.rung_at(floor.value);
        Some(Scaled {
            value: floor.value.checked_add(rung.increment)?,
            scale: floor.scale.max(rung.increment_scale),
        })
    }
}

/// A price factor `1 ± pct`, exactly, with its `Decimal` scale.
fn factor(pct: Decimal, sign: i64) -> Option<Scaled> {
    let pct = Scaled::from_decimal(pct)?;
    Some(Scaled {
        value: Fixed::ONE.checked_add(Fixed::from_raw(sign * pct.value.raw()))?,
        scale: pct.scale,
    })
}

/// The bracket percentages turned into price factors once, so computing a
/// bracket costs two multiplications and four roundings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BracketRule {
    /// `[1 − stop_loss_pct, 1 + take_profit_pct, 1 + stop_loss_pct,
    /// 1 − take_profit_pct]`: a long's stop and target, a short's stop and
    /// target; `None` when a percentage has no [`Fixed`] (no entry is
    /// protectable then).
    factors: Option<[Scaled; 4]>,
}

impl BracketRule {
    /// Stop `stop_pct` and target `target_pct` away from the entry.
    pub fn new(stop_pct: Decimal, target_pct: Decimal) -> Self {
        let factors = (|| {
            Some([
                factor(stop_pct, -1)?,
                factor(target_pct, 1)?,
                factor(stop_pct, 1)?,
                factor(target_pct, -1)?,
            ])
        })();
        Self { factors }
    }

    /// The bracket of an entry on `side` at `reference`, rounded toward the
    /// entry onto `tick`'s grid. `None` when no stop above 0 exists (a buy)
    /// or no target above 0 exists (a sell) — such an entry cannot be
    /// protected — or when `reference` or a percentage has no [`Fixed`].
    pub fn for_entry(&self, side: Side, reference: Decimal, tick: Tick) -> Option<Bracket> {
        self.for_entry_scaled(side, Scaled::from_decimal(reference)?, tick)
    }

    /// [`BracketRule::for_entry`] for a reference already in fixed point.
    pub(crate) fn for_entry_scaled(
        &self,
        side: Side,
        reference: Scaled,
        tick: Tick,
    ) -> Option<Bracket> {
        let [long_stop, long_target, short_stop, short_target] = self.factors?;
        // The last tick strictly below and the first strictly above the reference.
        let highest_below = tick.below_scaled(reference)?;
        let lowest_above = tick.above_scaled(reference)?;
        // reference × factor, exactly, in 10⁻¹⁶ units, rounded up or down.
        let times = |f: Scaled, up: bool| {
            let x = reference.value.mul_wide(f.value);
            // Where the product lies decides the rung (as for a Decimal product).
            let at = Fixed::from_raw(i64::try_from(x / i128::from(ONE_RAW)).ok()?);
            tick.round_scaled(x, reference.scale + f.scale, at, up)
        };
        let (stop_loss, take_profit) = match side {
            // Stop below: round up (toward the entry); target above: round down.
            Side::Buy => (
                times(long_stop, true)?.min(highest_below),
                times(long_target, false)?.max(lowest_above),
            ),
            // Stop above: round down; target below: round up.
            Side::Sell => (
                times(short_stop, false)?.max(lowest_above),
                times(short_target, true)?.min(highest_below),
            ),
        };
        (stop_loss.value.is_positive() && take_profit.value.is_positive()).then_some(())?;
        Some(Bracket {
            stop_loss: stop_loss.to_decimal()?,
            take_profit: take_profit.to_decimal()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn fx(d: Decimal) -> Fixed {
        Fixed::from_decimal(d).unwrap()
    }

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
        assert_eq!(t.floor(fx(dec!(190.259))), Some(fx(dec!(190.25))));
        assert_eq!(t.ceil(fx(dec!(190.251))), Some(fx(dec!(190.26))));
        let nickel = Tick::new(dec!(0.05)).unwrap();
        assert!(nickel.is_on_grid(dec!(10.15)));
        assert!(!nickel.is_on_grid(dec!(10.12)));
        assert_eq!(nickel.floor(fx(dec!(10.14))), Some(fx(dec!(10.10))));
        assert_eq!(nickel.ceil(fx(dec!(10.11))), Some(fx(dec!(10.15))));
    }

    #[test]
    fn the_us_stock_ladder_rounds_below_a_dollar_to_hundredths_of_a_cent() {
        let t = Tick::ladder(TickLadder::us_stock()).unwrap();
        assert!(t.is_on_grid(dec!(0.5123)));
        assert!(!t.is_on_grid(dec!(0.51234)));
        assert!(!t.is_on_grid(dec!(1.0001)));
        assert_eq!(t.ceil(fx(dec!(0.99995))), Some(fx(dec!(1.0000))));
        assert_eq!(t.floor(fx(dec!(1.009))), Some(fx(dec!(1.00))));
        assert_eq!(t.below(fx(dec!(1.00))), Some(fx(dec!(0.9999))));
        assert_eq!(t.above(fx(dec!(0.9999))), Some(fx(dec!(1.0000))));
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

#[cfg(test)]
#[path = "bracket_tests.rs"]
mod decimal_model_tests;
