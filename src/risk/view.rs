//! What the gate reads to decide: the portfolio (positions and last prices),
//! the account figures, and the working orders ([`OpenOrderBook`], implemented
//! by the order manager). Borrowed for one decision, never stored.

use rust_decimal::Decimal;

use crate::domain::portfolio::Portfolio;
use crate::domain::types::{Side, Symbol};

/// The working orders the gate must count. Implemented by the order manager.
pub trait OpenOrderBook {
    /// Unfilled quantity (≥ 0) of working entries and exits on `side` for
    /// `symbol`. Protective bracket children (stop-loss, take-profit) are
    /// excluded: they are contingent on a filled entry and only ever reduce
    /// the position they protect.
    fn working_quantity(&self, symbol: Symbol, side: Side) -> Decimal;

    /// Number of orders working at the broker or pending, bracket children included.
    fn open_order_count(&self) -> usize;
}

/// An order book with nothing working (backtests without resting orders, tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoOpenOrders;

impl OpenOrderBook for NoOpenOrders {
    fn working_quantity(&self, _symbol: Symbol, _side: Side) -> Decimal {
        Decimal::ZERO
    }

    fn open_order_count(&self) -> usize {
        0
    }
}

/// Account figures for one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountView {
    /// Current net liquidation value (account equity), the base of the
    /// position limit and one of the two daily-loss measures.
    pub net_liquidation: Decimal,
    /// Net liquidation at the start of the New York trading day.
    pub start_of_day_equity: Decimal,
    /// The portfolio's `net_pnl()` at the start of the trading day; the day's
    /// result is `portfolio.net_pnl() − start_of_day_pnl`. Zero when the
    /// portfolio was created at the start of the day.
    pub start_of_day_pnl: Decimal,
}

impl AccountView {
    /// Figures for a portfolio that started with the day (`start_of_day_pnl = 0`).
    pub fn new(net_liquidation: Decimal, start_of_day_equity: Decimal) -> Self {
        Self {
            net_liquidation,
            start_of_day_equity,
            start_of_day_pnl: Decimal::ZERO,
        }
    }
}

/// Everything the gate reads for one decision. Last prices are the
/// portfolio's marks.
#[derive(Clone, Copy)]
pub struct RiskView<'a> {
    /// Positions and last prices.
    pub portfolio: &'a Portfolio,
    /// Account figures.
    pub account: AccountView,
    /// Working orders.
    pub orders: &'a dyn OpenOrderBook,
    /// How old the market data behind the decision was when it arrived,
    /// and the limit for entries (`None`: not a decision on market data).
    pub data_age: Option<DataAge>,
}

/// The age of the market event a decision is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataAge {
    /// Arrival time minus the event's time, in milliseconds (negative when
    /// the event is ahead of the receiving clock).
    pub age_ms: i64,
    /// The most an entry accepts, in milliseconds.
    pub limit_ms: i64,
}

impl RiskView<'_> {
    /// The day's result so far: the worse of the portfolio's measure
    /// (realized + unrealized − commissions since the day began) and the
    /// account's (net liquidation − start-of-day equity), so a stale or
    /// incomplete figure on one side cannot hide a loss the other one sees.
    pub fn daily_pnl(&self) -> Decimal {
        let from_portfolio = self.portfolio.net_pnl() - self.account.start_of_day_pnl;
        let from_account = self.account.net_liquidation - self.account.start_of_day_equity;
        from_portfolio.min(from_account)
    }
}
