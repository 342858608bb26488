//! Tests of the whole loader over real files in temporary directories and
//! environment maps (the process environment is never touched).

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal_macros::dec;

use super::*;

/// A temp dir holding `config.toml` with `text`.
fn dir_with_config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), text).unwrap();
    dir
}

fn inputs(dir: &Path, env: &[(&str, &str)], dotenv: &[(&str, &str)], live: bool) -> LoadInputs {
    LoadInputs {
        config_path: Some(dir.join("config.toml")),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        dotenv: (!dotenv.is_empty()).then(|| DotEnv::from_vars(".env", dotenv.iter().copied())),
        flags: Flags { live },
    }
}

fn effective<'a>(settings: &'a Settings, key: &str) -> &'a EffectiveValue {
    settings
        .effective
        .iter()
        .find(|e| e.key == key)
        .unwrap_or_else(|| panic!("no effective value {key}"))
}

#[test]
fn valid_paper_setup_with_every_source_tracked() {
    let dir = dir_with_config(
        "strategies = []\n[connection]\nclient_id = 5\n[risk]\nstop_loss_pct = 0.03\n[journal]\npath = \"j/x.db\"\n",
    );
    let settings = Settings::load(&inputs(
        dir.path(),
        &[("IBKR_PORT", "4002")],
        &[
            ("IBKR_HOST", "gw.local"),
            ("IBKR_ACCOUNT_ID", "DU1234567"),
            ("IBKR_PORT", "7496"),
        ],
        false,
    ))
    .unwrap();
    assert_eq!(settings.mode, TradingMode::Paper);
    assert_eq!(
        settings.connection,
        Connection {
            host: "gw.local".into(),
            port: 4002,
            client_id: 5
        }
    );
    assert_eq!(
        settings.account.as_ref().map(AccountId::expose),
        Some("DU1234567")
    );
    assert_eq!(settings.risk.stop_loss_pct, dec!(0.03));
    assert_eq!(settings.risk.max_daily_loss_pct, dec!(0.02));
    assert_eq!(settings.journal.path, dir.path().join("j/x.db"));

    let host = effective(&settings, "connection.host");
    assert_eq!(
        (host.value.as_str(), host.source),
        ("gw.local", Source::DotEnv)
    );
    assert_eq!(host.note.as_deref(), Some("IBKR_HOST"));
    let port = effective(&settings, "connection.port");
    assert_eq!((port.value.as_str(), port.source), ("4002", Source::Env));
    let client = effective(&settings, "connection.client_id");
    assert_eq!(
        (client.value.as_str(), client.source),
        ("5", Source::ConfigFile)
    );
    let account = effective(&settings, "IBKR_ACCOUNT_ID");
    assert_eq!(
        (account.value.as_str(), account.source),
        ("DU****567", Source::DotEnv)
    );
    let paper = effective(&settings, "IBKR_PAPER_TRADING");
    assert_eq!(
        (paper.value.as_str(), paper.source),
        ("true", Source::Default)
    );
    let stop = effective(&settings, "risk.stop_loss_pct");
    assert_eq!(
        (stop.value.as_str(), stop.source),
        ("0.03", Source::ConfigFile)
    );
    let loss = effective(&settings, "risk.max_daily_loss_pct");
    assert_eq!(
        (loss.value.as_str(), loss.source),
        ("0.02", Source::Default)
    );
    assert_eq!(effective(&settings, "config file").source, Source::Flag);
    assert_eq!(
        effective(&settings, "journal.path").source,
        Source::ConfigFile
    );
    assert_eq!(
        effective(&settings, "shutdown.cancel_timeout_secs").value,
        "10"
    );

    // Nothing printable shows the full account id.
    let everything = format!("{settings:?}");
    assert!(!everything.contains("DU1234567"), "{everything}");
    assert!(settings
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::NoStrategies { .. })));
}

