-- Browser sessions of the console: an API key exchanged once for a cookie.
-- Only hashes are kept: a copy of this table signs nobody in. Deleting (not
-- revoking) a key deletes its sessions; a revoked key's sessions stop
-- resolving at once (the lookup joins api_keys) and are deleted at its next
-- sign-in attempt or by the sign-in of anyone once expired.
CREATE TABLE console_sessions (
    id          uuid PRIMARY KEY,
    api_key_id  uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    csrf_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
-- A key's sessions (the cap per key, revocation), and the sweep of expired ones.
CREATE INDEX console_sessions_key ON console_sessions (api_key_id, created_at);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
