-- What the register published (docs/privacy.md, "Releases over time"): each release's edition, period
-- and monitor.json as written. A new release is protected jointly with the earlier ones, so the
-- difference between two releases cannot reveal a small count. Append-only: what was published
-- stays known to readers whatever the register does.
-- Kept in lockstep with ../sqlite/0006_publications.sql.

CREATE TABLE publications (
    id           BIGINT PRIMARY KEY,
    recorded_at  TEXT NOT NULL,
    edition      TEXT NOT NULL CHECK (edition IN ('internal', 'public')),
    period_from  BIGINT NOT NULL,
    period_to    BIGINT NOT NULL CHECK (period_to >= period_from),
    monitor_json TEXT NOT NULL
);
CREATE FUNCTION publications_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'publications are append-only';
END
$$;
CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
    FOR EACH ROW EXECUTE FUNCTION publications_append_only();
CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
    FOR EACH ROW EXECUTE FUNCTION publications_append_only();
