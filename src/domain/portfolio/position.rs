//! [`Position`]: one symbol's signed quantity, cost basis, realized PnL,
//! commissions and last mark, held as exact fixed-point [`Figure`]s and
//! [`Money`] so that a mark (every bar) is integer arithmetic. A fill (rare)
//! is booked with the same `Decimal` arithmetic as always and converted
//! exactly, so every figure prints as it did. Never allocates; refuses (and
//! leaves the book unchanged) what it cannot hold exactly.

use rust_decimal::Decimal;

use crate::domain::money::{Figure, Money};
use crate::domain::types::{Side, Symbol};

/// Decimal places kept for a proportional cost basis (far below a cent, and
/// small enough that sums of such amounts never exceed `Decimal`'s 28 digits).
const BASIS_SCALE: u32 = 10;

/// Why a fill or a restored position was refused. The portfolio is left
/// unchanged when one of these is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PortfolioError {
    /// Fill quantities must be strictly positive (the side carries the sign).
    #[error("fill of {symbol} has quantity {quantity}; it must be greater than 0")]
    NonPositiveQuantity {
        /// Instrument of the fill.
        symbol: Symbol,
        /// The quantity given.
        quantity: Decimal,
    },
    /// Execution and cost prices must be strictly positive.
    #[error("fill of {symbol} has price {price}; it must be greater than 0")]
    NonPositivePrice {
        /// Instrument of the fill.
        symbol: Symbol,
        /// The price given.
        price: Decimal,
    },
    /// An execution correction of a fill that is not the symbol's latest:
    /// the book cannot rewind it exactly.
    #[error("correction of a {symbol} fill that is not its latest: cannot be replaced exactly")]
    NotLatestFill {
        /// Instrument.
        symbol: Symbol,
    },
    /// A figure with more than 8 decimal places, or an amount beyond about
    /// ±7.9 × 10¹²: the book cannot hold it exactly, so it is not booked.
    #[error("{symbol}: {value} cannot be booked exactly (at most 8 decimal places for a price or quantity, amounts within ±7.9e12)")]
    NotExact {
        /// Instrument.
        symbol: Symbol,
        /// The figure that could not be held (or the fill's price when the
        /// resulting amount is out of range).
        value: Decimal,
    },
}

/// One symbol's book. `quantity` is signed (long > 0, short < 0).
///
/// The cost basis is kept as the signed sum `Σ quantity × price` of the open
/// lots rather than as an average, so that while a position is open
/// `unrealized = quantity × mark − cost_basis` is exact, and
/// `realized + unrealized` always equals the exact cash flow of every fill plus
/// the marked value of what is held (commissions are tracked apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    symbol: Symbol,
    quantity: Figure,
    cost_basis: Money,
    realized_pnl: Money,
    commissions: Money,
    last_price: Option<Figure>,
    /// `quantity × mark − cost_basis` (0 when flat or unmarked), kept with
    /// every change so reading it costs nothing.
    unrealized: Money,
    /// The book before its latest fill, and that fill: what an execution
    /// correction of the latest fill rewinds to.
    undo: Option<Undo>,
}

/// The figures a fill changed, and the fill, so the fill can be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Undo {
    quantity: Figure,
    cost_basis: Money,
    realized_pnl: Money,
    fill: (Side, Decimal, Decimal),
}

/// The figures a fill changes, in `Decimal` while it is booked.
struct Book {
    quantity: Decimal,
    cost_basis: Decimal,
    realized_pnl: Decimal,
}

impl Position {
    /// A flat position with no history and no mark.
    pub fn flat(symbol: Symbol) -> Self {
        Self {
            symbol,
            quantity: Figure::ZERO,
            cost_basis: Money::ZERO,
            realized_pnl: Money::ZERO,
            commissions: Money::ZERO,
            last_price: None,
            unrealized: Money::ZERO,
            undo: None,
        }
    }

    /// Instrument.
    pub fn symbol(&self) -> Symbol {
        self.symbol
    }

    /// Signed quantity in shares: > 0 long, < 0 short, 0 flat.
    pub fn quantity(&self) -> Decimal {
        self.quantity.to_decimal()
    }

    /// [`Position::quantity`] in fixed point.
    pub fn quantity_figure(&self) -> Figure {
        self.quantity
    }

    /// Signed `Σ quantity × price` of the open lots (0 when flat).
    pub fn cost_basis(&self) -> Decimal {
        self.cost_basis.to_decimal()
    }

