//! Tests of the config-file checks: every problem found in one pass.

use rust_decimal_macros::dec;

use super::*;
use crate::settings::sections::{LogFormat, LogLevel};
use crate::settings::NotifyEvent;

fn check(text: &str) -> (FileConfig, Vec<String>) {
    let table: toml::Table = text.parse().unwrap();
    let mut problems = Vec::new();
    let config = check_table(&table, "config.toml", &mut problems);
    (
        config,
        problems.into_iter().map(|p| p.to_string()).collect(),
    )
}

#[test]
fn a_full_valid_file_is_read_into_typed_sections() {
    let (config, problems) = check(
        r#"
strategies = ["strategies/a.toml", "strategies/b.toml"]
[connection]
host = "10.0.0.5"
port = 4002
client_id = 12
[risk]
max_daily_loss_pct = 0.03
stop_loss_pct = 0.04
allowed_symbols = ["SPY", "QQQ"]
[shutdown]
cancel_timeout_secs = 30
flatten_on_exit = true
[journal]
path = "data/j.db"
[logging]
level = "debug"
format = "json"
status_interval_secs = 0
"#,
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(config.connection.host, "10.0.0.5");
    assert_eq!(config.connection.port, Some(4002));
    assert_eq!(config.connection.client_id, 12);
    assert_eq!(config.risk.max_daily_loss_pct, dec!(0.03));
    assert_eq!(config.risk.stop_loss_pct, dec!(0.04));
    // Untouched risk keys keep their defaults.
    assert_eq!(config.risk.take_profit_pct, dec!(0.10));
    assert_eq!(config.risk.allowed_symbols.len(), 2);
    assert_eq!(config.shutdown.cancel_timeout_secs, 30);
    assert!(config.shutdown.flatten_on_exit);
    assert_eq!(config.journal.path, std::path::PathBuf::from("data/j.db"));
    assert_eq!(config.logging.level, LogLevel::Debug);
    assert_eq!(config.logging.format, LogFormat::Json);
    assert_eq!(config.logging.status_interval_secs, 0);
    assert_eq!(
        config.strategies,
        ["strategies/a.toml", "strategies/b.toml"]
    );
}

#[test]
fn an_empty_file_means_every_default() {
    let (config, problems) = check("");
    assert!(problems.is_empty());
    assert_eq!(config.connection, ConnectionSection::default());
    assert_eq!(config.risk, RiskLimits::default());
    assert!(config.strategies.is_empty());
}

#[test]
fn several_bad_values_are_reported_together() {
    let (config, problems) = check(
        r#"
strategy = ["typo.toml"]
[connection]
host = "http://tws"
port = "7497"
client_id = -1
[risk]
max_daily_loss_pct = "two percent"
stop_loss_pct = 0.07
stop_los_pct = 0.05
[shutdown]
cancel_timeout_secs = 0
[logging]
format = "xml"
"#,
    );
    assert_eq!(
        problems,
        [
            "config.toml: strategy = [\"typo.toml\"]: unknown key; allowed top-level keys: connection, risk, shutdown, journal, logging, dashboard, notify, strategies",
            "config.toml: connection.port = \"7497\": must be a TCP port 1-65535: 7497 TWS paper, 4002 Gateway paper, 7496 TWS live, 4001 Gateway live",
            "config.toml: connection.host = \"http://tws\": must be a host name or IP address without scheme or port, e.g. 127.0.0.1",
            "config.toml: connection.client_id = -1: must be a whole number 0-2147483647, unique among the API clients connected to TWS",
            "config.toml: risk.max_daily_loss_pct = \"two percent\": must be a decimal number, e.g. 0.02 (no quotes, no %)",
            "config.toml: risk.stop_los_pct = 0.05: unknown key; allowed keys in [risk]: max_daily_loss_pct, max_position_size_pct, stop_loss_pct, take_profit_pct, max_orders_per_second, max_order_notional, price_collar_pct, max_open_orders, allowed_symbols, flatten_on_daily_loss",
            "config.toml: shutdown.cancel_timeout_secs = 0: must be a whole number of seconds 1-300",
            "config.toml: logging.format = \"xml\": must be \"human\" or \"json\"",
        ]
    );
    // The good value next to the bad ones still counts.
    assert_eq!(config.risk.stop_loss_pct, dec!(0.07));
}

#[test]
fn a_section_that_is_not_a_table_is_a_problem() {
    let (_, problems) = check("risk = 0.02\nstrategies = \"a.toml\"\n");
    assert_eq!(
        problems,
        [
            "config.toml: risk = 0.02: must be a table: [risk]",
            "config.toml: strategies = \"a.toml\": must be a list of strategy file paths relative to the config file, e.g. [\"strategies/sma_crossover_spy.toml\"]",
        ]
    );
}

#[test]
fn account_and_mode_keys_point_to_the_environment() {
    let (_, problems) = check("[connection]\naccount_id = \"x\"\npaper_trading = false\n");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0]
        .starts_with("config.toml: connection.account_id = \"x\": account ids are never read"));
    assert!(problems[1].contains(
        "connection.paper_trading = false: the trading mode is not set in the config file"
    ));
}

