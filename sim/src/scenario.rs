//! Scenario files (TOML): price steps, gaps and scripted faults.
//!
//! Owns the file format and its validation. Times are exchange wall-clock
//! times (`HH:MM:SS`, America/New_York) on the simulated start date; a step
//! or fault fires on the first market tick at or after its time.
//!
//! ```toml
//! seed = 7
//! speed = 60.0
//! start_date = "2026-01-05"
//! start_time = "09:30:00"
//! random_walk = false
//!
//! [[symbols]]
//! symbol = "SPY"
//! con_id = 756733
//! start_price = "590.00"
//!
//! [replay]
//! files = { SPY = "data/bars/SPY_1min.csv" }
//!
//! [[steps]]
//! at = "09:31:00"
//! symbol = "SPY"
//! price = "585.00"        # jump (gap) to a price
//!
//! [[steps]]
//! at = "09:32:00"
//! symbol = "SPY"
//! change_pct = "-2.5"     # or move by a percentage
//!
//! [[faults]]
//! at = "09:35:00"
//! kind = "connectivity_lost"
//! data_kept = true
//!
//! [lifecycle]                 # see crate::lifecycle
//! refuse_cancels = 1          # answer the next cancel with 161
//! commission_delay_ms = 500   # commission reports lag their execution
//! duplicate_commissions = true
//! # Account settings (see `tws_settings` and sim/README.md)
//! read_only_api = false
//! base_currency = "USD"
//! exchange_rate_usd = "1"
//! [[carried_positions]]
//! symbol = "SPY"
//! quantity = "100"
//! average_cost = "600.00"
//! prior_close = "595.00"
//!
//! [market_data]           # see crate::market_access
//! no_permission = ["AAPL"]                                # 420 / 162 / 354
//! competing_session = { from = "09:31:00", until = "09:33:00" }  # 10197
//! farm_outage = { from = "09:40:00", until = "09:41:00" }  # 2103 … 2104
//! realtime_bar_budget = 60                                # per 10 min; 0 = off
//! [[market_data.silent_stops]]
//! symbol = "SPY"
//! at = "09:35:00"
//!
//! [session]               # see crate::trading_hours
//! hours = "nyse"          # NYSE calendar; default "always" (never closes)
//!
//! [[start.positions]]     # held before anyone connects
//! symbol = "SPY"
//! sec_type = "OPT"
//! local_symbol = "SPY   260116C00600000"
//! quantity = "2"
//! avg_cost = "1250"
//!
//! [[start.orders]]        # typed into TWS by hand (client 0, no orderRef)
//! client_id = 0
//! order_id = 900
//! symbol = "AAPL"
//! action = "BUY"
//! quantity = "5"
//! limit = "150.00"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::config::{BarReplay, SimConfig, SymbolSpec};
use crate::start::{StartOrder, StartPosition};
use crate::tws_settings::CarriedPosition;
use crate::SimError;

/// One scripted price move.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceStep {
    /// Exchange time it happens.
    #[serde(deserialize_with = "de_time")]
    pub at: NaiveTime,
    /// Symbol it moves.
    pub symbol: String,
    /// New last price (a gap when far from the current one).
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Or: relative move in percent.
    #[serde(default)]
    pub change_pct: Option<Decimal>,
}

/// What a scripted fault does.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultKind {
    /// Close every client socket; the server keeps accepting.
    DropConnections,
    /// Send 1100, then 1102 (`data_kept`) or 1101 and drop market data subscriptions.
    ConnectivityLost {
        /// 1102 (true) or 1101 (false).
        #[serde(default = "yes")]
        data_kept: bool,
    },
    /// Send 2110: TWS's link to IB's server is broken (orders are not sent
    /// meanwhile by a careful client; the simulator itself keeps working).
    ServerLinkBroken,
    /// Send 2104 and 2106: the data farms are OK again (after a 2110).
    DataFarmsOk,
    /// Reject the `n`-th order placed after this point with `code`.
    RejectOrder {
        /// 1 = the next order.
        n: u32,
        /// IB error code, e.g. 201.
        code: i32,
        /// Error text.
        #[serde(default = "default_reject_message")]
        message: String,
    },
    /// Delay every outgoing frame by `millis` (0 turns it off).
    Delay {
        /// Milliseconds.
        millis: u64,
    },
    /// TWS's nightly reset: 1100, `silence_minutes` of market clock in
    /// which nothing reaches the clients (statuses and executions are held,
    /// no bars), then 1102 (`data_kept`) or 1101, then what was held.
    NightlyReset {
        /// Length of the silence, in minutes of market clock.
        silence_minutes: u32,
        /// 1102 (true) or 1101 (false).
        #[serde(default = "yes")]
        data_kept: bool,
    },
}

