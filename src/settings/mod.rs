//! Settings: `config.toml` + `strategies/*.toml` + `.env` + `IBKR_*` environment
//! → one validated [`Settings`]; and the paper/live trading-mode decision.
//!
//! Loading is a pure function of [`LoadInputs`] (file contents aside): the
//! process environment and `.env` are captured up front and never modified.
//! Never connects to anything. Every problem found is reported at once, as a
//! [`SettingsError`] listing each [`ConfigProblem`] and any paper/live
//! [`ModeConflict`].
//!
//! Precedence, lowest to highest: built-in default < config file < `.env` <
//! environment < command-line flag. Account id and paper flag come only from
//! `.env` / the environment; risk, shutdown, journal, logging, notify and the strategy
//! list only from the config file.

mod canonical;
mod effective;
pub mod env;
mod file;
pub mod inputs;
mod layer;
mod load;
pub mod mode;
pub mod notify;
pub mod report;
pub mod sections;
pub mod source;
pub mod warning;

use std::fmt;
use std::path::PathBuf;

pub use crate::domain::account::AccountId;
pub use crate::domain::problem::ConfigProblem;
pub use file::TOP_LEVEL_KEYS;
pub use inputs::{
    DotEnv, Flags, LoadInputs, SecretVar, DASHBOARD_TOKEN_VAR, DEFAULT_CONFIG_PATH, DOTENV_PATH,
    NOTIFY_URLS_VAR,
};
pub use mode::{decide_mode, ModeConflict, ModeInputs, ModeSignal, TradingMode};
pub use notify::{NotifyEvent, NotifySettings};
pub use sections::{
    ConnectionSection, DashboardSettings, JournalSettings, LogFormat, LogLevel, LoggingSettings,
    ShutdownSettings,
};
pub use source::{EffectiveValue, Source};
pub use warning::{VarPlace, Warning};

use crate::risk::RiskLimits;
use crate::strategy::config::StrategyFile;

/// Where to connect, after every layer and the mode decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// TWS / IB Gateway host.
    pub host: String,
    /// API port: as configured, or the mode's default (7497 paper, 7496 live).
    pub port: u16,
    /// API client id.
    pub client_id: i32,
}

/// One strategy file listed in the config file, loaded and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyEntry {
    /// The path as written in the `strategies` list.
    pub listed_as: String,
    /// The path resolved against the config file's directory.
    pub path: PathBuf,
    /// Its validated content.
    pub file: StrategyFile,
}

/// The validated, effective configuration.
///
/// Guarantees: every value passed its checks; `mode` was decided by
/// [`decide_mode`] with every setting agreeing; `connection.port` is set;
/// `journal.path` and every strategy path are resolved against the config
/// file's directory. `Debug` never shows the full account id.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config file that was read.
    pub config_path: PathBuf,
    /// Where to connect.
    pub connection: Connection,
    /// `IBKR_ACCOUNT_ID`, when set (required by `run`, see [`Settings::require_account`]).
    pub account: Option<AccountId>,
    /// Paper or live.
    pub mode: TradingMode,
    /// `[risk]`.
    pub risk: RiskLimits,
    /// `[shutdown]`.
    pub shutdown: ShutdownSettings,
    /// `[journal]`, path resolved.
    pub journal: JournalSettings,
    /// `[logging]`.
    pub logging: LoggingSettings,
    /// `[dashboard]`.
    pub dashboard: DashboardSettings,
    /// `[notify]`, checked; `None` (no section) = notifications off.
    pub notify: Option<NotifySettings>,
    /// The strategy files, in the order listed.
    pub strategies: Vec<StrategyEntry>,
    /// Things worth fixing that do not stop the bot (e.g. `.env` permissions).
    pub warnings: Vec<Warning>,
    /// Every effective value with its source, in display order, safe to print.
    pub effective: Vec<EffectiveValue>,
}

impl Settings {
    /// Loads, merges and validates everything described in [`LoadInputs`].
    ///
    /// # Errors
    /// [`SettingsError`] with every problem found (and the mode conflict, if any).
    pub fn load(inputs: &LoadInputs) -> Result<Self, SettingsError> {
        load::load(inputs)
    }

    /// The canonical serialization of these settings, for the journal's
    /// configuration hash: one line of JSON with sorted keys, decimals
    /// normalized, the account id masked, no sources and no config file path.
    /// Equal settings give equal text; any change to a value changes it.
    pub fn canonical_json(&self) -> String {
        canonical::canonical_json(self)
    }

    /// The account id, which `run` requires (`check` does not).
    ///
    /// # Errors
    /// A problem naming `IBKR_ACCOUNT_ID` and how to set it, when unset.
    pub fn require_account(&self) -> Result<&AccountId, ConfigProblem> {
        self.account.as_ref().ok_or_else(|| {
            ConfigProblem::new(
                "environment",
                env::ACCOUNT_VAR,
                "(unset)",
                "required to trade: set it in the environment or in .env, e.g. IBKR_ACCOUNT_ID=DU1234567 for a paper account",
            )
        })
    }
}

/// The configuration is not usable: every problem found, plus the paper/live
/// conflict if the settings disagree. Account ids in it are masked.
#[derive(Debug, Clone, Default)]
pub struct SettingsError {
    /// Every invalid, unknown or missing value, in the order found.
    pub problems: Vec<ConfigProblem>,
    /// The paper/live disagreement, if any.
    pub mode_conflict: Option<ModeConflict>,
    /// Warnings gathered before the failure (still worth showing).
    pub warnings: Vec<Warning>,
}

impl SettingsError {
    /// Number of distinct things to fix.
    pub fn count(&self) -> usize {
        self.problems.len() + usize::from(self.mode_conflict.is_some())
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.count();
        write!(
            f,
            "configuration invalid, {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        if let Some(conflict) = &self.mode_conflict {
            for line in conflict.to_string().lines() {
                write!(f, "\n  {line}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

#[cfg(test)]
#[path = "load_tests.rs"]
mod load_tests;