#[test]
fn only_exact_misplaced_names_get_the_pointed_hint() {
    let (_, problems) = check("[risk]\nmax_account_exposure = 1\n");
    assert!(
        problems[0].contains("unknown key; allowed keys in [risk]"),
        "{problems:?}"
    );
}

#[test]
fn out_of_range_integers_are_named() {
    let (_, problems) =
        check("[connection]\nport = 70000\n[logging]\nstatus_interval_secs = 90000\n");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("config.toml: connection.port = 70000: must be a TCP port"));
    assert!(problems[1].starts_with("config.toml: logging.status_interval_secs = 90000: must be"));
}

#[test]
fn syntax_errors_give_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[risk]\nstop_loss_pct = 0.05\nmax_open_orders = = 3\n",
    )
    .unwrap();
    let problem = read_table(&path, "config.toml").unwrap_err();
    assert_eq!(problem.file, "config.toml");
    assert_eq!(problem.key, "(line 3, column 19)");
    assert_eq!(problem.value, "max_open_orders = = 3");
    assert!(problem.expected.starts_with("invalid TOML: "), "{problem}");
}

#[test]
fn a_missing_file_is_a_problem_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let problem = read_table(&path, "nope.toml").unwrap_err();
    assert_eq!(problem.key, "(file)");
    assert_eq!(problem.value, path.display().to_string());
    assert!(
        problem.expected.starts_with("config file not found"),
        "{problem}"
    );
}

#[test]
fn risk_type_errors_are_explained_in_plain_words() {
    let (_, problems) = check(
        "[risk]\nmax_open_orders = -3\nflatten_on_daily_loss = \"yes\"\nallowed_symbols = \"SPY\"\nmax_orders_per_second = 1.5\n",
    );
    assert_eq!(
        problems,
        [
            "config.toml: risk.allowed_symbols = \"SPY\": must be a list of quoted ticker symbols, e.g. [\"SPY\", \"QQQ\"]",
            "config.toml: risk.flatten_on_daily_loss = \"yes\": must be true or false",
            "config.toml: risk.max_open_orders = -3: must be a whole number >= 0",
            "config.toml: risk.max_orders_per_second = 1.5: must be a whole number >= 0",
        ]
    );
}

#[test]
fn the_shipped_config_toml_is_valid_and_writes_out_every_default() {
    let (config, problems) = check(include_str!("../../config.toml"));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(config.connection, ConnectionSection::default());
    assert_eq!(config.risk, RiskLimits::default());
    assert_eq!(config.shutdown, ShutdownSettings::default());
    assert_eq!(config.journal, JournalSettings::default());
    assert_eq!(config.logging, LoggingSettings::default());
    assert_eq!(config.strategies, ["strategies/sma_crossover_spy.toml"]);
    assert_eq!(
        config.notify, None,
        "notifications are off unless configured"
    );
    // Every key of every section is written out (so every key is documented).
    let table: toml::Table = include_str!("../../config.toml").parse().unwrap();
    assert_eq!(table["risk"].as_table().unwrap().len(), 10);
    assert_eq!(table["shutdown"].as_table().unwrap().len(), 2);
    assert_eq!(table["journal"].as_table().unwrap().len(), 1);
    assert_eq!(table["logging"].as_table().unwrap().len(), 3);
}

