//! Timestamp parsing for bar files: RFC 3339 with an explicit offset
//! (`2021-03-31T09:30:00-04:00`, as in `../shared/data/bars`) and IB's
//! `yyyymmdd hh:mm:ss ZONE` (`20210331 09:30:00 US/Eastern`), where ZONE is an
//! IANA name. Local times that fall into a daylight-saving gap are errors;
//! ambiguous ones (the repeated hour in autumn) resolve to the earlier instant.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Why a timestamp field could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeProblem {
    /// Neither RFC 3339 with an offset nor `yyyymmdd hh:mm:ss ZONE`.
    Format,
    /// The zone name of an IB timestamp is not an IANA time zone.
    UnknownZone,
    /// The local time does not exist in the zone (daylight-saving gap).
    Nonexistent,
}

impl std::fmt::Display for TimeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeProblem::Format => {
                "not a timestamp (expected RFC 3339 with an offset, e.g. 2021-03-31T09:30:00-04:00, \
                 or IB's 20210331 09:30:00 US/Eastern)"
            }
            TimeProblem::UnknownZone => {
                "unknown time zone (use an IANA name such as America/New_York or US/Eastern)"
            }
            TimeProblem::Nonexistent => {
                "this local time does not exist in its zone (daylight-saving gap)"
            }
        })
    }
}

/// Parses timestamps, remembering the last IB zone name so a file written in
/// one zone looks it up once.
#[derive(Debug, Default)]
pub struct TimeParser {
    zone: Option<(String, Tz)>,
}

impl TimeParser {
    /// Parses one timestamp field (already trimmed).
    ///
    /// # Errors
    /// [`TimeProblem`] saying what is wrong with the text.
    pub fn parse(&mut self, text: &str) -> Result<DateTime<Utc>, TimeProblem> {
        let bytes = text.as_bytes();
        if bytes.len() >= 10 && bytes[4] == b'-' {
            return parse_rfc3339(text).ok_or(TimeProblem::Format);
        }
        self.parse_ib(text)
    }

    fn parse_ib(&mut self, text: &str) -> Result<DateTime<Utc>, TimeProblem> {
        let mut parts = text.split_ascii_whitespace();
        let (Some(date), Some(time), Some(zone), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TimeProblem::Format);
        };
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| TimeProblem::Format)?;
        let time = NaiveTime::parse_from_str(time, "%H:%M:%S").map_err(|_| TimeProblem::Format)?;
        let tz = self.zone(zone)?;
        match tz.from_local_datetime(&NaiveDateTime::new(date, time)) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
            LocalResult::None => Err(TimeProblem::Nonexistent),
        }
    }

    fn zone(&mut self, name: &str) -> Result<Tz, TimeProblem> {
        if let Some((cached, tz)) = &self.zone {
            if cached == name {
                return Ok(*tz);
            }
        }
        let tz: Tz = name.parse().map_err(|_| TimeProblem::UnknownZone)?;
        self.zone = Some((name.to_string(), tz));
        Ok(tz)
    }
}

/// Fast path for `YYYY-MM-DDTHH:MM:SS±HH:MM` (and `Z`); anything else RFC 3339
/// allows (fractional seconds, a space for `T`) goes through chrono.
fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() == 25 && b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[22] == b':' {
        let date = NaiveDate::from_ymd_opt(
            digits(&b[0..4])? as i32,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
        )?;
        let time = NaiveTime::from_hms_opt(
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        )?;
        let offset = (digits(&b[20..22])? * 3600 + digits(&b[23..25])? * 60) as i32;
        let offset = match b[19] {
            b'+' => FixedOffset::east_opt(offset)?,
            b'-' => FixedOffset::west_opt(offset)?,
            _ => return None,
        };
        let local = NaiveDateTime::new(date, time);
        return offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc));
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// ASCII digits to a number; `None` for anything else.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn rfc3339_with_offset_fast_and_slow_paths() {
        let mut p = TimeParser::default();
        assert_eq!(
            p.parse("2021-03-31T09:30:00-04:00"),
            Ok(utc("2021-03-31T13:30:00Z"))
        );
        assert_eq!(
            p.parse("1998-01-02T00:00:00-05:00"),
            Ok(utc("1998-01-02T05:00:00Z"))
        );
        assert_eq!(
            p.parse("2021-03-31T13:30:00Z"),
            Ok(utc("2021-03-31T13:30:00Z"))
        );
        assert_eq!(
            p.parse("2021-03-31T09:30:00.500-04:00"),
            Ok(utc("2021-03-31T13:30:00.5Z"))
        );
        assert_eq!(
            p.parse("2021-02-30T09:30:00-04:00"),
            Err(TimeProblem::Format)
        );
        assert_eq!(
            p.parse("2021-03-31T09:3x:00-04:00"),
            Err(TimeProblem::Format)
        );
    }

    #[test]
    fn ib_format_with_zone_names() {
        let mut p = TimeParser::default();
        // Winter: EST is UTC−5; summer: EDT is UTC−4.
        assert_eq!(
            p.parse("20210104 09:30:00 US/Eastern"),
            Ok(utc("2021-01-04T14:30:00Z"))
        );
        assert_eq!(
            p.parse("20210331 09:30:00 America/New_York"),
            Ok(utc("2021-03-31T13:30:00Z"))
        );
        assert_eq!(
            p.parse("20210331  09:30:00  US/Eastern"),
            Ok(utc("2021-03-31T13:30:00Z"))
        );
        assert_eq!(
            p.parse("20210331 09:30:00 Mars/Olympus"),
            Err(TimeProblem::UnknownZone)
        );
        assert_eq!(p.parse("20210331 09:30:00"), Err(TimeProblem::Format));
        // 2021-03-14 02:30 does not exist in New York; 2021-11-07 01:30 happens twice.
        assert_eq!(
            p.parse("20210314 02:30:00 US/Eastern"),
            Err(TimeProblem::Nonexistent)
        );
        assert_eq!(
            p.parse("20211107 01:30:00 US/Eastern"),
            Ok(utc("2021-11-07T05:30:00Z"))
        );
    }
}
