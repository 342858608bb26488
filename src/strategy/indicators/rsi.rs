//! [`Rsi`]: Wilder's relative strength index.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::fixed::{div_round, from_decimal, mul, to_decimal, ONE};
use super::ZeroPeriod;

/// Relative strength index with Wilder's smoothing, in [0, 100].
///
/// The first value needs `period + 1` prices: the average gain and loss are
/// the simple averages of the first `period` changes; after that
/// `avg = (avg × (period − 1) + change) / period`. The index is
/// `100 × avg_gain / (avg_gain + avg_loss)` (the same as `100 − 100 / (1 + RS)`),
/// 50 when prices have not moved at all.
///
/// Guarantees: O(1) per update, no allocation. The averages are kept in exact
/// fixed point rounded at the 12th decimal place (see [`fixed`](super::fixed));
/// [`compare`](Rsi::compare) tests the index against a level without dividing,
/// [`value`](Rsi::value) divides on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsi {
    period: i128,
    previous: Option<i128>,
    changes: i128,
    avg_gain: i128,
    avg_loss: i128,
}

impl Rsi {
    /// An empty index over `period` changes.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when `period` is 0.
    pub fn new(period: usize) -> Result<Self, ZeroPeriod> {
        if period == 0 {
            return Err(ZeroPeriod);
        }
        Ok(Self {
            period: period as i128,
            previous: None,
            changes: 0,
            avg_gain: 0,
            avg_loss: 0,
        })
    }

    /// Adds a price; returns the index once `period + 1` prices have arrived.
    pub fn update(&mut self, price: Decimal) -> Option<Decimal> {
        self.push(price);
        self.value()
    }

    /// Adds a price without computing the index; returns whether it is ready.
    pub fn push(&mut self, price: Decimal) -> bool {
        let price = from_decimal(price);
        let Some(previous) = self.previous.replace(price) else {
            return false;
        };
        let change = price - previous;
        let (gain, loss) = (change.max(0), (-change).max(0));
        if self.changes < self.period {
            // Seeding: accumulate sums, divide once when complete.
            self.avg_gain += gain;
            self.avg_loss += loss;
            self.changes += 1;
            if self.changes < self.period {
                return false;
            }
            self.avg_gain = div_round(self.avg_gain, self.period);
            self.avg_loss = div_round(self.avg_loss, self.period);
        } else {
            let keep = self.period - 1;
            self.avg_gain = div_round(mul(self.avg_gain, keep) + gain, self.period);
            self.avg_loss = div_round(mul(self.avg_loss, keep) + loss, self.period);
        }
        true
    }

    /// Whether `period + 1` prices have arrived.
    pub fn is_ready(&self) -> bool {
        self.changes == self.period
    }

    /// The latest index, `None` until `period + 1` prices have arrived.
    pub fn value(&self) -> Option<Decimal> {
        if !self.is_ready() {
            return None;
        }
        let total = self.avg_gain + self.avg_loss;
        if total == 0 {
            return Some(Decimal::from(50));
        }
        Some(Decimal::ONE_HUNDRED * to_decimal(self.avg_gain) / to_decimal(total))
    }

