//! [`LinkWatch`]: whether the link to IB is down, since when, and whether the
//! outage was announced — the state behind the `disconnect` notifications.
//!
//! Owns the rule "announce an outage once it has lasted, and its end only if
//! it was announced". Must never read a clock or start a timer: the timer
//! lives in the notifier, and a generation number tells it whether the
//! outage it was started for is still the current one.

use chrono::{DateTime, Utc};

/// The link's state as the notifier knows it.
#[derive(Debug, Default)]
pub(super) struct LinkWatch {
    /// When the current outage began (`None`: the link is up).
    since: Option<DateTime<Utc>>,
    /// Whether the current outage was announced.
    announced: bool,
    /// Bumped at each outage, so a timer of an earlier one does nothing.
    generation: u64,
}

impl LinkWatch {
    /// The link went down at `since`: the generation to time, or `None`
    /// when it was already down.
    pub(super) fn down(&mut self, since: DateTime<Utc>) -> Option<u64> {
        if self.since.is_some() {
            return None;
        }
        self.since = Some(since);
        self.announced = false;
        self.generation += 1;
        Some(self.generation)
    }

    /// The timer of `generation` ran out: the outage's start, to announce,
    /// when that outage is still on.
    pub(super) fn announce(&mut self, generation: u64) -> Option<DateTime<Utc>> {
        let since = self.since.filter(|_| generation == self.generation)?;
        self.announced = true;
        Some(since)
    }

    /// The link is back: the outage's start when it was announced (its end
    /// is news too), `None` otherwise.
    pub(super) fn restored(&mut self) -> Option<DateTime<Utc>> {
        let since = self.since.take()?;
        std::mem::take(&mut self.announced).then_some(since)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 20, 0, second).unwrap()
    }

    #[test]
    fn a_long_outage_is_announced_and_so_is_its_end() {
        let mut watch = LinkWatch::default();
        let generation = watch.down(at(0)).unwrap();
        assert_eq!(
            watch.down(at(5)),
            None,
            "already down: the first start counts"
        );
        assert_eq!(watch.announce(generation), Some(at(0)));
        assert_eq!(watch.restored(), Some(at(0)));
        assert_eq!(watch.restored(), None, "up already");
    }

    #[test]
    fn a_short_outage_is_never_announced() {
        let mut watch = LinkWatch::default();
        let first = watch.down(at(0)).unwrap();
        assert_eq!(
            watch.restored(),
            None,
            "back before the timer: nothing to say"
        );
        // The first outage's timer runs out during a second outage: it is not
        // the second's, which has its own timer.
        let second = watch.down(at(20)).unwrap();
        assert_eq!(watch.announce(first), None);
        assert_eq!(watch.announce(second), Some(at(20)));
    }
}
