//! What a history download asks for: IB's bar sizes and durations, parsed
//! from what a user types (`1min` or `1 min`, `5D` or `5 D`), with the largest
//! duration IB serves in one request for each bar size.

use std::fmt;

use ibapi::market_data::historical::{BarSize as IbBarSize, Duration as IbApiDuration};

/// IB's duration units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `S`: seconds (IB counts trading seconds).
    Seconds,
    /// `D`: days (IB counts trading sessions).
    Days,
    /// `W`: weeks.
    Weeks,
    /// `M`: months.
    Months,
    /// `Y`: years.
    Years,
}

impl DurationUnit {
    /// IB's letter for the unit.
    pub fn letter(self) -> char {
        match self {
            Self::Seconds => 'S',
            Self::Days => 'D',
            Self::Weeks => 'W',
            Self::Months => 'M',
            Self::Years => 'Y',
        }
    }
}

/// Largest count accepted in a duration (keeps every count within IB's `i32`).
pub const MAX_DURATION_VALUE: u32 = 1_000_000;

/// A duration in IB's terms: a positive count of one unit, shown as IB writes
/// it (`5 D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryDuration {
    /// The count, `1..=MAX_DURATION_VALUE`.
    pub value: u32,
    /// The unit.
    pub unit: DurationUnit,
}

impl HistoryDuration {
    /// `value` units.
    pub const fn new(value: u32, unit: DurationUnit) -> Self {
        Self { value, unit }
    }

    /// Parses `5D`, `5 D`, `5d`, `1 Y`, `3600 S`, ...
    ///
    /// # Errors
    /// [`SpecError::Duration`] naming the text and the accepted form.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let bad = |why: &'static str| SpecError::Duration {
            value: text.to_string(),
            why,
        };
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| bad("the unit is missing"))?;
        let (digits, rest) = trimmed.split_at(digits_end);
        if digits.is_empty() {
            return Err(bad("it must start with a count"));
        }
        let value: u32 = digits.parse().map_err(|_| bad("the count is too large"))?;
        if value == 0 {
            return Err(bad("the count must be at least 1"));
        }
        if value > MAX_DURATION_VALUE {
            return Err(bad("the count is too large"));
        }
        let unit = match rest.trim_start().to_ascii_uppercase().as_str() {
            "S" => DurationUnit::Seconds,
            "D" => DurationUnit::Days,
            "W" => DurationUnit::Weeks,
            "M" => DurationUnit::Months,
            "Y" => DurationUnit::Years,
            _ => return Err(bad("the unit must be one of S, D, W, M, Y")),
        };
        Ok(Self { value, unit })
    }

    /// The same duration as the `ibapi` client's type.
    pub fn to_ibapi(self) -> IbApiDuration {
        // `parse` caps the value far below i32::MAX; saturate anyway.
        let value = i32::try_from(self.value).unwrap_or(i32::MAX);
        match self.unit {
            DurationUnit::Seconds => IbApiDuration::seconds(value),
            DurationUnit::Days => IbApiDuration::days(value),
            DurationUnit::Weeks => IbApiDuration::weeks(value),
            DurationUnit::Months => IbApiDuration::months(value),
            DurationUnit::Years => IbApiDuration::years(value),
        }
    }
}

impl fmt::Display for HistoryDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit.letter())
    }
}

/// One of IB's historical bar sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryBarSize {
    info: &'static BarSizeInfo,
}

#[derive(Debug, PartialEq)]
struct BarSizeInfo {
    name: &'static str,
    seconds: u32,
    ib: IbBarSize,
    max_per_request: HistoryDuration,
}

const fn info(
    name: &'static str,
    seconds: u32,
    ib: IbBarSize,
    max_value: u32,
    max_unit: DurationUnit,
) -> BarSizeInfo {
    BarSizeInfo {
        name,
        seconds,
        ib,
        max_per_request: HistoryDuration::new(max_value, max_unit),
    }
}

const DAY: u32 = 86_400;

