//! [`Progress`]: a terminal progress bar (indicatif) that appears only when a
//! run has taken more than a second and stderr is a terminal; otherwise it
//! draws nothing. The loop calls [`Progress::tick`] every bar; it looks at the
//! clock only every [`CHECK_EVERY`] bars, so it costs nothing measurable.
//! Progress display never influences results.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Bars between two looks at the clock.
pub const CHECK_EVERY: u64 = 1 << 15;

/// A run's progress display.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    enabled: bool,
}

impl Progress {
    /// A display for about `total` bars (a count and a rate without it);
    /// `enabled = false` never draws (sweeps, benches, tests). It also never
    /// draws when stderr is not a terminal.
    pub fn new(total: Option<u64>, enabled: bool) -> Self {
        let enabled = enabled && std::io::stderr().is_terminal();
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
            let template = match total {
                Some(_) => "{spinner} backtest [{elapsed_precise}] {wide_bar} {pos}/~{len} bars ({per_sec}, eta {eta})",
                None => "{spinner} backtest [{elapsed_precise}] {pos} bars ({per_sec})",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            started: Instant::now(),
            enabled,
        }
    }

    /// Reports that `done` bars are finished.
    #[inline]
    pub fn tick(&mut self, done: u64) {
        if !self.enabled || !done.is_multiple_of(CHECK_EVERY) {
            return;
        }
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() >= Duration::from_secs(1) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.set_position(done);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
