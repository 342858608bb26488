//! Request handlers: one client request in, frames out.
//!
//! Owns the behaviour of each supported request (split by domain into
//! [`session`], [`market_data`], [`orders`], [`account`]) and the periodic
//! market tick in [`ticker`]. Handlers run under the state lock, never await
//! and never panic on client input: bad input gets the TWS error code.

mod account;
mod historical_ticks;
mod market_data;
mod orders;
mod schedule;
mod session;
mod settings;
mod ticker;

use std::time::Instant;

use crate::request::Request;
use crate::state::{ConnId, SimState};

/// Unsupported messages that TWS never answers (log level, cancels, ...).
const FIRE_AND_FORGET: [i32; 20] = [
    11, 13, 14, 23, 53, 56, 57, 69, 70, 75, 77, 89, 90, 98, 101, 103, 106, 107, 12, 68,
];

/// TWS's answer to a request the simulator does not implement.
const NOT_SUPPORTED: i32 = 321;

impl SimState {
    /// Handles one request from an API session (after startApi).
    pub fn handle(&mut self, conn: ConnId, req: Request) {
        let limit = self.config.pacing_limit;
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if let Err(count) = c.pacer.admit(Instant::now(), limit) {
            let max = limit.unwrap_or(0);
            tracing::warn!(conn, client_id = c.client_id, count, "pacing violation");
            self.send_error(
                conn,
                -1,
                100,
                &format!(
                    "Max rate of messages per second has been exceeded:max={max} rec={count} (1)"
                ),
            );
            return;
        }
        match req {
            Request::StartApi(_) => {
                self.send_error(conn, -1, 10_190, "API session already started")
            }
            Request::CurrentTime => self.current_time(conn, false),
            Request::CurrentTimeInMillis => self.current_time(conn, true),
            Request::Ids => self.next_valid_id(conn),
            Request::ManagedAccounts => self.managed_accounts(conn),
            Request::ContractDetails(r) => self.contract_details(conn, r),
            Request::MarketRule(id) => self.market_rule(conn, id),
            Request::MarketData(r) => self.market_data(conn, r),
            Request::CancelMarketData(id) => self.cancel_market_data(conn, id),
            Request::MarketDataType(t) => self.market_data_type(conn, t),
            Request::RealTimeBars(r) => self.real_time_bars(conn, r),
            Request::CancelRealTimeBars(id) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.rt_bars.remove(&id);
                }
            }
            Request::HistoricalData(r) => self.historical_data(conn, r),
            Request::CancelHistoricalData(_) => {}
            Request::HeadTimestamp(r) => self.head_timestamp(conn, r),
            Request::HistogramData(r) => self.histogram_data(conn, r),
            Request::CancelHistogramData(_) => {}
            Request::HistoricalTicks(r) => self.historical_ticks(conn, r),
            Request::PlaceOrder(r) if self.refused_read_only(conn, r.order_id.unwrap_or(-1)) => {}
            Request::CancelOrder(id) if self.refused_read_only(conn, id) => {}
            Request::GlobalCancel if self.refused_read_only(conn, -1) => {}
            Request::PlaceOrder(r) => self.place_order(conn, r),
            Request::CancelOrder(id) => self.cancel_order(conn, id),
            Request::GlobalCancel => {
                let events = self.exchange.global_cancel();
                self.dispatch(events);
            }
            Request::OpenOrders | Request::AutoOpenOrders => self.open_orders(conn, false),
            Request::AllOpenOrders => self.open_orders(conn, true),
            Request::CompletedOrders => self.completed_orders(conn),
            Request::Executions(r) => self.executions(conn, r),
            Request::Positions => self.positions(conn),
            Request::CancelPositions => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.positions = false;
                }
            }
            Request::AccountSummary(r) => self.account_summary(conn, r),
            Request::CancelAccountSummary(id) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.summaries.remove(&id);
                }
            }
            Request::AccountUpdates(r) => self.account_updates(conn, r),
            Request::PnL(r) => self.pnl(conn, r),
            Request::CancelPnL(id) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.pnl.remove(&id);
                }
            }
            Request::PnLSingle(r) => self.pnl_single(conn, r),
            Request::CancelPnLSingle(id) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.pnl_single.remove(&id);
                }
            }
            Request::Unsupported { id, req_id } => {
                tracing::warn!(conn, msg_id = id, "unsupported request");
                let text =
                    format!("Error validating request: message {id} is not supported by tws-sim");
                match req_id {
                    Some(req_id) => self.send_error(conn, req_id, NOT_SUPPORTED, &text),
                    // Fire-and-forget messages expect no answer; others get an
                    // untied error so the client's one-shot waiters fail fast.
                    None if !FIRE_AND_FORGET.contains(&id) => {
                        self.send_error(conn, -1, NOT_SUPPORTED, &text)
                    }
                    None => {}
                }
            }
        }
    }
}
