//! The trading-state latch in typed columns (schema version 2): each halt
//! cause round-trips, values that make no latch are refused by SQLite or
//! reported on read, and a version-1 journal (latch as JSON after
//! `" | latch="` in `reason`) migrates and reads back the latch version 1
//! would have read.

use rusqlite::Connection;

use super::*;
use crate::domain::types::TradingState;
use crate::journal::schema::V1;
use crate::journal::{JournalError, TradingStateRecord, APPLICATION_ID, SCHEMA_VERSION};
use crate::risk::{ChangeReason, DailyLoss, HaltCause, LatchSnapshot, StateChange};

/// How version 1 separated the words from the latch in `reason`.
const V1_MARK: &str = " | latch=";

fn loss() -> HaltCause {
    HaltCause::DailyLoss(DailyLoss {
        loss: d("2100.50"),
        start_of_day_equity: d("100000.00"),
        limit_pct: d("0.02"),
    })
}

fn halted(cause: HaltCause) -> LatchSnapshot {
    LatchSnapshot {
        state: TradingState::Halted,
        cause: Some(cause),
        since: Some(day()),
    }
}

fn reducing() -> LatchSnapshot {
    LatchSnapshot {
        state: TradingState::Reducing,
        cause: None,
        since: Some(day()),
    }
}

/// The words the session journals for a change to `latch`.
fn words(from: TradingState, latch: LatchSnapshot) -> String {
    let reason = match latch.cause {
        Some(cause) => ChangeReason::Halted(cause),
        None if latch.state == TradingState::Active => ChangeReason::OperatorReset,
        None => ChangeReason::Reducing,
    };
    StateChange {
        from,
        to: latch.state,
        reason,
    }
    .to_string()
}

#[test]
fn every_halt_cause_round_trips_across_a_reopen() {
    let (_dir, path, mut j) = fresh();
    let latches = [
        reducing(),
        halted(loss()),
        halted(HaltCause::Operator),
        halted(HaltCause::Shutdown),
        halted(HaltCause::Engine),
        LatchSnapshot {
            state: TradingState::Active,
            cause: None,
            since: None,
        },
    ];
    let mut expected = Vec::new();
    for (n, latch) in latches.into_iter().enumerate() {
        let at = ny(10, u32::try_from(n).unwrap(), 0);
        let reason = words(TradingState::Active, latch);
        j.record_latch_change(day(), latch.state, latch, &reason, at)
            .unwrap();
        expected.push(TradingStateRecord {
            trading_day: day(),
            state: latch.state,
            reason,
            at,
            latch: Some(latch),
        });
    }
    drop(j);
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.trading_states_on(day()).unwrap(), expected);
    assert_eq!(
        j.latched_state(day()).unwrap(),
        Some((TradingState::Active, expected[5].reason.clone()))
    );
    // The figures are exact decimal text in their own columns.
    let figures: (String, String, String, String) = j
        .conn
        .query_row(
            "SELECT halt_cause, loss, start_of_day_equity, limit_pct FROM trading_state \
             WHERE halt_cause = 'DAILY_LOSS'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        figures,
        (
            "DAILY_LOSS".into(),
            "2100.50".into(),
            "100000.00".into(),
            "0.02".into()
        )
    );
}

#[test]
fn a_repeat_is_not_duplicated_but_a_new_latch_is_recorded() {
    let (_dir, _path, mut j) = fresh();
    let reason = "trading state ACTIVE → HALTED: shutting down";
    let halt = halted(HaltCause::Shutdown);
    j.record_latch_change(day(), TradingState::Halted, halt, reason, ny(11, 0, 0))
        .unwrap();
    j.record_latch_change(day(), TradingState::Halted, halt, reason, ny(11, 1, 0))
        .unwrap();
    assert_eq!(j.trading_states_on(day()).unwrap().len(), 1);
    // Same state and words, another latch: a change.
    let engine = halted(HaltCause::Engine);
    j.record_latch_change(day(), TradingState::Halted, engine, reason, ny(11, 2, 0))
        .unwrap();
    let rows = j.trading_states_on(day()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].latch, Some(engine));
}

