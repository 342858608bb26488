//! The portfolio: positions, average cost, realized and unrealized PnL and
//! commissions, all `Decimal`, for long and short positions, partial fills and
//! flips through zero.
//!
//! It owns the per-symbol books ([`Position`]) and the running account-wide
//! totals, kept up to date on every fill and mark so that reading them (which
//! the risk gate does on every decision) is O(1). It never reads a clock,
//! does no I/O, and marking or filling a symbol it already knows never
//! allocates: positions live in a `Vec` sorted by symbol (deterministic
//! iteration, binary-search lookup), and [`Portfolio::with_symbols`] registers
//! every traded symbol up front.

mod position;

pub use position::{PortfolioError, Position};

use rust_decimal::Decimal;

use crate::domain::types::{Fill, Symbol};

/// Every position of the account, keyed by symbol, plus running totals.
///
/// Invariant: `realized_pnl()`, `unrealized_pnl()` and `commissions()` always
/// equal the sums of the same figures over [`Portfolio::positions`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    /// Sorted by symbol, one entry per symbol ever filled, marked or registered.
    positions: Vec<Position>,
    realized: Decimal,
    unrealized: Decimal,
    commissions: Decimal,
}

impl Portfolio {
    /// An empty portfolio.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty portfolio with a flat, unmarked entry for each symbol, so that
    /// later fills and marks of these symbols never allocate.
    pub fn with_symbols(symbols: &[Symbol]) -> Self {
        let mut portfolio = Self {
            positions: Vec::with_capacity(symbols.len()),
            ..Self::default()
        };
        for &symbol in symbols {
            portfolio.slot(symbol);
        }
        portfolio
    }

    /// Applies an execution: updates quantity, cost basis, realized PnL and
    /// commissions of its symbol (and sets the mark to the fill price when the
    /// symbol has none yet).
    ///
    /// # Errors
    /// [`PortfolioError`] when the quantity or the price is not strictly
    /// positive; nothing is changed then.
    pub fn apply_fill(&mut self, fill: &Fill) -> Result<(), PortfolioError> {
        if fill.quantity <= Decimal::ZERO {
            return Err(PortfolioError::NonPositiveQuantity {
                symbol: fill.symbol,
                quantity: fill.quantity,
            });
        }
        if fill.price <= Decimal::ZERO {
            return Err(PortfolioError::NonPositivePrice {
                symbol: fill.symbol,
                price: fill.price,
            });
        }
        self.update(fill.symbol, |p| {
            p.apply(fill.side, fill.quantity, fill.price, fill.commission)
        });
        Ok(())
    }

    /// Replaces an applied fill by its correction (IB's execution
    /// corrections): the book is rewound to before `previous` and `corrected`
    /// applied instead; commissions and the mark are kept.
    ///
    /// # Errors
    /// [`PortfolioError`] when `corrected` has a non-positive quantity or
    /// price, or `previous` is not the latest fill of its symbol (nothing is
    /// changed then).
    pub fn replace_fill(
        &mut self,
        previous: &Fill,
        corrected: &Fill,
    ) -> Result<(), PortfolioError> {
        if corrected.quantity <= Decimal::ZERO {
            return Err(PortfolioError::NonPositiveQuantity {
                symbol: corrected.symbol,
                quantity: corrected.quantity,
            });
        }
        if corrected.price <= Decimal::ZERO {
            return Err(PortfolioError::NonPositivePrice {
                symbol: corrected.symbol,
                price: corrected.price,
            });
        }
        let old = (previous.side, previous.quantity, previous.price);
        let new = (corrected.side, corrected.quantity, corrected.price);
        let mut replaced = false;
        self.update(previous.symbol, |p| replaced = p.replace_latest(old, new));
        if replaced {
            Ok(())
        } else {
            Err(PortfolioError::NotLatestFill {
                symbol: previous.symbol,
            })
        }
    }

    /// Adds a commission that the broker reported after its execution (IB sends
    /// commission reports separately).
    pub fn apply_commission(&mut self, symbol: Symbol, amount: Decimal) {
        self.update(symbol, |p| p.add_commission(amount));
    }