#[test]
fn default_port_follows_the_mode_and_says_so() {
    let dir = dir_with_config("strategies = []\n");
    let paper = Settings::load(&inputs(dir.path(), &[], &[], false)).unwrap();
    assert_eq!(paper.connection.port, 7497);
    let port = effective(&paper, "connection.port");
    assert_eq!(port.source, Source::Default);
    assert_eq!(port.note.as_deref(), Some("follows PAPER mode"));
    assert!(paper.require_account().is_err());
    assert!(paper.warnings.contains(&Warning::AccountUnset));

    let live = Settings::load(&inputs(
        dir.path(),
        &[
            ("IBKR_PAPER_TRADING", "false"),
            ("IBKR_ACCOUNT_ID", "U7654321"),
        ],
        &[],
        true,
    ))
    .unwrap();
    assert_eq!(live.mode, TradingMode::Live);
    assert_eq!(live.connection.port, 7496);
    assert_eq!(
        live.require_account().map(AccountId::masked),
        Ok("U7****321".to_string())
    );
    assert_eq!(effective(&live, "--live").source, Source::Flag);
}

#[test]
fn file_env_and_mode_problems_are_reported_together() {
    let dir = dir_with_config(
        "strategies = [\"strategies/missing.toml\"]\nbogus = 1\n[connection]\nport = 7497\n[shutdown]\ncancel_timeout_secs = 9999\n",
    );
    let err = Settings::load(&inputs(
        dir.path(),
        &[("IBKR_CLIENT_ID", "abc"), ("IBKR_PAPER_TRADING", "false")],
        &[("IBKR_ACCOUNT_ID", "U7654321")],
        true,
    ))
    .unwrap_err();
    let label = dir.path().join("config.toml").display().to_string();
    let lines: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(lines[0].starts_with(&format!("{label}: bogus = 1: unknown key")));
    assert!(lines[1].starts_with(&format!("{label}: shutdown.cancel_timeout_secs = 9999:")));
    assert!(lines[2].starts_with("environment: IBKR_CLIENT_ID = abc: must be a whole number"));
    assert!(lines[3].starts_with(&format!(
        "{label}: strategies[0] = \"strategies/missing.toml\": strategy file not found at {}",
        dir.path().join("strategies/missing.toml").display()
    )));
    // Live everywhere except the port written in the file.
    let conflict = err.mode_conflict.as_ref().unwrap();
    assert_eq!(
        conflict.paper,
        vec![ModeSignal::PaperPort {
            port: 7497,
            setting: format!("connection.port in {label}")
        }]
    );
    assert_eq!(err.count(), 5);
    let shown = err.to_string();
    assert!(
        shown.starts_with("configuration invalid, 5 problems:"),
        "{shown}"
    );
    assert!(!shown.contains("U7654321"), "{shown}");
}

#[test]
fn invalid_mode_inputs_skip_the_mode_decision() {
    let dir = dir_with_config("strategies = []\n");
    let err = Settings::load(&inputs(dir.path(), &[("IBKR_PORT", "abc")], &[], true)).unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert_eq!(err.problems[0].key, "IBKR_PORT");
    assert!(err.mode_conflict.is_none());
}

#[test]
fn a_mode_conflict_alone_fails_the_load() {
    let dir = dir_with_config("strategies = []\n");
    let err = Settings::load(&inputs(
        dir.path(),
        &[],
        &[("IBKR_ACCOUNT_ID", "DU1234567")],
        true,
    ))
    .unwrap_err();
    assert!(err.problems.is_empty());
    assert_eq!(
        err.mode_conflict.map(|c| c.live),
        Some(vec![ModeSignal::LiveFlag])
    );
}

#[test]
fn a_missing_config_file_is_a_problem_and_env_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let err = Settings::load(&inputs(
        dir.path(),
        &[("IBKR_PAPER_TRADING", "maybe")],
        &[],
        false,
    ))
    .unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert_eq!(err.problems[0].key, "(file)");
    assert!(err.problems[0]
        .expected
        .starts_with("config file not found"));
    assert_eq!(err.problems[1].key, "IBKR_PAPER_TRADING");
}

