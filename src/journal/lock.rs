//! [`TradingLock`]: one trading bot per journal. `run` takes an exclusive OS
//! lock on `<journal>.lock` once the journal is open (a foreign or corrupt
//! file is refused first, with nothing created beside it) and before it
//! connects, and holds it until it exits;
//! a second `run` on the same journal is refused and told which process
//! holds it. The OS releases the lock when the holder dies, even by kill -9,
//! so a stale lock file never blocks a restart.
//!
//! Owns the lock file only. Must never lock the journal database itself:
//! `report` and the manual commands read it while a bot runs.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::JournalError;

/// The lock held by the one trading process of a journal; released on drop.
#[derive(Debug)]
pub struct TradingLock {
    /// Kept open: closing it would release the lock.
    _file: File,
    path: PathBuf,
}

impl TradingLock {
    /// Takes the trading lock of the journal at `journal`.
    ///
    /// # Errors
    /// [`JournalError::InUse`] when another process holds it (with its pid
    /// when the lock file names one); [`JournalError::Io`] when the lock file
    /// cannot be created.
    pub fn acquire(journal: &Path) -> Result<Self, JournalError> {
        let path = lock_path(journal);
        let io = |action, error| JournalError::Io {
            path: path.clone(),
            action,
            error,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io("creating the directory", e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io("opening the lock file", e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(JournalError::InUse {
                    path: journal.to_path_buf(),
                    holder: holder(&mut file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io("locking the lock file", e)),
        }
        file.set_len(0)
            .map_err(|e| io("writing the lock file", e))?;
        writeln!(file, "{}", std::process::id()).map_err(|e| io("writing the lock file", e))?;
        Ok(Self { _file: file, path })
    }

    /// Checks, writing nothing, that no process holds the trading lock of
    /// the journal at `journal` (what [`TradingLock::acquire`] would find).
    ///
    /// # Errors
    /// [`JournalError::InUse`] naming the holder, as `acquire` would.
    pub fn check_free(journal: &Path) -> Result<(), JournalError> {
        let path = lock_path(journal);
        let Ok(mut file) = File::open(&path) else {
            // No lock file (or none readable): nobody can hold it.
            return Ok(());
        };
        match file.try_lock_shared() {
            Err(TryLockError::WouldBlock) => Err(JournalError::InUse {
                path: journal.to_path_buf(),
                holder: holder(&mut file),
            }),
            // Released when `file` is dropped.
            Ok(()) | Err(TryLockError::Error(_)) => Ok(()),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<journal>.lock`, beside the journal.
fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The pid the holder wrote into the lock file, if it is readable.
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
#[path = "lock_tests.rs"]
mod tests;
