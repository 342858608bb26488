//! The periodic market tick: scenario steps and faults, price moves, bars, PnL.

use std::time::Duration;

use rust_decimal::Decimal;

use crate::scenario::FaultKind;
use crate::state::SimState;

impl SimState {
    /// Jumps `symbol`'s last price to `price` now and runs everything a move
    /// triggers (ticks, stops, limits). Returns false for an unknown symbol.
    pub fn set_price(&mut self, symbol: &str, price: Decimal) -> bool {
        let Some(idx) = self.market.index(symbol) else {
            return false;
        };
        self.market.set_last(idx, price, Decimal::from(100));
        self.price_changed(idx);
        true
    }

    /// Runs one market tick.
    pub fn tick(&mut self) {
        self.ticks += 1;
        self.apply_scenario();
        let dt = self.config.tick_interval.as_secs_f64() * self.clock.speed();
        let moved = self.market.step(self.config.random_walk, dt);
        for idx in moved {
            self.price_changed(idx);
        }
        let now = self.clock.now_utc().timestamp();
        let bars = self.market.roll_bars(now, 100);
        if !bars.is_empty() {
            self.send_rt_bars(&bars);
        }
        let per_second = (1000 / self.config.tick_interval.as_millis().max(1)).max(1) as u64;
        if self.ticks.is_multiple_of(per_second) {
            self.push_pnl();
        }
    }

    fn apply_scenario(&mut self) {
        let Some(scenario) = self.config.scenario.clone() else {
            return;
        };
        let now = self.clock.now();
        let today = now.date_naive();
        let start_date = self.config.start_date;
        let due = move |t: chrono::NaiveTime| today > start_date || now.time() >= t;
        while let Some(step) = scenario.steps.get(self.step_cursor) {
            if !due(step.at) {
                break;
            }
            self.step_cursor += 1;
            let current = self.market.last_price(&step.symbol).unwrap_or_default();
            let target = match (step.price, step.change_pct) {
                (Some(p), _) => p,
                (None, Some(pct)) => current * (Decimal::ONE + pct / Decimal::from(100)),
                (None, None) => continue,
            };
            tracing::info!(symbol = %step.symbol, %target, "scenario price step");
            self.set_price(&step.symbol, target);
        }
        while let Some(fault) = scenario.faults.get(self.fault_cursor) {
            if !due(fault.at) {
                break;
            }
            self.fault_cursor += 1;
            tracing::info!(?fault.kind, "scenario fault");
            match &fault.kind {
                FaultKind::DropConnections => self.drop_connections(),
                FaultKind::ConnectivityLost { data_kept } => {
                    self.connectivity_lost_then_restored(*data_kept)
                }
                FaultKind::RejectOrder { n, code, message } => {
                    self.faults.reject_nth_order(*n, *code, message)
                }
                FaultKind::Delay { millis } => {
                    self.faults.set_delay(Duration::from_millis(*millis))
                }
            }
        }
    }
}
