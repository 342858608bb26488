//! Crash points for the crash-safety tests: with
//! `FIRST_TRADING_APP_FAILPOINT=<name>` in the environment, the process kills
//! itself with SIGKILL when it reaches the named point — exactly what a power
//! cut or `kill -9` would do there. Unset (always, in normal use) it costs one
//! cached environment read.
//!
//! Points: `after-journal-write` (an intent is journaled, not yet sent) and
//! `after-send` (an order was handed to TWS, its send not yet journaled).

use std::sync::OnceLock;

/// The environment variable naming the active crash point.
pub const FAILPOINT_VAR: &str = "FIRST_TRADING_APP_FAILPOINT";

fn active() -> Option<&'static str> {
    static ACTIVE: OnceLock<Option<String>> = OnceLock::new();
    ACTIVE
        .get_or_init(|| std::env::var(FAILPOINT_VAR).ok().filter(|v| !v.is_empty()))
        .as_deref()
}

/// Whether `name` is the active crash point.
pub fn armed(name: &str) -> bool {
    active() == Some(name)
}

/// Kills the process with SIGKILL when `name` is the active crash point.
pub fn hit(name: &str) {
    if active() == Some(name) {
        eprintln!("failpoint {name}: killing the process with SIGKILL");
        let _ = signal_hook::low_level::raise(signal_hook::consts::SIGKILL);
    }
}
