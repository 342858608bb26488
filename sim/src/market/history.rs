//! Synthetic historical bars for `reqHistoricalData`.
//!
//! Owns IB's duration (`"1 D"`, `"2 W"`, `"1 M"`, `"3600 S"`, `"1 Y"`) and bar
//! size (`"1 min"`, `"5 mins"`, `"1 hour"`, `"1 day"`) strings and a seeded
//! backward walk that ends exactly at the symbol's current last price, so
//! history and live data join without a jump. Intraday bars cover the regular
//! session only (09:30–16:00 America/New_York, 13:00 on half days; no bars
//! on weekends and exchange holidays), whatever the request's `useRTH`.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

use super::round_to_tick;

/// Most bars one request returns.
pub const MAX_BARS: usize = 50_000;

/// A parsed bar size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarSpec {
    /// Length in seconds (for daily+ bars: trading days × 23 400).
    pub secs: i64,
    /// Trading days per bar for daily, weekly and monthly bars (0 = intraday).
    pub days: i64,
}

/// One historical bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistBar {
    /// Wire date: `YYYYMMDD` for daily+ bars, unix seconds otherwise.
    pub date: String,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Volume.
    pub volume: Decimal,
    /// Trade count.
    pub count: i32,
}

/// Parses a bar size string.
pub fn parse_bar_size(s: &str) -> Option<BarSpec> {
    let mut it = s.split_whitespace();
    let n: i64 = it.next()?.parse().ok()?;
    let unit = it.next()?.to_ascii_lowercase();
    if n <= 0 {
        return None;
    }
    let intraday = |secs: i64| Some(BarSpec { secs, days: 0 });
    match unit.trim_end_matches('s') {
        "sec" => intraday(n),
        "min" => intraday(n * 60),
        "hour" => intraday(n * 3600),
        "day" => Some(BarSpec {
            secs: n * 23_400,
            days: n,
        }),
        "week" => Some(BarSpec {
            secs: n * 5 * 23_400,
            days: n * 5,
        }),
        "month" => Some(BarSpec {
            secs: n * 21 * 23_400,
            days: n * 21,
        }),
        _ => None,
    }
}

/// Parses a duration string into `(trading days, extra seconds)`:
/// `S` gives seconds, `D`/`W`/`M`/`Y` give 1/5/21/252 trading days per unit.
pub fn parse_duration(s: &str) -> Option<(i64, i64)> {
    let mut it = s.split_whitespace();
    let n: i64 = it.next()?.parse().ok()?;
    if n <= 0 {
        return None;
    }
    match it.next()?.to_ascii_uppercase().as_str() {
        "S" => Some((0, n)),
        "D" => Some((n, 0)),
        "W" => Some((n * 5, 0)),
        "M" => Some((n * 21, 0)),
        "Y" => Some((n * 252, 0)),
        _ => None,
    }
}

fn is_trading_day(d: NaiveDate) -> bool {
    nyse_calendar::day_kind(d).is_trading_day()
}

/// The regular session (open, close) of `d` when the NYSE trades that day
/// (no session on weekends and exchange holidays; 13:00 close on half days),
/// from the workspace's `nyse-calendar`.
pub fn trading_session(d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    nyse_calendar::session(d).map(|s| (s.open, s.close))
}

fn session(d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    trading_session(d)
}

/// Start of the span a duration covers: `extra_secs` before `end`, or the
/// same wall-clock time `days` trading days earlier.
pub fn start_limit(end: DateTime<Utc>, days: i64, extra_secs: i64) -> DateTime<Utc> {
    if days == 0 {
        return end - Duration::seconds(extra_secs);
    }
    let local = end.with_timezone(&New_York);
    let mut d = local.date_naive();
    let mut n = 0;
    while n < days {
        d = match d.pred_opt() {
            Some(p) => p,
            None => break,
        };
        if is_trading_day(d) {
            n += 1;
        }
    }
    New_York
        .from_local_datetime(&d.and_time(local.time()))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(end - Duration::days(days))
}

/// Bar start times (oldest first) ending at `end`.
fn bar_slots(
    end: DateTime<Utc>,
    days: i64,
    extra_secs: i64,
    bar: BarSpec,
) -> Vec<(DateTime<Utc>, String)> {
    let mut slots = Vec::new();
    let mut day = end.with_timezone(&New_York).date_naive();
    if bar.days > 0 {
        let want = (days.max(1) + bar.days - 1) / bar.days;
        while (slots.len() as i64) < want && slots.len() < MAX_BARS {
            let mut n = 0;
            let mut first = day;
            while n < bar.days {
                if is_trading_day(day) {
                    first = day;
                    n += 1;
                }
                day = day.pred_opt().unwrap_or(day);
            }
            if let Some((open, _)) = session(first) {
                slots.push((open, first.format("%Y%m%d").to_string()));
            }
        }
        slots.reverse();
        return slots;
    }
    let lim = start_limit(end, days, extra_secs);
    let mut guard = 0;
    loop {
        if is_trading_day(day) {
            if let Some((open, close)) = session(day) {
                let mut day_slots = Vec::new();
                let mut t = open;
                while t + Duration::seconds(bar.secs) <= close.min(end) {
                    if t >= lim {
                        day_slots.push((t, t.timestamp().to_string()));
                    }
                    t += Duration::seconds(bar.secs);
                }
                slots.splice(0..0, day_slots);
            }
        }
        guard += 1;
        // Done once this day began at or before the span's start (a day
        // without a session still counts: the span may reach past it).
        let done = nyse_calendar::midnight(day).is_none_or(|start| start <= lim);
        if done || slots.len() >= MAX_BARS || guard > 20_000 {
            break;
        }
        day = match day.pred_opt() {
            Some(d) => d,
            None => break,
        };
    }
    let excess = slots.len().saturating_sub(MAX_BARS);
    slots.drain(0..excess);
    slots
}

/// Generates bars ending at `end` whose last close equals `last`.
/// Deterministic in `(seed, con_id, bar, end)`.
pub fn generate_history(
    last: Decimal,
    tick: Decimal,
    con_id: i32,
    seed: u64,
    end: DateTime<Utc>,
    duration: (i64, i64),
    bar: BarSpec,
) -> Vec<HistBar> {
    let slots = bar_slots(end, duration.0, duration.1, bar);
    let mut rng = ChaCha8Rng::seed_from_u64(
        seed ^ (con_id as u64).rotate_left(17) ^ (bar.secs as u64).rotate_left(40),
    );
    // 1% daily volatility, scaled by sqrt(bar length / session length).
    let sigma = 0.01 * (bar.secs as f64 / 23_400.0).sqrt();
    let mut close = last;
    let mut bars = Vec::with_capacity(slots.len());
    for (_, date) in slots.iter().rev() {
        let mut normal = || (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
        let r = Decimal::from_f64(sigma * normal()).unwrap_or_default();
        let wick_hi = Decimal::from_f64((sigma * normal()).abs() / 2.0).unwrap_or_default();
        let wick_lo = Decimal::from_f64((sigma * normal()).abs() / 2.0).unwrap_or_default();
        let open = round_to_tick(close * (Decimal::ONE - r), tick);
        let high = round_to_tick(open.max(close) * (Decimal::ONE + wick_hi), tick);
        let low = round_to_tick(open.min(close) * (Decimal::ONE - wick_lo), tick);
        let volume = Decimal::from(rng.gen_range(10..=1000) * 100);
        let count = rng.gen_range(10..=500);
        bars.push(HistBar {
            date: date.clone(),
            open,
            high,
            low,
            close,
            volume,
            count,
        });
        close = open;
    }
    bars.reverse();
    bars
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