#[test]
fn strategy_paths_are_relative_to_the_config_directory_and_listed_once() {
    let dir = dir_with_config("strategies = [\"s/a.toml\", \"s/a.toml\", \"\"]\n");
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::fs::write(dir.path().join("s/a.toml"), "").unwrap();
    let err = Settings::load(&inputs(dir.path(), &[], &[], false)).unwrap_err();
    let keyed: Vec<(&str, &str)> = err
        .problems
        .iter()
        .filter(|p| p.key.starts_with("strategies["))
        .map(|p| (p.key.as_str(), p.expected.as_str()))
        .collect();
    assert_eq!(
        keyed,
        [
            (
                "strategies[1]",
                "listed twice; list each strategy file once"
            ),
            (
                "strategies[2]",
                "must be a strategy file path, e.g. \"strategies/sma_crossover_spy.toml\""
            ),
        ]
    );
}

#[test]
fn an_account_id_written_into_the_config_file_is_masked_in_the_error() {
    let dir = dir_with_config("strategies = []\n[connection]\naccount_id = \"DU1234567\"\n");
    let err = Settings::load(&inputs(dir.path(), &[], &[], false)).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("connection.account_id = \"DU****567\": account ids are never read"),
        "{shown}"
    );
    assert!(!shown.contains("DU1234567"), "{shown}");
}

#[test]
fn webhook_urls_from_the_environment_stand_in_for_the_files() {
    let secret = "https://hooks.example.com/services/T0/B0/SECRET";
    let dir = dir_with_config("strategies = []\n[notify]\nevents = [\"state\"]\n");
    let settings = Settings::load(&inputs(
        dir.path(),
        &[("FTA_NOTIFY_URLS", secret)],
        &[],
        false,
    ))
    .unwrap();
    let notify = settings.notify.as_ref().expect("notifications on");
    assert_eq!(notify.urls.len(), 1);
    assert_eq!(notify.events, [NotifyEvent::State]);
    let shown = effective(&settings, "notify.urls[0]");
    assert_eq!(shown.source, Source::Env);
    assert!(!shown.value.contains("SECRET"), "{}", shown.value);

    // Without a [notify] section, the variable alone turns notifications on.
    let dir = dir_with_config("strategies = []\n");
    let both = format!("{secret}, https://b.example.com/x");
    let settings = Settings::load(&inputs(
        dir.path(),
        &[],
        &[("FTA_NOTIFY_URLS", &both)],
        false,
    ))
    .unwrap();
    let notify = settings.notify.expect("notifications on");
    assert_eq!(notify.urls.len(), 2);
    assert_eq!(notify.events, NotifyEvent::ALL);
}

#[test]
fn a_bad_webhook_url_in_the_environment_is_named_and_masked() {
    let dir = dir_with_config("strategies = []\n");
    let error = Settings::load(&inputs(
        dir.path(),
        &[("FTA_NOTIFY_URLS", "ftp://hooks.example.com/SECRET")],
        &[],
        false,
    ))
    .unwrap_err();
    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert_eq!(
        (problem.file.as_str(), problem.key.as_str()),
        ("environment", "FTA_NOTIFY_URLS")
    );
    assert!(!error.to_string().contains("SECRET"), "{error}");
}

#[test]
fn empty_secrets_as_in_the_example_env_file_are_unset() {
    let dir = dir_with_config("strategies = []\n");
    let with = inputs(
        dir.path(),
        &[],
        &[("FTA_NOTIFY_URLS", ""), ("FTA_DASHBOARD_TOKEN", " ")],
        false,
    );
    let settings = Settings::load(&with).unwrap();
    assert!(settings.notify.is_none());
    assert!(with.secret("FTA_DASHBOARD_TOKEN").is_none());
}
