//! The schema of one `strategies/*.toml` file ([`StrategyFile`]) and its
//! loader. Reading is strict: unknown keys are errors, and every problem in a
//! file is collected and reported at once, each naming the file, the key, the
//! value and what is expected.
//!
//! ```toml
//! kind = "sma_crossover"        # registry kind (required)
//! name = "spy_trend"            # optional, defaults to the file stem
//! enabled = true                # optional, default true
//! symbols = ["SPY"]             # required, at least one
//! bar_size = "1 day"            # required: "5 secs", "1 min", "1 hour", "1 day", ...
//! [sizing]                      # required: exactly one of the two keys
//! fixed_quantity = 10           #   or fraction_of_equity = 0.1
//! [params]                      # kind-specific; unknown parameters are errors
//! fast = 10
//! slow = 30
//! ```

use std::path::Path;

use rust_decimal::Decimal;

use crate::domain::types::Symbol;
use crate::domain::ConfigProblem;
use crate::strategy::bar_size::{parse_bar_size, BAR_SIZE_EXPECTED};
use crate::strategy::files::{read_toml_file, ReadError};
use crate::strategy::registry::Registry;
use crate::strategy::sizing::{Sizing, MAX_FIXED_QUANTITY};
use crate::strategy::toml_util::{decimal, locate, shown, whole};

/// The keys a strategy file may have at top level, in documentation order.
pub const STRATEGY_FILE_KEYS: [&str; 7] = [
    "kind", "name", "enabled", "symbols", "bar_size", "sizing", "params",
];

/// Longest strategy `name` accepted.
pub const MAX_NAME_LEN: usize = 64;

/// One strategy instance as written in its TOML file, after schema checks.
///
/// Guarantees (when returned by a loader): `kind` and `name` are non-empty,
/// `symbols` is non-empty without duplicates, `bar_seconds` is a multiple of 5
/// in 5..=86 400, `sizing` holds a positive quantity or a fraction in (0, 1].
/// `params` is checked by the kind's constructor (see [`Registry::build`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyFile {
    /// Where the file came from (its path as given), used in every problem.
    pub source: String,
    /// Registry kind, e.g. `sma_crossover`.
    pub kind: String,
    /// Instance name for logs and reports (defaults to the file stem).
    pub name: String,
    /// Whether the instance trades.
    pub enabled: bool,
    /// Instruments traded, in the order written.
    pub symbols: Vec<Symbol>,
    /// The bar size as written, e.g. `1 hour`.
    pub bar_size: String,
    /// The bar size in seconds.
    pub bar_seconds: u32,
    /// How entries are sized.
    pub sizing: Sizing,
    /// Kind-specific parameters, unchecked until a constructor reads them.
    pub params: toml::Table,
}

/// Reads one strategy file and validates it completely: schema, kind and
/// parameters, against the app's registry ([`Registry::for_app`]: the
/// built-ins plus [`USER_KINDS`](crate::strategy::registry::USER_KINDS)).
///
/// # Errors
/// Every problem found, each naming the file, key, value and expectation.
pub fn load_strategy_file(path: &Path) -> Result<StrategyFile, Vec<ConfigProblem>> {
    let registry = Registry::for_app().map_err(|e| {
        vec![ConfigProblem::new(
            "src/strategy/registry.rs",
            "USER_KINDS",
            "",
            e.to_string(),
        )]
    })?;
    load_strategy_file_with(path, &registry)
}

/// Like [`load_strategy_file`], checking `kind` and `params` against
/// `registry` (so kinds you registered yourself are known).
///
/// # Errors
/// Every problem found, each naming the file, key, value and expectation.
pub fn load_strategy_file_with(
    path: &Path,
    registry: &Registry,
) -> Result<StrategyFile, Vec<ConfigProblem>> {
    let file = read_strategy_file(path)?;
    let problems = registry.validate(&file);
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(problems)
    }
}

