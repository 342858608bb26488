//! Account, position and PnL messages.

use super::Contract;

/// `Position` (incoming 61).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Position {
    /// Account.
    #[prost(string, optional, tag = "1")]
    pub account: Option<String>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Quantity (decimal string).
    #[prost(string, optional, tag = "3")]
    pub position: Option<String>,
    /// Average cost.
    #[prost(double, optional, tag = "4")]
    pub avg_cost: Option<f64>,
}

/// `AccountSummaryRequest` (outgoing 62).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AccountSummaryRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Group (`All`).
    #[prost(string, optional, tag = "2")]
    pub group: Option<String>,
    /// Comma-separated tags.
    #[prost(string, optional, tag = "3")]
    pub tags: Option<String>,
}

/// `AccountSummary` (incoming 63).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AccountSummary {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Account.
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    /// Tag.
    #[prost(string, optional, tag = "3")]
    pub tag: Option<String>,
    /// Value.
    #[prost(string, optional, tag = "4")]
    pub value: Option<String>,
    /// Currency.
    #[prost(string, optional, tag = "5")]
    pub currency: Option<String>,
}

/// `AccountDataRequest` (outgoing 6).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AccountDataRequest {
    /// Subscribe (true) or unsubscribe.
    #[prost(bool, optional, tag = "1")]
    pub subscribe: Option<bool>,
    /// Account.
    #[prost(string, optional, tag = "2")]
    pub acct_code: Option<String>,
}

/// `AccountValue` (incoming 6).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AccountValue {
    /// Key.
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    /// Value.
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
    /// Currency.
    #[prost(string, optional, tag = "3")]
    pub currency: Option<String>,
    /// Account.
    #[prost(string, optional, tag = "4")]
    pub account_name: Option<String>,
}

/// `PortfolioValue` (incoming 7).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PortfolioValue {
    /// Contract.
    #[prost(message, optional, tag = "1")]
    pub contract: Option<Contract>,
    /// Position.
    #[prost(string, optional, tag = "2")]
    pub position: Option<String>,
    /// Market price.
    #[prost(double, optional, tag = "3")]
    pub market_price: Option<f64>,
    /// Market value.
    #[prost(double, optional, tag = "4")]
    pub market_value: Option<f64>,
    /// Average cost.
    #[prost(double, optional, tag = "5")]
    pub average_cost: Option<f64>,
    /// Unrealized PnL.
    #[prost(double, optional, tag = "6")]
    pub unrealized_pnl: Option<f64>,
    /// Realized PnL.
    #[prost(double, optional, tag = "7")]
    pub realized_pnl: Option<f64>,
    /// Account.
    #[prost(string, optional, tag = "8")]
    pub account_name: Option<String>,
}

/// `AccountUpdateTime` (incoming 8).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AccountUpdateTime {
    /// `HH:MM`.
    #[prost(string, optional, tag = "1")]
    pub time_stamp: Option<String>,
}

/// `AccountDataEnd` (incoming 54).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AccountDataEnd {
    /// Account.
    #[prost(string, optional, tag = "1")]
    pub account_name: Option<String>,
}

/// `PnLRequest` (outgoing 92).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PnLRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Account.
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
}

/// `PnLSingleRequest` (outgoing 94).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PnLSingleRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Account.
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    /// Contract id.
    #[prost(int32, optional, tag = "4")]
    pub con_id: Option<i32>,
}

/// `PnL` (incoming 94).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PnL {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Daily PnL.
    #[prost(double, optional, tag = "2")]
    pub daily_pn_l: Option<f64>,
    /// Unrealized PnL.
    #[prost(double, optional, tag = "3")]
    pub unrealized_pn_l: Option<f64>,
    /// Realized PnL.
    #[prost(double, optional, tag = "4")]
    pub realized_pn_l: Option<f64>,
}

/// `PnLSingle` (incoming 95).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PnLSingle {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Position.
    #[prost(string, optional, tag = "2")]
    pub position: Option<String>,
    /// Daily PnL.
    #[prost(double, optional, tag = "3")]
    pub daily_pn_l: Option<f64>,
    /// Unrealized PnL.
    #[prost(double, optional, tag = "4")]
    pub unrealized_pn_l: Option<f64>,
    /// Realized PnL.
    #[prost(double, optional, tag = "5")]
    pub realized_pn_l: Option<f64>,
    /// Market value.
    #[prost(double, optional, tag = "6")]
    pub value: Option<f64>,
}
