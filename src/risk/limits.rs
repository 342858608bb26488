//! [`RiskLimits`]: the `[risk]` section of `config.toml`, with its defaults.
//! Defaults are written here and nowhere else.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::domain::fixed::{Fixed, SCALE};
use crate::domain::types::Symbol;
use crate::domain::ConfigProblem;

/// Limits the risk gate enforces. Deserialized from `[risk]`; unknown keys are
/// rejected; call [`RiskLimits::validate`] before use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskLimits {
    /// Realized + unrealized loss since start-of-day equity, as a fraction of
    /// that equity, that halts trading for the day. Default 0.02 (2 %).
    pub max_daily_loss_pct: Decimal,
    /// Largest |position + working orders| × price per symbol, as a fraction of
    /// net liquidation. Default 0.15 (15 %).
    pub max_position_size_pct: Decimal,
    /// Distance of every entry's protective stop from the entry price. Default 0.05.
    pub stop_loss_pct: Decimal,
    /// Distance of every entry's take-profit from the entry price. Default 0.10.
    pub take_profit_pct: Decimal,
    /// Orders (place + cancel) per second, below IB's 50 messages/s. Default 40.
    pub max_orders_per_second: u32,
    /// Largest notional (quantity × price) of a single order, in account currency. Default 50 000.
    pub max_order_notional: Decimal,
    /// Largest distance of a limit/stop price from the last price, as a fraction. Default 0.05.
    pub price_collar_pct: Decimal,
    /// Largest number of working orders at once (bracket children count). Default 30.
    pub max_open_orders: u32,
    /// Symbols that may be traded. Empty = every symbol of an active strategy.
    pub allowed_symbols: Vec<Symbol>,
    /// On a daily-loss breach, also flatten every position (not only halt). Default false.
    pub flatten_on_daily_loss: bool,
}

impl Default for RiskLimits {
    fn default() -> Self {
        Self {
            max_daily_loss_pct: dec!(0.02),
            max_position_size_pct: dec!(0.15),
            stop_loss_pct: dec!(0.05),
            take_profit_pct: dec!(0.10),
            max_orders_per_second: 40,
            max_order_notional: dec!(50000),
            price_collar_pct: dec!(0.05),
            max_open_orders: 30,
            allowed_symbols: Vec::new(),
            flatten_on_daily_loss: false,
        }
    }
}

impl RiskLimits {
    /// Every problem with these limits, each naming `file`, the `risk.*` key, the
    /// value and what is allowed. Empty when valid. Checks every field; never
    /// stops at the first problem.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let mut fraction = |key: &str, value: Decimal, allowed: Range, example: &str| {
            if !allowed.contains(value) {
                problems.push(ConfigProblem::new(
                    file,
                    format!("risk.{key}"),
                    value.to_string(),
                    format!("must be a fraction in {allowed}, e.g. {example}"),
                ));
            } else if Fixed::from_decimal(value).is_err() {
                problems.push(too_precise(file, key, value));
            }
        };
        fraction(
            "max_daily_loss_pct",
            self.max_daily_loss_pct,
            Range::ZERO_EXCL_TO_ONE_INCL,
            "0.02 for 2%",
        );
        fraction(
            "max_position_size_pct",
            self.max_position_size_pct,
            Range::ZERO_EXCL_TO_ONE_INCL,
            "0.15 for 15%",
        );
        fraction(
            "stop_loss_pct",
            self.stop_loss_pct,
            Range::ZERO_TO_ONE_EXCL,
            "0.05 for 5% (a stop 100% away would be at price 0)",
        );
        fraction(
            "take_profit_pct",
            self.take_profit_pct,
            Range {
                max: dec!(10),
                max_inclusive: true,
            },
            "0.10 for 10%",
        );
        fraction(
            "price_collar_pct",
            self.price_collar_pct,
            Range::ZERO_TO_ONE_EXCL,
            "0.05 for 5%",
        );
        if Fixed::from_decimal(self.max_order_notional).is_err()
            && self.max_order_notional > Decimal::ZERO
            && self.max_order_notional <= MAX_ORDER_NOTIONAL
        {
            problems.push(too_precise(
                file,
                "max_order_notional",
                self.max_order_notional,
            ));
        }
        if !(1..=MAX_ORDERS_PER_SECOND).contains(&self.max_orders_per_second) {
            problems.push(ConfigProblem::new(
                file,
                "risk.max_orders_per_second",
                self.max_orders_per_second.to_string(),
                format!(
                    "must be a whole number from 1 to {MAX_ORDERS_PER_SECOND} \
                     (IB allows 50 messages per second in total), e.g. 40"
                ),
            ));
        }
        if self.max_order_notional <= Decimal::ZERO || self.max_order_notional > MAX_ORDER_NOTIONAL
        {
            problems.push(ConfigProblem::new(
                file,
                "risk.max_order_notional",
                self.max_order_notional.to_string(),
                format!(
                    "must be an amount greater than 0 and at most {MAX_ORDER_NOTIONAL} \
                     in account currency, e.g. 50000"
                ),
            ));
        }
        if !(MIN_OPEN_ORDERS..=MAX_OPEN_ORDERS).contains(&self.max_open_orders) {
            problems.push(ConfigProblem::new(
                file,
                "risk.max_open_orders",
                self.max_open_orders.to_string(),
                format!(
                    "must be a whole number from {MIN_OPEN_ORDERS} (one bracket is an entry, \
                     a stop-loss and a take-profit) to {MAX_OPEN_ORDERS}, e.g. 30"
                ),
            ));
        }
        if self.allowed_symbols.len() > MAX_ALLOWED_SYMBOLS {
            problems.push(ConfigProblem::new(
                file,
                "risk.allowed_symbols",
                format!("[{} symbols]", self.allowed_symbols.len()),
                format!("must list at most {MAX_ALLOWED_SYMBOLS} symbols"),
            ));
        }
        for (i, symbol) in self.allowed_symbols.iter().enumerate() {
            if self.allowed_symbols[..i].contains(symbol) {
                problems.push(ConfigProblem::new(
                    file,
                    "risk.allowed_symbols",
                    format!("[.., \"{symbol}\", ..]"),
                    format!("must list each symbol once; \"{symbol}\" appears more than once"),
                ));
            }
        }
        problems
    }
}

