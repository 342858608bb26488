//! reqHistoricalData with `whatToShow = SCHEDULE`: the trading sessions in
//! the requested span, as the simulator's own history has them (NYSE's
//! regular sessions: 09:30–16:00 New York, 13:00 on half days, none on
//! weekends and holidays), in IB's `HistoricalSchedule` message.

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;

use super::market_data::parse_end;
use crate::codec::encode_message;
use crate::market::{parse_duration, start_limit, trading_session};
use crate::market_access::DataRequest;
use crate::proto;
use crate::state::{ConnId, SimState};
use crate::wire::id;

/// IB's name of the schedule's zone.
const TIME_ZONE: &str = "US/Eastern";

/// `YYYYMMDD-HH:MM:SS` on the New York wall clock.
fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&New_York)
        .format("%Y%m%d-%H:%M:%S")
        .to_string()
}

impl SimState {
    pub(super) fn historical_schedule(&mut self, conn: ConnId, r: proto::HistoricalDataRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        if self
            .data_symbol(conn, req_id, r.contract.as_ref(), DataRequest::History)
            .is_none()
        {
            return;
        }
        let now = self.clock.now_utc();
        let end = parse_end(r.end_date_time.as_deref().unwrap_or(""), now).map(|e| e.min(now));
        let duration = r.duration.as_deref().and_then(parse_duration);
        let (Some(end), Some((days, secs))) = (end, duration) else {
            self.send_error(conn, req_id, 321, "Error validating request.-'bP' : cause - Historical data duration or end date/time is invalid.");
            return;
        };
        let start = start_limit(end, days, secs);
        let mut sessions = Vec::new();
        let mut day = start.with_timezone(&New_York).date_naive();
        let last = end.with_timezone(&New_York).date_naive();
        while day <= last {
            if let Some((open, close)) = trading_session(day) {
                if close > start && open < end {
                    sessions.push(proto::HistoricalSession {
                        start_date_time: Some(local(open)),
                        end_date_time: Some(local(close)),
                        ref_date: Some(day.format("%Y%m%d").to_string()),
                    });
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        let msg = proto::HistoricalSchedule {
            req_id: Some(req_id),
            start_date_time: Some(local(start)),
            end_date_time: Some(local(end)),
            time_zone: Some(TIME_ZONE.to_string()),
            historical_sessions: sessions,
        };
        self.send(conn, encode_message(id::HISTORICAL_SCHEDULE, &msg));
    }
}
