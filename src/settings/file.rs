//! Reading and checking the config file on its own: TOML syntax, unknown keys,
//! wrong types and out-of-range values, every problem collected.
//!
//! Each key is deserialized on its own, so one wrong value never hides
//! another; the values that are fine still reach the range checks
//! (`validate`) of their section.

use crate::strategy::files::{read_toml_file, ReadError};
use crate::strategy::toml_util::{holds_datetime, shown};
use std::path::Path;

use serde::de::DeserializeOwned;

use super::notify::{self, NotifySection};
use super::sections::{
    self, ConnectionSection, DashboardSettings, JournalSettings, LoggingSettings, ShutdownSettings,
};
use super::ConfigProblem;
use crate::risk::RiskLimits;

/// The top-level keys of the config file, in the order they are documented.
pub const TOP_LEVEL_KEYS: [&str; 8] = [
    "connection",
    "risk",
    "shutdown",
    "journal",
    "logging",
    "dashboard",
    "notify",
    "strategies",
];

/// The config file's content as typed sections. Values that had problems are
/// replaced by their defaults (the problems are reported separately).
#[derive(Debug, Clone, Default)]
pub(crate) struct FileConfig {
    pub connection: ConnectionSection,
    pub risk: RiskLimits,
    pub shutdown: ShutdownSettings,
    pub journal: JournalSettings,
    pub logging: LoggingSettings,
    pub dashboard: DashboardSettings,
    /// `None` when the file has no `[notify]` (notifications off).
    pub notify: Option<NotifySection>,
    pub strategies: Vec<String>,
}

/// Reads and parses the config file as a TOML table.
///
/// # Errors
/// A problem naming the file when it is missing, unreadable or not valid TOML.
pub(crate) fn read_table(path: &Path, label: &str) -> Result<toml::Table, ConfigProblem> {
    let text = read_toml_file(path).map_err(|e| {
        let expected = match e {
            ReadError::NotFound => "config file not found: create it (see config.toml in the repository) or pass --config PATH".to_string(),
            ReadError::Refused(why) => format!("config file {why}"),
        };
        ConfigProblem::new(label, "(file)", path.display().to_string(), expected)
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        let (line, column, snippet) = locate(&text, e.span().map_or(0, |s| s.start));
        ConfigProblem::new(
            label,
            format!("(line {line}, column {column})"),
            snippet,
            format!("invalid TOML: {}", e.message().trim()),
        )
    })
}

/// 1-based line and column of byte `offset`, and that line's text.
fn locate(text: &str, offset: usize) -> (usize, usize, String) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..]
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    (line, column, line_text)
}

/// Checks every key of the parsed file; pushes one problem per bad key or value.
pub(crate) fn check_table(
    table: &toml::Table,
    label: &str,
    problems: &mut Vec<ConfigProblem>,
) -> FileConfig {
    for (key, value) in table {
        if !TOP_LEVEL_KEYS.contains(&key.as_str()) {
            let expected = misplaced_hint(key).map_or_else(
                || {
                    format!(
                        "unknown key; allowed top-level keys: {}",
                        TOP_LEVEL_KEYS.join(", ")
                    )
                },
                str::to_string,
            );
            problems.push(ConfigProblem::new(
                label,
                key.as_str(),
                render(value),
                expected,
            ));
        }
    }
    let connection: ConnectionSection = section(table, "connection", label, problems);
    problems.extend(connection.validate(label));
    let risk: RiskLimits = section(table, "risk", label, problems);
    problems.extend(risk.validate(label));
    let shutdown: ShutdownSettings = section(table, "shutdown", label, problems);
    problems.extend(shutdown.validate(label));
    let journal: JournalSettings = section(table, "journal", label, problems);
    problems.extend(journal.validate(label));
    let logging: LoggingSettings = section(table, "logging", label, problems);
    problems.extend(logging.validate(label));
    let dashboard: DashboardSettings = section(table, "dashboard", label, problems);
    problems.extend(dashboard.validate(label));
    let notify = table.contains_key("notify").then(|| {
        let from = problems.len();
        let notify: NotifySection = section(table, "notify", label, problems);
        // A key whose type was wrong is at its default: not a second problem.
        for problem in notify.validate(label) {
            if !problems[from..].iter().any(|p| p.key == problem.key) {
                problems.push(problem);
            }
        }
        notify::mask_problems(problems, from);
        notify
    });
    let strategies = match table.get("strategies") {
        None => Vec::new(),
        Some(value) => (!holds_datetime(value))
            .then(|| value.clone().try_into::<Vec<String>>().ok())
            .flatten()
            .unwrap_or_else(|| {
                problems.push(ConfigProblem::new(
                    label,
                    "strategies",
                    render(value),
                    sections::hint("strategies").unwrap_or_default(),
                ));
                Vec::new()
            }),
    };
    FileConfig {
        connection,
        risk,
        shutdown,
        journal,
        logging,
        dashboard,
        notify,
        strategies,
    }
}

