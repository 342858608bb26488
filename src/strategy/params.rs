//! [`Params`]: what a strategy constructor reads its `[params]` from. Each
//! getter records the key as used and any problem (file, `params.key`, value,
//! expectation); the registry then reports every unused key as unknown. So a
//! constructor only states what it accepts, and strictness comes for free.

use std::fmt::Display;

use rust_decimal::Decimal;

use crate::domain::types::StrategyId;
use crate::domain::ConfigProblem;
use crate::strategy::config::StrategyFile;
use crate::strategy::toml_util::{decimal, shown, whole};

/// Longest indicator period a parameter may ask for (bounds the memory a
/// strategy preallocates).
pub const MAX_PERIOD: usize = 10_000;

/// The parameters of one strategy file, being read by its kind's constructor.
#[derive(Debug)]
pub struct Params<'a> {
    file: &'a StrategyFile,
    id: StrategyId,
    asked: Vec<String>,
    problems: Vec<ConfigProblem>,
}

impl<'a> Params<'a> {
    /// Starts reading `file.params` for the instance that will be `id`.
    pub fn new(file: &'a StrategyFile, id: StrategyId) -> Self {
        Self {
            file,
            id,
            asked: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The id the engine gives this instance.
    pub fn id(&self) -> StrategyId {
        self.id
    }

    /// The whole file: symbols, bar size, sizing, name.
    pub fn file(&self) -> &'a StrategyFile {
        self.file
    }

    /// Records a problem with `params.<key>` (for checks across parameters).
    pub fn problem(&mut self, key: &str, value: impl Display, expected: impl Into<String>) {
        self.problems.push(ConfigProblem::new(
            &self.file.source,
            format!("params.{key}"),
            value.to_string(),
            expected,
        ));
    }

    fn get(&mut self, key: &str) -> Option<&'a toml::Value> {
        if !self.asked.iter().any(|asked| asked == key) {
            self.asked.push(key.to_string());
        }
        self.file.params.get(key)
    }

    fn missing(&mut self, key: &str, expected: &str) {
        self.problem(key, "(missing)", format!("required; {expected}"));
    }

    /// An indicator period: a whole number of bars in 1..=[`MAX_PERIOD`].
    /// `default` when absent (required when `None`). `None` after a problem.
    pub fn period(&mut self, key: &str, default: Option<usize>) -> Option<usize> {
        let expected =
            format!("must be a whole number of bars from 1 to {MAX_PERIOD}, e.g. {key} = 20");
        let Some(value) = self.get(key) else {
            if default.is_none() {
                self.missing(key, &expected);
            }
            return default;
        };
        match whole(value).and_then(|n| usize::try_from(n).ok()) {
            Some(n) if (1..=MAX_PERIOD).contains(&n) => Some(n),
            _ => {
                self.problem(key, shown(value), expected);
                None
            }
        }
    }

    /// A number strictly between `low` and `high`. `default` when absent
    /// (required when `None`). `None` after a problem.
    pub fn decimal_between(
        &mut self,
        key: &str,
        default: Option<Decimal>,
        low: Decimal,
        high: Decimal,
    ) -> Option<Decimal> {
        let expected = format!("must be a number between {low} and {high} (exclusive)");
        let Some(value) = self.get(key) else {
            if default.is_none() {
                self.missing(key, &expected);
            }
            return default;
        };
        match decimal(value) {
            Some(d) if d > low && d < high => Some(d),
            _ => {
                self.problem(key, shown(value), expected);
                None
            }
        }
    }

    /// `true` or `false`; `default` when absent. `None` after a problem.
    pub fn bool(&mut self, key: &str, default: bool) -> Option<bool> {
        match self.get(key) {
            None => Some(default),
            Some(toml::Value::Boolean(b)) => Some(*b),
            Some(other) => {
                self.problem(key, shown(other), "must be true or false");
                None
            }
        }
    }

    /// Every problem recorded, plus one per parameter no getter asked for.
    /// (So a constructor must read all its parameters before giving up on any.)
    pub fn finish(mut self) -> Vec<ConfigProblem> {
        let known = self.asked.join(", ");
        for (key, value) in &self.file.params {
            if !self.asked.iter().any(|asked| asked == key) {
                let expected = if known.is_empty() {
                    format!(
                        "unknown parameter; kind {} reads no parameters here",
                        self.file.kind
                    )
                } else {
                    format!(
                        "unknown parameter for kind {}; known parameters: {known}",
                        self.file.kind
                    )
                };
                self.problem(key, shown(value), expected);
            }
        }
        self.problems
    }
}
