//! [`Position`]: one symbol's signed quantity, cost basis, realized PnL,
//! commissions and last mark. Pure `Decimal` arithmetic; never allocates.

use rust_decimal::Decimal;

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
    quantity: Decimal,
    cost_basis: Decimal,
    realized_pnl: Decimal,
    commissions: Decimal,
    last_price: Option<Decimal>,
    /// The book before its latest fill, and that fill: what an execution
    /// correction of the latest fill rewinds to.
    undo: Option<Undo>,
}

/// The figures a fill changed, and the fill, so the fill can be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Undo {
    quantity: Decimal,
    cost_basis: Decimal,
    realized_pnl: Decimal,
    fill: (Side, Decimal, Decimal),
}

impl Position {
    /// A flat position with no history and no mark.
    pub fn flat(symbol: Symbol) -> Self {
        Self {
            symbol,
            quantity: Decimal::ZERO,
            cost_basis: Decimal::ZERO,
            realized_pnl: Decimal::ZERO,
            commissions: Decimal::ZERO,
            last_price: None,
            undo: None,
        }
    }

    /// Instrument.
    pub fn symbol(&self) -> Symbol {
        self.symbol
    }

    /// Signed quantity in shares: > 0 long, < 0 short, 0 flat.
    pub fn quantity(&self) -> Decimal {
        self.quantity
    }

    /// Signed `Σ quantity × price` of the open lots (0 when flat).
    pub fn cost_basis(&self) -> Decimal {
        self.cost_basis
    }

    /// Average price paid (long) or received (short) for the open shares,
    /// always ≥ 0; 0 when flat.
    pub fn average_cost(&self) -> Decimal {
        if self.quantity.is_zero() {
            Decimal::ZERO
        } else {
            self.cost_basis / self.quantity
        }
    }

    /// Profit or loss locked in by closing trades, before commissions.
    pub fn realized_pnl(&self) -> Decimal {
        self.realized_pnl
    }

    /// Commissions charged on this symbol so far (rebates reduce it).
    pub fn commissions(&self) -> Decimal {
        self.commissions
    }

    /// The last mark (market price), if any was seen. A fill sets it when
    /// there is none yet, so an open position always has one.
    pub fn last_price(&self) -> Option<Decimal> {
        self.last_price
    }

    /// `quantity × mark − cost_basis`; 0 when flat or never marked.
    pub fn unrealized_pnl(&self) -> Decimal {
        match self.last_price {
            Some(mark) if !self.quantity.is_zero() => self.quantity * mark - self.cost_basis,
            _ => Decimal::ZERO,
        }
    }

    /// Signed `quantity × mark` (negative for shorts); 0 when flat or unmarked.
    pub fn market_value(&self) -> Decimal {
        match self.last_price {
            Some(mark) => self.quantity * mark,
            None => Decimal::ZERO,
        }
    }

    /// `realized + unrealized − commissions`.
    pub fn net_pnl(&self) -> Decimal {
        self.realized_pnl + self.unrealized_pnl() - self.commissions
    }

    /// Applies one execution. Same-direction fills add to the cost basis;
    /// opposite fills realize PnL on the closed part against the average cost,
    /// and a fill larger than the position flips it, opening the remainder at
    /// the fill price. Callers validate quantity and price first.
    pub(super) fn apply(
        &mut self,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        commission: Decimal,
    ) {
        let signed = side.sign() * quantity;
        self.undo = Some(Undo {
            quantity: self.quantity,
            cost_basis: self.cost_basis,
            realized_pnl: self.realized_pnl,
            fill: (side, quantity, price),
        });
        self.commissions += commission;
        if self.last_price.is_none() {
            self.last_price = Some(price);
        }
        if self.quantity.is_zero() || self.quantity.is_sign_positive() == signed.is_sign_positive()
        {
            self.quantity += signed;
            self.cost_basis += signed * price;
            return;
        }
        // Opposite direction: close min(|position|, |fill|) shares.
        let held = self.quantity.abs();
        let (closed, basis_removed) = if quantity >= held {
            (self.quantity, self.cost_basis)
        } else {
            let closed = -signed; // same sign as the position, |closed| < held
                                  // The proportional basis may not be exact (e.g. 30.02 / 3); round it
                                  // to a fixed scale so that every later sum stays exact and the
                                  // residue lands in realized PnL instead of drifting.
            let share = (self.cost_basis * quantity / held).round_dp(BASIS_SCALE);
            (closed, share)
        };
        // Selling `closed` (signed like the position) at `price` brings
        // `closed × price`; those shares cost `basis_removed`.
        self.realized_pnl += closed * price - basis_removed;
        self.cost_basis -= basis_removed;
        self.quantity -= closed;
        let rest = signed + closed; // the part of the fill beyond the old position
        if !rest.is_zero() {
            self.quantity += rest;
            self.cost_basis = rest * price;
        } else if self.quantity.is_zero() {
            // Clear any rounding residue of the proportional basis.
            self.cost_basis = Decimal::ZERO;
        }
    }

    /// Adds a commission reported after its execution.
    /// Replaces the latest fill (`side`, `quantity`, `price`) by the corrected
    /// one; commissions and the mark are kept. `false` (nothing changed) when
    /// the latest fill is not that one.
    pub(super) fn replace_latest(
        &mut self,
        previous: (Side, Decimal, Decimal),
        corrected: (Side, Decimal, Decimal),
    ) -> bool {
        let Some(undo) = self.undo.filter(|u| u.fill == previous) else {
            return false;
        };
        self.quantity = undo.quantity;
        self.cost_basis = undo.cost_basis;
        self.realized_pnl = undo.realized_pnl;
        let (side, quantity, price) = corrected;
        self.apply(side, quantity, price, Decimal::ZERO);
        true
    }

    pub(super) fn add_commission(&mut self, amount: Decimal) {
        self.commissions += amount;
    }

    /// Sets the mark.
    pub(super) fn set_mark(&mut self, price: Decimal) {
        self.last_price = Some(price);
    }

    /// Replaces quantity and cost with what the broker reports (reconciliation);
    /// realized PnL and commissions are kept.
    pub(super) fn restore(&mut self, quantity: Decimal, average_cost: Decimal) {
        self.quantity = quantity;
        self.cost_basis = quantity * average_cost;
        if self.last_price.is_none() && !quantity.is_zero() {
            self.last_price = Some(average_cost);
        }
    }
}
