//! The journal's schema: the tables, how a file is recognised as ours
//! (`PRAGMA application_id`), and the numbered migrations that bring an older
//! file up to [`SCHEMA_VERSION`] (`PRAGMA user_version`).
//!
//! Conventions every table follows: decimals (money, quantities, prices) are
//! `TEXT` holding `rust_decimal`'s exact rendering; times are RFC 3339 UTC
//! `TEXT` with exactly six fractional digits (`2026-01-05T14:30:00.000000Z`),
//! so text order is time order; trading days are `YYYY-MM-DD` in
//! America/New_York.

use rusqlite::Transaction;

/// `PRAGMA application_id` of every journal: the ASCII bytes `FTAJ`
/// ("first-trading-app journal"). A SQLite file with another non-zero id is
/// somebody else's and is never touched.
pub const APPLICATION_ID: i32 = 0x4654_414A;

/// Migrations, in order: `MIGRATIONS[n]` turns schema version `n` into `n + 1`.
/// Append only; never edit a released entry.
const MIGRATIONS: &[&str] = &[V1];

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Every table of the current schema. A file holding any other (non-SQLite
/// internal) table is not a journal of ours.
pub const TABLES: [&str; 7] = [
    "runs",
    "orders",
    "order_events",
    "executions",
    "risk_decisions",
    "trading_state",
    "start_equity",
];

/// Version 1: the initial schema.
const V1: &str = r#"
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    trading_day TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    mode        TEXT NOT NULL,
    account     TEXT NOT NULL,            -- always masked, e.g. DU****567
    version     TEXT NOT NULL
);

CREATE TABLE orders (
    order_ref   TEXT PRIMARY KEY,         -- our client order id, also IB's orderRef
    trading_day TEXT NOT NULL,
    strategy    INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    leg         TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('MKT', 'LMT', 'STP', 'STP LMT')),
    limit_price TEXT,
    stop_price  TEXT,
    parent_ref  TEXT REFERENCES orders(order_ref),
    ib_order_id INTEGER,                  -- NULL until sent
    state       TEXT NOT NULL CHECK (state IN
                  ('intent', 'sent', 'working', 'filled', 'cancelled', 'rejected', 'unknown')),
    filled      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX orders_by_day_seq ON orders (trading_day, seq);
CREATE INDEX orders_by_state ON orders (state);

CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_ref   TEXT NOT NULL REFERENCES orders(order_ref),
    at          TEXT NOT NULL,
    state       TEXT NOT NULL,
    filled      TEXT NOT NULL,
    ib_order_id INTEGER
);
CREATE INDEX order_events_by_order ON order_events (order_ref, id);
CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;

CREATE TABLE executions (
    exec_id     TEXT PRIMARY KEY,
    order_ref   TEXT,                     -- as IB reported it; may name an order placed outside the bot
    trading_day TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity    TEXT NOT NULL,
    price       TEXT NOT NULL,
    time        TEXT NOT NULL,
    commission  TEXT                      -- NULL until IB's commission report arrives
) WITHOUT ROWID;
CREATE INDEX executions_by_day ON executions (trading_day, time);
CREATE INDEX executions_by_time ON executions (time);

CREATE TABLE risk_decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    trading_day TEXT NOT NULL,
    strategy    INTEGER NOT NULL,
    symbol      TEXT NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('MKT', 'LMT', 'STP', 'STP LMT')),
    limit_price TEXT,
    stop_price  TEXT,
    approved    INTEGER NOT NULL CHECK (approved IN (0, 1)),
    reason_code TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX risk_decisions_by_day ON risk_decisions (trading_day, id);

CREATE TABLE trading_state (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    trading_day TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
    reason      TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX trading_state_by_day ON trading_state (trading_day, id);

CREATE TABLE start_equity (
    trading_day TEXT PRIMARY KEY,
    equity      TEXT NOT NULL,
    at          TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Applies the migrations from `from` up to [`SCHEMA_VERSION`] inside `tx` and
/// stamps the file with [`APPLICATION_ID`] and the new `user_version`. The
/// caller commits; nothing is visible to anyone until it does.
pub(crate) fn migrate(tx: &Transaction<'_>, from: i64) -> rusqlite::Result<()> {
    let start = usize::try_from(from).unwrap_or(0);
    for sql in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}
