-- Two-layer pseudonyms (docs/privacy.md): the register stores every pseudonym, match key, birth-date
-- key and row digest re-keyed with a register key of its own. A register that already holds data when
-- this migration runs was written with single-layer digests: it is marked scheme 1, and every command
-- that reads or writes digests refuses it until `zicht key migrate` has re-keyed it (scheme 2). An
-- empty register starts at scheme 2.
-- Kept in lockstep with ../postgres/0005_pseudonym_layers.sql.

INSERT INTO meta (key, value)
SELECT 'pseudonym_layers',
       CASE WHEN EXISTS (SELECT 1 FROM reports) OR EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM signals)
            THEN '1' ELSE '2' END;
