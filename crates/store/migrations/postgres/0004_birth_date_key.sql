-- Birth-date key of statistical reports (a keyed digest of the birth year with day and month in
-- either order, computed at import before the birth date is dropped): 64 hex digits, or NULL.
-- Kept in lockstep with ../sqlite/0004_birth_date_key.sql.

ALTER TABLE reports ADD COLUMN birth_date_key TEXT;
