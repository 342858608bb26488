//! Operator messages on stderr outside the log (a signal's escalation, the
//! final error): plain lines, or JSON log events when `--log-format json` is
//! on, so that stderr is then only JSON lines.
//!
//! Owns that one switch. Must never panic or block: with the terminal gone
//! (SIGHUP) a write fails, and whatever called it must go on.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static JSON: AtomicBool = AtomicBool::new(false);

/// From now on, messages go out as JSON log events (set by the logging set-up).
pub fn use_json() {
    JSON.store(true, Ordering::Relaxed);
}

/// Whether messages go out as JSON log events.
pub fn is_json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Writes one operator message to stderr, best effort.
pub fn say(line: &str) {
    if JSON.load(Ordering::Relaxed) {
        tracing::warn!("{}", line.trim());
    } else {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}
