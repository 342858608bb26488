//! [`TradeBook`]: turns the stream of fills into round-trip trades, one per
//! symbol from flat back to flat. Average-cost accounting, all `Decimal`; a
//! fill that flips a position closes the trade and opens the next one with the
//! remainder (its commission is split pro rata by quantity).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::types::{Fill, Side, Symbol};

/// One round trip: from flat to a position and back to flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Trade {
    /// Instrument.
    pub symbol: Symbol,
    /// `buy` for a long trade, `sell` for a short one.
    pub side: Side,
    /// Largest absolute position held during the trade.
    pub quantity: Decimal,
    /// Time of the first fill.
    pub entry_time: DateTime<Utc>,
    /// Quantity-weighted average price of the fills that opened or added.
    pub entry_price: Decimal,
    /// Time of the fill that made the position flat.
    pub exit_time: DateTime<Utc>,
    /// Quantity-weighted average price of the fills that reduced or closed.
    pub exit_price: Decimal,
    /// Realized PnL before commissions.
    pub gross_pnl: Decimal,
    /// Commissions charged on the trade's fills.
    pub commission: Decimal,
    /// `gross_pnl − commission`.
    pub net_pnl: Decimal,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    symbol: Symbol,
    side: Side,
    /// Absolute quantity still held.
    held: Decimal,
    max_held: Decimal,
    average_cost: Decimal,
    entry_qty: Decimal,
    entry_value: Decimal,
    exit_qty: Decimal,
    exit_value: Decimal,
    gross: Decimal,
    commission: Decimal,
    entry_time: DateTime<Utc>,
}

/// Open trades by symbol plus the list of closed ones, in closing order.
#[derive(Debug, Clone, Default)]
pub struct TradeBook {
    open: Vec<Open>,
    closed: Vec<Trade>,
}

impl TradeBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Books one fill (quantity and price > 0 as the portfolio requires).
    pub fn on_fill(&mut self, fill: &Fill) {
        let slot = self.open.iter().position(|o| o.symbol == fill.symbol);
        let Some(i) = slot else {
            self.open
                .push(Self::opened(fill, fill.quantity, fill.commission));
            return;
        };
        let o = &mut self.open[i];
        if o.side == fill.side {
            let held = o.held + fill.quantity;
            o.average_cost = (o.average_cost * o.held + fill.price * fill.quantity) / held;
            o.held = held;
            o.max_held = o.max_held.max(held);
            o.entry_qty += fill.quantity;
            o.entry_value += fill.quantity * fill.price;
            o.commission += fill.commission;
            return;
        }
        let closing = fill.quantity.min(o.held);
        let remainder = fill.quantity - closing;
        let closing_commission = fill.commission * closing / fill.quantity;
        o.held -= closing;
        o.exit_qty += closing;
        o.exit_value += closing * fill.price;
        o.gross += (fill.price - o.average_cost) * closing * o.side.sign();
        o.commission += closing_commission;
        if o.held.is_zero() {
            let done = self.open.swap_remove(i);
            self.closed.push(Trade {
                symbol: done.symbol,
                side: done.side,
                quantity: done.max_held,
                entry_time: done.entry_time,
                entry_price: done.entry_value / done.entry_qty,
                exit_time: fill.time,
                exit_price: done.exit_value / done.exit_qty,
                gross_pnl: done.gross,
                commission: done.commission,
                net_pnl: done.gross - done.commission,
            });
            if remainder > Decimal::ZERO {
                let commission = fill.commission - closing_commission;
                self.open.push(Self::opened(fill, remainder, commission));
            }
        }
    }

    fn opened(fill: &Fill, quantity: Decimal, commission: Decimal) -> Open {
        Open {
            symbol: fill.symbol,
            side: fill.side,
            held: quantity,
            max_held: quantity,
            average_cost: fill.price,
            entry_qty: quantity,
            entry_value: quantity * fill.price,
            exit_qty: Decimal::ZERO,
            exit_value: Decimal::ZERO,
            gross: Decimal::ZERO,
            commission,
            entry_time: fill.time,
        }
    }

    /// Closed trades, in the order they closed.
    pub fn closed(&self) -> &[Trade] {
        &self.closed
    }

    /// Number of trades still open.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Consumes the book, returning the closed trades.
    pub fn into_closed(self) -> Vec<Trade> {
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn fill(side: Side, qty: Decimal, price: Decimal, commission: Decimal, minute: i64) -> Fill {
        Fill {
            symbol: Symbol::new("SPY").unwrap(),
            side,
            quantity: qty,
            price,
            commission,
            time: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minute),
        }
    }

    #[test]
    fn long_round_trip_with_an_add_and_two_exits() {
        let mut book = TradeBook::new();
        book.on_fill(&fill(Side::Buy, dec!(100), dec!(10), dec!(1), 0));
        book.on_fill(&fill(Side::Buy, dec!(100), dec!(12), dec!(1), 1));
        book.on_fill(&fill(Side::Sell, dec!(50), dec!(13), dec!(1), 2));
        assert!(book.closed().is_empty());
        book.on_fill(&fill(Side::Sell, dec!(150), dec!(10), dec!(1), 3));
        // Average cost 11: +2 × 50 = 100, −1 × 150 = −150 → gross −50, 4 commissions.
        let t = book.closed()[0];
        assert_eq!((t.side, t.quantity), (Side::Buy, dec!(200)));
        assert_eq!(t.entry_price, dec!(11));
        assert_eq!(t.exit_price, dec!(10.75)); // (650 + 1500) / 200
        assert_eq!(
            (t.gross_pnl, t.commission, t.net_pnl),
            (dec!(-50), dec!(4), dec!(-54))
        );
        assert_eq!(book.open_count(), 0);
    }

    #[test]
    fn a_flip_closes_the_trade_and_opens_a_short_with_the_rest() {
        let mut book = TradeBook::new();
        book.on_fill(&fill(Side::Buy, dec!(10), dec!(100), dec!(1), 0));
        book.on_fill(&fill(Side::Sell, dec!(30), dec!(105), dec!(3), 1));
        let long = book.closed()[0];
        // Closing 10 of 30 carries 1/3 of the $3 commission.
        assert_eq!(
            (long.gross_pnl, long.commission, long.net_pnl),
            (dec!(50), dec!(2), dec!(48))
        );
        book.on_fill(&fill(Side::Buy, dec!(20), dec!(101), dec!(1), 2));
        let short = book.closed()[1];
        assert_eq!(
            (short.side, short.quantity, short.entry_price),
            (Side::Sell, dec!(20), dec!(105))
        );
        assert_eq!(
            (short.gross_pnl, short.commission, short.net_pnl),
            (dec!(80), dec!(3), dec!(77))
        );
    }
}
