//! [`LoadInputs`]: everything the loader reads, gathered up front so that
//! loading itself is a pure function of its inputs (tests pass maps instead
//! of mutating the process environment, which is racy in parallel tests).

use crate::strategy::files::{read_config_file, ReadError};
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::env::ACCOUNT_VAR;
use super::ConfigProblem;
use crate::redact::Redactor;

/// The config file used when `--config` is not given (relative to the working directory).
pub const DEFAULT_CONFIG_PATH: &str = "config.toml";
/// The `.env` file read when present (relative to the working directory).
pub const DOTENV_PATH: &str = ".env";
/// Prefix of the environment variables this app reads; only these are captured.
pub const ENV_PREFIX: &str = "IBKR_";

/// The dashboard's token, when the operator sets it (environment or `.env`).
pub const DASHBOARD_TOKEN_VAR: &str = "FTA_DASHBOARD_TOKEN";

/// Webhook URLs kept out of the config file (environment or `.env`).
pub const NOTIFY_URLS_VAR: &str = "FTA_NOTIFY_URLS";

/// The `FTA_*` secrets read beside the `IBKR_*` variables.
pub const SECRET_VARS: [&str; 2] = [DASHBOARD_TOKEN_VAR, NOTIFY_URLS_VAR];

/// One `FTA_*` secret and where it was set.
#[derive(Clone)]
pub struct SecretVar {
    /// Its value (never to be shown).
    pub value: String,
    /// `environment` or the `.env` path, for messages.
    pub place: String,
    /// Its layer.
    pub source: super::Source,
}

/// Command-line flags that take part in the settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `--live`: one of the four agreements needed for live trading.
    pub live: bool,
}

/// A parsed `.env` file. Never applied to the process environment: the loader
/// reads it as its own layer, below the real environment.
#[derive(Clone, Default)]
pub struct DotEnv {
    /// Where it was read from (used to name it in messages).
    pub path: PathBuf,
    /// Its variables; for a name given twice, the first (as dotenvy does).
    pub vars: BTreeMap<String, String>,
    /// Unix permission bits (`0o600`), when known.
    pub mode: Option<u32>,
    /// Lines that could not be parsed (account ids in them already masked).
    pub problems: Vec<ConfigProblem>,
    /// Names defined more than once, with the 1-based line of each later
    /// definition (which is ignored: the first one wins).
    pub duplicates: Vec<(String, usize)>,
}

impl DotEnv {
    /// A `.env` with these variables and no file behind it (for tests and callers
    /// that have their own source).
    pub fn from_vars<I, K, V>(path: impl Into<PathBuf>, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            path: path.into(),
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            mode: None,
            problems: Vec::new(),
            duplicates: Vec::new(),
        }
    }

    /// Reads and parses the file at `path`; `None` when there is no such file.
    /// Read and parse failures become [`DotEnv::problems`], never panics.
    pub fn read(path: &Path) -> Option<Self> {
        let label = path.display().to_string();
        let text = match read_config_file(path) {
            Ok(text) => text,
            Err(ReadError::NotFound) => return None,
            Err(ReadError::Refused(why)) => {
                let mut dotenv = Self::from_vars(path, Vec::<(String, String)>::new());
                dotenv.problems.push(ConfigProblem::new(
                    label,
                    "(file)",
                    path.display().to_string(),
                    why,
                ));
                return Some(dotenv);
            }
        };
        let mut dotenv = Self::parse(path, &text);
        dotenv.mode = file_mode(path);
        Some(dotenv)
    }

    /// Parses `.env` text (dotenvy syntax: `KEY=value`, quotes, `#` comments).
    pub fn parse(path: &Path, text: &str) -> Self {
        let label = path.display().to_string();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut dotenv = Self::from_vars(path, Vec::<(String, String)>::new());
        // Lines that fail to parse may contain an account id: mask before reporting.
        let redactor = Redactor::new(Vec::<String>::new());
        for item in dotenvy::Iter::new(text.as_bytes()) {
            match item {
                Ok((key, value)) => match dotenv.vars.entry(key) {
                    Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    Entry::Occupied(first) => {
                        let key = first.key().clone();
                        let seen = dotenv.duplicates.iter().filter(|(k, _)| *k == key).count();
                        // Definition 0 is the one kept; this is repeat number seen + 1.
                        let line = definition_lines(text, &key).nth(seen + 1).unwrap_or(0);
                        dotenv.duplicates.push((key, line));
                    }
                },
                Err(dotenvy::Error::LineParse(line, index)) => {
                    dotenv.problems.push(ConfigProblem::new(
                        label.as_str(),
                        format!("(line {:?})", redactor.redact(line.trim()).into_owned()),
                        format!("error at character {}", index + 1),
                        "must be KEY=value lines; see .env.example",
                    ));
                }
                Err(e) => {
                    dotenv.problems.push(ConfigProblem::new(
                        label.as_str(),
                        "(file)",
                        path.display().to_string(),
                        format!("cannot be parsed: {e}"),
                    ));
                    break;
                }
            }
        }
        dotenv
    }

    /// Whether group or others may access the file (it should be `chmod 600`).
    pub fn too_open(&self) -> bool {
        self.mode.is_some_and(|mode| mode & 0o077 != 0)
    }
}

/// The 1-based lines of `text` that define `key` (`KEY=…` or `export KEY=…`),
/// in order. A line inside a multi-line quoted value that looks like a
/// definition would count too; `.env` files of this app have none.
fn definition_lines<'a>(text: &'a str, key: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.lines().enumerate().filter_map(move |(i, line)| {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let rest = line.strip_prefix(key)?;
        rest.trim_start().starts_with('=').then_some(i + 1)
    })
}