/// The gate holds its limits in exact fixed point ([`Fixed`]): a limit with
/// more places would be held as 0 (no room), so it is refused here.
fn too_precise(file: &str, key: &str, value: Decimal) -> ConfigProblem {
    ConfigProblem::new(
        file,
        format!("risk.{key}"),
        value.to_string(),
        format!("must have at most {SCALE} decimal places"),
    )
}

/// Highest accepted `max_orders_per_second`: one below IB's 50 messages/s, so
/// cancels and requests outside the gate keep some room.
pub const MAX_ORDERS_PER_SECOND: u32 = 49;

/// Lowest accepted `max_open_orders`: one bracket (entry + two children).
pub const MIN_OPEN_ORDERS: u32 = 3;

/// Highest accepted `max_open_orders`: 333 brackets, far more than a bot
/// watching its own symbols keeps working, and well inside what TWS accepts
/// from one client.
pub const MAX_OPEN_ORDERS: u32 = 1_000;

/// Highest accepted `max_order_notional` (account currency): ten million. A
/// typo with extra zeros is refused instead of silently lifting the limit.
pub const MAX_ORDER_NOTIONAL: Decimal = dec!(10000000);

/// Most symbols `allowed_symbols` may list (IB's default market-data lines
/// are 100; a bot cannot watch more).
pub const MAX_ALLOWED_SYMBOLS: usize = 100;

/// An interval `(0, max]` or `(0, max)`; every fraction must be > 0.
#[derive(Clone, Copy)]
struct Range {
    max: Decimal,
    max_inclusive: bool,
}

impl Range {
    const ZERO_EXCL_TO_ONE_INCL: Range = Range {
        max: Decimal::ONE,
        max_inclusive: true,
    };
    const ZERO_TO_ONE_EXCL: Range = Range {
        max: Decimal::ONE,
        max_inclusive: false,
    };

    fn contains(self, value: Decimal) -> bool {
        value > Decimal::ZERO && (value < self.max || (self.max_inclusive && value == self.max))
    }
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let close = if self.max_inclusive { ']' } else { ')' };
        write!(f, "(0, {}{close}", self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(RiskLimits::default().validate("config.toml"), Vec::new());
    }