#[test]
fn sqlite_refuses_latch_columns_that_make_no_latch() {
    let (_dir, _path, j) = fresh();
    let insert = |columns: &str, values: &str| {
        j.conn.execute(
            &format!(
                "INSERT INTO trading_state (trading_day, state, reason, at, {columns}) \
                 VALUES ('2026-01-05', 'HALTED', 'x', '2026-01-05T16:00:00.000000Z', {values})"
            ),
            [],
        )
    };
    for (columns, values) in [
        ("latch_state, halt_cause", "'HALTED', 'TIRED'"),
        ("latch_state", "'halted'"),
        ("latch_state, halt_cause", "'HALTED', 'DAILY_LOSS'"),
        ("latch_state, halt_cause, loss", "'HALTED', 'ENGINE', '1'"),
        ("halt_cause", "'ENGINE'"),
        ("latch_state, since", "'HALTED', 'Jan 5'"),
    ] {
        let err = insert(columns, values).unwrap_err();
        assert!(
            err.to_string().contains("CHECK constraint failed"),
            "{columns} = {values}: {err}"
        );
    }
}

#[test]
fn a_stored_latch_that_does_not_decode_is_an_error() {
    let (_dir, _path, j) = fresh();
    // Passes the CHECKs, but "lots" is no decimal: reported, never defaulted.
    j.conn
        .execute(
            "INSERT INTO trading_state (trading_day, state, reason, at, latch_state, \
             halt_cause, since, loss, start_of_day_equity, limit_pct) VALUES ('2026-01-05', \
             'HALTED', 'x', '2026-01-05T16:00:00.000000Z', 'HALTED', 'DAILY_LOSS', \
             '2026-01-05', 'lots', '100000', '0.02')",
            [],
        )
        .unwrap();
    assert!(matches!(
        j.trading_states_on(day()),
        Err(JournalError::InvalidRecord(_))
    ));
    assert!(matches!(
        j.latched_state(day()),
        Err(JournalError::InvalidRecord(_))
    ));
}

/// One row as version 1 stored it: state, reason (words and JSON), time.
type V1Row = (NaiveDate, TradingState, String, DateTime<Utc>);

/// `words | latch={json}`, as version 1's recorder wrote it.
fn v1_reason(from: TradingState, latch: LatchSnapshot) -> String {
    let json = serde_json::to_string(&latch).unwrap();
    format!("{}{V1_MARK}{json}", words(from, latch))
}

/// How version 1 read a latch back: the JSON after the last mark, if any
/// parses; and the words the row keeps once its latch is in columns.
fn v1_read(reason: &str) -> (String, Option<LatchSnapshot>) {
    match reason.rsplit_once(V1_MARK) {
        Some((words, json)) => match serde_json::from_str::<LatchSnapshot>(json) {
            Ok(latch) => (words.to_string(), Some(latch)),
            Err(_) => (reason.to_string(), None),
        },
        None => (reason.to_string(), None),
    }
}

/// The old-style rows of a day of version 1, every kind it could hold.
fn v1_rows() -> Vec<V1Row> {
    let next = day().succ_opt().unwrap();
    let reset = LatchSnapshot {
        state: TradingState::Active,
        cause: None,
        since: None,
    };
    let a = TradingState::Active;
    let h = TradingState::Halted;
    let loss_json = serde_json::to_string(&halted(loss())).unwrap();
    vec![
        (
            day(),
            TradingState::Reducing,
            v1_reason(a, reducing()),
            ny(9, 40, 0),
        ),
        (
            day(),
            h,
            v1_reason(TradingState::Reducing, halted(loss())),
            ny(10, 0, 0),
        ),
        (day(), a, v1_reason(h, reset), ny(10, 30, 0)),
        (
            day(),
            h,
            v1_reason(a, halted(HaltCause::Operator)),
            ny(11, 0, 0),
        ),
        (day(), a, v1_reason(h, reset), ny(11, 30, 0)),
        (
            day(),
            h,
            v1_reason(a, halted(HaltCause::Engine)),
            ny(12, 0, 0),
        ),
        (day(), h, "halted by hand".to_string(), ny(12, 30, 0)),
        (
            day(),
            h,
            format!("cut off{V1_MARK}{{\"state\":\"HAL"),
            ny(13, 0, 0),
        ),
        (
            day(),
            h,
            format!("odd{V1_MARK}{{\"state\":\"HALTED\",\"cause\":\"Tired\"}}"),
            ny(13, 30, 0),
        ),
        (
            day(),
            h,
            format!("words{V1_MARK}in words{V1_MARK}{loss_json}"),
            ny(14, 0, 0),
        ),
        (
            day(),
            h,
            v1_reason(h, halted(HaltCause::Shutdown)),
            ny(16, 0, 0),
        ),
        (
            next,
            h,
            v1_reason(a, halted(HaltCause::Engine)),
            ny(9, 0, 0) + chrono::Duration::days(1),
        ),
    ]
}

