//! Merging the layers: the config file's checked sections, then the `IBKR_*`
//! overrides from `.env` and the environment (only `connection.host`,
//! `connection.port` and `connection.client_id` can be overridden). Each
//! effective value's layer is recorded as it is set, which is how `check`
//! knows where every value came from.
//!
//! Owns the merge and the provenance map. Never checks values (both layers are
//! checked before they get here) and never reads files or the environment.

use std::collections::BTreeMap;

use super::env::EnvSettings;
use super::file::FileConfig;
use super::source::Source;

/// The merged configuration: the effective typed sections and the layer of
/// every value that did not come from a built-in default.
#[derive(Debug, Clone, Default)]
pub(crate) struct Merged {
    /// The config file's sections with the environment overrides applied.
    pub file: FileConfig,
    /// Layer of each leaf by dotted key (`risk.stop_loss_pct`); arrays are
    /// leaves. Keys absent here take their built-in default.
    pub provenance: BTreeMap<String, Source>,
}

impl Merged {
    /// The layer `key` came from ([`Source::Default`] when no layer set it).
    pub fn source_of(&self, key: &str) -> Source {
        self.provenance.get(key).copied().unwrap_or(Source::Default)
    }
}

/// Applies the environment overrides to the config file's sections.
///
/// `table` is the file as parsed and `file` its checked sections (from
/// `check_table` on that same table, with no problems): every key written in
/// `table` is recorded as [`Source::ConfigFile`], then each override replaces
/// its value and records its own layer.
pub(crate) fn merge(table: &toml::Table, file: FileConfig, env: &EnvSettings) -> Merged {
    let mut merged = Merged {
        file,
        provenance: BTreeMap::new(),
    };
    for (key, value) in table {
        match value {
            toml::Value::Table(section) => {
                for inner in section.keys() {
                    merged
                        .provenance
                        .insert(format!("{key}.{inner}"), Source::ConfigFile);
                }
            }
            _ => {
                merged.provenance.insert(key.clone(), Source::ConfigFile);
            }
        }
    }
    let connection = &mut merged.file.connection;
    if let Some(host) = &env.host {
        connection.host = host.value.clone();
        merged
            .provenance
            .insert("connection.host".to_string(), host.source);
    }
    if let Some(port) = &env.port {
        connection.port = Some(port.value);
        merged
            .provenance
            .insert("connection.port".to_string(), port.source);
    }
    if let Some(id) = &env.client_id {
        connection.client_id = id.value;
        merged
            .provenance
            .insert("connection.client_id".to_string(), id.source);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::env::Sourced;
    use crate::settings::file::check_table;

    fn checked(text: &str) -> (toml::Table, FileConfig) {
        let table: toml::Table = toml::from_str(text).unwrap();
        let mut problems = Vec::new();
        let file = check_table(&table, "config.toml", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        (table, file)
    }

    #[test]
    fn environment_overrides_one_key_and_keeps_the_rest_of_the_section() {
        let (table, file) = checked(
            "strategies = [\"a.toml\"]\n[connection]\nhost = \"tws\"\nport = 7497\nclient_id = 3\n[risk]\nstop_loss_pct = 0.04\n",
        );
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
        let merged = merge(&table, file, &env);
        let conn = &merged.file.connection;
        assert_eq!(conn.host, "tws");
        assert_eq!(conn.port, Some(4002));
        assert_eq!(conn.client_id, 9);
        assert_eq!(
            merged.file.risk.stop_loss_pct,
            rust_decimal_macros::dec!(0.04)
        );
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
        assert_eq!(merged.source_of("risk.take_profit_pct"), Source::Default);
    }

    #[test]
    fn environment_alone_sets_the_key() {
        let env = EnvSettings {
            host: Some(Sourced {
                value: "gw".into(),
                source: Source::Env,
            }),
            ..EnvSettings::default()
        };
        let merged = merge(&toml::Table::new(), FileConfig::default(), &env);
        assert_eq!(merged.file.connection.host, "gw");
        assert_eq!(merged.source_of("connection.host"), Source::Env);
        assert_eq!(merged.source_of("connection.port"), Source::Default);
        assert_eq!(merged.file.connection.port, None);
    }
}
