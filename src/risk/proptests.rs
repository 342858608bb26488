//! Property tests of the gate's invariants over random sequences of marks,
//! intents (approved ones are filled at once), day changes, REDUCING and
//! operator resets:
//! - no approved entry takes |position + working + order| × price beyond
//!   `max_position_size_pct` × net liquidation;
//! - approved exits and flattens never increase or flip a position;
//! - while HALTED nothing is approved by `check`, and in REDUCING no entry;
//! - a daily-loss halt is only ever cleared by a new New York day or an
//!   operator reset, never by prices recovering; and a loss at or beyond the
//!   limit always leaves the gate HALTED.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::domain::portfolio::Portfolio;
use crate::domain::types::{
    Fill, Instrument, IntentPurpose, OrderIntent, OrderKind, Side, StrategyId, Symbol, TradingState,
};
use crate::risk::state::trading_day;
use crate::risk::{AccountView, Decision, OpenOrderBook, RiskGate, RiskLimits, RiskView};

#[derive(Debug, Clone)]
enum Op {
    /// Move the price of a symbol by `bp` basis points.
    Mark {
        which: usize,
        bp: i64,
    },
    /// An intent; `offset_bp` places a limit price around the last price.
    Intent {
        which: usize,
        buy: bool,
        qty: u32,
        limit: bool,
        offset_bp: i64,
        exit: bool,
    },
    /// A flatten of the whole position.
    Flatten {
        which: usize,
    },
    /// Let time pass.
    Advance {
        minutes: i64,
    },
    SetReducing,
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..2, -900i64..900).prop_map(|(which, bp)| Op::Mark { which, bp }),
        6 => (0usize..2, any::<bool>(), 1u32..120, any::<bool>(), -700i64..700, any::<bool>())
            .prop_map(|(which, buy, qty, limit, offset_bp, exit)| Op::Intent { which, buy, qty, limit, offset_bp, exit }),
        1 => (0usize..2).prop_map(|which| Op::Flatten { which }),
        1 => (1i64..900).prop_map(|minutes| Op::Advance { minutes }),
        1 => Just(Op::SetReducing),
        1 => Just(Op::Reset),
    ]
}

/// A static book of working orders (none of them ever fills).
struct Book {
    working: [[Decimal; 2]; 2],
    open: usize,
}

impl OpenOrderBook for Book {
    fn working_quantity(&self, symbol: Symbol, side: Side) -> Decimal {
        let which = usize::from(symbol.as_str() == "BBB");
        self.working[which][usize::from(side == Side::Sell)]
    }
    fn open_order_count(&self) -> usize {
        self.open
    }
}

struct World {
    gate: RiskGate,
    portfolio: Portfolio,
    symbols: [Symbol; 2],
    cents: [i64; 2],
    book: Book,
    now: DateTime<Utc>,
    start_equity: Decimal,
    start_pnl: Decimal,
    day: NaiveDate,
    /// New York day on which the gate last became HALTED by a daily loss.
    halted_on: Option<NaiveDate>,
}

const EQUITY: Decimal = dec!(100000);

impl World {
    fn new(working: [[u32; 2]; 2], open: usize) -> Self {
        let symbols = [Symbol::new("AAA").unwrap(), Symbol::new("BBB").unwrap()];
        let instruments = symbols.map(|symbol| Instrument {
            symbol,
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        });
        let mut portfolio = Portfolio::with_symbols(&symbols);
        for s in symbols {
            portfolio.mark(s, dec!(100));
        }
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap();
        Self {
            gate: RiskGate::new(&RiskLimits::default(), &instruments, &symbols),
            portfolio,
            symbols,
            cents: [10_000; 2],
            book: Book {
                working: working.map(|w| w.map(Decimal::from)),
                open,
            },
            now,
            start_equity: EQUITY,
            start_pnl: Decimal::ZERO,
            day: trading_day(now),
            halted_on: None,
        }
    }

    fn account(&self) -> AccountView {
        AccountView {
            net_liquidation: self.start_equity + self.portfolio.net_pnl() - self.start_pnl,
            start_of_day_equity: self.start_equity,
            start_of_day_pnl: self.start_pnl,
        }
    }

    fn daily_loss_breached(&self) -> bool {
        let loss = self.start_pnl - self.portfolio.net_pnl();
        loss >= dec!(0.02) * self.start_equity
    }

