//! Chunk planning: splitting a duration longer than IB serves in one request
//! into requests that walk backwards in time, each ending where the bars of
//! the previous one began. Sans-IO: the walk is told what each chunk returned.
//!
//! When the whole duration can be counted in the unit of the per-request
//! maximum (days in sessions: a week counts as 5, a month as 20, a year as
//! 250; a year as 12 months), the plan is an exact list of durations. When it
//! cannot (months of 1-minute bars), the walk goes back one maximal chunk at a
//! time until a chunk reaches the calendar cutoff, and bars before the cutoff
//! are dropped. Either way the walk stops early when a chunk returns no bars
//! or makes no progress, and never plans more than [`MAX_CHUNKS`] requests.

use crate::domain::calendar;
use chrono::{DateTime, Months, Utc};

use super::spec::{DurationUnit, HistoryBarSize, HistoryDuration};

/// Most requests one download makes (at IB's 60 per 10 minutes, ~28 hours).
pub const MAX_CHUNKS: usize = 10_000;

const SECONDS_PER_DAY: u64 = 86_400;

/// How a download covers its duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkPlan {
    /// Exactly these request durations, newest first.
    Exact(Vec<HistoryDuration>),
    /// Requests of `step` until one reaches back to `cutoff`; bars that start
    /// before `cutoff` are not part of the result.
    Until {
        /// Duration of each request.
        step: HistoryDuration,
        /// Oldest bar start wanted.
        cutoff: DateTime<Utc>,
    },
}

/// Trading sessions a duration of weeks, months or years holds at least.
fn sessions(duration: HistoryDuration) -> Option<u64> {
    let per = match duration.unit {
        DurationUnit::Days => 1,
        DurationUnit::Weeks => 5,
        DurationUnit::Months => 20,
        DurationUnit::Years => 250,
        DurationUnit::Seconds => return None,
    };
    Some(u64::from(duration.value) * per)
}

/// Rough calendar length, for comparing weeks, months and years.
fn approx_seconds(duration: HistoryDuration) -> u64 {
    let per = match duration.unit {
        DurationUnit::Seconds => 1,
        DurationUnit::Days => SECONDS_PER_DAY,
        DurationUnit::Weeks => 7 * SECONDS_PER_DAY,
        DurationUnit::Months => 30 * SECONDS_PER_DAY,
        DurationUnit::Years => 365 * SECONDS_PER_DAY,
    };
    u64::from(duration.value) * per
}

/// Whether `total` may be asked for in one request whose limit is `max`.
fn fits(total: HistoryDuration, max: HistoryDuration) -> bool {
    use DurationUnit::{Days, Months, Seconds, Weeks, Years};
    match (total.unit, max.unit) {
        (a, b) if a == b => total.value <= max.value,
        // IB refuses S durations above one day.
        (Seconds, _) => u64::from(total.value) <= SECONDS_PER_DAY.min(approx_seconds(max)),
        (Days, Weeks | Months | Years) => {
            sessions(max).is_some_and(|s| u64::from(total.value) <= s)
        }
        (Weeks, Months | Years) | (Months, Years) => approx_seconds(total) <= approx_seconds(max),
        _ => false,
    }
}

/// `count` split into pieces of at most `step`, largest first.
fn split(count: u64, step: u64, unit: DurationUnit) -> Vec<HistoryDuration> {
    let step = step.max(1);
    let piece = |n: u64| HistoryDuration::new(u32::try_from(n).unwrap_or(u32::MAX), unit);
    let mut pieces: Vec<HistoryDuration> = (0..count / step).map(|_| piece(step)).collect();
    let rest = count % step;
    if rest > 0 {
        pieces.push(piece(rest));
    }
    pieces
}

