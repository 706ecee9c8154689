-- Who may use the register through the server (issue 17): users with a role (a reporter belongs to
-- one organisation, a registered reporter), and API tokens for system-to-system submission, each
-- scoped to one organisation and revocable. Passwords are stored only as argon2id hashes, tokens only
-- as the SHA-256 of 256 random bits; neither can be read back. A user or token is disabled, never
-- deleted, so that the audit log's actors stay resolvable.
-- Kept in lockstep with ../sqlite/0008_accounts.sql.

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('reporter', 'registrar', 'analyst', 'admin')),
    organisation  TEXT REFERENCES reporters(id),
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    CHECK ((role = 'reporter') = (organisation IS NOT NULL))
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    organisation TEXT NOT NULL REFERENCES reporters(id),
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