    fn mark_update(&mut self) {
        let view = RiskView {
            portfolio: &self.portfolio,
            account: self.account(),
            orders: &self.book,
            data_age: None,
        };
        let _ = self.gate.on_mark_update(&view, self.now);
    }

    fn fill(&mut self, which: usize, side: Side, quantity: Decimal, price: Decimal) {
        self.portfolio
            .apply_fill(&Fill {
                symbol: self.symbols[which],
                side,
                quantity,
                price,
                commission: Decimal::ONE,
                time: self.now,
            })
            .unwrap();
    }
}

fn run(ops: Vec<Op>, working: [[u32; 2]; 2], open: usize) -> Result<(), TestCaseError> {
    let mut w = World::new(working, open);
    for op in ops {
        let before = w.gate.state();
        let day_before = w.day;
        let mut reset = false;
        match op.clone() {
            Op::Mark { which, bp } => {
                let c = w.cents[which];
                w.cents[which] = (c + c * bp / 10_000).max(100);
                w.portfolio
                    .mark(w.symbols[which], Decimal::new(w.cents[which], 2));
                w.mark_update();
            }
            Op::Advance { minutes } => {
                w.now += Duration::minutes(minutes);
                let today = trading_day(w.now);
                if today != w.day {
                    // What the engine does at the start of a day: new baselines.
                    w.day = today;
                    w.start_equity = w.account().net_liquidation;
                    w.start_pnl = w.portfolio.net_pnl();
                }
                w.mark_update();
            }
            Op::SetReducing => {
                let _ = w.gate.set_reducing(w.now);
            }
            Op::Reset => {
                let _ = w.gate.operator_reset();
                reset = true;
            }
            Op::Flatten { which } => {
                let position = w.portfolio.quantity(w.symbols[which]);
                let side = if position > Decimal::ZERO {
                    Side::Sell
                } else {
                    Side::Buy
                };
                let intent = OrderIntent {
                    strategy: StrategyId(0),
                    symbol: w.symbols[which],
                    side,
                    quantity: position.abs().max(Decimal::ONE),
                    kind: OrderKind::Market,
                    purpose: IntentPurpose::Exit,
                };
                let view = RiskView {
                    portfolio: &w.portfolio,
                    account: w.account(),
                    orders: &w.book,
                    data_age: None,
                };
                if let Decision::Approved(a) = w.gate.check_flatten(&intent, &view, w.now) {
                    let q = a.intent().quantity;
                    let working = w.book.working_quantity(w.symbols[which], side);
                    prop_assert!(working + q <= position.abs(), "flatten beyond the position");
                    let price = Decimal::new(w.cents[which], 2);
                    w.fill(which, side, q, price);
                    let after = w.portfolio.quantity(w.symbols[which]);
                    prop_assert!(after.abs() < position.abs());
                    prop_assert!(
                        after.is_zero() || after.is_sign_positive() == position.is_sign_positive()
                    );
                    w.mark_update();
                }
            }
            Op::Intent {
                which,
                buy,
                qty,
                limit,
                offset_bp,
                exit,
            } => {
                let held = w.portfolio.quantity(w.symbols[which]);
                // Most exits go the reducing way; the rest test the refusals.
                let side = if exit && qty % 4 != 0 && !held.is_zero() {
                    if held > Decimal::ZERO {
                        Side::Sell
                    } else {
                        Side::Buy
                    }
                } else if buy {
                    Side::Buy
                } else {
                    Side::Sell
                };
                let buy = side == Side::Buy;
                let last = Decimal::new(w.cents[which], 2);
                let kind = if limit {
                    let c = w.cents[which];
                    OrderKind::Limit {
                        limit: Decimal::new((c + c * offset_bp / 10_000).max(1), 2),
                    }
                } else {
                    OrderKind::Market
                };
                let intent = OrderIntent {
                    strategy: StrategyId(1),
                    symbol: w.symbols[which],
                    side,
                    quantity: Decimal::from(qty),
                    kind,
                    purpose: if exit {
                        IntentPurpose::Exit
                    } else {
                        IntentPurpose::Entry
                    },
                };
                let account = w.account();
                let position = w.portfolio.quantity(w.symbols[which]);
                let working = w.book.working_quantity(w.symbols[which], side);
                let decision = {
                    let view = RiskView {
                        portfolio: &w.portfolio,
                        account,
                        orders: &w.book,
                        data_age: None,
                    };
                    w.gate.check(&intent, &view, w.now)
                };
                let state = w.gate.state();
                if let Decision::Approved(a) = decision {
                    prop_assert_ne!(state, TradingState::Halted, "approved while HALTED");
                    let price = kind.reference_price().unwrap_or(last);
                    let q = Decimal::from(qty);
                    let signed = side.sign() * q;
                    if exit {
                        prop_assert!(working + q <= position.abs(), "exit beyond the position");
                        prop_assert!(
                            !position.is_zero()
                                && position.is_sign_positive() != (signed > Decimal::ZERO)
                        );
                        prop_assert!(a.bracket().is_none());
                    } else {
                        prop_assert_eq!(
                            state,
                            TradingState::Active,
                            "entry approved while not ACTIVE"
                        );
                        let limit = dec!(0.15) * account.net_liquidation;
                        let worst = (position + side.sign() * (working + q)).abs();
                        prop_assert!(worst * price <= limit, "{} × {} > {}", worst, price, limit);
                        prop_assert!(worst * last <= limit, "{} × {} > {}", worst, last, limit);
                        let b = a.bracket().expect("entries carry a bracket");
                        let (below, above) = if buy {
                            (b.stop_loss, b.take_profit)
                        } else {
                            (b.take_profit, b.stop_loss)
                        };
                        prop_assert!(Decimal::ZERO < below && below < price && price < above);
                        prop_assert!((b.stop_loss * dec!(100)).fract().is_zero());
                        prop_assert!((b.take_profit * dec!(100)).fract().is_zero());
                    }
                    w.fill(which, side, q, price);
                    w.mark_update();
                }
            }
        }
        // A loss at or beyond the limit always leaves the gate HALTED (after a
        // mark update; a reset alone waits for the next check or mark).
        if !reset && w.daily_loss_breached() && !matches!(op, Op::SetReducing) {
            prop_assert_eq!(
                w.gate.state(),
                TradingState::Halted,
                "loss beyond the limit but not halted"
            );
        }
        let after = w.gate.state();
        let day_changed = matches!(op, Op::Advance { .. }) && w.day != day_before;
        if after == TradingState::Halted && (before != TradingState::Halted || day_changed) {
            // Newly halted, or halted again right after a day change.
            w.halted_on = Some(trading_day(w.now));
        }
        if before == TradingState::Halted && after != TradingState::Halted {
            let new_day = w.halted_on.is_some_and(|d| trading_day(w.now) > d);
            prop_assert!(
                reset || new_day,
                "HALTED cleared without a reset or a new day"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn gate_invariants_hold_over_random_sequences(
        ops in prop::collection::vec(op(), 1..80),
        working in prop::array::uniform2(prop::array::uniform2(prop_oneof![3 => Just(0u32), 1 => 1u32..40])),
        open in 0usize..30,
    ) {
        run(ops, working, open)?;
    }

    /// After a breach, no sequence of price recoveries on the same day clears
    /// the halt or lets an entry through.
    #[test]
    fn daily_loss_halt_survives_any_recovery_the_same_day(
        recoveries in prop::collection::vec((0usize..2, 0i64..3000), 1..30),
        minutes in prop::collection::vec(0i64..30, 1..30),
    ) {
        let mut w = World::new([[0; 2]; 2], 0);
        w.fill(0, Side::Buy, dec!(140), dec!(100));
        w.cents[0] = 8_500; // 140 × (85 − 100) = −2 100, plus 1 commission: beyond 2 000
        w.portfolio.mark(w.symbols[0], dec!(85));
        w.mark_update();
        prop_assert_eq!(w.gate.state(), TradingState::Halted);
        for ((which, bp), m) in recoveries.into_iter().zip(minutes.into_iter().cycle()) {
            w.now += Duration::minutes(m);
            if trading_day(w.now) != w.day {
                break;
            }
            let c = w.cents[which];
            w.cents[which] = c + c * bp / 10_000;
            w.portfolio.mark(w.symbols[which], Decimal::new(w.cents[which], 2));
            w.mark_update();
            let intent = OrderIntent {
                strategy: StrategyId(0),
                symbol: w.symbols[1],
                side: Side::Buy,
                quantity: Decimal::ONE,
                kind: OrderKind::Market,
                purpose: IntentPurpose::Entry,
            };
            let view = RiskView { portfolio: &w.portfolio, account: w.account(), orders: &w.book, data_age: None };
            prop_assert!(!w.gate.check(&intent, &view, w.now).is_approved());
            prop_assert_eq!(w.gate.state(), TradingState::Halted);
        }
    }
}
