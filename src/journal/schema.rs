//! The journal's schema: the tables, how a file is recognised as ours
//! (`PRAGMA application_id`), and the numbered migrations that bring an older
//! file up to [`SCHEMA_VERSION`] (`PRAGMA user_version`).
//!
//! Conventions every table follows: decimals (money, quantities, prices) are
//! `TEXT` holding `rust_decimal`'s exact rendering; times are RFC 3339 UTC
//! `TEXT` with exactly six fractional digits (`2026-01-05T14:30:00.000000Z`),
//! so text order is time order; trading days are `YYYY-MM-DD` in
//! America/New_York.
//!
//! Version 2 stores the trading-state latch in typed, CHECK-constrained
//! columns of `trading_state` (`latch_state`, `halt_cause`, `since` and the
//! daily-loss figures); `reason` is human text only. Version 1 kept the latch
//! as JSON after `" | latch="` inside `reason`; the V2 migration parses those
//! rows in SQL (JSON1) and moves the latch into the columns.

use rusqlite::Transaction;

/// `PRAGMA application_id` of every journal: the ASCII bytes `FTAJ`
/// ("first-trading-app journal"). A SQLite file with another non-zero id is
/// somebody else's and is never touched.
pub const APPLICATION_ID: i32 = 0x4654_414A;