    /// How the index compares with `level` (`rsi.cmp(level)`), computed as
    /// `100 × avg_gain` against `level × (avg_gain + avg_loss)`: no division.
    /// `None` until ready.
    pub fn compare(&self, level: Decimal) -> Option<Ordering> {
        if !self.is_ready() {
            return None;
        }
        let level = from_decimal(level);
        let total = self.avg_gain + self.avg_loss;
        if total == 0 {
            return Some((50 * ONE).cmp(&level));
        }
        let left = mul(self.avg_gain, 100 * ONE);
        let right = mul(level, total);
        Some(left.cmp(&right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn wilder_rsi_by_hand() {
        assert_eq!(Rsi::new(0), Err(ZeroPeriod));
        let mut rsi = Rsi::new(2).unwrap();
        assert_eq!(rsi.update(dec!(10)), None);
        // change +2: gain 2, loss 0 (1 of 2 changes)
        assert_eq!(rsi.update(dec!(12)), None);
        // change −1: seed avg_gain = (2 + 0) / 2 = 1, avg_loss = (0 + 1) / 2 = 0.5
        // RSI = 100 × 1 / 1.5 = 66.666…
        assert_eq!(rsi.update(dec!(11)).unwrap().round_dp(4), dec!(66.6667));
        // change +3: avg_gain = (1 × 1 + 3) / 2 = 2, avg_loss = (0.5 × 1 + 0) / 2 = 0.25
        // RSI = 100 × 2 / 2.25 = 88.888…
        assert_eq!(rsi.update(dec!(14)).unwrap().round_dp(4), dec!(88.8889));
        // change −4: avg_gain = (2 + 0) / 2 = 1, avg_loss = (0.25 + 4) / 2 = 2.125
        // RSI = 100 × 1 / 3.125 = 32 exactly
        assert_eq!(rsi.update(dec!(10)), Some(dec!(32)));
        assert_eq!(rsi.compare(dec!(32)), Some(Ordering::Equal));
        assert_eq!(rsi.compare(dec!(31.99)), Some(Ordering::Greater));
        assert_eq!(rsi.compare(dec!(32.01)), Some(Ordering::Less));
        // change 0: avg_gain = 1 / 2 = 0.5, avg_loss = 2.125 / 2 = 1.0625
        // RSI = 100 × 0.5 / 1.5625 = 32 (the ratio is unchanged)
        assert_eq!(rsi.update(dec!(10)), Some(dec!(32)));
        assert_eq!(rsi.value(), Some(dec!(32)));
    }

    #[test]
    fn period_fourteen_matches_the_textbook_seed() {
        // 15 prices, 14 changes: gains 1+2+3+4+5+6+7 = 28, losses 1+1+1+1+1+1+1 = 7.
        // avg_gain = 28 / 14 = 2, avg_loss = 7 / 14 = 0.5, RSI = 100 × 2 / 2.5 = 80.
        let mut rsi = Rsi::new(14).unwrap();
        let mut price = dec!(100);
        rsi.push(price);
        for step in 1..=7 {
            price += Decimal::from(step);
            assert!(!rsi.is_ready());
            rsi.push(price);
            price -= Decimal::ONE;
            rsi.push(price);
        }
        assert_eq!(rsi.value(), Some(dec!(80)));
        // One more change of −2.5: avg_gain = 2 × 13 / 14 = 1.857142857143 (rounded at 12 places),
        // avg_loss = (0.5 × 13 + 2.5) / 14 = 9 / 14 = 0.642857142857;
        // RSI = 100 × 1.857142857143 / 2.5 = 74.28571428572
        rsi.push(price - dec!(2.5));
        assert_eq!(rsi.value().unwrap().round_dp(8), dec!(74.28571429));
        assert_eq!(rsi.compare(dec!(74.2857)), Some(Ordering::Greater));
        assert_eq!(rsi.compare(dec!(74.2858)), Some(Ordering::Less));
    }

    #[test]
    fn flat_prices_give_fifty_and_only_gains_give_a_hundred() {
        let mut flat = Rsi::new(3).unwrap();
        for _ in 0..4 {
            flat.update(dec!(5));
        }
        assert_eq!(flat.value(), Some(dec!(50)));
        assert_eq!(flat.compare(dec!(50)), Some(Ordering::Equal));
        assert_eq!(flat.compare(dec!(30)), Some(Ordering::Greater));
        let mut rising = Rsi::new(2).unwrap();
        for p in [1, 2, 3, 4] {
            rising.update(Decimal::from(p));
        }
        assert_eq!(rising.value(), Some(dec!(100)));
        assert_eq!(rising.compare(dec!(99.9)), Some(Ordering::Greater));
    }
}
