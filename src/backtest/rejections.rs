//! Stable, snake_case names for the risk gate's refusal reasons, used as the
//! keys of "rejections by reason" in reports. Naming a reason allocates
//! nothing.

use crate::risk::RejectReason;

/// The report key of a refusal reason, e.g. `position_limit`.
pub fn reason_key(reason: &RejectReason) -> &'static str {
    use RejectReason::*;
    match reason {
        QuantityNotPositive { .. } => "quantity_not_positive",
        FractionalQuantity { .. } => "fractional_quantity",
        SymbolNotAllowed { .. } => "symbol_not_allowed",
        UnknownInstrument { .. } => "unknown_instrument",
        PriceNotPositive { .. } => "price_not_positive",
        PriceOffTick { .. } => "price_off_tick",
        Halted { .. } => "halted",
        Reducing => "reducing",
        AccountNotReady { .. } => "account_not_ready",
        ExitIncreasesExposure { .. } => "exit_increases_exposure",
        ExitExceedsPosition { .. } => "exit_exceeds_position",
        EntryAgainstPosition { .. } => "entry_against_position",
        NoReferencePrice { .. } => "no_reference_price",
        PriceCollar { .. } => "price_collar",
        OrderNotional { .. } => "order_notional",
        PositionLimit { .. } => "position_limit",
        MaxOpenOrders { .. } => "max_open_orders",
        RateLimited { .. } => "rate_limited",
        FlattenNotExit { .. } => "flatten_not_exit",
        Unprotectable { .. } => "unprotectable",
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn keys_are_snake_case_names() {
        assert_eq!(reason_key(&RejectReason::Reducing), "reducing");
        assert_eq!(
            reason_key(&RejectReason::OrderNotional {
                symbol: crate::domain::types::Symbol::new("SPY").unwrap(),
                quantity: dec!(1),
                price: dec!(1),
                limit: dec!(1),
            }),
            "order_notional"
        );
    }
}
