//! [`Figure`] (a price or a quantity) and [`Money`] (an amount): exact
//! fixed-point numbers for the portfolio's per-bar path, which convert to the
//! very `Decimal` the same computation in `Decimal` would give — the same
//! value *and* the same printed decimal places.
//!
//! **Fixed scales.** A [`Figure`] has the range and resolution of a [`Fixed`]
//! (10⁻⁸ in an `i64`); a [`Money`] those of an `i128` count of 10⁻¹⁶, so the
//! product of two figures (a quantity times a price) is always exact. Each is
//! stored as an integer mantissa at its own places (as `Decimal` stores it),
//! so turning it into its `Decimal` costs nothing; sums and comparisons line
//! the mantissas up with one multiplication by a power of ten, never a
//! division.
//!
//! **Places.** Each number also carries the decimal places a `Decimal` would
//! print for it, following `Decimal`'s own rules: a sum or difference has the
//! larger places of its terms, a product the sum of its factors' places
//! (`100 × 97.3100` prints `9731.0000`). That is what keeps every report,
//! journal row and log line byte-identical to the `Decimal` arithmetic it
//! replaces; value comparisons (`==`, `<`) ignore it, as `Decimal`'s do.
//!
//! **Range and overflow.** A figure has at most 8 places; money at most 16
//! and a magnitude below 2⁹⁶ × 10⁻¹⁶ (about 7.9 × 10¹²), so it always has an
//! exact `Decimal`. Every operation is checked: it returns `None` (or an
//! error when converting) instead of wrapping or rounding, and what to do
//! then — the portfolio refuses the fill or the mark — is the caller's
//! policy. Never uses a float.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use rust_decimal::Decimal;

use crate::domain::fixed::{Fixed, FixedError, POW10_WIDE as POW10, SCALE};

/// Decimal places of a [`Money`]'s raw count.
pub const MONEY_SCALE: u32 = 2 * SCALE;

/// The largest magnitude of a [`Money`]'s raw count: 2⁹⁶ − 1, `Decimal`'s
/// mantissa limit, so that [`Money::to_decimal`] is always exact.
const MONEY_MAX_RAW: i128 = (1 << 96) - 1;

/// `MAX_MANTISSA[p]`: the largest mantissa at `p` places whose value stays
/// within [`MONEY_MAX_RAW`] units of 10⁻¹⁶.
const MAX_MANTISSA: [u128; MONEY_SCALE as usize + 1] = {
    let mut t = [0u128; MONEY_SCALE as usize + 1];
    let mut p = 0;
    while p < t.len() {
        t[p] = MONEY_MAX_RAW as u128 / POW10[MONEY_SCALE as usize - p] as u128;
        p += 1;
    }
    t
};

/// A price or a quantity: a [`Fixed`] and the decimal places it prints with,
/// held as `mantissa × 10^-places` (so it becomes its `Decimal` for free).
/// The default is [`Figure::ZERO`].
///
/// Invariant: `places ≤ 8` and the value fits a [`Fixed`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Figure {
    mantissa: i64,
    places: u8,
}

/// An amount of money at 10⁻¹⁶ and the decimal places it prints with, held as
/// `mantissa × 10^-places`. The default is [`Money::ZERO`].
///
/// Invariant: `places ≤ 16` and the value in 10⁻¹⁶ units (its [`Money::raw`])
/// is below 2⁹⁶ in magnitude, so lining two amounts up never overflows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Money {
    mantissa: i128,
    places: u8,
}

impl Figure {
    /// 0, printed `0`.
    pub const ZERO: Figure = Figure {
        mantissa: 0,
        places: 0,
    };

    /// `d` exactly, with its places.
    ///
    /// # Errors
    /// [`FixedError::TooPrecise`] when `d` is written with more than 8
    /// places, [`FixedError::OutOfRange`] beyond [`Fixed`]'s range.
    pub fn from_decimal(d: Decimal) -> Result<Self, FixedError> {
        if d.scale() > SCALE {
            return Err(FixedError::TooPrecise(d));
        }
        Fixed::from_decimal(d)?;
        Ok(Self {
            // In range: the value (mantissa × 10^(8 − scale)) fits an i64.
            mantissa: d.mantissa() as i64,
            places: d.scale() as u8,
        })
    }

    /// This figure as the `Decimal` it was made from.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.mantissa, u32::from(self.places))
    }

    /// The value.
    pub fn fixed(self) -> Fixed {
        Fixed::from_raw(self.mantissa * POW10[(SCALE - u32::from(self.places)) as usize] as i64)
    }

    /// True when 0.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// Orders by value.
    fn value_cmp(&self, other: &Self) -> Ordering {
        self.fixed().cmp(&other.fixed())
    }

    /// True when > 0.
    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    /// `self − rhs`, `None` beyond [`Fixed`]'s range.
    pub fn checked_sub(self, rhs: Figure) -> Option<Figure> {
        if let Some(zero_term) = zero_rule(self, rhs, true) {
            return Some(zero_term);
        }
        let places = self.places.max(rhs.places);
        let up = |f: Figure| f.mantissa * POW10[usize::from(places - f.places)] as i64;
        let mantissa = up(self).checked_sub(up(rhs))?;
        mantissa.checked_mul(POW10[usize::from(SCALE as u8 - places)] as i64)?;
        Some(Self { mantissa, places })
    }

    /// `self × rhs` as money (exact), `None` beyond [`Money`]'s range. A
    /// zero factor gives [`Money::ZERO`] (no places), as `Decimal` does.
    pub fn times(self, rhs: Figure) -> Option<Money> {
        if self.is_zero() || rhs.is_zero() {
            return Some(Money::ZERO);
        }
        Money::from_parts(
            i128::from(self.mantissa) * i128::from(rhs.mantissa),
            self.places + rhs.places,
        )
    }
}

