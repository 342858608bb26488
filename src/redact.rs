//! Masking of account ids and secrets before they reach a log, a panic or a report.