fn yes() -> bool {
    true
}

fn default_reject_message() -> String {
    "Order rejected - reason: simulated rejection".to_string()
}

/// One scripted fault at an exchange time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScriptedFault {
    /// Exchange time it fires.
    #[serde(deserialize_with = "de_time")]
    pub at: NaiveTime,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SymbolEntry {
    symbol: String,
    con_id: i32,
    start_price: Decimal,
    #[serde(default)]
    tick_size: Option<Decimal>,
    /// The market rule's rows `[[low_edge, increment], ...]`; default: the
    /// US stock rule, or one row of `tick_size` when that is given.
    #[serde(default)]
    price_increments: Option<Vec<(Decimal, Decimal)>>,
    /// False: reqMarketRule for this symbol's rule gets no answer.
    #[serde(default)]
    market_rule_answered: Option<bool>,
    #[serde(default)]
    step_volatility: Option<f64>,
    #[serde(default)]
    primary_exchange: Option<String>,
    #[serde(default)]
    long_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayEntry {
    files: BTreeMap<String, PathBuf>,
    #[serde(default)]
    skip_rows: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    seed: Option<u64>,
    speed: Option<f64>,
    start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "de_opt_time")]
    start_time: Option<NaiveTime>,
    random_walk: Option<bool>,
    partial_fills: Option<bool>,
    history_unanswered: Option<bool>,
    handshake_unanswered: Option<bool>,
    positions_unanswered: Option<bool>,
    account: Option<String>,
    read_only_api: Option<bool>,
    base_currency: Option<String>,
    exchange_rate_usd: Option<Decimal>,
    #[serde(default)]
    carried_positions: Vec<CarriedPosition>,
    #[serde(default)]
    symbols: Vec<SymbolEntry>,
    replay: Option<ReplayEntry>,
    #[serde(default)]
    steps: Vec<PriceStep>,
    #[serde(default)]
    faults: Vec<ScriptedFault>,
    lifecycle: Option<crate::lifecycle::LifecycleEntry>,
    market_data: Option<crate::market_access::MarketAccess>,
    #[serde(default)]
    start: StartEntry,
    session: Option<SessionEntry>,
}

/// `[session]`: the market's hours (see [`crate::trading_hours`]).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionEntry {
    hours: crate::trading_hours::Hours,
}

/// `[start]`: the account before anyone connects (see [`crate::start`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartEntry {
    #[serde(default)]
    positions: Vec<StartPosition>,
    #[serde(default)]
    orders: Vec<StartOrder>,
}

pub(crate) fn de_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    let s = String::deserialize(d)?;
    NaiveTime::parse_from_str(&s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M"))
        .map_err(|e| serde::de::Error::custom(format!("time {s:?}: {e} (expected HH:MM:SS)")))
}

fn de_opt_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
    de_time(d).map(Some)
}

