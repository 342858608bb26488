//! The price rules of one order against (part of) one bar: when it
//! executes and at what price, before slippage. Pure functions of the order,
//! the reference open and the bar; the bookkeeping lives in the parent module.
//! Prices are fixed-point [`Figure`]s (exact, and they turn back into the very
//! `Decimal`s they came from); a price with more than 8 places has none, and
//! the parent refuses such an order and trades nothing on such a bar.

use super::LimitFill;
use crate::domain::money::Figure;
use crate::domain::types::{Bar, OrderKind, Side};

/// An order's pricing in fixed point (its [`OrderKind`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Pricing {
    Market,
    Limit(Figure),
    Stop(Figure),
    StopLimit { stop: Figure, limit: Figure },
}

impl Pricing {
    /// `kind`'s prices in fixed point; `None` when one has no exact [`Figure`].
    pub(super) fn of(kind: &OrderKind) -> Option<Self> {
        let exact = |price| Figure::from_decimal(price).ok();
        Some(match *kind {
            OrderKind::Market => Pricing::Market,
            OrderKind::Limit { limit } => Pricing::Limit(exact(limit)?),
            OrderKind::Stop { stop } => Pricing::Stop(exact(stop)?),
            OrderKind::StopLimit { stop, limit } => Pricing::StopLimit {
                stop: exact(stop)?,
                limit: exact(limit)?,
            },
        })
    }
}

/// The part of a bar an order is tried against: from `open` (the bar's, or
/// an entry's fill price inside it) through the bar's range.
#[derive(Debug, Clone, Copy)]
pub(super) struct Range {
    pub(super) open: Figure,
    pub(super) high: Figure,
    pub(super) low: Figure,
}

impl Range {
    /// `bar` in fixed point; `None` when a price has no exact [`Figure`].
    pub(super) fn of(bar: &Bar) -> Option<Self> {
        let exact = |price| Figure::from_decimal(price).ok();
        Some(Self {
            open: exact(bar.open)?,
            high: exact(bar.high)?,
            low: exact(bar.low)?,
        })
    }

    /// The open alone: a range that is its first price.
    pub(super) fn open_only(self) -> Self {
        Self {
            high: self.open,
            low: self.open,
            ..self
        }
    }

    /// The same range from `open` on.
    pub(super) fn from(self, open: Figure) -> Self {
        Self { open, ..self }
    }
}

/// How one order fares against one bar.
pub(super) enum Outcome {
    Nothing,
    /// Executes at `price` (before slippage); `at_open` when at the reference open.
    Fill {
        price: Figure,
        at_open: bool,
        slips: bool,
    },
    /// A stop-limit triggered beyond its limit: rests as a limit from the next bar.
    BecomesLimit(Figure),
}

/// 0: market (open only), 1: stop and stop-limit, 2: limit.
pub(super) fn pass_of(kind: &Pricing) -> u8 {
    match kind {
        Pricing::Market => 0,
        Pricing::Stop(_) | Pricing::StopLimit { .. } => 1,
        Pricing::Limit(_) => 2,
    }
}

/// The stop's trigger price within `range`: its open when that is already
/// through the stop, else the stop when the range reaches it.
fn stop_trigger(side: Side, stop: Figure, range: &Range) -> Option<(Figure, bool)> {
    match side {
        Side::Buy if range.open >= stop => Some((range.open, true)),
        Side::Buy if range.high >= stop => Some((stop, false)),
        Side::Sell if range.open <= stop => Some((range.open, true)),
        Side::Sell if range.low <= stop => Some((stop, false)),
        _ => None,
    }
}

pub(super) fn outcome(kind: &Pricing, side: Side, range: &Range, rule: LimitFill) -> Outcome {
    let (open, bar) = (range.open, range);
    match *kind {
        Pricing::Market => Outcome::Fill {
            price: open,
            at_open: true,
            slips: true,
        },
        Pricing::Limit(limit) => {
            let marketable = match side {
                Side::Buy => open <= limit,
                Side::Sell => open >= limit,
            };
            let crossed = match (side, rule) {
                (Side::Buy, LimitFill::TradeThrough) => bar.low < limit,
                (Side::Buy, LimitFill::Touch) => bar.low <= limit,
                (Side::Sell, LimitFill::TradeThrough) => bar.high > limit,
                (Side::Sell, LimitFill::Touch) => bar.high >= limit,
            };
            if marketable {
                Outcome::Fill {
                    price: open,
                    at_open: true,
                    slips: false,
                }
            } else if crossed {
                Outcome::Fill {
                    price: limit,
                    at_open: false,
                    slips: false,
                }
            } else {
                Outcome::Nothing
            }
        }
        Pricing::Stop(stop) => match stop_trigger(side, stop, range) {
            Some((price, at_open)) => Outcome::Fill {
                price,
                at_open,
                slips: true,
            },
            None => Outcome::Nothing,
        },
        Pricing::StopLimit { stop, limit } => match stop_trigger(side, stop, range) {
            Some((price, at_open)) => {
                let within = match side {
                    Side::Buy => price <= limit,
                    Side::Sell => price >= limit,
                };
                if within {
                    Outcome::Fill {
                        price,
                        at_open,
                        slips: false,
                    }
                } else {
                    Outcome::BecomesLimit(limit)
                }
            }
            None => Outcome::Nothing,
        },
    }
}