impl Money {
    /// 0, printed `0`.
    pub const ZERO: Money = Money {
        mantissa: 0,
        places: 0,
    };

    /// `mantissa × 10^-places` when it keeps the invariant (a compare with a
    /// table entry: a checked `i128` multiplication is slow).
    fn from_parts(mantissa: i128, places: u8) -> Option<Self> {
        let bound = *MAX_MANTISSA.get(usize::from(places))?;
        (mantissa.unsigned_abs() <= bound).then_some(Self { mantissa, places })
    }

    /// `d` exactly, with its places.
    ///
    /// # Errors
    /// [`FixedError::TooPrecise`] for more than 16 places,
    /// [`FixedError::OutOfRange`] beyond about ±7.9 × 10¹².
    pub fn from_decimal(d: Decimal) -> Result<Self, FixedError> {
        if d.scale() > MONEY_SCALE {
            return Err(FixedError::TooPrecise(d));
        }
        Self::from_parts(d.mantissa(), d.scale() as u8).ok_or(FixedError::OutOfRange(d))
    }

    /// This amount as a `Decimal`, with its places (exact).
    pub fn to_decimal(self) -> Decimal {
        Decimal::try_from_i128_with_scale(self.mantissa, u32::from(self.places))
            .unwrap_or_else(|_| unreachable!("money stays below 2^96 by construction"))
    }

    /// The value in 10⁻¹⁶ units.
    pub fn raw(self) -> i128 {
        self.up(MONEY_SCALE as u8)
    }

    /// Orders by value, lining the two up only when their places differ.
    fn value_cmp(&self, other: &Self) -> Ordering {
        let places = self.places.max(other.places);
        self.up(places).cmp(&other.up(places))
    }

    /// True when 0.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// `self + rhs`, `None` beyond the range.
    pub fn checked_add(self, rhs: Money) -> Option<Money> {
        if let Some(zero_term) = zero_rule(self, rhs, false) {
            return Some(zero_term);
        }
        let places = self.places.max(rhs.places);
        Self::from_parts(self.up(places).checked_add(rhs.up(places))?, places)
    }

    /// `self − rhs`, `None` beyond the range.
    pub fn checked_sub(self, rhs: Money) -> Option<Money> {
        if let Some(zero_term) = zero_rule(self, rhs, true) {
            return Some(zero_term);
        }
        let places = self.places.max(rhs.places);
        Self::from_parts(self.up(places).checked_sub(rhs.up(places))?, places)
    }

    /// The mantissa at `places` (≥ its own; cannot overflow by the invariant).
    fn up(self, places: u8) -> i128 {
        if places == self.places {
            return self.mantissa;
        }
        self.mantissa * POW10[usize::from(places - self.places)]
    }
}

/// `Decimal`'s rule for a sum or difference with a zero term, which keeps
/// the other term as it is, places included, rather than lining the two up:
/// `0 ± b` is `±b` (`b` itself when it is zero too), `a ± 0` is `a`.
fn zero_rule<T: Term>(a: T, b: T, subtract: bool) -> Option<T> {
    if a.zero() {
        return Some(if subtract && !b.zero() { b.negate() } else { b });
    }
    b.zero().then_some(a)
}

/// What [`zero_rule`] needs of a number.
trait Term: Copy {
    fn zero(self) -> bool;
    fn negate(self) -> Self;
}

impl Term for Figure {
    fn zero(self) -> bool {
        self.is_zero()
    }

    fn negate(self) -> Self {
        Self {
            mantissa: -self.mantissa,
            ..self
        }
    }
}

impl Term for Money {
    fn zero(self) -> bool {
        self.is_zero()
    }

    fn negate(self) -> Self {
        Self {
            mantissa: -self.mantissa,
            ..self
        }
    }
}

impl TryFrom<Decimal> for Figure {
    type Error = FixedError;

    fn try_from(d: Decimal) -> Result<Self, FixedError> {
        Self::from_decimal(d)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = FixedError;

    fn try_from(d: Decimal) -> Result<Self, FixedError> {
        Self::from_decimal(d)
    }
}

/// Equality, order and hash by value only, as `Decimal`'s: `1.0 == 1.00`.
macro_rules! by_value {
    ($ty:ty, $key:ident) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == Ordering::Equal
            }
        }
        impl Eq for $ty {}
        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> Ordering {
                self.value_cmp(other)
            }
        }
        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.$key().hash(state);
            }
        }
    };
}

by_value!(Figure, fixed);
by_value!(Money, raw);

#[cfg(test)]
#[path = "money_tests.rs"]
mod tests;
