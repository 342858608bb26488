//! Opening: creation, permissions, reopening after a clean close and after a
//! crash, and refusal (with the file untouched) of everything that is not a
//! journal of ours.

use std::path::Path;

use rusqlite::Connection;

use super::*;
use crate::journal::open::{classify, companion, Found, Problem};
use crate::journal::{JournalError, OrderStatus, APPLICATION_ID, SCHEMA_VERSION};

#[test]
fn creates_directories_and_reopens_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("journal.db");
    {
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.path(), path.as_path());
        j.record_intent(&intent(1, Side::Buy, "100", OrderKind::Market))
            .unwrap();
        j.set_start_equity(day(), d("100000"), ny(9, 0, 0)).unwrap();
    }
    let j = Journal::open(&path).unwrap();
    let order = j.order(&id(1, Leg::Entry)).unwrap().unwrap();
    assert_eq!(order.quantity, d("100"));
    assert_eq!(order.state, OrderStatus::Intent);
    assert_eq!(j.start_equity(day()).unwrap(), Some(d("100000")));
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a").join("b")), 0o700);
    }
}

#[cfg(unix)]
#[test]
fn new_file_and_its_wal_are_mode_600() {
    let (_dir, path, mut j) = fresh();
    j.record_intent(&intent(1, Side::Buy, "1", OrderKind::Market))
        .unwrap();
    assert_eq!(mode(&path), 0o600);
    // While the connection is open, SQLite keeps the WAL and shared-memory
    // files beside the database; they inherit the database file's mode.
    assert_eq!(mode(&companion(&path, "-wal")), 0o600);
    assert_eq!(mode(&companion(&path, "-shm")), 0o600);
}

#[cfg(unix)]
#[test]
fn loose_permissions_are_tightened_and_data_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path, mut j) = fresh();
    j.set_start_equity(day(), d("5000"), ny(9, 0, 0)).unwrap();
    drop(j);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let j = Journal::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(j.start_equity(day()).unwrap(), Some(d("5000")));
}

#[test]
fn connection_runs_wal_full_sync_and_foreign_keys() {
    let (_dir, _path, j) = fresh();
    let mode: String = j
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let sync: i64 = j
        .conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    let fk: i64 = j
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    let app: i32 = j
        .conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    let version: i64 = j
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL is 2");
    assert_eq!(fk, 1);
    assert_eq!(app, 0x4654_414A);
    assert_eq!(version, 3);
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn intent_survives_a_crash_and_is_unresolved() {
    let (_dir, path, mut j) = fresh();
    j.record_intent(&intent(1, Side::Buy, "100", OrderKind::Market))
        .unwrap();
    // A crash: the connection is never closed, so SQLite neither checkpoints
    // the WAL into the database nor deletes it. Everything must come back
    // from the WAL on the next open.
    std::mem::forget(j);
    assert!(companion(&path, "-wal").exists());
    let j = Journal::open(&path).unwrap();
    let unresolved = j.unresolved_orders().unwrap();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].order_ref, id(1, Leg::Entry));
    assert_eq!(unresolved[0].state, OrderStatus::Intent);
    assert_eq!(unresolved[0].ib_order_id, None);
}

#[test]
fn an_empty_existing_file_becomes_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    std::fs::write(&path, b"").unwrap();
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.next_seq(day()).unwrap(), 1);
}

/// Opens `path`, expects an error, and checks the file (and any WAL) is
/// byte-for-byte unchanged. Returns the error's message.
pub(super) fn refused_untouched(path: &Path) -> (JournalError, String) {
    let before = (checksum(path), checksum(&companion(path, "-wal")));
    let err = Journal::open(path).unwrap_err();
    let after = (checksum(path), checksum(&companion(path, "-wal")));
    assert_eq!(before, after, "the refused file was modified");
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "message names the file: {message}"
    );
    (err, message)
}

#[test]
fn garbage_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 37 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let (err, message) = refused_untouched(&path);
    assert!(matches!(err, JournalError::NotAJournal { .. }), "{err:?}");
    assert!(message.contains("not a SQLite database"), "{message}");
    assert!(message.contains("[journal] path"), "{message}");
    assert!(!companion(&path, "-wal").exists());
}

#[test]
fn short_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    std::fs::write(&path, b"hello\n").unwrap();
    let (err, message) = refused_untouched(&path);
    assert!(matches!(err, JournalError::NotAJournal { .. }), "{err:?}");
    assert!(message.contains("only 6 bytes"), "{message}");
}

