//! Logging set-up: tracing to stderr, human-readable or JSON, level from
//! `RUST_LOG` (default `info`), and every line passed through the
//! [`Redactor`] so no account id reaches the log in full — whatever code
//! (ours or a dependency's) formatted it.

use std::io::{self, Write};
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;
use crate::redact::Redactor;

/// A `MakeWriter` whose writers collect one formatted event and write it,
/// redacted, to stderr when dropped.
#[derive(Clone)]
pub struct RedactingStderr {
    redactor: Arc<Redactor>,
}

/// One event's buffer; flushed redacted on drop.
pub struct RedactingLine {
    redactor: Arc<Redactor>,
    buffer: Vec<u8>,
}

impl Write for RedactingLine {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buffer);
        let clean = self.redactor.redact(&text);
        // A failed write to stderr has nowhere better to be reported.
        let _ = io::stderr().lock().write_all(clean.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = RedactingLine;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingLine {
            redactor: Arc::clone(&self.redactor),
            buffer: Vec::with_capacity(256),
        }
    }
}

/// Installs the global subscriber. Safe to call more than once (later calls
/// are ignored), so tests and commands can both call it.
pub fn init(format: LogFormat, redactor: Redactor) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let writer = RedactingStderr {
        redactor: Arc::new(redactor),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_redacted_before_it_is_written() {
        let maker = RedactingStderr {
            redactor: Arc::new(Redactor::new(["DU7654321"])),
        };
        let mut line = maker.make_writer();
        line.write_all(b"account DU7654321 and U1234567").unwrap();
        let text = String::from_utf8_lossy(&line.buffer).into_owned();
        let clean = line.redactor.redact(&text).into_owned();
        assert_eq!(clean, "account DU****321 and U1****567");
    }
}