/// IB's bar sizes with the largest duration of one request, from IB's table
/// of valid duration / bar size settings (the largest row allowing the size).
static BAR_SIZES: [BarSizeInfo; 21] = {
    use DurationUnit::{Days, Months, Seconds, Weeks, Years};
    [
        info("1 secs", 1, IbBarSize::Sec, 1800, Seconds),
        info("5 secs", 5, IbBarSize::Sec5, 3600, Seconds),
        info("10 secs", 10, IbBarSize::Sec10, 14_400, Seconds),
        info("15 secs", 15, IbBarSize::Sec15, 14_400, Seconds),
        info("30 secs", 30, IbBarSize::Sec30, 28_800, Seconds),
        info("1 min", 60, IbBarSize::Min, 1, Days),
        info("2 mins", 120, IbBarSize::Min2, 2, Days),
        info("3 mins", 180, IbBarSize::Min3, 1, Weeks),
        info("5 mins", 300, IbBarSize::Min5, 1, Weeks),
        info("10 mins", 600, IbBarSize::Min10, 1, Weeks),
        info("15 mins", 900, IbBarSize::Min15, 1, Weeks),
        info("20 mins", 1200, IbBarSize::Min20, 1, Weeks),
        info("30 mins", 1800, IbBarSize::Min30, 1, Months),
        info("1 hour", 3600, IbBarSize::Hour, 1, Months),
        info("2 hours", 7200, IbBarSize::Hour2, 1, Months),
        info("3 hours", 10_800, IbBarSize::Hour3, 1, Months),
        info("4 hours", 14_400, IbBarSize::Hour4, 1, Months),
        info("8 hours", 28_800, IbBarSize::Hour8, 1, Months),
        info("1 day", DAY, IbBarSize::Day, 1, Years),
        info("1 week", 7 * DAY, IbBarSize::Week, 1, Years),
        info("1 month", 30 * DAY, IbBarSize::Month, 1, Years),
    ]
};

/// `1 min` → `1min`, `5 MINS` → `5min`: lowercase, no spaces, no plural `s`.
fn normalize(text: &str) -> String {
    let mut compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if compact.ends_with('s') {
        compact.pop();
    }
    compact
}

impl HistoryBarSize {
    /// Parses IB's bar size names with or without the space and plural
    /// (`1min`, `1 min`, `5mins`, `1 hour`, `1day`, `1 secs`, ...).
    ///
    /// # Errors
    /// [`SpecError::BarSize`] naming the text and listing IB's bar sizes.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let wanted = normalize(text);
        BAR_SIZES
            .iter()
            .find(|info| normalize(info.name) == wanted)
            .map(|info| Self { info })
            .ok_or_else(|| SpecError::BarSize {
                value: text.to_string(),
            })
    }

    /// The IB bar size exactly `seconds` long, if IB has one.
    pub fn from_seconds(seconds: u32) -> Option<Self> {
        BAR_SIZES
            .iter()
            .find(|info| info.seconds == seconds)
            .map(|info| Self { info })
    }

    /// IB's name, e.g. `1 min`.
    pub fn name(self) -> &'static str {
        self.info.name
    }

    /// Nominal length in seconds (a month counts as 30 days).
    pub fn seconds(self) -> u32 {
        self.info.seconds
    }

    /// Whether bars carry only a date (daily and longer) rather than a time.
    pub fn is_daily_or_longer(self) -> bool {
        self.info.seconds >= DAY
    }

    /// The largest duration IB serves in one request at this bar size.
    pub fn max_per_request(self) -> HistoryDuration {
        self.info.max_per_request
    }

    /// The `ibapi` client's value.
    pub fn to_ibapi(self) -> IbBarSize {
        self.info.ib
    }
}

impl fmt::Display for HistoryBarSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info.name)
    }
}

