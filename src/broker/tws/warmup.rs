//! Warming strategies up from history at start (reqHistoricalData, paced by
//! IB's historical rules), so a 30-day average is ready on the first live bar
//! instead of 30 days later. A warm-up that fails is logged and the strategy
//! starts cold: it simply waits for enough live bars, it never trades on
//! partial indicators. A symbol TWS refuses for good (no permission, unknown
//! symbol) is asked for no more and handed back, so no live feed asks again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ibapi::Client;

use crate::broker::codes::DataRefusal;
use crate::broker::tws::history::{
    download, DownloadOptions, DurationUnit, HistoryBarSize, HistoryDuration, HistoryRequest,
};
use crate::broker::tws::pacing::HistoricalScheduler;
use crate::core::bars::SESSION_SECONDS;
use crate::core::engine::Engine;
use crate::domain::types::Symbol;

/// Longest the whole warm-up may take before the session starts anyway.
pub const WARMUP_TIMEOUT: Duration = Duration::from_secs(90);

/// How far back to ask for `bars` bars of `seconds` each (regular hours,
/// with room for weekends and holidays).
pub fn warmup_duration(seconds: u32, bars: usize) -> HistoryDuration {
    let bars = bars as u64;
    if u64::from(seconds) >= u64::from(SESSION_SECONDS) {
        // Trading days → calendar days: ×7/5, plus holidays.
        let days = bars * 7 / 5 + 10;
        if days > 365 {
            HistoryDuration::new(days.div_ceil(365) as u32, DurationUnit::Years)
        } else {
            HistoryDuration::new(days as u32, DurationUnit::Days)
        }
    } else {
        let sessions = (bars * u64::from(seconds)).div_ceil(u64::from(SESSION_SECONDS)) + 1;
        let days = sessions * 7 / 5 + 2;
        HistoryDuration::new(days.min(365) as u32, DurationUnit::Days)
    }
}

/// A symbol TWS refused history for, for good: TWS's reading, code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The symbol.
    pub symbol: Symbol,
    /// What the refusal means.
    pub refusal: DataRefusal,
    /// IB's code.
    pub code: i32,
    /// IB's text.
    pub message: String,
}

/// Downloads and feeds history to every strategy that wants it, paced by
/// `scheduler` (the session's one request budget). Returns the symbols TWS
/// refused for good.
pub async fn warm_up_strategies(
    client: &Client,
    engine: &mut Engine,
    scheduler: &mut HistoricalScheduler,
    now: DateTime<Utc>,
) -> Vec<Refused> {
    let mut refused: Vec<Refused> = Vec::new();
    let needs = engine.warmup_needs();
    if needs.is_empty() {
        return refused;
    }
    let options = DownloadOptions::default();
    for (index, symbols, seconds, wanted) in needs {
        let Some(bar_size) = HistoryBarSize::from_seconds(seconds) else {
            tracing::warn!(
                strategy = index,
                seconds,
                "no IB bar size of this length: the strategy warms up on live bars"
            );
            continue;
        };
        for symbol in symbols {
            if refused.iter().any(|r| r.symbol == symbol) {
                continue;
            }
            let request = HistoryRequest {
                symbol,
                bar_size,
                duration: warmup_duration(seconds, wanted),
                regular_hours: true,
            };
            match tokio::time::timeout(
                WARMUP_TIMEOUT,
                download(client, scheduler, &request, &options, now),
            )
            .await
            {
                Ok(Ok(found)) => {
                    let bars: Vec<_> = found.bars.into_iter().filter(|b| b.end() <= now).collect();
                    let from = bars.len().saturating_sub(wanted);
                    engine.warm_up(index, &bars[from..]);
                    tracing::info!(strategy = index, %symbol, bars = bars.len() - from, wanted, "strategy warmed up from history");
                }
                Ok(Err(error)) => match error.refusal() {
                    Some((refusal, code, message)) if refusal.is_permanent() => {
                        refused.push(Refused {
                            symbol,
                            refusal,
                            code,
                            message: message.to_string(),
                        });
                    }
                    _ => {
                        tracing::warn!(strategy = index, %symbol, %error, "warm-up failed: the strategy warms up on live bars")
                    }
                },
                Err(_) => {
                    tracing::warn!(strategy = index, %symbol, "warm-up timed out: the strategy warms up on live bars")
                }
            }
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_cover_the_bars_with_room_for_weekends() {
        // 20 one-minute bars: 1 session (+1 spare) → 2 × 7/5 = 2, + 2 = 4 days.
        assert_eq!(
            warmup_duration(60, 20),
            HistoryDuration::new(4, DurationUnit::Days)
        );
        // 30 daily bars: 30 × 7/5 = 42, + 10 = 52 calendar days.
        assert_eq!(
            warmup_duration(86_400, 30),
            HistoryDuration::new(52, DurationUnit::Days)
        );
        // 300 daily bars: 420 + 10 = 430 days → 2 years.
        assert_eq!(
            warmup_duration(86_400, 300),
            HistoryDuration::new(2, DurationUnit::Years)
        );
    }
}
