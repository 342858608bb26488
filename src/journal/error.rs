//! [`JournalError`]: everything that can go wrong opening or writing the
//! journal, each variant naming the file and, where the operator can act, what
//! to do about it.

use std::path::PathBuf;

/// What to tell the operator when the file at the journal path is not ours.
const LEFT_UNTOUCHED: &str = "the file was left untouched: move it away, or set \
     [journal] path in config.toml to another file";

/// The same, for a journal written by a newer build.
const NEWER_UNTOUCHED: &str = "the file was left untouched: run the newer version that \
     wrote it, move it away, or set [journal] path in config.toml to another file";

/// Why the journal could not be opened, read or written.
///
/// Variants a caller may want to branch on (a foreign or corrupted file at
/// open, a conflicting duplicate record, an unknown order) are distinct; the
/// rest carry the underlying SQLite or I/O error as text.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Another `run` trades on this journal (one bot per journal: two would
    /// hold twice the intended position and cancel each other's stops).
    #[error("journal {} is in use by another first-trading-app run{}; stop that bot first, or give this one its own [journal] path", path.display(), holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default())]
    InUse {
        /// The journal path.
        path: PathBuf,
        /// The holder's process id, when its lock file names one.
        holder: Option<u32>,
    },
    /// The file or its directory could not be created, read or re-permissioned.
    #[error("journal {path}: {action} failed: {error}; check that the directory exists and is writable, or set [journal] path in config.toml")]
    Io {
        /// The journal path.
        path: PathBuf,
        /// What was being done (e.g. "creating the directory").
        action: &'static str,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// The file exists but is not a SQLite database (garbage, truncated, or
    /// encrypted with a key we do not have). It has not been modified.
    #[error("journal {path} is not a SQLite database ({detail}); {LEFT_UNTOUCHED}")]
    NotAJournal {
        /// The journal path.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// The file is a SQLite database belonging to something else (another
    /// `application_id`, or tables this journal does not have). It has not
    /// been modified.
    #[error(
        "journal {path} is a SQLite database of another application ({detail}); {LEFT_UNTOUCHED}"
    )]
    ForeignDatabase {
        /// The journal path.
        path: PathBuf,
        /// What made it foreign.
        detail: String,
    },
    /// The journal was written by a newer version of this program (its schema
    /// version is higher than this build knows). It has not been modified.
    #[error("journal {path} has schema version {found}, but this build of first-trading-app only knows versions up to {supported}; {NEWER_UNTOUCHED}")]
    NewerSchema {
        /// The journal path.
        path: PathBuf,
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The highest schema version this build can read.
        supported: i64,
    },
    /// SQLite's integrity check failed or the schema is incomplete. The file
    /// has not been modified.
    #[error("journal {path} is damaged ({detail}); restore it from a backup; {LEFT_UNTOUCHED}")]
    Corrupt {
        /// The journal path.
        path: PathBuf,
        /// What the check reported.
        detail: String,
    },
    /// Built with the `sqlcipher` feature but the key variable is not set.
    #[error("journal {path} is encrypted (built with the sqlcipher feature) but {var} is not set or empty: export the journal key in {var}")]
    MissingKey {
        /// The journal path.
        path: PathBuf,
        /// The environment variable the key is read from.
        var: &'static str,
    },
    /// A SQLite call failed after the journal was opened.
    #[error("journal {path}: {action} failed: {error}")]
    Sqlite {
        /// The journal path.
        path: PathBuf,
        /// What was being done (e.g. "recording an intent").
        action: &'static str,
        /// SQLite's error.
        error: rusqlite::Error,
    },
    /// A record with the same key is already journaled with different content
    /// (an order intent, an execution, an IB order id). Nothing was written.
    #[error("journal conflict: {0}")]
    Conflict(String),
    /// The order reference names no journaled order.
    #[error("journal has no order {0:?}")]
    UnknownOrder(String),
    /// The execution id names no journaled execution.
    #[error("journal has no execution {0:?}")]
    UnknownExecution(String),
    /// A record given to the journal is invalid (e.g. a non-positive quantity),
    /// or a stored value could not be read back. Nothing was written.
    #[error("journal record invalid: {0}")]
    InvalidRecord(String),
}

impl JournalError {
    /// Wraps a SQLite error with the path and the action that failed.
    pub(crate) fn sqlite(
        path: &std::path::Path,
        action: &'static str,
        error: rusqlite::Error,
    ) -> Self {
        JournalError::Sqlite {
            path: path.to_path_buf(),
            action,
            error,
        }
    }

    /// Wraps an I/O error with the path and the action that failed.
    pub(crate) fn io(path: &std::path::Path, action: &'static str, error: std::io::Error) -> Self {
        JournalError::Io {
            path: path.to_path_buf(),
            action,
            error,
        }
    }
}
