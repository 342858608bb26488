//! [`RejectReason`]: why the gate refused an intent. Every variant is `Copy`
//! and stores the numbers that decided it; text is produced only by
//! `Display`, and [`RejectReason::code`] is each variant's one stable key, so
//! refusing allocates nothing. Must never decide anything itself.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use rust_decimal::Decimal;

use crate::domain::types::{Side, Symbol};
use crate::risk::display::{Money, Percent, Shares};
use crate::risk::state::HaltCause;

/// A typed refusal. `Display` gives a human-readable sentence with the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Quantity ≤ 0.
    QuantityNotPositive {
        /// The quantity asked for.
        quantity: Decimal,
    },
    /// Quantity with a fractional part.
    FractionalQuantity {
        /// The quantity asked for.
        quantity: Decimal,
    },
    /// The symbol is not on the allow-list.
    SymbolNotAllowed {
        /// Instrument.
        symbol: Symbol,
    },
    /// The symbol is allowed but no instrument with a valid tick size is known.
    UnknownInstrument {
        /// Instrument.
        symbol: Symbol,
    },
    /// A limit or stop price ≤ 0.
    PriceNotPositive {
        /// The price given.
        price: Decimal,
    },
    /// A limit or stop price off the instrument's tick grid.
    PriceOffTick {
        /// The price given.
        price: Decimal,
        /// The instrument's tick size.
        tick: Decimal,
    },
    /// Trading is HALTED: nothing new passes.
    Halted {
        /// Why.
        cause: HaltCause,
    },
    /// Trading is REDUCING: entries do not pass.
    Reducing,
    /// Net liquidation or start-of-day equity unknown (≤ 0).
    AccountNotReady {
        /// Net liquidation given.
        net_liquidation: Decimal,
        /// Start-of-day equity given.
        start_of_day_equity: Decimal,
    },
    /// An exit on the same side as the position, or with no position.
    ExitIncreasesExposure {
        /// Instrument.
        symbol: Symbol,
        /// Side of the exit.
        side: Side,
        /// Signed position.
        position: Decimal,
    },
    /// An exit larger than what is left of the position after the exits
    /// already working: it would flip it.
    ExitExceedsPosition {
        /// Instrument.
        symbol: Symbol,
        /// Exit quantity.
        quantity: Decimal,
        /// Exits already working on the same side.
        working: Decimal,
        /// Signed position.
        position: Decimal,
    },
    /// An entry against the current position (entries open or add; exits reduce).
    EntryAgainstPosition {
        /// Instrument.
        symbol: Symbol,
        /// Side of the entry.
        side: Side,
        /// Signed position.
        position: Decimal,
    },
    /// A market order with no last price to judge it by.
    NoReferencePrice {
        /// Instrument.
        symbol: Symbol,
    },
    /// A limit or stop price too far from the last price.
    PriceCollar {
        /// Instrument.
        symbol: Symbol,
        /// The order's price.
        price: Decimal,
        /// The last price.
        last: Decimal,
        /// The configured `price_collar_pct`.
        collar_pct: Decimal,
    },
    /// Quantity × price above `max_order_notional`.
    OrderNotional {
        /// Instrument.
        symbol: Symbol,
        /// Order quantity.
        quantity: Decimal,
        /// Price used (the higher of order price and last price).
        price: Decimal,
        /// `max_order_notional`.
        limit: Decimal,
    },
    /// |position + working + order| × price above `max_position_size_pct` of net liquidation.
    PositionLimit {
        /// Instrument.
        symbol: Symbol,
        /// Signed position if every working order on this side and this order filled.
        resulting: Decimal,
        /// Price used (the higher of order price and last price).
        price: Decimal,
        /// The configured `max_position_size_pct`.
        limit_pct: Decimal,
        /// Net liquidation.
        net_liquidation: Decimal,
    },
    /// Too many working orders.
    MaxOpenOrders {
        /// Orders working now.
        open: usize,
        /// Orders this intent would add (3 for a bracket, 1 otherwise).
        adding: usize,
        /// `max_open_orders`.
        max: usize,
    },
    /// The order-rate token bucket is empty.
    RateLimited {
        /// `max_orders_per_second`.
        per_second: u32,
        /// Microseconds until the next order may pass.
        wait_micros: u64,
    },
    /// A flatten request that is not an exit intent.
    FlattenNotExit {
        /// Instrument.
        symbol: Symbol,
    },
    /// No protective stop-loss/take-profit above 0 exists for this entry price.
    Unprotectable {
        /// Entry reference price.
        reference: Decimal,
        /// Instrument tick size.
        tick: Decimal,
    },
    /// An entry decided while the exchange's regular session is closed.
    MarketClosed {
        /// Instrument.
        symbol: Symbol,
        /// When the next regular session opens (`None`: beyond the calendar).
        next_open: Option<DateTime<Utc>>,
    },
    /// An entry decided on market data older than the freshness limit.
    StaleData {
        /// Instrument.
        symbol: Symbol,
        /// How old the data was when it arrived, in milliseconds.
        age_ms: i64,
        /// The limit, in milliseconds.
        limit_ms: i64,
    },
    /// A figure the gate would compute with (a quantity, a price, a position,
    /// net liquidation) has no exact fixed-point value: a non-zero digit
    /// beyond the 8th decimal place, or beyond about ±9.2 × 10¹⁰. The gate
    /// decides only on exact figures, and refuses rather than round or wrap.
    NotExact {
        /// Instrument.
        symbol: Symbol,
        /// The figure.
        value: Decimal,
    },
}

