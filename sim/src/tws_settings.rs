//! Settings of a real TWS and account that a paper user meets on a first
//! run, as scenario options: the "Read-Only API" switch, the account's base
//! currency with TWS's exchange rate, and positions carried from an earlier
//! day with that day's close.
//!
//! Owns these option types, TWS's texts for them, and the carried start
//! state of the account. Must never match orders or move prices: the
//! handlers consult it, the exchange never does. See `sim/README.md`
//! ("Account settings") for IB's documentation of each behaviour.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::config::SimConfig;
use crate::state::SimState;
use crate::SimError;

/// TWS's error code for a request refused because the API is read-only.
pub const READ_ONLY_CODE: i32 = 321;

/// TWS's text for an order request refused because "Read-Only API" is
/// checked (Global Configuration → API → Settings).
pub const READ_ONLY_TEXT: &str =
    "Error validating request.-'bL' : cause - The API interface is currently in Read-Only mode.";

/// A position held since an earlier day: TWS reports it from the first
/// reqPositions, and its daily PnL counts from `prior_close`, not from its cost.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedPosition {
    /// Ticker (must be in the universe).
    pub symbol: String,
    /// Signed quantity (negative = short); not zero.
    pub quantity: Decimal,
    /// Average cost per share, commissions included.
    pub average_cost: Decimal,
    /// The symbol's close on the previous trading day.
    pub prior_close: Decimal,
}

/// Checks the settings of `config`.
///
/// # Errors
/// [`SimError::Config`] naming the bad value.
pub fn validate(config: &SimConfig) -> Result<(), SimError> {
    let code = &config.base_currency;
    if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(SimError::Config(format!(
            "base_currency {code:?}: expected a three-letter ISO code such as USD or EUR"
        )));
    }
    if config.exchange_rate_usd <= Decimal::ZERO
        || (code == "USD" && config.exchange_rate_usd != Decimal::ONE)
    {
        return Err(SimError::Config(format!(
            "exchange_rate_usd {}: expected a positive rate (1 USD in {code}), exactly 1 for a USD account",
            config.exchange_rate_usd
        )));
    }
    for p in &config.carried_positions {
        if config.symbol(&p.symbol).is_none() {
            return Err(SimError::Config(format!(
                "carried position {}: not in the symbol universe",
                p.symbol
            )));
        }
        if p.quantity.is_zero() || p.average_cost <= Decimal::ZERO || p.prior_close <= Decimal::ZERO
        {
            return Err(SimError::Config(format!(
                "carried position {}: quantity must be non-zero and average_cost, prior_close positive",
                p.symbol
            )));
        }
    }
    Ok(())
}

impl SimState {
    /// Puts the carried positions into the account, paid from the starting
    /// cash at their average cost.
    pub(crate) fn carry_positions(&mut self) {
        for p in self.config.carried_positions.clone() {
            let basis = p.quantity * p.average_cost;
            self.account.cash -= basis;
            let h = self.account.holdings.entry(p.symbol.clone()).or_default();
            h.qty += p.quantity;
            h.basis += basis;
        }
    }

    /// What the carried positions lost or made before today, from their cost
    /// to the prior close (of `symbol` only, or of all with `None`). IB's
    /// daily PnL is the PnL since the prior close, so it leaves this out.
    pub(crate) fn carried_before_today(&self, symbol: Option<&str>) -> Decimal {
        self.config
            .carried_positions
            .iter()
            .filter(|p| symbol.is_none_or(|s| s.eq_ignore_ascii_case(&p.symbol)))
            .map(|p| p.quantity * (p.prior_close - p.average_cost))
            .sum()
    }

    /// A USD amount in the account's base currency.
    pub(crate) fn in_base(&self, usd: Decimal) -> Decimal {
        usd * self.config.exchange_rate_usd
    }

    /// The account's base currency (`USD`, `EUR`, …).
    pub(crate) fn base_currency(&self) -> String {
        self.config.base_currency.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn validation_names_the_bad_value() {
        let mut c = SimConfig {
            base_currency: "eur".into(),
            ..SimConfig::default()
        };
        assert!(matches!(validate(&c), Err(SimError::Config(m)) if m.contains("\"eur\"")));
        c.base_currency = "EUR".into();
        c.exchange_rate_usd = dec!(0);
        assert!(
            matches!(validate(&c), Err(SimError::Config(m)) if m.contains("exchange_rate_usd 0"))
        );
        c.exchange_rate_usd = dec!(0.92);
        assert!(validate(&c).is_ok());
        c.carried_positions.push(CarriedPosition {
            symbol: "ZZZZ".into(),
            quantity: dec!(1),
            average_cost: dec!(1),
            prior_close: dec!(1),
        });
        assert!(matches!(validate(&c), Err(SimError::Config(m)) if m.contains("ZZZZ")));
    }
}
