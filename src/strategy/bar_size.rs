//! Parsing a strategy's `bar_size` ("5 secs", "1 hour", "1 day", …) to seconds.

/// Seconds in the longest bar a strategy may ask for (one day).
pub const DAY_SECONDS: u32 = 86_400;

/// What `bar_size` accepts, for problem messages.
pub const BAR_SIZE_EXPECTED: &str = "must be a bar size like \"5 secs\", \"1 min\", \"15 mins\", \"1 hour\" or \"1 day\": a whole multiple of 5 seconds (IB streams 5-second bars), at most 1 day";

/// Parses IB-style bar sizes: `<count> <unit>` with unit `sec(s)`, `second(s)`,
/// `min(s)`, `minute(s)`, `hour(s)` or `day(s)`.
///
/// Guarantees: the result is a multiple of 5 between 5 and [`DAY_SECONDS`]
/// (IB's real-time bars are 5 seconds long, so longer bars are built from them).
/// `None` for anything else.
pub fn parse_bar_size(text: &str) -> Option<u32> {
    let mut parts = text.split_whitespace();
    let count: u32 = parts.next()?.parse().ok()?;
    let unit = match parts.next()?.to_ascii_lowercase().as_str() {
        "sec" | "secs" | "second" | "seconds" => 1,
        "min" | "mins" | "minute" | "minutes" => 60,
        "hour" | "hours" => 3_600,
        "day" | "days" => DAY_SECONDS,
        _ => return None,
    };
    if parts.next().is_some() || count == 0 {
        return None;
    }
    let seconds = count.checked_mul(unit)?;
    (seconds % 5 == 0 && seconds <= DAY_SECONDS).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ib_bar_sizes_parse_to_seconds() {
        assert_eq!(parse_bar_size("5 secs"), Some(5));
        assert_eq!(parse_bar_size("30 secs"), Some(30));
        assert_eq!(parse_bar_size("1 min"), Some(60));
        assert_eq!(parse_bar_size("15 mins"), Some(900));
        assert_eq!(parse_bar_size("1 hour"), Some(3_600));
        assert_eq!(parse_bar_size("4 hours"), Some(14_400));
        assert_eq!(parse_bar_size("1 day"), Some(86_400));
        assert_eq!(parse_bar_size(" 2  Mins "), Some(120));
    }

    #[test]
    fn other_sizes_are_refused() {
        for bad in [
            "",
            "1",
            "hour",
            "0 mins",
            "1 sec",
            "7 secs",
            "2 days",
            "25 hours",
            "1 week",
            "1 hour extra",
            "-5 secs",
            "1.5 hours",
        ] {
            assert_eq!(parse_bar_size(bad), None, "{bad:?}");
        }
    }
}
