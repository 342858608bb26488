//! Reading the operator's configuration files safely: only a regular file
//! of a sane size is read, so a FIFO, a device or a directory given as a
//! path fails at once instead of hanging or reading forever, and (for TOML)
//! only a `.toml` file is read, so a mistyped path such as `/etc/passwd` is
//! refused before a line of it can reach an error message.
//!
//! Owns those checks, for the config file, strategy files and `.env`. Must
//! never parse: callers do.

use std::io;
use std::path::Path;

/// Largest configuration file read (a strategy or config file is a few KiB).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Why a configuration file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// There is no such file.
    NotFound,
    /// What the operator must fix, e.g. "is not a regular file …".
    Refused(String),
}

/// Reads a `.toml` configuration file: a regular file of at most
/// [`MAX_CONFIG_BYTES`] whose name ends in `.toml`.
///
/// # Errors
/// [`ReadError`] saying what is wrong; the file's content is never quoted.
pub fn read_toml_file(path: &Path) -> Result<String, ReadError> {
    if path.extension().is_none_or(|e| e != "toml") {
        return Err(ReadError::Refused(
            "is not a .toml file: give the path of a TOML configuration file".to_string(),
        ));
    }
    read_config_file(path)
}

/// Reads a configuration file that is a regular file of at most
/// [`MAX_CONFIG_BYTES`].
///
/// # Errors
/// [`ReadError`] saying what is wrong.
pub fn read_config_file(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Refused(format!("cannot be read: {e}")),
    })?;
    if !meta.is_file() {
        return Err(ReadError::Refused(
            "is not a regular file (a directory, FIFO or device): give the path of a file"
                .to_string(),
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ReadError::Refused(format!(
            "is {} bytes, more than the {MAX_CONFIG_BYTES} a configuration file may have",
            meta.len()
        )));
    }
    std::fs::read_to_string(path).map_err(|e| ReadError::Refused(format!("cannot be read: {e}")))
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