/// Migrations, in order: `MIGRATIONS[n]` turns schema version `n` into `n + 1`.
/// Append only; never edit a released entry.
const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Every table of the current schema. A file holding any other (non-SQLite
/// internal) table is not a journal of ours.
pub const TABLES: [&str; 8] = [
    "runs",
    "orders",
    "order_events",
    "executions",
    "risk_decisions",
    "trading_state",
    "start_equity",
    "operator_actions",
];

/// Version 1: the initial schema.
pub(crate) const V1: &str = r#"
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

/// Version 2: the trading-state latch in typed columns.
///
/// `state` stays the state the change went to; `latch_state`, `halt_cause`
/// and `since` are the whole latch after it (NULL when the row was journaled
/// without one), and `loss`, `start_of_day_equity` and `limit_pct` are the
/// figures of a `DAILY_LOSS` halt (decimal text, NULL for any other cause).
///
/// Old rows are parsed in SQL the way version 1 read them back: the text
/// after the *last* `" | latch="` of `reason` is the latch as serde JSON
/// (`{"state":"HALTED","cause":{"DailyLoss":{"loss":"2100",...}},"since":"2026-01-05"}`).
/// A row whose latch decodes gets the columns and keeps only the text before
/// the mark as its reason; any other row (no mark, or JSON that version 1
/// could not have decoded either) keeps its reason whole and no latch.
pub(crate) const V2: &str = r#"
CREATE TABLE trading_state_v2 (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    trading_day         TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
    reason              TEXT NOT NULL,    -- human text only
    at                  TEXT NOT NULL,
    latch_state         TEXT CHECK (latch_state IN ('ACTIVE', 'REDUCING', 'HALTED')),
    halt_cause          TEXT CHECK (halt_cause IN ('DAILY_LOSS', 'OPERATOR', 'SHUTDOWN', 'ENGINE')),
    since               TEXT CHECK (since GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    loss                TEXT,
    start_of_day_equity TEXT,
    limit_pct           TEXT,
    CHECK (latch_state IS NOT NULL OR (halt_cause IS NULL AND since IS NULL)),
    CHECK (CASE WHEN halt_cause = 'DAILY_LOSS'
        THEN loss IS NOT NULL AND start_of_day_equity IS NOT NULL AND limit_pct IS NOT NULL
        ELSE loss IS NULL AND start_of_day_equity IS NULL AND limit_pct IS NULL END)
);

WITH RECURSIVE
tail (id, depth, rest) AS (             -- reason, then what follows each mark
    SELECT id, 0, reason FROM trading_state
    UNION ALL
    SELECT id, depth + 1, substr(rest, instr(rest, ' | latch=') + 9)
    FROM tail WHERE instr(rest, ' | latch=') > 0
),
marked (id, json, depth) AS (           -- what follows the last mark
    SELECT id, rest, max(depth) FROM tail WHERE depth > 0 GROUP BY id
),
doc (id, json, j) AS (                  -- j: the JSON object, NULL if it is none
    SELECT id, json,
        CASE WHEN json_valid(json) AND json_type(json) = 'object' THEN json END
    FROM marked
),
field (id, json, st, st_t, c_t, c, dl, dl_t, n_keys, since, since_t) AS (
    SELECT id, json,
        json_extract(j, '$.state'), json_type(j, '$.state'),
        json_type(j, '$.cause'), json_extract(j, '$.cause'),
        json_extract(j, '$.cause.DailyLoss'), json_type(j, '$.cause.DailyLoss'),
        (SELECT count(*) FROM json_each(j, '$.cause')),
        json_extract(j, '$.since'), json_type(j, '$.since')
    FROM doc WHERE j IS NOT NULL
),
figures (id, json, st, st_t, c_t, c, dl_t, n_keys, since, since_t,
      loss, loss_t, start, start_t, pct, pct_t) AS (
    SELECT id, json, st, st_t, c_t, c, dl_t, n_keys, since, since_t,
        json_extract(dl, '$.loss'), json_type(dl, '$.loss'),
        json_extract(dl, '$.start_of_day_equity'), json_type(dl, '$.start_of_day_equity'),
        json_extract(dl, '$.limit_pct'), json_type(dl, '$.limit_pct')
    FROM field
),
latch (id, json, latch_state, halt_cause, since, loss, start_of_day_equity, limit_pct) AS (
    SELECT id, json, st,
        CASE
            WHEN c_t IS NULL OR c_t = 'null' THEN NULL
            WHEN c_t = 'text' THEN upper(c)
            ELSE 'DAILY_LOSS'
        END,
        since,
        CASE WHEN c_t = 'object' THEN loss END,
        CASE WHEN c_t = 'object' THEN start END,
        CASE WHEN c_t = 'object' THEN pct END
    FROM figures
    WHERE st_t = 'text' AND st IN ('ACTIVE', 'REDUCING', 'HALTED')
      AND (c_t IS NULL OR c_t = 'null'
           OR (c_t = 'text' AND c IN ('Operator', 'Shutdown', 'Engine'))
           OR (c_t = 'object' AND n_keys = 1 AND dl_t = 'object'
               AND loss_t = 'text' AND start_t = 'text' AND pct_t = 'text'))
      AND (since_t IS NULL OR since_t = 'null'
           OR (since_t = 'text'
               AND since GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
               AND date(since) IS since))
)
INSERT INTO trading_state_v2 (id, trading_day, state, reason, at, latch_state, halt_cause,
                              since, loss, start_of_day_equity, limit_pct)
SELECT s.id, s.trading_day, s.state,
    CASE WHEN l.id IS NULL THEN s.reason
         ELSE substr(s.reason, 1, length(s.reason) - length(l.json) - 9) END,
    s.at, l.latch_state, l.halt_cause, l.since, l.loss, l.start_of_day_equity, l.limit_pct
FROM trading_state AS s LEFT JOIN latch AS l ON l.id = s.id
ORDER BY s.id;

DROP TABLE trading_state;
ALTER TABLE trading_state_v2 RENAME TO trading_state;
CREATE INDEX trading_state_by_day ON trading_state (trading_day, id);
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

/// Version 3: what operators asked of a running bot (the dashboard's control
/// API), when, and what came of it.
pub(crate) const V3: &str = r#"
CREATE TABLE operator_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    trading_day TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('halt', 'resume', 'reduce_only', 'cancel_orders', 'flatten')),
    source      TEXT NOT NULL,
    accepted    INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    state_after TEXT NOT NULL CHECK (state_after IN ('ACTIVE', 'REDUCING', 'HALTED')),
    outcome     TEXT NOT NULL
);
CREATE INDEX operator_actions_by_day ON operator_actions (trading_day, id);
"#;
