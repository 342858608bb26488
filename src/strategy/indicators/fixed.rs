//! The exact fixed-point numbers the indicators compute with internally:
//! `i128` counts of 10⁻¹² ([`SCALE`] decimal places).
//!
//! Why: `Decimal` add/compare costs 5–15 ns and a division with a repeating
//! result (Wilder smoothing) far more, while `i128` arithmetic costs about a
//! nanosecond. Any price (at most 12 decimal places) converts exactly, so a
//! running sum stays exact; only results of divisions (averages, Wilder
//! smoothing) are rounded, at the 12th decimal place, half away from zero.
//! Inputs are clamped to ±[`LIMIT`] so no sum or product can overflow.

use rust_decimal::Decimal;

/// Decimal places kept.
pub const SCALE: u32 = 12;

/// 1 in fixed-point units.
pub const ONE: i128 = 1_000_000_000_000;

/// Largest magnitude kept: 10¹⁵ (one quadrillion) in fixed-point units.
pub const LIMIT: i128 = 1_000_000_000_000_000 * ONE;

const POW10: [i128; 29] = {
    let mut table = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// `numerator / divisor` rounded half away from zero (`divisor > 0`).
pub fn div_round(numerator: i128, divisor: i128) -> i128 {
    let quotient = numerator / divisor;
    let remainder = numerator % divisor;
    if remainder.abs() * 2 >= divisor {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// `a × b`, saturating instead of overflowing. Operands that fit in 64 bits
/// (every realistic price, sum and level) take one machine multiply; only
/// the others pay for the overflow check.
pub fn mul(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) => i128::from(x) * i128::from(y),
        _ => a.saturating_mul(b),
    }
}

/// `value` in fixed-point units: exact up to 12 decimal places, clamped to ±[`LIMIT`].
pub fn from_decimal(value: Decimal) -> i128 {
    let mantissa = value.mantissa();
    let scale = value.scale();
    let fixed = if scale <= SCALE {
        mul(mantissa, POW10[(SCALE - scale) as usize])
    } else {
        div_round(mantissa, POW10[(scale - SCALE) as usize])
    };
    fixed.clamp(-LIMIT, LIMIT)
}

/// Fixed-point units back to a normalized [`Decimal`] (exact: |value| ≤ LIMIT
/// always fits).
pub fn to_decimal(value: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(value.clamp(-LIMIT, LIMIT), SCALE)
        .map(|d| d.normalize())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn converts_exactly_and_rounds_beyond_twelve_places() {
        assert_eq!(from_decimal(dec!(97.3100)), 97_310_000_000_000);
        assert_eq!(from_decimal(dec!(-0.5)), -500_000_000_000);
        assert_eq!(to_decimal(97_310_000_000_000), dec!(97.31));
        assert_eq!(to_decimal(97_310_000_000_000).to_string(), "97.31");
        // 0.1234567890125 has 13 places: the 5 rounds away from zero.
        assert_eq!(from_decimal(dec!(0.1234567890125)), 123_456_789_013);
        assert_eq!(from_decimal(dec!(-0.1234567890125)), -123_456_789_013);
        assert_eq!(from_decimal(dec!(0.1234567890124)), 123_456_789_012);
        assert_eq!(from_decimal(Decimal::MAX), LIMIT);
        assert_eq!(to_decimal(LIMIT), dec!(1000000000000000));
    }

    #[test]
    fn multiplication_saturates_only_when_it_must() {
        assert_eq!(mul(3, -4), -12);
        assert_eq!(mul(i128::from(i64::MAX), 2), i128::from(i64::MAX) * 2);
        assert_eq!(mul(i128::MAX / 2, 3), i128::MAX);
        assert_eq!(mul(i128::MIN / 2, 3), i128::MIN);
    }

    #[test]
    fn division_rounds_half_away_from_zero() {
        assert_eq!(div_round(7, 2), 4); // 3.5 → 4
        assert_eq!(div_round(-7, 2), -4); // −3.5 → −4
        assert_eq!(div_round(10, 3), 3); // 3.33 → 3
        assert_eq!(div_round(-11, 3), -4); // −3.67 → −4
        assert_eq!(div_round(6, 3), 2);
    }
}
