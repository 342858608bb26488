//! The one outbound message limiter: IB allows a client 50 messages per
//! second for everything it sends (requests, orders, cancels) and answers more
//! with error 100, then a disconnect. The `ibapi` client delays (never drops)
//! messages over the budget of the [`RateLimiter`] installed on it with
//! `ClientBuilder::rate_limiter`; this module builds that limiter at a rate
//! safely below IB's.

use std::sync::OnceLock;

use ibapi::RateLimiter;

/// IB's documented limit on messages a client sends per second.
pub const IB_MESSAGES_PER_SECOND: u32 = 50;

/// The bot's default outbound rate: headroom below IB's 50 for clock skew
/// and for the messages the client sends on its own.
pub const DEFAULT_OUTBOUND_MESSAGES_PER_SECOND: u32 = 40;

/// The requested outbound rate is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutboundRateError {
    /// Zero, or not below IB's 50 messages per second.
    #[error("outbound message rate {0}/s is out of range: it must be between 1 and {max} (IB allows {IB_MESSAGES_PER_SECOND} messages/s for everything a client sends; the default is {DEFAULT_OUTBOUND_MESSAGES_PER_SECOND})", max = IB_MESSAGES_PER_SECOND - 1)]
    OutOfRange(u32),
}

/// A limiter admitting at most `messages_per_second` outbound messages in any
/// one-second window. Clones share one budget: give clones to every client
/// connected to the same TWS / IB Gateway.
///
/// # Errors
/// [`OutboundRateError::OutOfRange`] unless `1 <= messages_per_second < 50`.
pub fn outbound_rate_limiter(messages_per_second: u32) -> Result<RateLimiter, OutboundRateError> {
    if messages_per_second == 0 || messages_per_second >= IB_MESSAGES_PER_SECOND {
        return Err(OutboundRateError::OutOfRange(messages_per_second));
    }
    Ok(RateLimiter::per_second(messages_per_second))
}

/// The process-wide limiter at [`DEFAULT_OUTBOUND_MESSAGES_PER_SECOND`]: every
/// call returns a clone of the same limiter, so all connections this process
/// opens to TWS share one budget (IB counts a gateway's clients together).
pub fn shared_outbound_rate_limiter() -> RateLimiter {
    static SHARED: OnceLock<RateLimiter> = OnceLock::new();
    SHARED
        .get_or_init(|| RateLimiter::per_second(DEFAULT_OUTBOUND_MESSAGES_PER_SECOND))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_from_1_to_49_are_accepted() {
        assert!(outbound_rate_limiter(1).is_ok());
        assert!(outbound_rate_limiter(DEFAULT_OUTBOUND_MESSAGES_PER_SECOND).is_ok());
        assert!(outbound_rate_limiter(49).is_ok());
    }

    #[test]
    fn zero_and_ibs_own_limit_or_more_are_refused() {
        assert_eq!(
            outbound_rate_limiter(0).unwrap_err(),
            OutboundRateError::OutOfRange(0)
        );
        assert_eq!(
            outbound_rate_limiter(50).unwrap_err(),
            OutboundRateError::OutOfRange(50)
        );
        let message = outbound_rate_limiter(80).unwrap_err().to_string();
        assert!(message.contains("80/s"), "{message}");
        assert!(message.contains("between 1 and 49"), "{message}");
    }
}
