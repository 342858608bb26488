//! Market data requests: ticks, data type, real-time bars, historical bars.
//! Each request is first admitted by the login's market access (permissions,
//! a competing session, real-time-bar pacing: `crate::market_access`).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::codec::encode_message;
use crate::market::{
    generate_history, histogram_days, parse_bar_size, parse_duration, price_levels, start_limit,
    RtBar, TICKS_PER_LEVEL,
};
use crate::market_access::{AccessEvent, DataRequest};
use crate::proto;
use crate::state::{ConnId, MktSub, SimState};
use crate::wire::{self, id};

/// Tick type ids `(bid, ask, last, bid size, ask size, last size, volume, last timestamp)`.
fn tick_ids(md_type: i32) -> [i32; 8] {
    if md_type >= 3 {
        [66, 67, 68, 69, 70, 71, 74, 88]
    } else {
        [1, 2, 4, 0, 3, 5, 8, 45]
    }
}

/// Parses an IB end date: empty (now), `YYYYMMDD HH:MM:SS [zone]` or `YYYYMMDD-HH:MM:SS` (UTC).
pub(super) fn parse_end(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(now);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y%m%d-%H:%M:%S") {
        return Some(Utc.from_utc_datetime(&t));
    }
    let mut parts = text.splitn(3, ' ');
    let (date, time, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next().unwrap_or("US/Eastern"),
    );
    let t = NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y%m%d %H:%M:%S").ok()?;
    let tz: Tz = match zone.trim() {
        "UTC" | "GMT" => return Some(Utc.from_utc_datetime(&t)),
        "EST" | "EDT" => chrono_tz::America::New_York,
        other => other.parse().ok()?,
    };
    tz.from_local_datetime(&t)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl SimState {
    /// The symbol a data request names, when it is known (else 200) and the
    /// login may have `kind` of data for it now (else IB's refusal): every
    /// market-data and history request starts here.
    pub(super) fn data_symbol(
        &mut self,
        conn: ConnId,
        req_id: i32,
        contract: Option<&proto::Contract>,
        kind: DataRequest,
    ) -> Option<usize> {
        let Some(idx) = self.resolve(contract) else {
            self.no_security(conn, req_id);
            return None;
        };
        self.admitted(conn, req_id, kind, idx).then_some(idx)
    }

    /// Whether the login may have `kind` of data for symbol `idx` now; a
    /// refusal is sent to `conn` for `req_id` with IB's code and text.
    pub(super) fn admitted(
        &mut self,
        conn: ConnId,
        req_id: i32,
        kind: DataRequest,
        idx: usize,
    ) -> bool {
        let Some((symbol, exchange)) = self
            .market
            .spec(idx)
            .map(|s| (s.symbol.clone(), s.primary_exchange.clone()))
        else {
            return false;
        };
        let now = self.clock.now_utc();
        match self.access.admit(kind, &symbol, &exchange, now) {
            Ok(()) => true,
            Err((code, text)) => {
                tracing::info!(%symbol, code, "market data request refused");
                self.send_error(conn, req_id, code, &text);
                false
            }
        }
    }

    /// Runs the scripted market-data events due now (competing session,
    /// farm outage, silent stops).
    pub(crate) fn apply_market_access(&mut self) {
        let now = self.clock.now_utc();
        for event in self.access.due(now) {
            tracing::info!(?event, "scenario market data event");
            match event {
                AccessEvent::CompetingStarted => self.end_bar_subscriptions_with_competing(),
                AccessEvent::FarmBroken => {
                    for c in self.conns.values_mut() {
                        c.rt_bars.clear();
                    }
                    self.broadcast_error(
                        crate::market_access::FARM_BROKEN,
                        crate::market_access::FARM_BROKEN_TEXT,
                    );
                }
                AccessEvent::FarmOk => self.broadcast_error(
                    crate::market_access::FARM_OK,
                    crate::market_access::FARM_OK_TEXT,
                ),
                AccessEvent::SilentStop(symbol) => {
                    let Some(idx) = self.market.index(&symbol) else {
                        continue;
                    };
                    for c in self.conns.values_mut() {
                        c.rt_bars.retain(|_, s| *s != idx);
                    }
                }
            }
        }
    }

    /// Sends 2110 to every session: TWS lost its link to IB's server.
    pub(crate) fn server_link_broken(&mut self) {
        use crate::market_access::{SERVER_LINK_BROKEN, SERVER_LINK_BROKEN_TEXT};
        self.broadcast_error(SERVER_LINK_BROKEN, SERVER_LINK_BROKEN_TEXT);
    }

    /// Sends 2104 and 2106 to every session: the data farms are OK.
    pub(crate) fn data_farms_ok(&mut self) {
        use crate::market_access::{FARM_OK, FARM_OK_TEXT, HISTORY_FARM_OK, HISTORY_FARM_OK_TEXT};
        self.broadcast_error(FARM_OK, FARM_OK_TEXT);
        self.broadcast_error(HISTORY_FARM_OK, HISTORY_FARM_OK_TEXT);
    }

    /// A competing live session starts: every live real-time-bar
    /// subscription gets 10197 and ends.
    fn end_bar_subscriptions_with_competing(&mut self) {
        let ended: Vec<(ConnId, i32)> = self
            .conns
            .iter_mut()
            .flat_map(|(cid, c)| {
                std::mem::take(&mut c.rt_bars)
                    .into_keys()
                    .map(move |r| (*cid, r))
            })
            .collect();
        for (conn, req_id) in ended {
            self.send_error(
                conn,
                req_id,
                crate::market_access::COMPETING_LIVE_SESSION,
                crate::market_access::COMPETING_TEXT,
            );
        }
    }

    /// Sends the symbol's quote ticks to every market data subscriber of `idx`
    /// (or only to `only = (conn, req_id)` for a new subscription).
    pub(crate) fn send_quote_ticks(&mut self, idx: usize, _initial: bool) {
        let targets: Vec<(ConnId, i32, i32, Vec<String>)> = self
            .conns
            .iter()
            .flat_map(|(cid, c)| {
                c.mkt
                    .iter()
                    .filter(|(_, s)| s.idx == idx)
                    .map(move |(r, s)| (*cid, *r, c.md_type, s.generics.clone()))
            })
            .collect();
        for (conn, req_id, md_type, generics) in targets {
            self.send_ticks_to(conn, req_id, idx, md_type, &generics);
        }
    }

    fn send_ticks_to(
        &mut self,
        conn: ConnId,
        req_id: i32,
        idx: usize,
        md_type: i32,
        generics: &[String],
    ) {
        let Some(q) = self.market.quote(idx) else {
            return;
        };
        let [bid, ask, last, _bid_sz, _ask_sz, _last_sz, volume, last_ts] = tick_ids(md_type);
        let now = self.clock.now_utc();
        self.send(conn, wire::tick_price(req_id, bid, q.bid, Some(q.bid_size)));
        self.send(conn, wire::tick_price(req_id, ask, q.ask, Some(q.ask_size)));
        self.send(
            conn,
            wire::tick_price(req_id, last, q.last, Some(q.last_size)),
        );
        self.send(conn, wire::tick_size(req_id, volume, q.volume));
        self.send(
            conn,
            wire::tick_string(req_id, last_ts, now.timestamp().to_string()),
        );
        for g in generics {
            let frame = match g.as_str() {
                // RT volume: price;size;time ms;total volume;VWAP;single trade
                "233" => wire::tick_string(
                    req_id,
                    48,
                    format!(
                        "{};{};{};{};{};true",
                        wire::s(q.last),
                        wire::s(q.last_size),
                        now.timestamp_millis(),
                        wire::s(q.volume),
                        wire::s(q.last)
                    ),
                ),
                // Shortable: 3.0 = easy to borrow.
                "236" => wire::tick_generic(req_id, 46, 3.0),
                // Historical volatility (30 day), a fixed 25 %.
                "104" => wire::tick_generic(req_id, 23, 0.25),
                // Implied volatility, a fixed 27 %.
                "106" => wire::tick_generic(req_id, 24, 0.27),
                // Trade count today.
                "293" => {
                    wire::tick_generic(req_id, 54, wire::f(q.volume / Decimal::from(100)).floor())
                }
                _ => continue,
            };
            self.send(conn, frame);
        }
    }

    pub(super) fn market_data(&mut self, conn: ConnId, r: proto::MarketDataRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let Some(idx) = self.data_symbol(conn, req_id, r.contract.as_ref(), DataRequest::Ticks)
        else {
            return;
        };
        let md_type = self.conns.get(&conn).map_or(1, |c| c.md_type);
        let tick = self
            .market
            .spec(idx)
            .map(|s| s.tick_size)
            .unwrap_or(Decimal::new(1, 2));
        let params = proto::TickReqParams {
            req_id: Some(req_id),
            min_tick: Some(wire::s(tick)),
            bbo_exchange: Some("9c0001".into()),
            snapshot_permissions: Some(3),
        };
        self.send(conn, encode_message(id::TICK_REQ_PARAMS, &params));
        self.send(
            conn,
            encode_message(
                id::MARKET_DATA_TYPE,
                &proto::MarketDataType {
                    req_id: Some(req_id),
                    market_data_type: Some(md_type),
                },
            ),
        );
        let generics: Vec<String> = r
            .generic_tick_list
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty())
            .collect();
        self.send_ticks_to(conn, req_id, idx, md_type, &generics);
        if r.snapshot.unwrap_or(false) || r.regulatory_snapshot.unwrap_or(false) {
            self.send(conn, wire::req_id_only(id::TICK_SNAPSHOT_END, req_id));
        } else if let Some(c) = self.conns.get_mut(&conn) {
            c.mkt.insert(req_id, MktSub { idx, generics });
        }
    }

    pub(super) fn cancel_market_data(&mut self, conn: ConnId, req_id: i32) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.mkt.remove(&req_id);
        }
    }

    pub(super) fn market_data_type(&mut self, conn: ConnId, md_type: i32) {
        if !(1..=4).contains(&md_type) {
            self.send_error(conn, -1, 10_090, "Invalid market data type");
            return;
        }
        let subs: Vec<i32> = match self.conns.get_mut(&conn) {
            Some(c) => {
                c.md_type = md_type;
                c.mkt.keys().copied().collect()
            }
            None => return,
        };
        for req_id in subs {
            self.send(
                conn,
                encode_message(
                    id::MARKET_DATA_TYPE,
                    &proto::MarketDataType {
                        req_id: Some(req_id),
                        market_data_type: Some(md_type),
                    },
                ),
            );
        }
    }

    pub(super) fn real_time_bars(&mut self, conn: ConnId, r: proto::RealTimeBarsRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let Some(idx) =
            self.data_symbol(conn, req_id, r.contract.as_ref(), DataRequest::RealTimeBars)
        else {
            return;
        };
        // TWS ignores the bar size field (clients send 0): bars are always 5 seconds.
        if let Some(c) = self.conns.get_mut(&conn) {
            c.rt_bars.insert(req_id, idx);
            // ibapi leaves the field out for useRTH=0.
            if r.use_rth.unwrap_or(false) {
                c.rt_bars_all_hours.remove(&req_id);
            } else {
                c.rt_bars_all_hours.insert(req_id);
            }
        }
    }

    /// Sends finished 5-second bars to their subscribers.
    /// Nothing while the market data farm is down.
    pub(crate) fn send_rt_bars(&mut self, bars: &[(usize, RtBar)]) {
        if self.access.farm_down(self.clock.now_utc()) {
            return;
        }
        let hours = self.config.hours;
        for (idx, bar) in bars {
            let start = DateTime::from_timestamp(bar.time, 0).unwrap_or_default();
            let sent = |c: &crate::state::Conn, req: &i32| {
                hours.bar_at(start, !c.rt_bars_all_hours.contains(req))
            };
            let targets: Vec<(ConnId, i32)> = self
                .conns
                .iter()
                .flat_map(|(cid, c)| {
                    c.rt_bars
                        .iter()
                        .filter(move |(r, s)| *s == idx && sent(c, r))
                        .map(move |(r, _)| (*cid, *r))
                })
                .collect();
            for (conn, req_id) in targets {
                let wap = if bar.volume.is_zero() {
                    bar.close
                } else {
                    ((bar.open + bar.high + bar.low + bar.close) / Decimal::from(4)).round_dp(4)
                };
                let msg = proto::RealTimeBarTick {
                    req_id: Some(req_id),
                    time: Some(bar.time),
                    open: Some(wire::f(bar.open)),
                    high: Some(wire::f(bar.high)),
                    low: Some(wire::f(bar.low)),
                    close: Some(wire::f(bar.close)),
                    volume: Some(wire::s(bar.volume)),
                    wap: Some(wire::s(wap)),
                    count: Some(bar.count),
                };
                self.send(conn, encode_message(id::REAL_TIME_BARS, &msg));
            }
        }
    }

    /// reqHistogramData: the volume traded per price level over the period,
    /// from 1-minute bars of the same seeded history (see sim/README.md).
    pub(super) fn histogram_data(&mut self, conn: ConnId, r: proto::HistogramDataRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let Some(idx) = self.data_symbol(conn, req_id, r.contract.as_ref(), DataRequest::History)
        else {
            return;
        };
        let Some(days) = r.time_period.as_deref().and_then(histogram_days) else {
            self.send_error(
                conn,
                req_id,
                321,
                "Error validating request.-'bP' : cause - Histogram time period is invalid.",
            );
            return;
        };
        let (Some(spec), Some(q)) = (self.market.spec(idx).cloned(), self.market.quote(idx)) else {
            return;
        };
        let minute =
            parse_bar_size("1 min").unwrap_or(crate::market::BarSpec { secs: 60, days: 0 });
        let now = self.clock.now_utc();
        let bars = generate_history(
            q.last,
            spec.tick_size,
            spec.con_id,
            self.market.seed(),
            now,
            (days, 0),
            minute,
        );
        let level = spec.tick_size * Decimal::from(TICKS_PER_LEVEL);
        let msg = proto::HistogramData {
            req_id: Some(req_id),
            histogram_data_entries: price_levels(&bars, level)
                .into_iter()
                .map(|(price, size)| proto::HistogramDataEntry {
                    price: Some(wire::f(price)),
                    size: Some(wire::s(size)),
                })
                .collect(),
        };
        self.send(conn, encode_message(id::HISTOGRAM_DATA, &msg));
    }

    pub(super) fn head_timestamp(&mut self, conn: ConnId, r: proto::ContractDataRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        if self.resolve(r.contract.as_ref()).is_none() {
            self.no_security(conn, req_id);
            return;
        }
        // Synthetic history reaches back 20 years.
        let head = (self.clock.now_utc() - chrono::Duration::days(365 * 20))
            .timestamp()
            .to_string();
        let msg = proto::HeadTimestamp {
            req_id: Some(req_id),
            head_timestamp: Some(head),
        };
        self.send(conn, encode_message(id::HEAD_TIMESTAMP, &msg));
    }

    pub(super) fn historical_data(&mut self, conn: ConnId, r: proto::HistoricalDataRequest) {
        if self.config.history_unanswered {
            return;
        }
        let req_id = r.req_id.unwrap_or(-1);
        let Some(idx) = self.data_symbol(conn, req_id, r.contract.as_ref(), DataRequest::History)
        else {
            return;
        };
        if r.what_to_show.as_deref() == Some("SCHEDULE") {
            self.historical_schedule(conn, r);
            return;
        }
        let now = self.clock.now_utc();
        let Some(bar) = r.bar_size_setting.as_deref().and_then(parse_bar_size) else {
            self.send_error(conn, req_id, 321, "Error validating request.-'bP' : cause - Historical data bar size setting is invalid.");
            return;
        };
        let Some(duration) = r.duration.as_deref().and_then(parse_duration) else {
            self.send_error(conn, req_id, 321, "Error validating request.-'bP' : cause - Historical data duration format is invalid.");
            return;
        };
        let Some(end) =
            parse_end(r.end_date_time.as_deref().unwrap_or(""), now).map(|e| e.min(now))
        else {
            self.send_error(
                conn,
                req_id,
                321,
                "Error validating request.-'bP' : cause - End date/time format is invalid.",
            );
            return;
        };
        let (Some(spec), Some(q)) = (self.market.spec(idx).cloned(), self.market.quote(idx)) else {
            return;
        };
        let bars = generate_history(
            q.last,
            spec.tick_size,
            spec.con_id,
            self.market.seed(),
            end,
            duration,
            bar,
        );
        let start = start_limit(end, duration.0, duration.1);
        let msg = proto::HistoricalData {
            req_id: Some(req_id),
            historical_data_bars: bars
                .iter()
                .map(|b| proto::HistoricalDataBar {
                    date: Some(b.date.clone()),
                    open: Some(wire::f(b.open)),
                    high: Some(wire::f(b.high)),
                    low: Some(wire::f(b.low)),
                    close: Some(wire::f(b.close)),
                    volume: Some(wire::s(b.volume)),
                    wap: Some(wire::s(
                        ((b.high + b.low + b.close) / Decimal::from(3)).round_dp(4),
                    )),
                    bar_count: Some(b.count),
                })
                .collect(),
        };
        self.send(conn, encode_message(id::HISTORICAL_DATA, &msg));
        let fmt = |t: DateTime<Utc>| t.format("%Y%m%d-%H:%M:%S").to_string();
        let end_msg = proto::HistoricalDataEnd {
            req_id: Some(req_id),
            start_date_str: Some(fmt(start)),
            end_date_str: Some(fmt(end)),
        };
        self.send(conn, encode_message(id::HISTORICAL_DATA_END, &end_msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_dates_parse_in_ib_formats() {
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap();
        assert_eq!(parse_end("", now), Some(now));
        assert_eq!(
            parse_end("20260102 21:00:00 UTC", now),
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 21, 0, 0).unwrap())
        );
        assert_eq!(
            parse_end("20260102-21:00:00", now),
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 21, 0, 0).unwrap())
        );
        assert_eq!(
            parse_end("20260102 16:00:00 US/Eastern", now),
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 21, 0, 0).unwrap())
        );
        assert_eq!(parse_end("garbage", now), None);
    }

    #[test]
    fn delayed_types_use_delayed_tick_ids() {
        assert_eq!(tick_ids(1)[0], 1);
        assert_eq!(tick_ids(3)[2], 68);
    }
}