#[test]
fn sqlite_header_over_garbage_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend((0..8192u32).map(|i| (i * 91 % 253) as u8));
    std::fs::write(&path, &bytes).unwrap();
    let (err, _) = refused_untouched(&path);
    assert!(
        matches!(
            err,
            JournalError::NotAJournal { .. }
                | JournalError::Corrupt { .. }
                | JournalError::ForeignDatabase { .. }
        ),
        "{err:?}"
    );
    assert!(!companion(&path, "-wal").exists());
    assert!(!companion(&path, "-shm").exists());
}

#[test]
fn damaged_journal_is_refused_and_untouched() {
    let (_dir, path, mut j) = fresh();
    for seq in 1..=200 {
        j.record_intent(&intent(seq, Side::Buy, "100", OrderKind::Market))
            .unwrap();
    }
    drop(j);
    // Overwrite the middle of the file (past page 1, which holds the header
    // and the schema) with a pattern, as a failing disk might.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 5 * 4096, "journal has {} bytes", bytes.len());
    for (i, b) in bytes[2 * 4096..4 * 4096].iter_mut().enumerate() {
        *b = (i % 7) as u8 ^ 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (err, message) = refused_untouched(&path);
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
    assert!(message.contains("restore it from a backup"), "{message}");
}

#[test]
fn database_of_another_application_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "application_id", 0x1234_5678)
            .unwrap();
        conn.execute_batch("CREATE TABLE orders (x); INSERT INTO orders VALUES (1);")
            .unwrap();
    }
    let (err, message) = refused_untouched(&path);
    assert!(
        matches!(err, JournalError::ForeignDatabase { .. }),
        "{err:?}"
    );
    assert!(message.contains("0x12345678"), "{message}");
}

#[test]
fn unmarked_database_with_tables_in_wal_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    // Leave the writer open (its data partly in the WAL): opening the journal
    // must not checkpoint that WAL into someone else's file.
    let (err, message) = refused_untouched(&path);
    assert!(
        matches!(err, JournalError::ForeignDatabase { .. }),
        "{err:?}"
    );
    assert!(message.contains("notes"), "{message}");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn newer_schema_is_refused_and_untouched() {
    let (_dir, path, j) = fresh();
    drop(j);
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let (err, message) = refused_untouched(&path);
    assert!(
        !companion(&path, "-shm").exists(),
        "no SQLite debris beside it"
    );
    assert!(
        matches!(
            err,
            JournalError::NewerSchema {
                found: 99,
                supported: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message.contains("schema version 99"), "{message}");
}

#[test]
fn journal_with_an_unknown_table_is_refused_and_untouched() {
    let (_dir, path, j) = fresh();
    drop(j);
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE extra (x)").unwrap();
    }
    let (err, message) = refused_untouched(&path);
    assert!(
        matches!(err, JournalError::ForeignDatabase { .. }),
        "{err:?}"
    );
    assert!(message.contains("extra"), "{message}");
}

#[test]
fn a_directory_at_the_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Journal::open(dir.path()).unwrap_err();
    assert!(matches!(err, JournalError::NotAJournal { .. }), "{err:?}");
}

#[test]
fn classify_decides_from_id_version_and_tables() {
    let all: Vec<String> = crate::journal::schema::TABLES
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(classify(0, 0, &[]), Ok(Found::Fresh));
    assert_eq!(
        classify(APPLICATION_ID, SCHEMA_VERSION, &all),
        Ok(Found::Current)
    );
    assert!(matches!(
        classify(0, 0, &["notes".to_string()]),
        Err(Problem::Foreign(_))
    ));
    assert!(matches!(classify(0, 3, &[]), Err(Problem::Foreign(_))));
    assert!(matches!(classify(7, 1, &all), Err(Problem::Foreign(_))));
    assert_eq!(
        classify(APPLICATION_ID, SCHEMA_VERSION + 1, &all),
        Err(Problem::Newer(SCHEMA_VERSION + 1))
    );
    assert!(matches!(
        classify(APPLICATION_ID, SCHEMA_VERSION, &all[1..]),
        Err(Problem::Incomplete(_))
    ));
    assert!(matches!(
        classify(APPLICATION_ID, 0, &[]),
        Err(Problem::Incomplete(_))
    ));
}

#[test]
fn a_directory_or_fifo_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Journal::open(dir.path()),
        Err(JournalError::NotAJournal { .. })
    ));
    let fifo = dir.path().join("journal.db");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    assert!(matches!(
        Journal::open(&fifo),
        Err(JournalError::NotAJournal { .. })
    ));
}
