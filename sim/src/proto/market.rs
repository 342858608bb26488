//! Market data messages: ticks, real-time bars, historical bars.

use super::Contract;

/// `MarketDataRequest` (outgoing 1).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MarketDataRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Generic tick list.
    #[prost(string, optional, tag = "3")]
    pub generic_tick_list: Option<String>,
    /// One snapshot then `TickSnapshotEnd`.
    #[prost(bool, optional, tag = "4")]
    pub snapshot: Option<bool>,
    /// Regulatory snapshot.
    #[prost(bool, optional, tag = "5")]
    pub regulatory_snapshot: Option<bool>,
}

/// `MarketDataTypeRequest` (outgoing 59).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MarketDataTypeRequest {
    /// 1 live, 2 frozen, 3 delayed, 4 delayed frozen.
    #[prost(int32, optional, tag = "1")]
    pub market_data_type: Option<i32>,
}

/// `MarketDataType` (incoming 58).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MarketDataType {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Data type in force.
    #[prost(int32, optional, tag = "2")]
    pub market_data_type: Option<i32>,
}

/// `TickPrice` (incoming 1).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TickPrice {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Tick type (1 bid, 2 ask, 4 last, ...).
    #[prost(int32, optional, tag = "2")]
    pub tick_type: Option<i32>,
    /// Price.
    #[prost(double, optional, tag = "3")]
    pub price: Option<f64>,
    /// Size (decimal string).
    #[prost(string, optional, tag = "4")]
    pub size: Option<String>,
    /// Attribute bit mask.
    #[prost(int32, optional, tag = "5")]
    pub attr_mask: Option<i32>,
}

/// `TickSize` (incoming 2).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TickSize {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Tick type (0 bid size, 3 ask size, 5 last size, 8 volume).
    #[prost(int32, optional, tag = "2")]
    pub tick_type: Option<i32>,
    /// Size (decimal string).
    #[prost(string, optional, tag = "3")]
    pub size: Option<String>,
}

/// `TickString` (incoming 46).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TickString {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Tick type (45 last timestamp).
    #[prost(int32, optional, tag = "2")]
    pub tick_type: Option<i32>,
    /// Value.
    #[prost(string, optional, tag = "3")]
    pub value: Option<String>,
}

/// `TickGeneric` (incoming 45).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TickGeneric {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Tick type (23 hist. vol, 46 shortable, 54 trade count).
    #[prost(int32, optional, tag = "2")]
    pub tick_type: Option<i32>,
    /// Value.
    #[prost(double, optional, tag = "3")]
    pub value: Option<f64>,
}

/// `TickReqParams` (incoming 81).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TickReqParams {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Minimum tick.
    #[prost(string, optional, tag = "2")]
    pub min_tick: Option<String>,
    /// BBO exchange.
    #[prost(string, optional, tag = "3")]
    pub bbo_exchange: Option<String>,
    /// Snapshot permissions.
    #[prost(int32, optional, tag = "4")]
    pub snapshot_permissions: Option<i32>,
}

/// `RealTimeBarsRequest` (outgoing 50).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RealTimeBarsRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Bar size in seconds (only 5 is valid).
    #[prost(int32, optional, tag = "3")]
    pub bar_size: Option<i32>,
    /// TRADES, MIDPOINT, BID, ASK.
    #[prost(string, optional, tag = "4")]
    pub what_to_show: Option<String>,
    /// Regular trading hours only (absent means false on the wire).
    #[prost(bool, optional, tag = "5")]
    pub use_rth: Option<bool>,
}

/// `RealTimeBarTick` (incoming 50).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RealTimeBarTick {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Bar start, unix seconds.
    #[prost(int64, optional, tag = "2")]
    pub time: Option<i64>,
    /// Open.
    #[prost(double, optional, tag = "3")]
    pub open: Option<f64>,
    /// High.
    #[prost(double, optional, tag = "4")]
    pub high: Option<f64>,
    /// Low.
    #[prost(double, optional, tag = "5")]
    pub low: Option<f64>,
    /// Close.
    #[prost(double, optional, tag = "6")]
    pub close: Option<f64>,
    /// Volume.
    #[prost(string, optional, tag = "7")]
    pub volume: Option<String>,
    /// Volume-weighted average price.
    #[prost(string, optional, tag = "8")]
    pub wap: Option<String>,
    /// Trade count.
    #[prost(int32, optional, tag = "9")]
    pub count: Option<i32>,
}

