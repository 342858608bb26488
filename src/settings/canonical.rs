//! The canonical serialization of the effective settings, which the journal
//! hashes to tell runs with different configurations apart: JSON with sorted
//! keys, decimals without trailing zeros, one fixed shape.
//!
//! Owns that shape ([`FORMAT`]). Never includes the raw account id (only its
//! masked form), a webhook URL's secret (URLs are masked), the layer a value
//! came from, the config file's own path, or any `Debug` output: equal
//! settings always give the same text.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::notify::NotifySettings;
use super::sections::{JournalSettings, LogLevel, LoggingSettings, ShutdownSettings};
use super::{Connection, Settings, StrategyEntry};
use crate::risk::RiskLimits;
use crate::strategy::config::StrategyFile;
use crate::strategy::sizing::Sizing;

/// Version of the canonical shape; bump it when the shape changes.
pub const FORMAT: u32 = 1;

/// The canonical text of `settings`: one line of JSON, keys sorted at every level.
pub(crate) fn canonical_json(settings: &Settings) -> String {
    // Destructured in full so a new field cannot be forgotten here.
    let Settings {
        config_path: _,
        connection,
        account,
        mode,
        risk,
        shutdown,
        journal,
        logging,
        // How the bot is watched, not what it trades: not part of the hash.
        dashboard: _,
        notify,
        strategies,
        warnings: _,
        effective: _,
    } = settings;
    let Connection {
        host,
        port,
        client_id,
    } = connection;
    let ShutdownSettings {
        cancel_timeout_secs,
        flatten_on_exit,
    } = shutdown;
    let JournalSettings { path: journal_path } = journal;
    let LoggingSettings {
        level,
        format,
        status_interval_secs,
    } = logging;
    let mut value = json!({
        "format": FORMAT,
        "mode": mode.to_string(),
        "account": account.as_ref().map(|a| a.masked()),
        "connection": { "host": host, "port": port, "client_id": client_id },
        "risk": risk_json(risk),
        "shutdown": {
            "cancel_timeout_secs": cancel_timeout_secs,
            "flatten_on_exit": flatten_on_exit,
        },
        "journal": { "path": journal_path.to_string_lossy() },
        "logging": {
            "level": level_name(*level),
            "format": format.to_string(),
            "status_interval_secs": status_interval_secs,
        },
        "strategies": strategies.iter().map(strategy_json).collect::<Vec<_>>(),
    });
    // Only when configured, so the text (and hash) of a configuration without
    // `[notify]` is what it was before the section existed.
    if let (Some(notify), Some(map)) = (notify, value.as_object_mut()) {
        map.insert("notify".to_string(), notify_json(notify));
    }
    sorted(value).to_string()
}

fn risk_json(risk: &RiskLimits) -> Value {
    let RiskLimits {
        max_daily_loss_pct,
        max_position_size_pct,
        stop_loss_pct,
        take_profit_pct,
        max_orders_per_second,
        max_order_notional,
        price_collar_pct,
        max_open_orders,
        allowed_symbols,
        flatten_on_daily_loss,
    } = risk;
    json!({
        "max_daily_loss_pct": decimal(*max_daily_loss_pct),
        "max_position_size_pct": decimal(*max_position_size_pct),
        "stop_loss_pct": decimal(*stop_loss_pct),
        "take_profit_pct": decimal(*take_profit_pct),
        "max_orders_per_second": max_orders_per_second,
        "max_order_notional": decimal(*max_order_notional),
        "price_collar_pct": decimal(*price_collar_pct),
        "max_open_orders": max_open_orders,
        "allowed_symbols": allowed_symbols.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "flatten_on_daily_loss": flatten_on_daily_loss,
    })
}

/// `[notify]` with its URLs masked: the hash tells a changed host apart,
/// never a changed secret.
fn notify_json(notify: &NotifySettings) -> Value {
    let NotifySettings {
        urls,
        events,
        queue,
        disconnect_after_secs,
    } = notify;
    json!({
        "urls": urls.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "events": events.iter().map(|e| e.code()).collect::<Vec<_>>(),
        "queue": queue,
        "disconnect_after_secs": disconnect_after_secs,
    })
}

fn strategy_json(entry: &StrategyEntry) -> Value {
    let StrategyEntry {
        listed_as,
        path: _,
        file,
    } = entry;
    let StrategyFile {
        source: _,
        kind,
        name,
        enabled,
        symbols,
        bar_size: _,
        bar_seconds,
        sizing,
        params,
    } = file;
    let sizing = match sizing {
        Sizing::FixedQuantity(q) => json!({ "fixed_quantity": decimal(*q) }),
        Sizing::FractionOfEquity(f) => json!({ "fraction_of_equity": decimal(*f) }),
    };
    json!({
        "listed_as": listed_as,
        "kind": kind,
        "name": name,
        "enabled": enabled,
        "symbols": symbols.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "bar_seconds": bar_seconds,
        "sizing": sizing,
        "params": toml_json(&toml::Value::Table(params.clone())),
    })
}

/// `[logging] level` as written in the config file.
fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "trace",
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    }
}

/// A decimal without trailing zeros (`0.020` and `0.02` are the same setting).
fn decimal(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A TOML value as JSON (datetimes as their TOML text).
fn toml_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_json(v))).collect())
        }
    }
}

/// `value` with the keys of every object in sorted order (whatever map
/// serde_json was built with).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let by_key: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(by_key.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level() {
        let value = json!({ "b": { "z": 1, "a": [ { "y": 2, "x": 3 } ] }, "a": 0 });
        assert_eq!(
            sorted(value).to_string(),
            r#"{"a":0,"b":{"a":[{"x":3,"y":2}],"z":1}}"#
        );
    }

    #[test]
    fn equal_decimals_have_one_form() {
        use rust_decimal_macros::dec;
        assert_eq!(decimal(dec!(0.020)), decimal(dec!(0.02)));
        assert_eq!(decimal(dec!(100)), "100");
        assert_eq!(decimal(dec!(1.50)), "1.5");
    }
}
