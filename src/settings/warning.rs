//! Things worth fixing that do not stop the bot: one variant per kind, so
//! callers match on what happened instead of searching the text.
//!
//! Owns [`Warning`] and its wording. Never holds an account id (only paths and
//! variable names, which the loader scrubs) and never decides what a caller
//! does with a warning.

use std::fmt;

use super::env::KNOWN_VARS;

/// Where an unknown `IBKR_*` variable was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarPlace {
    /// The process environment.
    Environment,
    /// The `.env` file at this path (as shown to the user).
    DotEnv(String),
}

impl fmt::Display for VarPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment => f.write_str("the environment"),
            Self::DotEnv(path) => f.write_str(path),
        }
    }
}

/// A problem that does not stop the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// `.env` is readable by group or others; it holds the account id.
    DotEnvTooOpen {
        /// The `.env` file as shown to the user.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// `.env` defines a variable more than once; the first definition is
    /// used, this one is ignored.
    DuplicateVariable {
        /// The variable's name.
        name: String,
        /// The `.env` file as shown to the user.
        path: String,
        /// The 1-based line of the ignored definition (0 when not found).
        line: usize,
    },
    /// An `IBKR_*` variable this app does not read (likely a typo).
    UnknownVariable {
        /// The variable's name.
        name: String,
        /// Where it was set.
        place: VarPlace,
    },
    /// The config file lists no strategy: the bot would trade nothing.
    NoStrategies {
        /// The config file as shown to the user.
        config: String,
    },
    /// `IBKR_ACCOUNT_ID` is unset: `check` works, `run` refuses to start.
    AccountUnset,
}

impl Warning {
    /// Whether this warning concerns only a command that trades (`run`,
    /// `check`): no strategies, no account. The others are about `.env` and
    /// the environment, and every command that read them shows them.
    pub fn trading_only(&self) -> bool {
        matches!(self, Self::NoStrategies { .. } | Self::AccountUnset)
    }

    /// The same warning with every text field passed through `clean` (the
    /// loader masks account ids with it).
    pub(crate) fn map_text(self, clean: impl Fn(&str) -> String) -> Self {
        match self {
            Self::DotEnvTooOpen { path, mode } => Self::DotEnvTooOpen {
                path: clean(&path),
                mode,
            },
            Self::DuplicateVariable { name, path, line } => Self::DuplicateVariable {
                name: clean(&name),
                path: clean(&path),
                line,
            },
            Self::UnknownVariable { name, place } => Self::UnknownVariable {
                name: clean(&name),
                place: match place {
                    VarPlace::Environment => VarPlace::Environment,
                    VarPlace::DotEnv(path) => VarPlace::DotEnv(clean(&path)),
                },
            },
            Self::NoStrategies { config } => Self::NoStrategies {
                config: clean(&config),
            },
            Self::AccountUnset => Self::AccountUnset,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DotEnvTooOpen { path, mode } => write!(
                f,
                "{path} is readable by group or others (mode {mode:03o}); it holds your account id: run `chmod 600 {path}`"
            ),
            Self::DuplicateVariable { name, path, line } => write!(
                f,
                "{name} is set more than once in {path} (again on line {line}); the first value is used: delete the other lines"
            ),
            Self::UnknownVariable { name, place } => write!(
                f,
                "{name} (in {place}) is not a variable this app reads; known: {}",
                KNOWN_VARS.join(", ")
            ),
            Self::NoStrategies { config } => write!(
                f,
                "{config} lists no strategies: the bot would trade nothing"
            ),
            Self::AccountUnset => f.write_str(
                "IBKR_ACCOUNT_ID is not set: `check` can validate without it, but `run` will refuse to start",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_is_unchanged() {
        let open = Warning::DotEnvTooOpen {
            path: ".env".into(),
            mode: 0o644,
        };
        assert_eq!(
            open.to_string(),
            ".env is readable by group or others (mode 644); it holds your account id: run `chmod 600 .env`"
        );
        let unknown = Warning::UnknownVariable {
            name: "IBKR_PASS".into(),
            place: VarPlace::DotEnv(".env".into()),
        };
        assert!(unknown.to_string().starts_with(
            "IBKR_PASS (in .env) is not a variable this app reads; known: IBKR_ACCOUNT_ID"
        ));
    }

    #[test]
    fn a_duplicate_names_the_key_the_file_and_the_line() {
        let duplicate = Warning::DuplicateVariable {
            name: "IBKR_PORT".into(),
            path: ".env".into(),
            line: 7,
        };
        assert_eq!(
            duplicate.to_string(),
            "IBKR_PORT is set more than once in .env (again on line 7); the first value is used: delete the other lines"
        );
        assert!(!duplicate.trading_only());
        assert!(Warning::AccountUnset.trading_only());
    }

    #[test]
    fn map_text_cleans_every_text_field() {
        let warning = Warning::UnknownVariable {
            name: "IBKR_X".into(),
            place: VarPlace::DotEnv("/home/DU1234567/.env".into()),
        };
        let cleaned = warning.map_text(|t| t.replace("DU1234567", "DU****567"));
        assert_eq!(
            cleaned,
            Warning::UnknownVariable {
                name: "IBKR_X".into(),
                place: VarPlace::DotEnv("/home/DU****567/.env".into()),
            }
        );
    }
}
