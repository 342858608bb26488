//! Simulated prices: seeded random walks, scripted jumps and CSV replay.
//!
//! Owns each symbol's quote (bid/ask/last and sizes, all `Decimal`), the
//! 5-second real-time bar being built, and the deterministic RNG. Given the
//! same seed and the same sequence of calls it produces the same prices.
//! Knows nothing about sockets or orders.

mod histogram;
mod history;
mod replay;
mod ticks;

pub use histogram::{histogram_days, price_levels, TICKS_PER_LEVEL};
pub use history::{
    generate_history, parse_bar_size, parse_duration, start_limit, trading_session, BarSpec,
    HistBar,
};
pub use replay::{load_replay_csv, ReplayBar};
pub use ticks::{select_ticks, trades_from_bars, HistTick, MAX_TICKS};

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;

use crate::config::SymbolSpec;

/// Top of book and last trade of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Best bid.
    pub bid: Decimal,
    /// Best ask.
    pub ask: Decimal,
    /// Last trade price.
    pub last: Decimal,
    /// Bid size (shares).
    pub bid_size: Decimal,
    /// Ask size (shares).
    pub ask_size: Decimal,
    /// Last trade size (shares).
    pub last_size: Decimal,
    /// Cumulative volume today.
    pub volume: Decimal,
}

/// A finished 5-second bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtBar {
    /// Bar start, unix seconds (multiple of 5).
    pub time: i64,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Volume.
    pub volume: Decimal,
    /// Number of trades.
    pub count: i32,
}

#[derive(Debug, Clone)]
struct SymbolState {
    spec: SymbolSpec,
    quote: Quote,
    bar: RtBar,
    pending: VecDeque<(Decimal, Decimal)>,
}

/// All symbols' prices plus the seeded RNG.
#[derive(Debug, Clone)]
pub struct Market {
    symbols: Vec<SymbolState>,
    rng: ChaCha8Rng,
    seed: u64,
}

/// Rounds `price` to a multiple of `tick` (never below one tick).
pub fn round_to_tick(price: Decimal, tick: Decimal) -> Decimal {
    if tick <= Decimal::ZERO {
        return price;
    }
    ((price / tick).round() * tick).max(tick).normalize()
}

impl Market {
    /// A market with every symbol at its start price; bars open at `now_secs`.
    pub fn new(specs: &[SymbolSpec], seed: u64, now_secs: i64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let symbols = specs
            .iter()
            .map(|spec| {
                let size = Decimal::from(rng.gen_range(1..=10) * 100);
                let half = spec.tick_size * Decimal::from(spec.half_spread_ticks);
                let last = round_to_tick(spec.start_price, spec.tick_size);
                let quote = Quote {
                    bid: last - half,
                    ask: last + half,
                    last,
                    bid_size: size,
                    ask_size: size,
                    last_size: Decimal::from(100),
                    volume: Decimal::ZERO,
                };
                SymbolState {
                    spec: spec.clone(),
                    quote,
                    bar: empty_bar(now_secs, last),
                    pending: VecDeque::new(),
                }
            })
            .collect();
        Self { symbols, rng, seed }
    }

    /// The seed the market was built with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Index of `symbol` (case-insensitive).
    pub fn index(&self, symbol: &str) -> Option<usize> {
        self.symbols
            .iter()
            .position(|s| s.spec.symbol.eq_ignore_ascii_case(symbol))
    }

