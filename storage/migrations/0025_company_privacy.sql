-- Per-company privacy: how user ids are stored, which properties are
-- redacted at ingest, and the secret keying pseudonyms and hashed values.
ALTER TABLE companies
    ADD COLUMN user_id_mode text NOT NULL DEFAULT 'RAW'
        CHECK (user_id_mode IN ('RAW', 'PSEUDONYMIZED')),
    ADD COLUMN redacted_properties jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- 32 random bytes: the service sends its own; rows written without one
    -- (every company created before this) get two random UUIDs' bytes from
    -- the server's strong random source.
    ADD COLUMN privacy_secret bytea NOT NULL
        DEFAULT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());

ALTER TABLE companies
    ADD CONSTRAINT companies_privacy_secret_length CHECK (octet_length(privacy_secret) = 32);