/// Deserializes `[name]` key by key: each bad key becomes a problem, the good
/// ones form the returned section (defaults elsewhere).
fn section<T>(table: &toml::Table, name: &str, label: &str, problems: &mut Vec<ConfigProblem>) -> T
where
    T: DeserializeOwned + Default,
{
    let Some(value) = table.get(name) else {
        return T::default();
    };
    let Some(entries) = value.as_table() else {
        problems.push(ConfigProblem::new(
            label,
            name,
            render(value),
            format!("must be a table: [{name}]"),
        ));
        return T::default();
    };
    let mut good = toml::Table::new();
    for (key, value) in entries {
        // A date, or a quoted number for a decimal key (which serde would
        // parse), stands in for a table, which no scalar key accepts
        // either: serde then names the type the key wants.
        let quoted_decimal =
            value.is_str() && wanted::<T>(key).is_some_and(|m| m.contains("a Decimal"));
        let checked = if holds_datetime(value) || quoted_decimal {
            toml::Value::Table(toml::Table::new())
        } else {
            value.clone()
        };
        let single = toml::Table::from_iter([(key.clone(), checked)]);
        match toml::Value::Table(single).try_into::<T>() {
            Ok(_) => {
                good.insert(key.clone(), value.clone());
            }
            Err(e) => {
                let dotted = format!("{name}.{key}");
                let expected = explain(&dotted, name, e.message());
                problems.push(ConfigProblem::new(label, dotted, render(value), expected));
            }
        }
    }
    toml::Value::Table(good)
        .try_into::<T>()
        .unwrap_or_else(|e| {
            problems.push(ConfigProblem::new(
                label,
                name,
                render(value),
                e.message().trim().to_string(),
            ));
            T::default()
        })
}

/// Serde's message for `key` holding a table, which names the type the key
/// wants (e.g. "… expected a Decimal"); `None` when a table is fine there.
fn wanted<T: DeserializeOwned>(key: &str) -> Option<String> {
    let probe = toml::Table::from_iter([(key.to_string(), toml::Value::Table(toml::Table::new()))]);
    toml::Value::Table(probe)
        .try_into::<T>()
        .err()
        .map(|e| e.message().to_string())
}

/// What is allowed for `dotted`, given serde's message about the value found.
fn explain(dotted: &str, section: &str, message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some(hint) = dotted.rsplit('.').next().and_then(misplaced_hint) {
            return hint.to_string();
        }
        let allowed = rest
            .split_once("expected ")
            .map(|(_, list)| list.trim_start_matches("one of ").replace('`', ""))
            .unwrap_or_else(|| "none".to_string());
        return format!("unknown key; allowed keys in [{section}]: {allowed}");
    }
    match sections::hint(dotted) {
        Some(hint) => hint.to_string(),
        None => plain_type(message).map_or_else(
            || format!("wrong type or value ({})", message.trim()),
            str::to_string,
        ),
    }
}

/// Serde's "expected …" phrase translated for a person editing a TOML file.
fn plain_type(message: &str) -> Option<&'static str> {
    let expected = message.rsplit_once(", expected ")?.1.trim();
    Some(match expected {
        e if e.starts_with("a Decimal") => "must be a decimal number, e.g. 0.02 (no quotes, no %)",
        "u8" | "u16" | "u32" | "u64" | "usize" => "must be a whole number >= 0",
        "i8" | "i16" | "i32" | "i64" | "isize" => "must be a whole number",
        "a boolean" => "must be true or false",
        "a sequence" => "must be a list, e.g. [\"SPY\", \"QQQ\"]",
        "a string" => "must be a quoted string",
        _ => return None,
    })
}

/// A pointed message for settings people put in the file but that live elsewhere.
fn misplaced_hint(key: &str) -> Option<&'static str> {
    match key.to_ascii_lowercase().as_str() {
        "account" | "account_id" | "accountid" | "ibkr_account_id" => Some(
            "account ids are never read from the config file: set IBKR_ACCOUNT_ID in the environment or .env",
        ),
        "paper" | "paper_trading" | "ibkr_paper_trading" | "live" | "mode" | "trading_mode" => Some(
            "the trading mode is not set in the config file: use IBKR_PAPER_TRADING and the --live flag",
        ),
        _ => None,
    }
}

/// A value as written in TOML (strings quoted, tables by their keys), for
/// problem messages.
pub(crate) fn render(value: &toml::Value) -> String {
    shown(value)
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
