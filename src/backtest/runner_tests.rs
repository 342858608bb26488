//! The runner's order semantics and time convention, on hand-built daily bars
//! and a strategy that follows a fixed plan.

use chrono::{Duration, TimeZone};
use rust_decimal_macros::dec;

use super::*;
use crate::domain::types::{IntentPurpose, OrderKind, Side, Symbol};
use crate::strategy::{Intents, OrderOutcome, StrategyContext};

/// On its `n`-th bar (1-based), pushes the market orders planned for `n`.
struct Plan {
    symbols: [Symbol; 1],
    bars: usize,
    steps: Vec<(usize, Side, Decimal, IntentPurpose)>,
    /// Pricing of every planned order.
    kind: OrderKind,
}

impl Plan {
    fn boxed(steps: &[(usize, Side, Decimal, IntentPurpose)]) -> Vec<Box<dyn Strategy>> {
        Self::priced(steps, OrderKind::Market)
    }

    fn priced(
        steps: &[(usize, Side, Decimal, IntentPurpose)],
        kind: OrderKind,
    ) -> Vec<Box<dyn Strategy>> {
        vec![Box::new(Self {
            symbols: [spy()],
            bars: 0,
            steps: steps.to_vec(),
            kind,
        })]
    }
}

impl Strategy for Plan {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        86_400
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        self.bars += 1;
        for &(n, side, quantity, purpose) in &self.steps {
            if n == self.bars {
                let _ = out.push(ctx.intent(event.symbol(), side, quantity, self.kind, purpose));
            }
        }
    }

    fn on_order_outcome(&mut self, _: &OrderOutcome<'_>, _: &StrategyContext<'_>, _: &mut Intents) {
    }
}

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