    /// Index of the symbol with IB contract id `con_id`.
    pub fn index_by_con_id(&self, con_id: i32) -> Option<usize> {
        self.symbols.iter().position(|s| s.spec.con_id == con_id)
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// True when the universe is empty.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The symbol's spec.
    pub fn spec(&self, idx: usize) -> Option<&SymbolSpec> {
        self.symbols.get(idx).map(|s| &s.spec)
    }

    /// The symbol's current quote.
    pub fn quote(&self, idx: usize) -> Option<Quote> {
        self.symbols.get(idx).map(|s| s.quote)
    }

    /// Last price by ticker.
    pub fn last_price(&self, symbol: &str) -> Option<Decimal> {
        self.index(symbol)
            .and_then(|i| self.quote(i))
            .map(|q| q.last)
    }

    /// Queues replay bars for a symbol: each bar becomes ticks O, H/L, L/H, C.
    pub fn queue_replay(&mut self, idx: usize, bars: &[ReplayBar]) {
        let Some(s) = self.symbols.get_mut(idx) else {
            return;
        };
        for b in bars {
            let quarter = (b.volume / Decimal::from(4)).round();
            let (first, second) = if b.close >= b.open {
                (b.low, b.high)
            } else {
                (b.high, b.low)
            };
            for p in [b.open, first, second, b.close] {
                s.pending.push_back((p, quarter.max(Decimal::ONE)));
            }
        }
    }

    /// Sets the last price of `idx` now (rounded to tick); bid/ask follow.
    pub fn set_last(&mut self, idx: usize, price: Decimal, size: Decimal) {
        let Some(s) = self.symbols.get_mut(idx) else {
            return;
        };
        let tick = s.spec.tick_size;
        let last = round_to_tick(price, tick);
        let half = tick * Decimal::from(s.spec.half_spread_ticks);
        s.quote.last = last;
        s.quote.bid = (last - half).max(tick);
        s.quote.ask = last + half;
        s.quote.last_size = size;
        s.quote.volume += size;
        let bar = &mut s.bar;
        if bar.count == 0 {
            bar.open = last;
            bar.high = last;
            bar.low = last;
        }
        bar.high = bar.high.max(last);
        bar.low = bar.low.min(last);
        bar.close = last;
        bar.volume += size;
        bar.count += 1;
    }

    /// Advances every symbol one tick covering `dt_secs` simulated seconds:
    /// the next replay price if one is queued, else a random-walk step when
    /// `random_walk`. Returns the indices that moved.
    pub fn step(&mut self, random_walk: bool, dt_secs: f64) -> Vec<usize> {
        let scale = dt_secs.max(0.0).sqrt();
        let mut moved = Vec::new();
        for idx in 0..self.symbols.len() {
            let size = Decimal::from(self.rng.gen_range(1..=5) * 100);
            let book = Decimal::from(self.rng.gen_range(1..=10) * 100);
            let z: f64 = (0..12).map(|_| self.rng.gen::<f64>()).sum::<f64>() - 6.0;
            let s = &self.symbols[idx];
            let next = if let Some((p, _)) = s.pending.front().copied() {
                Some(p)
            } else if random_walk {
                let tick = s.spec.tick_size;
                let last_f = s.quote.last.to_f64().unwrap_or(0.0);
                let tick_f = tick.to_f64().unwrap_or(0.01).max(1e-9);
                let ticks = (last_f * s.spec.step_volatility * scale * z / tick_f).round();
                Decimal::from_f64(ticks).map(|t| s.quote.last + t * tick)
            } else {
                None
            };
            if let Some(p) = next {
                let replay_size = self.symbols[idx].pending.pop_front().map(|(_, v)| v);
                self.symbols[idx].quote.bid_size = book;
                self.symbols[idx].quote.ask_size = book;
                self.set_last(idx, p, replay_size.unwrap_or(size));
                moved.push(idx);
            }
        }
        moved
    }

    /// Closes every 5-second bar that ended at or before `now_secs` and returns
    /// `(symbol index, bar)` pairs, at most `max` bars per symbol.
    pub fn roll_bars(&mut self, now_secs: i64, max: usize) -> Vec<(usize, RtBar)> {
        let mut out = Vec::new();
        for (idx, s) in self.symbols.iter_mut().enumerate() {
            let mut n = 0;
            while s.bar.time + 5 <= now_secs && n < max {
                let mut done = s.bar;
                if done.count == 0 {
                    let last = s.quote.last;
                    done = RtBar {
                        open: last,
                        high: last,
                        low: last,
                        close: last,
                        ..done
                    };
                }
                out.push((idx, done));
                s.bar = empty_bar(done.time + 5, s.quote.last);
                n += 1;
            }
            if s.bar.time + 5 <= now_secs {
                // Far behind (huge speed): skip ahead rather than flood.
                s.bar = empty_bar(now_secs - now_secs.rem_euclid(5), s.quote.last);
            }
        }
        out
    }
}

fn empty_bar(now_secs: i64, last: Decimal) -> RtBar {
    RtBar {
        time: now_secs - now_secs.rem_euclid(5),
        open: last,
        high: last,
        low: last,
        close: last,
        volume: Decimal::ZERO,
        count: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn market(seed: u64) -> Market {
        Market::new(&crate::config::SymbolSpec::default_universe(), seed, 1_000)
    }

    #[test]
    fn starts_at_spec_prices_with_one_tick_half_spread() {
        let m = market(1);
        let q = m.quote(m.index("SPY").unwrap()).unwrap();
        assert_eq!(
            (q.bid, q.last, q.ask),
            (dec!(589.99), dec!(590.00), dec!(590.01))
        );
    }

    #[test]
    fn same_seed_same_path_different_seed_different_path() {
        let (mut a, mut b, mut c) = (market(9), market(9), market(10));
        let path = |m: &mut Market| {
            (0..50)
                .map(|_| {
                    m.step(true, 60.0);
                    m.last_price("NVDA").unwrap()
                })
                .collect::<Vec<_>>()
        };
        let pa = path(&mut a);
        assert_eq!(pa, path(&mut b));
        assert_ne!(pa, path(&mut c));
        assert!(
            pa.iter().all(|p| (*p / dec!(0.01)).fract().is_zero()),
            "prices stay on the tick grid"
        );
    }

    #[test]
    fn set_last_rounds_to_tick_and_builds_bar() {
        let mut m = market(1);
        let i = m.index("AAPL").unwrap();
        m.set_last(i, dec!(231.234), dec!(100));
        m.set_last(i, dec!(229.50), dec!(200));
        let q = m.quote(i).unwrap();
        assert_eq!(
            (q.bid, q.last, q.ask),
            (dec!(229.49), dec!(229.50), dec!(229.51))
        );
        let bars = m.roll_bars(1_005, 10);
        let (_, bar) = bars.into_iter().find(|(j, _)| *j == i).unwrap();
        assert_eq!(
            (bar.time, bar.open, bar.high, bar.low, bar.close),
            (
                1_000,
                dec!(231.23),
                dec!(231.23),
                dec!(229.50),
                dec!(229.50)
            )
        );
        assert_eq!((bar.volume, bar.count), (dec!(300), 2));
    }

    #[test]
    fn replay_emits_ohlc_ticks_in_order() {
        let mut m = market(1);
        let i = m.index("SPY").unwrap();
        m.queue_replay(
            i,
            &[ReplayBar {
                time: 0,
                open: dec!(10),
                high: dec!(12),
                low: dec!(9),
                close: dec!(11),
                volume: dec!(400),
            }],
        );
        let seen: Vec<_> = (0..5)
            .map(|_| {
                m.step(false, 1.0);
                m.last_price("SPY").unwrap()
            })
            .collect();
        assert_eq!(seen, vec![dec!(10), dec!(9), dec!(12), dec!(11), dec!(11)]);
    }
}
