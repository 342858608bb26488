//! [`Harness`]: drive one strategy by hand in tests — feed bars, fill, reject
//! or cancel its intents, read its positions — exactly as the engine would
//! call it, without an engine. Convenience over speed: it returns `Vec`s, so
//! use it in tests, not on the hot path.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::domain::types::{Bar, Fill, MarketEvent, OrderIntent, StrategyId, Symbol};
use crate::domain::ConfigProblem;
use crate::strategy::config::StrategyFile;
use crate::strategy::context::StrategyBook;
use crate::strategy::intents::Intents;
use crate::strategy::registry::Registry;
use crate::strategy::traits::{OrderOutcome, RejectedBy, Strategy};

/// One strategy plus the bookkeeping the engine would keep for it.
pub struct Harness {
    strategy: Box<dyn Strategy>,
    book: StrategyBook,
    out: Intents,
    equity: Decimal,
    next_start: DateTime<Utc>,
}

impl Harness {
    /// Wraps `strategy` as instance `id` with account `equity`. The first bar
    /// starts at 2024-01-02 14:30 UTC (09:30 New York); each bar starts where
    /// the previous one ended.
    pub fn new(strategy: Box<dyn Strategy>, id: StrategyId, equity: Decimal) -> Self {
        let book = StrategyBook::new(id, strategy.symbols());
        Self {
            strategy,
            book,
            out: Intents::new(),
            equity,
            next_start: Utc
                .with_ymd_and_hms(2024, 1, 2, 14, 30, 0)
                .single()
                .unwrap_or_default(),
        }
    }

    /// Parses strategy-file text and builds it with `registry` as instance 0.
    ///
    /// # Errors
    /// Every schema or parameter problem, labelled with `source`.
    pub fn from_toml(
        registry: &Registry,
        source: &str,
        text: &str,
        equity: Decimal,
    ) -> Result<Self, Vec<ConfigProblem>> {
        let file = StrategyFile::parse(source, "test", text)?;
        let strategy = registry.build(&file, StrategyId(0))?;
        Ok(Self::new(strategy, StrategyId(0), equity))
    }

    /// Sets the account equity the next calls see.
    pub fn set_equity(&mut self, equity: Decimal) {
        self.equity = equity;
    }

    /// This strategy's position in `symbol`.
    pub fn position(&self, symbol: Symbol) -> Decimal {
        self.book
            .context(self.next_start, self.equity)
            .position(symbol)
    }

    /// Feeds one bar of the strategy's bar size; returns the intents it produced.
    pub fn bar(
        &mut self,
        symbol: Symbol,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
    ) -> Vec<OrderIntent> {
        let seconds = self.strategy.bar_seconds();
        let bar = Bar {
            symbol,
            start: self.next_start,
            seconds,
            open,
            high,
            low,
            close,
            volume: Decimal::ONE_HUNDRED,
        };
        self.next_start = bar.end();
        self.event(&MarketEvent::Bar(bar))
    }

    /// Feeds a bar whose open, high, low and close are all `close`.
    pub fn close(&mut self, symbol: Symbol, close: Decimal) -> Vec<OrderIntent> {
        self.bar(symbol, close, close, close, close)
    }

    /// Feeds bars with these closes (open = high = low = close); returns every
    /// intent produced, each with the index of the bar that produced it.
    pub fn closes(&mut self, symbol: Symbol, closes: &[Decimal]) -> Vec<(usize, OrderIntent)> {
        let mut all = Vec::new();
        for (i, &close) in closes.iter().enumerate() {
            all.extend(
                self.close(symbol, close)
                    .into_iter()
                    .map(|intent| (i, intent)),
            );
        }
        all
    }

    /// Feeds any market event (marks the symbol first, as the engine does).
    pub fn event(&mut self, event: &MarketEvent) -> Vec<OrderIntent> {
        self.book.set_mark(event.symbol(), event.mark());
        self.out.clear();
        let ctx = self.book.context(event.time(), self.equity);
        self.strategy.on_event(event, &ctx, &mut self.out);
        self.out.as_slice().to_vec()
    }

    /// Fills `intent` completely at `price` (no commission) and tells the strategy.
    pub fn fill(&mut self, intent: &OrderIntent, price: Decimal) -> Vec<OrderIntent> {
        let fill = Fill {
            symbol: intent.symbol,
            side: intent.side,
            quantity: intent.quantity,
            price,
            commission: Decimal::ZERO,
            time: self.next_start,
        };
        self.book.apply_fill(&fill);
        self.outcome(&OrderOutcome::Filled {
            intent,
            fill: &fill,
            remaining: Decimal::ZERO,
        })
    }

    /// Fills every intent in `intents` at `price`, in order.
    pub fn fill_all(&mut self, intents: &[OrderIntent], price: Decimal) -> Vec<OrderIntent> {
        intents
            .iter()
            .flat_map(|intent| self.fill(intent, price))
            .collect()
    }

    /// Tells the strategy the risk gate refused `intent` because of `reason`.
    pub fn reject(&mut self, intent: &OrderIntent, reason: &str) -> Vec<OrderIntent> {
        self.outcome(&OrderOutcome::Rejected {
            intent,
            by: RejectedBy::RiskGate,
            reason: &reason,
        })
    }

    /// Tells the strategy `intent`'s order was cancelled with nothing filled.
    pub fn cancel(&mut self, intent: &OrderIntent) -> Vec<OrderIntent> {
        self.outcome(&OrderOutcome::Cancelled {
            intent,
            unfilled: intent.quantity,
        })
    }

    /// Reports any outcome to the strategy; returns the intents it answered with.
    pub fn outcome(&mut self, outcome: &OrderOutcome<'_>) -> Vec<OrderIntent> {
        self.out.clear();
        let ctx = self.book.context(self.next_start, self.equity);
        self.strategy.on_order_outcome(outcome, &ctx, &mut self.out);
        self.out.as_slice().to_vec()
    }

    /// The wrapped strategy.
    pub fn strategy(&self) -> &dyn Strategy {
        self.strategy.as_ref()
    }

    /// Intents dropped by a full buffer during the last call.
    pub fn overflowed(&self) -> u32 {
        self.out.overflowed()
    }

    /// Moves the clock of the next bar by `by` (e.g. over a weekend).
    pub fn skip(&mut self, by: Duration) {
        self.next_start += by;
    }
}