    /// Average price paid (long) or received (short) for the open shares,
    /// always ≥ 0; 0 when flat.
    pub fn average_cost(&self) -> Decimal {
        if self.quantity.is_zero() {
            Decimal::ZERO
        } else {
            self.cost_basis() / self.quantity()
        }
    }

    /// Profit or loss locked in by closing trades, before commissions.
    pub fn realized_pnl(&self) -> Decimal {
        self.realized_pnl.to_decimal()
    }

    /// Commissions charged on this symbol so far (rebates reduce it).
    pub fn commissions(&self) -> Decimal {
        self.commissions.to_decimal()
    }

    /// The last mark (market price), if any was seen. A fill sets it when
    /// there is none yet, so an open position always has one.
    pub fn last_price(&self) -> Option<Decimal> {
        self.last_price.map(Figure::to_decimal)
    }

    /// [`Position::last_price`] in fixed point.
    pub fn last_price_figure(&self) -> Option<Figure> {
        self.last_price
    }

    /// `quantity × mark − cost_basis`; 0 when flat or never marked.
    pub fn unrealized_pnl(&self) -> Decimal {
        self.unrealized.to_decimal()
    }

    /// [`Position::unrealized_pnl`] in fixed point.
    pub(super) fn unrealized_money(&self) -> Money {
        self.unrealized
    }

    /// [`Position::realized_pnl`] in fixed point.
    pub(super) fn realized_money(&self) -> Money {
        self.realized_pnl
    }

    /// [`Position::commissions`] in fixed point.
    pub(super) fn commissions_money(&self) -> Money {
        self.commissions
    }

    /// Signed `quantity × mark` (negative for shorts); 0 when flat or unmarked.
    pub fn market_value(&self) -> Decimal {
        match self.last_price {
            Some(mark) => self.quantity() * mark.to_decimal(),
            None => Decimal::ZERO,
        }
    }

    /// `realized + unrealized − commissions`.
    pub fn net_pnl(&self) -> Decimal {
        self.realized_pnl() + self.unrealized_pnl() - self.commissions()
    }

    /// Applies one execution. Same-direction fills add to the cost basis;
    /// opposite fills realize PnL on the closed part against the average cost,
    /// and a fill larger than the position flips it, opening the remainder at
    /// the fill price. Callers validate quantity and price first.
    ///
    /// # Errors
    /// [`PortfolioError::NotExact`] when a figure of the fill or of the
    /// resulting book cannot be held exactly; nothing is changed then.
    pub(super) fn apply(
        &mut self,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        commission: Decimal,
    ) -> Result<(), PortfolioError> {
        // A fill's price and quantity are figures like any other.
        let price_figure = self.exact(price, Figure::from_decimal)?;
        self.exact(quantity, Figure::from_decimal)?;
        let before = Book {
            quantity: self.quantity(),
            cost_basis: self.cost_basis(),
            realized_pnl: self.realized_pnl(),
        };
        let after = before.apply(side, quantity, price);
        let mut next = *self;
        next.quantity = self.exact(after.quantity, Figure::from_decimal)?;
        next.cost_basis = self.exact(after.cost_basis, Money::from_decimal)?;
        next.realized_pnl = self.exact(after.realized_pnl, Money::from_decimal)?;
        next.commissions = self.exact(self.commissions() + commission, Money::from_decimal)?;
        if next.last_price.is_none() {
            next.last_price = Some(price_figure);
        }
        next.undo = Some(Undo {
            quantity: self.quantity,
            cost_basis: self.cost_basis,
            realized_pnl: self.realized_pnl,
            fill: (side, quantity, price),
        });
        next.revalue().ok_or(PortfolioError::NotExact {
            symbol: self.symbol,
            value: price,
        })?;
        *self = next;
        Ok(())
    }

    /// Replaces the latest fill (`side`, `quantity`, `price`) by the corrected
    /// one; commissions and the mark are kept. `Ok(false)` (nothing changed)
    /// when the latest fill is not that one.
    pub(super) fn replace_latest(
        &mut self,
        previous: (Side, Decimal, Decimal),
        corrected: (Side, Decimal, Decimal),
    ) -> Result<bool, PortfolioError> {
        let Some(undo) = self.undo.filter(|u| u.fill == previous) else {
            return Ok(false);
        };
        let mut rewound = *self;
        rewound.quantity = undo.quantity;
        rewound.cost_basis = undo.cost_basis;
        rewound.realized_pnl = undo.realized_pnl;
        let (side, quantity, price) = corrected;
        rewound.apply(side, quantity, price, Decimal::ZERO)?;
        *self = rewound;
        Ok(true)
    }

