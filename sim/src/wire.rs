//! Builders of outgoing frames from simulator values.
//!
//! Owns the incoming-message ids (as the client numbers them) and the
//! conversion of `Decimal` values to wire doubles / decimal strings.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::codec::encode_message;
use crate::config::SymbolSpec;
use crate::exchange::{SimExecution, SimOrder};
use crate::proto;

/// Incoming (server → client) message ids.
pub mod id {
    /// tickPrice: a bid, ask, last, high, low or close price of a market-data line.
    pub const TICK_PRICE: i32 = 1;
    /// tickSize: a bid, ask, last or volume size of a market-data line.
    pub const TICK_SIZE: i32 = 2;
    /// orderStatus: an order's status, filled and remaining quantity, average price.
    pub const ORDER_STATUS: i32 = 3;
    /// errMsg: an error or notice (code and text), for a request id or -1.
    pub const ERROR: i32 = 4;
    /// openOrder: a working order with its contract and order state.
    pub const OPEN_ORDER: i32 = 5;
    /// updateAccountValue: one key/value of the account stream.
    pub const ACCOUNT_VALUE: i32 = 6;
    /// updatePortfolio: one position with market price and PnL.
    pub const PORTFOLIO_VALUE: i32 = 7;
    /// updateAccountTime: the time stamp of an account update.
    pub const ACCOUNT_UPDATE_TIME: i32 = 8;
    /// nextValidId: the lowest order id the client may use next.
    pub const NEXT_VALID_ID: i32 = 9;
    /// contractData: one contract matching a contract-details request.
    pub const CONTRACT_DATA: i32 = 10;
    /// execDetails: one execution (fill).
    pub const EXECUTION_DATA: i32 = 11;
    /// managedAccounts: the comma-separated accounts of the login.
    pub const MANAGED_ACCOUNTS: i32 = 15;
    /// historicalData: the bars answering reqHistoricalData.
    pub const HISTORICAL_DATA: i32 = 17;
    /// tickGeneric: a numeric generic tick (e.g. shortable).
    pub const TICK_GENERIC: i32 = 45;
    /// tickString: a text tick (e.g. RT volume, last timestamp).
    pub const TICK_STRING: i32 = 46;
    /// currentTime: the server time in seconds.
    pub const CURRENT_TIME: i32 = 49;
    /// realtimeBar: one 5-second bar.
    pub const REAL_TIME_BARS: i32 = 50;
    /// contractDataEnd: no more contract details for the request.
    pub const CONTRACT_DATA_END: i32 = 52;
    /// openOrderEnd: no more open orders for the request.
    pub const OPEN_ORDER_END: i32 = 53;
    /// accountDownloadEnd: the first full account update is complete.
    pub const ACCOUNT_DOWNLOAD_END: i32 = 54;
    /// execDetailsEnd: no more executions for the request.
    pub const EXECUTION_DATA_END: i32 = 55;
    /// tickSnapshotEnd: a market-data snapshot is complete.
    pub const TICK_SNAPSHOT_END: i32 = 57;
    /// marketDataType: live, frozen, delayed or delayed-frozen data.
    pub const MARKET_DATA_TYPE: i32 = 58;
    /// commissionReport: the commission of one execution.
    pub const COMMISSION_REPORT: i32 = 59;
    /// position: one position of the positions stream.
    pub const POSITION: i32 = 61;
    /// positionEnd: the first full positions download is complete.
    pub const POSITION_END: i32 = 62;
    /// accountSummary: one tag/value of an account-summary request.
    pub const ACCOUNT_SUMMARY: i32 = 63;
    /// accountSummaryEnd: the account summary is complete.
    pub const ACCOUNT_SUMMARY_END: i32 = 64;
    /// tickReqParams: minimum tick, BBO exchange and snapshot permissions.
    pub const TICK_REQ_PARAMS: i32 = 81;
    /// headTimestamp: the earliest available historical data time.
    pub const HEAD_TIMESTAMP: i32 = 88;
    /// historicalTicks: midpoints.
    pub const HISTORICAL_TICKS: i32 = 96;
    /// historicalTicksBidAsk: bid/ask quotes.
    pub const HISTORICAL_TICKS_BID_ASK: i32 = 97;
    /// historicalTicksLast: trades.
    pub const HISTORICAL_TICKS_LAST: i32 = 98;
    /// historicalSchedule: the trading sessions in a span.
    pub const HISTORICAL_SCHEDULE: i32 = 106;
    /// histogramData: price levels and the volume traded at each.
    pub const HISTOGRAM_DATA: i32 = 89;
    /// pnl: the account's daily, unrealized and realized PnL.
    pub const PNL: i32 = 94;
    /// pnlSingle: one position's PnL and value.
    pub const PNL_SINGLE: i32 = 95;
    /// completedOrder: a filled or cancelled order of the day.
    pub const COMPLETED_ORDER: i32 = 101;
    /// completedOrdersEnd: no more completed orders.
    pub const COMPLETED_ORDERS_END: i32 = 102;
    /// historicalDataEnd: the historical bars of a request are complete.
    pub const HISTORICAL_DATA_END: i32 = 108;
    /// currentTimeInMillis: the server time in milliseconds.
    pub const CURRENT_TIME_IN_MILLIS: i32 = 109;
}

