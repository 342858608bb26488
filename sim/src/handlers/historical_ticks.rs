//! reqHistoricalTicks: trades (`TRADES`), quotes (`BID_ASK`) and midpoints
//! (`MIDPOINT`) from the seeded history (see `crate::market::ticks` and
//! sim/README.md), answered in one batch marked done.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::market_data::parse_end;
use crate::codec::encode_message;
use crate::config::SymbolSpec;
use crate::market::{
    generate_history, parse_bar_size, select_ticks, trades_from_bars, BarSpec, HistTick,
};
use crate::market_access::DataRequest;
use crate::proto;
use crate::state::{ConnId, SimState};
use crate::wire::{self, id};

/// Trading days of 1-minute history the ticks are drawn from.
const TICK_DAYS: i64 = 2;

impl SimState {
    pub(super) fn historical_ticks(&mut self, conn: ConnId, r: proto::HistoricalTicksRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let Some(idx) = self.data_symbol(conn, req_id, r.contract.as_ref(), DataRequest::History)
        else {
            return;
        };
        let now = self.clock.now_utc();
        let bound = |text: Option<&str>| -> Result<Option<DateTime<Utc>>, ()> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => parse_end(t, now).map(|t| Some(t.min(now))).ok_or(()),
            }
        };
        let (Ok(start), Ok(end)) = (
            bound(r.start_date_time.as_deref()),
            bound(r.end_date_time.as_deref()),
        ) else {
            self.send_error(conn, req_id, 321, "Error validating request.-'bT' : cause - Historical ticks date/time format is invalid.");
            return;
        };
        let (Some(spec), Some(q)) = (self.market.spec(idx).cloned(), self.market.quote(idx)) else {
            return;
        };
        let minute = parse_bar_size("1 min").unwrap_or(BarSpec { secs: 60, days: 0 });
        let bars = generate_history(
            q.last,
            spec.tick_size,
            spec.con_id,
            self.market.seed(),
            end.unwrap_or(now),
            (TICK_DAYS, 0),
            minute,
        );
        let count = usize::try_from(r.number_of_ticks.unwrap_or(0)).unwrap_or(0);
        let ticks = select_ticks(
            &trades_from_bars(&bars),
            start.map(|t| t.timestamp()),
            end.map(|t| t.timestamp()),
            count,
        );
        let frame = match r.what_to_show.as_deref().unwrap_or("TRADES") {
            "BID_ASK" => quotes(req_id, &ticks, &spec),
            "MIDPOINT" => midpoints(req_id, &ticks),
            _ => trades(req_id, &ticks, &spec),
        };
        self.send(conn, frame);
    }
}

fn trades(req_id: i32, ticks: &[HistTick], spec: &SymbolSpec) -> Vec<u8> {
    let msg = proto::HistoricalTicksLast {
        req_id: Some(req_id),
        historical_ticks_last: ticks
            .iter()
            .map(|t| proto::HistoricalTickLast {
                time: Some(t.time),
                price: Some(wire::f(t.price)),
                size: Some(wire::s(t.size)),
                exchange: Some(spec.primary_exchange.clone()),
                special_conditions: Some(String::new()),
            })
            .collect(),
        is_done: Some(true),
    };
    encode_message(id::HISTORICAL_TICKS_LAST, &msg)
}

fn quotes(req_id: i32, ticks: &[HistTick], spec: &SymbolSpec) -> Vec<u8> {
    let half = spec.tick_size * Decimal::from(spec.half_spread_ticks);
    let msg = proto::HistoricalTicksBidAsk {
        req_id: Some(req_id),
        historical_ticks_bid_ask: ticks
            .iter()
            .map(|t| proto::HistoricalTickBidAsk {
                time: Some(t.time),
                price_bid: Some(wire::f(t.price - half)),
                price_ask: Some(wire::f(t.price + half)),
                size_bid: Some("100".to_string()),
                size_ask: Some("100".to_string()),
            })
            .collect(),
        is_done: Some(true),
    };
    encode_message(id::HISTORICAL_TICKS_BID_ASK, &msg)
}

fn midpoints(req_id: i32, ticks: &[HistTick]) -> Vec<u8> {
    let msg = proto::HistoricalTicks {
        req_id: Some(req_id),
        historical_ticks: ticks
            .iter()
            .map(|t| proto::HistoricalTick {
                time: Some(t.time),
                price: Some(wire::f(t.price)),
                size: Some("0".to_string()),
            })
            .collect(),
        is_done: Some(true),
    };
    encode_message(id::HISTORICAL_TICKS, &msg)
}
