//! [`Sizing`]: how big a built-in strategy's entries are. Whatever it says,
//! the risk gate still bounds every order.

use rust_decimal::Decimal;

/// Largest `fixed_quantity` accepted, in shares: a typo with extra zeros is
/// refused at load time (the risk gate's notional and position limits still
/// bound every order below it).
pub const MAX_FIXED_QUANTITY: u64 = 1_000_000;

/// The `[sizing]` table of a strategy file: exactly one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    /// `fixed_quantity = N`: every entry is N shares (N a positive whole number).
    FixedQuantity(Decimal),
    /// `fraction_of_equity = f` with 0 < f ≤ 1: every entry is
    /// `floor(equity × f / price)` shares.
    FractionOfEquity(Decimal),
}

impl Sizing {
    /// Shares for one entry at `price` with account `equity`. Zero (meaning
    /// "do not enter") when the price is not positive, equity is not positive,
    /// or the fraction buys less than one share.
    pub fn quantity(&self, equity: Decimal, price: Decimal) -> Decimal {
        match *self {
            Sizing::FixedQuantity(quantity) => quantity,
            Sizing::FractionOfEquity(fraction) => {
                if price <= Decimal::ZERO || equity <= Decimal::ZERO {
                    return Decimal::ZERO;
                }
                (equity * fraction / price).floor()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fixed_and_fractional_sizes_by_hand() {
        assert_eq!(
            Sizing::FixedQuantity(dec!(25)).quantity(dec!(1), dec!(400)),
            dec!(25)
        );
        let tenth = Sizing::FractionOfEquity(dec!(0.1));
        // 100 000 × 0.1 / 412.37 = 24.25… → 24 shares
        assert_eq!(tenth.quantity(dec!(100000), dec!(412.37)), dec!(24));
        // 1 000 × 0.1 / 412.37 = 0.24… → 0: too small to enter
        assert_eq!(tenth.quantity(dec!(1000), dec!(412.37)), dec!(0));
        assert_eq!(tenth.quantity(dec!(100000), dec!(0)), dec!(0));
        assert_eq!(tenth.quantity(dec!(-5), dec!(10)), dec!(0));
    }
}
