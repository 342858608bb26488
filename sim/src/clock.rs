//! The simulated market clock.
//!
//! Owns the mapping from real elapsed time to exchange time: it starts at a
//! configurable exchange date and time (09:30 America/New_York by default)
//! and runs at `speed` × real time, plus any manual advance a test asks for.
//! It never reads a time zone other than America/New_York for exchange time.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Tz;

/// Exchange time source: `origin + (real elapsed × speed) + manual offset`.
#[derive(Debug, Clone)]
pub struct SimClock {
    origin: DateTime<Utc>,
    started: Instant,
    speed: f64,
    offset: chrono::Duration,
}

impl SimClock {
    /// A clock that reads `date` `time` America/New_York now and runs at
    /// `speed` × real time (a non-finite or negative speed is treated as 1).
    pub fn new(date: NaiveDate, time: NaiveTime, speed: f64) -> Self {
        let local = date.and_time(time);
        let origin = New_York
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&local));
        let speed = if speed.is_finite() && speed >= 0.0 {
            speed
        } else {
            1.0
        };
        Self {
            origin,
            started: Instant::now(),
            speed,
            offset: chrono::Duration::zero(),
        }
    }

    /// The current simulated time in UTC.
    pub fn now_utc(&self) -> DateTime<Utc> {
        let real = self.started.elapsed().as_secs_f64() * self.speed;
        let scaled = chrono::Duration::milliseconds((real * 1000.0) as i64);
        self.origin + scaled + self.offset
    }

    /// The current simulated time on the exchange's wall clock.
    pub fn now(&self) -> DateTime<Tz> {
        self.now_utc().with_timezone(&New_York)
    }

    /// Moves the clock forward by `by` of simulated time.
    pub fn advance(&mut self, by: Duration) {
        self.offset += chrono::Duration::from_std(by).unwrap_or_else(|_| chrono::Duration::zero());
    }

    /// The configured speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }
}

/// Formats a time as TWS does in the handshake and executions:
/// `YYYYMMDD HH:MM:SS EST` (or `EDT` in summer).
pub fn tws_time_string(t: &DateTime<Tz>) -> String {
    t.format("%Y%m%d %H:%M:%S %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn starts_at_configured_new_york_open() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let clock = SimClock::new(date, NaiveTime::from_hms_opt(9, 30, 0).unwrap(), 0.0);
        let now = clock.now();
        assert_eq!((now.hour(), now.minute(), now.second()), (9, 30, 0));
        // 09:30 EST is 14:30 UTC in January.
        assert_eq!(clock.now_utc().hour(), 14);
        assert_eq!(tws_time_string(&now), "20260105 09:30:00 EST");
    }

    #[test]
    fn advance_moves_simulated_time() {
        let date = NaiveDate::from_ymd_opt(2026, 7, 6).unwrap();
        let mut clock = SimClock::new(date, NaiveTime::from_hms_opt(9, 30, 0).unwrap(), 0.0);
        clock.advance(Duration::from_secs(90));
        assert_eq!(tws_time_string(&clock.now()), "20260706 09:31:30 EDT");
    }
}
