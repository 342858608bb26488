//! The risk-gate fixture of benches/gate_latency.rs and benches/risk_gate.rs:
//! five symbols, a 20-share AAPL position, six working orders, an entry the
//! gate approves and an order it refuses on the position limit. Included with
//! `#[path]`.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use first_trading_app::domain::portfolio::Portfolio;
use first_trading_app::domain::types::{
    Fill, Instrument, IntentPurpose, OrderIntent, OrderKind, Side, StrategyId, Symbol,
};
use first_trading_app::risk::{AccountView, OpenOrderBook, RiskGate, RiskLimits};

/// A few working orders, as the order manager would report them.
pub struct Book;

impl OpenOrderBook for Book {
    fn working_quantity(&self, _symbol: Symbol, side: Side) -> Decimal {
        match side {
            Side::Buy => dec!(5),
            Side::Sell => Decimal::ZERO,
        }
    }
    fn open_order_count(&self) -> usize {
        6
    }
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).expect("valid symbol")
}

pub struct Setup {
    pub gate: RiskGate,
    pub portfolio: Portfolio,
    pub entry: OrderIntent,
    pub too_big: OrderIntent,
    pub start: DateTime<Utc>,
}

pub fn setup() -> Setup {
    let symbols = [
        sym("AAPL"),
        sym("MSFT"),
        sym("NVDA"),
        sym("QQQ"),
        sym("SPY"),
    ];
    let instruments = symbols.map(|symbol| Instrument {
        symbol,
        ticks: first_trading_app::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
    });
    let gate = RiskGate::new(&RiskLimits::default(), &instruments, &symbols);
    let mut portfolio = Portfolio::with_symbols(&symbols);
    for (i, s) in symbols.iter().enumerate() {
        portfolio.mark(*s, Decimal::from(100 + 50 * i as i64));
    }
    portfolio
        .apply_fill(&Fill {
            symbol: sym("AAPL"),
            side: Side::Buy,
            quantity: dec!(20),
            price: dec!(99.5),
            commission: dec!(1),
            time: Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap(),
        })
        .expect("valid fill");
    let entry = OrderIntent {
        strategy: StrategyId(0),
        symbol: sym("AAPL"),
        side: Side::Buy,
        quantity: dec!(10),
        kind: OrderKind::Limit {
            limit: dec!(100.05),
        },
        purpose: IntentPurpose::Entry,
    };
    let too_big = OrderIntent {
        quantity: dec!(400),
        kind: OrderKind::Market,
        ..entry
    };
    Setup {
        gate,
        portfolio,
        entry,
        too_big,
        start: Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap(),
    }
}

pub fn account() -> AccountView {
    AccountView::new(dec!(100000), dec!(100000))
}
