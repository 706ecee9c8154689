-- zicht schema v1 (SQLite). Kept in lockstep with ../postgres/0001_init.sql: same tables, same columns,
-- same order; only identity columns, BLOB/BYTEA and trigger syntax differ (tests/schema.rs checks it).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE imports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    started_at TEXT NOT NULL,
    actor      TEXT NOT NULL,
    rows_read  INTEGER NOT NULL,
    inserted   INTEGER NOT NULL,
    unchanged  INTEGER NOT NULL,
    rejected   INTEGER NOT NULL
);

CREATE TABLE reporters (
    id            TEXT PRIMARY KEY,
    reporter_type TEXT NOT NULL
);

-- Direct identifiers, encrypted with AES-256-GCM (a fresh 96-bit nonce per row). Nothing else in the
-- database holds a name, an exact birth date or an identity number.
CREATE TABLE vault (
    id         TEXT PRIMARY KEY,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE reports (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter            TEXT NOT NULL REFERENCES reporters (id),
    reporter_type       TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    row_digest          TEXT NOT NULL,
    report_date         TEXT NOT NULL,
    identification      TEXT NOT NULL,
    lawful_basis        TEXT NOT NULL,
    guardian_consent    TEXT,
    sex                 TEXT,
    birth_year          INTEGER,
    age_band            TEXT,
    age_at_report       INTEGER,
    minor               INTEGER,
    age_at_start        INTEGER,
    nationality         TEXT,
    nationality_group   TEXT,
    residence_status    TEXT,
    unaccompanied_minor INTEGER,
    exploitation        TEXT NOT NULL,
    domestic            INTEGER,
    municipality        TEXT,
    means_of_control    TEXT NOT NULL,
    recruitment         TEXT NOT NULL,
    pseudonym           TEXT NOT NULL,
    vault_id            TEXT REFERENCES vault (id),
    import_id           INTEGER NOT NULL REFERENCES imports (id),
    UNIQUE (reporter, external_id)
);
CREATE INDEX reports_pseudonym ON reports (pseudonym);
CREATE INDEX reports_date ON reports (report_date);

CREATE TABLE events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    source         TEXT NOT NULL,
    external_id    TEXT NOT NULL,
    row_digest     TEXT NOT NULL,
    event_date     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    crime_category TEXT,
    sex            TEXT,
    nationality    TEXT,
    birth_year     INTEGER,
    pseudonym      TEXT NOT NULL,
    vault_id       TEXT REFERENCES vault (id),
    import_id      INTEGER NOT NULL REFERENCES imports (id),
    UNIQUE (source, external_id)
);
CREATE INDEX events_pseudonym ON events (pseudonym);

CREATE TABLE signals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    row_digest   TEXT NOT NULL,
    signal_date  TEXT NOT NULL,
    channel      TEXT NOT NULL,
    age_band     TEXT,
    exploitation TEXT NOT NULL,
    region       TEXT,
    import_id    INTEGER NOT NULL REFERENCES imports (id),
    UNIQUE (source, external_id)
);

-- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical entry). UNIQUE (prev_hash) makes two
-- writers that raced for the same tail fail instead of forking the chain.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    prev_hash TEXT NOT NULL UNIQUE,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
