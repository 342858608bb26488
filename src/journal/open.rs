//! Opening the journal file without ever harming a file that is not ours.
//!
//! The order is deliberate:
//! 1. create the parent directory (mode 700) and, if the file does not exist,
//!    create it empty with mode 600 before SQLite ever sees it;
//! 2. for an existing file, read its 100-byte header with plain file I/O and
//!    refuse anything that is not SQLite or carries another `application_id`;
//! 3. inspect it through a read-only SQLite connection (which can neither roll
//!    back a journal nor checkpoint a WAL into the file): application id,
//!    schema version, table names, `PRAGMA quick_check`;
//! 4. only then tighten loose permissions, open read-write, switch on WAL,
//!    `synchronous=FULL` and foreign keys, and create or migrate the schema in
//!    one transaction.
//!
//! Anything refused in steps 2–3 leaves the file's bytes exactly as they were.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::error::JournalError;
use super::schema::{self, APPLICATION_ID, SCHEMA_VERSION, TABLES};

/// The environment variable holding the SQLCipher key (feature `sqlcipher`).
pub const KEY_VAR: &str = "FTA_JOURNAL_KEY";

/// The first 16 bytes of every (unencrypted) SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How long a write waits for another connection's lock (e.g. a `report`
/// reading the journal while the bot runs) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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

/// Opens (creating if needed) the journal at `path` and returns a read-write
/// connection with WAL, `synchronous=FULL` and foreign keys on, schema current.
pub(crate) fn open_connection(path: &Path) -> Result<Connection, JournalError> {
    create_parent(path)?;
    let found = if create_file(path)? {
        Found::Fresh
    } else {
        let meta = fs::metadata(path)
            .map_err(|e| JournalError::io(path, "reading the file's metadata", e))?;
        if !meta.is_file() {
            return Err(JournalError::NotAJournal {
                path: path.to_path_buf(),
                detail: "it is not a regular file".to_string(),
            });
        }
        if !cfg!(feature = "sqlcipher") {
            check_header(path)?;
        }
        let found = inspect_read_only(path)?;
        tighten_permissions(path)?;
        found
    };

    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)
        .map_err(|e| JournalError::sqlite(path, "opening the journal", e))?;
    unlock(&conn, path)?;
    configure(&conn, path)?;
    if found != Found::Current {
        initialise(&mut conn, path)?;
    }
    Ok(conn)
}

/// Creates the parent directory (and its ancestors) with mode 700 if missing.
fn create_parent(path: &Path) -> Result<(), JournalError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(parent)
        .map_err(|e| JournalError::io(path, "creating the journal directory", e))
}

/// Creates the file empty with mode 600 if it does not exist; `true` if it did not.
fn create_file(path: &Path) -> Result<bool, JournalError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(file) => {
            file.sync_all()
                .map_err(|e| JournalError::io(path, "creating the journal file", e))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(JournalError::io(path, "creating the journal file", e)),
    }
}

/// Refuses, from the raw header, a file that is not SQLite or that carries
/// another application's id. Reads only; an empty file passes.
fn check_header(path: &Path) -> Result<(), JournalError> {
    let mut header = Vec::with_capacity(100);
    fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut header))
        .map_err(|e| JournalError::io(path, "reading the file header", e))?;
    let not_sqlite = |detail: String| JournalError::NotAJournal {
        path: path.to_path_buf(),
        detail,
    };
    if header.is_empty() {
        return Ok(());
    }
    if header.len() < 100 {
        return Err(not_sqlite(format!(
            "it is only {} bytes long, shorter than a SQLite header",
            header.len()
        )));
    }
    if &header[..16] != SQLITE_MAGIC {
        return Err(not_sqlite(
            "it does not start with the SQLite file header".to_string(),
        ));
    }
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(JournalError::ForeignDatabase {
            path: path.to_path_buf(),
            detail: format!(
                "application_id is {app_id:#010x}, a journal has {APPLICATION_ID:#010x}"
            ),
        });
    }
    Ok(())
}

/// Looks inside an existing file through a read-only connection and decides
/// what it is. Never writes to the database file.
fn inspect_read_only(path: &Path) -> Result<Found, JournalError> {
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
    unlock(&conn, path)?;
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

/// `path` percent-encoded for a SQLite `file:` URI (everything but
/// unreserved characters and `/` is escaped, so `?`, `#` and `%` in a
/// directory name cannot be mistaken for URI syntax).
pub(crate) fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for byte in absolute.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(byte) {
            out.push(char::from(*byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
    fn into_error(self, path: &Path) -> JournalError {
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

/// Tightens the journal file (and its `-wal`/`-shm` companions, if present) to
/// mode 600 when group or others have any access, with a warning.
fn tighten_permissions(path: &Path) -> Result<(), JournalError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            path.to_path_buf(),
            companion(path, "-wal"),
            companion(path, "-shm"),
        ] {
            let meta = match fs::metadata(&file) {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && file != path => continue,
                Err(e) => return Err(JournalError::io(path, "reading the file's permissions", e)),
            };
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                fs::set_permissions(&file, fs::Permissions::from_mode(0o600))
                    .map_err(|e| JournalError::io(path, "tightening the file's permissions", e))?;
                tracing::warn!(
                    file = %file.display(),
                    was = format!("{mode:o}"),
                    "journal file was accessible to other users; permissions tightened to 600"
                );
            }
        }
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name (SQLite's `-wal`, `-shm`).
pub(crate) fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// With the `sqlcipher` feature, keys the connection from [`KEY_VAR`] (and
/// refuses without a key); otherwise does nothing.
fn unlock(conn: &Connection, path: &Path) -> Result<(), JournalError> {
    if cfg!(feature = "sqlcipher") {
        apply_key(conn, path, std::env::var(KEY_VAR).ok())
    } else {
        Ok(())
    }
}

/// Issues `PRAGMA key`, which must be the first statement on a SQLCipher connection.
fn apply_key(conn: &Connection, path: &Path, key: Option<String>) -> Result<(), JournalError> {
    let key = key
        .filter(|k| !k.is_empty())
        .ok_or_else(|| JournalError::MissingKey {
            path: path.to_path_buf(),
            var: KEY_VAR,
        })?;
    conn.pragma_update(None, "key", key)
        .map_err(|e| JournalError::sqlite(path, "setting the encryption key", e))
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
