//! Execution corrections: a new execution with the next exec id replaces an
//! earlier one (TWS API "Executions and Commissions": "the execId's last
//! digits after the period increase").

use rust_decimal::Decimal;

use super::{Event, Exchange};
use crate::account::Account;
use crate::lifecycle::correction_id;

impl Exchange {
    /// Replaces execution `index` by `shares` at `price`: the order's filled
    /// quantity and average price and the account's cash and position move
    /// by the difference; the correction keeps the commission of the
    /// execution it replaces. Returns the events to send (execDetails of the
    /// correction, then its commission report); `None` for an unknown index.
    pub fn correct(
        &mut self,
        index: usize,
        shares: Decimal,
        price: Decimal,
        account: &mut Account,
    ) -> Option<Vec<Event>> {
        let old = self.executions.get(index)?.clone();
        let &idx = self.index.get(&(old.client_id, old.order_id))?;
        let sign = old.side.sign();
        // Undo the old fill and book the new one; the commission stays.
        account.apply_fill(&old.symbol, -sign * old.shares, old.price, Decimal::ZERO);
        let realized = account.apply_fill(&old.symbol, sign * shares, price, Decimal::ZERO);
        let o = &mut self.orders[idx];
        o.filled += shares - old.shares;
        o.fill_value += shares * price - old.shares * old.price;
        if !o.filled.is_zero() {
            o.avg_fill_price = (o.fill_value / o.filled).round_dp(8).normalize();
        }
        let mut corrected = old.clone();
        corrected.exec_id = correction_id(&old.exec_id);
        corrected.shares = shares;
        corrected.price = price;
        corrected.cum_qty = o.filled;
        corrected.avg_price = o.avg_fill_price;
        corrected.realized_pnl = realized.or(old.realized_pnl);
        let new_index = self.executions.len();
        self.executions.push(corrected);
        Some(vec![Event::Fill(new_index), Event::Commission(new_index)])
    }
}
