//! Positions, average cost, realized and unrealized PnL, commissions — all `Decimal`.