/// A decimal as a wire double.
pub fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A decimal as a wire decimal string (`"100"`, `"0.5"`).
pub fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Error / notice frame.
pub fn error(id: i32, code: i32, message: &str, time_ms: i64) -> Vec<u8> {
    encode_message(
        id::ERROR,
        &proto::ErrorMessage {
            id: Some(id),
            error_time: Some(time_ms),
            error_code: Some(code),
            error_msg: Some(message.to_string()),
        },
    )
}

/// The contract of a symbol, as TWS reports it (SMART/USD stock).
pub fn contract(spec: &SymbolSpec) -> proto::Contract {
    proto::Contract {
        con_id: Some(spec.con_id),
        symbol: Some(spec.symbol.clone()),
        sec_type: Some("STK".into()),
        exchange: Some("SMART".into()),
        primary_exch: Some(spec.primary_exchange.clone()),
        currency: Some("USD".into()),
        local_symbol: Some(spec.symbol.clone()),
        trading_class: Some(spec.symbol.clone()),
    }
}

fn order_proto(o: &SimOrder) -> proto::Order {
    proto::Order {
        client_id: Some(o.client_id),
        order_id: Some(o.order_id),
        perm_id: Some(o.perm_id),
        parent_id: (o.parent_id != 0).then_some(o.parent_id),
        action: Some(o.action.as_str().into()),
        total_quantity: Some(s(o.qty)),
        order_type: Some(o.order_type.as_str().into()),
        lmt_price: o.lmt.map(f),
        aux_price: o.aux.map(f),
        tif: Some(o.tif.clone()),
        outside_rth: o.outside_rth.then_some(true),
        account: Some(o.account.clone()),
        oca_group: (!o.oca_group.is_empty()).then(|| o.oca_group.clone()),
        order_ref: (!o.order_ref.is_empty()).then(|| o.order_ref.clone()),
        oca_type: (o.oca_type != 0).then_some(o.oca_type),
        transmit: Some(true),
        filled_quantity: Some(s(o.filled)),
    }
}

fn order_state(o: &SimOrder) -> proto::OrderState {
    proto::OrderState {
        status: Some(o.status.as_str().into()),
        commission_and_fees: (o.commission > Decimal::ZERO).then(|| f(o.commission)),
        commission_and_fees_currency: Some("USD".into()),
        reject_reason: None,
        completed_time: None,
        completed_status: None,
    }
}

/// openOrder frame.
pub fn open_order(o: &SimOrder, spec: &SymbolSpec) -> Vec<u8> {
    encode_message(
        id::OPEN_ORDER,
        &proto::OpenOrder {
            order_id: Some(o.order_id),
            contract: Some(contract(spec)),
            order: Some(order_proto(o)),
            order_state: Some(order_state(o)),
        },
    )
}

/// completedOrder frame.
pub fn completed_order(o: &SimOrder, spec: &SymbolSpec, completed_time: &str) -> Vec<u8> {
    let mut state = order_state(o);
    state.completed_time = Some(completed_time.to_string());
    state.completed_status = Some(o.status.as_str().to_string());
    encode_message(
        id::COMPLETED_ORDER,
        &proto::CompletedOrder {
            contract: Some(contract(spec)),
            order: Some(order_proto(o)),
            order_state: Some(state),
        },
    )
}

/// orderStatus frame.
pub fn order_status(o: &SimOrder) -> Vec<u8> {
    encode_message(
        id::ORDER_STATUS,
        &proto::OrderStatus {
            order_id: Some(o.order_id),
            status: Some(o.status.as_str().into()),
            filled: Some(s(o.filled)),
            remaining: Some(s(o.remaining())),
            avg_fill_price: Some(f(o.avg_fill_price)),
            perm_id: Some(o.perm_id),
            parent_id: Some(o.parent_id),
            last_fill_price: Some(f(o.last_fill_price)),
            client_id: Some(o.client_id),
            why_held: None,
        },
    )
}

