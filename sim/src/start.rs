//! The account's state before any client connects: positions held in any
//! asset class (bought by hand, by another program, or long ago) and orders
//! already working from other API clients or typed into TWS itself
//! (client id 0, no `orderRef`).
//!
//! Owns [`StartPosition`], [`StartOrder`] and how they enter the simulator
//! (the account's holdings and the exchange's order list), plus the contract
//! TWS reports for a holding outside the stock universe. Must never invent
//! market data for such a holding: it is valued at its average cost.
//!
//! See `sim/README.md` ("Start state") for IB's documentation of what TWS
//! reports for these.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exchange::{Action, NewOrder, OrderType};
use crate::proto;
use crate::state::SimState;
use crate::SimError;

/// A position the account holds when the simulator starts.
///
/// A US stock (`STK`, `USD`) of the symbol universe is an ordinary holding
/// (marked to market, tradable, closable). Anything else — an option, a
/// future, a forex pair, a stock outside the universe or in another currency —
/// is reported by reqPositions and reqAccountUpdates with its own contract,
/// valued at its average cost, and cannot be traded in the simulator.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartPosition {
    /// Underlying / ticker symbol as TWS reports it (`SPY` for an SPY option).
    pub symbol: String,
    /// IB security type: `STK`, `OPT`, `FUT`, `CASH`, ...
    #[serde(default = "stk")]
    pub sec_type: String,
    /// Currency (default `USD`).
    #[serde(default = "usd")]
    pub currency: String,
    /// Exchange-local symbol, e.g. `SPY   260116C00600000` (default: `symbol`).
    #[serde(default)]
    pub local_symbol: Option<String>,
    /// IB contract id (default: the universe's for a stock, else derived).
    #[serde(default)]
    pub con_id: Option<i32>,
    /// Signed quantity (negative = short).
    pub quantity: Decimal,
    /// IB average cost: per share for stocks, per contract (price ×
    /// multiplier) for options and futures.
    pub avg_cost: Decimal,
    /// Yesterday's close, for daily PnL (`None`: unknown).
    #[serde(default)]
    pub prior_close: Option<Decimal>,
}

fn stk() -> String {
    "STK".to_string()
}

fn usd() -> String {
    "USD".to_string()
}

/// An order already working when the simulator starts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartOrder {
    /// Client id that placed it: 0 for an order typed into TWS by hand.
    #[serde(default)]
    pub client_id: i32,
    /// Its order id (TWS numbers manual orders itself; any positive id).
    pub order_id: i32,
    /// A symbol of the universe.
    pub symbol: String,
    /// `BUY` or `SELL`.
    pub action: String,
    /// Quantity (> 0).
    pub quantity: Decimal,
    /// `LMT`, `STP`, `STP LMT` or `MKT`.
    #[serde(default = "lmt")]
    pub order_type: String,
    /// Limit price.
    #[serde(default)]
    pub limit: Option<Decimal>,
    /// Stop price.
    #[serde(default)]
    pub stop: Option<Decimal>,
    /// `orderRef` ("" for manual orders).
    #[serde(default)]
    pub order_ref: String,
    /// Time in force (default `GTC`).
    #[serde(default = "gtc")]
    pub tif: String,
}

fn lmt() -> String {
    "LMT".to_string()
}

fn gtc() -> String {
    "GTC".to_string()
}

impl StartOrder {
    /// A good-till-cancelled limit order without an `orderRef`, as typed
    /// into TWS by hand (`client_id` 0) or sent by another program.
    pub fn limit(
        client_id: i32,
        order_id: i32,
        symbol: &str,
        action: &str,
        quantity: Decimal,
        limit: Decimal,
    ) -> Self {
        Self {
            client_id,
            order_id,
            symbol: symbol.to_string(),
            action: action.to_string(),
            quantity,
            order_type: lmt(),
            limit: Some(limit),
            stop: None,
            order_ref: String::new(),
            tif: gtc(),
        }
    }
}

