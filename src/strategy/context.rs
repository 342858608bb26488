//! [`StrategyContext`]: the read-only view a strategy gets with every call —
//! its own positions and marks, account equity, the event's clock and its id —
//! and [`StrategyBook`], the engine-side record that backs it.
//!
//! The context holds no account id and no handle to the broker: a strategy can
//! only look, and answer with intents.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::types::{Fill, IntentPurpose, OrderIntent, OrderKind, Side, StrategyId, Symbol};

/// One symbol as seen by one strategy: the position that strategy holds and the
/// latest mark (last price) the engine saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    /// Instrument.
    pub symbol: Symbol,
    /// Signed quantity this strategy holds (positive long, negative short).
    pub position: Decimal,
    /// Latest mark, `None` before the first event for the symbol.
    pub mark: Option<Decimal>,
}

/// What a strategy may read during a call. Borrowed, `Copy`, allocation-free.
///
/// Guarantees: `now` is the event's time (never the wall clock), positions are
/// this strategy's own (not the account's), and nothing here identifies the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyContext<'a> {
    id: StrategyId,
    now: DateTime<Utc>,
    equity: Decimal,
    holdings: &'a [Holding],
}

impl<'a> StrategyContext<'a> {
    /// Built by the engine (or a test) for one call.
    pub fn new(
        id: StrategyId,
        now: DateTime<Utc>,
        equity: Decimal,
        holdings: &'a [Holding],
    ) -> Self {
        Self {
            id,
            now,
            equity,
            holdings,
        }
    }

    /// The strategy's id; every intent must carry it.
    pub fn id(&self) -> StrategyId {
        self.id
    }

    /// The clock of the event being handled.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Account equity (net liquidation) in account currency.
    pub fn equity(&self) -> Decimal {
        self.equity
    }

    /// This strategy's signed position in `symbol`; zero when it holds none.
    pub fn position(&self, symbol: Symbol) -> Decimal {
        self.holding(symbol)
            .map_or(Decimal::ZERO, |holding| holding.position)
    }

    /// Latest mark of `symbol`, if the engine has seen one.
    pub fn mark(&self, symbol: Symbol) -> Option<Decimal> {
        self.holding(symbol).and_then(|holding| holding.mark)
    }

    /// Every symbol the strategy trades, with position and mark.
    pub fn holdings(&self) -> &'a [Holding] {
        self.holdings
    }

    fn holding(&self, symbol: Symbol) -> Option<&'a Holding> {
        self.holdings
            .iter()
            .find(|holding| holding.symbol == symbol)
    }

    /// An intent stamped with this strategy's id.
    pub fn intent(
        &self,
        symbol: Symbol,
        side: Side,
        quantity: Decimal,
        kind: OrderKind,
        purpose: IntentPurpose,
    ) -> OrderIntent {
        OrderIntent {
            strategy: self.id,
            symbol,
            side,
            quantity,
            kind,
            purpose,
        }
    }

    /// A market-order intent stamped with this strategy's id.
    pub fn market_order(
        &self,
        symbol: Symbol,
        side: Side,
        quantity: Decimal,
        purpose: IntentPurpose,
    ) -> OrderIntent {
        self.intent(symbol, side, quantity, OrderKind::Market, purpose)
    }
}

/// The engine's record of one strategy's holdings, from which it lends a
/// [`StrategyContext`] per call. Storage is allocated once in
/// [`StrategyBook::new`]; updates never allocate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyBook {
    id: StrategyId,
    holdings: Vec<Holding>,
}

impl StrategyBook {
    /// A flat book for strategy `id` trading `symbols` (duplicates are kept once).
    pub fn new(id: StrategyId, symbols: &[Symbol]) -> Self {
        let mut holdings: Vec<Holding> = Vec::with_capacity(symbols.len());
        for &symbol in symbols {
            if !holdings.iter().any(|holding| holding.symbol == symbol) {
                holdings.push(Holding {
                    symbol,
                    position: Decimal::ZERO,
                    mark: None,
                });
            }
        }
        Self { id, holdings }
    }