/// Reads one strategy file and checks its schema only (not `kind`/`params`).
///
/// # Errors
/// An unreadable file, invalid TOML, or every schema problem found.
pub fn read_strategy_file(path: &Path) -> Result<StrategyFile, Vec<ConfigProblem>> {
    let source = path.display().to_string();
    let text = read_toml_file(path).map_err(|e| {
        let expected = match e {
            ReadError::NotFound => {
                "does not exist: check the path in the strategies list".to_string()
            }
            ReadError::Refused(why) => why,
        };
        vec![ConfigProblem::new(&source, "(file)", "", expected)]
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    StrategyFile::parse(&source, &stem, &text)
}

impl StrategyFile {
    /// Parses and schema-checks the text of a strategy file. `source` labels
    /// problems; `default_name` is used when the file has no `name`.
    ///
    /// # Errors
    /// Invalid TOML, or every schema problem found.
    pub fn parse(source: &str, default_name: &str, text: &str) -> Result<Self, Vec<ConfigProblem>> {
        let table = text.parse::<toml::Table>().map_err(|e| {
            let (line, column, snippet) = locate(text, e.span().map_or(0, |s| s.start));
            vec![ConfigProblem::new(
                source,
                format!("(line {line}, column {column})"),
                snippet,
                format!("invalid TOML: {}", e.message().trim()),
            )]
        })?;
        let mut r = Reader {
            source,
            problems: Vec::new(),
        };
        for (key, value) in &table {
            if !STRATEGY_FILE_KEYS.contains(&key.as_str()) {
                r.problem(key, shown(value), unknown_key_hint(key));
            }
        }
        let kind = r.string(&table, "kind", None, "e.g. kind = \"sma_crossover\"");
        let name = r.string(
            &table,
            "name",
            Some(default_name),
            "e.g. name = \"spy_trend\"",
        );
        if !name.is_empty() && (name.len() > MAX_NAME_LEN || name.chars().any(char::is_control)) {
            r.problem(
                "name",
                format!("{name:?}"),
                format!("must be at most {MAX_NAME_LEN} printable characters"),
            );
        }
        let enabled = match table.get("enabled") {
            None => true,
            Some(toml::Value::Boolean(b)) => *b,
            Some(other) => {
                r.problem("enabled", shown(other), "must be true or false");
                false
            }
        };
        let symbols = r.symbols(&table);
        let bar_size = r.string(&table, "bar_size", None, BAR_SIZE_EXPECTED);
        let bar_seconds = if bar_size.is_empty() {
            0
        } else {
            parse_bar_size(&bar_size).unwrap_or_else(|| {
                r.problem("bar_size", format!("{bar_size:?}"), BAR_SIZE_EXPECTED);
                0
            })
        };
        let sizing = r.sizing(&table);
        let params = match table.get("params") {
            None => toml::Table::new(),
            Some(toml::Value::Table(params)) => params.clone(),
            Some(other) => {
                r.problem(
                    "params",
                    shown(other),
                    "must be a table: [params] followed by key = value lines",
                );
                toml::Table::new()
            }
        };
        if !r.problems.is_empty() {
            return Err(r.problems);
        }
        Ok(Self {
            source: source.to_string(),
            kind,
            name,
            enabled,
            symbols,
            bar_size,
            bar_seconds,
            sizing: sizing.unwrap_or(Sizing::FixedQuantity(Decimal::ONE)),
            params,
        })
    }
}

fn unknown_key_hint(key: &str) -> String {
    match key {
        "fixed_quantity" | "fraction_of_equity" => {
            format!("unknown top-level key; write it under [sizing] as {key} = ...")
        }
        "symbol" => "unknown key; did you mean symbols = [\"SPY\"]?".to_string(),
        _ => format!(
            "unknown key; allowed keys: {}; strategy parameters belong under [params]",
            STRATEGY_FILE_KEYS.join(", ")
        ),
    }
}

/// Collects problems while reading typed values out of the top-level table.
struct Reader<'a> {
    source: &'a str,
    problems: Vec<ConfigProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, key: &str, value: impl Into<String>, expected: impl Into<String>) {
        self.problems
            .push(ConfigProblem::new(self.source, key, value, expected));
    }

    /// A non-empty string; `default` when absent (required when `None`).
    fn string(
        &mut self,
        table: &toml::Table,
        key: &str,
        default: Option<&str>,
        example: &str,
    ) -> String {
        match (table.get(key), default) {
            (Some(toml::Value::String(s)), _) if !s.trim().is_empty() => s.trim().to_string(),
            (None, Some(default)) if !default.is_empty() => default.to_string(),
            (None, _) => {
                self.problem(key, "(missing)", format!("required; {example}"));
                String::new()
            }
            (Some(other), _) => {
                self.problem(
                    key,
                    shown(other),
                    format!("must be a non-empty string; {example}"),
                );
                String::new()
            }
        }
    }

    fn symbols(&mut self, table: &toml::Table) -> Vec<Symbol> {
        const EXPECTED: &str =
            "must be a non-empty list of ticker symbols, e.g. symbols = [\"SPY\"]";
        let list = match table.get("symbols") {
            Some(toml::Value::Array(list)) if !list.is_empty() => list,
            Some(other) => {
                self.problem("symbols", shown(other), EXPECTED);
                return Vec::new();
            }
            None => {
                self.problem("symbols", "(missing)", format!("required; {EXPECTED}"));
                return Vec::new();
            }
        };
        let mut symbols = Vec::with_capacity(list.len());
        for (i, value) in list.iter().enumerate() {
            let key = format!("symbols[{i}]");
            let parsed = match value {
                toml::Value::String(text) => Symbol::new(text).map_err(|e| e.to_string()),
                _ => Err("must be a ticker symbol string, e.g. \"SPY\"".to_string()),
            };
            match parsed {
                Ok(symbol) if symbols.contains(&symbol) => {
                    self.problem(&key, shown(value), "listed twice; list each symbol once");
                }
                Ok(symbol) => symbols.push(symbol),
                Err(expected) => self.problem(&key, shown(value), expected),
            }
        }
        symbols
    }

    fn sizing(&mut self, table: &toml::Table) -> Option<Sizing> {
        const EXPECTED: &str =
            "exactly one of fixed_quantity = 10 (shares) or fraction_of_equity = 0.1";
        let sizing = match table.get("sizing") {
            Some(toml::Value::Table(sizing)) => sizing,
            Some(other) => {
                self.problem(
                    "sizing",
                    shown(other),
                    format!("must be a table [sizing] with {EXPECTED}"),
                );
                return None;
            }
            None => {
                self.problem(
                    "sizing",
                    "(missing)",
                    format!("required: a [sizing] table with {EXPECTED}"),
                );
                return None;
            }
        };
        let mut found = Vec::new();
        for (key, value) in sizing {
            let full = format!("sizing.{key}");
            match key.as_str() {
                "fixed_quantity" => match whole(value) {
                    Some(n) if (1..=MAX_FIXED_QUANTITY).contains(&n) => {
                        found.push(Sizing::FixedQuantity(Decimal::from(n)));
                    }
                    _ => self.problem(
                        &full,
                        shown(value),
                        format!(
                            "must be a whole number of shares from 1 to {MAX_FIXED_QUANTITY}, e.g. 10"
                        ),
                    ),
                },
                "fraction_of_equity" => match decimal(value) {
                    Some(f) if f > Decimal::ZERO && f <= Decimal::ONE => {
                        found.push(Sizing::FractionOfEquity(f));
                    }
                    _ => self.problem(
                        &full,
                        shown(value),
                        "must be a fraction in (0, 1], e.g. 0.1 for 10% of equity",
                    ),
                },
                _ => self.problem(
                    &full,
                    shown(value),
                    "unknown key; allowed keys: fixed_quantity, fraction_of_equity",
                ),
            }
        }
        match found.as_slice() {
            [one] => Some(*one),
            [] if sizing.is_empty() => {
                self.problem("sizing", "{ }", format!("must hold {EXPECTED}"));
                None
            }
            [] => None,
            _ => {
                self.problem(
                    "sizing",
                    shown(&toml::Value::Table(sizing.clone())),
                    format!("must hold {EXPECTED}, not both"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
