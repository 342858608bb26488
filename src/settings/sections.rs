//! The non-risk sections of `config.toml` — `[connection]`, `[shutdown]`,
//! `[journal]`, `[logging]`, `[dashboard]` — with their defaults (written here and nowhere
//! else) and their value checks.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigProblem;

/// Default TWS / IB Gateway host.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// Default API client id.
pub const DEFAULT_CLIENT_ID: i32 = 1;
/// Default journal location, relative to the config file's directory.
pub const DEFAULT_JOURNAL_PATH: &str = "journal/first-trading-app.db";

/// What a valid host is.
pub const HOST_EXPECTED: &str =
    "must be a host name or IP address without scheme or port, e.g. 127.0.0.1";
/// What a valid port is.
pub const PORT_EXPECTED: &str =
    "must be a TCP port 1-65535: 7497 TWS paper, 4002 Gateway paper, 7496 TWS live, 4001 Gateway live";
/// What a valid client id is.
pub const CLIENT_ID_EXPECTED: &str =
    "must be a whole number 0-2147483647, unique among the API clients connected to TWS";

/// `[connection]`: where TWS / IB Gateway listens. `IBKR_HOST`, `IBKR_PORT`
/// and `IBKR_CLIENT_ID` override these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionSection {
    /// Host of TWS / IB Gateway. Default `127.0.0.1`.
    pub host: String,
    /// API port. Unset (the default) = follow the trading mode: 7497 paper, 7496 live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// API client id; TWS refuses a second connection with the same id. Default 1.
    pub client_id: i32,
}

impl Default for ConnectionSection {
    fn default() -> Self {
        Self {
            host: DEFAULT_HOST.to_string(),
            port: None,
            client_id: DEFAULT_CLIENT_ID,
        }
    }
}

/// Checks a host name or IP address (no scheme, no port, no spaces).
///
/// # Errors
/// [`HOST_EXPECTED`] when it is not one.
pub fn check_host(host: &str) -> Result<(), &'static str> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        && !host.contains("://")
        // A single colon means host:port (IPv6 addresses have at least two).
        && host.matches(':').count() != 1;
    if ok {
        Ok(())
    } else {
        Err(HOST_EXPECTED)
    }
}

/// Checks an API client id.
///
/// # Errors
/// [`CLIENT_ID_EXPECTED`] when negative.
pub fn check_client_id(id: i64) -> Result<i32, &'static str> {
    i32::try_from(id)
        .ok()
        .filter(|id| *id >= 0)
        .ok_or(CLIENT_ID_EXPECTED)
}

impl ConnectionSection {
    /// Every problem with these values, named as keys of `file`.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if let Err(expected) = check_host(&self.host) {
            problems.push(ConfigProblem::new(
                file,
                "connection.host",
                quoted(&self.host),
                expected,
            ));
        }
        if self.port == Some(0) {
            problems.push(ConfigProblem::new(
                file,
                "connection.port",
                "0",
                PORT_EXPECTED,
            ));
        }
        if let Err(expected) = check_client_id(i64::from(self.client_id)) {
            problems.push(ConfigProblem::new(
                file,
                "connection.client_id",
                self.client_id.to_string(),
                expected,
            ));
        }
        problems
    }
}

/// `[shutdown]`: what happens on Ctrl+C / SIGTERM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// Seconds to wait for TWS to confirm the cancellation of working orders
    /// before exiting anyway. 1–300, default 10.
    pub cancel_timeout_secs: u64,
    /// Also close every position on exit (market orders). Default false.
    pub flatten_on_exit: bool,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            cancel_timeout_secs: 10,
            flatten_on_exit: false,
        }
    }
}

impl ShutdownSettings {
    /// Every problem with these values, named as keys of `file`.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if !(1..=300).contains(&self.cancel_timeout_secs) {
            problems.push(ConfigProblem::new(
                file,
                "shutdown.cancel_timeout_secs",
                self.cancel_timeout_secs.to_string(),
                CANCEL_TIMEOUT_EXPECTED,
            ));
        }
        problems
    }
}

const CANCEL_TIMEOUT_EXPECTED: &str = "must be a whole number of seconds 1-300";

/// `[journal]`: the SQLite write-ahead journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalSettings {
    /// Database file. In the file: relative to the config file's directory. In
    /// a loaded [`super::Settings`]: already resolved against that directory.
    pub path: PathBuf,
}

impl Default for JournalSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from(DEFAULT_JOURNAL_PATH),
        }
    }
}

const JOURNAL_PATH_EXPECTED: &str =
    "must be a database file path, relative to the config file's directory, e.g. \"journal/first-trading-app.db\"";

impl JournalSettings {
    /// Every problem with these values, named as keys of `file`.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        let text = self.path.to_string_lossy();
        if text.trim().is_empty() || text.ends_with('/') || text.ends_with('\\') {
            vec![ConfigProblem::new(
                file,
                "journal.path",
                quoted(&text),
                JOURNAL_PATH_EXPECTED,
            )]
        } else {
            Vec::new()
        }
    }
}

/// Log verbosity (`RUST_LOG`, when set, wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Diagnostics.
    Debug,
    /// Normal operation (default).
    Info,
    /// Only warnings and errors.
    Warn,
    /// Only errors.
    Error,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal (default).
    Human,
    /// One JSON object per line, for log shippers.
    Json,
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Human => "human",
            Self::Json => "json",
        })
    }
}

/// `[logging]`: what the bot writes while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingSettings {
    /// Verbosity. Default `info`.
    pub level: LogLevel,
    /// Line format. Default `human`.
    pub format: LogFormat,
    /// Seconds between status lines (positions, PnL, trading state); 0 = off,
    /// at most 86400. Default 60.
    pub status_interval_secs: u64,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        Self {
            level: LogLevel::Info,
            format: LogFormat::Human,
            status_interval_secs: 60,
        }
    }
}

