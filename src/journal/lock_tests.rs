use super::*;

#[test]
fn a_second_lock_on_the_same_journal_is_refused_and_names_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let first = TradingLock::acquire(&journal).unwrap();
    assert_eq!(first.path(), dir.path().join("journal.db.lock"));
    match TradingLock::acquire(&journal) {
        Err(JournalError::InUse { path, holder }) => {
            assert_eq!(path, journal);
            assert_eq!(holder, Some(std::process::id()));
        }
        other => panic!("expected InUse, got {other:?}"),
    }
    drop(first);
    let again = TradingLock::acquire(&journal);
    assert!(again.is_ok(), "released on drop: {again:?}");
}

#[test]
fn another_journal_has_its_own_lock() {
    let dir = tempfile::tempdir().unwrap();
    let _a = TradingLock::acquire(&dir.path().join("a.db")).unwrap();
    assert!(TradingLock::acquire(&dir.path().join("b.db")).is_ok());
}
