//! [`Registry`]: strategy kind name → constructor. The built-ins are
//! registered by [`Registry::with_builtins`]; users add their own kinds with
//! [`Registry::register`].

use std::collections::BTreeMap;
use std::fmt;

use crate::domain::types::StrategyId;
use crate::domain::ConfigProblem;
use crate::strategy::builtins::{self, BuiltinConstructor};
use crate::strategy::config::StrategyFile;
use crate::strategy::params::Params;
use crate::strategy::traits::Strategy;

/// Your own strategy kinds: every registry the app builds
/// ([`Registry::for_app`], used by `check`, `run` and `backtest`) knows them.
/// Add one line per kind, e.g. `("above_average", crate::strategy::example::build),`.
pub const USER_KINDS: &[(&str, BuiltinConstructor)] = &[];

/// Builds one strategy from its file's parameters. It reads every parameter
/// through [`Params`] (which records problems), then returns the strategy, or
/// `None` when a parameter was missing or invalid.
pub type Constructor = dyn Fn(&mut Params<'_>) -> Option<Box<dyn Strategy>> + Send + Sync;

/// Why a kind could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The name is already taken (by a built-in or an earlier registration).
    #[error("strategy kind {0:?} is already registered")]
    Duplicate(String),
    /// The name is not lowercase letters, digits and underscores.
    #[error("strategy kind {0:?} must be non-empty lowercase letters, digits and underscores, e.g. \"my_breakout\"")]
    InvalidName(String),
}

/// Kind name → constructor. Kinds iterate in name order, so messages listing
/// them are stable.
pub struct Registry {
    kinds: BTreeMap<String, Box<Constructor>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::with_builtins()
    }
}

impl Registry {
    /// A registry without any kind.
    pub fn empty() -> Self {
        Self {
            kinds: BTreeMap::new(),
        }
    }

    /// A registry with the built-in kinds: `sma_crossover`, `rsi_reversion`,
    /// `donchian_breakout`.
    pub fn with_builtins() -> Self {
        let mut registry = Self::empty();
        for (kind, constructor) in builtins::BUILTINS {
            registry
                .kinds
                .insert((*kind).to_string(), Box::new(*constructor));
        }
        registry
    }

    /// The registry the app uses: the built-ins plus [`USER_KINDS`].
    ///
    /// # Errors
    /// [`RegisterError`] when a user kind is malformed or clashes with another.
    pub fn for_app() -> Result<Self, RegisterError> {
        let mut registry = Self::with_builtins();
        for (kind, constructor) in USER_KINDS {
            registry.register(kind, *constructor)?;
        }
        Ok(registry)
    }

    /// Adds a kind. Chainable: `registry.register("a", a)?.register("b", b)?;`.
    ///
    /// # Errors
    /// [`RegisterError`] when the name is taken or malformed.
    pub fn register<F>(&mut self, kind: &str, constructor: F) -> Result<&mut Self, RegisterError>
    where
        F: Fn(&mut Params<'_>) -> Option<Box<dyn Strategy>> + Send + Sync + 'static,
    {
        let valid = !kind.is_empty()
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(RegisterError::InvalidName(kind.to_string()));
        }
        if self.kinds.contains_key(kind) {
            return Err(RegisterError::Duplicate(kind.to_string()));
        }
        self.kinds.insert(kind.to_string(), Box::new(constructor));
        Ok(self)
    }

    /// The registered kind names, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.kinds.keys().map(String::as_str)
    }

    /// Builds the strategy `file` describes, as instance `id`.
    ///
    /// # Errors
    /// An unknown kind (the problem lists the known ones), or every parameter
    /// problem: missing, invalid, inconsistent or unknown.
    pub fn build(
        &self,
        file: &StrategyFile,
        id: StrategyId,
    ) -> Result<Box<dyn Strategy>, Vec<ConfigProblem>> {
        let Some(constructor) = self.kinds.get(&file.kind) else {
            let known: Vec<&str> = self.kinds().collect();
            return Err(vec![ConfigProblem::new(
                &file.source,
                "kind",
                format!("{:?}", file.kind),
                format!("unknown strategy kind; known kinds: {}", known.join(", ")),
            )]);
        };
        let mut params = Params::new(file, id);
        let built = constructor(&mut params);
        let problems = params.finish();
        match built {
            Some(strategy) if problems.is_empty() => Ok(strategy),
            _ if !problems.is_empty() => Err(problems),
            _ => Err(vec![ConfigProblem::new(
                &file.source,
                "params",
                "(as written)",
                format!("rejected by the {} constructor without a reason", file.kind),
            )]),
        }
    }

    /// Every problem [`build`](Registry::build) would report; empty when the
    /// file would build.
    pub fn validate(&self, file: &StrategyFile) -> Vec<ConfigProblem> {
        self.build(file, StrategyId(0)).err().unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