const STATUS_INTERVAL_EXPECTED: &str = "must be a whole number of seconds 0-86400 (0 = off)";

impl LoggingSettings {
    /// Every problem with these values, named as keys of `file`.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        if self.status_interval_secs > 86_400 {
            vec![ConfigProblem::new(
                file,
                "logging.status_interval_secs",
                self.status_interval_secs.to_string(),
                STATUS_INTERVAL_EXPECTED,
            )]
        } else {
            Vec::new()
        }
    }
}

/// Default dashboard port.
pub const DEFAULT_DASHBOARD_PORT: u16 = 7878;

/// `[dashboard]`: the local dashboard and control API that `run` serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DashboardSettings {
    /// Serve it. Default true.
    pub enabled: bool,
    /// TCP port; 0 takes any free port (printed at start). Default 7878.
    pub port: u16,
    /// The address to listen on. Default 127.0.0.1 (this machine only).
    pub bind: IpAddr,
    /// Allow a `bind` address other machines can reach. Default false; see SECURITY.md.
    pub allow_remote: bool,
}

impl Default for DashboardSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            port: DEFAULT_DASHBOARD_PORT,
            bind: IpAddr::from([127, 0, 0, 1]),
            allow_remote: false,
        }
    }
}

const DASHBOARD_BIND_EXPECTED: &str = "must be a loopback address (127.0.0.1 or ::1) unless allow_remote = true: anyone who can reach it and learns the token controls the bot (see SECURITY.md)";

impl DashboardSettings {
    /// Every problem with these values, named as keys of `file`.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        if self.enabled && !self.bind.is_loopback() && !self.allow_remote {
            vec![ConfigProblem::new(
                file,
                "dashboard.bind",
                self.bind.to_string(),
                DASHBOARD_BIND_EXPECTED,
            )]
        } else {
            Vec::new()
        }
    }
}

/// What is allowed for `key` (dotted), used when a value has the wrong type.
/// `None` for keys whose serde message is already clear (e.g. `[risk]`).
pub(crate) fn hint(key: &str) -> Option<&'static str> {
    Some(match key {
        "connection.host" => HOST_EXPECTED,
        "connection.port" => PORT_EXPECTED,
        "connection.client_id" => CLIENT_ID_EXPECTED,
        "shutdown.cancel_timeout_secs" => CANCEL_TIMEOUT_EXPECTED,
        "shutdown.flatten_on_exit" | "risk.flatten_on_daily_loss" => "must be true or false",
        "journal.path" => JOURNAL_PATH_EXPECTED,
        "risk.allowed_symbols" => "must be a list of quoted ticker symbols, e.g. [\"SPY\", \"QQQ\"]",
        "logging.level" => "must be one of \"trace\", \"debug\", \"info\", \"warn\", \"error\"",
        "logging.format" => "must be \"human\" or \"json\"",
        "logging.status_interval_secs" => STATUS_INTERVAL_EXPECTED,
        "dashboard.enabled" | "dashboard.allow_remote" => "must be true or false",
        "dashboard.port" => "must be a TCP port 0-65535 (0: any free port)",
        "dashboard.bind" => "must be an IP address, e.g. \"127.0.0.1\"",
        k if k.starts_with("notify.") => return super::notify::hint(k),
        "strategies" => {
            "must be a list of strategy file paths relative to the config file, e.g. [\"strategies/sma_crossover_spy.toml\"]"
        }
        _ => return None,
    })
}

/// `text` in TOML string quotes, as it would be written in the file.
pub(crate) fn quoted(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "127.0.0.1",
            "localhost",
            "tws.internal",
            "::1",
            "fe80::1",
            "gw-1",
        ] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        for bad in ["", "http://x", "127.0.0.1:7497", "a b", "host/x"] {
            assert_eq!(check_host(bad), Err(HOST_EXPECTED), "{bad}");
        }
    }

    #[test]
    fn client_ids() {
        assert_eq!(check_client_id(0), Ok(0));
        assert_eq!(check_client_id(2_147_483_647), Ok(i32::MAX));
        assert!(check_client_id(-1).is_err());
        assert!(check_client_id(2_147_483_648).is_err());
    }

    #[test]
    fn section_checks_report_each_bad_value() {
        let conn = ConnectionSection {
            host: "http://x".into(),
            port: Some(0),
            client_id: -3,
        };
        let keys: Vec<_> = conn.validate("c.toml").into_iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            ["connection.host", "connection.port", "connection.client_id"]
        );
        let shutdown = ShutdownSettings {
            cancel_timeout_secs: 0,
            flatten_on_exit: true,
        };
        assert_eq!(
            shutdown.validate("c.toml")[0].to_string(),
            "c.toml: shutdown.cancel_timeout_secs = 0: must be a whole number of seconds 1-300"
        );
        let journal = JournalSettings { path: "".into() };
        assert_eq!(journal.validate("c.toml")[0].key, "journal.path");
        let logging = LoggingSettings {
            status_interval_secs: 86_401,
            ..LoggingSettings::default()
        };
        assert_eq!(logging.validate("c.toml")[0].value, "86401");
    }

    #[test]
    fn defaults_are_valid() {
        assert!(ConnectionSection::default().validate("f").is_empty());
        assert!(ShutdownSettings::default().validate("f").is_empty());
        assert!(JournalSettings::default().validate("f").is_empty());
        assert!(LoggingSettings::default().validate("f").is_empty());
        assert_eq!(ShutdownSettings::default().cancel_timeout_secs, 10);
    }
}
