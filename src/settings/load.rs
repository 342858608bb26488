//! The loader: checks each layer on its own (so every problem is named after
//! the file or variable that holds it), loads the strategy files, decides the
//! mode, then merges the layers into the effective [`Settings`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::effective::{self, EffectiveInputs};
use super::env::{read_env, PORT_VAR};
use super::file::{check_table, read_table};
use super::inputs::{LoadInputs, DEFAULT_CONFIG_PATH, NOTIFY_URLS_VAR};
use super::mode::{decide_mode, ModeInputs};
use super::notify::{urls_from_secret, NotifySection};
use super::sections::quoted;
use super::source::Source;
use super::warning::Warning;
use super::{layer, ConfigProblem, Connection, Settings, SettingsError, StrategyEntry};
use crate::strategy::config::load_strategy_file;

/// See [`Settings::load`].
pub(crate) fn load(inputs: &LoadInputs) -> Result<Settings, SettingsError> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let (config_path, config_source) = match &inputs.config_path {
        Some(path) => (path.clone(), Source::Flag),
        None => (PathBuf::from(DEFAULT_CONFIG_PATH), Source::Default),
    };
    let label = config_path.display().to_string();
    let base_dir = config_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();

    if let Some(dotenv) = &inputs.dotenv {
        problems.extend(dotenv.problems.iter().cloned());
        if dotenv.too_open() {
            warnings.push(Warning::DotEnvTooOpen {
                path: dotenv.path.display().to_string(),
                mode: dotenv.mode.unwrap_or_default(),
            });
        }
        for (name, line) in &dotenv.duplicates {
            warnings.push(Warning::DuplicateVariable {
                name: name.clone(),
                path: dotenv.path.display().to_string(),
                line: *line,
            });
        }
    }

    let table = read_table(&config_path, &label)
        .map_err(|p| problems.push(p))
        .ok();
    let file = table
        .as_ref()
        .map(|t| check_table(t, &label, &mut problems));
    let env = read_env(inputs, &mut problems, &mut warnings);
    let notify_urls = notify_urls_from_secret(inputs, &mut problems);
    let strategies = file.as_ref().map_or_else(Vec::new, |f| {
        load_strategies(
            &f.strategies,
            &base_dir,
            &label,
            &mut problems,
            &mut warnings,
        )
    });

    // The port the mode decision sees: the explicit one, from the environment
    // or the file. Skipped when a mode input was invalid (already a problem).
    let file_port = file.as_ref().and_then(|f| f.connection.port);
    let (port, port_setting) = match (&env.port, file_port) {
        (Some(p), _) => (Some(p.value), PORT_VAR.to_string()),
        (None, Some(p)) => (Some(p), format!("connection.port in {label}")),
        (None, None) => (None, PORT_VAR.to_string()),
    };
    let port_ok = env.mode_inputs_ok && !problems.iter().any(|p| p.key == "connection.port");
    let decision = port_ok.then(|| {
        decide_mode(&ModeInputs {
            paper_trading: env.paper_trading.as_ref().map(|s| s.value),
            live_flag: inputs.flags.live,
            port,
            port_setting: &port_setting,
            account: env.account.as_ref().map(|s| &s.value),
        })
    });
    let mode_conflict = match &decision {
        Some(Err(conflict)) => Some(conflict.clone()),
        _ => None,
    };

    let (Some(table), Some(file), Some(Ok(mode)), true) =
        (table, file, decision, problems.is_empty())
    else {
        return Err(scrub(
            SettingsError {
                problems,
                mode_conflict,
                warnings,
            },
            inputs,
        ));
    };
    // Both layers were checked above: the merge only applies the overrides.
    let mut merged = layer::merge(&table, file, &env);
    if let Some((urls, source)) = notify_urls {
        let section = merged
            .file
            .notify
            .get_or_insert_with(NotifySection::default);
        section.urls = urls;
        merged.provenance.insert("notify.urls".to_string(), source);
    }
    let effective_file = &merged.file;

    let connection = Connection {
        host: effective_file.connection.host.clone(),
        port: effective_file
            .connection
            .port
            .unwrap_or_else(|| mode.default_port()),
        client_id: effective_file.connection.client_id,
    };
    let mut journal = effective_file.journal.clone();
    journal.path = base_dir.join(&journal.path);
    let account = env.account.as_ref().map(|s| s.value.clone());
    if account.is_none() {
        warnings.push(Warning::AccountUnset);
    }
    let effective = effective::list(&EffectiveInputs {
        config_path: &config_path,
        config_source,
        merged: &merged,
        env: &env,
        flags: inputs.flags,
        mode,
        connection: &connection,
        journal_path: &journal.path,
        strategies: &strategies,
    });
    let redactor = inputs.redactor();
    let warnings = warnings
        .into_iter()
        .map(|w| w.map_text(|t| redactor.redact(t).into_owned()))
        .collect();
    Ok(Settings {
        config_path,
        connection,
        account,
        mode,
        risk: effective_file.risk.clone(),
        shutdown: effective_file.shutdown.clone(),
        journal,
        logging: effective_file.logging.clone(),
        dashboard: effective_file.dashboard.clone(),
        notify: effective_file.notify.as_ref().and_then(|n| n.checked()),
        strategies,
        warnings,
        effective,
    })
}

