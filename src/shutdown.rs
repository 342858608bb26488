//! Emergency-shutdown signals (signal-hook): the first Ctrl+C / SIGTERM asks for
//! an emergency shutdown, the second also asks to flatten every position, the
//! third exits the process at once with code 130.
//!
//! SIGHUP (the terminal was closed) and SIGQUIT (Ctrl+\) count exactly like
//! Ctrl+C: their default action would kill the bot with no shutdown, no
//! report and its orders left working, which is never what an operator wants.
//!
//! Signals are counted on a dedicated thread (not the tokio runtime), so the
//! escalation works even while the runtime is busy or blocked. The thread
//! never panics on a closed terminal: its messages to stderr are best effort.

use std::io;
use std::thread;

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::watch;

/// How far the operator has escalated the shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShutdownStage {
    /// Keep trading.
    Running,
    /// First signal: halt strategies, cancel every order, report, exit.
    Shutdown,
    /// Second signal: as `Shutdown`, and also close every position.
    Flatten,
}

impl ShutdownStage {
    /// Stage after `signals` signals (the third never gets here: it exits).
    pub fn after(signals: u32) -> Self {
        match signals {
            0 => ShutdownStage::Running,
            1 => ShutdownStage::Shutdown,
            _ => ShutdownStage::Flatten,
        }
    }
}

/// Receives the shutdown stage. Clone it into every task that must react.
#[derive(Debug, Clone)]
pub struct ShutdownListener {
    stage: watch::Receiver<ShutdownStage>,
}

impl ShutdownListener {
    /// The current stage.
    pub fn stage(&self) -> ShutdownStage {
        *self.stage.borrow()
    }

    /// Waits until the stage is at least `stage` (returns at once if it already is).
    pub async fn reached(&mut self, stage: ShutdownStage) {
        // An error means the sender is gone; treat the stage as final then.
        let _ = self.stage.wait_for(|s| *s >= stage).await;
    }
}

/// Sends stages; held by the signal thread (and by tests, which escalate by hand).
#[derive(Debug)]
pub struct ShutdownTrigger {
    stage: watch::Sender<ShutdownStage>,
}

impl ShutdownTrigger {
    /// A trigger/listener pair starting at [`ShutdownStage::Running`].
    pub fn new() -> (Self, ShutdownListener) {
        let (tx, rx) = watch::channel(ShutdownStage::Running);
        (Self { stage: tx }, ShutdownListener { stage: rx })
    }

    /// Raises the stage (never lowers it).
    pub fn escalate(&self, stage: ShutdownStage) {
        self.stage.send_if_modified(|current| {
            if stage > *current {
                *current = stage;
                true
            } else {
                false
            }
        });
    }
}

/// A readable name for the shutdown signals.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "Ctrl+C (SIGINT)",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP (terminal closed)",
        SIGQUIT => "SIGQUIT",
        _ => "signal",
    }
}

/// Installs the SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers and returns the listener.
/// Signal 1 → `Shutdown`, signal 2 → `Flatten`, signal 3 → `exit(130)`.
///
/// # Errors
/// When the signal handlers cannot be registered.
pub fn install() -> io::Result<ShutdownListener> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
    let (trigger, listener) = ShutdownTrigger::new();
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut count = 0u32;
            for signal in signals.forever() {
                count += 1;
                match count {
                    1 => crate::console::say(&format!(
                        "\n{} (1st): emergency shutdown — halting strategies and cancelling every order (Ctrl+C again to also flatten positions, a third time to exit at once)",
                        signal_name(signal)
                    )),
                    2 => crate::console::say(&format!(
                        "\n{} (2nd): flattening every position as part of the shutdown (Ctrl+C once more to exit at once)",
                        signal_name(signal)
                    )),
                    _ => {
                        crate::console::say(&format!(
                            "\n{} (3rd): exiting now (code 130) — orders may still be working at IB: check TWS or run `first-trading-app cancel-all`",
                            signal_name(signal)
                        ));
                        std::process::exit(130);
                    }
                }
                trigger.escalate(ShutdownStage::after(count));
            }
        })?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_signal_count() {
        assert_eq!(ShutdownStage::after(0), ShutdownStage::Running);
        assert_eq!(ShutdownStage::after(1), ShutdownStage::Shutdown);
        assert_eq!(ShutdownStage::after(2), ShutdownStage::Flatten);
    }

    #[tokio::test]
    async fn escalation_never_goes_back() {
        let (trigger, mut listener) = ShutdownTrigger::new();
        trigger.escalate(ShutdownStage::Flatten);
        trigger.escalate(ShutdownStage::Shutdown);
        listener.reached(ShutdownStage::Shutdown).await;
        assert_eq!(listener.stage(), ShutdownStage::Flatten);
    }
}