/// One value of the wrong TOML type per row: the problem names the key, shows
/// the value as written and says what is expected.
#[test]
fn wrong_toml_types_are_named_with_what_is_expected() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (name, section and line, key, start of the expectation)
        (
            "date for host",
            "[connection]\nhost = 1979-05-27",
            "connection.host",
            "must be a host name",
        ),
        (
            "date-time for host",
            "[connection]\nhost = 1979-05-27T07:32:00Z",
            "connection.host",
            "must be a host name",
        ),
        (
            "integer for host",
            "[connection]\nhost = 127",
            "connection.host",
            "must be a host name",
        ),
        (
            "array for host",
            "[connection]\nhost = [\"a\"]",
            "connection.host",
            "must be a host name",
        ),
        (
            "string for port",
            "[connection]\nport = \"7497\"",
            "connection.port",
            "must be a TCP port",
        ),
        (
            "float for port",
            "[connection]\nport = 7497.0",
            "connection.port",
            "must be a TCP port",
        ),
        (
            "bool for port",
            "[connection]\nport = true",
            "connection.port",
            "must be a TCP port",
        ),
        (
            "string for client id",
            "[connection]\nclient_id = \"1\"",
            "connection.client_id",
            "must be a whole number",
        ),
        (
            "array for a money limit",
            "[risk]\nmax_order_notional = [50000]",
            "risk.max_order_notional",
            "must be a decimal number",
        ),
        (
            "quoted money limit",
            "[risk]\nmax_order_notional = \"50000\"",
            "risk.max_order_notional",
            "must be a decimal number",
        ),
        (
            "table for a fraction",
            "[risk]\nstop_loss_pct = { }",
            "risk.stop_loss_pct",
            "must be a decimal number",
        ),
        (
            "date for a fraction",
            "[risk]\nmax_daily_loss_pct = 2026-01-05",
            "risk.max_daily_loss_pct",
            "must be a decimal number",
        ),
        (
            "quoted fraction",
            "[risk]\nmax_daily_loss_pct = \"0.02\"",
            "risk.max_daily_loss_pct",
            "must be a decimal number",
        ),
        (
            "string for a rate",
            "[risk]\nmax_orders_per_second = \"40\"",
            "risk.max_orders_per_second",
            "must be a whole number",
        ),
        (
            "float for a count",
            "[risk]\nmax_open_orders = 30.0",
            "risk.max_open_orders",
            "must be a whole number",
        ),
        (
            "numbers for symbols",
            "[risk]\nallowed_symbols = [1, 2]",
            "risk.allowed_symbols",
            "must be a list",
        ),
        (
            "string for a bool",
            "[risk]\nflatten_on_daily_loss = \"true\"",
            "risk.flatten_on_daily_loss",
            "must be true or false",
        ),
        (
            "string for a timeout",
            "[shutdown]\ncancel_timeout_secs = \"10\"",
            "shutdown.cancel_timeout_secs",
            "must be a whole number of seconds",
        ),
        (
            "integer for a bool",
            "[shutdown]\nflatten_on_exit = 1",
            "shutdown.flatten_on_exit",
            "must be true or false",
        ),
        (
            "integer for a path",
            "[journal]\npath = 5",
            "journal.path",
            "must be a database file path",
        ),
        (
            "array for a path",
            "[journal]\npath = [\"a.db\"]",
            "journal.path",
            "must be a database file path",
        ),
        (
            "integer for a level",
            "[logging]\nlevel = 3",
            "logging.level",
            "must be one of",
        ),
        (
            "negative interval",
            "[logging]\nstatus_interval_secs = -5",
            "logging.status_interval_secs",
            "must be a whole number of seconds",
        ),
        (
            "numbers for strategies",
            "strategies = [1, 2]",
            "strategies",
            "must be a list of strategy file paths",
        ),
        (
            "date for strategies",
            "strategies = 2026-01-05",
            "strategies",
            "must be a list of strategy file paths",
        ),
    ];
    for (name, text, key, expected) in cases {
        let (_, problems) = check(text);
        let value_line = text.lines().last().unwrap();
        let value = value_line.split_once(" = ").unwrap().1;
        assert_eq!(problems.len(), 1, "{name}: {problems:#?}");
        let prefix = format!("config.toml: {key} = ");
        let problem = &problems[0];
        assert!(problem.starts_with(&prefix), "{name}: {problem}");
        let rest = &problem[prefix.len()..];
        let (shown, said) = rest.split_once(": ").unwrap();
        assert_eq!(
            shown.replace(' ', ""),
            value.replace(' ', ""),
            "{name}: the value as written"
        );
        assert!(said.starts_with(expected), "{name}: {problem}");
    }
}

