//! Parameter sweeps: `--sweep key=a,b,c` axes, their cartesian product (the
//! grid, in a fixed order), and ranking of the finished runs by one metric.
//! Running the grid in parallel lives in the runner; everything here is pure.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::backtest::metrics::Metrics;

/// Most combinations one sweep may ask for.
pub const MAX_COMBINATIONS: usize = 10_000;

/// One swept parameter and the values it takes, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    /// Parameter name as in the strategy file's `[params]`.
    pub key: String,
    /// Values (TOML: `10`, `0.5`, `true`, or text).
    pub values: Vec<toml::Value>,
}

/// Why a sweep cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SweepError {
    /// Not `key=value,value,...`.
    #[error("--sweep {0:?}: expected key=value,value,... e.g. --sweep fast=5,10,20")]
    Syntax(String),
    /// The same key twice.
    #[error("--sweep {0}: this parameter is swept twice")]
    DuplicateKey(String),
    /// Too many combinations.
    #[error("the sweep has {0} combinations; at most {MAX_COMBINATIONS} are allowed")]
    TooLarge(usize),
    /// Unknown ranking metric.
    #[error("--rank {0:?}: unknown metric; use one of {names}", names = RankBy::NAMES.join(", "))]
    UnknownMetric(String),
}

impl FromStr for SweepAxis {
    type Err = SweepError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || SweepError::Syntax(text.to_string());
        let (key, values) = text.split_once('=').ok_or_else(bad)?;
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad());
        }
        let values: Vec<toml::Value> = values.split(',').map(|v| parse_value(v.trim())).collect();
        if values.iter().any(|v| v.as_str() == Some("")) {
            return Err(bad());
        }
        Ok(Self {
            key: key.to_string(),
            values,
        })
    }
}

/// A value as TOML would read it (`10` integer, `0.5` float, `true`), else text.
fn parse_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// Every combination of the axes, the last axis varying fastest.
///
/// # Errors
/// A key swept twice, or more than [`MAX_COMBINATIONS`] combinations.
pub fn grid(axes: &[SweepAxis]) -> Result<Vec<BTreeMap<String, toml::Value>>, SweepError> {
    for (i, axis) in axes.iter().enumerate() {
        if axes[..i].iter().any(|a| a.key == axis.key) {
            return Err(SweepError::DuplicateKey(axis.key.clone()));
        }
    }
    let count = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .unwrap_or(usize::MAX);
    if count > MAX_COMBINATIONS {
        return Err(SweepError::TooLarge(count));
    }
    let mut combos = vec![BTreeMap::new()];
    for axis in axes {
        combos = combos
            .into_iter()
            .flat_map(|base| {
                axis.values.iter().map(move |v| {
                    let mut c = base.clone();
                    c.insert(axis.key.clone(), v.clone());
                    c
                })
            })
            .collect();
    }
    Ok(combos)
}

/// The metric a sweep is ranked by; best first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Annualized Sharpe ratio (highest first).
    #[default]
    Sharpe,
    /// Annualized Sortino ratio (highest first).
    Sortino,
    /// Total return (highest first).
    TotalReturn,
    /// CAGR (highest first).
    Cagr,
    /// Max drawdown in percent (smallest first).
    MaxDrawdown,
    /// Win rate (highest first).
    WinRate,
    /// Profit factor (highest first).
    ProfitFactor,
}

impl RankBy {
    /// Accepted names, as written on the command line.
    pub const NAMES: [&'static str; 7] = [
        "sharpe",
        "sortino",
        "total_return",
        "cagr",
        "max_drawdown",
        "win_rate",
        "profit_factor",
    ];

    const ALL: [RankBy; 7] = [
        RankBy::Sharpe,
        RankBy::Sortino,
        RankBy::TotalReturn,
        RankBy::Cagr,
        RankBy::MaxDrawdown,
        RankBy::WinRate,
        RankBy::ProfitFactor,
    ];

    /// The score to sort by, higher is better; `None` (undefined) ranks last.
    pub fn score(self, m: &Metrics) -> Option<f64> {
        use rust_decimal::prelude::ToPrimitive;
        match self {
            RankBy::Sharpe => m.sharpe,
            RankBy::Sortino => m.sortino,
            RankBy::TotalReturn => m.total_return_pct.to_f64(),
            RankBy::Cagr => m.cagr_pct,
            RankBy::MaxDrawdown => m.max_drawdown_pct.to_f64().map(|d| -d),
            RankBy::WinRate => m.win_rate_pct.and_then(|w| w.to_f64()),
            RankBy::ProfitFactor => m.profit_factor.and_then(|p| p.to_f64()),
        }
    }
}

impl fmt::Display for RankBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = Self::ALL.iter().position(|r| r == self).unwrap_or(0);
        f.write_str(Self::NAMES[i])
    }
}

impl FromStr for RankBy {
    type Err = SweepError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::NAMES
            .iter()
            .position(|n| *n == text)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| SweepError::UnknownMetric(text.to_string()))
    }
}

/// Sorts `items` best first by `by` applied to each item's metrics; items
/// without metrics or with an undefined score go last; ties keep grid order
/// (stable sort), so rankings are deterministic.
pub fn rank<T>(items: &mut [T], by: RankBy, metrics: impl Fn(&T) -> Option<&Metrics>) {
    items.sort_by(|a, b| {
        let (a, b) = (
            metrics(a).and_then(|m| by.score(m)),
            metrics(b).and_then(|m| by.score(m)),
        );
        match (a, b) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_toml_values_and_reject_bad_syntax() {
        let axis: SweepAxis = "fast=5, 10,0.5,true,ema".parse().unwrap();
        assert_eq!(axis.key, "fast");
        assert_eq!(
            axis.values,
            vec![
                toml::Value::Integer(5),
                toml::Value::Integer(10),
                toml::Value::Float(0.5),
                toml::Value::Boolean(true),
                toml::Value::String("ema".into())
            ]
        );
        for bad in ["fast", "=1,2", "fast=1,,2", "fa st=1"] {
            assert!(bad.parse::<SweepAxis>().is_err(), "{bad}");
        }
    }

    #[test]
    fn grid_is_the_ordered_cartesian_product() {
        let axes: Vec<SweepAxis> = ["fast=5,10", "slow=20,30,40"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        let g = grid(&axes).unwrap();
        let pairs: Vec<(i64, i64)> = g
            .iter()
            .map(|c| {
                (
                    c["fast"].as_integer().unwrap(),
                    c["slow"].as_integer().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![(5, 20), (5, 30), (5, 40), (10, 20), (10, 30), (10, 40)]
        );
        let twice: Vec<SweepAxis> = ["a=1", "a=2"].iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(grid(&twice), Err(SweepError::DuplicateKey("a".into())));
        let huge: Vec<SweepAxis> = (0..5)
            .map(|i| format!("k{i}={}", ["1"; 10].join(",")).parse().unwrap())
            .collect();
        assert_eq!(grid(&huge), Err(SweepError::TooLarge(100_000)));
    }

    #[test]
    fn rank_names_round_trip() {
        for name in RankBy::NAMES {
            assert_eq!(name.parse::<RankBy>().unwrap().to_string(), name);
        }
        assert!("speed".parse::<RankBy>().is_err());
    }
}