/// Every bar size name, comma-separated, for error messages.
pub fn bar_size_names() -> String {
    BAR_SIZES
        .iter()
        .map(|info| info.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bar size or duration the user typed is not one IB knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Not one of IB's bar sizes.
    #[error("bar size {value:?} is not one of IB's bar sizes: {}, written with or without the space (e.g. 1min or \"1 min\")", bar_size_names())]
    BarSize {
        /// The text given.
        value: String,
    },
    /// Not a count and a unit.
    #[error("duration {value:?} is not valid ({why}): expected a count and a unit S (seconds), D (days), W (weeks), M (months) or Y (years), with or without the space, e.g. 5D, \"1 M\", 1Y")]
    Duration {
        /// The text given.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_sizes_parse_with_or_without_space_and_plural() {
        for text in ["1min", "1 min", "1 MIN", "1mins", " 1 min "] {
            let size = HistoryBarSize::parse(text).unwrap();
            assert_eq!(size.name(), "1 min", "{text}");
            assert_eq!(size.seconds(), 60);
            assert_eq!(size.to_ibapi(), IbBarSize::Min);
        }
        assert_eq!(HistoryBarSize::parse("5mins").unwrap().name(), "5 mins");
        assert_eq!(HistoryBarSize::parse("5 min").unwrap().seconds(), 300);
        assert_eq!(HistoryBarSize::parse("1hour").unwrap().seconds(), 3600);
        assert_eq!(HistoryBarSize::parse("1 day").unwrap().seconds(), 86_400);
        assert_eq!(HistoryBarSize::parse("1 sec").unwrap().name(), "1 secs");
        assert_eq!(HistoryBarSize::parse("30secs").unwrap().seconds(), 30);
    }

    #[test]
    fn unknown_bar_sizes_are_named_with_the_accepted_list() {
        let error = HistoryBarSize::parse("7min").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("bar size \"7min\" is not one of"),
            "{message}"
        );
        assert!(
            message.contains("1 min, 2 mins, 3 mins, 5 mins"),
            "{message}"
        );
        assert!(message.contains("1 day, 1 week, 1 month"), "{message}");
        assert!(HistoryBarSize::parse("").is_err());
        assert!(HistoryBarSize::parse("min").is_err());
    }

    #[test]
    fn max_per_request_follows_ibs_table() {
        let max = |text: &str| {
            HistoryBarSize::parse(text)
                .unwrap()
                .max_per_request()
                .to_string()
        };
        assert_eq!(max("1 secs"), "1800 S");
        assert_eq!(max("5 secs"), "3600 S");
        assert_eq!(max("30 secs"), "28800 S");
        assert_eq!(max("1 min"), "1 D");
        assert_eq!(max("2 mins"), "2 D");
        assert_eq!(max("5 mins"), "1 W");
        assert_eq!(max("30 mins"), "1 M");
        assert_eq!(max("1 hour"), "1 M");
        assert_eq!(max("1 day"), "1 Y");
    }

    #[test]
    fn durations_parse_with_or_without_space() {
        let days5 = HistoryDuration::new(5, DurationUnit::Days);
        assert_eq!(HistoryDuration::parse("5D").unwrap(), days5);
        assert_eq!(HistoryDuration::parse("5 D").unwrap(), days5);
        assert_eq!(HistoryDuration::parse("5d").unwrap(), days5);
        assert_eq!(HistoryDuration::parse(" 5  d ").unwrap(), days5);
        assert_eq!(
            HistoryDuration::parse("3600 S").unwrap(),
            HistoryDuration::new(3600, DurationUnit::Seconds)
        );
        assert_eq!(HistoryDuration::parse("1Y").unwrap().to_string(), "1 Y");
        assert_eq!(HistoryDuration::parse("2 w").unwrap().to_string(), "2 W");
        assert_eq!(HistoryDuration::parse("1 M").unwrap().to_string(), "1 M");
        assert_eq!(
            HistoryDuration::parse("5D").unwrap().to_ibapi(),
            IbApiDuration::days(5)
        );
    }

    #[test]
    fn bad_durations_say_why_and_what_is_accepted() {
        let why = |text: &str| match HistoryDuration::parse(text).unwrap_err() {
            SpecError::Duration { why, .. } => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(why("5"), "the unit is missing");
        assert_eq!(why("D"), "it must start with a count");
        assert_eq!(why("0D"), "the count must be at least 1");
        assert_eq!(why("5 X"), "the unit must be one of S, D, W, M, Y");
        assert_eq!(why("5 days"), "the unit must be one of S, D, W, M, Y");
        assert_eq!(why("-5D"), "it must start with a count");
        assert_eq!(why("1000001 D"), "the count is too large");
        assert_eq!(why("99999999999 D"), "the count is too large");
        let message = HistoryDuration::parse("5X").unwrap_err().to_string();
        assert!(
            message.starts_with("duration \"5X\" is not valid"),
            "{message}"
        );
        assert!(message.contains("e.g. 5D, \"1 M\", 1Y"), "{message}");
    }
}
