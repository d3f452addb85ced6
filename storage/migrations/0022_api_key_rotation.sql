-- Keys that expire, are rotated, and say when they were last used.
--
-- A rotated key keeps its id and gets a new secret; the secret it had is
-- kept (hashed) in previous_key_hash and still accepted until
-- previous_valid_until. last_used_at is written in batches, at most about
-- once a minute per key, never once per request.
ALTER TABLE api_keys
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN rotated_at timestamptz,
    ADD COLUMN previous_key_hash bytea UNIQUE,
    ADD COLUMN previous_valid_until timestamptz,
    ADD CHECK ((previous_key_hash IS NULL) = (previous_valid_until IS NULL));

CREATE INDEX api_keys_company ON api_keys (company_id, created_at);

-- A rotated key is announced to every server process at commit, so each one
-- forgets the secrets it cached for the key and asks again (the old secret's
-- grace period is then known to it).
CREATE FUNCTION announce_api_key_rotated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.key_hash IS DISTINCT FROM OLD.key_hash THEN
        PERFORM pg_notify('metergraph_key_rotated', NEW.id::text);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER api_keys_rotated
AFTER UPDATE OF key_hash ON api_keys
FOR EACH ROW EXECUTE FUNCTION announce_api_key_rotated();
