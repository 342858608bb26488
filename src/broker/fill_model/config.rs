//! Fill-model settings: slippage, commissions and how strictly limit orders
//! must be crossed. Defaults: no slippage, IBKR fixed commissions, limits fill
//! only when the market trades through them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::types::{Side, US_STOCK_TICK};

/// Price concession on fills that take liquidity (market orders and triggered
/// stops). Limit fills never slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slippage {
    /// A fixed number of ticks (`FillConfig::tick_size` each) against the trader.
    Ticks(Decimal),
    /// Basis points of the price against the trader, rounded to the tick grid
    /// away from the trader (buys up, sells down).
    Bps(Decimal),
}

impl Default for Slippage {
    fn default() -> Self {
        Slippage::Ticks(Decimal::ZERO)
    }
}

impl Slippage {
    /// The execution price for a liquidity-taking fill of `side` at `price`.
    /// Never below one tick for sells.
    pub fn apply(&self, side: Side, price: Decimal, tick: Decimal) -> Decimal {
        let slipped = match *self {
            Slippage::Ticks(ticks) => price + side.sign() * ticks * tick,
            Slippage::Bps(bps) if bps.is_zero() => price,
            Slippage::Bps(bps) => {
                let raw = price + side.sign() * price * bps / Decimal::from(10_000);
                if tick > Decimal::ZERO {
                    let steps = raw / tick;
                    let steps = match side {
                        Side::Buy => steps.ceil(),
                        Side::Sell => steps.floor(),
                    };
                    steps * tick
                } else {
                    raw
                }
            }
        };
        if tick > Decimal::ZERO {
            slipped.max(tick)
        } else {
            slipped
        }
    }
}

/// A per-order commission schedule: `per_share × quantity`, at least
/// `minimum`, at most `max_pct_of_value × quantity × price` (the cap wins when
/// it is below the minimum, as on IBKR's fixed schedule for tiny orders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commission {
    /// Charge per share.
    pub per_share: Decimal,
    /// Minimum per order.
    pub minimum: Decimal,
    /// Cap as a fraction of the trade value (0.01 = 1 %); `None` for no cap.
    pub max_pct_of_value: Option<Decimal>,
}

impl Commission {
    /// IBKR Pro fixed pricing for US stocks: $0.005/share, minimum $1.00,
    /// maximum 1 % of trade value.
    pub fn ibkr_fixed() -> Self {
        Self {
            per_share: Decimal::new(5, 3),
            minimum: Decimal::ONE,
            max_pct_of_value: Some(Decimal::new(1, 2)),
        }
    }

    /// No commissions at all.
    pub fn zero() -> Self {
        Self {
            per_share: Decimal::ZERO,
            minimum: Decimal::ZERO,
            max_pct_of_value: None,
        }
    }

    /// The charge for one order of `quantity` shares at `price` (≥ 0).
    pub fn charge(&self, quantity: Decimal, price: Decimal) -> Decimal {
        let base = (self.per_share * quantity).max(self.minimum);
        let charge = match self.max_pct_of_value {
            Some(pct) => base.min(pct * quantity * price),
            None => base,
        };
        charge.max(Decimal::ZERO)
    }
}

impl Default for Commission {
    fn default() -> Self {
        Self::ibkr_fixed()
    }
}

/// When a resting limit order counts as filled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitFill {
    /// Only when the bar trades beyond the limit (low < buy limit, high > sell
    /// limit): touching it proves nothing about our place in the queue.
    #[default]
    TradeThrough,
    /// As soon as the bar touches the limit (optimistic).
    Touch,
}

/// Everything the fill model can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FillConfig {
    /// Slippage on market and stop fills.
    pub slippage: Slippage,
    /// Commission schedule.
    pub commission: Commission,
    /// Tick size used by tick slippage and bps rounding (US stocks: 0.01).
    pub tick_size: Decimal,
    /// Limit-order fill rule.
    pub limit_fill: LimitFill,
}

impl Default for FillConfig {
    fn default() -> Self {
        Self {
            slippage: Slippage::default(),
            commission: Commission::ibkr_fixed(),
            tick_size: US_STOCK_TICK,
            limit_fill: LimitFill::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn ibkr_fixed_commission_minimum_per_share_and_cap() {
        let c = Commission::ibkr_fixed();
        // 100 sh × 0.005 = 0.50 → minimum 1.00.
        assert_eq!(c.charge(dec!(100), dec!(50)), dec!(1.00));
        // 1000 sh × 0.005 = 5.00.
        assert_eq!(c.charge(dec!(1000), dec!(50)), dec!(5.000));
        // 1000 sh × $0.25: 1 % of $250 = 2.50 caps 5.00.
        assert_eq!(c.charge(dec!(1000), dec!(0.25)), dec!(2.5000));
        // 10 sh × $5 = $50: cap 0.50 wins over the $1 minimum.
        assert_eq!(c.charge(dec!(10), dec!(5)), dec!(0.50));
        assert_eq!(Commission::zero().charge(dec!(10), dec!(5)), dec!(0));
    }

    #[test]
    fn slippage_moves_against_the_trader() {
        let tick = dec!(0.01);
        assert_eq!(
            Slippage::Ticks(dec!(2)).apply(Side::Buy, dec!(100), tick),
            dec!(100.02)
        );
        assert_eq!(
            Slippage::Ticks(dec!(2)).apply(Side::Sell, dec!(100), tick),
            dec!(99.98)
        );
        // 5 bps of 123.45 = 0.061725 → buy 123.511725 rounds up to 123.52, sell 123.388275 down to 123.38.
        assert_eq!(
            Slippage::Bps(dec!(5)).apply(Side::Buy, dec!(123.45), tick),
            dec!(123.52)
        );
        assert_eq!(
            Slippage::Bps(dec!(5)).apply(Side::Sell, dec!(123.45), tick),
            dec!(123.38)
        );
        assert_eq!(
            Slippage::Bps(dec!(0)).apply(Side::Sell, dec!(97.0301), tick),
            dec!(97.0301)
        );
    }
}
