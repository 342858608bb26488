//! The networked part of a history download: one `reqHistoricalData` per
//! planned chunk through the `ibapi` async client, each scheduled through the
//! [`HistoricalScheduler`] (waits are logged), error 162 pacing violations
//! answered by backing off and retrying, "no data" treated as the start of
//! the available history. Every request has a timeout.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use ibapi::market_data::historical::WhatToShow;
use ibapi::market_data::TradingHours;
use ibapi::Client;
use time::OffsetDateTime;

use super::bars::{convert_bar, merge_bars, BadBar};
use super::plan::{plan_chunks, Chunk, ChunkWalk};
use super::spec::{HistoryBarSize, HistoryDuration};
use crate::broker::tws::orders::stock_contract;
use crate::broker::tws::pacing::{HistoricalRequest, HistoricalScheduler, Pacing};
use crate::domain::types::{Bar, Symbol};

use crate::broker::codes::{self, DataRefusal, HISTORICAL_SERVICE_ERROR};

/// What to download.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRequest {
    /// A US stock on SMART routing, in USD.
    pub symbol: Symbol,
    /// Bar size.
    pub bar_size: HistoryBarSize,
    /// How far back from now.
    pub duration: HistoryDuration,
    /// Regular trading hours only (the default), or extended hours too.
    pub regular_hours: bool,
}

/// Limits of one download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadOptions {
    /// Longest wait for one request's bars.
    pub request_timeout: Duration,
    /// Pacing violations tolerated for one chunk before giving up.
    pub max_pacing_retries: u32,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(120),
            max_pacing_retries: 5,
        }
    }
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// TWS (or the client) refused or failed a request.
    #[error("historical data request for {symbol} ({what}) failed: {source}")]
    Request {
        /// The symbol.
        symbol: Symbol,
        /// Bar size, duration and end of the failed request.
        what: String,
        /// The client's error.
        #[source]
        source: ibapi::Error,
    },
    /// A request got no complete answer in time.
    #[error("historical data request for {symbol} ({what}) got no answer within {seconds} s: is TWS connected to its data farms?")]
    Timeout {
        /// The symbol.
        symbol: Symbol,
        /// Bar size, duration and end of the request.
        what: String,
        /// The timeout.
        seconds: u64,
    },
    /// TWS kept reporting pacing violations.
    #[error("TWS reported {retries} pacing violations (error 162) in a row for {symbol}: another program may be downloading history on this account; wait 10 minutes and try again")]
    PacingRetriesExhausted {
        /// The symbol.
        symbol: Symbol,
        /// Violations seen.
        retries: u32,
    },
    /// A bar TWS returned was unusable (time, price or volume).
    #[error(transparent)]
    BadBar(#[from] BadBar),
}

