//! IB execution ids and their corrections: a correction of an execution
//! keeps its id up to the last period and counts the digits after it up
//! (`….01` → `….02`; TWS API "Executions and Commissions").
//!
//! Owns the parsing of that rule, nothing else. Pure.

/// An execution id split into the part a correction keeps and the revision
/// it counts up: `("0000e0d5.00000001.01", 2)` for `0000e0d5.00000001.01.02`.
/// An id without a numeric last part is its own stem at revision 1.
pub fn stem_and_revision(exec_id: &str) -> (&str, u32) {
    match exec_id.rsplit_once('.') {
        Some((stem, last)) if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) => {
            (stem, last.parse().unwrap_or(1))
        }
        _ => (exec_id, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_shares_the_stem_and_counts_up() {
        assert_eq!(
            stem_and_revision("0000e0d5.00000001.01.01"),
            ("0000e0d5.00000001.01", 1)
        );
        assert_eq!(
            stem_and_revision("0000e0d5.00000001.01.02"),
            ("0000e0d5.00000001.01", 2)
        );
        assert_eq!(stem_and_revision("plain"), ("plain", 1));
        assert_eq!(stem_and_revision("a.b"), ("a.b", 1));
    }
}