/// execDetails frame (`req_id` −1 for live fills).
pub fn execution(req_id: i32, e: &SimExecution, spec: &SymbolSpec, account: &str) -> Vec<u8> {
    encode_message(
        id::EXECUTION_DATA,
        &proto::ExecutionDetails {
            req_id: Some(req_id),
            contract: Some(contract(spec)),
            execution: Some(proto::Execution {
                order_id: Some(e.order_id),
                exec_id: Some(e.exec_id.clone()),
                time: Some(crate::clock::tws_time_string(&e.time)),
                acct_number: Some(account.to_string()),
                exchange: Some(spec.primary_exchange.clone()),
                side: Some(e.side.exec_side().into()),
                shares: Some(s(e.shares)),
                price: Some(f(e.price)),
                perm_id: Some(e.perm_id),
                client_id: Some(e.client_id),
                cum_qty: Some(s(e.cum_qty)),
                avg_price: Some(f(e.avg_price)),
                order_ref: (!e.order_ref.is_empty()).then(|| e.order_ref.clone()),
            }),
        },
    )
}

/// commissionReport frame.
pub fn commission(e: &SimExecution) -> Vec<u8> {
    encode_message(
        id::COMMISSION_REPORT,
        &proto::CommissionAndFeesReport {
            exec_id: Some(e.exec_id.clone()),
            commission_and_fees: Some(f(e.commission)),
            currency: Some("USD".into()),
            realized_pnl: Some(e.realized_pnl.map(f).unwrap_or(f64::MAX)),
        },
    )
}

/// A frame whose only field is a request id at tag 1.
pub fn req_id_only(msg_id: i32, req_id: i32) -> Vec<u8> {
    encode_message(
        msg_id,
        &proto::ReqIdOnly {
            req_id: Some(req_id),
        },
    )
}

/// An empty-payload frame.
pub fn empty(msg_id: i32) -> Vec<u8> {
    encode_message(msg_id, &proto::Empty {})
}

/// tickPrice frame (with size when given).
pub fn tick_price(req_id: i32, tick_type: i32, price: Decimal, size: Option<Decimal>) -> Vec<u8> {
    encode_message(
        id::TICK_PRICE,
        &proto::TickPrice {
            req_id: Some(req_id),
            tick_type: Some(tick_type),
            price: Some(f(price)),
            size: size.map(s),
            attr_mask: Some(0),
        },
    )
}

/// tickSize frame.
pub fn tick_size(req_id: i32, tick_type: i32, size: Decimal) -> Vec<u8> {
    encode_message(
        id::TICK_SIZE,
        &proto::TickSize {
            req_id: Some(req_id),
            tick_type: Some(tick_type),
            size: Some(s(size)),
        },
    )
}

/// tickString frame.
pub fn tick_string(req_id: i32, tick_type: i32, value: String) -> Vec<u8> {
    encode_message(
        id::TICK_STRING,
        &proto::TickString {
            req_id: Some(req_id),
            tick_type: Some(tick_type),
            value: Some(value),
        },
    )
}

/// tickGeneric frame.
pub fn tick_generic(req_id: i32, tick_type: i32, value: f64) -> Vec<u8> {
    encode_message(
        id::TICK_GENERIC,
        &proto::TickGeneric {
            req_id: Some(req_id),
            tick_type: Some(tick_type),
            value: Some(value),
        },
    )
}

/// position frame.
pub fn position(account: &str, spec: &SymbolSpec, qty: Decimal, avg_cost: Decimal) -> Vec<u8> {
    position_of(account, contract(spec), qty, avg_cost)
}

/// position frame for any contract (options, futures, forex included).
pub fn position_of(
    account: &str,
    contract: proto::Contract,
    qty: Decimal,
    avg_cost: Decimal,
) -> Vec<u8> {
    encode_message(
        id::POSITION,
        &proto::Position {
            account: Some(account.to_string()),
            contract: Some(contract),
            position: Some(s(qty)),
            avg_cost: Some(f(avg_cost)),
        },
    )
}

/// accountSummary frame.
pub fn account_summary(
    req_id: i32,
    account: &str,
    tag: &str,
    value: &str,
    currency: &str,
) -> Vec<u8> {
    encode_message(
        id::ACCOUNT_SUMMARY,
        &proto::AccountSummary {
            req_id: Some(req_id),
            account: Some(account.to_string()),
            tag: Some(tag.to_string()),
            value: Some(value.to_string()),
            currency: Some(currency.to_string()),
        },
    )
}

/// accountValue frame.
pub fn account_value(key: &str, value: &str, currency: &str, account: &str) -> Vec<u8> {
    encode_message(
        id::ACCOUNT_VALUE,
        &proto::AccountValue {
            key: Some(key.to_string()),
            value: Some(value.to_string()),
            currency: Some(currency.to_string()),
            account_name: Some(account.to_string()),
        },
    )
}