/// The daily bar of 2021-01-(3 + n), starting at midnight New York (EST).
fn day_bar(n: u32, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Bar {
    Bar {
        symbol: spy(),
        start: Utc.with_ymd_and_hms(2021, 1, 3 + n, 5, 0, 0).unwrap(),
        seconds: 86_400,
        open: o,
        high: h,
        low: l,
        close: c,
        volume: dec!(1000),
    }
}

fn run(bars: &[Bar], limits: &RiskLimits, strategies: Vec<Box<dyn Strategy>>) -> RunResult {
    let mut symbols: Vec<Symbol> = bars.iter().map(|b| b.symbol).collect();
    symbols.sort();
    symbols.dedup();
    let instruments: Vec<Instrument> = symbols.into_iter().map(Instrument::us_stock).collect();
    let spec = RunSpec {
        limits,
        instruments: &instruments,
        initial_equity: dec!(100000),
        fill: FillConfig::default(),
        progress: false,
        expected_bars: None,
    };
    simulate(&spec, bars.iter().copied(), strategies)
}

const BUY: Side = Side::Buy;
const SELL: Side = Side::Sell;
const ENTRY: IntentPurpose = IntentPurpose::Entry;
const EXIT: IntentPurpose = IntentPurpose::Exit;

#[test]
fn a_stop_and_an_exit_at_the_same_gapped_open_fill_once_and_the_next_entry_passes() {
    // Bar 1 closes 100: buy 10 (bracket from the close: stop 95, target 110).
    // Bar 2 opens 100: the entry fills; on its close the strategy exits the
    // 10, which joins the bracket's OCA group. Bar 3 opens 90, through the
    // stop: the stop fills at 90 and cancels the exit — flat, not short 10.
    // Bar 3's close buys again: an entry while flat passes the gate; bar 4's
    // open fills it.
    let bars = [
        day_bar(1, dec!(100), dec!(101), dec!(99), dec!(100)),
        day_bar(2, dec!(100), dec!(101), dec!(99), dec!(100)),
        day_bar(3, dec!(90), dec!(91), dec!(89), dec!(90)),
        day_bar(4, dec!(91), dec!(92), dec!(90), dec!(91)),
    ];
    let plan = Plan::boxed(&[
        (1, BUY, dec!(10), ENTRY),
        (2, SELL, dec!(10), EXIT),
        (3, BUY, dec!(10), ENTRY),
    ]);
    let result = run(&bars, &RiskLimits::default(), plan);
    assert!(result.rejections.is_empty(), "{:?}", result.rejections);
    let d = result.diagnostics;
    assert_eq!((d.fills, d.orders_approved), (3, 3));
    assert_eq!((d.open_trades_at_end, d.unknown_orders), (1, 0));
    assert_eq!(result.trades.len(), 1);
    let trade = &result.trades[0];
    assert_eq!(
        (trade.side, trade.entry_price, trade.exit_price),
        (BUY, dec!(100), dec!(90))
    );
    // Flat after bar 3's open, long again from bar 4's.
    let exposed: Vec<bool> = result.curve.iter().map(|p| p.exposed).collect();
    assert_eq!(exposed, [false, true, false, true]);
}

#[test]
fn a_one_day_loss_over_the_limit_on_daily_bars_halts_that_days_decision_only() {
    // Wide stop and position limit so only the daily-loss limit acts.
    let limits = RiskLimits {
        max_position_size_pct: dec!(0.5),
        stop_loss_pct: dec!(0.5),
        ..RiskLimits::default()
    };
    // Long 400 at 100 from bar 2's open (commission 400 × 0.005 = $2).
    // Day 3 closes at 94: −6 × 400 = −2 400 against the day's start equity
    // 99 998 (day 2's close): 2.4 % > 2 % → HALTED for the decision on day 3's
    // close (its entry is refused). Day 4 is a new day: its entry passes.
    let bars = [
        day_bar(1, dec!(100), dec!(101), dec!(99), dec!(100)),
        day_bar(2, dec!(100), dec!(101), dec!(99), dec!(100)),
        day_bar(3, dec!(99), dec!(99), dec!(93), dec!(94)),
        day_bar(4, dec!(94), dec!(96), dec!(94), dec!(95)),
        day_bar(5, dec!(95), dec!(96), dec!(94), dec!(95)),
    ];
    let plan = Plan::boxed(&[
        (1, BUY, dec!(400), ENTRY),
        (3, BUY, dec!(10), ENTRY),
        (4, BUY, dec!(10), ENTRY),
    ]);
    let result = run(&bars, &limits, plan);
    assert_eq!(
        result.rejections,
        BTreeMap::from([("halted".to_string(), 1)])
    );
    let halted: Vec<NaiveDate> = result.halted_days.iter().copied().collect();
    assert_eq!(halted, [NaiveDate::from_ymd_opt(2021, 1, 6).unwrap()]);
    assert_eq!(result.diagnostics.orders_approved, 2);
    assert_eq!(result.diagnostics.fills, 2);
}

#[test]
fn decisions_belong_to_the_bars_trading_day() {
    // A daily bar from midnight: its end is the next day; the decision is
    // the last instant of its own day.
    let daily = day_bar(1, dec!(1), dec!(1), dec!(1), dec!(1));
    let last_instant =
        Utc.with_ymd_and_hms(2021, 1, 5, 5, 0, 0).unwrap() - Duration::nanoseconds(1);
    assert_eq!(decision_time(&daily), last_instant);
    assert_eq!(trading_day(decision_time(&daily)), trading_day(daily.start));
    // An hourly bar 15:00–16:00 New York decides at its end.
    let hourly = Bar {
        start: Utc.with_ymd_and_hms(2021, 1, 4, 20, 0, 0).unwrap(),
        seconds: 3600,
        ..daily
    };
    assert_eq!(decision_time(&hourly), hourly.end());
}

#[test]
fn a_bracket_is_priced_from_the_decision_close_and_a_gap_through_its_stop_closes_at_once() {
    // Bar 1 closes 100: buy 10; the gate prices the bracket from that close
    // (stop 95, target 110), as live from the last price, and nothing
    // re-prices it after the fill. Bar 2 opens 90: the entry fills at 90,
    // already below its stop — the stop is triggered on arrival and sells at
    // the same open (TWS and tws-sim execute such a stop at once). Re-priced
    // from the fill, the stop would sit at 85.50, below bar 2's low (89).
    let bars = [
        day_bar(1, dec!(100), dec!(101), dec!(99), dec!(100)),
        day_bar(2, dec!(90), dec!(91), dec!(89), dec!(90)),
        day_bar(3, dec!(90), dec!(91), dec!(89), dec!(90)),
    ];
    let result = run(
        &bars,
        &RiskLimits::default(),
        Plan::boxed(&[(1, BUY, dec!(10), ENTRY)]),
    );
    assert_eq!(result.trades.len(), 1);
    let trade = &result.trades[0];
    assert_eq!(
        (
            trade.entry_price,
            trade.exit_price,
            trade.entry_time,
            trade.exit_time
        ),
        (dec!(90), dec!(90), bars[1].start, bars[1].start)
    );
    // Two $1 minimum commissions, nothing else.
    assert_eq!(trade.net_pnl, dec!(-2));
    assert_eq!(result.diagnostics.open_orders_at_end, 0);
}

#[test]
fn the_collar_binds_the_strategys_prices_not_the_bracket_children() {
    // Collar 5 % of the last price (100). A buy limit at 94.99 is refused;
    // at 95 it passes, and its bracket — priced from the limit: stop 90.25,
    // target 104.50 — is placed although the stop is 9.75 % from the last
    // price: children are set by stop_loss_pct / take_profit_pct, never collared.
    let bars = [
        day_bar(1, dec!(100), dec!(101), dec!(99), dec!(100)),
        day_bar(2, dec!(96), dec!(97), dec!(94), dec!(95)),
        day_bar(3, dec!(95), dec!(105), dec!(95), dec!(104)),
    ];
    let refused = run(
        &bars,
        &RiskLimits::default(),
        Plan::priced(
            &[(1, BUY, dec!(10), ENTRY)],
            OrderKind::Limit { limit: dec!(94.99) },
        ),
    );
    assert_eq!(
        refused.rejections,
        BTreeMap::from([("price_collar".to_string(), 1)])
    );
    let placed = run(
        &bars,
        &RiskLimits::default(),
        Plan::priced(
            &[(1, BUY, dec!(10), ENTRY)],
            OrderKind::Limit { limit: dec!(95) },
        ),
    );
    assert!(placed.rejections.is_empty());
    // Bar 2 trades through 95 (low 94): the entry fills at 95; bar 3 reaches
    // 105 > 104.50: the target fills.
    let trade = &placed.trades[0];
    assert_eq!(
        (trade.entry_price, trade.exit_price),
        (dec!(95), dec!(104.50))
    );
}

/// Buys `quantity` of each of its symbols at market on that symbol's first bar.
struct BuyEachOnce {
    symbols: Vec<Symbol>,
    bought: Vec<bool>,
    quantity: Decimal,
}

impl Strategy for BuyEachOnce {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        86_400
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let Some(i) = self.symbols.iter().position(|&s| s == event.symbol()) else {
            return;
        };
        if !self.bought[i] {
            self.bought[i] = true;
            let _ = out.push(ctx.market_order(event.symbol(), BUY, self.quantity, ENTRY));
        }
    }

    fn on_order_outcome(&mut self, _: &OrderOutcome<'_>, _: &StrategyContext<'_>, _: &mut Intents) {
    }
}