/// A version-1 journal at `path`, built with the V1 SQL, holding `rows`.
fn v1_journal(path: &Path, rows: &[V1Row]) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(V1).unwrap();
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    for (day, state, reason, at) in rows {
        conn.execute(
            "INSERT INTO trading_state (trading_day, state, reason, at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                day.to_string(),
                state.to_string(),
                reason,
                crate::journal::codec::time_text(*at)
            ],
        )
        .unwrap();
    }
}

#[test]
fn a_version_1_journal_migrates_and_reads_back_the_same_latch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let rows = v1_rows();
    v1_journal(&path, &rows);

    let mut j = Journal::open(&path).unwrap();
    let version: i64 = j
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);

    let mut read = j.trading_states_on(day()).unwrap();
    read.extend(j.trading_states_on(day().succ_opt().unwrap()).unwrap());
    assert_eq!(read.len(), rows.len());
    for ((day, state, reason, at), record) in rows.iter().zip(&read) {
        let (words, latch) = v1_read(reason);
        let expected = TradingStateRecord {
            trading_day: *day,
            state: *state,
            reason: words,
            at: *at,
            latch,
        };
        assert_eq!(record, &expected, "from {reason:?}");
    }
    // Spelled out for the rows that matter most.
    assert_eq!(read[1].latch, Some(halted(loss())));
    assert_eq!(
        read[1].reason,
        words(TradingState::Reducing, halted(loss()))
    );
    assert_eq!(read[6].latch, None, "no mark: no latch");
    assert_eq!(read[7].latch, None, "cut-off JSON: no latch, words kept");
    assert!(read[7].reason.ends_with("{\"state\":\"HAL"));
    assert_eq!(read[8].latch, None, "a cause version 1 could not read");
    assert_eq!(read[9].latch, Some(halted(loss())), "the last mark counts");
    assert_eq!(read[9].reason, format!("words{V1_MARK}in words"));
    assert_eq!(
        j.latched_state(day()).unwrap(),
        Some((
            TradingState::Halted,
            words(TradingState::Halted, halted(HaltCause::Shutdown))
        ))
    );

    // Writing goes on after the migrated rows, and a reopen is a plain open.
    let next = day().succ_opt().unwrap();
    let at = ny(10, 0, 0) + chrono::Duration::days(1);
    j.record_latch_change(next, TradingState::Halted, halted(loss()), "again", at)
        .unwrap();
    drop(j);
    let j = Journal::open(&path).unwrap();
    let next_rows = j.trading_states_on(next).unwrap();
    assert_eq!(next_rows.len(), 2);
    assert_eq!(next_rows[1].latch, Some(halted(loss())));
    let leftovers: i64 = j
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'trading_state_v2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leftovers, 0);
}

#[test]
fn a_newer_schema_than_version_2_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    v1_journal(&path, &v1_rows());
    drop(Journal::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let (err, _) = super::open::refused_untouched(&path);
    assert!(
        matches!(
            err,
            JournalError::NewerSchema { found, supported, .. }
                if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
        ),
        "{err:?}"
    );
}
