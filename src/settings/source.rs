//! Where each effective setting came from, for `check` and for error messages.
//!
//! Owns [`Source`] and [`EffectiveValue`]. Never holds an unmasked account id.

use std::fmt;

/// The layer an effective value came from. Later layers win:
/// default < config file < `.env` < environment < command-line flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Built-in default (written once, beside its type).
    Default,
    /// The config file (`config.toml` or the `--config` file).
    ConfigFile,
    /// The `.env` file in the working directory.
    DotEnv,
    /// The process environment.
    Env,
    /// A command-line flag.
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Default => "default",
            Self::ConfigFile => "config file",
            Self::DotEnv => ".env",
            Self::Env => "env",
            Self::Flag => "flag",
        })
    }
}

/// One line of the effective configuration: key, printable value (account ids
/// already masked), and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveValue {
    /// Dotted key (`risk.stop_loss_pct`) or variable/flag name (`IBKR_ACCOUNT_ID`, `--live`).
    pub key: String,
    /// The value as it will be used, safe to print.
    pub value: String,
    /// The layer it came from.
    pub source: Source,
    /// Extra context, e.g. the variable that set it (`IBKR_PORT`) or `follows paper mode`.
    pub note: Option<String>,
}

impl EffectiveValue {
    /// Convenience constructor.
    pub fn new(key: impl Into<String>, value: impl Into<String>, source: Source) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            source,
            note: None,
        }
    }

    /// The same value with a note attached.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_ordered_by_precedence() {
        assert!(Source::Default < Source::ConfigFile);
        assert!(Source::ConfigFile < Source::DotEnv);
        assert!(Source::DotEnv < Source::Env);
        assert!(Source::Env < Source::Flag);
    }
}