    /// Whether `price` may be a mark (> 0): the rule [`Portfolio::mark`] applies.
    pub fn is_valid_mark(price: Decimal) -> bool {
        price > Decimal::ZERO
    }

    /// Records the latest market price of `symbol` and revalues its position.
    /// Non-positive prices (IB sends −1 for "no price") are ignored and
    /// `false` is returned. Never allocates for a symbol already known.
    pub fn mark(&mut self, symbol: Symbol, price: Decimal) -> bool {
        if !Self::is_valid_mark(price) {
            return false;
        }
        self.update(symbol, |p| p.set_mark(price));
        true
    }

    /// Replaces a symbol's quantity and average cost with what the broker
    /// reports (startup reconciliation); realized PnL and commissions are kept.
    ///
    /// # Errors
    /// [`PortfolioError::NonPositivePrice`] when a non-flat position comes with
    /// an average cost ≤ 0.
    pub fn restore_position(
        &mut self,
        symbol: Symbol,
        quantity: Decimal,
        average_cost: Decimal,
    ) -> Result<(), PortfolioError> {
        if !quantity.is_zero() && average_cost <= Decimal::ZERO {
            return Err(PortfolioError::NonPositivePrice {
                symbol,
                price: average_cost,
            });
        }
        self.update(symbol, |p| p.restore(quantity, average_cost));
        Ok(())
    }

    /// The book of `symbol`, if it was ever filled, marked or registered.
    pub fn position(&self, symbol: Symbol) -> Option<&Position> {
        self.index(symbol).ok().map(|i| &self.positions[i])
    }

    /// Signed quantity held in `symbol` (0 when unknown).
    pub fn quantity(&self, symbol: Symbol) -> Decimal {
        self.position(symbol)
            .map_or(Decimal::ZERO, Position::quantity)
    }

    /// Last mark of `symbol`, if any.
    pub fn last_price(&self, symbol: Symbol) -> Option<Decimal> {
        self.position(symbol).and_then(Position::last_price)
    }

    /// Every book (flat ones included), in ascending symbol order.
    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// The books with a non-zero quantity, in ascending symbol order.
    pub fn open_positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.iter().filter(|p| !p.quantity().is_zero())
    }

    /// Sum of realized PnL over all symbols, before commissions.
    pub fn realized_pnl(&self) -> Decimal {
        self.realized
    }

    /// Sum of unrealized PnL over all symbols at their last marks.
    pub fn unrealized_pnl(&self) -> Decimal {
        self.unrealized
    }

    /// Sum of commissions over all symbols.
    pub fn commissions(&self) -> Decimal {
        self.commissions
    }

    /// `realized + unrealized − commissions`.
    pub fn net_pnl(&self) -> Decimal {
        self.realized + self.unrealized - self.commissions
    }

    /// Signed market value of all positions at their marks (shorts negative).
    pub fn market_value(&self) -> Decimal {
        self.positions.iter().map(Position::market_value).sum()
    }

    fn index(&self, symbol: Symbol) -> Result<usize, usize> {
        self.positions.binary_search_by(|p| p.symbol().cmp(&symbol))
    }

    fn slot(&mut self, symbol: Symbol) -> usize {
        match self.index(symbol) {
            Ok(i) => i,
            Err(i) => {
                self.positions.insert(i, Position::flat(symbol));
                i
            }
        }
    }

    /// Runs `change` on the book of `symbol` and moves the running totals by
    /// exactly the change of that book's figures.
    fn update(&mut self, symbol: Symbol, change: impl FnOnce(&mut Position)) {
        let i = self.slot(symbol);
        let position = &mut self.positions[i];
        let (realized, unrealized, commissions) = (
            position.realized_pnl(),
            position.unrealized_pnl(),
            position.commissions(),
        );
        change(position);
        self.realized += position.realized_pnl() - realized;
        self.unrealized += position.unrealized_pnl() - unrealized;
        self.commissions += position.commissions() - commissions;
    }
}

#[cfg(test)]
#[path = "portfolio_tests.rs"]
mod tests;
