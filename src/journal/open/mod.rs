//! Opening the journal file without ever harming a file that is not ours.
//!
//! The order is deliberate:
//! 1. create the parent directory (mode 700) and, if the file does not exist,
//!    create it empty with mode 600 before SQLite ever sees it;
//! 2. for an existing file, read its 100-byte header with plain file I/O and
//!    refuse anything that is not SQLite or carries another `application_id`;
//! 3. inspect it through a read-only SQLite connection (which can neither roll
//!    back a journal nor checkpoint a WAL into the file, and is opened
//!    `immutable` when there is no WAL so it creates no `-wal`/`-shm` files):
//!    application id, schema version, table names, `PRAGMA quick_check`;
//! 4. only then tighten loose permissions, open read-write, switch on WAL,
//!    `synchronous=FULL` and foreign keys, and create or migrate the schema in
//!    one transaction.
//!
//! Anything refused in steps 2–3 leaves the file's bytes exactly as they were.

mod classify;
mod files;

#[cfg(test)]
pub(crate) use classify::Problem;
pub(crate) use classify::{classify, Found};
pub(crate) use files::companion;
use files::{check_header, create_file, create_parent, tighten_permissions, uri_path};

use std::fs;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::error::JournalError;
use super::schema::{self, SCHEMA_VERSION};

/// The environment variable holding the SQLCipher key (feature `sqlcipher`).
pub const KEY_VAR: &str = "FTA_JOURNAL_KEY";

/// How long a write waits for another connection's lock (e.g. a `report`
/// reading the journal while the bot runs) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the journal at `path` and returns a read-write
/// connection with WAL, `synchronous=FULL` and foreign keys on, schema current.
pub(crate) fn open_connection(path: &Path) -> Result<Connection, JournalError> {
    let key = journal_key(path)?;
    let key = key.as_deref();
    let existing = match probe(path, key)? {
        Some(found) => Some(found),
        None => {
            create_parent(path)?;
            if create_file(path)? {
                None
            } else {
                // Created by someone else since the probe: inspect it as any existing file.
                probe(path, key)?
            }
        }
    };
    let found = match existing {
        Some(found) => {
            tighten_permissions(path)?;
            found
        }
        None => Found::Fresh,
    };

    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)
        .map_err(|e| JournalError::sqlite(path, "opening the journal", e))?;
    unlock(&conn, path, key)?;
    configure(&conn, path)?;
    if found != Found::Current {
        initialise(&mut conn, path)?;
    }
    Ok(conn)
}

/// Every check made before anything is written, writing nothing: the key
/// (with `sqlcipher`), what is at `path` — nothing (then the nearest existing
/// ancestor must be a directory, so the journal can be created) or a regular
/// file whose header and content are a journal of ours (never a directory,
/// FIFO or device, which SQLite would choke or block on). `None` when there
/// is no file yet.
pub(crate) fn probe_path(path: &Path) -> Result<Option<Found>, JournalError> {
    let key = journal_key(path)?;
    probe(path, key.as_deref())
}

fn probe(path: &Path, key: Option<&str>) -> Result<Option<Found>, JournalError> {
    match fs::metadata(path) {
        // ENOTDIR: a file stands where a directory of the path should be.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            check_creatable(path)?;
            Ok(None)
        }
        Err(e) => Err(JournalError::io(path, "reading the file's metadata", e)),
        Ok(meta) if !meta.is_file() => Err(JournalError::NotAJournal {
            path: path.to_path_buf(),
            detail: "not a regular file (a directory, FIFO or device)".to_string(),
        }),
        Ok(_) => {
            if !cfg!(feature = "sqlcipher") {
                check_header(path)?;
            }
            inspect_read_only(path, key).map(Some)
        }
    }
}

/// Refuses a path whose nearest existing ancestor is not a directory (a
/// file where a directory should be): the journal could not be created.
fn check_creatable(path: &Path) -> Result<(), JournalError> {
    let existing = path
        .ancestors()
        .skip(1)
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }
        })
        .find_map(|dir| fs::metadata(dir).ok().map(|meta| (dir, meta)));
    match existing {
        Some((dir, meta)) if !meta.is_dir() => Err(JournalError::io(
            path,
            "creating the journal directory",
            std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ),
        )),
        _ => Ok(()),
    }
}

