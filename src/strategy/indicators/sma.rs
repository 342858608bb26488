//! [`Sma`]: simple moving average over a ring buffer with a running sum.

use rust_decimal::Decimal;

use super::ZeroPeriod;

/// Simple moving average of the last `period` values.
///
/// Guarantees: O(1) per update (one add, one subtract, one divide), no
/// allocation after [`Sma::new`], and an exact running sum (Decimal addition
/// does not drift the way floating point does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sma {
    window: Vec<Decimal>,
    next: usize,
    count: usize,
    sum: Decimal,
    divisor: Decimal,
}

impl Sma {
    /// An empty average over `period` values.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when `period` is 0.
    pub fn new(period: usize) -> Result<Self, ZeroPeriod> {
        if period == 0 {
            return Err(ZeroPeriod);
        }
        Ok(Self {
            window: vec![Decimal::ZERO; period],
            next: 0,
            count: 0,
            sum: Decimal::ZERO,
            divisor: Decimal::from(period),
        })
    }

    /// Adds a value; returns the average once `period` values have arrived.
    pub fn update(&mut self, value: Decimal) -> Option<Decimal> {
        self.push(value);
        self.value()
    }

    /// Adds a value without computing the average (saves the division when a
    /// caller only compares sums, see [`Sma::sum`]).
    pub fn push(&mut self, value: Decimal) {
        let slot = &mut self.window[self.next];
        self.sum = self.sum - *slot + value;
        *slot = value;
        self.next += 1;
        if self.next == self.window.len() {
            self.next = 0;
        }
        if self.count < self.window.len() {
            self.count += 1;
        }
    }

    /// The average of the last `period` values, `None` until that many arrived.
    pub fn value(&self) -> Option<Decimal> {
        self.is_ready().then(|| self.sum / self.divisor)
    }

    /// Sum of the values in the window (of fewer than `period` while warming up).
    pub fn sum(&self) -> Decimal {
        self.sum
    }

    /// Whether `period` values have arrived.
    pub fn is_ready(&self) -> bool {
        self.count == self.window.len()
    }

    /// The window length.
    pub fn period(&self) -> usize {
        self.window.len()
    }

    /// Forgets every value (keeps the storage).
    pub fn reset(&mut self) {
        self.window.iter_mut().for_each(|v| *v = Decimal::ZERO);
        self.next = 0;
        self.count = 0;
        self.sum = Decimal::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn three_period_average_by_hand() {
        let mut sma = Sma::new(3).unwrap();
        assert_eq!(sma.update(dec!(10)), None);
        assert_eq!(sma.update(dec!(11)), None);
        // (10 + 11 + 12) / 3 = 33 / 3 = 11
        assert_eq!(sma.update(dec!(12)), Some(dec!(11)));
        // (11 + 12 + 16) / 3 = 39 / 3 = 13
        assert_eq!(sma.update(dec!(16)), Some(dec!(13)));
        // (12 + 16 + 2) / 3 = 30 / 3 = 10
        assert_eq!(sma.update(dec!(2)), Some(dec!(10)));
        assert_eq!(sma.sum(), dec!(30));
        // (16 + 2 + 0.5) / 3 = 18.5 / 3 = 6.1666…
        assert_eq!(sma.update(dec!(0.5)).unwrap().round_dp(4), dec!(6.1667));
        assert_eq!(sma.value().unwrap().round_dp(4), dec!(6.1667));
    }

    #[test]
    fn running_sum_stays_exact_over_many_updates() {
        let mut sma = Sma::new(4).unwrap();
        for _ in 0..100_000 {
            sma.push(dec!(0.1));
        }
        // Four values of 0.1 in the window: sum exactly 0.4, mean exactly 0.1.
        assert_eq!(sma.sum(), dec!(0.4));
        assert_eq!(sma.value(), Some(dec!(0.1)));
    }

    #[test]
    fn period_one_is_the_value_and_reset_forgets() {
        assert_eq!(Sma::new(0), Err(ZeroPeriod));
        let mut sma = Sma::new(1).unwrap();
        assert_eq!(sma.update(dec!(7)), Some(dec!(7)));
        assert_eq!(sma.update(dec!(9)), Some(dec!(9)));
        sma.reset();
        assert_eq!(sma.value(), None);
        assert_eq!(sma.sum(), Decimal::ZERO);
        assert_eq!(sma.period(), 1);
    }
}