/// `error` with every account id masked, wherever it was quoted (e.g. an
/// account id written into the config file, echoed back as the bad value).
fn scrub(mut error: SettingsError, inputs: &LoadInputs) -> SettingsError {
    let redactor = inputs.redactor();
    let clean = |text: &mut String| *text = redactor.redact(text).into_owned();
    for problem in &mut error.problems {
        clean(&mut problem.file);
        clean(&mut problem.key);
        clean(&mut problem.value);
        clean(&mut problem.expected);
    }
    error.warnings = std::mem::take(&mut error.warnings)
        .into_iter()
        .map(|w| w.map_text(|t| redactor.redact(t).into_owned()))
        .collect();
    error
}

/// Loads each listed strategy file (paths relative to the config file's
/// directory); a missing, duplicate or invalid file is a problem.
fn load_strategies(
    list: &[String],
    base_dir: &Path,
    label: &str,
    problems: &mut Vec<ConfigProblem>,
    warnings: &mut Vec<Warning>,
) -> Vec<StrategyEntry> {
    if list.is_empty() {
        warnings.push(Warning::NoStrategies {
            config: label.to_string(),
        });
    }
    let mut seen = BTreeSet::new();
    let mut entries = Vec::new();
    for (i, listed) in list.iter().enumerate() {
        let key = format!("strategies[{i}]");
        let path = base_dir.join(listed);
        if listed.trim().is_empty() {
            problems.push(ConfigProblem::new(
                label,
                key,
                quoted(listed),
                "must be a strategy file path, e.g. \"strategies/sma_crossover_spy.toml\"",
            ));
            continue;
        }
        if !seen.insert(path.clone()) {
            problems.push(ConfigProblem::new(
                label,
                key,
                quoted(listed),
                "listed twice; list each strategy file once",
            ));
            continue;
        }
        if !path.is_file() {
            problems.push(ConfigProblem::new(
                label,
                key,
                quoted(listed),
                format!(
                    "strategy file not found at {} (paths are relative to the config file's directory)",
                    path.display()
                ),
            ));
            continue;
        }
        match load_strategy_file(&path) {
            Ok(file) => entries.push(StrategyEntry {
                listed_as: listed.clone(),
                path,
                file,
            }),
            Err(found) => problems.extend(found),
        }
    }
    entries
}

/// `FTA_NOTIFY_URLS`, when set: its URLs (each checked) and its layer. The
/// URLs it gives stand in for `[notify] urls`, which may then be left out of
/// the (committed) config file.
fn notify_urls_from_secret(
    inputs: &LoadInputs,
    problems: &mut Vec<ConfigProblem>,
) -> Option<(Vec<String>, Source)> {
    let var = inputs.secret(NOTIFY_URLS_VAR)?;
    // The file's `[notify]` without `urls` is complete with these.
    problems.retain(|p| !(p.key == "notify.urls" && p.value == "[]"));
    let urls = urls_from_secret(&var.value, &var.place, problems);
    Some((urls, var.source))
}
