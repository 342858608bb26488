//! [`Fixed`]: an exact fixed-point number for hot paths — a signed count of
//! 10⁻⁸ units in an `i64` — and its exact conversions from and to `Decimal`.
//!
//! **Why 10⁻⁸.** It holds every IB price tick (the finest, 0.0001 below $1,
//! is 10 000 units) and every percentage a config gives to 8 places, while
//! `i64::MAX` units are still about 9.2 × 10¹⁰ account-currency units, above
//! the 10¹⁰ the bot must handle. A finer scale (10⁻⁹) would leave only
//! 9.2 × 10⁹, too little for money.
//!
//! **Exact or nothing.** [`Fixed::from_decimal`] refuses (never rounds) a value
//! with a non-zero digit beyond 10⁻⁸ or outside the `i64` range, and says
//! which; [`Fixed::to_decimal`] is always exact. Arithmetic is checked:
//! `checked_*` return `None` on overflow (and, for a product, when it needs
//! more than 8 places), never wrap and never round. [`Fixed::mul_wide`] gives
//! the exact product at 10⁻¹⁶ in an `i128` (it cannot overflow), for
//! comparisons such as `quantity × price > limit`.
//!
//! Owns only the number; what a caller does with an overflow (the risk gate
//! refuses) is the caller's policy. Never uses a float.

use rust_decimal::Decimal;

/// Decimal places of a [`Fixed`].
pub const SCALE: u32 = 8;

/// Units in one: 10^[`SCALE`].
pub const ONE_RAW: i64 = 100_000_000;

/// An exact number with 8 decimal places: `raw × 10⁻⁸`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed(i64);

/// Why a `Decimal` has no exact [`Fixed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FixedError {
    /// A non-zero digit beyond the 8th decimal place.
    #[error("{0} has more than {SCALE} decimal places")]
    TooPrecise(Decimal),
    /// Beyond ±`i64::MAX` × 10⁻⁸ (about ±9.2 × 10¹⁰).
    #[error("{0} is out of the fixed-point range")]
    OutOfRange(Decimal),
}

/// `POW10_WIDE[k]` = 10^k for k ≤ 28 (`Decimal`'s largest scale), exactly:
/// the one table of powers of ten for [`Fixed`] and
/// [`money`](crate::domain::money).
pub(crate) const POW10_WIDE: [i128; 29] = {
    let mut t = [1i128; 29];
    let mut k = 1;
    while k < t.len() {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// `POW10[k]` = 10^k for k ≤ [`SCALE`]: the factor from `k` places up to 8.
const POW10: [i64; SCALE as usize + 1] = {
    let mut t = [1i64; SCALE as usize + 1];
    let mut k = 0;
    while k < t.len() {
        t[k] = POW10_WIDE[k] as i64;
        k += 1;
    }
    t
};

impl Fixed {
    /// 0.
    pub const ZERO: Fixed = Fixed(0);
    /// 1.
    pub const ONE: Fixed = Fixed(ONE_RAW);

    /// The number `raw × 10⁻⁸`.
    pub const fn from_raw(raw: i64) -> Self {
        Self(raw)
    }

    /// The count of 10⁻⁸ units.
    pub const fn raw(self) -> i64 {
        self.0
    }

    /// The whole number `n`, or `None` beyond the range.
    pub const fn from_int(n: i64) -> Option<Self> {
        match n.checked_mul(ONE_RAW) {
            Some(raw) => Some(Self(raw)),
            None => None,
        }
    }

    /// `d` exactly.
    ///
    /// # Errors
    /// [`FixedError::TooPrecise`] for a non-zero digit beyond 10⁻⁸,
    /// [`FixedError::OutOfRange`] beyond the `i64` range; never rounds.
    pub fn from_decimal(d: Decimal) -> Result<Self, FixedError> {
        let mantissa = d.mantissa();
        let scale = d.scale();
        let raw = if scale <= SCALE {
            // The common case (≤ 8 places) in i64 arithmetic.
            i64::try_from(mantissa)
                .ok()
                .and_then(|m| m.checked_mul(POW10[(SCALE - scale) as usize]))
        } else {
            let divisor = POW10_WIDE[(scale - SCALE) as usize];
            if mantissa % divisor != 0 {
                return Err(FixedError::TooPrecise(d));
            }
            i64::try_from(mantissa / divisor).ok()
        };
        raw.map(Self).ok_or(FixedError::OutOfRange(d))
    }

    /// This number as a `Decimal` with 8 decimal places (exact).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, SCALE)
    }

    /// This number as a `Decimal` with `scale` decimal places, or `None` when
    /// that would drop a non-zero digit (`scale` < 8) or exceed 28 places.
    pub fn to_decimal_scaled(self, scale: u32) -> Option<Decimal> {
        if scale > 28 {
            return None;
        }
        if scale >= SCALE {
            let raw = i128::from(self.0).checked_mul(POW10_WIDE[(scale - SCALE) as usize])?;
            return Decimal::try_from_i128_with_scale(raw, scale).ok();
        }
        let divisor = POW10[(SCALE - scale) as usize];
        (self.0 % divisor == 0).then(|| Decimal::new(self.0 / divisor, scale))
    }

    /// `self + rhs`, `None` on overflow.
    pub fn checked_add(self, rhs: Fixed) -> Option<Fixed> {
        self.0.checked_add(rhs.0).map(Self)
    }

    /// `self − rhs`, `None` on overflow.
    pub fn checked_sub(self, rhs: Fixed) -> Option<Fixed> {
        self.0.checked_sub(rhs.0).map(Self)
    }

    /// `self × rhs`, `None` when the exact product needs more than 8 decimal
    /// places or overflows (never rounds).
    pub fn checked_mul(self, rhs: Fixed) -> Option<Fixed> {
        let wide = self.mul_wide(rhs);
        let one = i128::from(ONE_RAW);
        if wide % one != 0 {
            return None;
        }
        i64::try_from(wide / one).ok().map(Self)
    }

    /// The exact product in 10⁻¹⁶ units (an `i64 × i64` product always fits
    /// an `i128`). Compare it with [`Fixed::wide`] of a limit.
    pub fn mul_wide(self, rhs: Fixed) -> i128 {
        i128::from(self.0) * i128::from(rhs.0)
    }

    /// This number in 10⁻¹⁶ units, to compare with a [`Fixed::mul_wide`] product.
    pub fn wide(self) -> i128 {
        i128::from(self.0) * i128::from(ONE_RAW)
    }

    /// |self|, `None` for the one value without a positive counterpart.
    pub fn checked_abs(self) -> Option<Fixed> {
        self.0.checked_abs().map(Self)
    }

    /// True when > 0.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// True when 0.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl TryFrom<Decimal> for Fixed {
    type Error = FixedError;

    fn try_from(d: Decimal) -> Result<Self, FixedError> {
        Self::from_decimal(d)
    }
}

impl From<Fixed> for Decimal {
    fn from(f: Fixed) -> Decimal {
        f.to_decimal()
    }
}

#[cfg(test)]
#[path = "fixed_tests.rs"]
mod tests;
