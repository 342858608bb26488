//! The stateless checks the gate composes: quantity, price and tick,
//! reduce-only, and merging of successive state changes. Pure functions of
//! their arguments; no allocation.

use rust_decimal::Decimal;

use crate::domain::types::{OrderIntent, OrderKind, Side};
use crate::risk::bracket::Tick;
use crate::risk::reason::RejectReason;
use crate::risk::state::StateChange;

/// `d > 0`, from the sign bit and the mantissa (no rescaling comparison).
pub(super) fn positive(d: Decimal) -> bool {
    d.is_sign_positive() && !d.is_zero()
}

/// Combines two successive changes into the net one (`None` if they cancel out).
pub(super) fn merge(
    first: Option<StateChange>,
    second: Option<StateChange>,
) -> Option<StateChange> {
    match (first, second) {
        (None, change) | (change, None) => change,
        (Some(a), Some(b)) => (a.from != b.to).then_some(StateChange {
            from: a.from,
            to: b.to,
            reason: b.reason,
        }),
    }
}

pub(super) fn check_quantity(quantity: Decimal) -> Result<(), RejectReason> {
    if !positive(quantity) {
        return Err(RejectReason::QuantityNotPositive { quantity });
    }
    if quantity.scale() != 0 && !quantity.fract().is_zero() {
        return Err(RejectReason::FractionalQuantity { quantity });
    }
    Ok(())
}

pub(super) fn check_price(price: Decimal, tick: Option<Tick>) -> Result<(), RejectReason> {
    if !positive(price) {
        return Err(RejectReason::PriceNotPositive { price });
    }
    match tick {
        Some(tick) if !tick.is_on_grid(price) => Err(RejectReason::PriceOffTick {
            price,
            tick: tick.size_at(price),
        }),
        _ => Ok(()),
    }
}

/// Runs `check` on every limit and stop price of `kind`.
pub(super) fn for_each_price(
    kind: OrderKind,
    mut check: impl FnMut(Decimal) -> Result<(), RejectReason>,
) -> Result<(), RejectReason> {
    match kind {
        OrderKind::Market => Ok(()),
        OrderKind::Limit { limit } => check(limit),
        OrderKind::Stop { stop } => check(stop),
        OrderKind::StopLimit { stop, limit } => check(stop).and_then(|()| check(limit)),
    }
}

/// An exit must be opposite to a non-zero position and, together with the
/// exits already working on its side, no larger than the position.
pub(super) fn check_reduce_only(
    intent: &OrderIntent,
    position: Decimal,
    working: Decimal,
) -> Result<(), RejectReason> {
    let reduces = !position.is_zero() && position.is_sign_positive() != (intent.side == Side::Buy);
    if !reduces {
        return Err(RejectReason::ExitIncreasesExposure {
            symbol: intent.symbol,
            side: intent.side,
            position,
        });
    }
    if working + intent.quantity > position.abs() {
        return Err(RejectReason::ExitExceedsPosition {
            symbol: intent.symbol,
            quantity: intent.quantity,
            working,
            position,
        });
    }
    Ok(())
}
