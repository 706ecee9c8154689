-- Persons: clusters of reports (and the follow-up events linked to them) with stable pseudonymous ids.
-- Kept in lockstep with ../postgres/0002_persons.sql.

CREATE TABLE persons (
    id         TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

CREATE TABLE link_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    method      TEXT NOT NULL,
    reports     INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    persons     INTEGER NOT NULL,
    new_persons INTEGER NOT NULL,
    merges      INTEGER NOT NULL,
    splits      INTEGER NOT NULL
);

ALTER TABLE reports ADD COLUMN person_id TEXT REFERENCES persons (id);
ALTER TABLE events ADD COLUMN person_id TEXT REFERENCES persons (id);
CREATE INDEX reports_person ON reports (person_id);
CREATE INDEX events_person ON events (person_id);