/// Looks inside an existing file through a read-only connection and decides
/// what it is. Never writes to the database file.
fn inspect_read_only(path: &Path, key: Option<&str>) -> Result<Found, JournalError> {
    // Without a `-wal` file every committed page is in the database file, and
    // no connection is open (SQLite keeps the WAL while one is): read it as
    // immutable so SQLite creates no `-wal`/`-shm` beside a file that may not
    // be ours. With a `-wal`, read it normally (read-only never checkpoints).
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let immutable = if companion(path, "-wal").exists() {
        ""
    } else {
        "?immutable=1"
    };
    let uri = format!("file:{}{immutable}", uri_path(path));
    let conn = Connection::open_with_flags(uri, flags).map_err(|e| refusal(path, e))?;
    unlock(&conn, path, key)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| refusal(path, e))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| refusal(path, e))?;
    let tables = table_names(&conn).map_err(|e| refusal(path, e))?;
    let found = classify(app_id, version, &tables).map_err(|problem| problem.into_error(path))?;
    quick_check(&conn, path)?;
    Ok(found)
}

/// The names of the user tables of a database, sorted.
fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?;
    names.collect()
}

/// Runs `PRAGMA quick_check` and refuses the file unless it answers `ok`.
fn quick_check(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    let lines: Vec<String> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| refusal(path, e))?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        Err(JournalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("integrity check: {}", lines.join("; ").replace('\n', "; ")),
        })
    }
}

/// Maps a SQLite error met while inspecting an existing file to the refusal it means.
fn refusal(path: &Path, error: rusqlite::Error) -> JournalError {
    let path_buf = path.to_path_buf();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => JournalError::NotAJournal {
            path: path_buf,
            detail: if cfg!(feature = "sqlcipher") {
                format!("or it is encrypted with another key than the one in {KEY_VAR}")
            } else {
                "SQLite cannot read it".to_string()
            },
        },
        Some(ErrorCode::DatabaseCorrupt) => JournalError::Corrupt {
            path: path_buf,
            detail: error.to_string(),
        },
        _ => JournalError::sqlite(path, "inspecting the existing journal file", error),
    }
}

/// The SQLCipher key from [`KEY_VAR`] when built with the `sqlcipher`
/// feature (refusing to go on without one), `None` otherwise.
fn journal_key(path: &Path) -> Result<Option<String>, JournalError> {
    if !cfg!(feature = "sqlcipher") {
        return Ok(None);
    }
    match std::env::var(KEY_VAR) {
        Ok(key) if !key.is_empty() => Ok(Some(key)),
        _ => Err(JournalError::MissingKey {
            path: path.to_path_buf(),
            var: KEY_VAR,
        }),
    }
}

/// Issues `PRAGMA key` (which must be the first statement on a SQLCipher
/// connection) when there is a key; does nothing otherwise.
fn unlock(conn: &Connection, path: &Path, key: Option<&str>) -> Result<(), JournalError> {
    match key {
        Some(key) => conn
            .pragma_update(None, "key", key)
            .map_err(|e| JournalError::sqlite(path, "setting the encryption key", e)),
        None => Ok(()),
    }
}

/// WAL, `synchronous=FULL` (a commit is on disk when it returns), foreign keys,
/// no trust in schema-embedded SQL, and a busy timeout.
fn configure(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    let ctx = |e| JournalError::sqlite(path, "configuring the connection", e);
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(ctx)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(ctx)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(ctx)?;
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(ctx)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(ctx)?;
    let synchronous: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .map_err(ctx)?;
    if !mode.eq_ignore_ascii_case("wal") || synchronous != 2 {
        return Err(JournalError::io(
            path,
            "configuring the connection",
            std::io::Error::other(format!(
                "SQLite kept journal_mode={mode}, synchronous={synchronous} (need wal, 2)"
            )),
        ));
    }
    Ok(())
}

/// Creates or migrates the schema in one immediate transaction, re-checking
/// what the file is under the write lock (another process may have got there
/// first).
fn initialise(conn: &mut Connection, path: &Path) -> Result<(), JournalError> {
    let ctx = |e| JournalError::sqlite(path, "creating the journal schema", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(ctx)?;
    let app_id: i32 = tx
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(ctx)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(ctx)?;
    let tables = table_names(&tx).map_err(ctx)?;
    let from = match classify(app_id, version, &tables) {
        Ok(Found::Current) => return Ok(()),
        Ok(Found::Fresh) => 0,
        Ok(Found::Older(v)) => v,
        Err(problem) => return Err(problem.into_error(path)),
    };
    schema::migrate(&tx, from).map_err(ctx)?;
    tx.commit().map_err(ctx)?;
    if from > 0 {
        tracing::info!(from, to = SCHEMA_VERSION, "journal schema migrated");
    }
    Ok(())
}
