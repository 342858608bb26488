//! The SQLite write-ahead journal.
