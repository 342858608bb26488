//! [`SessionReport`]: what the shutdown achieved, printed and logged at
//! exit. Owns its wording only; must never read TWS or the engine itself.

use std::fmt;

use rust_decimal::Decimal;

use crate::broker::codes::DataRefusal;
use crate::broker::tws::snapshot::{BrokerOrder, BrokerPosition};
use crate::domain::types::Symbol;
use crate::domain::types::TradingState;

/// What the shutdown achieved, printed and logged at exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionReport {
    /// Positions as TWS reports them at the end (or the bot's view when TWS could not be read).
    pub positions: Vec<BrokerPosition>,
    /// Working orders that are not ours (other clients', manual ones): left alone.
    pub not_ours: Vec<BrokerOrder>,
    /// Whether `positions` comes from TWS (true) or from the bot's own accounting.
    pub positions_confirmed: bool,
    /// Working orders left in the account (`None` when TWS could not be read).
    pub open_orders_left: Option<usize>,
    /// Whether positions were flattened on exit.
    pub flattened: bool,
    /// Positions of the bot's own TWS still shows at the end (`None` when
    /// TWS could not be read).
    pub managed_left: Option<usize>,
    /// Realized PnL of the session, before commissions.
    pub realized_pnl: Decimal,
    /// Unrealized PnL at the last marks.
    pub unrealized_pnl: Decimal,
    /// Commissions paid.
    pub commissions: Decimal,
    /// Trading state at exit.
    pub state: TradingState,
    /// Symbols TWS refused market data for, for good: not traded this session.
    pub market_data_inactive: Vec<(Symbol, DataRefusal)>,
    /// Orders of ours TWS still holds until the market opens (399), left
    /// working: they execute at that open unless cancelled in TWS.
    pub parked: Vec<String>,
}

/// One line for an order that is not ours.
pub fn not_ours_line(o: &BrokerOrder) -> String {
    format!(
        "not ours, left alone: order {} of client {} {} {} {} ({})",
        o.order_id,
        o.client_id,
        o.side,
        o.quantity,
        o.symbol.as_str(),
        o.status
    )
}

impl SessionReport {
    /// Whether TWS confirmed everything the shutdown set out to do: no order
    /// of ours left working and, when it flattened, none of our positions
    /// left. Only then does `run` exit 0.
    pub fn confirmed(&self) -> bool {
        self.open_orders_left == Some(0) && (!self.flattened || self.managed_left == Some(0))
    }

    /// Day PnL: realized + unrealized − commissions.
    pub fn day_pnl(&self) -> Decimal {
        self.realized_pnl + self.unrealized_pnl - self.commissions
    }
}

impl fmt::Display for SessionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== first-trading-app: final report ===")?;
        writeln!(f, "trading state:    {}", self.state)?;
        match self.open_orders_left {
            Some(0) => writeln!(
                f,
                "open orders left: 0 (every order of ours confirmed cancelled)"
            )?,
            Some(n) if n == self.parked.len() => writeln!(
                f,
                "open orders left: {n}, held by TWS until the market opens (left parked, below)"
            )?,
            Some(n) => writeln!(
                f,
                "open orders left: {n} — CANCEL THEM IN TWS (see SECURITY.md)"
            )?,
            None => writeln!(f, "open orders left: UNKNOWN (TWS unreachable) — check TWS")?,
        }
        for line in &self.parked {
            writeln!(
                f,
                "left parked:      {line} — the market is closed; it executes at that open unless you cancel it in TWS"
            )?;
        }
        for o in &self.not_ours {
            writeln!(f, "{}", not_ours_line(o))?;
        }
        let source = if self.positions_confirmed {
            "TWS"
        } else {
            "bot's own accounting, TWS unreachable"
        };
        if self.positions.is_empty() {
            writeln!(f, "positions ({source}): flat")?;
        } else {
            writeln!(f, "positions ({source}):")?;
            for p in &self.positions {
                writeln!(
                    f,
                    "  {:<6} {:>10} @ {}",
                    p.label(),
                    p.quantity,
                    p.average_cost.round_dp(4)
                )?;
            }
        }
        if self.flattened {
            writeln!(f, "flatten on exit:  requested")?;
        }
        for (symbol, refusal) in &self.market_data_inactive {
            writeln!(
                f,
                "market data:      {symbol} INACTIVE ({}) — {}",
                refusal.label(),
                refusal.fix()
            )?;
        }
        writeln!(
            f,
            "day PnL:          {} (realized {}, unrealized {}, commissions {})",
            self.day_pnl().round_dp(2),
            self.realized_pnl.round_dp(2),
            self.unrealized_pnl.round_dp(2),
            self.commissions.round_dp(2)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(
        open_orders_left: Option<usize>,
        flattened: bool,
        managed_left: Option<usize>,
    ) -> SessionReport {
        SessionReport {
            positions: Vec::new(),
            not_ours: Vec::new(),
            positions_confirmed: managed_left.is_some(),
            open_orders_left,
            flattened,
            managed_left,
            realized_pnl: Decimal::ZERO,
            unrealized_pnl: Decimal::ZERO,
            commissions: Decimal::ZERO,
            state: TradingState::Halted,
            market_data_inactive: Vec::new(),
            parked: Vec::new(),
        }
    }

    #[test]
    fn only_what_tws_confirmed_counts_as_done() {
        assert!(
            report(Some(0), false, Some(1)).confirmed(),
            "kept positions need no flatten"
        );
        assert!(report(Some(0), true, Some(0)).confirmed());
        assert!(
            !report(None, false, Some(0)).confirmed(),
            "open orders unknown"
        );
        assert!(
            !report(Some(1), false, Some(0)).confirmed(),
            "an order of ours left"
        );
        assert!(
            !report(Some(0), true, Some(1)).confirmed(),
            "flatten asked, a position left"
        );
        assert!(
            !report(Some(0), true, None).confirmed(),
            "flatten asked, positions unknown"
        );
    }
}
