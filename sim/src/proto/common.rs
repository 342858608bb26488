//! Session, error and contract messages.

/// `Contract` (shared by many messages).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Contract {
    /// IB contract id.
    #[prost(int32, optional, tag = "1")]
    pub con_id: Option<i32>,
    /// Ticker symbol.
    #[prost(string, optional, tag = "2")]
    pub symbol: Option<String>,
    /// Security type (`STK`).
    #[prost(string, optional, tag = "3")]
    pub sec_type: Option<String>,
    /// Routing exchange (`SMART`).
    #[prost(string, optional, tag = "8")]
    pub exchange: Option<String>,
    /// Primary listing exchange.
    #[prost(string, optional, tag = "9")]
    pub primary_exch: Option<String>,
    /// Currency (`USD`).
    #[prost(string, optional, tag = "10")]
    pub currency: Option<String>,
    /// Local symbol.
    #[prost(string, optional, tag = "11")]
    pub local_symbol: Option<String>,
    /// Trading class.
    #[prost(string, optional, tag = "12")]
    pub trading_class: Option<String>,
}

/// `StartApiRequest` (outgoing 71).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StartApiRequest {
    /// The client id the connection claims.
    #[prost(int32, optional, tag = "1")]
    pub client_id: Option<i32>,
}

/// `NextValidId` (incoming 9).
#[derive(Clone, PartialEq, prost::Message)]
pub struct NextValidId {
    /// Next order id the client may use.
    #[prost(int32, optional, tag = "1")]
    pub order_id: Option<i32>,
}

/// `ManagedAccounts` (incoming 15).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ManagedAccounts {
    /// Comma-separated account ids.
    #[prost(string, optional, tag = "1")]
    pub accounts_list: Option<String>,
}

/// `ErrorMessage` (incoming 4): errors and notices.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ErrorMessage {
    /// Request or order id the error is tied to, -1 when none.
    #[prost(int32, optional, tag = "1")]
    pub id: Option<i32>,
    /// Unix time in milliseconds.
    #[prost(int64, optional, tag = "2")]
    pub error_time: Option<i64>,
    /// IB error code.
    #[prost(int32, optional, tag = "3")]
    pub error_code: Option<i32>,
    /// Human-readable text.
    #[prost(string, optional, tag = "4")]
    pub error_msg: Option<String>,
}

/// `CurrentTime` (incoming 49).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CurrentTime {
    /// Unix seconds.
    #[prost(int64, optional, tag = "1")]
    pub current_time: Option<i64>,
}

/// `CurrentTimeInMillis` (incoming 109).
#[derive(Clone, PartialEq, prost::Message)]
pub struct CurrentTimeInMillis {
    /// Unix milliseconds.
    #[prost(int64, optional, tag = "1")]
    pub current_time_in_millis: Option<i64>,
}

/// `IdsRequest` (outgoing 8).
#[derive(Clone, PartialEq, prost::Message)]
pub struct IdsRequest {
    /// Number of ids wanted (ignored by TWS).
    #[prost(int32, optional, tag = "1")]
    pub num_ids: Option<i32>,
}

/// A request whose only field is a request id at tag 1 (cancels, ends, ...).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReqIdOnly {
    /// The request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
}

/// An empty message (`PositionEnd`, `OpenOrdersEnd`, ...).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Empty {}

/// `ContractDataRequest` (outgoing 9).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ContractDataRequest {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// Contract to look up.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
}

/// `ContractDetails` (sub-message of `ContractData`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ContractDetails {
    /// Market name.
    #[prost(string, optional, tag = "1")]
    pub market_name: Option<String>,
    /// Minimum tick as a decimal string.
    #[prost(string, optional, tag = "2")]
    pub min_tick: Option<String>,
    /// Supported order types.
    #[prost(string, optional, tag = "3")]
    pub order_types: Option<String>,
    /// Valid exchanges.
    #[prost(string, optional, tag = "4")]
    pub valid_exchanges: Option<String>,
    /// Long name.
    #[prost(string, optional, tag = "7")]
    pub long_name: Option<String>,
    /// Industry.
    #[prost(string, optional, tag = "9")]
    pub industry: Option<String>,
    /// Time zone id.
    #[prost(string, optional, tag = "12")]
    pub time_zone_id: Option<String>,
    /// Trading hours.
    #[prost(string, optional, tag = "13")]
    pub trading_hours: Option<String>,
    /// Liquid hours.
    #[prost(string, optional, tag = "14")]
    pub liquid_hours: Option<String>,
    /// Market rule ids, comma-separated, one per valid exchange (same order).
    #[prost(string, optional, tag = "21")]
    pub market_rule_ids: Option<String>,
    /// Stock type.
    #[prost(string, optional, tag = "23")]
    pub stock_type: Option<String>,
    /// Minimum size.
    #[prost(string, optional, tag = "24")]
    pub min_size: Option<String>,
    /// Size increment.
    #[prost(string, optional, tag = "25")]
    pub size_increment: Option<String>,
}

/// `ContractData` (incoming 10).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ContractData {
    /// Request id.
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    /// The contract.
    #[prost(message, optional, tag = "2")]
    pub contract: Option<Contract>,
    /// Its details.
    #[prost(message, optional, tag = "3")]
    pub contract_details: Option<ContractDetails>,
}