    /// The strategy this book belongs to.
    pub fn id(&self) -> StrategyId {
        self.id
    }

    /// Adds a fill of one of this strategy's orders to its position. Returns
    /// `false` (and changes nothing) when the symbol is not one of the strategy's.
    pub fn apply_fill(&mut self, fill: &Fill) -> bool {
        match self.slot(fill.symbol) {
            Some(holding) => {
                holding.position += fill.side.sign() * fill.quantity;
                true
            }
            None => false,
        }
    }

    /// Records the latest price of `symbol`. Returns `false` for a foreign symbol.
    pub fn set_mark(&mut self, symbol: Symbol, price: Decimal) -> bool {
        match self.slot(symbol) {
            Some(holding) => {
                holding.mark = Some(price);
                true
            }
            None => false,
        }
    }

    /// Overwrites the position (restart reconciliation). Returns `false` for a
    /// foreign symbol.
    pub fn set_position(&mut self, symbol: Symbol, position: Decimal) -> bool {
        match self.slot(symbol) {
            Some(holding) => {
                holding.position = position;
                true
            }
            None => false,
        }
    }

    /// The holdings, in the order the symbols were given.
    pub fn holdings(&self) -> &[Holding] {
        &self.holdings
    }

    /// The read-only view for one call at `now` with account `equity`.
    pub fn context(&self, now: DateTime<Utc>, equity: Decimal) -> StrategyContext<'_> {
        StrategyContext::new(self.id, now, equity, &self.holdings)
    }

    fn slot(&mut self, symbol: Symbol) -> Option<&mut Holding> {
        self.holdings
            .iter_mut()
            .find(|holding| holding.symbol == symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).unwrap()
    }

    fn fill(symbol: &str, side: Side, quantity: Decimal) -> Fill {
        Fill {
            symbol: sym(symbol),
            side,
            quantity,
            price: dec!(100),
            commission: dec!(1),
            time: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn book_tracks_own_positions_and_marks_only() {
        let mut book = StrategyBook::new(StrategyId(3), &[sym("SPY"), sym("QQQ"), sym("SPY")]);
        assert_eq!(book.holdings().len(), 2);
        assert!(book.apply_fill(&fill("SPY", Side::Buy, dec!(10))));
        assert!(book.apply_fill(&fill("SPY", Side::Sell, dec!(4))));
        assert!(book.apply_fill(&fill("QQQ", Side::Sell, dec!(5))));
        assert!(!book.apply_fill(&fill("IWM", Side::Buy, dec!(1))));
        assert!(book.set_mark(sym("QQQ"), dec!(321.5)));
        assert!(!book.set_mark(sym("IWM"), dec!(1)));

        let now = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(1);
        let ctx = book.context(now, dec!(100000));
        assert_eq!(ctx.id(), StrategyId(3));
        assert_eq!(ctx.now(), now);
        assert_eq!(ctx.equity(), dec!(100000));
        // 10 bought − 4 sold = 6 long; 5 sold = −5.
        assert_eq!(ctx.position(sym("SPY")), dec!(6));
        assert_eq!(ctx.position(sym("QQQ")), dec!(-5));
        assert_eq!(ctx.position(sym("IWM")), Decimal::ZERO);
        assert_eq!(ctx.mark(sym("QQQ")), Some(dec!(321.5)));
        assert_eq!(ctx.mark(sym("SPY")), None);

        let intent = ctx.market_order(sym("SPY"), Side::Sell, dec!(6), IntentPurpose::Exit);
        assert_eq!(intent.strategy, StrategyId(3));
        assert_eq!(intent.kind, OrderKind::Market);
        assert!(book.set_position(sym("SPY"), dec!(0)));
        assert_eq!(book.holdings()[0].position, Decimal::ZERO);
    }
}
