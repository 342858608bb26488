//! Simulator configuration: universe, seed, clock, fills, faults.
//!
//! Owns [`SimConfig`] and [`SymbolSpec`] with their defaults (written once,
//! here). Scenario files are parsed in [`crate::scenario`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::scenario::Scenario;
use crate::SimError;

/// One tradable symbol of the simulated universe (a US stock, SMART/USD).
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolSpec {
    /// Ticker, e.g. `SPY`.
    pub symbol: String,
    /// IB contract id reported in contract details.
    pub con_id: i32,
    /// First last-trade price.
    pub start_price: Decimal,
    /// Minimum price increment.
    pub tick_size: Decimal,
    /// Half the bid/ask spread, in ticks (bid = last - n ticks, ask = last + n ticks).
    pub half_spread_ticks: u32,
    /// Standard deviation of the random walk per simulated second, as a
    /// fraction of price (f64: a statistical parameter, not money). The
    /// default 0.0001 gives about 1.5 % over a 6.5-hour session.
    pub step_volatility: f64,
    /// Primary listing exchange.
    pub primary_exchange: String,
    /// Long company / fund name.
    pub long_name: String,
    /// The symbol's market rule: rows of (low edge, increment), lowest
    /// first. Order prices must lie on the increment that applies at them
    /// (else 110); sent by reqMarketRule, its id in contract details'
    /// `marketRuleIds`. Default: IB's US stock rule (0.0001 below $1, 0.01
    /// from $1). `tick_size` stays the grid the simulator's own prices move on.
    pub price_increments: Vec<(Decimal, Decimal)>,
    /// Whether reqMarketRule for this symbol's rule is answered (default
    /// true). False: no answer at all, as TWS does for a rule id it does
    /// not know. Scenario key `market_rule_answered`.
    pub market_rule_answered: bool,
}

impl SymbolSpec {
    /// A symbol with tick 0.01, a one-tick half spread and 1 bp/√s volatility.
    pub fn new(
        symbol: &str,
        con_id: i32,
        start_price: Decimal,
        primary_exchange: &str,
        long_name: &str,
    ) -> Self {
        Self {
            symbol: symbol.to_string(),
            con_id,
            start_price,
            tick_size: dec!(0.01),
            half_spread_ticks: 1,
            step_volatility: 0.0001,
            primary_exchange: primary_exchange.to_string(),
            long_name: long_name.to_string(),
            price_increments: crate::market_rules::us_stock_ladder(),
            market_rule_answered: true,
        }
    }

    /// The default universe: SPY, QQQ, AAPL, MSFT, NVDA.
    pub fn default_universe() -> Vec<SymbolSpec> {
        vec![
            SymbolSpec::new(
                "SPY",
                756_733,
                dec!(590.00),
                "ARCA",
                "SPDR S&P 500 ETF TRUST",
            ),
            SymbolSpec::new(
                "QQQ",
                320_227_571,
                dec!(515.00),
                "NASDAQ",
                "INVESCO QQQ TRUST SERIES 1",
            ),
            SymbolSpec::new("AAPL", 265_598, dec!(230.00), "NASDAQ", "APPLE INC"),
            SymbolSpec::new("MSFT", 272_093, dec!(420.00), "NASDAQ", "MICROSOFT CORP"),
            SymbolSpec::new("NVDA", 4_815_747, dec!(135.00), "NASDAQ", "NVIDIA CORP"),
        ]
    }
}

/// CSV bar files to replay (`timestamp,open,high,low,close,volume`), one per symbol.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarReplay {
    /// `(symbol, path)` pairs; each bar is replayed as four ticks O, H/L, L/H, C.
    pub files: Vec<(String, PathBuf)>,
    /// Skip this many leading rows of every file.
    pub skip_rows: usize,
}

/// IBKR-style fixed commission schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Commissions {
    /// Per share (default $0.005).
    pub per_share: Decimal,
    /// Minimum per order (default $1.00).
    pub minimum: Decimal,
    /// Maximum as a fraction of trade value (default 0.01).
    pub max_fraction: Decimal,
}

impl Default for Commissions {
    fn default() -> Self {
        Self {
            per_share: dec!(0.005),
            minimum: dec!(1.00),
            max_fraction: dec!(0.01),
        }
    }
}

impl Commissions {
    /// Commission for an order's cumulative fill of `shares` worth `value`:
    /// `clamp(shares × per_share, minimum, value × max_fraction)`, rounded to cents.
    pub fn for_fill(&self, shares: Decimal, value: Decimal) -> Decimal {
        let raw = shares * self.per_share;
        let cap = value.abs() * self.max_fraction;
        let c = raw.max(self.minimum);
        let c = if cap > Decimal::ZERO { c.min(cap) } else { c };
        c.round_dp(2)
    }
}