impl HistoryError {
    /// TWS's refusal of the request as the market-data rules classify it
    /// (e.g. no permission), when TWS refused it with a notice.
    pub fn refusal(&self) -> Option<(DataRefusal, i32, &str)> {
        let Self::Request {
            source: ibapi::Error::Notice(notice),
            ..
        } = self
        else {
            return None;
        };
        codes::market_data_refusal(notice.code, &notice.message)
            .map(|refusal| (refusal, notice.code, notice.message.as_str()))
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    /// Bars sorted by start, one per start.
    pub bars: Vec<Bar>,
    /// Requests that returned an answer.
    pub requests: usize,
}

/// `(code, message)` when the error is a TWS notice.
fn notice(error: &ibapi::Error) -> Option<(i32, &str)> {
    match error {
        ibapi::Error::Notice(notice) => Some((notice.code, notice.message.as_str())),
        _ => None,
    }
}

/// Whether TWS refused a request for breaking the pacing rules (162 or 420
/// "…pacing violation", as `codes::market_data_refusal` classifies it).
pub fn is_pacing_violation(code: i32, message: &str) -> bool {
    codes::market_data_refusal(code, message) == Some(DataRefusal::Pacing)
}

/// Whether TWS has no (older) data for the request.
pub fn is_no_data(code: i32, message: &str) -> bool {
    code == HISTORICAL_SERVICE_ERROR && message.to_ascii_lowercase().contains("returned no data")
}

/// IB's end date-time format for `end` (empty = now), also the pacing key.
fn end_field(end: Option<DateTime<Utc>>) -> String {
    end.map(|end| end.format("%Y%m%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

fn describe(request: &HistoryRequest, chunk: &Chunk) -> String {
    let end = match chunk.end {
        Some(end) => format!("ending {}", end.to_rfc3339()),
        None => "ending now".to_string(),
    };
    format!("{}, {} {end}", request.bar_size, chunk.duration)
}

/// Waits (logging why) until the scheduler lets `key` go out, and records it.
async fn wait_for_turn(scheduler: &mut HistoricalScheduler, key: &HistoricalRequest) {
    loop {
        match scheduler.try_send(key, Instant::now()) {
            Pacing::SendNow => return,
            Pacing::WaitUntil { at, reason } => {
                let wait = at.saturating_duration_since(Instant::now());
                tracing::info!(
                    wait_seconds = format_args!("{:.1}", wait.as_secs_f64()),
                    %reason,
                    "historical pacing: waiting before the next request"
                );
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
            }
        }
    }
}

/// TWS's clock (reqCurrentTime, waiting at most 10 s), or this machine's when
/// TWS does not answer. Calendar cutoffs follow the server's "now" (tws-sim
/// runs a clock of its own).
pub async fn server_now(client: &Client) -> DateTime<Utc> {
    let asked = tokio::time::timeout(Duration::from_secs(10), client.server_time()).await;
    match asked {
        Ok(Ok(time)) => DateTime::<Utc>::from_timestamp(time.unix_timestamp(), 0),
        _ => None,
    }
    .unwrap_or_else(|| {
        tracing::warn!("TWS did not report its time; using this machine's clock");
        Utc::now()
    })
}

/// Downloads `request` ending now (`now` is used for calendar cutoffs),
/// walking back in chunks IB accepts, pacing every request through
/// `scheduler`. Returns the bars sorted and deduplicated.
///
/// # Errors
/// [`HistoryError`] naming the symbol and the failed request.
pub async fn download(
    client: &Client,
    scheduler: &mut HistoricalScheduler,
    request: &HistoryRequest,
    options: &DownloadOptions,
    now: DateTime<Utc>,
) -> Result<Download, HistoryError> {
    let symbol = request.symbol;
    let contract = stock_contract(symbol);
    let trading_hours = if request.regular_hours {
        TradingHours::Regular
    } else {
        TradingHours::Extended
    };
    let mut walk = ChunkWalk::new(plan_chunks(request.bar_size, request.duration, now));
    let mut collected: Vec<Bar> = Vec::new();
    let mut requests = 0usize;

    while let Some(chunk) = walk.next_chunk() {
        let what = describe(request, &chunk);
        let key = HistoricalRequest {
            contract: format!("{symbol} STK SMART USD"),
            what_to_show: "TRADES".to_string(),
            bar_size: request.bar_size.name().to_string(),
            duration: chunk.duration.to_string(),
            end: end_field(chunk.end),
            regular_hours: request.regular_hours,
        };
        let ending = chunk
            .end
            .and_then(|end| OffsetDateTime::from_unix_timestamp(end.timestamp()).ok());
        let mut violations = 0u32;
        let ib_bars = loop {
            wait_for_turn(scheduler, &key).await;
            let mut builder = client
                .historical_data(&contract, request.bar_size.to_ibapi())
                .what_to_show(WhatToShow::Trades)
                .trading_hours(trading_hours)
                .duration(chunk.duration.to_ibapi());
            if let Some(ending) = ending {
                builder = builder.ending(ending);
            }
            let answer = tokio::time::timeout(options.request_timeout, builder.fetch()).await;
            match answer {
                Err(_) => {
                    return Err(HistoryError::Timeout {
                        symbol,
                        what,
                        seconds: options.request_timeout.as_secs(),
                    })
                }
                Ok(Ok(data)) => {
                    scheduler.request_succeeded();
                    break data.bars;
                }
                Ok(Err(error)) => match notice(&error) {
                    Some((code, message)) if is_pacing_violation(code, message) => {
                        violations += 1;
                        if violations > options.max_pacing_retries {
                            return Err(HistoryError::PacingRetriesExhausted {
                                symbol,
                                retries: violations,
                            });
                        }
                        let until = scheduler.pacing_violation(Instant::now());
                        let pause = until.saturating_duration_since(Instant::now());
                        tracing::warn!(
                            %symbol,
                            request = %what,
                            pause_seconds = pause.as_secs(),
                            "TWS reported a historical pacing violation (error 162); backing off"
                        );
                    }
                    Some((code, message)) if is_no_data(code, message) => {
                        tracing::info!(%symbol, request = %what, "TWS has no older data");
                        break Vec::new();
                    }
                    _ => {
                        return Err(HistoryError::Request {
                            symbol,
                            what,
                            source: error,
                        })
                    }
                },
            }
        };
        requests += 1;
        let chunk_bars = ib_bars
            .iter()
            .map(|bar| convert_bar(symbol, request.bar_size.seconds(), bar))
            .collect::<Result<Vec<Bar>, BadBar>>()?;
        let earliest = chunk_bars.iter().map(|bar| bar.start).min();
        tracing::info!(
            %symbol,
            request = %what,
            bars = chunk_bars.len(),
            "historical chunk received"
        );
        collected.extend(chunk_bars);
        walk.chunk_done(earliest);
    }

    Ok(Download {
        bars: merge_bars(collected, walk.cutoff()),
        requests,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn pacing_violations_are_told_from_other_162s() {
        assert!(is_pacing_violation(
            162,
            "Historical Market Data Service error message:Historical data request pacing violation"
        ));
        assert!(!is_pacing_violation(
            162,
            "Historical Market Data Service error message:HMDS query returned no data: SPY@SMART Trades"
        ));
        assert!(!is_pacing_violation(200, "pacing violation"));
        assert!(is_no_data(
            162,
            "Historical Market Data Service error message:HMDS query returned no data: SPY@SMART Trades"
        ));
        assert!(!is_no_data(162, "Historical data request pacing violation"));
    }

    #[test]
    fn a_refused_history_request_says_what_tws_meant() {
        let refused = |code: i32, message: &str| HistoryError::Request {
            symbol: Symbol::new("AAPL").unwrap(),
            what: "1 min, 1 D ending now".to_string(),
            source: ibapi::Error::Notice(ibapi::Notice {
                request_id: Some(3),
                code,
                message: message.to_string(),
                error_time: None,
                advanced_order_reject_json: String::new(),
            }),
        };
        let no_permission = refused(
            162,
            "Historical Market Data Service error message:No market data permissions for NASDAQ STK",
        );
        assert_eq!(
            no_permission.refusal().map(|(r, code, _)| (r, code)),
            Some((DataRefusal::NoPermission, 162))
        );
        assert_eq!(
            refused(200, "No security definition has been found for the request")
                .refusal()
                .map(|(r, _, _)| r),
            Some(DataRefusal::UnknownSymbol)
        );
        assert_eq!(refused(321, "Error validating request").refusal(), None);
        let timeout = HistoryError::Timeout {
            symbol: Symbol::new("AAPL").unwrap(),
            what: String::new(),
            seconds: 30,
        };
        assert_eq!(timeout.refusal(), None);
    }

    #[test]
    fn end_dates_use_ibs_utc_format() {
        let end = Utc.with_ymd_and_hms(2024, 1, 5, 14, 30, 0).unwrap();
        assert_eq!(end_field(Some(end)), "20240105 14:30:00 UTC");
        assert_eq!(end_field(None), "");
    }
}
