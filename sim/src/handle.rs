//! [`SimHandle`]: inspect and control a running simulator.
//!
//! Every inspection returns an owned snapshot taken under the state lock;
//! every control applies immediately (a `set_price` runs the same matching a
//! market tick does). Cloning the handle is cheap.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::task::JoinHandle;

use crate::exchange::{SimExecution, SimOrder};
use crate::server::Shared;

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Handle to a running simulator. Clone-able; all clones control the same server.
#[derive(Debug, Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl SimHandle {
    pub(crate) fn new(shared: Arc<Shared>, addr: SocketAddr, tasks: Vec<JoinHandle<()>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared,
                addr,
                tasks: Mutex::new(tasks),
            }),
        }
    }

    /// The address the server listens on (with the real port when bound to 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Reports, from now on, the instant each frame with a message id in
    /// `written` is written to a client and each one with an id in `read` is
    /// read from one (see [`WireEvent`](crate::WireEvent)); for latency
    /// measurements. One tap per simulator: `None` when one is installed already.
    pub fn tap_wire(
        &self,
        written: &[i32],
        read: &[i32],
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<crate::WireEvent>> {
        let (tap, rx) = crate::tap::WireTap::new(written, read);
        self.inner.shared.tap.set(tap).ok().map(|()| rx)
    }

    /// Stops accepting, closes every connection and waits for the server tasks.
    pub async fn shutdown(self) {
        self.inner.shared.request_shutdown();
        self.inner.shared.lock().drop_connections();
        let tasks =
            std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }

    /// reqRealTimeBars received for `symbol` so far (refused ones included).
    pub fn realtime_bar_requests(&self, symbol: &str) -> u64 {
        self.inner
            .shared
            .lock()
            .access
            .realtime_bar_requests(symbol)
    }

    /// reqHistoricalData and reqHistogramData received for `symbol` so far
    /// (refused ones included).
    pub fn history_requests(&self, symbol: &str) -> u64 {
        let state = self.inner.shared.lock();
        state
            .access
            .requests(crate::market_access::DataRequest::History, symbol)
    }

    /// Real-time-bar subscriptions the simulator is serving now, all clients.
    pub fn realtime_bar_subscriptions(&self) -> usize {
        let state = self.inner.shared.lock();
        state.conns.values().map(|c| c.rt_bars.len()).sum()
    }

    /// Working orders (submitted or waiting on a parent), in placement order.
    pub fn open_orders(&self) -> Vec<SimOrder> {
        self.inner
            .shared
            .lock()
            .exchange
            .orders()
            .iter()
            .filter(|o| !o.status.is_terminal())
            .cloned()
            .collect()
    }

    /// Every order ever placed, in placement order.
    pub fn all_orders(&self) -> Vec<SimOrder> {
        self.inner.shared.lock().exchange.orders().to_vec()
    }

    /// Non-flat positions as `(symbol, quantity, average cost incl. commissions)`.
    pub fn positions(&self) -> Vec<(String, Decimal, Decimal)> {
        let state = self.inner.shared.lock();
        state
            .account
            .holdings
            .iter()
            .filter(|(_, h)| !h.qty.is_zero())
            .map(|(s, h)| (s.clone(), h.qty, h.avg_cost()))
            .collect()
    }

    /// Places `order` as its client (another API client, or TWS's user with
    /// client id 0) would; only that client's sessions are told.
    ///
    /// # Errors
    /// [`crate::SimError::Scenario`] when the order is invalid.
    pub fn place_as_other_client(&self, order: &crate::StartOrder) -> Result<(), crate::SimError> {
        self.inner.shared.lock().place_as_other_client(order)
    }

    /// Every execution, in time order.
    pub fn executions(&self) -> Vec<SimExecution> {
        self.inner.shared.lock().exchange.executions().to_vec()
    }

    /// Last trade price of `symbol`.
    pub fn last_price(&self, symbol: &str) -> Option<Decimal> {
        self.inner.shared.lock().market.last_price(symbol)
    }

    /// Best bid and ask of `symbol`.
    pub fn bid_ask(&self, symbol: &str) -> Option<(Decimal, Decimal)> {
        let state = self.inner.shared.lock();
        state
            .market
            .index(symbol)
            .and_then(|i| state.market.quote(i))
            .map(|q| (q.bid, q.ask))
    }

    /// Cash plus market value of all positions.
    pub fn net_liquidation(&self) -> Decimal {
        self.inner.shared.lock().net_liquidation()
    }

    /// Cash balance.
    pub fn cash(&self) -> Decimal {
        self.inner.shared.lock().account.cash
    }

    /// Total realized PnL (net of commissions).
    pub fn realized_pnl(&self) -> Decimal {
        self.inner.shared.lock().account.realized()
    }

    /// Order requests (placeOrder, cancelOrder, reqGlobalCancel) refused
    /// with 321 because the Read-Only API setting is on.
    pub fn read_only_refusals(&self) -> u64 {
        self.inner.shared.lock().read_only_refusals
    }

    /// Number of live API sessions.
    pub fn connection_count(&self) -> usize {
        self.inner.shared.lock().conns.len()
    }

    /// Jumps `symbol`'s last price (bid/ask follow) and triggers stops/limits.
    /// Returns false for an unknown symbol.
    pub fn set_price(&self, symbol: &str, price: Decimal) -> bool {
        self.inner.shared.lock().set_price(symbol, price)
    }

    /// Runs `n` extra random-walk / replay steps now, then what a tick ends
    /// with: market hours (parked orders released, DAY orders expired at a
    /// close) and the bars due.
    pub fn step(&self, n: usize) {
        self.inner.shared.lock().force_steps(n);
    }

    /// Moves the simulated clock forward by `by`.
    pub fn advance_clock(&self, by: Duration) {
        self.inner.shared.lock().clock.advance(by);
    }

    /// Closes every client connection; the server keeps accepting.
    pub fn drop_connections(&self) {
        self.inner.shared.lock().drop_connections();
    }

    /// Sends 1100 then 1102 (`data_kept`) or 1101 (subscriptions dropped).
    pub fn connectivity_lost_then_restored(&self, data_kept: bool) {
        self.inner
            .shared
            .lock()
            .connectivity_lost_then_restored(data_kept);
    }

    /// TWS's nightly reset: 1100 now, `silence` of market clock in which
    /// nothing reaches the clients (statuses and executions are held, no
    /// bars), then 1102 (`data_kept`) or 1101, then what was held.
    pub fn nightly_reset(&self, silence: Duration, data_kept: bool) {
        self.inner.shared.lock().nightly_reset(silence, data_kept);
    }

    /// Sends 2110 (TWS's link to IB's server is broken) to every session.
    pub fn server_link_broken(&self) {
        self.inner.shared.lock().server_link_broken();
    }

    /// Sends 2104 and 2106 (the data farms are OK) to every session.
    pub fn data_farms_ok(&self) {
        self.inner.shared.lock().data_farms_ok();
    }

    /// The simulated market clock, now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.shared.lock().clock.now_utc()
    }

    /// Rejects the `n`-th order placed from now on (1 = next) with `code`.
    pub fn reject_nth_order(&self, n: u32, code: i32, message: &str) {
        self.inner
            .shared
            .lock()
            .faults
            .reject_nth_order(n, code, message);
    }

    /// Swallows the `n`-th order placed from now on (1 = next): read, never
    /// answered, never kept — as if TWS lost it.
    pub fn swallow_nth_order(&self, n: u32) {
        self.inner.shared.lock().faults.swallow_nth_order(n);
    }

    /// A TWS user cancels `client_id`'s order `order_id` in TWS's window:
    /// that order alone ends, its client hears `Cancelled` and 202. False
    /// when it is unknown or already done.
    pub fn cancel_as_tws_user(&self, client_id: i32, order_id: i32) -> bool {
        self.inner
            .shared
            .lock()
            .cancel_by_tws_user(client_id, order_id)
    }

    /// `client_id`'s order `order_id` stops working without any message
    /// (a lost report). False when it is unknown or already done.
    pub fn drop_order_silently(&self, client_id: i32, order_id: i32) -> bool {
        self.inner
            .shared
            .lock()
            .exchange
            .drop_silently(client_id, order_id)
    }

    /// Delays every outgoing frame by `delay` (zero turns it off).
    pub fn set_response_delay(&self, delay: Duration) {
        self.inner.shared.lock().faults.set_delay(delay);
    }

    /// Every cancelOrder request received so far, as (client id, order id),
    /// in arrival order (refused ones included).
    pub fn cancel_requests(&self) -> Vec<(i32, i32)> {
        self.inner.shared.lock().cancel_requests.clone()
    }

    /// Answers the next `n` cancel requests for working orders with 161
    /// (the orders stay working).
    pub fn refuse_next_cancels(&self, n: u32) {
        self.inner.shared.lock().config.lifecycle.refuse_cancels = n;
    }

    /// Corrects execution `index` (as in [`SimHandle::executions`]) to
    /// `shares` at `price`: sends a correction with the next exec id (`.02`
    /// for `.01`) and its commission report. Returns the new exec id.
    pub fn correct_execution(
        &self,
        index: usize,
        shares: Decimal,
        price: Decimal,
    ) -> Option<String> {
        self.inner
            .shared
            .lock()
            .correct_execution(index, shares, price)
    }
}
