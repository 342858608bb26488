//! Market data as a paper account meets it: per-symbol permissions, a
//! competing live session, a market-data farm outage, bars that stop without
//! a word, and IB's pacing of new real-time-bar requests.
//!
//! Owns the options ([`MarketAccess`], scenario `[market_data]`), their
//! exact IB codes and texts, and the decisions taken from them: whether a
//! request is refused (and with what), and which scripted events are due at
//! a market-clock instant. Sans-IO: every method takes the simulated time;
//! sending frames and dropping subscriptions is `state`'s job. Times are
//! exchange wall-clock times on the simulated start date, as elsewhere in
//! scenarios. See sim/README.md "Market data permissions and outages".

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use serde::Deserialize;

/// IB's code for a real-time query refused for permissions or pacing.
pub const INVALID_REALTIME_QUERY: i32 = 420;
/// IB's code for a historical data service error.
pub const HISTORICAL_SERVICE_ERROR: i32 = 162;
/// IB's code for reqMktData without a subscription.
pub const NOT_SUBSCRIBED: i32 = 354;
/// IB's code for data refused during a competing live session.
pub const COMPETING_LIVE_SESSION: i32 = 10_197;
/// A market data farm connection is broken.
pub const FARM_BROKEN: i32 = 2103;
/// A market data farm connection is OK.
pub const FARM_OK: i32 = 2104;

/// Connectivity between TWS and IB's server is broken (restored by itself).
pub const SERVER_LINK_BROKEN: i32 = 2110;
/// A historical data farm connection is OK.
pub const HISTORY_FARM_OK: i32 = 2106;
/// IB's text for 2110.
pub const SERVER_LINK_BROKEN_TEXT: &str =
    "Connectivity between TWS and server is broken. It will be restored automatically.";
/// IB's text for 2106 (the US historical farm).
pub const HISTORY_FARM_OK_TEXT: &str = "HMDS data farm connection is OK:ushmds";
/// IB's text for 10197.
pub const COMPETING_TEXT: &str = "No market data during competing live session";
/// IB's text for 420 after too many real-time-bar requests.
pub const RT_PACING_TEXT: &str = "Invalid Real-time Query:Historical data request pacing violation";
/// IB's text for 354.
pub const NOT_SUBSCRIBED_TEXT: &str = "Requested market data is not subscribed.";
/// IB's text for 2103 (the US farm).
pub const FARM_BROKEN_TEXT: &str = "Market data farm connection is broken:usfarm";
/// IB's text for 2104 (the US farm).
pub const FARM_OK_TEXT: &str = "Market data farm connection is OK:usfarm";

/// IB's budget of new real-time-bar requests ("no more than 60 *new*
/// requests for real time bars can be made in 10 minutes").
pub const IB_REALTIME_BAR_REQUESTS: usize = 60;
/// The window of that budget, seconds of market clock.
pub const IB_REALTIME_BAR_WINDOW_SECS: i64 = 600;

/// A market-clock window `[from, until)` on the start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// First instant inside (HH:MM:SS New York).
    #[serde(deserialize_with = "crate::scenario::de_time")]
    pub from: NaiveTime,
    /// First instant outside again.
    #[serde(deserialize_with = "crate::scenario::de_time")]
    pub until: NaiveTime,
}

/// One symbol whose bars stop without an error at a time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilentStop {
    /// The symbol.
    pub symbol: String,
    /// When its live real-time-bar subscriptions go quiet (HH:MM:SS).
    #[serde(deserialize_with = "crate::scenario::de_time")]
    pub at: NaiveTime,
}

/// The market-data behaviour of the simulated login. [`Default`]: every
/// symbol permitted, no outage, IB's 60-per-10-minutes pacing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketAccess {
    /// Symbols this login has no market data permission for: 420 for
    /// real-time bars, 162 for history, 354 for ticks.
    pub no_permission: BTreeSet<String>,
    /// A live login elsewhere takes the data in this window: requests are
    /// answered 10197, and subscriptions live when it starts get 10197 and end.
    pub competing_session: Option<Window>,
    /// The market data farm is down in this window: 2103 when it breaks (live
    /// bar subscriptions stop silently and stay dead), 2104 when it is back.
    pub farm_outage: Option<Window>,
    /// Symbols whose live bar subscriptions stop silently.
    pub silent_stops: Vec<SilentStop>,
    /// New real-time-bar requests allowed per 10 minutes of market clock
    /// (0 = unlimited); the next one gets 420 pacing violation.
    pub realtime_bar_budget: usize,
}

impl Default for MarketAccess {
    fn default() -> Self {
        Self {
            no_permission: BTreeSet::new(),
            competing_session: None,
            farm_outage: None,
            silent_stops: Vec::new(),
            realtime_bar_budget: IB_REALTIME_BAR_REQUESTS,
        }
    }
}

/// A scripted market-data event that became due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessEvent {
    /// The competing session starts: end live subscriptions with 10197.
    CompetingStarted,
    /// The farm breaks: send 2103, silence every live bar subscription.
    FarmBroken,
    /// The farm is back: send 2104.
    FarmOk,
    /// The symbol's live bar subscriptions go quiet.
    SilentStop(String),
}

/// A refusal: IB's code and text.
pub type Refusal = (i32, String);