/// `HistoricalDataRequest` (outgoing 20).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalDataRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// End date time, empty for now.
    #[prost(string, optional, tag = "3")]
    pub end_date_time: Option<String>,
    /// Bar size (`"5 mins"`).
    #[prost(string, optional, tag = "4")]
    pub bar_size_setting: Option<String>,
    /// Duration (`"1 D"`).
    #[prost(string, optional, tag = "5")]
    pub duration: Option<String>,
    /// Regular trading hours only.
    #[prost(bool, optional, tag = "6")]
    pub use_rth: Option<bool>,
    /// TRADES, MIDPOINT, ...
    #[prost(string, optional, tag = "7")]
    pub what_to_show: Option<String>,
    /// 1 text dates, 2 unix seconds.
    #[prost(int32, optional, tag = "8")]
    pub format_date: Option<i32>,
    /// Keep streaming updates.
    #[prost(bool, optional, tag = "9")]
    pub keep_up_to_date: Option<bool>,
}

/// `HistoricalDataBar` (sub-message).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalDataBar {
    /// `YYYYMMDD` for daily bars, unix seconds otherwise.
    #[prost(string, optional, tag = "1")]
    pub date: Option<String>,
    /// Open.
    #[prost(double, optional, tag = "2")]
    pub open: Option<f64>,
    /// High.
    #[prost(double, optional, tag = "3")]
    pub high: Option<f64>,
    /// Low.
    #[prost(double, optional, tag = "4")]
    pub low: Option<f64>,
    /// Close.
    #[prost(double, optional, tag = "5")]
    pub close: Option<f64>,
    /// Volume.
    #[prost(string, optional, tag = "6")]
    pub volume: Option<String>,
    /// Volume-weighted average price.
    #[prost(string, optional, tag = "7")]
    pub wap: Option<String>,
    /// Trade count.
    #[prost(int32, optional, tag = "8")]
    pub bar_count: Option<i32>,
}

/// `HistoricalData` (incoming 17).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalData {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Bars, oldest first.
    #[prost(message, repeated, tag = "2")]
    pub historical_data_bars: Vec<HistoricalDataBar>,
}

/// `HistoricalDataEnd` (incoming 108).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalDataEnd {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Start, `YYYYMMDD-HH:MM:SS` UTC.
    #[prost(string, optional, tag = "2")]
    pub start_date_str: Option<String>,
    /// End, `YYYYMMDD-HH:MM:SS` UTC.
    #[prost(string, optional, tag = "3")]
    pub end_date_str: Option<String>,
}

/// `HeadTimestamp` (incoming 88).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeadTimestamp {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Earliest data, unix seconds as a string.
    #[prost(string, optional, tag = "2")]
    pub head_timestamp: Option<String>,
}

/// `HistogramDataRequest` (outgoing 88).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramDataRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Regular trading hours only.
    #[prost(bool, optional, tag = "3")]
    pub use_rth: Option<bool>,
    /// The period covered, e.g. `1 week`, `3 days`.
    #[prost(string, optional, tag = "4")]
    pub time_period: Option<String>,
}

/// One price level of `HistogramData`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramDataEntry {
    /// The price level.
    #[prost(double, optional, tag = "1")]
    pub price: Option<f64>,
    /// Volume traded at it (a decimal string).
    #[prost(string, optional, tag = "2")]
    pub size: Option<String>,
}

/// `HistogramData` (incoming 89).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramData {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The price levels, ascending.
    #[prost(message, repeated, tag = "2")]
    pub histogram_data_entries: Vec<HistogramDataEntry>,
}

/// `HistoricalTicksRequest` (outgoing 96).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTicksRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Start, `YYYYMMDD-HH:MM:SS` (UTC) or `YYYYMMDD HH:MM:SS zone`; empty: none.
    #[prost(string, optional, tag = "3")]
    pub start_date_time: Option<String>,
    /// End, same formats; empty: now.
    #[prost(string, optional, tag = "4")]
    pub end_date_time: Option<String>,
    /// How many ticks (0 = all in range, at most 1000).
    #[prost(int32, optional, tag = "5")]
    pub number_of_ticks: Option<i32>,
    /// `TRADES`, `BID_ASK` or `MIDPOINT`.
    #[prost(string, optional, tag = "6")]
    pub what_to_show: Option<String>,
    /// Regular trading hours only.
    #[prost(bool, optional, tag = "7")]
    pub use_rth: Option<bool>,
    /// Omit size-only changes (bid/ask).
    #[prost(bool, optional, tag = "8")]
    pub ignore_size: Option<bool>,
}

