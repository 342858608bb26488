//! [`Rsi`]: Wilder's relative strength index.

use rust_decimal::Decimal;

use super::ZeroPeriod;

/// Relative strength index with Wilder's smoothing, in [0, 100].
///
/// The first value needs `period + 1` prices: the average gain and loss are
/// the simple averages of the first `period` changes; after that
/// `avg = (avg × (period − 1) + change) / period`. The index is
/// `100 × avg_gain / (avg_gain + avg_loss)` (the same as `100 − 100 / (1 + RS)`),
/// 50 when prices have not moved at all. O(1) per update, no allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsi {
    period: Decimal,
    periods: usize,
    previous: Option<Decimal>,
    changes: usize,
    avg_gain: Decimal,
    avg_loss: Decimal,
    value: Option<Decimal>,
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
            period: Decimal::from(period),
            periods: period,
            previous: None,
            changes: 0,
            avg_gain: Decimal::ZERO,
            avg_loss: Decimal::ZERO,
            value: None,
        })
    }

    /// Adds a price; returns the index once `period + 1` prices have arrived.
    pub fn update(&mut self, price: Decimal) -> Option<Decimal> {
        let previous = self.previous.replace(price)?;
        let change = price - previous;
        let (gain, loss) = if change > Decimal::ZERO {
            (change, Decimal::ZERO)
        } else {
            (Decimal::ZERO, -change)
        };
        if self.changes < self.periods {
            // Seeding: accumulate sums, divide once when complete.
            self.avg_gain += gain;
            self.avg_loss += loss;
            self.changes += 1;
            if self.changes < self.periods {
                return None;
            }
            self.avg_gain /= self.period;
            self.avg_loss /= self.period;
        } else {
            let keep = self.period - Decimal::ONE;
            self.avg_gain = (self.avg_gain * keep + gain) / self.period;
            self.avg_loss = (self.avg_loss * keep + loss) / self.period;
        }
        let total = self.avg_gain + self.avg_loss;
        let rsi = if total.is_zero() {
            Decimal::from(50)
        } else {
            Decimal::ONE_HUNDRED * self.avg_gain / total
        };
        self.value = Some(rsi);
        self.value
    }

    /// The latest index, `None` until `period + 1` prices have arrived.
    pub fn value(&self) -> Option<Decimal> {
        self.value
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
        // change 0: avg_gain = 1 / 2 = 0.5, avg_loss = 2.125 / 2 = 1.0625
        // RSI = 100 × 0.5 / 1.5625 = 32 (the ratio is unchanged)
        assert_eq!(rsi.update(dec!(10)), Some(dec!(32)));
        assert_eq!(rsi.value(), Some(dec!(32)));
    }

    #[test]
    fn flat_prices_give_fifty_and_only_gains_give_a_hundred() {
        let mut flat = Rsi::new(3).unwrap();
        for _ in 0..4 {
            flat.update(dec!(5));
        }
        assert_eq!(flat.value(), Some(dec!(50)));
        let mut rising = Rsi::new(2).unwrap();
        for p in [1, 2, 3, 4] {
            rising.update(Decimal::from(p));
        }
        assert_eq!(rising.value(), Some(dec!(100)));
    }
}
