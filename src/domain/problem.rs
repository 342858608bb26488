//! [`ConfigProblem`]: one invalid or unknown configuration value, located
//! precisely enough that the user can fix it without guessing.

use std::fmt;

/// One thing wrong with the configuration. Validation collects every problem
/// it finds, so the user fixes them all in one go.
///
/// Displays as `file: key = value: expected`, e.g.
/// `config.toml: risk.max_daily_loss_pct = 2.5: must be a fraction in (0, 1], e.g. 0.02 for 2%`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// File (or `environment` / `.env` / `command line`) the value came from.
    pub file: String,
    /// Dotted key, e.g. `risk.max_daily_loss_pct` or `IBKR_PORT`.
    pub key: String,
    /// The value as given (already masked if it is an account id or a secret).
    pub value: String,
    /// What is allowed instead.
    pub expected: String,
}

impl ConfigProblem {
    /// Convenience constructor.
    pub fn new(
        file: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            key: key.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} = {}: {}",
            self.file, self.key, self.value, self.expected
        )
    }
}
