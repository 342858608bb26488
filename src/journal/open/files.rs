//! The journal file as a file: its directory and creation with a private
//! mode, the raw SQLite header check, permission tightening, and the names of
//! SQLite's companion files. Plain file I/O; never writes into an existing file.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::journal::error::JournalError;
use crate::journal::schema::APPLICATION_ID;

/// The first 16 bytes of every (unencrypted) SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Creates the parent directory (and its ancestors) with mode 700 if missing.
pub(crate) fn create_parent(path: &Path) -> Result<(), JournalError> {
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
pub(crate) fn create_file(path: &Path) -> Result<bool, JournalError> {
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
pub(crate) fn check_header(path: &Path) -> Result<(), JournalError> {
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

/// Tightens the journal file (and its `-wal`/`-shm` companions, if present) to
/// mode 600 when group or others have any access, with a warning.
pub(crate) fn tighten_permissions(path: &Path) -> Result<(), JournalError> {
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
