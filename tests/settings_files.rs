//! Settings loaded from real files in temporary directories: the shipped
//! `config.toml` and `.env.example`, `.env` permissions, and the `check` report.

use std::collections::BTreeMap;
use std::path::Path;

use first_trading_app::settings::report::{write_check, EXIT_CONFIG_ERROR, EXIT_OK};
use first_trading_app::settings::{DotEnv, Flags, LoadInputs, Settings, TradingMode, Warning};

const SHIPPED_CONFIG: &str = include_str!("../config.toml");
const SHIPPED_ENV_EXAMPLE: &str = include_str!("../.env.example");

fn check(inputs: &LoadInputs) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = write_check(inputs, &|_| Vec::new(), &mut out, &mut err).unwrap();
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn inputs(config: &Path, dotenv: Option<DotEnv>, env: &[(&str, &str)], live: bool) -> LoadInputs {
    LoadInputs {
        config_path: Some(config.to_path_buf()),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        dotenv,
        flags: Flags { live },
    }
}

#[test]
fn shipped_config_names_the_missing_strategy_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, SHIPPED_CONFIG).unwrap();
    let err = Settings::load(&inputs(&config, None, &[], false)).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    let problem = &err.problems[0];
    assert_eq!(problem.key, "strategies[0]");
    assert_eq!(problem.value, "\"strategies/sma_crossover_spy.toml\"");
    let resolved = dir.path().join("strategies/sma_crossover_spy.toml");
    assert!(
        problem.expected.contains(&resolved.display().to_string()),
        "{problem}"
    );
}

#[test]
fn shipped_env_example_parses_to_a_valid_paper_setup() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "strategies = []\n").unwrap();
    let dotenv = DotEnv::parse(Path::new(".env"), SHIPPED_ENV_EXAMPLE);
    assert!(dotenv.problems.is_empty(), "{:?}", dotenv.problems);
    let settings = Settings::load(&inputs(&config, Some(dotenv), &[], false)).unwrap();
    assert_eq!(settings.mode, TradingMode::Paper);
    assert_eq!(settings.connection.port, 7497);
    assert_eq!(settings.connection.client_id, 1);
    assert_eq!(settings.require_account().unwrap().masked(), "DU****567");
}

#[cfg(unix)]
#[test]
fn a_dotenv_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "strategies = []\n").unwrap();
    let env_path = dir.path().join(".env");
    std::fs::write(&env_path, "IBKR_ACCOUNT_ID=DU7654321\n").unwrap();

    std::fs::set_permissions(&env_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let dotenv = DotEnv::read(&env_path).unwrap();
    assert_eq!(dotenv.mode, Some(0o644));
    let settings = Settings::load(&inputs(&config, Some(dotenv.clone()), &[], false)).unwrap();
    assert!(
        settings.warnings.contains(&Warning::DotEnvTooOpen {
            path: env_path.display().to_string(),
            mode: 0o644,
        }),
        "{:?}",
        settings.warnings
    );
    let (code, out, err) = check(&inputs(&config, Some(dotenv), &[], false));
    assert_eq!(code, EXIT_OK, "{err}");
    assert!(
        err.contains(&format!(
            "warning: {} is readable by group or others (mode 644); it holds your account id: run `chmod 600 {}`",
            env_path.display(),
            env_path.display()
        )),
        "{err}"
    );
    assert!(out.contains("DU****321"), "{out}");
    assert!(!out.contains("DU7654321") && !err.contains("DU7654321"));

    std::fs::set_permissions(&env_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let settings = Settings::load(&inputs(&config, DotEnv::read(&env_path), &[], false)).unwrap();
    assert!(!settings
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::DotEnvTooOpen { .. })));
    let (_, _, err) = check(&inputs(&config, DotEnv::read(&env_path), &[], false));
    assert!(!err.contains("chmod"), "{err}");
}

#[test]
fn a_missing_dotenv_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(DotEnv::read(&dir.path().join(".env")).is_none());
}

#[test]
fn check_refuses_a_live_paper_disagreement_naming_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "strategies = []\n[connection]\nport = 7496\n").unwrap();
    let (code, out, err) = check(&inputs(
        &config,
        None,
        &[("IBKR_ACCOUNT_ID", "DU1234567")],
        false,
    ));
    assert_eq!(code, EXIT_CONFIG_ERROR);
    assert!(out.is_empty());
    assert!(err.contains("paper/live settings disagree"), "{err}");
    assert!(
        err.contains(&format!(
            "connection.port in {} is 7496, a live port",
            config.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("IBKR_ACCOUNT_ID=DU****567 (a paper account: starts with D)"),
        "{err}"
    );
    assert!(!err.contains("DU1234567"));
}

#[test]
fn check_prints_a_valid_live_setup() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "strategies = []\n").unwrap();
    let (code, out, err) = check(&inputs(
        &config,
        None,
        &[
            ("IBKR_ACCOUNT_ID", "U7654321"),
            ("IBKR_PAPER_TRADING", "false"),
        ],
        true,
    ));
    assert_eq!(code, EXIT_OK, "{err}");
    assert!(
        out.starts_with("configuration OK: mode LIVE, REAL MONEY (checked only"),
        "{out}"
    );
    assert!(out.contains("7496"), "{out}");
    assert!(out.contains("U7****321"), "{out}");
    assert!(!out.contains("U7654321"));
}

/// The journal's configuration hash, as `run` computes it.
fn hash_of(settings: &Settings) -> String {
    first_trading_app::journal::config_hash(&settings.canonical_json())
}

#[test]
fn config_hash_is_stable_for_equal_settings_and_follows_risk_values() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let account = [("IBKR_ACCOUNT_ID", "DU7654321")];
    let load = |text: &str, env: &[(&str, &str)]| {
        std::fs::write(&config, text).unwrap();
        Settings::load(&inputs(&config, None, env, false)).unwrap()
    };

    let base = load(
        "strategies = []\n[risk]\nstop_loss_pct = 0.02\nmax_open_orders = 5\n[connection]\nport = 4002\n",
        &account,
    );
    let hash = hash_of(&base);
    assert_eq!(hash.len(), 64);
    assert_eq!(hash_of(&base), hash, "same settings, same hash");

    // Equal settings written differently: key order, trailing zeros, and the
    // port from the environment instead of the file.
    let rewritten = load(
        "strategies = []\n[risk]\nmax_open_orders = 5\nstop_loss_pct = 0.020\n",
        &[("IBKR_ACCOUNT_ID", "DU7654321"), ("IBKR_PORT", "4002")],
    );
    assert_eq!(base.risk, rewritten.risk);
    assert_eq!(hash_of(&rewritten), hash);

    let riskier = load(
        "strategies = []\n[risk]\nstop_loss_pct = 0.03\nmax_open_orders = 5\n[connection]\nport = 4002\n",
        &account,
    );
    assert_ne!(base.risk, riskier.risk);
    assert_ne!(hash_of(&riskier), hash, "a risk value changed");

    let canonical = base.canonical_json();
    assert!(!canonical.contains("DU7654321"), "{canonical}");
    assert!(
        canonical.contains("\"account\":\"DU****321\""),
        "{canonical}"
    );
    assert!(
        canonical.contains("\"stop_loss_pct\":\"0.02\""),
        "{canonical}"
    );
}
