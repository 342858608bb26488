//! Typed client requests decoded from a frame body.
//!
//! Owns the mapping from outgoing-message ids (as the client numbers them) to
//! our prost structs. Decoding never panics: an unknown id becomes
//! [`Request::Unsupported`], an undecodable payload a [`CodecError`].

use prost::Message;

use crate::codec::{split_message, CodecError};
use crate::proto;

/// One decoded client request.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// 1: reqMktData.
    MarketData(proto::MarketDataRequest),
    /// 2: cancelMktData.
    CancelMarketData(i32),
    /// 3: placeOrder.
    PlaceOrder(proto::PlaceOrderRequest),
    /// 4: cancelOrder.
    CancelOrder(i32),
    /// 5: reqOpenOrders.
    OpenOrders,
    /// 6: reqAccountUpdates.
    AccountUpdates(proto::AccountDataRequest),
    /// 7: reqExecutions.
    Executions(proto::ExecutionRequest),
    /// 8: reqIds.
    Ids,
    /// 9: reqContractDetails.
    ContractDetails(proto::ContractDataRequest),
    /// 15: reqAutoOpenOrders.
    AutoOpenOrders,
    /// 16: reqAllOpenOrders.
    AllOpenOrders,
    /// 17: reqManagedAccts.
    ManagedAccounts,
    /// 20: reqHistoricalData.
    HistoricalData(proto::HistoricalDataRequest),
    /// 25: cancelHistoricalData.
    CancelHistoricalData(i32),
    /// 49: reqCurrentTime.
    CurrentTime,
    /// 50: reqRealTimeBars.
    RealTimeBars(proto::RealTimeBarsRequest),
    /// 51: cancelRealTimeBars.
    CancelRealTimeBars(i32),
    /// 58: reqGlobalCancel.
    GlobalCancel,
    /// 59: reqMarketDataType.
    MarketDataType(i32),
    /// 61: reqPositions.
    Positions,
    /// 62: reqAccountSummary.
    AccountSummary(proto::AccountSummaryRequest),
    /// 63: cancelAccountSummary.
    CancelAccountSummary(i32),
    /// 64: cancelPositions.
    CancelPositions,
    /// 91: reqMarketRule (the rule id).
    MarketRule(i32),
    /// 71: startApi.
    StartApi(i32),
    /// 92: reqPnL.
    PnL(proto::PnLRequest),
    /// 93: cancelPnL.
    CancelPnL(i32),
    /// 94: reqPnLSingle.
    PnLSingle(proto::PnLSingleRequest),
    /// 95: cancelPnLSingle.
    CancelPnLSingle(i32),
    /// 99: reqCompletedOrders.
    CompletedOrders,
    /// 105: reqCurrentTimeInMillis.
    CurrentTimeInMillis,
    /// 87: reqHeadTimestamp (request id, contract).
    HeadTimestamp(proto::ContractDataRequest),
    /// 88: reqHistogramData (request id, contract, RTH, time period).
    HistogramData(proto::HistogramDataRequest),
    /// 89: cancelHistogramData.
    CancelHistogramData(i32),
    /// 96: reqHistoricalTicks.
    HistoricalTicks(proto::HistoricalTicksRequest),
    /// A message the simulator does not serve; `req_id` is tag 1 if present.
    Unsupported {
        /// Message type id.
        id: i32,
        /// Tag-1 integer, usually the request id.
        req_id: Option<i32>,
    },
}

fn dec<M: Message + Default>(id: i32, payload: &[u8]) -> Result<M, CodecError> {
    M::decode(payload).map_err(|e| CodecError::Protobuf {
        id,
        reason: e.to_string(),
    })
}

fn req_id(id: i32, payload: &[u8]) -> Result<i32, CodecError> {
    Ok(dec::<proto::ReqIdOnly>(id, payload)?.req_id.unwrap_or(-1))
}