impl StartPosition {
    /// A US stock position.
    pub fn stock(symbol: &str, quantity: Decimal, avg_cost: Decimal) -> Self {
        Self {
            symbol: symbol.to_string(),
            sec_type: stk(),
            currency: usd(),
            local_symbol: None,
            con_id: None,
            quantity,
            avg_cost,
            prior_close: None,
        }
    }

    /// A position in another security type (`local_symbol` identifies it).
    pub fn other(
        sec_type: &str,
        symbol: &str,
        local_symbol: &str,
        quantity: Decimal,
        avg_cost: Decimal,
    ) -> Self {
        Self {
            sec_type: sec_type.to_string(),
            local_symbol: Some(local_symbol.to_string()),
            ..Self::stock(symbol, quantity, avg_cost)
        }
    }

    fn local(&self) -> &str {
        self.local_symbol.as_deref().unwrap_or(&self.symbol)
    }

    /// The account's holding key: the ticker for a universe stock, else
    /// `"<secType> <localSymbol> <currency>"` (never a ticker).
    pub fn key(&self, in_universe: bool) -> String {
        if in_universe && self.is_us_stock() {
            self.symbol.clone()
        } else {
            format!("{} {} {}", self.sec_type, self.local(), self.currency)
        }
    }

    fn is_us_stock(&self) -> bool {
        self.sec_type.eq_ignore_ascii_case("STK") && self.currency.eq_ignore_ascii_case("USD")
    }

    fn contract(&self, fallback_con_id: i32) -> proto::Contract {
        let exchange = match self.sec_type.as_str() {
            "CASH" => "IDEALPRO",
            "FUT" => "CME",
            _ => "SMART",
        };
        proto::Contract {
            con_id: Some(self.con_id.unwrap_or(fallback_con_id)),
            symbol: Some(self.symbol.clone()),
            sec_type: Some(self.sec_type.clone()),
            exchange: Some(exchange.to_string()),
            primary_exch: None,
            currency: Some(self.currency.clone()),
            local_symbol: Some(self.local().to_string()),
            trading_class: Some(self.symbol.clone()),
        }
    }
}

impl StartOrder {
    fn new_order(&self, account: &str) -> Result<NewOrder, SimError> {
        let bad = |what: &str| {
            SimError::Scenario(format!(
                "start order {} (client {}): {what}",
                self.order_id, self.client_id
            ))
        };
        let action =
            Action::parse(&self.action).ok_or_else(|| bad("action must be BUY or SELL"))?;
        let order_type = OrderType::parse(&self.order_type)
            .ok_or_else(|| bad("order_type must be MKT, LMT, STP or STP LMT"))?;
        if self.quantity <= Decimal::ZERO || self.order_id <= 0 {
            return Err(bad("quantity and order_id must be positive"));
        }
        let needs_limit = matches!(order_type, OrderType::Limit | OrderType::StopLimit);
        let needs_stop = matches!(order_type, OrderType::Stop | OrderType::StopLimit);
        if needs_limit != self.limit.is_some() || needs_stop != self.stop.is_some() {
            return Err(bad(
                "give limit for LMT / STP LMT and stop for STP / STP LMT, nothing else",
            ));
        }
        Ok(NewOrder {
            symbol: self.symbol.to_ascii_uppercase(),
            action,
            qty: self.quantity,
            order_type,
            lmt: self.limit,
            aux: self.stop,
            parent_id: 0,
            oca_group: String::new(),
            oca_type: 0,
            order_ref: self.order_ref.clone(),
            tif: self.tif.clone(),
            account: account.to_string(),
            transmit: true,
            outside_rth: false,
        })
    }
}

/// Contracts of the holdings outside the stock universe, by holding key.
pub type HeldContracts = BTreeMap<String, proto::Contract>;