    /// Adds a commission reported after its execution.
    pub(super) fn add_commission(&mut self, amount: Decimal) -> Result<(), PortfolioError> {
        let amount = self.exact(amount, Money::from_decimal)?;
        self.commissions =
            self.commissions
                .checked_add(amount)
                .ok_or(PortfolioError::NotExact {
                    symbol: self.symbol,
                    value: amount.to_decimal(),
                })?;
        Ok(())
    }

    /// `quantity × price − cost_basis`: the unrealized PnL were `price` the
    /// mark (0 when flat); `None` out of range.
    pub(super) fn unrealized_at(&self, price: Figure) -> Option<Money> {
        if self.quantity.is_zero() {
            return Some(Money::ZERO);
        }
        self.quantity.times(price)?.checked_sub(self.cost_basis)
    }

    /// Sets the mark, with the unrealized PnL [`Position::unrealized_at`] it.
    pub(super) fn set_mark(&mut self, price: Figure, unrealized: Money) {
        self.last_price = Some(price);
        self.unrealized = unrealized;
    }

    /// Replaces quantity and cost with what the broker reports (reconciliation);
    /// realized PnL and commissions are kept.
    pub(super) fn restore(
        &mut self,
        quantity: Decimal,
        average_cost: Decimal,
    ) -> Result<(), PortfolioError> {
        let mut next = *self;
        next.quantity = self.exact(quantity, Figure::from_decimal)?;
        next.cost_basis = self.exact(quantity * average_cost, Money::from_decimal)?;
        if next.last_price.is_none() && !quantity.is_zero() {
            next.last_price = Some(self.exact(average_cost, Figure::from_decimal)?);
        }
        next.revalue().ok_or(PortfolioError::NotExact {
            symbol: self.symbol,
            value: average_cost,
        })?;
        *self = next;
        Ok(())
    }

    /// Recomputes [`Position::unrealized_pnl`]; `None` (unchanged) when the
    /// value is out of range.
    fn revalue(&mut self) -> Option<()> {
        self.unrealized = match self.last_price {
            Some(mark) => self.unrealized_at(mark)?,
            None => Money::ZERO,
        };
        Some(())
    }

    /// `value` converted exactly, or [`PortfolioError::NotExact`].
    fn exact<T>(
        &self,
        value: Decimal,
        convert: impl Fn(Decimal) -> Result<T, crate::domain::fixed::FixedError>,
    ) -> Result<T, PortfolioError> {
        convert(value).map_err(|_| PortfolioError::NotExact {
            symbol: self.symbol,
            value,
        })
    }
}

impl Book {
    /// The book after one execution, in `Decimal` (see [`Position::apply`]).
    fn apply(self, side: Side, quantity: Decimal, price: Decimal) -> Book {
        let Book {
            quantity: mut held_qty,
            mut cost_basis,
            mut realized_pnl,
        } = self;
        let signed = side.sign() * quantity;
        if held_qty.is_zero() || held_qty.is_sign_positive() == signed.is_sign_positive() {
            return Book {
                quantity: held_qty + signed,
                cost_basis: cost_basis + signed * price,
                realized_pnl,
            };
        }
        // Opposite direction: close min(|position|, |fill|) shares.
        let held = held_qty.abs();
        let (closed, basis_removed) = if quantity >= held {
            (held_qty, cost_basis)
        } else {
            let closed = -signed; // same sign as the position, |closed| < held
                                  // The proportional basis may not be exact (e.g. 30.02 / 3); round it
                                  // to a fixed scale so that every later sum stays exact and the
                                  // residue lands in realized PnL instead of drifting.
            let share = (cost_basis * quantity / held).round_dp(BASIS_SCALE);
            (closed, share)
        };
        // Selling `closed` (signed like the position) at `price` brings
        // `closed × price`; those shares cost `basis_removed`.
        realized_pnl += closed * price - basis_removed;
        cost_basis -= basis_removed;
        held_qty -= closed;
        let rest = signed + closed; // the part of the fill beyond the old position
        if !rest.is_zero() {
            held_qty += rest;
            cost_basis = rest * price;
        } else if held_qty.is_zero() {
            // Clear any rounding residue of the proportional basis.
            cost_basis = Decimal::ZERO;
        }
        Book {
            quantity: held_qty,
            cost_basis,
            realized_pnl,
        }
    }
}
