//! CSV bar files (`timestamp,open,high,low,close,volume`) for replay.

use std::path::Path;
use std::str::FromStr;

use chrono::DateTime;
use rust_decimal::Decimal;

use crate::SimError;

/// One bar of a replay file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayBar {
    /// Bar start, unix seconds.
    pub time: i64,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Volume.
    pub volume: Decimal,
}

/// Parses CSV text with an RFC 3339 timestamp column.
///
/// # Errors
/// [`SimError::Replay`] naming the first bad line.
pub fn parse_replay_csv(text: &str, origin: &str) -> Result<Vec<ReplayBar>, SimError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (n == 0 && line.starts_with("timestamp")) {
            continue;
        }
        let bad = |what: &str| SimError::Replay(format!("{origin}:{}: {what}: {line:?}", n + 1));
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 6 {
            return Err(bad("expected 6 columns"));
        }
        let time = DateTime::parse_from_rfc3339(f[0])
            .map_err(|_| bad("bad timestamp"))?
            .timestamp();
        let num = |s: &str| Decimal::from_str(s.trim()).map_err(|_| bad("bad number"));
        let bar = ReplayBar {
            time,
            open: num(f[1])?,
            high: num(f[2])?,
            low: num(f[3])?,
            close: num(f[4])?,
            volume: num(f[5])?,
        };
        if bar.low > bar.high || bar.open <= Decimal::ZERO {
            return Err(bad("inconsistent bar"));
        }
        out.push(bar);
    }
    Ok(out)
}

/// Loads a replay file.
///
/// # Errors
/// [`SimError::Replay`] when unreadable or malformed.
pub fn load_replay_csv(path: &Path) -> Result<Vec<ReplayBar>, SimError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SimError::Replay(format!("{}: {e}", path.display())))?;
    parse_replay_csv(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parses_shared_data_format() {
        let text = "timestamp,open,high,low,close,volume\n1999-03-10T00:00:00-05:00,102.2500,102.3100,100.5600,101.9400,2632800\n";
        let bars = parse_replay_csv(text, "t").unwrap();
        assert_eq!(bars.len(), 1);
        assert_eq!(bars[0].time, 921_042_000);
        assert_eq!(bars[0].close, dec!(101.94));
        assert_eq!(bars[0].volume, dec!(2632800));
    }

    #[test]
    fn rejects_bad_rows() {
        assert!(parse_replay_csv("x,1,2,3,4,5\n", "t").is_err());
        assert!(parse_replay_csv("2020-01-01T00:00:00Z,1,1,2,1,5\n", "t").is_err());
    }
}
