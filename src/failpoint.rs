//! Crash points for the crash-safety tests: with
//! `FIRST_TRADING_APP_FAILPOINT=<name>` in the environment, the process kills
//! itself with SIGKILL when it reaches the named point — exactly what a power
//! cut or `kill -9` would do there.
//!
//! Points: `after-journal-write` (an intent is journaled, not yet sent) and
//! `after-send` (an order was handed to TWS, its send not yet journaled).
//!
//! Compiled in only with the `failpoints` cargo feature, which the crate's own
//! dev-dependency turns on for `cargo test`. Without it (`cargo build
//! --release`, `cargo install`) [`armed`] is `false`, [`hit`] does nothing,
//! both inline to nothing, and the binary neither reads the environment
//! variable nor contains its name. This module must never do anything but
//! kill the process at a named point: no delays, no other side effects.

/// The environment variable naming the active crash point.
#[cfg(feature = "failpoints")]
pub const FAILPOINT_VAR: &str = "FIRST_TRADING_APP_FAILPOINT";

#[cfg(feature = "failpoints")]
fn active() -> Option<&'static str> {
    static ACTIVE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    ACTIVE
        .get_or_init(|| std::env::var(FAILPOINT_VAR).ok().filter(|v| !v.is_empty()))
        .as_deref()
}

/// Whether `name` is the active crash point.
#[cfg(feature = "failpoints")]
pub fn armed(name: &str) -> bool {
    active() == Some(name)
}

/// Kills the process with SIGKILL when `name` is the active crash point.
#[cfg(feature = "failpoints")]
pub fn hit(name: &str) {
    if active() == Some(name) {
        eprintln!("failpoint {name}: killing the process with SIGKILL");
        let _ = signal_hook::low_level::raise(signal_hook::consts::SIGKILL);
    }
}

/// Without the `failpoints` feature no crash point is ever armed.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn armed(_name: &str) -> bool {
    false
}

/// Without the `failpoints` feature this compiles to nothing.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) {}