#[test]
fn simultaneous_fills_reach_the_latch_together_whatever_the_symbols_are_called() {
    // Long 150 of a loser and 150 of a winner, both from 100 (brackets: stop
    // 95, target 110). Day 3 opens with the loser at 86 (stop fills there:
    // −14 × 150 = −2 100, over the 2 000 limit on its own) and the winner at
    // 112 (target fills there: +12 × 150 = +1 800): the day's result −300 −
    // 2 commissions is well within the limit. Applied one by one, the loser
    // first would latch HALTED — only when its name sorts first.
    let symbol = |name: &str| Symbol::new(name).unwrap();
    for (loser, winner) in [("AAA", "BBB"), ("BBB", "AAA")] {
        let bar = |name: &str, n: u32, o: Decimal, c: Decimal| Bar {
            symbol: symbol(name),
            ..day_bar(n, o, o.max(c), o.min(c), c)
        };
        let mut bars = vec![
            bar(loser, 1, dec!(100), dec!(100)),
            bar(winner, 1, dec!(100), dec!(100)),
            bar(loser, 2, dec!(100), dec!(100)),
            bar(winner, 2, dec!(100), dec!(100)),
            bar(loser, 3, dec!(86), dec!(86)),
            bar(winner, 3, dec!(112), dec!(112)),
        ];
        bars.sort_by_key(|b| (b.end(), b.symbol));
        let strategy = BuyEachOnce {
            symbols: vec![symbol("AAA"), symbol("BBB")],
            bought: vec![false, false],
            quantity: dec!(150),
        };
        let result = run(&bars, &RiskLimits::default(), vec![Box::new(strategy)]);
        assert!(
            result.halted_days.is_empty(),
            "{loser} loses: {:?}",
            result.halted_days
        );
        assert_eq!(result.trades.len(), 2, "{loser} loses");
        let net: Decimal = result.trades.iter().map(|t| t.net_pnl).sum();
        assert_eq!(net, dec!(-304), "{loser} loses");
    }
}
