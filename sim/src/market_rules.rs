//! IB's market rules: a symbol's minimum price increment by price level.
//! Contract details carry `marketRuleIds` (one per valid exchange, in the
//! same order); `reqMarketRule(id)` answers with the rule's rows of low edge
//! and increment; an order price off the rule's increment at that price is
//! refused with 110 (see [`crate::lifecycle::conforming_price`]).
//!
//! Owns [`SymbolSpec::price_increments`]' defaults, the rule ids tws-sim hands
//! out, the `MarketRule` frames, and the price check against a ladder. Must
//! never change prices or matching. Sources in `sim/README.md` ("Market rules").

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::codec::encode_message;
use crate::config::SymbolSpec;
use crate::lifecycle::conforming_price;
use crate::state::{ConnId, SimState};

/// Outgoing (client → TWS) message id of reqMarketRule.
pub const REQ_MARKET_RULE: i32 = 91;
/// Incoming (TWS → client) message id of MarketRule.
pub const MARKET_RULE: i32 = 93;
/// First rule id tws-sim hands out (its choice: IB's ids are IB's own).
pub const FIRST_RULE_ID: i32 = 1000;

/// IB's US stock rule (SEC Rule 612): 0.0001 below $1, 0.01 from $1.
pub fn us_stock_ladder() -> Vec<(Decimal, Decimal)> {
    vec![(dec!(0), dec!(0.0001)), (dec!(1), dec!(0.01))]
}

/// One tick at every price.
pub fn flat_ladder(tick: Decimal) -> Vec<(Decimal, Decimal)> {
    vec![(Decimal::ZERO, tick)]
}

/// Checks a market rule's rows: at least one, the first from 0, edges
/// increasing, increments above 0.
///
/// # Errors
/// What is wrong, in words.
pub fn check_ladder(rows: &[(Decimal, Decimal)]) -> Result<(), &'static str> {
    match rows.first() {
        None => Err("expected at least one [low_edge, increment] row"),
        Some((edge, _)) if !edge.is_zero() => Err("expected the first low edge to be 0"),
        _ if rows.iter().any(|(_, inc)| *inc <= Decimal::ZERO) => {
            Err("expected every increment above 0")
        }
        _ if rows.windows(2).any(|w| w[1].0 <= w[0].0) => {
            Err("expected low edges in increasing order")
        }
        _ => Ok(()),
    }
}

/// The increment of `ladder` at `price` (the last row whose low edge ≤ price).
pub fn increment_at(ladder: &[(Decimal, Decimal)], price: Decimal) -> Decimal {
    ladder
        .iter()
        .rev()
        .find(|(edge, _)| *edge <= price)
        .or(ladder.first())
        .map_or(Decimal::ZERO, |(_, inc)| *inc)
}

/// A wire price checked against `spec`'s rule: `Ok(None)` when unset, `Err`
/// (110, IB's text) when off the increment that applies at that price.
///
/// # Errors
/// `(110, text)` for an off-tick price.
pub fn conforming(v: Option<f64>, spec: &SymbolSpec) -> Result<Option<Decimal>, (i32, String)> {
    let at = v
        .and_then(rust_decimal::prelude::FromPrimitive::from_f64)
        .unwrap_or(Decimal::ZERO);
    conforming_price(v, increment_at(&spec.price_increments, at))
}

/// `ProtoMarketRuleRequest` (outgoing 91).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MarketRuleRequest {
    /// The rule asked for.
    #[prost(int32, optional, tag = "1")]
    pub market_rule_id: Option<i32>,
}

/// `PriceIncrement` (sub-message of `MarketRule`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PriceIncrement {
    /// Lowest price of the row.
    #[prost(double, optional, tag = "1")]
    pub low_edge: Option<f64>,
    /// Increment from `low_edge` on.
    #[prost(double, optional, tag = "2")]
    pub increment: Option<f64>,
}

/// `MarketRule` (incoming 93).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MarketRule {
    /// The rule's id.
    #[prost(int32, optional, tag = "1")]
    pub market_rule_id: Option<i32>,
    /// Its rows, lowest edge first.
    #[prost(message, repeated, tag = "2")]
    pub price_increments: Vec<PriceIncrement>,
}

impl SimState {
    /// The rule id of symbol `idx`: [`FIRST_RULE_ID`] + the index of the first
    /// symbol with the same ladder and `market_rule_answered` (symbols with
    /// equal ladders share an id, as at IB).
    pub(crate) fn market_rule_id(&self, idx: usize) -> i32 {
        let rule = |i: usize| {
            self.market
                .spec(i)
                .map(|s| (&s.price_increments, s.market_rule_answered))
        };
        let first = (0..self.market.len())
            .find(|&i| rule(i) == rule(idx))
            .unwrap_or(idx);
        FIRST_RULE_ID + i32::try_from(first).unwrap_or(0)
    }

    /// `marketRuleIds` for symbol `idx`: its rule id once per valid exchange.
    pub(crate) fn market_rule_ids(&self, idx: usize, valid_exchanges: &str) -> String {
        let id = self.market_rule_id(idx).to_string();
        vec![id.as_str(); valid_exchanges.split(',').count()].join(",")
    }

    /// Answers reqMarketRule(`id`) with the rule's rows. An id tws-sim never
    /// handed out gets no answer (as TWS: no error, nothing).
    pub(crate) fn market_rule(&mut self, conn: ConnId, id: i32) {
        let Some(idx) = usize::try_from(id - FIRST_RULE_ID)
            .ok()
            .filter(|&i| i < self.market.len() && self.market_rule_id(i) == id)
        else {
            tracing::info!(id, "reqMarketRule for an unknown rule: no answer");
            return;
        };
        let Some(spec) = self.market.spec(idx) else {
            return;
        };
        if !spec.market_rule_answered {
            tracing::info!(
                id,
                "reqMarketRule left unanswered (market_rule_answered = false)"
            );
            return;
        }
        let rule = MarketRule {
            market_rule_id: Some(id),
            price_increments: spec
                .price_increments
                .iter()
                .map(|(edge, inc)| PriceIncrement {
                    low_edge: edge.to_f64(),
                    increment: inc.to_f64(),
                })
                .collect(),
        };
        self.send(conn, encode_message(MARKET_RULE, &rule));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments_by_price_level() {
        let ladder = us_stock_ladder();
        assert_eq!(increment_at(&ladder, dec!(0.5)), dec!(0.0001));
        assert_eq!(increment_at(&ladder, dec!(1)), dec!(0.01));
        assert_eq!(
            increment_at(&flat_ladder(dec!(0.05)), dec!(120)),
            dec!(0.05)
        );
    }
}
