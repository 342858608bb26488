//! The market-data-line counter: IB gives an account a fixed number of
//! simultaneous market-data lines (100 by default) and refuses the next
//! subscription with error 101. This counter refuses it first, locally, with a
//! message that says what to do.
//!
//! Every open subscription holds a [`Line`]; closing the subscription hands
//! the `Line` back with [`MarketDataLines::close`]. A `Line` cannot be cloned
//! or forged outside this module, so a line is released at most once.

/// IB's default number of simultaneous market-data lines per account.
pub const DEFAULT_MARKET_DATA_LINES: u32 = 100;

/// One market-data line in use. Hand it back with [`MarketDataLines::close`]
/// when its subscription ends.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a line that is dropped instead of closed stays counted as in use"]
pub struct Line {
    _private: (),
}

/// Every line is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("all {limit} market-data lines are in use: cancel a subscription first or raise the limit if your account has more lines (TWS would refuse with error 101)")]
pub struct LinesExhausted {
    /// The configured number of lines.
    pub limit: u32,
}

/// Counts market-data lines in use against a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketDataLines {
    limit: u32,
    in_use: u32,
}

impl Default for MarketDataLines {
    fn default() -> Self {
        Self::new(DEFAULT_MARKET_DATA_LINES)
    }
}

impl MarketDataLines {
    /// A counter with `limit` lines, none in use.
    pub fn new(limit: u32) -> Self {
        Self { limit, in_use: 0 }
    }

    /// Takes a line for a new subscription.
    ///
    /// # Errors
    /// [`LinesExhausted`] when all `limit` lines are in use; nothing changes.
    pub fn try_open(&mut self) -> Result<Line, LinesExhausted> {
        if self.in_use >= self.limit {
            return Err(LinesExhausted { limit: self.limit });
        }
        self.in_use += 1;
        Ok(Line { _private: () })
    }

    /// Returns a line whose subscription has ended.
    pub fn close(&mut self, line: Line) {
        let Line { _private: () } = line;
        self.in_use = self.in_use.saturating_sub(1);
    }

    /// Lines in use.
    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// Lines still free.
    pub fn available(&self) -> u32 {
        self.limit.saturating_sub(self.in_use)
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_101st_line_is_refused_by_default() {
        let mut lines = MarketDataLines::default();
        let mut held = Vec::new();
        for _ in 0..100 {
            held.push(lines.try_open().unwrap());
        }
        assert_eq!(lines.in_use(), 100);
        assert_eq!(lines.available(), 0);
        let refused = lines.try_open().unwrap_err();
        assert_eq!(refused, LinesExhausted { limit: 100 });
        assert!(refused.to_string().contains("all 100 market-data lines"));
        assert_eq!(lines.in_use(), 100, "a refusal changes nothing");
    }

    #[test]
    fn closing_a_line_frees_it_for_the_next_subscription() {
        let mut lines = MarketDataLines::new(2);
        let a = lines.try_open().unwrap();
        let b = lines.try_open().unwrap();
        assert!(lines.try_open().is_err());
        lines.close(a);
        assert_eq!(lines.in_use(), 1);
        assert_eq!(lines.available(), 1);
        let c = lines.try_open().unwrap();
        lines.close(b);
        lines.close(c);
        assert_eq!(lines.in_use(), 0);
        assert_eq!(lines.available(), 2);
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let mut lines = MarketDataLines::new(0);
        assert_eq!(lines.try_open(), Err(LinesExhausted { limit: 0 }));
    }
}
