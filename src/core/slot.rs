//! [`Slot`]: one strategy instance inside the engine — its id, the symbols it
//! listens to, the bar aggregators that turn incoming bars into its bar size,
//! and the holdings buffer its read-only context is built from (reused, so
//! delivering an event allocates nothing).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::core::bars::BarAggregator;
use crate::domain::portfolio::Portfolio;
use crate::domain::types::{MarketEvent, StrategyId, Symbol};
use crate::strategy::{Holding, Intents, OrderOutcome, Strategy, StrategyContext};

/// One strategy instance and its per-symbol state.
pub struct Slot {
    id: StrategyId,
    strategy: Box<dyn Strategy>,
    symbols: Vec<Symbol>,
    bar_seconds: u32,
    aggregators: Vec<BarAggregator>,
    holdings: Vec<Holding>,
}

impl Slot {
    /// Wraps `strategy` as instance `id`.
    pub fn new(id: StrategyId, strategy: Box<dyn Strategy>) -> Self {
        let symbols = strategy.symbols().to_vec();
        let bar_seconds = strategy.bar_seconds();
        let aggregators = symbols
            .iter()
            .map(|&s| BarAggregator::new(s, bar_seconds))
            .collect();
        let holdings = symbols
            .iter()
            .map(|&symbol| Holding {
                symbol,
                position: Decimal::ZERO,
                mark: None,
            })
            .collect();
        Self {
            id,
            strategy,
            symbols,
            bar_seconds,
            aggregators,
            holdings,
        }
    }

    /// The instance id.
    pub fn id(&self) -> StrategyId {
        self.id
    }

    /// Symbols the strategy trades.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// The event as this strategy should see it: `None` for other symbols or
    /// while a bar of its size is still being built from smaller bars. Bars of
    /// its size or larger, quotes and trades pass through unchanged.
    pub fn accept(&mut self, event: &MarketEvent) -> Option<MarketEvent> {
        let index = self.symbols.iter().position(|&s| s == event.symbol())?;
        match event {
            MarketEvent::Bar(bar) if bar.seconds < self.bar_seconds => self
                .aggregators
                .get_mut(index)?
                .push(bar)
                .map(MarketEvent::Bar),
            _ => Some(*event),
        }
    }

    fn refresh(&mut self, portfolio: &Portfolio) {
        for holding in &mut self.holdings {
            let book = portfolio.position(holding.symbol);
            holding.position = book.map_or(Decimal::ZERO, |p| p.quantity());
            holding.mark = book.and_then(|p| p.last_price());
        }
    }

    /// How many bars of history the strategy wants before trading, and its bar length.
    pub fn warmup_need(&self) -> (usize, u32) {
        (self.strategy.warmup_bars(), self.bar_seconds)
    }

    /// Feeds one historical bar to the strategy's indicators (no trading).
    pub fn warm_up(&mut self, bar: &crate::domain::types::Bar) {
        self.strategy.warm_up(bar);
    }

    /// Delivers a market event with a fresh read-only context.
    pub fn on_event(
        &mut self,
        event: &MarketEvent,
        now: DateTime<Utc>,
        equity: Decimal,
        portfolio: &Portfolio,
        out: &mut Intents,
    ) {
        self.refresh(portfolio);
        let ctx = StrategyContext::new(self.id, now, equity, &self.holdings);
        self.strategy.on_event(event, &ctx, out);
    }

    /// Delivers an order outcome with a fresh read-only context.
    pub fn on_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        now: DateTime<Utc>,
        equity: Decimal,
        portfolio: &Portfolio,
        out: &mut Intents,
    ) {
        self.refresh(portfolio);
        let ctx = StrategyContext::new(self.id, now, equity, &self.holdings);
        self.strategy.on_order_outcome(outcome, &ctx, out);
    }
}
