//! The portfolio: positions, average cost, realized and unrealized PnL and
//! commissions, for long and short positions, partial fills and flips through
//! zero — held in exact fixed point ([`Figure`], [`Money`]) so that a mark
//! and reading the account's PnL are integer arithmetic, and read as the
//! same `Decimal`s the `Decimal` arithmetic would give.
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

use crate::domain::money::{Figure, Money};
use crate::domain::types::{Fill, Symbol};

/// Every position of the account, keyed by symbol, plus running totals.
///
/// Invariant: `realized_pnl()`, `unrealized_pnl()` and `commissions()` always
/// equal the sums of the same figures over [`Portfolio::positions`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    /// Sorted by symbol, one entry per symbol ever filled, marked or registered.
    positions: Vec<Position>,
    totals: Totals,
}

/// The account-wide sums of the books' figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    realized: Money,
    unrealized: Money,
    commissions: Money,
    /// `realized + unrealized − commissions`.
    net: Money,
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
    /// positive, or the book cannot hold the result exactly; nothing is
    /// changed then.
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
        })
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
        self.update(previous.symbol, |p| {
            replaced = p.replace_latest(old, new)?;
            Ok(())
        })?;
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
    ///
    /// # Errors
    /// [`PortfolioError::NotExact`] when the amount (or the sum) cannot be
    /// held exactly; nothing is changed then.
    pub fn apply_commission(
        &mut self,
        symbol: Symbol,
        amount: Decimal,
    ) -> Result<(), PortfolioError> {
        self.update(symbol, |p| p.add_commission(amount))
    }

    /// `price` as a mark, when it may be one (> 0 and exact to 8 places): the
    /// rule [`Portfolio::mark`] applies.
    pub fn valid_mark(price: Decimal) -> Option<Figure> {
        Figure::from_decimal(price).ok().filter(|p| p.is_positive())
    }

    /// Whether `price` may be a mark ([`Portfolio::valid_mark`]).
    pub fn is_valid_mark(price: Decimal) -> bool {
        Self::valid_mark(price).is_some()
    }

    /// Records the latest market price of `symbol` and revalues its position.
    /// Non-positive prices (IB sends −1 for "no price"), prices with more than
    /// 8 decimal places and marks that would value the position beyond the
    /// range are ignored and `false` is returned. Never allocates for a
    /// symbol already known.
    pub fn mark(&mut self, symbol: Symbol, price: Decimal) -> bool {
        Self::valid_mark(price).is_some_and(|price| self.mark_figure(symbol, price))
    }

    /// [`Portfolio::mark`] with a price already in fixed point (> 0).
    pub fn mark_figure(&mut self, symbol: Symbol, price: Figure) -> bool {
        let i = self.slot(symbol);
        let position = &self.positions[i];
        let unrealized = position.unrealized_at(price);
        let totals = unrealized.and_then(|u| {
            self.moved_totals(
                position,
                [position.realized_money(), u, position.commissions_money()],
            )
        });
        let (Some(unrealized), Some(totals)) = (unrealized, totals) else {
            return false;
        };
        self.positions[i].set_mark(price, unrealized);
        self.totals = totals;
        true
    }

    /// Replaces a symbol's quantity and average cost with what the broker
    /// reports (startup reconciliation); realized PnL and commissions are kept.
    ///
    /// # Errors
    /// [`PortfolioError::NonPositivePrice`] when a non-flat position comes with
    /// an average cost ≤ 0, [`PortfolioError::NotExact`] when the book cannot
    /// hold it exactly.
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
        self.update(symbol, |p| p.restore(quantity, average_cost))
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
        self.totals.realized.to_decimal()
    }

    /// Sum of unrealized PnL over all symbols at their last marks.
    pub fn unrealized_pnl(&self) -> Decimal {
        self.totals.unrealized.to_decimal()
    }

    /// Sum of commissions over all symbols.
    pub fn commissions(&self) -> Decimal {
        self.totals.commissions.to_decimal()
    }

    /// `realized + unrealized − commissions`.
    pub fn net_pnl(&self) -> Decimal {
        self.net_pnl_money().to_decimal()
    }

    /// [`Portfolio::net_pnl`] in fixed point. The totals are kept so that
    /// this sum is always in range.
    pub fn net_pnl_money(&self) -> Money {
        self.totals.net
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

    /// Runs `change` on a copy of the book of `symbol` and, when it succeeds
    /// and the running totals moved by exactly the change of that book's
    /// figures stay in range, keeps both; otherwise nothing changes.
    fn update(
        &mut self,
        symbol: Symbol,
        change: impl FnOnce(&mut Position) -> Result<(), PortfolioError>,
    ) -> Result<(), PortfolioError> {
        let i = self.slot(symbol);
        let before = self.positions[i];
        let mut after = before;
        change(&mut after)?;
        let figures = [
            after.realized_money(),
            after.unrealized_money(),
            after.commissions_money(),
        ];
        let totals = self
            .moved_totals(&before, figures)
            .ok_or(PortfolioError::NotExact {
                symbol,
                value: after.unrealized_pnl(),
            })?;
        self.positions[i] = after;
        self.totals = totals;
        Ok(())
    }

    /// The running totals after a book's realized, unrealized and commission
    /// figures went from `before`'s to `after`, moved as the `Decimal`
    /// portfolio moved them: every change moves all three by `new − old`
    /// (so a zero total takes the places of a zero difference, which is what
    /// it printed), and the net is summed from the new totals. `None` out of
    /// range.
    fn moved_totals(&self, before: &Position, after: [Money; 3]) -> Option<Totals> {
        let moved = |total: Money, new: Money, old: Money| total.checked_add(new.checked_sub(old)?);
        let [realized, unrealized, commissions] = after;
        let t = &self.totals;
        let realized = moved(t.realized, realized, before.realized_money())?;
        let unrealized = moved(t.unrealized, unrealized, before.unrealized_money())?;
        let commissions = moved(t.commissions, commissions, before.commissions_money())?;
        Some(Totals {
            realized,
            unrealized,
            commissions,
            net: realized.checked_add(unrealized)?.checked_sub(commissions)?,
        })
    }
}

#[cfg(test)]
#[path = "portfolio_tests.rs"]
mod tests;
