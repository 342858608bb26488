//! Merging the layers with the `config` crate: the config file's table, then
//! the `IBKR_*` overrides from `.env` and the environment. Each value is tagged
//! with its layer (the `config` crate keeps a value's origin through the
//! merge), which is how `check` knows where every effective value came from.

use std::collections::BTreeMap;

use config::{Map, Value, ValueKind};

use super::env::EnvSettings;
use super::source::Source;

/// The merged configuration: one TOML table and the layer of every leaf.
#[derive(Debug, Clone, Default)]
pub(crate) struct Merged {
    /// The effective table, to be deserialized into the typed sections.
    pub table: toml::Table,
    /// Layer of each leaf by dotted key (`risk.stop_loss_pct`); arrays are
    /// leaves. Keys absent here take their built-in default.
    pub provenance: BTreeMap<String, Source>,
}

/// One layer as a `config` source: `(dotted key, tagged value)` pairs.
#[derive(Debug, Clone)]
struct Layer(Vec<(String, Value)>);

impl config::Source for Layer {
    fn clone_into_box(&self) -> Box<dyn config::Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, config::ConfigError> {
        Ok(self.0.iter().cloned().collect())
    }
}

/// Merges the file's table with the environment overrides.
///
/// # Errors
/// The `config` crate's message if it fails to merge (not expected for
/// already-checked layers; reported as a problem rather than a panic).
pub(crate) fn merge(file: &toml::Table, env: &EnvSettings) -> Result<Merged, String> {
    let file_layer = Layer(
        file.iter()
            .map(|(k, v)| (k.clone(), to_config(v, Source::ConfigFile)))
            .collect(),
    );
    let mut overrides = Vec::new();
    let mut push = |key: &str, source: Source, kind: ValueKind| {
        overrides.push((
            key.to_string(),
            Value::new(Some(&source.origin_tag().to_string()), kind),
        ));
    };
    if let Some(host) = &env.host {
        push(
            "connection.host",
            host.source,
            ValueKind::String(host.value.clone()),
        );
    }
    if let Some(port) = &env.port {
        push(
            "connection.port",
            port.source,
            ValueKind::I64(i64::from(port.value)),
        );
    }
    if let Some(id) = &env.client_id {
        push(
            "connection.client_id",
            id.source,
            ValueKind::I64(i64::from(id.value)),
        );
    }
    let config = config::Config::builder()
        .add_source(file_layer)
        .add_source(Layer(overrides))
        .build()
        .map_err(|e| e.to_string())?;
    let root = config::Source::collect(&config).map_err(|e| e.to_string())?;
    let mut merged = Merged::default();
    for (key, value) in root {
        if let Some(v) = from_config(&key, value, &mut merged.provenance) {
            merged.table.insert(key, v);
        }
    }
    Ok(merged)
}

/// A TOML value as a `config` value tagged with `source`, recursively.
fn to_config(value: &toml::Value, source: Source) -> Value {
    let tag = source.origin_tag().to_string();
    let kind = match value {
        toml::Value::String(s) => ValueKind::String(s.clone()),
        toml::Value::Integer(i) => ValueKind::I64(*i),
        toml::Value::Float(f) => ValueKind::Float(*f),
        toml::Value::Boolean(b) => ValueKind::Boolean(*b),
        toml::Value::Datetime(d) => ValueKind::String(d.to_string()),
        toml::Value::Array(items) => {
            ValueKind::Array(items.iter().map(|v| to_config(v, source)).collect())
        }
        toml::Value::Table(t) => ValueKind::Table(
            t.iter()
                .map(|(k, v)| (k.clone(), to_config(v, source)))
                .collect(),
        ),
    };
    Value::new(Some(&tag), kind)
}

/// A merged `config` value back as TOML, recording each leaf's layer under
/// `path`. `None` for values TOML cannot hold (nil, out-of-range integers).
fn from_config(
    path: &str,
    value: Value,
    provenance: &mut BTreeMap<String, Source>,
) -> Option<toml::Value> {
    let source = Source::from_origin_tag(value.origin());
    let converted = match value.kind {
        ValueKind::Nil => return None,
        ValueKind::Boolean(b) => toml::Value::Boolean(b),
        ValueKind::I64(i) => toml::Value::Integer(i),
        ValueKind::I128(i) => toml::Value::Integer(i64::try_from(i).ok()?),
        ValueKind::U64(u) => toml::Value::Integer(i64::try_from(u).ok()?),
        ValueKind::U128(u) => toml::Value::Integer(i64::try_from(u).ok()?),
        ValueKind::Float(f) => toml::Value::Float(f),
        ValueKind::String(s) => toml::Value::String(s),
        ValueKind::Array(items) => {
            let mut ignored = BTreeMap::new();
            toml::Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, v)| from_config(&format!("{path}[{i}]"), v, &mut ignored))
                    .collect(),
            )
        }
        ValueKind::Table(map) => {
            let mut table = toml::Table::new();
            for (key, v) in map {
                if let Some(v) = from_config(&format!("{path}.{key}"), v, provenance) {
                    table.insert(key, v);
                }
            }
            return Some(toml::Value::Table(table));
        }
    };
    provenance.insert(path.to_string(), source);
    Some(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::env::Sourced;

    #[test]
    fn environment_overrides_one_key_and_keeps_the_rest_of_the_section() {
        let file: toml::Table = toml::from_str(
            "strategies = [\"a.toml\"]\n[connection]\nhost = \"tws\"\nport = 7497\nclient_id = 3\n[risk]\nstop_loss_pct = 0.04\n",
        )
        .unwrap();
        let env = EnvSettings {
            port: Some(Sourced {
                value: 4002,
                source: Source::Env,
            }),
            client_id: Some(Sourced {
                value: 9,
                source: Source::DotEnv,
            }),
            ..EnvSettings::default()
        };
        let merged = merge(&file, &env).unwrap();
        let conn = merged.table["connection"].as_table().unwrap();
        assert_eq!(conn["host"].as_str(), Some("tws"));
        assert_eq!(conn["port"].as_integer(), Some(4002));
        assert_eq!(conn["client_id"].as_integer(), Some(9));
        assert_eq!(merged.table["risk"]["stop_loss_pct"].as_float(), Some(0.04));
        let want: BTreeMap<String, Source> = [
            ("connection.client_id", Source::DotEnv),
            ("connection.host", Source::ConfigFile),
            ("connection.port", Source::Env),
            ("risk.stop_loss_pct", Source::ConfigFile),
            ("strategies", Source::ConfigFile),
        ]
        .into_iter()
        .map(|(k, s)| (k.to_string(), s))
        .collect();
        assert_eq!(merged.provenance, want);
    }

    #[test]
    fn environment_alone_creates_the_section() {
        let env = EnvSettings {
            host: Some(Sourced {
                value: "gw".into(),
                source: Source::Env,
            }),
            ..EnvSettings::default()
        };
        let merged = merge(&toml::Table::new(), &env).unwrap();
        assert_eq!(merged.table["connection"]["host"].as_str(), Some("gw"));
        assert_eq!(merged.provenance.get("connection.host"), Some(&Source::Env));
    }
}
