//! The effective-settings listing shown by `check`: every value that will be
//! used, where it came from, account ids and webhook URLs masked.

use std::path::Path;

use serde::Serialize;

use super::env::{EnvSettings, ACCOUNT_VAR, CLIENT_ID_VAR, HOST_VAR, PAPER_VAR, PORT_VAR};
use super::inputs::Flags;
use super::layer::Merged;
use super::mode::TradingMode;
use super::notify::NotifySection;
use super::source::{EffectiveValue, Source};
use super::{Connection, StrategyEntry};
use crate::redact::mask_url;

/// What the listing is built from.
pub(crate) struct EffectiveInputs<'a> {
    pub config_path: &'a Path,
    pub config_source: Source,
    pub merged: &'a Merged,
    pub env: &'a EnvSettings,
    pub flags: Flags,
    pub mode: TradingMode,
    pub connection: &'a Connection,
    pub journal_path: &'a Path,
    pub strategies: &'a [StrategyEntry],
}

/// Every effective value in display order.
pub(crate) fn list(inputs: &EffectiveInputs<'_>) -> Vec<EffectiveValue> {
    let mut out = vec![EffectiveValue::new(
        "config file",
        inputs.config_path.display().to_string(),
        if inputs.config_source == Source::Flag {
            Source::Flag
        } else {
            Source::Default
        },
    )
    .with_note(if inputs.config_source == Source::Flag {
        "--config"
    } else {
        "config.toml in the working directory"
    })];

    let source_of = |key: &str| inputs.merged.source_of(key);
    let with_var = |value: EffectiveValue, var: &str| match value.source {
        Source::Env | Source::DotEnv => value.with_note(var),
        _ => value,
    };
    let conn = inputs.connection;
    out.push(with_var(
        EffectiveValue::new(
            "connection.host",
            conn.host.clone(),
            source_of("connection.host"),
        ),
        HOST_VAR,
    ));
    let port = EffectiveValue::new(
        "connection.port",
        conn.port.to_string(),
        source_of("connection.port"),
    );
    out.push(if port.source == Source::Default {
        port.with_note(format!("follows {} mode", inputs.mode))
    } else {
        with_var(port, PORT_VAR)
    });
    out.push(with_var(
        EffectiveValue::new(
            "connection.client_id",
            conn.client_id.to_string(),
            source_of("connection.client_id"),
        ),
        CLIENT_ID_VAR,
    ));
    out.push(match &inputs.env.account {
        Some(account) => EffectiveValue::new(ACCOUNT_VAR, account.value.masked(), account.source),
        None => EffectiveValue::new(ACCOUNT_VAR, "(unset)", Source::Default)
            .with_note("required by run"),
    });
    out.push(match &inputs.env.paper_trading {
        Some(paper) => EffectiveValue::new(PAPER_VAR, paper.value.to_string(), paper.source),
        None => EffectiveValue::new(PAPER_VAR, "true", Source::Default),
    });
    out.push(if inputs.flags.live {
        EffectiveValue::new("--live", "yes", Source::Flag)
    } else {
        EffectiveValue::new("--live", "no", Source::Default)
    });

    section(&mut out, "risk", &inputs.merged.file.risk, &source_of);
    section(
        &mut out,
        "shutdown",
        &inputs.merged.file.shutdown,
        &source_of,
    );
    out.push(EffectiveValue::new(
        "journal.path",
        inputs.journal_path.display().to_string(),
        source_of("journal.path"),
    ));
    section(&mut out, "logging", &inputs.merged.file.logging, &source_of);
    section(
        &mut out,
        "dashboard",
        &inputs.merged.file.dashboard,
        &source_of,
    );
    notify(&mut out, inputs.merged.file.notify.as_ref(), &source_of);
    if inputs.strategies.is_empty() {
        out.push(EffectiveValue::new(
            "strategies",
            "(none)",
            source_of("strategies"),
        ));
    }
    for (i, entry) in inputs.strategies.iter().enumerate() {
        out.push(EffectiveValue::new(
            format!("strategies[{i}]"),
            entry.listed_as.clone(),
            Source::ConfigFile,
        ));
    }
    out
}

/// `[notify]`: off, or one line per key with each URL masked.
fn notify(
    out: &mut Vec<EffectiveValue>,
    notify: Option<&NotifySection>,
    source_of: &dyn Fn(&str) -> Source,
) {
    let Some(notify) = notify else {
        out.push(EffectiveValue::new("notify", "off", Source::Default));
        return;
    };
    for (i, url) in notify.urls.iter().enumerate() {
        let key = format!("notify.urls[{i}]");
        out.push(EffectiveValue::new(
            key,
            mask_url(url),
            source_of("notify.urls"),
        ));
    }
    let events: Vec<&str> = notify.events.iter().map(|e| e.code()).collect();
    let lines = [
        ("events", events.join(", ")),
        ("queue", notify.queue.to_string()),
        (
            "disconnect_after_secs",
            notify.disconnect_after_secs.to_string(),
        ),
    ];
    for (key, shown) in lines {
        let dotted = format!("notify.{key}");
        let source = source_of(&dotted);
        out.push(EffectiveValue::new(dotted, shown, source));
    }
}

/// One line per key of a serializable section, keys in alphabetical order.
fn section<T: Serialize>(
    out: &mut Vec<EffectiveValue>,
    name: &str,
    value: &T,
    source_of: &dyn Fn(&str) -> Source,
) {
    let Ok(toml::Value::Table(table)) = toml::Value::try_from(value) else {
        out.push(EffectiveValue::new(
            name,
            "(cannot be shown)",
            Source::Default,
        ));
        return;
    };
    for (key, value) in table {
        let dotted = format!("{name}.{key}");
        let shown = match value {
            toml::Value::String(s) => s,
            other => other.to_string(),
        };
        let source = source_of(&dotted);
        out.push(EffectiveValue::new(dotted, shown, source));
    }
}
