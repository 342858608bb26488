//! Order, execution and commission messages.

use super::Contract;

/// `Order` (a dozen of the schema's ~145 fields).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Order {
    /// Placing client's id.
    #[prost(int32, optional, tag = "1")]
    pub client_id: Option<i32>,
    /// Order id.
    #[prost(int32, optional, tag = "2")]
    pub order_id: Option<i32>,
    /// Permanent id.
    #[prost(int64, optional, tag = "3")]
    pub perm_id: Option<i64>,
    /// Parent order id (brackets).
    #[prost(int32, optional, tag = "4")]
    pub parent_id: Option<i32>,
    /// BUY / SELL.
    #[prost(string, optional, tag = "5")]
    pub action: Option<String>,
    /// Quantity (decimal string).
    #[prost(string, optional, tag = "6")]
    pub total_quantity: Option<String>,
    /// MKT, LMT, STP, STP LMT.
    #[prost(string, optional, tag = "8")]
    pub order_type: Option<String>,
    /// Limit price.
    #[prost(double, optional, tag = "9")]
    pub lmt_price: Option<f64>,
    /// Stop (aux) price.
    #[prost(double, optional, tag = "10")]
    pub aux_price: Option<f64>,
    /// Time in force.
    #[prost(string, optional, tag = "11")]
    pub tif: Option<String>,
    /// Account.
    #[prost(string, optional, tag = "12")]
    pub account: Option<String>,
    /// May also trigger or fill outside regular trading hours.
    #[prost(bool, optional, tag = "19")]
    pub outside_rth: Option<bool>,
    /// OCA group name.
    #[prost(string, optional, tag = "27")]
    pub oca_group: Option<String>,
    /// Client's reference.
    #[prost(string, optional, tag = "28")]
    pub order_ref: Option<String>,
    /// OCA type: 1 cancel, 2 reduce with block, 3 reduce.
    #[prost(int32, optional, tag = "30")]
    pub oca_type: Option<i32>,
    /// Transmit now (absent means false on the wire).
    #[prost(bool, optional, tag = "66")]
    pub transmit: Option<bool>,
    /// Filled quantity.
    #[prost(string, optional, tag = "115")]
    pub filled_quantity: Option<String>,
}

/// `OrderState` (sub-message of `OpenOrder`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OrderState {
    /// Status string.
    #[prost(string, optional, tag = "1")]
    pub status: Option<String>,
    /// Commission.
    #[prost(double, optional, tag = "11")]
    pub commission_and_fees: Option<f64>,
    /// Commission currency.
    #[prost(string, optional, tag = "14")]
    pub commission_and_fees_currency: Option<String>,
    /// Reject reason.
    #[prost(string, optional, tag = "26")]
    pub reject_reason: Option<String>,
    /// Completed time.
    #[prost(string, optional, tag = "29")]
    pub completed_time: Option<String>,
    /// Completed status.
    #[prost(string, optional, tag = "30")]
    pub completed_status: Option<String>,
}

/// `PlaceOrderRequest` (outgoing 3).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PlaceOrderRequest {
    /// Order id.
    #[prost(int32, optional, tag = "1")]
    pub order_id: Option<i32>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Order.
    #[prost(message, optional, tag = "3")]
    pub order: Option<Order>,
    /// Preset attached stop-loss / profit-taker ids.
    #[prost(message, optional, tag = "4")]
    pub attached_orders: Option<AttachedOrders>,
}

/// `AttachedOrders` (sub-message of `PlaceOrderRequest`): TWS-preset legs.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttachedOrders {
    /// Stop-loss order id.
    #[prost(int32, optional, tag = "1")]
    pub sl_order_id: Option<i32>,
    /// Profit-taker order id.
    #[prost(int32, optional, tag = "3")]
    pub pt_order_id: Option<i32>,
}

/// `CancelOrderRequest` (outgoing 4).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CancelOrderRequest {
    /// Order id to cancel.
    #[prost(int32, optional, tag = "1")]
    pub order_id: Option<i32>,
}

/// `OpenOrder` (incoming 5).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OpenOrder {
    /// Order id.
    #[prost(int32, optional, tag = "1")]
    pub order_id: Option<i32>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Order.
    #[prost(message, optional, tag = "3")]
    pub order: Option<Order>,
    /// State.
    #[prost(message, optional, tag = "4")]
    pub order_state: Option<OrderState>,
}

/// `CompletedOrder` (incoming 101).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CompletedOrder {
    /// Contract.
    #[prost(message, optional, tag = "1")]
    pub contract: Option<Contract>,
    /// Order.
    #[prost(message, optional, tag = "2")]
    pub order: Option<Order>,
    /// State.
    #[prost(message, optional, tag = "3")]
    pub order_state: Option<OrderState>,
}

