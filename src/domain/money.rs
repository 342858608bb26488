//! [`Figure`] (a price or a quantity) and [`Money`] (an amount): exact
//! fixed-point numbers for the portfolio's per-bar path, which convert to the
//! very `Decimal` the same computation in `Decimal` would give — the same
//! value *and* the same printed decimal places.
//!
//! **Fixed scales.** A [`Figure`] is a [`Fixed`] (an `i64` count of 10⁻⁸); a
//! [`Money`] is an `i128` count of 10⁻¹⁶, so the product of two figures (a
//! quantity times a price) is exact with no division, and sums and
//! comparisons are single integer operations.
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

use crate::domain::fixed::{Fixed, FixedError, SCALE};

/// Decimal places of a [`Money`]'s raw count.
pub const MONEY_SCALE: u32 = 2 * SCALE;

/// The largest magnitude of a [`Money`]'s raw count: 2⁹⁶ − 1, `Decimal`'s
/// mantissa limit, so that [`Money::to_decimal`] is always exact.
const MONEY_MAX_RAW: i128 = (1 << 96) - 1;

/// 10^k for k ≤ 16.
const POW10: [i128; MONEY_SCALE as usize + 1] = {
    let mut t = [1i128; MONEY_SCALE as usize + 1];
    let mut k = 1;
    while k < t.len() {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// A price or a quantity: a [`Fixed`] and the decimal places it prints with.
/// The default is [`Figure::ZERO`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Figure {
    value: Fixed,
    places: u8,
}

/// An amount of money: an `i128` count of 10⁻¹⁶ and the decimal places it
/// prints with. The default is [`Money::ZERO`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Money {
    raw: i128,
    places: u8,
}

impl Figure {
    /// 0, printed `0`.
    pub const ZERO: Figure = Figure {
        value: Fixed::ZERO,
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
        Ok(Self {
            value: Fixed::from_decimal(d)?,
            places: d.scale() as u8,
        })
    }

    /// This figure as the `Decimal` it was made from.
    pub fn to_decimal(self) -> Decimal {
        let divisor = POW10[(SCALE - u32::from(self.places)) as usize] as i64;
        Decimal::new(self.value.raw() / divisor, u32::from(self.places))
    }

    /// The value.
    pub fn fixed(self) -> Fixed {
        self.value
    }

    /// True when 0.
    pub fn is_zero(self) -> bool {
        self.value.is_zero()
    }

    /// True when > 0.
    pub fn is_positive(self) -> bool {
        self.value.is_positive()
    }

    /// `self − rhs`, `None` on overflow.
    pub fn checked_sub(self, rhs: Figure) -> Option<Figure> {
        Some(Self {
            value: self.value.checked_sub(rhs.value)?,
            places: self.places.max(rhs.places),
        })
    }

    /// `self × rhs` as money (exact), `None` beyond [`Money`]'s range.
    pub fn times(self, rhs: Figure) -> Option<Money> {
        Money::from_raw(self.value.mul_wide(rhs.value), self.places + rhs.places)
    }
}

impl Money {
    /// 0, printed `0`.
    pub const ZERO: Money = Money { raw: 0, places: 0 };

    fn from_raw(raw: i128, places: u8) -> Option<Self> {
        (raw.abs() <= MONEY_MAX_RAW).then_some(Self { raw, places })
    }

    /// `d` exactly, with its places.
    ///
    /// # Errors
    /// [`FixedError::TooPrecise`] for more than 16 places,
    /// [`FixedError::OutOfRange`] beyond about ±7.9 × 10¹².
    pub fn from_decimal(d: Decimal) -> Result<Self, FixedError> {
        let places = d.scale();
        if places > MONEY_SCALE {
            return Err(FixedError::TooPrecise(d));
        }
        d.mantissa()
            .checked_mul(POW10[(MONEY_SCALE - places) as usize])
            .and_then(|raw| Self::from_raw(raw, places as u8))
            .ok_or(FixedError::OutOfRange(d))
    }

    /// This amount as a `Decimal`, with its places (exact).
    pub fn to_decimal(self) -> Decimal {
        let places = u32::from(self.places);
        let mantissa = self.raw / POW10[(MONEY_SCALE - places) as usize];
        Decimal::try_from_i128_with_scale(mantissa, places)
            .unwrap_or_else(|_| unreachable!("money stays below 2^96 by construction"))
    }

    /// The count of 10⁻¹⁶.
    pub fn raw(self) -> i128 {
        self.raw
    }

    /// True when 0.
    pub fn is_zero(self) -> bool {
        self.raw == 0
    }

    /// `self + rhs`, `None` beyond the range.
    pub fn checked_add(self, rhs: Money) -> Option<Money> {
        Self::from_raw(self.raw.checked_add(rhs.raw)?, self.places.max(rhs.places))
    }

    /// `self − rhs`, `None` beyond the range.
    pub fn checked_sub(self, rhs: Money) -> Option<Money> {
        Self::from_raw(self.raw.checked_sub(rhs.raw)?, self.places.max(rhs.places))
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
                self.$key == other.$key
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
                self.$key.cmp(&other.$key)
            }
        }
        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.$key.hash(state);
            }
        }
    };
}

by_value!(Figure, value);
by_value!(Money, raw);

#[cfg(test)]
#[path = "money_tests.rs"]
mod tests;
