//! The `check` report: loads the settings from [`LoadInputs`] and writes
//! either the effective settings (with sources, the mode and the masked
//! account) or every problem. Connects to nothing. Everything written passes
//! through a [`Redactor`] that knows the configured account ids.

use std::io::{self, Write};

use super::{
    ConfigProblem, EffectiveValue, LoadInputs, Settings, SettingsError, Source, TradingMode,
    Warning,
};
use crate::redact::Redactor;

/// Process exit code for a valid configuration.
pub const EXIT_OK: u8 = 0;
/// Process exit code for configuration errors (any command).
pub const EXIT_CONFIG_ERROR: u8 = 2;

/// Loads and validates everything, runs `more` on valid settings (checks
/// from layers above this one, e.g. the journal path), writes the report,
/// and returns the exit code: [`EXIT_OK`] when valid, [`EXIT_CONFIG_ERROR`]
/// when not. The report goes to `out`; problems and warnings go to `err`.
///
/// # Errors
/// Only I/O errors from writing to `out` / `err`.
pub fn write_check(
    inputs: &LoadInputs,
    more: &dyn Fn(&Settings) -> Vec<ConfigProblem>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let redactor = inputs.redactor();
    let loaded = Settings::load(inputs).and_then(|settings| {
        let problems = more(&settings);
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError {
                problems,
                mode_conflict: None,
                warnings: settings.warnings,
            })
        }
    });
    match loaded {
        Ok(settings) => {
            let text = render_settings(&settings);
            out.write_all(redactor.redact(&text).as_bytes())?;
            write_warnings(&settings.warnings, &redactor, err)?;
            Ok(EXIT_OK)
        }
        Err(error) => {
            let text = render_error(&error);
            err.write_all(redactor.redact(&text).as_bytes())?;
            write_warnings(&error.warnings, &redactor, err)?;
            Ok(EXIT_CONFIG_ERROR)
        }
    }
}

/// The success report: mode, then one aligned line per effective value.
pub fn render_settings(settings: &Settings) -> String {
    let file_name = settings.config_path.file_name().map_or_else(
        || settings.config_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let stakes = match settings.mode {
        TradingMode::Paper => "",
        TradingMode::Live => ", REAL MONEY",
    };
    let mut text = format!(
        "configuration OK: mode {}{stakes} (checked only; nothing was connected)\n\n",
        settings.mode
    );
    let rows: Vec<(String, String, String)> = settings
        .effective
        .iter()
        .map(|e| (e.key.clone(), e.value.clone(), source_label(e, &file_name)))
        .collect();
    let key_width = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let value_width = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    text.push_str(&format!(
        "  {:key_width$}  {:value_width$}  SOURCE\n",
        "SETTING", "VALUE"
    ));
    for (key, value, source) in rows {
        text.push_str(&format!(
            "  {key:key_width$}  {value:value_width$}  {source}\n"
        ));
    }
    text
}

/// `config.toml (IBKR_HOST)`-style source column.
fn source_label(value: &EffectiveValue, config_file_name: &str) -> String {
    let source = match value.source {
        Source::ConfigFile => config_file_name.to_string(),
        other => other.to_string(),
    };
    match &value.note {
        Some(note) => format!("{source} ({note})"),
        None => source,
    }
}

/// The failure report: every problem, then the mode conflict.
pub fn render_error(error: &SettingsError) -> String {
    format!("{error}\n")
}

fn write_warnings(
    warnings: &[Warning],
    redactor: &Redactor,
    err: &mut dyn Write,
) -> io::Result<()> {
    for warning in warnings {
        writeln!(err, "warning: {}", redactor.redact(&warning.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::settings::{DotEnv, Flags};

    fn run(config: &str, env: &[(&str, &str)], dotenv: &[(&str, &str)]) -> (u8, String, String) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let inputs = LoadInputs {
            config_path: Some(dir.path().join("config.toml")),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            dotenv: Some(DotEnv::from_vars(".env", dotenv.iter().copied())),
            flags: Flags::default(),
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = write_check(&inputs, &|_| Vec::new(), &mut out, &mut err).unwrap();
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn valid_config_prints_sources_and_masked_account() {
        let (code, out, err) = run(
            "strategies = []\n[risk]\nstop_loss_pct = 0.04\n",
            &[("IBKR_CLIENT_ID", "9")],
            &[("IBKR_ACCOUNT_ID", "DU1234567")],
        );
        assert_eq!(code, EXIT_OK);
        assert!(out.starts_with("configuration OK: mode PAPER"), "{out}");
        let line = |key: &str| {
            out.lines()
                .find(|l| l.trim_start().starts_with(&format!("{key} ")))
                .unwrap_or_else(|| panic!("no line for {key} in\n{out}"))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(line("IBKR_ACCOUNT_ID"), "IBKR_ACCOUNT_ID DU****567 .env");
        assert_eq!(
            line("connection.client_id"),
            "connection.client_id 9 env (IBKR_CLIENT_ID)"
        );
        assert_eq!(
            line("connection.port"),
            "connection.port 7497 default (follows PAPER mode)"
        );
        assert_eq!(
            line("risk.stop_loss_pct"),
            "risk.stop_loss_pct 0.04 config.toml"
        );
        assert_eq!(
            line("risk.take_profit_pct"),
            "risk.take_profit_pct 0.10 default"
        );
        assert!(!out.contains("DU1234567") && !err.contains("DU1234567"));
        assert!(
            err.contains("lists no strategies: the bot would trade nothing"),
            "{err}"
        );
    }

    #[test]
    fn invalid_config_prints_every_problem_and_exits_2() {
        let (code, out, err) = run(
            "strategies = []\n[connection]\nport = 0\n[logging]\nlevel = \"loud\"\n",
            &[("IBKR_PORT", "abc")],
            &[("IBKR_ACCOUNT_ID", "du1234567")],
        );
        assert_eq!(code, EXIT_CONFIG_ERROR);
        assert!(out.is_empty());
        assert!(
            err.starts_with("configuration invalid, 4 problems:"),
            "{err}"
        );
        assert!(err.contains("connection.port = 0:"), "{err}");
        assert!(
            err.contains("logging.level = \"loud\": must be one of"),
            "{err}"
        );
        assert!(err.contains("environment: IBKR_PORT = abc:"), "{err}");
        assert!(err.contains(".env: IBKR_ACCOUNT_ID = du****567:"), "{err}");
        assert!(!err.contains("du1234567"), "{err}");
    }
}
