//! Deciding from what SQLite reports about an existing file — its
//! application id, schema version and table names — whether it is a journal
//! of ours and what opening it needs. Pure: no I/O.

use std::path::Path;

use crate::journal::error::JournalError;
use crate::journal::schema::{APPLICATION_ID, SCHEMA_VERSION, TABLES};

/// What an existing file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Empty, or an empty SQLite database: initialise it.
    Fresh,
    /// Our journal at schema version `0 < v < SCHEMA_VERSION`: migrate it.
    Older(i64),
    /// Our journal at the current version.
    Current,
}

/// Why an existing SQLite file is not usable as our journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Another application's database.
    Foreign(String),
    /// Our journal, from a newer build.
    Newer(i64),
    /// Our journal, but its tables are not what its version promises.
    Incomplete(String),
}

impl Problem {
    pub(crate) fn into_error(self, path: &Path) -> JournalError {
        let path = path.to_path_buf();
        match self {
            Problem::Foreign(detail) => JournalError::ForeignDatabase { path, detail },
            Problem::Newer(found) => JournalError::NewerSchema {
                path,
                found,
                supported: SCHEMA_VERSION,
            },
            Problem::Incomplete(detail) => JournalError::Corrupt { path, detail },
        }
    }
}

/// Decides from a file's application id, schema version and sorted table
/// names whether it is a journal we may use, and how.
pub(crate) fn classify(app_id: i32, version: i64, tables: &[String]) -> Result<Found, Problem> {
    let unknown: Vec<&str> = tables
        .iter()
        .map(String::as_str)
        .filter(|t| !TABLES.contains(t))
        .collect();
    if app_id == 0 {
        return if tables.is_empty() && version == 0 {
            Ok(Found::Fresh)
        } else if tables.is_empty() {
            Err(Problem::Foreign(format!(
                "no application_id but user_version {version}"
            )))
        } else {
            Err(Problem::Foreign(format!(
                "no application_id, tables: {}",
                tables.join(", ")
            )))
        };
    }
    if app_id != APPLICATION_ID {
        return Err(Problem::Foreign(format!(
            "application_id is {app_id:#010x}, a journal has {APPLICATION_ID:#010x}"
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(Problem::Newer(version));
    }
    if !unknown.is_empty() {
        return Err(Problem::Foreign(format!(
            "tables a journal does not have: {}",
            unknown.join(", ")
        )));
    }
    if version < 1 {
        return Err(Problem::Incomplete(format!(
            "application_id is set but schema version is {version}"
        )));
    }
    if version < SCHEMA_VERSION {
        return Ok(Found::Older(version));
    }
    let missing: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| !tables.iter().any(|have| have == t))
        .collect();
    if missing.is_empty() {
        Ok(Found::Current)
    } else {
        Err(Problem::Incomplete(format!(
            "missing tables: {}",
            missing.join(", ")
        )))
    }
}