/// A parsed scenario: sorted price steps and faults plus the settings it overrides.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenario {
    /// Price steps, sorted by time.
    pub steps: Vec<PriceStep>,
    /// Faults, sorted by time.
    pub faults: Vec<ScriptedFault>,
    overrides: Overrides,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Overrides {
    seed: Option<u64>,
    speed: Option<f64>,
    start_date: Option<NaiveDate>,
    start_time: Option<NaiveTime>,
    random_walk: Option<bool>,
    partial_fills: Option<bool>,
    history_unanswered: Option<bool>,
    handshake_unanswered: Option<bool>,
    positions_unanswered: Option<bool>,
    account: Option<String>,
    read_only_api: Option<bool>,
    base_currency: Option<String>,
    exchange_rate_usd: Option<Decimal>,
    carried_positions: Vec<CarriedPosition>,
    symbols: Vec<SymbolSpec>,
    replay: Option<BarReplay>,
    lifecycle: Option<crate::lifecycle::LifecycleOptions>,
    market_data: Option<crate::market_access::MarketAccess>,
    start_positions: Vec<StartPosition>,
    start_orders: Vec<StartOrder>,
    hours: Option<crate::trading_hours::Hours>,
}

impl Scenario {
    /// Parses scenario TOML text. Relative replay paths resolve against `base_dir`.
    ///
    /// # Errors
    /// [`SimError::Scenario`] naming the problem.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Scenario, SimError> {
        let file: ScenarioFile =
            toml::from_str(text).map_err(|e| SimError::Scenario(e.to_string()))?;
        for e in &file.symbols {
            if let Some(rows) = &e.price_increments {
                crate::market_rules::check_ladder(rows).map_err(|why| {
                    SimError::Scenario(format!(
                        "[[symbols]] {}: price_increments {rows:?}: {why}",
                        e.symbol
                    ))
                })?;
            }
        }
        for step in &file.steps {
            if step.price.is_some() == step.change_pct.is_some() {
                return Err(SimError::Scenario(format!(
                    "step at {} for {}: give exactly one of price or change_pct",
                    step.at, step.symbol
                )));
            }
            if step.price.is_some_and(|p| p <= Decimal::ZERO) {
                return Err(SimError::Scenario(format!(
                    "step at {}: price must be positive",
                    step.at
                )));
            }
        }
        let symbols = file
            .symbols
            .into_iter()
            .map(|e| {
                let mut spec = SymbolSpec::new(
                    &e.symbol,
                    e.con_id,
                    e.start_price,
                    e.primary_exchange.as_deref().unwrap_or("NASDAQ"),
                    e.long_name.as_deref().unwrap_or(&e.symbol),
                );
                if let Some(t) = e.tick_size {
                    spec.tick_size = t;
                    spec.price_increments = crate::market_rules::flat_ladder(t);
                }
                if let Some(rows) = e.price_increments {
                    spec.price_increments = rows;
                }
                if let Some(answered) = e.market_rule_answered {
                    spec.market_rule_answered = answered;
                }
                if let Some(v) = e.step_volatility {
                    spec.step_volatility = v;
                }
                spec
            })
            .collect();
        let replay = file.replay.map(|r| BarReplay {
            files: r
                .files
                .into_iter()
                .map(|(s, p)| (s, if p.is_relative() { base_dir.join(p) } else { p }))
                .collect(),
            skip_rows: r.skip_rows,
        });
        let mut steps = file.steps;
        steps.sort_by_key(|s| s.at);
        let mut faults = file.faults;
        faults.sort_by_key(|f| f.at);
        Ok(Scenario {
            steps,
            faults,
            overrides: Overrides {
                seed: file.seed,
                speed: file.speed,
                start_date: file.start_date,
                start_time: file.start_time,
                random_walk: file.random_walk,
                partial_fills: file.partial_fills,
                history_unanswered: file.history_unanswered,
                handshake_unanswered: file.handshake_unanswered,
                positions_unanswered: file.positions_unanswered,
                account: file.account,
                read_only_api: file.read_only_api,
                base_currency: file.base_currency,
                exchange_rate_usd: file.exchange_rate_usd,
                carried_positions: file.carried_positions,
                symbols,
                replay,
                lifecycle: file.lifecycle.map(Into::into),
                market_data: file.market_data,
                start_positions: file.start.positions,
                start_orders: file.start.orders,
                hours: file.session.map(|s| s.hours),
            },
        })
    }

    /// Reads and parses a scenario file.
    ///
    /// # Errors
    /// [`SimError::Scenario`] when unreadable or invalid.
    pub fn from_file(path: &Path) -> Result<Scenario, SimError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SimError::Scenario(format!("{}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Scenario::parse(&text, base).map_err(|e| match e {
            SimError::Scenario(m) => SimError::Scenario(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Writes the scenario's overrides into `config` and stores the scenario in it.
    ///
    /// # Errors
    /// [`SimError::Scenario`] when a step names a symbol outside the universe.
    pub fn apply_to(self, config: &mut SimConfig) -> Result<(), SimError> {
        let o = &self.overrides;
        if let Some(v) = o.seed {
            config.seed = v;
        }
        if let Some(v) = o.speed {
            config.speed = v;
        }
        if let Some(v) = o.start_date {
            config.start_date = v;
        }
        if let Some(v) = o.start_time {
            config.start_time = v;
        }
        if let Some(v) = o.random_walk {
            config.random_walk = v;
        }
        if let Some(v) = o.partial_fills {
            config.partial_fills = v;
        }
        if let Some(v) = o.history_unanswered {
            config.history_unanswered = v;
        }
        if let Some(v) = o.handshake_unanswered {
            config.handshake_unanswered = v;
        }
        if let Some(v) = o.positions_unanswered {
            config.positions_unanswered = v;
        }
        if let Some(v) = &o.account {
            config.account = v.clone();
        }
        if let Some(v) = o.read_only_api {
            config.read_only_api = v;
        }
        if let Some(v) = &o.base_currency {
            config.base_currency = v.clone();
        }
        if let Some(v) = o.exchange_rate_usd {
            config.exchange_rate_usd = v;
        }
        if !o.carried_positions.is_empty() {
            config.carried_positions = o.carried_positions.clone();
        }
        for spec in &o.symbols {
            config
                .symbols
                .retain(|s| !s.symbol.eq_ignore_ascii_case(&spec.symbol));
            config.symbols.push(spec.clone());
        }
        if o.replay.is_some() {
            config.bar_replay = o.replay.clone();
        }
        if let Some(v) = &o.lifecycle {
            config.lifecycle = v.clone();
        }
        if let Some(v) = &o.market_data {
            config.market_access = v.clone();
        }
        if let Some(v) = o.hours {
            config.hours = v;
        }
        config
            .start_positions
            .extend(o.start_positions.iter().cloned());
        config.start_orders.extend(o.start_orders.iter().cloned());
        for step in &self.steps {
            if config.symbol(&step.symbol).is_none() {
                return Err(SimError::Scenario(format!(
                    "step at {}: unknown symbol {}",
                    step.at, step.symbol
                )));
            }
        }
        config.scenario = Some(self);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const TEXT: &str = r#"
seed = 7
speed = 60.0
random_walk = false
[[steps]]
at = "09:32:00"
symbol = "SPY"
change_pct = "-2.5"
[[steps]]
at = "09:31:00"
symbol = "SPY"
price = "585.00"
[[faults]]
at = "09:35:00"
kind = "connectivity_lost"
data_kept = false
[[faults]]
at = "09:33:00"
kind = "reject_order"
n = 2
code = 201
"#;

    #[test]
    fn parses_and_sorts_steps_and_faults() {
        let s = Scenario::parse(TEXT, Path::new(".")).unwrap();
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.steps[0].price, Some(dec!(585.00)));
        assert_eq!(s.steps[1].change_pct, Some(dec!(-2.5)));
        assert_eq!(
            s.faults[0].kind,
            FaultKind::RejectOrder {
                n: 2,
                code: 201,
                message: default_reject_message()
            }
        );
        assert_eq!(
            s.faults[1].kind,
            FaultKind::ConnectivityLost { data_kept: false }
        );
        let mut cfg = SimConfig::default();
        s.apply_to(&mut cfg).unwrap();
        assert_eq!(cfg.seed, 7);
        assert!(!cfg.random_walk);
        assert_eq!(cfg.scenario.as_ref().map(|s| s.steps.len()), Some(2));
    }

    #[test]
    fn a_nightly_reset_fault_parses_with_its_silence() {
        let text =
            "[[faults]]\nat = \"23:45:00\"\nkind = \"nightly_reset\"\nsilence_minutes = 10\n";
        let s = Scenario::parse(text, Path::new(".")).unwrap();
        assert_eq!(
            s.faults[0].kind,
            FaultKind::NightlyReset {
                silence_minutes: 10,
                data_kept: true
            }
        );
    }

    #[test]
    fn account_settings_keys_reach_the_config() {
        let text = "read_only_api = true\nbase_currency = \"EUR\"\nexchange_rate_usd = \"0.92\"\n\
            [[carried_positions]]\nsymbol = \"SPY\"\nquantity = \"100\"\n\
            average_cost = \"600\"\nprior_close = \"595\"\n";
        let mut cfg = SimConfig::default();
        Scenario::parse(text, Path::new("."))
            .unwrap()
            .apply_to(&mut cfg)
            .unwrap();
        assert!(cfg.read_only_api);
        assert_eq!(cfg.base_currency, "EUR");
        assert_eq!(cfg.exchange_rate_usd, dec!(0.92));
        assert_eq!(
            cfg.carried_positions,
            vec![CarriedPosition {
                symbol: "SPY".into(),
                quantity: dec!(100),
                average_cost: dec!(600),
                prior_close: dec!(595),
            }]
        );
    }

    #[test]
    fn the_session_section_picks_the_market_hours() {
        let mut cfg = SimConfig::default();
        assert_eq!(cfg.hours, crate::trading_hours::Hours::Always);
        Scenario::parse("[session]\nhours = \"nyse\"\n", Path::new("."))
            .unwrap()
            .apply_to(&mut cfg)
            .unwrap();
        assert_eq!(cfg.hours, crate::trading_hours::Hours::Nyse);
        let bad = Scenario::parse("[session]\nhours = \"lse\"\n", Path::new(".")).unwrap_err();
        assert!(bad.to_string().contains("lse"), "{bad}");
    }

    #[test]
    fn rejects_step_with_both_price_and_change() {
        let bad =
            "[[steps]]\nat = \"09:31:00\"\nsymbol = \"SPY\"\nprice = \"1\"\nchange_pct = \"1\"\n";
        assert!(matches!(
            Scenario::parse(bad, Path::new(".")),
            Err(SimError::Scenario(_))
        ));
    }

    #[test]
    fn start_section_sets_positions_and_orders() {
        let text = "[[start.positions]]\nsymbol = \"SPY\"\nsec_type = \"OPT\"\nlocal_symbol = \"SPY   260116C00600000\"\nquantity = \"2\"\navg_cost = \"1250\"\n[[start.orders]]\norder_id = 900\nsymbol = \"AAPL\"\naction = \"BUY\"\nquantity = \"5\"\nlimit = \"150\"\n";
        let mut cfg = SimConfig::default();
        Scenario::parse(text, Path::new("."))
            .unwrap()
            .apply_to(&mut cfg)
            .unwrap();
        assert_eq!(cfg.start_positions.len(), 1);
        assert_eq!(cfg.start_positions[0].sec_type, "OPT");
        assert_eq!(cfg.start_positions[0].currency, "USD");
        assert_eq!(cfg.start_orders.len(), 1);
        assert_eq!(cfg.start_orders[0].client_id, 0);
        assert_eq!(cfg.start_orders[0].order_ref, "");
        assert!(Scenario::parse("[start]\nbogus = 1\n", Path::new(".")).is_err());
    }

    #[test]
    fn rejects_unknown_field_and_unknown_symbol() {
        assert!(Scenario::parse("bogus = 1\n", Path::new(".")).is_err());
        let s = Scenario::parse(
            "[[steps]]\nat = \"09:31\"\nsymbol = \"ZZZZ\"\nprice = \"1\"\n",
            Path::new("."),
        )
        .unwrap();
        assert!(s.apply_to(&mut SimConfig::default()).is_err());
    }
}