impl SimState {
    /// Books the configured start positions (paid out of the opening cash, so
    /// net liquidation starts at the opening cash) and places the start
    /// orders as their clients would have.
    ///
    /// # Errors
    /// [`SimError::Scenario`] for an order on a symbol outside the universe,
    /// an invalid order, or a duplicate order id of the same client.
    pub(crate) fn apply_start_state(&mut self) -> Result<(), SimError> {
        for (n, p) in self.config.start_positions.clone().into_iter().enumerate() {
            let in_universe = self.market.index(&p.symbol).is_some();
            let key = p.key(in_universe);
            if !(in_universe && p.is_us_stock()) {
                let fallback = 900_000_000 + i32::try_from(n).unwrap_or(0);
                self.held_contracts
                    .insert(key.clone(), p.contract(fallback));
            }
            let h = self.account.holdings.entry(key).or_default();
            h.qty += p.quantity;
            h.basis += p.quantity * p.avg_cost;
            self.account.cash -= p.quantity * p.avg_cost;
        }
        let now = self.clock.now();
        for o in self.config.start_orders.clone() {
            if self.market.index(&o.symbol).is_none() {
                return Err(SimError::Scenario(format!(
                    "start order {}: unknown symbol {} (orders need a symbol of the universe)",
                    o.order_id, o.symbol
                )));
            }
            if self
                .exchange
                .orders()
                .iter()
                .any(|x| x.client_id == o.client_id && x.order_id == o.order_id)
            {
                return Err(SimError::Scenario(format!(
                    "start order {}: duplicate order id for client {}",
                    o.order_id, o.client_id
                )));
            }
            let new = o.new_order(&self.account.id)?;
            // Nobody is connected yet: the events have no one to go to.
            let _ = self.exchange.place(
                o.client_id,
                o.order_id,
                new,
                &self.market,
                &mut self.account,
                now,
            );
            self.next_valid_id = self.next_valid_id.max(o.order_id + 1);
        }
        Ok(())
    }

    /// Places an order as another client (or TWS's user, client 0) would,
    /// while clients are connected: the placing client's sessions are told.
    ///
    /// # Errors
    /// [`SimError::Scenario`] when the order is invalid.
    pub(crate) fn place_as_other_client(&mut self, o: &StartOrder) -> Result<(), SimError> {
        if self.market.index(&o.symbol).is_none() {
            return Err(SimError::Scenario(format!("unknown symbol {}", o.symbol)));
        }
        let new = o.new_order(&self.account.id)?;
        let now = self.clock.now();
        let events = self.exchange.place(
            o.client_id,
            o.order_id,
            new,
            &self.market,
            &mut self.account,
            now,
        );
        self.dispatch(events);
        Ok(())
    }

    /// The contract TWS reports for a holding: the universe stock's, or the
    /// start position's own.
    pub(crate) fn holding_contract(&self, key: &str) -> Option<proto::Contract> {
        if let Some(spec) = self.market.index(key).and_then(|i| self.market.spec(i)) {
            return Some(crate::wire::contract(spec));
        }
        self.held_contracts.get(key).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn an_option_is_never_keyed_as_its_underlying() {
        let p = StartPosition::other("OPT", "SPY", "SPY   260116C00600000", dec!(2), dec!(1250));
        assert_eq!(p.key(true), "OPT SPY   260116C00600000 USD");
        assert_eq!(
            StartPosition::stock("AAPL", dec!(10), dec!(200)).key(true),
            "AAPL"
        );
        let mut eur = StartPosition::stock("AAPL", dec!(10), dec!(200));
        eur.currency = "EUR".into();
        assert_eq!(eur.key(true), "STK AAPL EUR");
    }

    #[test]
    fn a_start_order_needs_the_prices_its_type_needs() {
        let o = StartOrder {
            client_id: 0,
            order_id: 7,
            symbol: "AAPL".into(),
            action: "BUY".into(),
            quantity: dec!(5),
            order_type: "LMT".into(),
            limit: None,
            stop: None,
            order_ref: String::new(),
            tif: gtc(),
        };
        assert!(
            matches!(o.new_order("DU1"), Err(SimError::Scenario(m)) if m.contains("give limit"))
        );
        let ok = StartOrder {
            limit: Some(dec!(100)),
            ..o
        };
        assert_eq!(
            ok.new_order("DU1").map(|n| n.lmt).ok(),
            Some(Some(dec!(100)))
        );
    }
}
