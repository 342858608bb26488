//! Tests of the journal against real SQLite files in temporary directories.
//! Expected values are worked out by hand in the comments next to them.

mod crash;
mod latch;
mod open;
mod orders;
mod report;
mod state;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{ExecutionRecord, Journal, OrderIntentRecord};
use crate::domain::order_id::{ClientOrderId, Leg};
use crate::domain::types::{OrderKind, Side, Symbol};

/// Monday 2026-01-05, a New York trading day (EST, UTC−5).
pub(super) fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

/// 2026-01-05 at `h:m:s` New York time (UTC−5 in January).
pub(super) fn ny(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, h + 5, m, s).unwrap()
}

pub(super) fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub(super) fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// A fresh journal `journal.db` in a new temporary directory.
pub(super) fn fresh() -> (tempfile::TempDir, PathBuf, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let journal = Journal::open(&path).unwrap();
    (dir, path, journal)
}

pub(super) fn id(seq: u32, leg: Leg) -> ClientOrderId {
    ClientOrderId::new(day(), 3, seq, leg)
}

pub(super) fn intent(seq: u32, side: Side, quantity: &str, kind: OrderKind) -> OrderIntentRecord {
    OrderIntentRecord {
        order_ref: id(seq, Leg::Entry),
        symbol: sym("AAPL"),
        side,
        quantity: d(quantity),
        kind,
        parent: None,
        at: ny(9, 30, 0) + chrono::Duration::seconds(i64::from(seq)),
    }
}

pub(super) fn exec(
    exec_id: &str,
    side: Side,
    quantity: &str,
    price: &str,
    time: DateTime<Utc>,
    commission: Option<&str>,
) -> ExecutionRecord {
    ExecutionRecord {
        exec_id: exec_id.to_string(),
        order_ref: Some(id(1, Leg::Entry).to_string()),
        symbol: sym("AAPL"),
        side,
        quantity: d(quantity),
        price: d(price),
        time,
        commission: commission.map(d),
    }
}

/// SHA-256 of a file's bytes, or "absent".
pub(super) fn checksum(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => format!("{:x}", Sha256::digest(&bytes)),
        Err(_) => "absent".to_string(),
    }
}

#[cfg(unix)]
pub(super) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
