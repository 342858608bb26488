//! Shared fixtures of the gate tests: a gate with the default limits
//! (daily loss 2%, position 15%, stop 5%, target 10%, 40 orders/s, notional
//! 50 000, collar 5%, 30 open orders), AAPL/SPY allowed with a 0.01 tick,
//! MSFT not allowed, XYZ allowed without an instrument; net liquidation and
//! start-of-day equity 100 000; 10:00 New York on 5 January 2026.

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::domain::portfolio::Portfolio;
use crate::domain::types::{
    Fill, Instrument, IntentPurpose, OrderIntent, OrderKind, Side, StrategyId, Symbol,
};
use crate::risk::decision::Decision;
use crate::risk::limits::RiskLimits;
use crate::risk::reason::RejectReason;
use crate::risk::view::{AccountView, OpenOrderBook, RiskView};
use crate::risk::RiskGate;

pub(super) fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub(super) fn t0() -> DateTime<Utc> {
    // 10:00 in New York on Monday 5 January 2026.
    Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap()
}

/// Working orders for tests: fixed quantities per (symbol, side) and a count.
#[derive(Default)]
pub(super) struct Book {
    pub(super) working: Vec<(Symbol, Side, Decimal)>,
    pub(super) open: usize,
}

impl OpenOrderBook for Book {
    fn working_quantity(&self, symbol: Symbol, side: Side) -> Decimal {
        self.working
            .iter()
            .filter(|(s, d, _)| *s == symbol && *d == side)
            .map(|(_, _, q)| *q)
            .sum()
    }
    fn open_order_count(&self) -> usize {
        self.open
    }
}

pub(super) fn gate() -> RiskGate {
    let instruments = [
        Instrument {
            symbol: sym("AAPL"),
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        },
        Instrument {
            symbol: sym("SPY"),
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        },
        Instrument {
            symbol: sym("MSFT"),
            ticks: crate::domain::ticks::TickLadder::flat(dec!(0.01)).unwrap(),
        },
    ];
    // MSFT has an instrument but is not allowed; XYZ is allowed without one.
    RiskGate::new(
        &RiskLimits::default(),
        &instruments,
        &[sym("SPY"), sym("AAPL"), sym("XYZ")],
    )
}

pub(super) fn aapl_at(price: Decimal) -> Portfolio {
    let mut p = Portfolio::with_symbols(&[sym("AAPL"), sym("SPY")]);
    p.mark(sym("AAPL"), price);
    p
}

pub(super) fn view<'a>(portfolio: &'a Portfolio, orders: &'a dyn OpenOrderBook) -> RiskView<'a> {
    RiskView {
        portfolio,
        account: AccountView::new(dec!(100000), dec!(100000)),
        orders,
        data_age: None,
    }
}

pub(super) fn intent(
    symbol: &str,
    side: Side,
    quantity: Decimal,
    kind: OrderKind,
    purpose: IntentPurpose,
) -> OrderIntent {
    OrderIntent {
        strategy: StrategyId(0),
        symbol: sym(symbol),
        side,
        quantity,
        kind,
        purpose,
    }
}

pub(super) fn buy(quantity: Decimal, kind: OrderKind) -> OrderIntent {
    intent("AAPL", Side::Buy, quantity, kind, IntentPurpose::Entry)
}

pub(super) fn limit(limit: Decimal) -> OrderKind {
    OrderKind::Limit { limit }
}

pub(super) fn fill(portfolio: &mut Portfolio, side: Side, quantity: Decimal, price: Decimal) {
    portfolio
        .apply_fill(&Fill {
            symbol: sym("AAPL"),
            side,
            quantity,
            price,
            commission: Decimal::ZERO,
            time: t0(),
        })
        .unwrap();
}

pub(super) fn reason(decision: Decision) -> RejectReason {
    decision.reason().expect("expected a rejection")
}
