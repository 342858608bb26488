//! [`AccountId`]: an IB account id that cannot be printed in full by accident.

use std::fmt;

/// What a valid account id looks like, for error messages.
pub const ACCOUNT_EXPECTED: &str =
    "must be your IB account id as shown in TWS: letters then digits, e.g. DU1234567 (paper) or U1234567 (live)";

/// An IB account id (`DU1234567`, `U1234567`, …).
///
/// Guarantees: `Debug` and `Display` print only the masked form (`DU****567`),
/// so the id cannot leak through `{:?}`, `tracing` fields or panics; the full id
/// is reachable only through [`AccountId::expose`], which exists for the
/// broker edge that must send it to TWS. Not `Serialize` for the same reason.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// Parses an account id: 5–20 ASCII letters and digits, starting with an
    /// upper-case letter.
    ///
    /// # Errors
    /// [`ACCOUNT_EXPECTED`] (what is allowed) when the text has another shape.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let ok = (5..=20).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric())
            && text.bytes().next().is_some_and(|b| b.is_ascii_uppercase());
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(ACCOUNT_EXPECTED)
        }
    }

    /// Whether this is a paper-trading account: IB paper ids start with `D`
    /// (`DU…` individual, `DF…` advisor).
    pub fn is_paper(&self) -> bool {
        self.0.starts_with('D')
    }

    /// The masked form, `DU****567`; safe for any output.
    pub fn masked(&self) -> String {
        mask_account(&self.0)
    }

    /// The full id. Only for the broker edge (requests to TWS) and for building
    /// a log redactor; never format it into output.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.masked())
    }
}

/// Number of leading characters [`mask_account`] keeps.
const KEEP_HEAD: usize = 2;
/// Number of trailing characters [`mask_account`] keeps.
const KEEP_TAIL: usize = 3;
/// The fixed run of stars that replaces the middle (its length never depends
/// on the id, so the mask does not leak the id's length).
const STARS: &str = "****";

/// The printable form of an account id: the first 2 and last 3 characters
/// around a fixed `****`, e.g. `DU1234567` → `DU****567`.
///
/// Guarantees: ids of 5 characters or fewer (where keeping 2 + 3 would reveal
/// everything) come out as `****` alone; the result never contains more than
/// 5 characters of the input; works on characters, not bytes, so any UTF-8
/// input is safe.
pub fn mask_account(id: &str) -> String {
    let count = id.chars().count();
    if count <= KEEP_HEAD + KEEP_TAIL {
        return STARS.to_string();
    }
    let head: String = id.chars().take(KEEP_HEAD).collect();
    let tail: String = id.chars().skip(count - KEEP_TAIL).collect();
    format!("{head}{STARS}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paper_and_live_ids() {
        let paper = AccountId::parse("DU1234567").unwrap();
        assert!(paper.is_paper());
        let live = AccountId::parse("U7654321").unwrap();
        assert!(!live.is_paper());
        assert!(AccountId::parse("DF1234567").unwrap().is_paper());
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "DU12",
            "du1234567",
            "1234567",
            "DU 1234567",
            "DU-1234567",
        ] {
            assert_eq!(AccountId::parse(bad), Err(ACCOUNT_EXPECTED), "{bad:?}");
        }
        assert!(AccountId::parse("U123456789012345678901").is_err());
    }

    #[test]
    fn debug_and_display_never_show_the_full_id() {
        let id = AccountId::parse("DU1234567").unwrap();
        assert_eq!(format!("{id}"), "DU****567");
        assert_eq!(format!("{id:?}"), "AccountId(DU****567)");
        assert_eq!(id.expose(), "DU1234567");
    }
}