/// One midpoint of `HistoricalTicks`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTick {
    /// Unix seconds.
    #[prost(int64, optional, tag = "1")]
    pub time: Option<i64>,
    /// Midpoint.
    #[prost(double, optional, tag = "2")]
    pub price: Option<f64>,
    /// Size (always 0 for midpoints).
    #[prost(string, optional, tag = "3")]
    pub size: Option<String>,
}

/// `HistoricalTicks` (incoming 96): midpoints.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTicks {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The ticks, ascending in time.
    #[prost(message, repeated, tag = "2")]
    pub historical_ticks: Vec<HistoricalTick>,
    /// The last batch.
    #[prost(bool, optional, tag = "3")]
    pub is_done: Option<bool>,
}

/// One quote of `HistoricalTicksBidAsk`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTickBidAsk {
    /// Unix seconds.
    #[prost(int64, optional, tag = "1")]
    pub time: Option<i64>,
    /// Bid.
    #[prost(double, optional, tag = "3")]
    pub price_bid: Option<f64>,
    /// Ask.
    #[prost(double, optional, tag = "4")]
    pub price_ask: Option<f64>,
    /// Bid size.
    #[prost(string, optional, tag = "5")]
    pub size_bid: Option<String>,
    /// Ask size.
    #[prost(string, optional, tag = "6")]
    pub size_ask: Option<String>,
}

/// `HistoricalTicksBidAsk` (incoming 97).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTicksBidAsk {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The quotes, ascending in time.
    #[prost(message, repeated, tag = "2")]
    pub historical_ticks_bid_ask: Vec<HistoricalTickBidAsk>,
    /// The last batch.
    #[prost(bool, optional, tag = "3")]
    pub is_done: Option<bool>,
}

/// One trade of `HistoricalTicksLast`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTickLast {
    /// Unix seconds.
    #[prost(int64, optional, tag = "1")]
    pub time: Option<i64>,
    /// Price.
    #[prost(double, optional, tag = "3")]
    pub price: Option<f64>,
    /// Size.
    #[prost(string, optional, tag = "4")]
    pub size: Option<String>,
    /// Exchange.
    #[prost(string, optional, tag = "5")]
    pub exchange: Option<String>,
    /// Trade conditions (none here).
    #[prost(string, optional, tag = "6")]
    pub special_conditions: Option<String>,
}

/// `HistoricalTicksLast` (incoming 98).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalTicksLast {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The trades, ascending in time.
    #[prost(message, repeated, tag = "2")]
    pub historical_ticks_last: Vec<HistoricalTickLast>,
    /// The last batch.
    #[prost(bool, optional, tag = "3")]
    pub is_done: Option<bool>,
}

/// One session of `HistoricalSchedule`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalSession {
    /// Open, `YYYYMMDD-HH:MM:SS` in the schedule's zone.
    #[prost(string, optional, tag = "1")]
    pub start_date_time: Option<String>,
    /// Close, same format.
    #[prost(string, optional, tag = "2")]
    pub end_date_time: Option<String>,
    /// The trading day, `YYYYMMDD`.
    #[prost(string, optional, tag = "3")]
    pub ref_date: Option<String>,
}

/// `HistoricalSchedule` (incoming 106): the sessions in a span.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoricalSchedule {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Span start, `YYYYMMDD-HH:MM:SS` in `time_zone`.
    #[prost(string, optional, tag = "2")]
    pub start_date_time: Option<String>,
    /// Span end, same format.
    #[prost(string, optional, tag = "3")]
    pub end_date_time: Option<String>,
    /// The exchange's zone, e.g. `US/Eastern`.
    #[prost(string, optional, tag = "4")]
    pub time_zone: Option<String>,
    /// The sessions, ascending.
    #[prost(message, repeated, tag = "5")]
    pub historical_sessions: Vec<HistoricalSession>,
}
