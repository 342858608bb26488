//! Reads each traded symbol's price increments from TWS at start: contract
//! details (`minTick`, `validExchanges`, `marketRuleIds`) and the market rule
//! that applies on SMART (`reqMarketRule`: rows of low edge and increment,
//! e.g. US stocks 0.0001 below $1, 0.01 from $1).
//!
//! Owns the choice of rule and what happens when it cannot be read: the
//! symbol gets no [`Instrument`], so the risk gate refuses its orders as an
//! unknown instrument, and one warning says what to do. Must never guess a
//! tick (no default 0.01) and never place or cancel anything.

use std::time::Duration;

use ibapi::contracts::ContractDetails;
use ibapi::Client;

use crate::broker::tws::orders::stock_contract;
use crate::broker::tws::wire::{self, Malformed};
use crate::domain::ticks::TickLadder;
use crate::domain::types::{Instrument, Symbol};

/// How long one contract-details or market-rule request may take (TWS
/// answers an unknown market rule id with nothing at all).
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// Why a symbol's increments could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TickError {
    /// TWS refused or failed the contract-details request (e.g. 200).
    #[error("contract details request failed: {0}")]
    Details(#[source] ibapi::Error),
    /// No answer within `ANSWER_WITHIN`.
    #[error("{0} not answered within {ANSWER_WITHIN:?}")]
    Timeout(&'static str),
    /// TWS knows no such stock (no contract details).
    #[error("TWS returned no contract details")]
    NoDetails,
    /// A market rule id that is not a number.
    #[error("market rule id {0:?} is not a number")]
    RuleId(String),
    /// The market-rule request failed.
    #[error("market rule {id} request failed: {source}")]
    Rule {
        /// The rule id.
        id: i32,
        /// What failed.
        #[source]
        source: ibapi::Error,
    },
    /// A value TWS sent that is not a tick ladder.
    #[error(transparent)]
    Malformed(#[from] Malformed),
}

/// The instruments of `symbols` whose increments TWS gave. A symbol whose
/// increments could not be read is left out (its orders are then refused by
/// the gate) and logged once, with what to do.
pub async fn instruments(client: &Client, symbols: &[Symbol]) -> Vec<Instrument> {
    let mut found = Vec::with_capacity(symbols.len());
    for &symbol in symbols {
        match ladder_of(client, symbol).await {
            Ok(ticks) => {
                tracing::info!(%symbol, rungs = ?ticks.rungs(), "price increments read from TWS");
                found.push(Instrument { symbol, ticks });
            }
            Err(error) => tracing::error!(
                %symbol,
                %error,
                "cannot read the symbol's price increments from TWS: it is NOT traded this \
                 session (its orders are refused). Check that it is a US stock TWS knows \
                 (SMART/USD) and that market data permissions allow contract details, then restart"
            ),
        }
    }
    found
}

/// `symbol`'s ladder: the market rule TWS lists for SMART (else the first
/// listed), or one row of `minTick` when TWS lists no rule at all.
///
/// # Errors
/// [`TickError`] for anything that keeps the ladder from being known.
pub async fn ladder_of(client: &Client, symbol: Symbol) -> Result<TickLadder, TickError> {
    let details = tokio::time::timeout(
        ANSWER_WITHIN,
        client.contract_details(&stock_contract(symbol)),
    )
    .await
    .map_err(|_| TickError::Timeout("contract details"))?
    .map_err(TickError::Details)?;
    let first = details.first().ok_or(TickError::NoDetails)?;
    let Some(id) = smart_rule_id(first)? else {
        return flat_min_tick(first.min_tick);
    };
    let rule = tokio::time::timeout(ANSWER_WITHIN, client.market_rule(id))
        .await
        .map_err(|_| TickError::Timeout("market rule"))?
        .map_err(|source| TickError::Rule { id, source })?;
    let rows: Vec<(f64, f64)> = rule
        .price_increments
        .iter()
        .map(|p| (p.low_edge, p.increment))
        .collect();
    Ok(wire::tick_ladder(&rows)?)
}

/// The rule id aligned with SMART in `validExchanges` (IB lists one rule per
/// valid exchange, in the same order), else the first; `None` when TWS lists none.
fn smart_rule_id(details: &ContractDetails) -> Result<Option<i32>, TickError> {
    let index = details
        .valid_exchanges
        .iter()
        .position(|e| e == "SMART")
        .filter(|&i| i < details.market_rule_ids.len())
        .unwrap_or(0);
    details
        .market_rule_ids
        .get(index)
        .map(|id| {
            id.trim()
                .parse::<i32>()
                .map_err(|_| TickError::RuleId(id.clone()))
        })
        .transpose()
}

fn flat_min_tick(min_tick: f64) -> Result<TickLadder, TickError> {
    Ok(wire::tick_ladder(&[(0.0, min_tick)])?)
}
