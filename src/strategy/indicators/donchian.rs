//! [`Donchian`]: the Donchian channel — highest high and lowest low of the
//! last `period` bars.

use rust_decimal::Decimal;

use super::fixed::{from_decimal, to_decimal};
use super::window::{Extreme, RollingExtreme};
use super::ZeroPeriod;

/// Highest high and lowest low over the last `period` bars.
///
/// Guarantees: amortized O(1) per update (monotonic deques over fixed-point
/// values, exact for prices with up to 12 decimal places), storage for exactly
/// `period` entries per side allocated in [`Donchian::new`] and never grown.
/// A breakout rule compares a bar with the channel of the bars *before* it:
/// ask [`is_above`](Donchian::is_above) / [`is_below`](Donchian::is_below)
/// first, then [`push`](Donchian::push) the new bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Donchian {
    highs: RollingExtreme,
    lows: RollingExtreme,
}

impl Donchian {
    /// An empty channel over `period` bars.
    ///
    /// # Errors
    /// [`ZeroPeriod`] when `period` is 0.
    pub fn new(period: usize) -> Result<Self, ZeroPeriod> {
        if period == 0 {
            return Err(ZeroPeriod);
        }
        Ok(Self {
            highs: RollingExtreme::new(period, Extreme::Max),
            lows: RollingExtreme::new(period, Extreme::Min),
        })
    }

    /// Adds one bar's high and low; returns `(upper, lower)` once `period`
    /// bars have arrived.
    pub fn update(&mut self, high: Decimal, low: Decimal) -> Option<(Decimal, Decimal)> {
        self.push(high, low);
        self.upper().zip(self.lower())
    }

    /// Adds one bar's high and low without converting the channel back to
    /// decimals; returns whether `period` bars have arrived.
    pub fn push(&mut self, high: Decimal, low: Decimal) -> bool {
        self.highs.push(from_decimal(high));
        self.lows.push(from_decimal(low));
        self.highs.value().is_some()
    }

    /// Highest high of the last `period` bars.
    pub fn upper(&self) -> Option<Decimal> {
        self.highs.value().map(to_decimal)
    }

    /// Lowest low of the last `period` bars.
    pub fn lower(&self) -> Option<Decimal> {
        self.lows.value().map(to_decimal)
    }

    /// Middle of the channel, `(upper + lower) / 2`.
    pub fn middle(&self) -> Option<Decimal> {
        self.upper()
            .zip(self.lower())
            .map(|(upper, lower)| (upper + lower) / Decimal::TWO)
    }

    /// Whether `price` is strictly above the channel (an upside breakout);
    /// `false` until `period` bars have arrived.
    pub fn is_above(&self, price: Decimal) -> bool {
        self.highs
            .value()
            .is_some_and(|high| from_decimal(price) > high)
    }

    /// Whether `price` is strictly below the channel (a downside breakout);
    /// `false` until `period` bars have arrived.
    pub fn is_below(&self, price: Decimal) -> bool {
        self.lows
            .value()
            .is_some_and(|low| from_decimal(price) < low)
    }

    /// Whether `period` bars have arrived.
    pub fn is_ready(&self) -> bool {
        self.highs.value().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn three_bar_channel_by_hand() {
        assert_eq!(Donchian::new(0), Err(ZeroPeriod));
        let mut channel = Donchian::new(3).unwrap();
        assert_eq!(channel.update(dec!(10), dec!(8)), None);
        assert!(!channel.is_above(dec!(1000)));
        assert_eq!(channel.update(dec!(12), dec!(9)), None);
        // highs 10 12 11 → 12; lows 8 9 7 → 7
        assert_eq!(channel.update(dec!(11), dec!(7)), Some((dec!(12), dec!(7))));
        assert!(channel.is_above(dec!(12.01)) && !channel.is_above(dec!(12)));
        assert!(channel.is_below(dec!(6.99)) && !channel.is_below(dec!(7)));
        // highs 12 11 9 → 12; lows 9 7 8.5 → 7
        assert_eq!(
            channel.update(dec!(9), dec!(8.5)),
            Some((dec!(12), dec!(7)))
        );
        // highs 11 9 9.5 → 11; lows 7 8.5 9 → 7
        assert_eq!(
            channel.update(dec!(9.5), dec!(9)),
            Some((dec!(11), dec!(7)))
        );
        // highs 9 9.5 10 → 10; lows 8.5 9 9.5 → 8.5; middle (10 + 8.5) / 2 = 9.25
        assert_eq!(
            channel.update(dec!(10), dec!(9.5)),
            Some((dec!(10), dec!(8.5)))
        );
        assert_eq!(channel.middle(), Some(dec!(9.25)));
        assert!(channel.is_ready());
    }
}
