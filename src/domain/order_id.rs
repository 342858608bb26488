//! [`ClientOrderId`]: the bot's own deterministic order identifier, sent to IB as
//! the order's `orderRef`, so that after a crash or reconnect every order at IB
//! can be matched to the intent that created it — never guessed, never resent.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// Prefix of every `orderRef` the bot writes; orders without it are not ours.
pub const ORDER_REF_PREFIX: &str = "fta";

/// Which leg of a bracket (or what kind of stand-alone order) an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Leg {
    /// The entry (bracket parent).
    Entry,
    /// The protective stop-loss child.
    StopLoss,
    /// The take-profit child.
    TakeProfit,
    /// A stand-alone exit a strategy asked for.
    Exit,
    /// A reduce-only order from a flatten (shutdown, daily-loss, manual) or re-protection.
    Flatten,
}

impl Leg {
    fn code(self) -> char {
        match self {
            Leg::Entry => 'E',
            Leg::StopLoss => 'S',
            Leg::TakeProfit => 'T',
            Leg::Exit => 'X',
            Leg::Flatten => 'F',
        }
    }

    fn from_code(c: &str) -> Option<Leg> {
        Some(match c {
            "E" => Leg::Entry,
            "S" => Leg::StopLoss,
            "T" => Leg::TakeProfit,
            "X" => Leg::Exit,
            "F" => Leg::Flatten,
            _ => return None,
        })
    }

    /// True for the two protective children of a bracket.
    pub fn is_protective(self) -> bool {
        matches!(self, Leg::StopLoss | Leg::TakeProfit)
    }
}

/// A deterministic order id: trading day, strategy, per-day sequence and leg.
/// Displays as `fta-20260105-s3-000042-E`, which is what IB stores as `orderRef`.
/// The three legs of one bracket share day, strategy and sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientOrderId {
    day: u32,
    strategy: u16,
    seq: u32,
    leg: Leg,
}

impl ClientOrderId {
    /// Builds an id. `day` is the America/New_York trading date.
    pub fn new(day: NaiveDate, strategy: u16, seq: u32, leg: Leg) -> Self {
        let day = (day.year().max(0) as u32) * 10_000 + day.month() * 100 + day.day();
        Self {
            day,
            strategy,
            seq,
            leg,
        }
    }

    /// The same bracket's other leg.
    pub fn with_leg(self, leg: Leg) -> Self {
        Self { leg, ..self }
    }

    /// Which leg this is.
    pub fn leg(&self) -> Leg {
        self.leg
    }

    /// Strategy index that created the order (`u16::MAX` for operator/flatten orders).
    pub fn strategy(&self) -> u16 {
        self.strategy
    }

    /// Per-day sequence number.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// Trading day as `yyyymmdd`.
    pub fn day(&self) -> u32 {
        self.day
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ORDER_REF_PREFIX}-{:08}-s{}-{:06}-{}",
            self.day,
            self.strategy,
            self.seq,
            self.leg.code()
        )
    }
}

/// Whether `order_ref` claims to be the bot's (its first `-` part is
/// [`ORDER_REF_PREFIX`]), whether or not the rest parses: the one test of
/// "ours" for orders seen at TWS. An order that claims to be ours but does
/// not parse is still ours to account for, never someone else's.
pub fn claims_ours(order_ref: &str) -> bool {
    order_ref.split('-').next() == Some(ORDER_REF_PREFIX)
}

/// The text is not an `orderRef` this bot wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an order reference of this bot (expected fta-YYYYMMDD-sN-NNNNNN-L)")]
pub struct NotOurOrderRef(pub String);

impl FromStr for ClientOrderId {
    type Err = NotOurOrderRef;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || NotOurOrderRef(text.to_string());
        let mut parts = text.split('-');
        if parts.next() != Some(ORDER_REF_PREFIX) {
            return Err(bad());
        }
        let day_text = parts.next().ok_or_else(bad)?;
        let day: u32 = day_text.parse().map_err(|_| bad())?;
        if day_text.len() != 8 {
            return Err(bad());
        }
        let strategy = parts
            .next()
            .and_then(|s| s.strip_prefix('s'))
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let seq = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let leg = parts.next().and_then(Leg::from_code).ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            day,
            strategy,
            seq,
            leg,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_ref_claims_to_be_ours_by_its_first_part_only() {
        assert!(claims_ours("fta-20260105-s1-000001-E"));
        assert!(
            claims_ours("fta-garbled"),
            "ours to account for, though it does not parse"
        );
        assert!(!claims_ours("ftax-20260105-s1-000001-E"));
        assert!(!claims_ours(""));
        assert!(!claims_ours("manual"));
    }

    #[test]
    fn displays_and_parses_back() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let id = ClientOrderId::new(day, 3, 42, Leg::Entry);
        assert_eq!(id.to_string(), "fta-20260105-s3-000042-E");
        assert_eq!("fta-20260105-s3-000042-E".parse::<ClientOrderId>(), Ok(id));
        assert_eq!(
            id.with_leg(Leg::StopLoss).to_string(),
            "fta-20260105-s3-000042-S"
        );
    }

    #[test]
    fn foreign_refs_are_refused() {
        for text in [
            "",
            "manual",
            "fta-2026015-s3-000042-E",
            "fta-20260105-3-000042-E",
            "fta-20260105-s3-000042-Q",
            "fta-20260105-s3-000042-E-x",
            "abc-20260105-s3-000042-E",
        ] {
            assert!(text.parse::<ClientOrderId>().is_err(), "{text}");
        }
    }
}