/// Shows variable names only: values may hold the account id.
impl fmt::Debug for DotEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DotEnv")
            .field("path", &self.path)
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("mode", &self.mode.map(|m| format!("{m:03o}")))
            .field("problems", &self.problems)
            .field("duplicates", &self.duplicates)
            .finish()
    }
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

/// Everything [`super::Settings::load`] reads.
#[derive(Clone, Default)]
pub struct LoadInputs {
    /// `--config PATH`; `None` means [`DEFAULT_CONFIG_PATH`].
    pub config_path: Option<PathBuf>,
    /// The process environment (only `IBKR_*` variables matter).
    pub env: BTreeMap<String, String>,
    /// The `.env` file, if one exists.
    pub dotenv: Option<DotEnv>,
    /// Command-line flags.
    pub flags: Flags,
}

impl LoadInputs {
    /// Inputs from this process: its `IBKR_*` environment variables and the
    /// `.env` in the working directory (if any). Reads, never writes, the
    /// environment. Variables whose value is not UTF-8 are kept with the
    /// invalid bytes replaced, so validation reports them.
    pub fn from_process(config_path: Option<PathBuf>, flags: Flags) -> Self {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| {
                let key = k.to_str()?.to_string();
                (key.starts_with(ENV_PREFIX) || SECRET_VARS.contains(&key.as_str()))
                    .then(|| (key, v.to_string_lossy().into_owned()))
            })
            .collect();
        Self {
            config_path,
            env,
            dotenv: DotEnv::read(Path::new(DOTENV_PATH)),
            flags,
        }
    }
}

impl LoadInputs {
    /// The secret `name` (one of [`SECRET_VARS`]) from the environment,
    /// else from `.env`; an empty value is unset (as `.env.example` leaves it).
    pub fn secret(&self, name: &str) -> Option<SecretVar> {
        let set = |v: &&String| !v.trim().is_empty();
        if let Some(value) = self.env.get(name).filter(set) {
            let place = "environment".to_string();
            let source = super::Source::Env;
            return Some(SecretVar {
                value: value.clone(),
                place,
                source,
            });
        }
        let dotenv = self.dotenv.as_ref()?;
        Some(SecretVar {
            value: dotenv.vars.get(name).filter(set)?.clone(),
            place: dotenv.path.display().to_string(),
            source: super::Source::DotEnv,
        })
    }

    /// A redactor for every account id these inputs mention (environment and
    /// `.env`, valid or not), also masking anything account-shaped.
    pub fn redactor(&self) -> Redactor {
        let from_env = self.env.get(ACCOUNT_VAR);
        let from_dotenv = self.dotenv.as_ref().and_then(|d| d.vars.get(ACCOUNT_VAR));
        Redactor::new(from_env.into_iter().chain(from_dotenv).map(|s| s.trim()))
    }
}

/// Shows variable names only: values may hold the account id.
impl fmt::Debug for LoadInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadInputs")
            .field("config_path", &self.config_path)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("dotenv", &self.dotenv)
            .field("flags", &self.flags)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dotenv_text_first_definition_wins() {
        let text = "\u{feff}# comment\nIBKR_PORT=4002\nIBKR_HOST = \"gw\"\nIBKR_PORT=7497\n";
        let d = DotEnv::parse(Path::new(".env"), text);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.vars.get("IBKR_PORT").map(String::as_str), Some("4002"));
        assert_eq!(d.vars.get("IBKR_HOST").map(String::as_str), Some("gw"));
        assert_eq!(d.duplicates, [("IBKR_PORT".to_string(), 4)]);
    }

    #[test]
    fn every_repeated_definition_is_listed_with_its_line() {
        let text = "IBKR_PORT=1\nIBKR_PORT_X=2\nexport IBKR_PORT = 3\n# IBKR_PORT=4\nIBKR_HOST=h\n  IBKR_PORT=5\n";
        let d = DotEnv::parse(Path::new(".env"), text);
        assert_eq!(d.vars.get("IBKR_PORT").map(String::as_str), Some("1"));
        assert_eq!(
            d.duplicates,
            [("IBKR_PORT".to_string(), 3), ("IBKR_PORT".to_string(), 6)]
        );
    }

    #[test]
    fn bad_dotenv_line_is_a_problem_with_the_account_masked() {
        let d = DotEnv::parse(
            Path::new(".env"),
            "IBKR_ACCOUNT_ID DU1234567\nIBKR_PORT=4002\n",
        );
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
        let text = d.problems[0].to_string();
        assert!(text.contains("DU****567"), "{text}");
        assert!(!text.contains("DU1234567"), "{text}");
        assert_eq!(d.vars.get("IBKR_PORT").map(String::as_str), Some("4002"));
    }

    #[test]
    fn permissions() {
        let mut d = DotEnv::default();
        assert!(!d.too_open());
        d.mode = Some(0o600);
        assert!(!d.too_open());
        d.mode = Some(0o640);
        assert!(d.too_open());
        d.mode = Some(0o604);
        assert!(d.too_open());
    }

    #[test]
    fn debug_shows_names_not_values() {
        let inputs = LoadInputs {
            env: [("IBKR_ACCOUNT_ID".to_string(), "XQ1234567".to_string())].into(),
            dotenv: Some(DotEnv::from_vars(
                ".env",
                [("IBKR_ACCOUNT_ID", "XQ7654321")],
            )),
            ..LoadInputs::default()
        };
        let shown = format!("{inputs:?}");
        assert!(shown.contains("IBKR_ACCOUNT_ID"), "{shown}");
        assert!(
            !shown.contains("XQ1234567") && !shown.contains("XQ7654321"),
            "{shown}"
        );
        let r = inputs.redactor();
        assert_eq!(
            r.redact("a XQ1234567 b XQ7654321"),
            "a XQ****567 b XQ****321"
        );
    }
}