/// `now` minus `duration` on the calendar.
fn calendar_back(now: DateTime<Utc>, duration: HistoryDuration) -> DateTime<Utc> {
    let value = i64::from(duration.value);
    let back = match duration.unit {
        DurationUnit::Seconds => now.checked_sub_signed(chrono::Duration::seconds(value)),
        DurationUnit::Days => now.checked_sub_signed(chrono::Duration::days(value)),
        DurationUnit::Weeks => now.checked_sub_signed(chrono::Duration::weeks(value)),
        DurationUnit::Months => now.checked_sub_months(Months::new(duration.value)),
        DurationUnit::Years => duration
            .value
            .checked_mul(12)
            .and_then(|months| now.checked_sub_months(Months::new(months))),
    };
    back.unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `cutoff` moved back to the start of the bar containing it: a multiple of
/// the bar length (at most an hour) for intraday bars, midnight New York time
/// for daily and longer ones. A partial first bar is then kept, not dropped,
/// whatever the sub-second timing of `now`.
fn floor_to_bar(cutoff: DateTime<Utc>, bar_size: HistoryBarSize) -> DateTime<Utc> {
    if bar_size.is_daily_or_longer() {
        return calendar::midnight(calendar::trading_day(cutoff)).unwrap_or(cutoff);
    }
    let step = i64::from(bar_size.seconds().clamp(1, 3600));
    let seconds = cutoff.timestamp();
    DateTime::<Utc>::from_timestamp(seconds - seconds.rem_euclid(step), 0).unwrap_or(cutoff)
}

/// Plans the requests for `total` at `bar_size`, the download starting at `now`.
pub fn plan_chunks(
    bar_size: HistoryBarSize,
    total: HistoryDuration,
    now: DateTime<Utc>,
) -> ChunkPlan {
    use DurationUnit::{Days, Months, Years};
    let max = bar_size.max_per_request();
    if fits(total, max) {
        return ChunkPlan::Exact(vec![total]);
    }
    let count = u64::from(total.value);
    let exact = match (total.unit, max.unit) {
        (a, b) if a == b => Some(split(count, u64::from(max.value), a)),
        (Days, _) => sessions(max).map(|per_request| split(count, per_request, Days)),
        (Years, Months) => Some(split(count * 12, u64::from(max.value), Months)),
        _ => None,
    };
    match exact {
        Some(pieces) => ChunkPlan::Exact(pieces),
        None => ChunkPlan::Until {
            step: max,
            cutoff: floor_to_bar(calendar_back(now, total), bar_size),
        },
    }
}

/// One request of a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// End date-time of the request; `None` = now.
    pub end: Option<DateTime<Utc>>,
    /// Duration of the request.
    pub duration: HistoryDuration,
}

/// Walks a [`ChunkPlan`] backwards, one request at a time.
#[derive(Debug, Clone)]
pub struct ChunkWalk {
    plan: ChunkPlan,
    index: usize,
    end: Option<DateTime<Utc>>,
    done: bool,
}

impl ChunkWalk {
    /// A walk that has made no request yet; the first ends now.
    pub fn new(plan: ChunkPlan) -> Self {
        let done = matches!(&plan, ChunkPlan::Exact(pieces) if pieces.is_empty());
        Self {
            plan,
            index: 0,
            end: None,
            done,
        }
    }

    /// The request to make next, or `None` when the walk is complete.
    pub fn next_chunk(&self) -> Option<Chunk> {
        if self.done {
            return None;
        }
        let duration = match &self.plan {
            ChunkPlan::Exact(pieces) => *pieces.get(self.index)?,
            ChunkPlan::Until { step, .. } => *step,
        };
        Some(Chunk {
            end: self.end,
            duration,
        })
    }

    /// Reports what the last request from [`next_chunk`](Self::next_chunk)
    /// returned: the start of its earliest bar, or `None` if it had none.
    /// The next request ends at that start.
    pub fn chunk_done(&mut self, earliest: Option<DateTime<Utc>>) {
        if self.done {
            return;
        }
        let Some(earliest) = earliest else {
            self.done = true;
            return;
        };
        if self.end.is_some_and(|end| earliest >= end) {
            // No older bars than last time: walking on would repeat itself.
            self.done = true;
            return;
        }
        self.end = Some(earliest);
        self.index += 1;
        self.done = self.index >= MAX_CHUNKS
            || match &self.plan {
                ChunkPlan::Exact(pieces) => self.index >= pieces.len(),
                ChunkPlan::Until { cutoff, .. } => earliest <= *cutoff,
            };
    }

    /// Requests reported so far.
    pub fn chunks_done(&self) -> usize {
        self.index
    }

    /// The oldest bar start wanted, when the plan has a calendar cutoff.
    pub fn cutoff(&self) -> Option<DateTime<Utc>> {
        match &self.plan {
            ChunkPlan::Exact(_) => None,
            ChunkPlan::Until { cutoff, .. } => Some(*cutoff),
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
