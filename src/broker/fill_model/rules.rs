//! The price rules of one order against (part of) one bar: when it
//! executes and at what price, before slippage. Pure functions of the order,
//! the reference open and the bar; the bookkeeping lives in the parent module.

use rust_decimal::Decimal;

use super::LimitFill;
use crate::domain::types::{Bar, OrderKind, Side};

/// How one order fares against one bar.
pub(super) enum Outcome {
    Nothing,
    /// Executes at `price` (before slippage); `at_open` when at the reference open.
    Fill {
        price: Decimal,
        at_open: bool,
        slips: bool,
    },
    /// A stop-limit triggered beyond its limit: rests as a limit from the next bar.
    BecomesLimit(Decimal),
}

/// 0: market (open only), 1: stop and stop-limit, 2: limit.
pub(super) fn pass_of(kind: &OrderKind) -> u8 {
    match kind {
        OrderKind::Market => 0,
        OrderKind::Stop { .. } | OrderKind::StopLimit { .. } => 1,
        OrderKind::Limit { .. } => 2,
    }
}

/// The stop's trigger price within the bar part starting at `open`: the open
/// when it is already through the stop, else the stop when the range reaches it.
fn stop_trigger(side: Side, stop: Decimal, open: Decimal, bar: &Bar) -> Option<(Decimal, bool)> {
    match side {
        Side::Buy if open >= stop => Some((open, true)),
        Side::Buy if bar.high >= stop => Some((stop, false)),
        Side::Sell if open <= stop => Some((open, true)),
        Side::Sell if bar.low <= stop => Some((stop, false)),
        _ => None,
    }
}

pub(super) fn outcome(
    kind: &OrderKind,
    side: Side,
    open: Decimal,
    bar: &Bar,
    rule: LimitFill,
) -> Outcome {
    match *kind {
        OrderKind::Market => Outcome::Fill {
            price: open,
            at_open: true,
            slips: true,
        },
        OrderKind::Limit { limit } => {
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
        OrderKind::Stop { stop } => match stop_trigger(side, stop, open, bar) {
            Some((price, at_open)) => Outcome::Fill {
                price,
                at_open,
                slips: true,
            },
            None => Outcome::Nothing,
        },
        OrderKind::StopLimit { stop, limit } => match stop_trigger(side, stop, open, bar) {
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
