//! The SQLite write-ahead journal: the bot's durable memory across crashes
//! and restarts.
//!
//! It owns one SQLite file (WAL, `synchronous=FULL`, mode 600) holding every
//! order intent (written *before* the order is sent, under its deterministic
//! client order id, which IB stores as `orderRef`), every status change,
//! execution (unique by exec id) and commission, every risk decision with its
//! reason, the trading-state latch per day (in typed columns: state, halt
//! cause and its figures, since), each day's start equity and the
//! configuration hash of every run. Every write method runs in its own
//! transaction and is on disk when it returns, so a `kill -9` or a power cut
//! after `record_intent` returns cannot lose the intent.
//!
//! What it must never do: overwrite or "repair" a file that is not a journal
//! of ours (another application's database, garbage, a newer schema) — such a
//! file gives a [`JournalError`] that names it and says what to do, and its
//! bytes are left exactly as they were; store a full account id (only the
//! masked form is kept); or decide anything about trading — it records, the
//! run loop decides.
//!
//! The journal does blocking file I/O and is not for the hot path: the edge
//! that sends orders calls it, never the core.

mod codec;
mod error;
mod latch;
mod lock;
mod open;
mod read;
mod records;
mod report;
mod schema;
mod write;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

pub use error::JournalError;
pub use lock::TradingLock;
pub use open::KEY_VAR;
pub use records::{
    ExecutionRecord, OperatorActionRecord, OrderIntentRecord, OrderRecord, OrderStatus,
    RiskDecisionRecord, RunRecord, TradingStateRecord,
};
pub use report::{DayReport, SymbolPnl};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};

/// An open journal. Holds one read-write SQLite connection; not `Sync`, so
/// it lives with the one task that writes it.
#[derive(Debug)]
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl Journal {
    /// Opens the journal at `path`, creating it (and its directory, mode 700)
    /// if it does not exist. A new file is created with mode 600 before SQLite
    /// touches it; an existing file readable by others is tightened to 600
    /// with a warning. The connection runs in WAL mode with
    /// `synchronous=FULL` and foreign keys on; the schema is created or
    /// migrated to [`SCHEMA_VERSION`].
    ///
    /// With the `sqlcipher` feature, the database is keyed from the
    /// [`KEY_VAR`] environment variable and refuses to open without it.
    ///
    /// # Errors
    /// - [`JournalError::NotAJournal`]: the file is not SQLite (garbage,
    ///   truncated, or encrypted with another key);
    /// - [`JournalError::ForeignDatabase`]: another application's SQLite file
    ///   (other `application_id`, or tables a journal does not have);
    /// - [`JournalError::NewerSchema`]: written by a newer build;
    /// - [`JournalError::Corrupt`]: `PRAGMA quick_check` failed or tables are missing;
    /// - [`JournalError::Io`] / [`JournalError::Sqlite`]: the file or its
    ///   directory could not be created or opened.
    ///
    /// In the first four cases the file has not been modified in any way.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        // A directory, FIFO or device is refused (by the probe that
        // `preflight` shares) before SQLite touches it: it would block on a FIFO.
        let conn = open::open_connection(path)?;
        Ok(Journal {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// What `run` checks at the journal path before it trades, checked
    /// without creating or writing anything (for `check`): the same probe
    /// [`Journal::open`] starts with (not a directory, FIFO or device; a
    /// journal of ours, or nothing yet and a place to create it), then
    /// whether a running bot holds the journal ([`TradingLock::acquire`]'s
    /// refusal). `Ok(true)` when the journal exists, `Ok(false)` when `run`
    /// would create it.
    ///
    /// # Errors
    /// The [`JournalError`] `run` would stop with.
    pub fn preflight(path: &Path) -> Result<bool, JournalError> {
        let exists = open::probe_path(path)?.is_some();
        TradingLock::check_free(path)?;
        Ok(exists)
    }

    /// The file this journal lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The SHA-256 of `text` (the effective configuration as rendered by the
/// settings module) as 64 lower-case hex digits, for [`Journal::record_run`].
pub fn config_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";
