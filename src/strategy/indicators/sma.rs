//! [`Sma`]: simple moving average over a ring buffer with a running sum.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::fixed::{from_decimal, mul, to_decimal};
use super::ZeroPeriod;

/// Simple moving average of the last `period` values.
///
/// Guarantees: O(1) per update (one subtraction and one addition of
/// fixed-point integers), no allocation after [`Sma::new`], and an exact
/// running sum for values with up to 12 decimal places (see
/// [`fixed`](super::fixed)) — no drift however long it runs. Only
/// [`value`](Sma::value) divides; [`cmp_mean`](Sma::cmp_mean) compares two
/// averages without dividing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sma {
    window: Vec<i128>,
    next: usize,
    count: usize,
    sum: i128,
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
            window: vec![0; period],
            next: 0,
            count: 0,
            sum: 0,
        })
    }

    /// Adds a value; returns the average once `period` values have arrived.
    pub fn update(&mut self, value: Decimal) -> Option<Decimal> {
        self.push(value);
        self.value()
    }

    /// Adds a value without computing the average; returns whether `period`
    /// values have arrived.
    pub fn push(&mut self, value: Decimal) -> bool {
        let value = from_decimal(value);
        let slot = &mut self.window[self.next];
        self.sum += value - *slot;
        *slot = value;
        self.next += 1;
        if self.next == self.window.len() {
            self.next = 0;
        }
        if self.count < self.window.len() {
            self.count += 1;
        }
        self.is_ready()
    }

    /// The average of the last `period` values, `None` until that many arrived.
    pub fn value(&self) -> Option<Decimal> {
        self.is_ready()
            .then(|| to_decimal(self.sum) / Decimal::from(self.window.len()))
    }

    /// How this average compares with `other`'s (`sum₁ × period₂` against
    /// `sum₂ × period₁`, exact, no division); `None` until both are ready.
    pub fn cmp_mean(&self, other: &Sma) -> Option<Ordering> {
        if !self.is_ready() || !other.is_ready() {
            return None;
        }
        let left = mul(self.sum, other.window.len() as i128);
        let right = mul(other.sum, self.window.len() as i128);
        Some(left.cmp(&right))
    }

    /// Sum of the values in the window (of fewer than `period` while warming up).
    pub fn sum(&self) -> Decimal {
        to_decimal(self.sum)
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
        self.window.iter_mut().for_each(|v| *v = 0);
        self.next = 0;
        self.count = 0;
        self.sum = 0;
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
        for i in 0..100_000 {
            sma.push(Decimal::new(97_3100 + (i % 13) * 7, 4));
        }
        for _ in 0..4 {
            sma.push(dec!(0.1));
        }
        // Four values of 0.1 in the window: sum exactly 0.4, mean exactly 0.1.
        assert_eq!(sma.sum(), dec!(0.4));
        assert_eq!(sma.value(), Some(dec!(0.1)));
    }

    #[test]
    fn matches_a_plain_decimal_average_on_four_decimal_prices() {
        let mut sma = Sma::new(7).unwrap();
        let mut state: u64 = 42;
        let mut prices = Vec::new();
        for _ in 0..500 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            prices.push(Decimal::new(90_0000 + (state >> 44) as i64 % 20_0000, 4));
            let value = sma.update(*prices.last().unwrap());
            let expected = (prices.len() >= 7)
                .then(|| prices[prices.len() - 7..].iter().sum::<Decimal>() / Decimal::from(7));
            assert_eq!(value, expected);
        }
    }

    #[test]
    fn compares_means_without_dividing() {
        let (mut fast, mut slow) = (Sma::new(2).unwrap(), Sma::new(3).unwrap());
        for v in [dec!(1), dec!(2)] {
            fast.push(v);
            slow.push(v);
        }
        assert_eq!(fast.cmp_mean(&slow), None);
        slow.push(dec!(3));
        fast.push(dec!(3));
        // fast (2+3)/2 = 2.5 > slow (1+2+3)/3 = 2
        assert_eq!(fast.cmp_mean(&slow), Some(Ordering::Greater));
        fast.push(dec!(1.5));
        slow.push(dec!(1.5));
        // fast (3+1.5)/2 = 2.25 > slow (2+3+1.5)/3 = 6.5/3 = 2.1667
        assert_eq!(fast.cmp_mean(&slow), Some(Ordering::Greater));
        fast.push(dec!(1.5));
        slow.push(dec!(1.5));
        // fast (1.5+1.5)/2 = 1.5 < slow (3+1.5+1.5)/3 = 2
        assert_eq!(fast.cmp_mean(&slow), Some(Ordering::Less));
        let mut same = Sma::new(4).unwrap();
        for v in [dec!(1), dec!(2), dec!(3), dec!(2)] {
            same.push(v);
        }
        let mut other = Sma::new(2).unwrap();
        other.push(dec!(1));
        other.push(dec!(3));
        // 8/4 = 2 = 4/2
        assert_eq!(same.cmp_mean(&other), Some(Ordering::Equal));
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
