//! [`ClientOrderId`]: the bot's own deterministic order identifier, sent to IB as
//! the order's `orderRef`, so that after a crash or reconnect every order at IB
//! can be matched to the intent that created it — never guessed, never resent.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// Prefix of every `orderRef` the bot writes; orders without it are not ours.
pub const ORDER_REF_PREFIX: &str = "fta";

/// Prefix of the `orderRef`s the manual commands (`flatten`) write: their own
/// namespace, so a running bot never takes such an order for one of its own
/// (to the bot it is someone else's order: listed, never touched).
pub const MANUAL_REF_PREFIX: &str = "ftm";

/// Who numbers an id: the bot (`fta-…`, sequence from its day in the
/// journal) or a manual command (`ftm-…`, its own sequence in the journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    /// The trading bot (`run`): [`ORDER_REF_PREFIX`].
    Bot,
    /// A manual command from another terminal: [`MANUAL_REF_PREFIX`].
    Manual,
}

impl Namespace {
    /// The `orderRef` prefix of this namespace.
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Bot => ORDER_REF_PREFIX,
            Namespace::Manual => MANUAL_REF_PREFIX,
        }
    }
}

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
    namespace: Namespace,
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
            namespace: Namespace::Bot,
            day,
            strategy,
            seq,
            leg,
        }
    }

    /// The id of a manual command's closing order: trading `day`, the
    /// command's own per-day `seq` (from the journal), strategy `u16::MAX`,
    /// leg `F`. Displays as `ftm-20260105-s65535-000001-F`.
    pub fn manual(day: NaiveDate, seq: u32) -> Self {
        Self {
            namespace: Namespace::Manual,
            ..Self::new(day, u16::MAX, seq, Leg::Flatten)
        }
    }

    /// Who numbered this id.
    pub fn namespace(&self) -> Namespace {
        self.namespace
    }

    /// Parses an id of either namespace (what the journal stores). Everything
    /// the bot reads from TWS goes through [`FromStr`], which accepts only its
    /// own (`fta-…`).
    ///
    /// # Errors
    /// [`NotOurOrderRef`] when `text` is in neither namespace.
    pub fn parse_any(text: &str) -> Result<Self, NotOurOrderRef> {
        match text.strip_prefix(MANUAL_REF_PREFIX) {
            Some(rest) if rest.starts_with('-') => {
                let bot = format!("{ORDER_REF_PREFIX}{rest}").parse::<Self>();
                bot.map(|id| Self {
                    namespace: Namespace::Manual,
                    ..id
                })
                .map_err(|_| NotOurOrderRef(text.to_string()))
            }
            _ => text.parse(),
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
            "{}-{:08}-s{}-{:06}-{}",
            self.namespace.prefix(),
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
            namespace: Namespace::Bot,
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
    fn manual_ids_have_their_own_namespace_the_bot_does_not_claim() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let id = ClientOrderId::manual(day, 2);
        assert_eq!(id.to_string(), "ftm-20260105-s65535-000002-F");
        assert_eq!(id.namespace(), Namespace::Manual);
        assert_eq!(ClientOrderId::parse_any(&id.to_string()), Ok(id));
        assert!(!claims_ours(&id.to_string()));
        assert!(
            id.to_string().parse::<ClientOrderId>().is_err(),
            "the bot's own parser refuses it"
        );
        let bot = ClientOrderId::new(day, u16::MAX, 2, Leg::Flatten);
        assert_ne!(id, bot);
        assert_eq!(ClientOrderId::parse_any(&bot.to_string()), Ok(bot));
        for bad in ["ftm", "ftmx-20260105-s1-000001-F", "ftm-garbled"] {
            assert!(ClientOrderId::parse_any(bad).is_err(), "{bad}");
        }
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
