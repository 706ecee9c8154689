-- Match keys of statistical reports (keyed digests of coarser renderings of the identity, computed
-- at import before the name is dropped): two 64-digit hex digests separated by a space, or NULL.
-- Kept in lockstep with ../sqlite/0003_match_keys.sql.

ALTER TABLE reports ADD COLUMN match_keys TEXT;
