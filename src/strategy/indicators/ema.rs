//! [`Ema`]: exponential moving average seeded with the simple average of the
//! first `period` values.

use rust_decimal::Decimal;

use super::ZeroPeriod;

/// Exponential moving average with `alpha = 2 / (period + 1)`.
///
/// The first value is the simple average of the first `period` inputs; after
/// that `ema += alpha × (x − ema)`. O(1) per update, no allocation at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ema {
    period: usize,
    alpha: Decimal,
    seen: usize,
    seed_sum: Decimal,
    value: Option<Decimal>,
}

impl Ema {
    /// An empty average over `period` values.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when `period` is 0.
    pub fn new(period: usize) -> Result<Self, ZeroPeriod> {
        if period == 0 {
            return Err(ZeroPeriod);
        }
        Ok(Self {
            period,
            alpha: Decimal::TWO / Decimal::from(period + 1),
            seen: 0,
            seed_sum: Decimal::ZERO,
            value: None,
        })
    }

    /// Adds a value; returns the average once `period` values have arrived.
    pub fn update(&mut self, x: Decimal) -> Option<Decimal> {
        match self.value {
            Some(ema) => self.value = Some(ema + self.alpha * (x - ema)),
            None => {
                self.seed_sum += x;
                self.seen += 1;
                if self.seen == self.period {
                    self.value = Some(self.seed_sum / Decimal::from(self.period));
                }
            }
        }
        self.value
    }

    /// The latest average, `None` until `period` values have arrived.
    pub fn value(&self) -> Option<Decimal> {
        self.value
    }

    /// The smoothing factor `2 / (period + 1)`.
    pub fn alpha(&self) -> Decimal {
        self.alpha
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn three_period_ema_by_hand() {
        assert_eq!(Ema::new(0), Err(ZeroPeriod));
        // period 3 → alpha = 2 / 4 = 0.5
        let mut ema = Ema::new(3).unwrap();
        assert_eq!(ema.alpha(), dec!(0.5));
        assert_eq!(ema.update(dec!(2)), None);
        assert_eq!(ema.update(dec!(4)), None);
        // seed = (2 + 4 + 6) / 3 = 4
        assert_eq!(ema.update(dec!(6)), Some(dec!(4)));
        // 4 + 0.5 × (10 − 4) = 7
        assert_eq!(ema.update(dec!(10)), Some(dec!(7)));
        // 7 + 0.5 × (5 − 7) = 6
        assert_eq!(ema.update(dec!(5)), Some(dec!(6)));
        assert_eq!(ema.value(), Some(dec!(6)));
    }
}