impl RejectReason {
    /// The stable, snake_case key of the reason (e.g. `position_limit`): one
    /// per variant, never reused or renamed, so reports and the journal can
    /// count and group refusals by it. Allocates nothing.
    pub fn code(&self) -> &'static str {
        use RejectReason::*;
        match self {
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
            StaleData { .. } => "stale_data",
            MarketClosed { .. } => "market_closed",
            NotExact { .. } => "not_exact",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RejectReason::*;
        match *self {
            QuantityNotPositive { quantity } => {
                write!(f, "quantity {}: must be greater than 0", Shares(quantity))
            }
            FractionalQuantity { quantity } => write!(
                f,
                "quantity {}: only whole shares are accepted",
                Shares(quantity)
            ),
            SymbolNotAllowed { symbol } => {
                write!(f, "symbol {symbol} is not on the allow-list")
            }
            UnknownInstrument { symbol } => write!(
                f,
                "symbol {symbol}: no instrument with a tick size > 0 is known"
            ),
            PriceNotPositive { price } => write!(f, "price {price}: must be greater than 0"),
            PriceOffTick { price, tick } => write!(
                f,
                "price {price} is not a multiple of the tick size {}",
                tick.normalize()
            ),
            Halted { cause } => write!(f, "trading HALTED ({cause}): no new orders"),
            Reducing => f.write_str(
                "trading REDUCING: only exits that reduce a position are accepted",
            ),
            AccountNotReady {
                net_liquidation,
                start_of_day_equity,
            } => write!(
                f,
                "account not ready: net liquidation {} and start-of-day equity {} must both be > 0",
                Money(net_liquidation),
                Money(start_of_day_equity)
            ),
            ExitIncreasesExposure {
                symbol,
                side,
                position,
            } => write!(
                f,
                "exit {side} {symbol} would increase exposure: position is {} shares",
                Shares(position)
            ),
            ExitExceedsPosition {
                symbol,
                quantity,
                working,
                position,
            } => write!(
                f,
                "exit of {} {symbol} plus {} already working would flip the position of {} shares",
                Shares(quantity),
                Shares(working),
                Shares(position)
            ),
            EntryAgainstPosition {
                symbol,
                side,
                position,
            } => write!(
                f,
                "entry {side} {symbol} goes against the position of {} shares: reduce it with an exit",
                Shares(position)
            ),
            NoReferencePrice { symbol } => write!(
                f,
                "no reference price for {symbol}: market orders need a last price"
            ),
            PriceCollar {
                symbol,
                price,
                last,
                collar_pct,
            } => {
                let distance = if last > Decimal::ZERO {
                    (price - last).abs() / last
                } else {
                    Decimal::ZERO
                };
                write!(
                    f,
                    "price collar: {symbol} price {price} is {} from the last price {last} > {}",
                    Percent(distance),
                    Percent(collar_pct)
                )
            }
            OrderNotional {
                symbol,
                quantity,
                price,
                limit,
            } => write!(
                f,
                "order notional: {} {symbol} × {} = {} > max {}",
                Shares(quantity),
                Money(price),
                Money(quantity * price),
                Money(limit)
            ),
            PositionLimit {
                symbol,
                resulting,
                price,
                limit_pct,
                net_liquidation,
            } => write!(
                f,
                "position limit: {symbol} would reach {} shares = {} > {} of net liquidation {}",
                Shares(resulting),
                Money(resulting.abs() * price),
                Percent(limit_pct),
                Money(net_liquidation)
            ),
            MaxOpenOrders { open, adding, max } => write!(
                f,
                "max open orders: {open} working + {adding} new > {max}"
            ),
            RateLimited {
                per_second,
                wait_micros,
            } => write!(
                f,
                "order rate limit: {per_second} orders/s reached; next order possible in {}.{:03} ms",
                wait_micros / 1000,
                wait_micros % 1000
            ),
            FlattenNotExit { symbol } => write!(
                f,
                "flatten of {symbol} must be an exit intent (purpose Exit)"
            ),
            Unprotectable { reference, tick } => write!(
                f,
                "entry at {reference} cannot be protected: no stop-loss and take-profit above 0 on a {} tick",
                tick.normalize()
            ),
            MarketClosed { symbol, next_open } => match next_open {
                Some(open) => write!(
                    f,
                    "{symbol}: market closed (NYSE regular hours 09:30–16:00 New York); next open {}",
                    open.with_timezone(&New_York).format("%a %Y-%m-%d %H:%M %Z")
                ),
                None => write!(f, "{symbol}: market closed (NYSE regular hours 09:30–16:00 New York)"),
            },
            StaleData {
                symbol,
                age_ms,
                limit_ms,
            } => write!(
                f,
                "{symbol} market data is {} s old (limit {} s): no entry on stale data",
                Decimal::new(age_ms, 3),
                Decimal::new(limit_ms, 3)
            ),
            NotExact { symbol, value } => write!(
                f,
                "{symbol}: {value} has more than 8 decimal places or is out of range; \
                 the gate decides only on exact figures"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn position_limit_message_names_the_numbers() {
        let reason = RejectReason::PositionLimit {
            symbol: Symbol::new("AAPL").unwrap(),
            resulting: dec!(1200),
            price: dec!(190),
            limit_pct: dec!(0.15),
            net_liquidation: dec!(100000),
        };
        assert_eq!(
            reason.to_string(),
            "position limit: AAPL would reach 1200 shares = $228,000.00 > 15% of net liquidation $100,000.00"
        );
    }

    #[test]
    fn other_messages() {
        let aapl = Symbol::new("AAPL").unwrap();
        assert_eq!(
            RejectReason::PriceCollar {
                symbol: aapl,
                price: dec!(110),
                last: dec!(100),
                collar_pct: dec!(0.05)
            }
            .to_string(),
            "price collar: AAPL price 110 is 10% from the last price 100 > 5%"
        );
        assert_eq!(
            RejectReason::OrderNotional {
                symbol: aapl,
                quantity: dec!(500),
                price: dec!(190.5),
                limit: dec!(50000)
            }
            .to_string(),
            "order notional: 500 AAPL × $190.50 = $95,250.00 > max $50,000.00"
        );
        assert_eq!(
            RejectReason::RateLimited {
                per_second: 40,
                wait_micros: 12_500
            }
            .to_string(),
            "order rate limit: 40 orders/s reached; next order possible in 12.500 ms"
        );
        assert_eq!(
            RejectReason::Halted {
                cause: HaltCause::Operator
            }
            .to_string(),
            "trading HALTED (halted by the operator): no new orders"
        );
    }

    #[test]
    fn market_closed_names_the_next_open_in_new_york_time() {
        use chrono::TimeZone;
        let closed = RejectReason::MarketClosed {
            symbol: Symbol::new("SPY").unwrap(),
            // 2026-01-06 09:30 EST = 14:30 UTC.
            next_open: Some(Utc.with_ymd_and_hms(2026, 1, 6, 14, 30, 0).unwrap()),
        };
        assert_eq!(closed.code(), "market_closed");
        assert_eq!(
            closed.to_string(),
            "SPY: market closed (NYSE regular hours 09:30–16:00 New York); next open Tue 2026-01-06 09:30 EST"
        );
    }

    #[test]
    fn stale_data_reads_in_seconds() {
        let stale = RejectReason::StaleData {
            symbol: Symbol::new("SPY").unwrap(),
            age_ms: 12_345,
            limit_ms: 10_000,
        };
        assert_eq!(stale.code(), "stale_data");
        assert_eq!(
            stale.to_string(),
            "SPY market data is 12.345 s old (limit 10.000 s): no entry on stale data"
        );
    }

    #[test]
    fn codes_are_stable_snake_case_keys() {
        assert_eq!(RejectReason::Reducing.code(), "reducing");
        assert_eq!(
            RejectReason::OrderNotional {
                symbol: Symbol::new("SPY").unwrap(),
                quantity: dec!(1),
                price: dec!(1),
                limit: dec!(1),
            }
            .code(),
            "order_notional"
        );
        assert_eq!(
            RejectReason::Halted {
                cause: HaltCause::Operator
            }
            .code(),
            "halted"
        );
    }

    #[test]
    fn reasons_are_small_enough_to_return_by_value() {
        // No heap, and small: a Decimal is 16 bytes.
        assert!(std::mem::size_of::<RejectReason>() <= 112);
    }
}
