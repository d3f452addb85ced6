-- A revoked (or deleted) API key is announced to every server process at
-- commit, however it was revoked (the CLI, or an UPDATE by hand): each one
-- forgets the key at once and closes the key's open subscriptions.
CREATE FUNCTION announce_api_key_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('metergraph_key_revoked', OLD.id::text);
        RETURN OLD;
    END IF;
    IF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
        PERFORM pg_notify('metergraph_key_revoked', NEW.id::text);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER api_keys_revoked
AFTER UPDATE OF revoked_at OR DELETE ON api_keys
FOR EACH ROW EXECUTE FUNCTION announce_api_key_revoked();