impl Request {
    /// Decodes a frame body (message id + payload).
    ///
    /// # Errors
    /// A [`CodecError`] when the body is too short, text-encoded or its
    /// payload is not valid protobuf for the message type.
    pub fn decode(body: &[u8]) -> Result<Request, CodecError> {
        let (id, p) = split_message(body)?;
        Ok(match id {
            1 => Request::MarketData(dec(id, p)?),
            2 => Request::CancelMarketData(req_id(id, p)?),
            3 => Request::PlaceOrder(dec(id, p)?),
            4 => Request::CancelOrder(
                dec::<proto::CancelOrderRequest>(id, p)?
                    .order_id
                    .unwrap_or(-1),
            ),
            5 => Request::OpenOrders,
            6 => Request::AccountUpdates(dec(id, p)?),
            7 => Request::Executions(dec(id, p)?),
            8 => {
                dec::<proto::IdsRequest>(id, p)?;
                Request::Ids
            }
            9 => Request::ContractDetails(dec(id, p)?),
            15 => Request::AutoOpenOrders,
            16 => Request::AllOpenOrders,
            17 => Request::ManagedAccounts,
            20 => Request::HistoricalData(dec(id, p)?),
            25 => Request::CancelHistoricalData(req_id(id, p)?),
            49 => Request::CurrentTime,
            50 => Request::RealTimeBars(dec(id, p)?),
            51 => Request::CancelRealTimeBars(req_id(id, p)?),
            58 => Request::GlobalCancel,
            59 => Request::MarketDataType(
                dec::<proto::MarketDataTypeRequest>(id, p)?
                    .market_data_type
                    .unwrap_or(1),
            ),
            61 => Request::Positions,
            62 => Request::AccountSummary(dec(id, p)?),
            63 => Request::CancelAccountSummary(req_id(id, p)?),
            64 => Request::CancelPositions,
            71 => Request::StartApi(dec::<proto::StartApiRequest>(id, p)?.client_id.unwrap_or(0)),
            91 => Request::MarketRule(
                dec::<crate::market_rules::MarketRuleRequest>(id, p)?
                    .market_rule_id
                    .unwrap_or(-1),
            ),
            92 => Request::PnL(dec(id, p)?),
            93 => Request::CancelPnL(req_id(id, p)?),
            94 => Request::PnLSingle(dec(id, p)?),
            95 => Request::CancelPnLSingle(req_id(id, p)?),
            99 => Request::CompletedOrders,
            105 => Request::CurrentTimeInMillis,
            87 => Request::HeadTimestamp(dec(id, p)?),
            88 => Request::HistogramData(dec(id, p)?),
            89 => Request::CancelHistogramData(req_id(id, p)?),
            96 => Request::HistoricalTicks(dec(id, p)?),
            other => Request::Unsupported {
                id: other,
                req_id: dec::<proto::ReqIdOnly>(other, p)
                    .ok()
                    .and_then(|r| r.req_id),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn body(id: i32, payload: &[u8]) -> Vec<u8> {
        let mut v = (id + 200).to_be_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_start_api_and_place_order() {
        let start = proto::StartApiRequest { client_id: Some(7) }.encode_to_vec();
        assert_eq!(Request::decode(&body(71, &start)), Ok(Request::StartApi(7)));
        let order = proto::PlaceOrderRequest {
            order_id: Some(12),
            contract: Some(proto::Contract {
                symbol: Some("SPY".into()),
                ..Default::default()
            }),
            order: Some(proto::Order {
                action: Some("BUY".into()),
                total_quantity: Some("10".into()),
                ..Default::default()
            }),
            attached_orders: None,
        };
        match Request::decode(&body(3, &order.encode_to_vec())) {
            Ok(Request::PlaceOrder(p)) => {
                assert_eq!(p.order_id, Some(12));
                assert_eq!(
                    p.order.and_then(|o| o.total_quantity).as_deref(),
                    Some("10")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn garbage_payload_is_an_error_not_a_panic() {
        let r = Request::decode(&body(3, &[0xff, 0xff, 0xff]));
        assert!(matches!(r, Err(CodecError::Protobuf { id: 3, .. })));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Request::decode(&bytes);
        }

        #[test]
        fn decode_never_panics_on_known_ids(id in 0i32..120, payload in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = Request::decode(&body(id, &payload));
        }
    }
}