/// `OrderStatus` (incoming 3).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OrderStatus {
    /// Order id.
    #[prost(int32, optional, tag = "1")]
    pub order_id: Option<i32>,
    /// Status string.
    #[prost(string, optional, tag = "2")]
    pub status: Option<String>,
    /// Filled quantity.
    #[prost(string, optional, tag = "3")]
    pub filled: Option<String>,
    /// Remaining quantity.
    #[prost(string, optional, tag = "4")]
    pub remaining: Option<String>,
    /// Average fill price.
    #[prost(double, optional, tag = "5")]
    pub avg_fill_price: Option<f64>,
    /// Permanent id.
    #[prost(int64, optional, tag = "6")]
    pub perm_id: Option<i64>,
    /// Parent id.
    #[prost(int32, optional, tag = "7")]
    pub parent_id: Option<i32>,
    /// Last fill price.
    #[prost(double, optional, tag = "8")]
    pub last_fill_price: Option<f64>,
    /// Placing client's id.
    #[prost(int32, optional, tag = "9")]
    pub client_id: Option<i32>,
    /// Why held.
    #[prost(string, optional, tag = "10")]
    pub why_held: Option<String>,
}

/// `ExecutionFilter` (sub-message of `ExecutionRequest`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutionFilter {
    /// Client id filter.
    #[prost(int32, optional, tag = "1")]
    pub client_id: Option<i32>,
    /// Account filter.
    #[prost(string, optional, tag = "2")]
    pub acct_code: Option<String>,
    /// Time filter `YYYYMMDD-HH:MM:SS`.
    #[prost(string, optional, tag = "3")]
    pub time: Option<String>,
    /// Symbol filter.
    #[prost(string, optional, tag = "4")]
    pub symbol: Option<String>,
    /// Security type filter.
    #[prost(string, optional, tag = "5")]
    pub sec_type: Option<String>,
    /// Exchange filter.
    #[prost(string, optional, tag = "6")]
    pub exchange: Option<String>,
    /// Side filter (BUY/SELL).
    #[prost(string, optional, tag = "7")]
    pub side: Option<String>,
}

/// `ExecutionRequest` (outgoing 7).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutionRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Filter.
    #[prost(message, optional, tag = "2")]
    pub execution_filter: Option<ExecutionFilter>,
}

/// `Execution` (sub-message of `ExecutionDetails`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Execution {
    /// Order id.
    #[prost(int32, optional, tag = "1")]
    pub order_id: Option<i32>,
    /// Execution id.
    #[prost(string, optional, tag = "2")]
    pub exec_id: Option<String>,
    /// Time `YYYYMMDD HH:MM:SS TZ`.
    #[prost(string, optional, tag = "3")]
    pub time: Option<String>,
    /// Account.
    #[prost(string, optional, tag = "4")]
    pub acct_number: Option<String>,
    /// Exchange.
    #[prost(string, optional, tag = "5")]
    pub exchange: Option<String>,
    /// BOT / SLD.
    #[prost(string, optional, tag = "6")]
    pub side: Option<String>,
    /// Shares in this fill.
    #[prost(string, optional, tag = "7")]
    pub shares: Option<String>,
    /// Fill price.
    #[prost(double, optional, tag = "8")]
    pub price: Option<f64>,
    /// Permanent id.
    #[prost(int64, optional, tag = "9")]
    pub perm_id: Option<i64>,
    /// Placing client's id.
    #[prost(int32, optional, tag = "10")]
    pub client_id: Option<i32>,
    /// Cumulative quantity.
    #[prost(string, optional, tag = "12")]
    pub cum_qty: Option<String>,
    /// Average price.
    #[prost(double, optional, tag = "13")]
    pub avg_price: Option<f64>,
    /// Order reference.
    #[prost(string, optional, tag = "14")]
    pub order_ref: Option<String>,
}

/// `ExecutionDetails` (incoming 11).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutionDetails {
    /// Request id, -1 for live fills.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Execution.
    #[prost(message, optional, tag = "3")]
    pub execution: Option<Execution>,
}

/// `CommissionAndFeesReport` (incoming 59).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CommissionAndFeesReport {
    /// Execution id it belongs to.
    #[prost(string, optional, tag = "1")]
    pub exec_id: Option<String>,
    /// Commission.
    #[prost(double, optional, tag = "2")]
    pub commission_and_fees: Option<f64>,
    /// Currency.
    #[prost(string, optional, tag = "3")]
    pub currency: Option<String>,
    /// Realized PnL of this fill (f64::MAX when none).
    #[prost(double, optional, tag = "4")]
    pub realized_pnl: Option<f64>,
}
