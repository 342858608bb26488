//! [`RollingExtreme`]: the maximum (or minimum) of the last `period` values,
//! kept in a monotonic deque stored in a fixed ring — no allocation after
//! construction, amortized O(1) per update. Values are fixed-point `i128`
//! (see [`fixed`](super::fixed)).

/// Which extreme to track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extreme {
    Max,
    Min,
}

/// Rolling maximum/minimum over a fixed window.
///
/// The deque holds (index, value) pairs with strictly decreasing (for `Max`)
/// values from front to back; the front is the window's extreme. Every index
/// in it lies inside the window, so it never holds more than `period` pairs
/// and the ring allocated in `new` is always big enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RollingExtreme {
    extreme: Extreme,
    ring: Vec<(u64, i128)>,
    head: usize,
    len: usize,
    seen: u64,
}

impl RollingExtreme {
    /// `period` must be ≥ 1 (checked by the public indicator).
    pub(crate) fn new(period: usize, extreme: Extreme) -> Self {
        Self {
            extreme,
            ring: vec![(0, 0); period.max(1)],
            head: 0,
            len: 0,
            seen: 0,
        }
    }

    /// Ring index `offset` places after the head (`offset < ring.len()`);
    /// a conditional subtraction instead of `%`, which costs a division.
    fn slot(&self, offset: usize) -> usize {
        let index = self.head + offset;
        if index >= self.ring.len() {
            index - self.ring.len()
        } else {
            index
        }
    }

    pub(crate) fn push(&mut self, value: i128) {
        let index = self.seen;
        self.seen += 1;
        let period = self.ring.len() as u64;
        // Consecutive indexes: at most the front can have left the window.
        if self.len > 0 && self.ring[self.head].0 + period <= index {
            self.head = self.slot(1);
            self.len -= 1;
        }
        // Drop values the new one dominates: they can never be the extreme again.
        while self.len > 0 {
            let back = self.ring[self.slot(self.len - 1)].1;
            let dominated = match self.extreme {
                Extreme::Max => back <= value,
                Extreme::Min => back >= value,
            };
            if !dominated {
                break;
            }
            self.len -= 1;
        }
        let tail = self.slot(self.len);
        self.ring[tail] = (index, value);
        self.len += 1;
    }

    /// The extreme of the last `period` values once that many arrived.
    pub(crate) fn value(&self) -> Option<i128> {
        (self.seen >= self.ring.len() as u64 && self.len > 0).then(|| self.ring[self.head].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over the same window, to compare with the deque.
    fn brute(values: &[i128], end: usize, period: usize, extreme: Extreme) -> Option<i128> {
        if end < period {
            return None;
        }
        let window = values[end - period..end].iter().copied();
        match extreme {
            Extreme::Max => window.max(),
            Extreme::Min => window.min(),
        }
    }

    #[test]
    fn matches_brute_force_on_a_zigzag() {
        let values: Vec<i128> = vec![5, 3, 8, 8, 1, 9, 2, 2, 7, 0, 6, 6, 6, 4, 10, 1];
        for period in 1..=5 {
            for extreme in [Extreme::Max, Extreme::Min] {
                let mut rolling = RollingExtreme::new(period, extreme);
                for end in 1..=values.len() {
                    rolling.push(values[end - 1]);
                    assert_eq!(
                        rolling.value(),
                        brute(&values, end, period, extreme),
                        "period {period}, {extreme:?}, after {end} values"
                    );
                }
            }
        }
    }

    #[test]
    fn max_of_three_by_hand() {
        let mut max = RollingExtreme::new(3, Extreme::Max);
        max.push(4);
        max.push(2);
        assert_eq!(max.value(), None);
        max.push(3); // window 4 2 3 → 4
        assert_eq!(max.value(), Some(4));
        max.push(1); // window 2 3 1 → 3 (the 4 left the window)
        assert_eq!(max.value(), Some(3));
        max.push(1); // window 3 1 1 → 3
        assert_eq!(max.value(), Some(3));
        max.push(0); // window 1 1 0 → 1
        assert_eq!(max.value(), Some(1));
        let storage = max.ring.as_ptr();
        for v in 0..1000 {
            max.push(v % 7);
        }
        assert_eq!(max.ring.as_ptr(), storage, "the ring never reallocates");
        assert_eq!(max.ring.len(), 3);
    }
}
