//! Allocation-free display wrappers for the numbers in risk messages: money
//! (`$228,000.00`), fractions as percentages (`15%`) and share counts.
//! Formatting happens only when a message is shown, never while deciding.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount in account currency, shown as `$1,234.57` / `-$12.00`
/// (rounded half away from zero to cents, thousands separated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub Decimal);

/// A fraction shown as a percentage with at most two decimals: `0.15` → `15%`,
/// `0.02125` → `2.13%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent(pub Decimal);

/// A quantity without trailing zeros: `1200.00` → `1200`, `-0.5` → `-0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares(pub Decimal);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = self
            .0
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        // round_dp leaves a scale ≤ 2; bring the mantissa to whole cents.
        let cents = rounded.mantissa().unsigned_abs() * 10u128.pow(2 - rounded.scale().min(2));
        if rounded.is_sign_negative() && cents != 0 {
            f.write_str("-")?;
        }
        f.write_str("$")?;
        write_grouped(f, cents / 100)?;
        write!(f, ".{:02}", cents % 100)
    }
}

fn write_grouped(f: &mut fmt::Formatter<'_>, n: u128) -> fmt::Result {
    if n >= 1000 {
        write_grouped(f, n / 1000)?;
        write!(f, ",{:03}", n % 1000)
    } else {
        write!(f, "{n}")
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = (self.0 * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .normalize();
        write!(f, "{pct}%")
    }
}

impl fmt::Display for Shares {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn money() {
        assert_eq!(Money(dec!(228000)).to_string(), "$228,000.00");
        assert_eq!(Money(dec!(1234567.891)).to_string(), "$1,234,567.89");
        assert_eq!(Money(dec!(0.005)).to_string(), "$0.01");
        assert_eq!(Money(dec!(-12)).to_string(), "-$12.00");
        assert_eq!(Money(dec!(-0.001)).to_string(), "$0.00");
        assert_eq!(Money(dec!(999.999)).to_string(), "$1,000.00");
    }

    #[test]
    fn percent_and_shares() {
        assert_eq!(Percent(dec!(0.15)).to_string(), "15%");
        assert_eq!(Percent(dec!(0.02125)).to_string(), "2.13%");
        assert_eq!(Percent(dec!(0.0005)).to_string(), "0.05%");
        assert_eq!(Shares(dec!(1200.00)).to_string(), "1200");
        assert_eq!(Shares(dec!(-0.50)).to_string(), "-0.5");
    }
}