/// Everything the simulator needs to start; see `Default` for the values.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of every random choice (prices, sizes, history).
    pub seed: u64,
    /// Clock speed factor (f64: not money).
    pub speed: f64,
    /// The managed (paper) account id, default `DU1234567`.
    pub account: String,
    /// The tradable universe.
    pub symbols: Vec<SymbolSpec>,
    /// Scripted price steps and faults.
    pub scenario: Option<Scenario>,
    /// CSV bars to replay instead of the random walk (per listed symbol).
    pub bar_replay: Option<BarReplay>,
    /// Fill at most the displayed size per price event.
    pub partial_fills: bool,
    /// Never answer reqHistoricalData (the historical data farm is down or
    /// overloaded: TWS then sends nothing, not even an error, for minutes).
    pub history_unanswered: bool,
    /// Read the client's handshake and never answer it (TWS accepting the
    /// socket behind a modal dialog or while it logs in): the client waits.
    pub handshake_unanswered: bool,
    /// Never answer reqPositions (no position, no positionEnd): a client's
    /// start-up reconciliation waits.
    pub positions_unanswered: bool,
    /// Real time between market ticks.
    pub tick_interval: Duration,
    /// Move prices by a seeded random walk on each tick (off: prices move only
    /// by `set_price`, scenario steps or replay).
    pub random_walk: bool,
    /// Exchange date the clock starts on.
    pub start_date: NaiveDate,
    /// Exchange time the clock starts at (America/New_York).
    pub start_time: NaiveTime,
    /// Opening cash balance.
    pub starting_cash: Decimal,
    /// First NextValidId handed out.
    pub first_order_id: i32,
    /// Max client messages per second before error 100 (`None`: unlimited).
    pub pacing_limit: Option<u32>,
    /// Commission schedule.
    pub commissions: Commissions,
    /// Order-lifecycle behaviours (161 cancels, late/duplicate commissions).
    pub lifecycle: crate::lifecycle::LifecycleOptions,
    /// TWS's "Read-Only API" setting: every placeOrder, cancelOrder and
    /// reqGlobalCancel is answered with 321 and nothing changes.
    pub read_only_api: bool,
    /// The account's base currency: account summary, account updates and PnL
    /// are reported in it (default `USD`).
    pub base_currency: String,
    /// 1 USD in the base currency, as TWS's `ExchangeRate` reports it (1 for USD).
    pub exchange_rate_usd: Decimal,
    /// Positions held since an earlier day, with that day's close.
    pub carried_positions: Vec<crate::tws_settings::CarriedPosition>,
    /// Positions held before anyone connects (any security type).
    pub start_positions: Vec<crate::start::StartPosition>,
    /// Orders working before anyone connects (other clients, TWS's user).
    pub start_orders: Vec<crate::start::StartOrder>,
    /// Market-data permissions, outages and pacing (see [`crate::market_access`]).
    pub market_access: crate::market_access::MarketAccess,
    /// When bars stream and orders work: around the clock (default) or on
    /// NYSE's calendar (see [`crate::trading_hours`]; scenario `[session]`).
    pub hours: crate::trading_hours::Hours,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            speed: 1.0,
            account: "DU1234567".to_string(),
            symbols: SymbolSpec::default_universe(),
            scenario: None,
            bar_replay: None,
            partial_fills: false,
            history_unanswered: false,
            handshake_unanswered: false,
            positions_unanswered: false,
            tick_interval: Duration::from_millis(250),
            random_walk: true,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
            start_time: NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default(),
            starting_cash: dec!(1000000),
            first_order_id: 1,
            pacing_limit: Some(50),
            commissions: Commissions::default(),
            lifecycle: crate::lifecycle::LifecycleOptions::default(),
            read_only_api: false,
            base_currency: "USD".to_string(),
            exchange_rate_usd: Decimal::ONE,
            carried_positions: Vec::new(),
            start_positions: Vec::new(),
            start_orders: Vec::new(),
            market_access: crate::market_access::MarketAccess::default(),
            hours: crate::trading_hours::Hours::default(),
        }
    }
}

impl SimConfig {
    /// Default config with the scenario file at `path` applied (its `seed`,
    /// `speed`, `start_date`, `start_time`, symbols, replay files, steps and faults).
    ///
    /// # Errors
    /// [`SimError::Scenario`] when the file cannot be read or is invalid.
    pub fn from_scenario_file(path: impl AsRef<Path>) -> Result<SimConfig, SimError> {
        let scenario = Scenario::from_file(path.as_ref())?;
        let mut config = SimConfig::default();
        scenario.apply_to(&mut config)?;
        Ok(config)
    }

    /// Looks a symbol up by ticker (case-insensitive).
    pub fn symbol(&self, symbol: &str) -> Option<&SymbolSpec> {
        self.symbols
            .iter()
            .find(|s| s.symbol.eq_ignore_ascii_case(symbol))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commission_schedule_matches_ibkr_fixed() {
        let c = Commissions::default();
        // 100 shares: 0.50 -> minimum 1.00
        assert_eq!(c.for_fill(dec!(100), dec!(10000)), dec!(1.00));
        // 1000 shares at $50: 5.00
        assert_eq!(c.for_fill(dec!(1000), dec!(50000)), dec!(5.00));
        // 1000 shares at $0.20: cap 1% of $200 = 2.00
        assert_eq!(c.for_fill(dec!(1000), dec!(200)), dec!(2.00));
        // 10 shares at $5: min 1.00 but cap 0.50
        assert_eq!(c.for_fill(dec!(10), dec!(50)), dec!(0.50));
    }

    #[test]
    fn default_universe_has_five_symbols() {
        let cfg = SimConfig::default();
        assert_eq!(cfg.account, "DU1234567");
        assert_eq!(cfg.symbols.len(), 5);
        assert_eq!(cfg.symbol("spy").map(|s| s.con_id), Some(756_733));
        assert_eq!(cfg.symbol("AAPL").map(|s| s.tick_size), Some(dec!(0.01)));
    }
}
