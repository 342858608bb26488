//! [`Intents`]: the fixed-capacity buffer a strategy writes its order intents
//! into. The engine owns one, clears it before each call and reads it after,
//! so producing intents never allocates on the hot path.

use crate::domain::types::OrderIntent;

/// How many intents one strategy call may produce. Eight is plenty for
/// "exit the old position, enter the new one" on a few symbols at once.
pub const INTENT_CAPACITY: usize = 8;

/// The buffer is full; the intent was dropped (and counted, see
/// [`Intents::overflowed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("intent buffer full: at most {capacity} intents per strategy call")]
pub struct IntentsFull {
    /// The buffer's capacity.
    pub capacity: usize,
}

/// A reusable, fixed-capacity list of [`OrderIntent`]s.
///
/// Guarantees: the backing storage is allocated once in [`Intents::new`] and
/// never grows; [`push`](Intents::push) beyond the capacity fails with
/// [`IntentsFull`] and increments [`overflowed`](Intents::overflowed) so the
/// engine can count the loss even when a strategy ignores the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intents {
    items: Vec<OrderIntent>,
    capacity: usize,
    overflowed: u32,
}

impl Default for Intents {
    fn default() -> Self {
        Self::new()
    }
}

impl Intents {
    /// An empty buffer holding up to [`INTENT_CAPACITY`] intents.
    pub fn new() -> Self {
        Self::with_capacity(INTENT_CAPACITY)
    }

    /// An empty buffer holding up to `capacity` intents (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            items: Vec::with_capacity(capacity),
            capacity,
            overflowed: 0,
        }
    }

    /// Appends an intent.
    ///
    /// # Errors
    /// [`IntentsFull`] when the buffer already holds `capacity` intents; the
    /// intent is dropped and counted in [`overflowed`](Intents::overflowed).
    pub fn push(&mut self, intent: OrderIntent) -> Result<(), IntentsFull> {
        if self.items.len() >= self.capacity {
            self.overflowed = self.overflowed.saturating_add(1);
            return Err(IntentsFull {
                capacity: self.capacity,
            });
        }
        self.items.push(intent);
        Ok(())
    }

    /// The intents pushed since the last [`clear`](Intents::clear), in order.
    pub fn as_slice(&self) -> &[OrderIntent] {
        &self.items
    }

    /// Number of intents held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no intent is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The fixed capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Intents dropped because the buffer was full since the last clear.
    pub fn overflowed(&self) -> u32 {
        self.overflowed
    }

    /// Empties the buffer and resets the overflow count; keeps the storage.
    pub fn clear(&mut self) {
        self.items.clear();
        self.overflowed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::{IntentPurpose, OrderKind, Side, StrategyId, Symbol};
    use rust_decimal::Decimal;

    fn intent(qty: i64) -> OrderIntent {
        OrderIntent {
            strategy: StrategyId(1),
            symbol: Symbol::new("SPY").unwrap(),
            side: Side::Buy,
            quantity: Decimal::from(qty),
            kind: OrderKind::Market,
            purpose: IntentPurpose::Entry,
        }
    }

    #[test]
    fn push_beyond_capacity_fails_counts_and_keeps_the_first_ones() {
        let mut out = Intents::with_capacity(2);
        assert_eq!(out.push(intent(1)), Ok(()));
        assert_eq!(out.push(intent(2)), Ok(()));
        assert_eq!(out.push(intent(3)), Err(IntentsFull { capacity: 2 }));
        assert_eq!(out.push(intent(4)), Err(IntentsFull { capacity: 2 }));
        assert_eq!(out.len(), 2);
        assert_eq!(out.overflowed(), 2);
        assert_eq!(out.as_slice()[1].quantity, Decimal::from(2));
    }

    #[test]
    fn clear_keeps_storage_and_resets_the_count() {
        let mut out = Intents::new();
        assert_eq!(out.capacity(), INTENT_CAPACITY);
        for i in 0..9 {
            let _ = out.push(intent(i));
        }
        assert_eq!(out.overflowed(), 1);
        let storage = out.items.as_ptr();
        out.clear();
        assert!(out.is_empty());
        assert_eq!(out.overflowed(), 0);
        out.push(intent(7)).unwrap();
        assert_eq!(out.items.as_ptr(), storage, "no reallocation after clear");
        assert_eq!(out.items.capacity(), INTENT_CAPACITY);
    }
}
