//! An independent `ibapi` client (its own client id) reading what the
//! simulator holds: every order (open and completed), every execution and
//! the positions of the paper account.

use std::collections::BTreeMap;
use std::time::Duration;

use first_trading_app::broker::tws::snapshot::{self, BrokerExecution, BrokerPosition};
use ibapi::orders::Orders;
use rust_decimal::Decimal;

use super::ACCOUNT;

/// The client id the inspector uses (the bot uses 1).
const INSPECTOR_CLIENT_ID: i32 = 77;

/// One order the simulator holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    /// IB order id.
    pub order_id: i32,
    /// `orderRef` (our client order id).
    pub order_ref: String,
    /// BUY / SELL.
    pub action: String,
    /// "open" or "completed".
    pub list: &'static str,
}

/// What the simulator holds, read by an independent client.
#[derive(Debug, Clone)]
pub struct SimState {
    /// Open orders (all clients) followed by completed orders.
    pub orders: Vec<SimOrder>,
    /// Every execution of the account.
    pub executions: Vec<BrokerExecution>,
    /// Non-zero positions of the account.
    pub positions: Vec<BrokerPosition>,
}

impl SimState {
    /// The orders per `orderRef`.
    pub fn orders_by_ref(&self) -> BTreeMap<String, Vec<SimOrder>> {
        let mut map: BTreeMap<String, Vec<SimOrder>> = BTreeMap::new();
        for order in &self.orders {
            map.entry(order.order_ref.clone())
                .or_default()
                .push(order.clone());
        }
        map
    }

    /// Panics if two orders at the simulator carry the same `orderRef` (or one
    /// has none: every order here is the bot's).
    pub fn assert_no_duplicate_orders(&self) {
        for (reference, orders) in self.orders_by_ref() {
            assert!(
                !reference.is_empty(),
                "an order without orderRef: {orders:?}"
            );
            assert_eq!(
                orders.len(),
                1,
                "orderRef {reference} reached the simulator {} times: {orders:?}",
                orders.len()
            );
        }
    }

    /// The signed position in `symbol`.
    pub fn position(&self, symbol: &str) -> Decimal {
        self.positions
            .iter()
            .filter(|p| p.symbol.as_str() == symbol)
            .map(|p| p.quantity)
            .sum()
    }
}

/// Reads the simulator's orders (open + completed), executions and positions
/// through a fresh `ibapi` connection with its own client id.
pub fn inspect(port: u16) -> SimState {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let client =
            first_trading_app::broker::tws::connect("127.0.0.1", port, INSPECTOR_CLIENT_ID)
                .await
                .unwrap_or_else(|e| panic!("the inspector connects to the simulator: {e}"));
        let limit = Duration::from_secs(10);
        let mut orders = Vec::new();
        let open = client
            .all_open_orders()
            .await
            .unwrap()
            .collect_to_end_within(limit)
            .await
            .unwrap();
        let completed = client
            .completed_orders(false)
            .await
            .unwrap()
            .collect_to_end_within(limit)
            .await
            .unwrap();
        for (list, rows) in [("open", open), ("completed", completed)] {
            for row in rows {
                if let Orders::OrderData(data) = row {
                    orders.push(SimOrder {
                        order_id: data.order_id,
                        order_ref: data.order.order_ref.clone(),
                        action: format!("{:?}", data.order.action),
                        list,
                    });
                }
            }
        }
        let executions = snapshot::executions(&client, ACCOUNT).await.unwrap();
        let positions = snapshot::positions(&client, ACCOUNT).await.unwrap();
        client.disconnect().await;
        SimState {
            orders,
            executions,
            positions,
        }
    })
}