#[test]
fn a_dashboard_other_machines_can_reach_needs_allow_remote() {
    let problems = check("[dashboard]\nbind = \"0.0.0.0\"\n").1;
    assert_eq!(
        problems,
        ["config.toml: dashboard.bind = 0.0.0.0: must be a loopback address (127.0.0.1 or ::1) unless allow_remote = true: anyone who can reach it and learns the token controls the bot (see SECURITY.md)"]
    );
    assert!(
        check("[dashboard]\nbind = \"0.0.0.0\"\nallow_remote = true\n")
            .1
            .is_empty()
    );
    assert!(check("[dashboard]\nbind = \"::1\"\nport = 0\n")
        .1
        .is_empty());
    assert_eq!(
        check("[dashboard]\nport = 70000\n").1,
        ["config.toml: dashboard.port = 70000: must be a TCP port 0-65535 (0: any free port)"]
    );
}

#[test]
fn a_notify_section_is_read_with_defaults_for_what_it_leaves_out() {
    let (config, problems) = check(
        "[notify]\nurls = [\"https://hooks.example.com/T0/SECRET\"]\nevents = [\"state\", \"fill\"]\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let notify = config.notify.unwrap();
    assert_eq!(notify.events, [NotifyEvent::State, NotifyEvent::Fill]);
    assert_eq!((notify.queue, notify.disconnect_after_secs), (256, 30));
}

/// A URL may hold a secret: no problem about `[notify]` shows it, whatever
/// went wrong.
#[test]
fn notify_problems_name_the_key_and_never_show_a_url_in_full() {
    let (_, problems) = check(
        r#"
[notify]
urls = "https://hooks.example.com/T0/SECRET1"
url = "https://hooks.example.com/T0/SECRET2"
events = ["fill", "fills"]
queue = -1
"#,
    );
    // Keys in the file's table order (alphabetical); `urls` reported once.
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems.iter().all(|p| !p.contains("SECRET")),
        "{problems:#?}"
    );
    assert!(problems[0].starts_with("config.toml: notify.events = [\"fill\", \"fills\"]: must be a list of one or more of \"fill\""), "{}", problems[0]);
    assert_eq!(
        problems[1],
        "config.toml: notify.queue = -1: must be a whole number 1-65536"
    );
    assert_eq!(
        problems[2],
        "config.toml: notify.url = \"https://hooks.example.com/****\": unknown key; allowed keys in [notify]: urls, events, queue, disconnect_after_secs"
    );
    assert_eq!(
        problems[3],
        "config.toml: notify.urls = \"https://hooks.example.com/****\": must be a list of one or more quoted http:// or https:// URLs, e.g. [\"https://hooks.example.com/services/T0/B0/XYZ\"]; remove [notify] to turn notifications off"
    );
}
