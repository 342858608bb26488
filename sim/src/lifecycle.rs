//! Order-lifecycle behaviours of real TWS that a test may switch on: cancels
//! refused with 161, commission reports that lag their execution or arrive
//! twice, execution corrections (`.01` → `.02`), and the price checks every
//! order goes through (error 110 for an off-tick price, never rounding).
//!
//! Owns [`LifecycleOptions`] (the `SimConfig::lifecycle` field and its
//! scenario keys) and IB's texts for these codes. Must never touch the
//! matching logic: it only decides what a request is answered with and
//! when a commission frame goes out. Sources are listed in `sim/README.md`
//! ("Order lifecycle").

use std::time::Duration;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

use crate::exchange::Event;
use crate::market::round_to_tick;
use crate::state::{Out, SimState};
use crate::wire;

/// IB code 110 (TWS API "Message Codes").
pub const PRICE_OFF_TICK: i32 = 110;
/// IB's text for 110.
pub const PRICE_OFF_TICK_TEXT: &str =
    "The price does not conform to the minimum price variation for this contract.";
/// IB code 161 (TWS API "Message Codes").
pub const NOT_CANCELLABLE: i32 = 161;
/// IB's text for 161 (the perm id follows it).
pub const NOT_CANCELLABLE_TEXT: &str =
    "Cancel attempted when order is not in a cancellable state. Order permId =";
/// The reason a bracket child is cancelled when its parent was rejected or
/// cancelled (tws-sim's choice of words after TWS's 202 "Order Canceled - reason:").
pub const PARENT_CANCELLED_REASON: &str = "Parent order is being cancelled.";

/// Lifecycle behaviours, all off by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifecycleOptions {
    /// Answer this many of the next cancel requests with 161 (the order
    /// stays working). Scenario key `refuse_cancels`; handle
    /// `SimHandle::refuse_next_cancels`.
    pub refuse_cancels: u32,
    /// Send every commission report this long after its execution.
    /// Scenario key `commission_delay_ms`.
    pub commission_delay: Duration,
    /// Send every commission report twice (as after a reconnect's catch-up).
    /// Scenario key `duplicate_commissions`.
    pub duplicate_commissions: bool,
}

/// The `[lifecycle]` table of a scenario file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LifecycleEntry {
    #[serde(default)]
    refuse_cancels: u32,
    #[serde(default)]
    commission_delay_ms: u64,
    #[serde(default)]
    duplicate_commissions: bool,
}

impl From<LifecycleEntry> for LifecycleOptions {
    fn from(e: LifecycleEntry) -> Self {
        Self {
            refuse_cancels: e.refuse_cancels,
            commission_delay: Duration::from_millis(e.commission_delay_ms),
            duplicate_commissions: e.duplicate_commissions,
        }
    }
}

/// A wire price (double; `f64::MAX` or ≤ 0 means unset) that must lie on the
/// tick grid: `Ok(None)` when unset, `Err` (110 and IB's text) when off-tick.
/// Doubles are compared after rounding to 9 decimals (the wire cannot carry
/// more), never rounded onto the grid.
///
/// # Errors
/// `(110, text)` for an off-tick price.
pub fn conforming_price(v: Option<f64>, tick: Decimal) -> Result<Option<Decimal>, (i32, String)> {
    let Some(p) = v
        .filter(|p| p.is_finite() && *p != f64::MAX && *p > 0.0)
        .and_then(Decimal::from_f64)
        .map(|p| p.round_dp(9))
    else {
        return Ok(None);
    };
    if tick > Decimal::ZERO && round_to_tick(p, tick) != p.normalize() {
        return Err((PRICE_OFF_TICK, PRICE_OFF_TICK_TEXT.to_string()));
    }
    Ok(Some(p.normalize()))
}

/// The exec id of the correction of `exec_id`: its last dotted part plus one
/// (`….01` → `….02`), as IB numbers corrections.
pub fn correction_id(exec_id: &str) -> String {
    match exec_id.rsplit_once('.') {
        Some((stem, last)) => {
            let n = last.parse::<u32>().unwrap_or(1) + 1;
            format!("{stem}.{n:0width$}", width = last.len())
        }
        None => format!("{exec_id}.02"),
    }
}

