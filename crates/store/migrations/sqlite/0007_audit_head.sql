-- The operating-system user beside the actor a command was given (the actor is what the operator typed;
-- the OS user is who ran it). NULL for entries written before it was recorded; the entry hash covers it
-- when it is present.
ALTER TABLE audit_log ADD COLUMN os_user TEXT;
-- The audit entry of each linkage run, so that `zicht audit verify` can tell a run whose entry was cut
-- from the log. NULL for runs made before link runs had entries of their own.
ALTER TABLE link_runs ADD COLUMN audit_seq INTEGER;