    #[test]
    fn every_field_is_checked_and_all_problems_are_reported() {
        let limits = RiskLimits {
            max_daily_loss_pct: dec!(2.5),
            max_position_size_pct: dec!(0),
            stop_loss_pct: dec!(1),
            take_profit_pct: dec!(-0.1),
            max_orders_per_second: 50,
            max_order_notional: dec!(0),
            price_collar_pct: dec!(1.5),
            max_open_orders: 2,
            allowed_symbols: vec![Symbol::new("SPY").unwrap(), Symbol::new("SPY").unwrap()],
            flatten_on_daily_loss: true,
        };
        let text: Vec<String> = limits
            .validate("config.toml")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            vec![
                "config.toml: risk.max_daily_loss_pct = 2.5: must be a fraction in (0, 1], e.g. 0.02 for 2%",
                "config.toml: risk.max_position_size_pct = 0: must be a fraction in (0, 1], e.g. 0.15 for 15%",
                "config.toml: risk.stop_loss_pct = 1: must be a fraction in (0, 1), e.g. 0.05 for 5% (a stop 100% away would be at price 0)",
                "config.toml: risk.take_profit_pct = -0.1: must be a fraction in (0, 10], e.g. 0.10 for 10%",
                "config.toml: risk.price_collar_pct = 1.5: must be a fraction in (0, 1), e.g. 0.05 for 5%",
                "config.toml: risk.max_orders_per_second = 50: must be a whole number from 1 to 49 (IB allows 50 messages per second in total), e.g. 40",
                "config.toml: risk.max_order_notional = 0: must be an amount greater than 0 and at most 10000000 in account currency, e.g. 50000",
                "config.toml: risk.max_open_orders = 2: must be a whole number from 3 (one bracket is an entry, a stop-loss and a take-profit) to 1000, e.g. 30",
                "config.toml: risk.allowed_symbols = [.., \"SPY\", ..]: must list each symbol once; \"SPY\" appears more than once",
            ]
        );
    }

    #[test]
    fn range_edges() {
        let ok = RiskLimits {
            max_daily_loss_pct: dec!(1),
            max_position_size_pct: dec!(1),
            stop_loss_pct: dec!(0.999),
            take_profit_pct: dec!(10),
            max_orders_per_second: 1,
            max_order_notional: dec!(0.01),
            price_collar_pct: dec!(0.0001),
            max_open_orders: 3,
            ..RiskLimits::default()
        };
        assert_eq!(ok.validate("x.toml"), Vec::new());
        let zero_rate = RiskLimits {
            max_orders_per_second: 0,
            ..RiskLimits::default()
        };
        let problems = zero_rate.validate("x.toml");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "risk.max_orders_per_second");
        assert_eq!(problems[0].value, "0");
    }

    #[test]
    fn sizes_and_amounts_have_a_maximum() {
        // (key, at the maximum: accepted, one step over: refused)
        let at_max = RiskLimits {
            max_order_notional: dec!(10000000),
            max_open_orders: 1_000,
            ..RiskLimits::default()
        };
        assert_eq!(at_max.validate("x.toml"), Vec::new());
        let over = RiskLimits {
            max_order_notional: dec!(10000000.01),
            max_open_orders: 1_001,
            allowed_symbols: (0..101)
                .map(|i| Symbol::new(&format!("S{i}")).unwrap())
                .collect(),
            ..RiskLimits::default()
        };
        let problems = over.validate("x.toml");
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("risk.max_order_notional", "10000000.01"),
                ("risk.max_open_orders", "1001"),
                ("risk.allowed_symbols", "[101 symbols]"),
            ]
        );
    }

    #[test]
    fn limits_need_an_exact_fixed_point_value() {
        // 8 places are held exactly; a 9th non-zero one is refused, not rounded.
        let ok = RiskLimits {
            stop_loss_pct: dec!(0.05000001),
            max_order_notional: dec!(50000.00000001),
            ..RiskLimits::default()
        };
        assert_eq!(ok.validate("x.toml"), Vec::new());
        let fine = RiskLimits {
            stop_loss_pct: dec!(0.050000001),
            max_order_notional: dec!(50000.000000001),
            ..RiskLimits::default()
        };
        let problems = fine.validate("x.toml");
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.key.as_str(), p.expected.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("risk.stop_loss_pct", "must have at most 8 decimal places"),
                (
                    "risk.max_order_notional",
                    "must have at most 8 decimal places"
                ),
            ]
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<RiskLimits>("max_daily_loss = 0.02").unwrap_err();
        assert!(
            err.to_string().contains("unknown field `max_daily_loss`"),
            "{err}"
        );
        let parsed: RiskLimits = toml::from_str("stop_loss_pct = 0.03").unwrap();
        assert_eq!(parsed.stop_loss_pct, dec!(0.03));
        assert_eq!(parsed.take_profit_pct, dec!(0.10));
    }
}