/// What kind of market-data request is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataRequest {
    /// reqRealTimeBars.
    RealTimeBars,
    /// reqHistoricalData.
    History,
    /// reqMktData.
    Ticks,
}

/// The options placed on the market clock, and what happened so far.
#[derive(Debug, Clone)]
pub struct AccessState {
    options: MarketAccess,
    competing: Option<(DateTime<Utc>, DateTime<Utc>)>,
    farm: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Scripted events not yet fired, by time.
    pending: VecDeque<(DateTime<Utc>, AccessEvent)>,
    /// Accepted new real-time-bar requests inside the pacing window.
    accepted: VecDeque<DateTime<Utc>>,
    /// Every market-data request received, by symbol and kind (refused ones included).
    requests: BTreeMap<(String, DataRequest), u64>,
}

impl AccessState {
    /// Places `options` on the market clock of `start_date`.
    pub fn new(options: MarketAccess, start_date: NaiveDate) -> Self {
        let at = |t: NaiveTime| {
            New_York
                .from_local_datetime(&start_date.and_time(t))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        let window = |w: Option<Window>| w.and_then(|w| Some((at(w.from)?, at(w.until)?)));
        let competing = window(options.competing_session);
        let farm = window(options.farm_outage);
        let mut pending: Vec<(DateTime<Utc>, AccessEvent)> = Vec::new();
        if let Some((from, _)) = competing {
            pending.push((from, AccessEvent::CompetingStarted));
        }
        if let Some((from, until)) = farm {
            pending.push((from, AccessEvent::FarmBroken));
            pending.push((until, AccessEvent::FarmOk));
        }
        for stop in &options.silent_stops {
            if let Some(t) = at(stop.at) {
                pending.push((t, AccessEvent::SilentStop(stop.symbol.to_ascii_uppercase())));
            }
        }
        pending.sort_by_key(|(t, _)| *t);
        let no_permission = options
            .no_permission
            .iter()
            .map(|s| s.to_ascii_uppercase())
            .collect();
        Self {
            options: MarketAccess {
                no_permission,
                ..options
            },
            competing,
            farm,
            pending: pending.into(),
            accepted: VecDeque::new(),
            requests: BTreeMap::new(),
        }
    }

    /// Whether a request for `symbol` (listed on `exchange`) is refused at
    /// `now`, and how. A real-time-bar request that passes is counted
    /// against the pacing budget.
    pub fn admit(
        &mut self,
        kind: DataRequest,
        symbol: &str,
        exchange: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let symbol = symbol.to_ascii_uppercase();
        *self.requests.entry((symbol.clone(), kind)).or_default() += 1;
        if self.options.no_permission.contains(&symbol) {
            return Err(no_permission(kind, exchange));
        }
        if self
            .competing
            .is_some_and(|(from, until)| from <= now && now < until)
        {
            return Err((COMPETING_LIVE_SESSION, COMPETING_TEXT.to_string()));
        }
        if kind == DataRequest::RealTimeBars {
            return self.pace(now);
        }
        Ok(())
    }

    /// IB's 60 new real-time-bar requests per 10 minutes.
    fn pace(&mut self, now: DateTime<Utc>) -> Result<(), Refusal> {
        let budget = self.options.realtime_bar_budget;
        if budget == 0 {
            return Ok(());
        }
        let window = chrono::Duration::seconds(IB_REALTIME_BAR_WINDOW_SECS);
        while self.accepted.front().is_some_and(|t| *t + window <= now) {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= budget {
            return Err((INVALID_REALTIME_QUERY, RT_PACING_TEXT.to_string()));
        }
        self.accepted.push_back(now);
        Ok(())
    }

    /// Whether the farm is down at `now` (no bars are sent).
    pub fn farm_down(&self, now: DateTime<Utc>) -> bool {
        self.farm
            .is_some_and(|(from, until)| from <= now && now < until)
    }

    /// The scripted events due by `now`, each once, in time order.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<AccessEvent> {
        let mut due = Vec::new();
        while self.pending.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, event)) = self.pending.pop_front() {
                due.push(event);
            }
        }
        due
    }

    /// Requests of `kind` received for `symbol` so far, refused ones included.
    pub fn requests(&self, kind: DataRequest, symbol: &str) -> u64 {
        self.requests
            .get(&(symbol.to_ascii_uppercase(), kind))
            .copied()
            .unwrap_or(0)
    }

    /// reqRealTimeBars received for `symbol` so far, refused ones included.
    pub fn realtime_bar_requests(&self, symbol: &str) -> u64 {
        self.requests(DataRequest::RealTimeBars, symbol)
    }
}

/// IB's refusal of each request kind without a market-data permission.
fn no_permission(kind: DataRequest, exchange: &str) -> Refusal {
    match kind {
        DataRequest::RealTimeBars => (
            INVALID_REALTIME_QUERY,
            format!("Invalid Real-time Query:No market data permissions for {exchange} STK"),
        ),
        DataRequest::History => (
            HISTORICAL_SERVICE_ERROR,
            format!("Historical Market Data Service error message:No market data permissions for {exchange} STK"),
        ),
        DataRequest::Ticks => (NOT_SUBSCRIBED, NOT_SUBSCRIBED_TEXT.to_string()),
    }
}

#[cfg(test)]
#[path = "market_access_tests.rs"]
mod tests;
