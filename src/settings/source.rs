//! Where each effective setting came from, for `check` and for error messages.

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

impl Source {
    /// The `config` crate origin tag used for values of this layer.
    pub(crate) fn origin_tag(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::ConfigFile => "config file",
            Self::DotEnv => ".env",
            Self::Env => "env",
            Self::Flag => "flag",
        }
    }

    /// The layer for a `config` crate origin tag (inverse of [`Source::origin_tag`]).
    pub(crate) fn from_origin_tag(tag: Option<&str>) -> Self {
        match tag {
            Some("config file") => Self::ConfigFile,
            Some(".env") => Self::DotEnv,
            Some("env") => Self::Env,
            Some("flag") => Self::Flag,
            _ => Self::Default,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.origin_tag())
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
    fn origin_tags_round_trip() {
        for s in [
            Source::Default,
            Source::ConfigFile,
            Source::DotEnv,
            Source::Env,
            Source::Flag,
        ] {
            assert_eq!(Source::from_origin_tag(Some(s.origin_tag())), s);
        }
        assert_eq!(Source::from_origin_tag(None), Source::Default);
    }

    #[test]
    fn layers_are_ordered_by_precedence() {
        assert!(Source::Default < Source::ConfigFile);
        assert!(Source::ConfigFile < Source::DotEnv);
        assert!(Source::DotEnv < Source::Env);
        assert!(Source::Env < Source::Flag);
    }
}
