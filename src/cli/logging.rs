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

/// The `ibapi` module that logs every frame's bytes at debug level, capped at info.
const WIRE_DUMPS: &str = "ibapi::connection=info";

/// Installs the global subscriber. Safe to call more than once (later calls
/// are ignored), so tests and commands can both call it.
pub fn init(format: LogFormat, redactor: Redactor) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // The client's wire dumps (`-> [bytes]`, `<- [bytes]` at debug) carry
    // account ids as raw bytes: never logged, whatever RUST_LOG says.
    let filter = match WIRE_DUMPS.parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let writer = RedactingStderr {
        redactor: Arc::new(redactor),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => {
            crate::console::use_json();
            builder.json().flatten_event(true).try_init()
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_dump_cap_is_a_valid_directive() {
        assert!(WIRE_DUMPS
            .parse::<tracing_subscriber::filter::Directive>()
            .is_ok());
    }

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
