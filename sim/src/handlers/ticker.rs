//! The periodic market tick: scenario steps and faults, price moves, bars, PnL.

use std::time::Duration;

use rust_decimal::Decimal;

use crate::scenario::FaultKind;
use crate::state::SimState;

/// Most walk steps one tick catches up on.
const MAX_CATCH_UP: u64 = 1_000;

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

    /// Simulated seconds one random-walk step covers.
    fn step_secs(&self) -> f64 {
        self.config.tick_interval.as_secs_f64() * self.clock.speed()
    }

    fn walk_once(&mut self, dt: f64) {
        let moved = self.market.step(self.config.random_walk, dt);
        for idx in moved {
            self.price_changed(idx);
        }
    }

    /// Runs one market tick: due scenario steps and faults, then every
    /// random-walk / replay step due by the simulated clock (one per
    /// `tick_interval × speed` simulated seconds, so the price path is a
    /// function of simulated time and seed), then bars and PnL.
    pub fn tick(&mut self) {
        self.ticks += 1;
        self.end_silence_if_due();
        self.apply_scenario();
        self.apply_market_access();
        let dt = self.step_secs();
        if dt > 0.0 {
            let elapsed =
                (self.clock.now_utc() - self.sim_origin).num_milliseconds() as f64 / 1000.0;
            let due = (elapsed / dt).floor().max(0.0) as u64;
            let mut n = 0;
            while self.steps_done < due && n < MAX_CATCH_UP {
                self.walk_once(dt);
                self.steps_done += 1;
                n += 1;
            }
            // Far behind (a big clock jump) the rest follows on later ticks,
            // so the path stays a function of the step count.
        }
        self.finish_tick();
    }

    /// Parked orders whose hours have begun start working; DAY orders
    /// expire at a session's close (see [`crate::trading_hours`]).
    fn market_hours(&mut self) {
        let now = self.clock.now();
        let events = self.exchange.on_clock(now, &self.market, &mut self.account);
        self.dispatch(events);
    }

    /// Runs `n` extra walk / replay steps now (on top of the clock-driven ones).
    pub fn force_steps(&mut self, n: usize) {
        let dt = match self.step_secs() {
            d if d > 0.0 => d,
            _ => self.config.tick_interval.as_secs_f64(),
        };
        for _ in 0..n {
            self.walk_once(dt);
        }
        self.finish_tick();
    }

    fn finish_tick(&mut self) {
        self.market_hours();
        let now = self.clock.now_utc().timestamp();
        let bars = self.market.roll_bars(now, 100);
        // A nightly reset's silence sends no bars (they are not held either).
        if !bars.is_empty() && !self.silent() {
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
                FaultKind::ServerLinkBroken => self.server_link_broken(),
                FaultKind::DataFarmsOk => self.data_farms_ok(),
                FaultKind::RejectOrder { n, code, message } => {
                    self.faults.reject_nth_order(*n, *code, message)
                }
                FaultKind::Delay { millis } => {
                    self.faults.set_delay(Duration::from_millis(*millis))
                }
                FaultKind::NightlyReset {
                    silence_minutes,
                    data_kept,
                } => self.nightly_reset(
                    Duration::from_secs(u64::from(*silence_minutes) * 60),
                    *data_kept,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use std::sync::Arc;

    fn state(seed: u64) -> SimState {
        let config = SimConfig {
            seed,
            tick_interval: Duration::from_secs(1),
            ..SimConfig::default()
        };
        SimState::new(config, Arc::default()).unwrap()
    }

    #[test]
    fn price_path_is_a_function_of_simulated_time_and_seed() {
        let (mut a, mut b, mut c, mut d) = (state(3), state(3), state(4), state(3));
        for s in [&mut a, &mut b, &mut c] {
            s.clock.advance(Duration::from_secs(100));
            s.tick();
        }
        assert_eq!(a.steps_done, 100);
        assert_eq!(a.market.last_price("SPY"), b.market.last_price("SPY"));
        assert_ne!(a.market.last_price("SPY"), c.market.last_price("SPY"));
        // the same 100 steps forced by hand land on the same price
        d.force_steps(100);
        assert_eq!(a.market.last_price("SPY"), d.market.last_price("SPY"));
    }

    #[test]
    fn scenario_steps_fire_at_their_time() {
        let scenario = crate::scenario::Scenario::parse(
            "random_walk = false\n[[steps]]\nat = \"09:31:00\"\nsymbol = \"QQQ\"\nprice = \"500.00\"\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let mut config = SimConfig {
            speed: 0.0,
            ..SimConfig::default()
        };
        scenario.apply_to(&mut config).unwrap();
        let mut s = SimState::new(config, Arc::default()).unwrap();
        s.clock.advance(Duration::from_secs(59));
        s.tick();
        assert_eq!(s.market.last_price("QQQ"), Some(Decimal::from(515)));
        s.clock.advance(Duration::from_secs(1));
        s.tick();
        assert_eq!(s.market.last_price("QQQ"), Some(Decimal::from(500)));
    }
}
