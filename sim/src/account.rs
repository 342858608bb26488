//! The simulated account: cash, positions, realized and unrealized PnL.
//!
//! Follows IB's conventions: a position's average cost includes the
//! commissions paid to open it, and a closing fill's realized PnL is net of
//! its commission. With those, `net liquidation − starting cash ==
//! realized + unrealized` holds after every fill (property-tested below).
//! All values are `Decimal`. Knows nothing about orders or sockets.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

/// One symbol's holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holding {
    /// Signed quantity (negative = short).
    pub qty: Decimal,
    /// Signed cost basis, commissions included (qty × avg cost).
    pub basis: Decimal,
    /// Realized PnL of this symbol today.
    pub realized: Decimal,
}

impl Holding {
    /// Average cost per share (0 when flat).
    pub fn avg_cost(&self) -> Decimal {
        if self.qty.is_zero() {
            Decimal::ZERO
        } else {
            self.basis / self.qty
        }
    }

    /// Unrealized PnL at `mark`.
    pub fn unrealized(&self, mark: Decimal) -> Decimal {
        self.qty * mark - self.basis
    }
}

/// Cash and holdings of the single simulated account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Account id.
    pub id: String,
    /// Opening cash.
    pub starting_cash: Decimal,
    /// Current cash.
    pub cash: Decimal,
    /// Holdings by symbol (zero-quantity entries stay to keep realized PnL).
    pub holdings: BTreeMap<String, Holding>,
    /// Total commissions paid.
    pub commissions: Decimal,
}

impl Account {
    /// A flat account with `cash`.
    pub fn new(id: &str, cash: Decimal) -> Self {
        Self {
            id: id.to_string(),
            starting_cash: cash,
            cash,
            holdings: BTreeMap::new(),
            commissions: Decimal::ZERO,
        }
    }

    /// Applies a fill of signed `qty` (positive = bought) at `price` paying
    /// `commission`; returns the realized PnL of the closing part, if any.
    pub fn apply_fill(
        &mut self,
        symbol: &str,
        qty: Decimal,
        price: Decimal,
        commission: Decimal,
    ) -> Option<Decimal> {
        // A zero-quantity fill is not a fill: nothing changes.
        if qty.is_zero() {
            return None;
        }
        self.cash -= qty * price + commission;
        self.commissions += commission;
        let h = self.holdings.entry(symbol.to_string()).or_default();
        let same_side = h.qty.is_zero() || (h.qty.is_sign_positive() == qty.is_sign_positive());
        if same_side {
            h.qty += qty;
            h.basis += qty * price + commission;
            return None;
        }
        let closing = qty.abs().min(h.qty.abs());
        let close_commission = commission * closing / qty.abs();
        let open_commission = commission - close_commission;
        let avg = h.avg_cost();
        let direction = if h.qty.is_sign_positive() {
            Decimal::ONE
        } else {
            -Decimal::ONE
        };
        let realized = closing * direction * (price - avg) - close_commission;
        let closed_signed = -closing * direction; // the part of `qty` that closes
        h.basis -= -closed_signed * avg; // remove closed shares at average cost
        h.qty += closed_signed;
        let rest = qty - closed_signed;
        if !rest.is_zero() {
            h.qty += rest;
            h.basis = rest * price + open_commission;
        } else if h.qty.is_zero() {
            h.basis = Decimal::ZERO;
        }
        h.realized += realized;
        Some(realized)
    }

    /// Holding of `symbol`.
    pub fn holding(&self, symbol: &str) -> Holding {
        self.holdings.get(symbol).copied().unwrap_or_default()
    }

    /// Total realized PnL.
    pub fn realized(&self) -> Decimal {
        self.holdings.values().map(|h| h.realized).sum()
    }

    /// Total unrealized PnL given `mark(symbol)`.
    pub fn unrealized(&self, mark: impl Fn(&str) -> Option<Decimal>) -> Decimal {
        self.holdings
            .iter()
            .filter(|(_, h)| !h.qty.is_zero())
            .map(|(s, h)| h.unrealized(mark(s).unwrap_or_else(|| h.avg_cost())))
            .sum()
    }

    /// Market value of all positions.
    pub fn gross_position_value(&self, mark: impl Fn(&str) -> Option<Decimal>) -> Decimal {
        self.holdings
            .iter()
            .map(|(s, h)| (h.qty * mark(s).unwrap_or_else(|| h.avg_cost())).abs())
            .sum()
    }

    /// Cash plus signed market value of all positions.
    pub fn net_liquidation(&self, mark: impl Fn(&str) -> Option<Decimal>) -> Decimal {
        self.cash
            + self
                .holdings
                .iter()
                .map(|(s, h)| h.qty * mark(s).unwrap_or_else(|| h.avg_cost()))
                .sum::<Decimal>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn round_trip_long_includes_commissions() {
        let mut a = Account::new("DU1", dec!(100000));
        assert_eq!(
            a.apply_fill("SPY", dec!(100), dec!(100.00), dec!(1.00)),
            None
        );
        assert_eq!(a.holding("SPY").avg_cost(), dec!(100.01));
        assert_eq!(a.cash, dec!(89999.00));
        // sell at 101 with $1 commission: (101 - 100.01) * 100 - 1 = 98
        assert_eq!(
            a.apply_fill("SPY", dec!(-100), dec!(101.00), dec!(1.00)),
            Some(dec!(98.00))
        );
        assert_eq!(a.holding("SPY").qty, dec!(0));
        assert_eq!(a.cash, dec!(100098.00));
        assert_eq!(a.realized(), dec!(98.00));
    }

    #[test]
    fn short_then_flip_long() {
        let mut a = Account::new("DU1", dec!(10000));
        a.apply_fill("X", dec!(-10), dec!(50), dec!(1));
        assert_eq!(a.holding("X").avg_cost(), dec!(49.9));
        // buy 15 at 40, commission 1.5: closes 10 (commission 1) and opens 5 long
        let r = a.apply_fill("X", dec!(15), dec!(40), dec!(1.5));
        assert_eq!(r, Some(dec!(98))); // 10 * (49.9 - 40) - 1
        let h = a.holding("X");
        assert_eq!((h.qty, h.avg_cost()), (dec!(5), dec!(40.1)));
    }

    proptest! {
        #[test]
        fn net_liq_minus_start_equals_realized_plus_unrealized(
            fills in proptest::collection::vec((-300i64..300, 1i64..20000, 0i64..500), 1..40),
            mark in 1i64..20000,
        ) {
            let mut a = Account::new("DU1", dec!(1000000));
            for (q, p, c) in fills {
                a.apply_fill("S", Decimal::from(q), Decimal::new(p, 2), Decimal::new(c, 2));
            }
            let m = Decimal::new(mark, 2);
            let mark_fn = |_: &str| Some(m);
            let lhs = a.net_liquidation(mark_fn) - a.starting_cash;
            let rhs = a.realized() + a.unrealized(mark_fn);
            prop_assert!((lhs - rhs).abs() < dec!(0.000001), "lhs {} rhs {}", lhs, rhs);
        }
    }
}
