//! Masking of account ids and URLs before they reach a log, a panic or a report.
//!
//! Two tools for account ids: [`mask_account`] turns one id into its printable
//! form (`DU1234567` → `DU****567`), and [`Redactor`] scrubs free text (a log
//! line, an error message from a dependency) of every known account id and of
//! anything that looks like an IB account id. Both are pure and allocation-free
//! when there is nothing to mask, so a tracing writer can call them on every line.
//! For URLs (webhooks carry secrets in them): [`mask_url`] for one, and
//! [`mask_urls`] for free text such as an HTTP client's error message.

use std::borrow::Cow;

pub use crate::domain::account::mask_account;
pub use crate::domain::webhook::mask_url;

/// `text` with every `http://` or `https://` URL in it shown as [`mask_url`]
/// shows it (a URL ends at whitespace, a quote, `)`, `>` or `,`). Borrows
/// when there is none.
pub fn mask_urls(text: &str) -> Cow<'_, str> {
    let starts = |at: usize| {
        let rest = &text[at..];
        rest.starts_with("http://") || rest.starts_with("https://")
    };
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = text[at..].find("http").map(|i| at + i) {
        if !starts(found) {
            out.push_str(&text[at..found + 4]);
            at = found + 4;
            continue;
        }
        let end = text[found..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '>' | ','))
            .map_or(text.len(), |i| found + i);
        out.push_str(&text[at..found]);
        out.push_str(&mask_url(&text[found..end]));
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether `token` (a maximal run of ASCII letters and digits) has the shape
/// of an IB account id: 1–3 upper-case letters starting with `D`, `U`, `F` or
/// `I`, then 5–12 digits (`DU1234567`, `U7654321`, `DF1234567`, `F1234567`).
fn looks_like_account(token: &str) -> bool {
    let bytes = token.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = bytes.len() - letters;
    (1..=3).contains(&letters)
        && matches!(bytes.first(), Some(b'D' | b'U' | b'F' | b'I'))
        && (5..=12).contains(&digits)
        && bytes[letters..].iter().all(u8::is_ascii_digit)
}

/// Scrubs account ids out of free text.
///
/// Masks (with [`mask_account`]) every occurrence of the ids it was built
/// with, and every alphanumeric token that looks like an IB account id
/// (`looks_like_account`) even if it was never configured — masking too much
/// in a log line is harmless, leaking an id is not.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Known ids, longest first so that an id containing another is masked whole.
    ids: Vec<String>,
}

impl Redactor {
    /// A redactor for these account ids (empty strings are ignored).
    pub fn new<I, S>(account_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut ids: Vec<String> = account_ids
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        ids.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        ids.dedup();
        Self { ids }
    }

    /// The same redactor, also masking `id` (ignored when empty).
    pub fn with_id(mut self, id: &str) -> Self {
        if !id.is_empty() && !self.ids.iter().any(|known| known == id) {
            self.ids.push(id.to_string());
            self.ids
                .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        }
        self
    }

    /// `text` with every account id masked. Borrows (no allocation) when the
    /// text contains nothing to mask.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        for id in &self.ids {
            if out.contains(id.as_str()) {
                out = Cow::Owned(out.replace(id.as_str(), &mask_account(id)));
            }
            // A byte dump of a wire frame (`[.., 68, 85, 49, ..]`) spells the
            // id as decimal bytes: masked too.
            let bytes = decimal_bytes(id);
            if out.contains(bytes.as_str()) {
                out = Cow::Owned(out.replace(bytes.as_str(), BYTES_MASK));
            }
        }
        if out
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(looks_like_account)
        {
            out = Cow::Owned(mask_tokens(&out));
        }
        out
    }
}

/// What replaces an account id spelled as decimal bytes.
const BYTES_MASK: &str = "<account id bytes masked>";

/// `id` as a `{:?}` dump of its bytes spells it: `68, 85, 49, …`.
fn decimal_bytes(id: &str) -> String {
    id.bytes()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` with every account-shaped token masked, everything else unchanged.
fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() {
            token_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = token_start.take() {
            push_token(&mut out, &text[start..i]);
        }
        out.push(c);
    }
    if let Some(start) = token_start {
        push_token(&mut out, &text[start..]);
    }
    out
}

fn push_token(out: &mut String, token: &str) {
    if looks_like_account(token) {
        out.push_str(&mask_account(token));
    } else {
        out.push_str(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_free_text_are_masked() {
        let text = "error sending request for url (https://hooks.example.com/T0/SECRET?k=v): timed out, \"http://u:p@10.0.0.1:81/x\" and httpx";
        assert_eq!(
            mask_urls(text),
            "error sending request for url (https://hooks.example.com/****): timed out, \"http://****@10.0.0.1:81/****\" and httpx"
        );
        assert!(matches!(mask_urls("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_id_spelled_as_decimal_bytes_is_masked() {
        let r = Redactor::new(["DU1234567"]);
        let dump = "-> [0, 0, 0, 12, 68, 85, 49, 50, 51, 52, 53, 54, 55, 0]";
        let clean = r.redact(dump);
        assert_eq!(clean, "-> [0, 0, 0, 12, <account id bytes masked>, 0]");
    }

    #[test]
    fn masks_keep_two_head_and_three_tail_chars() {
        assert_eq!(mask_account("DU1234567"), "DU****567");
        assert_eq!(mask_account("U7654321"), "U7****321");
        assert_eq!(mask_account("DF12345678"), "DF****678");
        assert_eq!(mask_account("ABCDEF"), "AB****DEF");
    }

    #[test]
    fn short_ids_are_fully_masked() {
        assert_eq!(mask_account(""), "****");
        assert_eq!(mask_account("U1"), "****");
        assert_eq!(mask_account("U1234"), "****");
    }

    #[test]
    fn masking_counts_characters_not_bytes() {
        assert_eq!(mask_account("ÄÖ12345Üß€"), "ÄÖ****Üß€");
    }

    #[test]
    fn redactor_masks_known_ids_everywhere() {
        let r = Redactor::new(["XY99887766"]);
        assert_eq!(
            r.redact("acct=XY99887766, again XY99887766."),
            "acct=XY****766, again XY****766."
        );
    }

    #[test]
    fn redactor_masks_account_shaped_tokens_it_was_not_told_about() {
        let r = Redactor::new(Vec::<String>::new());
        assert_eq!(
            r.redact("positions for DU1234567 and U7654321 (DF5555555)"),
            "positions for DU****567 and U7****321 (DF****555)"
        );
    }

    #[test]
    fn redactor_leaves_ordinary_text_borrowed() {
        let r = Redactor::new(["DU1234567"]);
        let text = "order 42 for SPY at 123.45 on 2024-05-01, U123 D12";
        assert!(matches!(r.redact(text), Cow::Borrowed(_)));
    }

    #[test]
    fn redactor_does_not_mask_lookalikes_outside_the_shape() {
        let r = Redactor::default();
        // Too few digits, wrong first letter, lower case, letters after digits.
        let text = "U1234 X1234567 du1234567 DU1234567X";
        assert_eq!(r.redact(text), text);
    }

    #[test]
    fn redactor_masks_longest_known_id_first() {
        let r = Redactor::new(["AB123456", "AB1234567890"]);
        assert_eq!(r.redact("id AB1234567890"), "id AB****890");
    }
}
