-- What the register published (docs/privacy.md, "Releases over time"): each release's edition, period
-- and monitor.json as written. A new release is protected jointly with the earlier ones, so the
-- difference between two releases cannot reveal a small count. Append-only: what was published
-- stays known to readers whatever the register does.
-- Kept in lockstep with ../postgres/0006_publications.sql.

CREATE TABLE publications (
    id           INTEGER PRIMARY KEY,
    recorded_at  TEXT NOT NULL,
    edition      TEXT NOT NULL CHECK (edition IN ('internal', 'public')),
    period_from  INTEGER NOT NULL,
    period_to    INTEGER NOT NULL CHECK (period_to >= period_from),
    monitor_json TEXT NOT NULL
);
CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
BEGIN
    SELECT RAISE(ABORT, 'publications are append-only');
END;
CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
BEGIN
    SELECT RAISE(ABORT, 'publications are append-only');
END;