impl SimState {
    /// A 161 for a cancel request while refusals are armed (one used up).
    pub(crate) fn refused_cancel(&mut self, client_id: i32, order_id: i32) -> Option<Event> {
        if self.config.lifecycle.refuse_cancels == 0 {
            return None;
        }
        let order = self.exchange.orders().iter().find(|o| {
            o.client_id == client_id && o.order_id == order_id && !o.status.is_terminal()
        })?;
        self.config.lifecycle.refuse_cancels -= 1;
        tracing::info!(client_id, order_id, "refusing a cancel with 161 (scenario)");
        Some(Event::Error {
            client_id,
            id: order_id,
            code: NOT_CANCELLABLE,
            message: format!("{NOT_CANCELLABLE_TEXT} {}", order.perm_id),
        })
    }

    /// Sends the commission report of execution `index` to its client: now,
    /// or after `commission_delay`, once or twice.
    pub(crate) fn send_commission(&mut self, index: usize) {
        let Some(x) = self.exchange.execution(index) else {
            return;
        };
        let (frame, client) = (wire::commission(x), x.client_id);
        let options = self.config.lifecycle.clone();
        let copies = if options.duplicate_commissions { 2 } else { 1 };
        if options.commission_delay.is_zero() {
            for _ in 0..copies {
                self.send_client(client, frame.clone());
            }
            return;
        }
        let senders: Vec<_> = self
            .conns
            .values()
            .filter(|c| c.client_id == client)
            .map(|c| c.tx.clone())
            .collect();
        tokio::spawn(async move {
            tokio::time::sleep(options.commission_delay).await;
            for tx in senders {
                for _ in 0..copies {
                    let _ = tx.try_send(Out::Frame(frame.clone()));
                }
            }
        });
    }

    /// Corrects execution `index` to `shares` at `price`: a new execution
    /// with the next exec id (`.02` for `.01`) replaces it, and is sent with
    /// its commission report. Returns the new exec id.
    pub fn correct_execution(
        &mut self,
        index: usize,
        shares: Decimal,
        price: Decimal,
    ) -> Option<String> {
        let events = self
            .exchange
            .correct(index, shares, price, &mut self.account)?;
        let id = match events.first() {
            Some(Event::Fill(i)) => self.exchange.execution(*i).map(|e| e.exec_id.clone()),
            _ => None,
        };
        self.dispatch(events);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn off_tick_prices_are_refused_not_rounded() {
        assert_eq!(
            conforming_price(Some(117.28), dec!(0.01)),
            Ok(Some(dec!(117.28)))
        );
        assert_eq!(
            conforming_price(Some(100.05), dec!(0.05)),
            Ok(Some(dec!(100.05)))
        );
        assert_eq!(
            conforming_price(Some(100.03), dec!(0.05)),
            Err((110, PRICE_OFF_TICK_TEXT.to_string()))
        );
        assert_eq!(
            conforming_price(Some(100.004), dec!(0.01)),
            Err((110, PRICE_OFF_TICK_TEXT.to_string()))
        );
        assert_eq!(conforming_price(Some(f64::MAX), dec!(0.01)), Ok(None));
        assert_eq!(conforming_price(None, dec!(0.01)), Ok(None));
    }

    #[test]
    fn scenario_keys_set_the_options() {
        let text = "[lifecycle]\nrefuse_cancels = 2\ncommission_delay_ms = 300\nduplicate_commissions = true\n";
        let scenario = crate::Scenario::parse(text, std::path::Path::new(".")).unwrap();
        let mut config = crate::SimConfig::default();
        scenario.apply_to(&mut config).unwrap();
        assert_eq!(
            config.lifecycle,
            LifecycleOptions {
                refuse_cancels: 2,
                commission_delay: Duration::from_millis(300),
                duplicate_commissions: true,
            }
        );
        let bad = crate::Scenario::parse("[lifecycle]\nrefuse = 1\n", std::path::Path::new("."));
        assert!(matches!(bad, Err(crate::SimError::Scenario(m)) if m.contains("refuse")));
    }

    #[test]
    fn corrections_count_up_the_last_part() {
        assert_eq!(
            correction_id("0000e0d5.00000001.01.01"),
            "0000e0d5.00000001.01.02"
        );
        assert_eq!(
            correction_id("0000e0d5.00000001.01.02"),
            "0000e0d5.00000001.01.03"
        );
    }
}
