-- name: insert_api_key
INSERT INTO api_keys (id, name, role, company_id, key_hash, key_prefix)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: api_key_by_hash
SELECT id, name, role, company_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL

-- name: revoke_api_key
-- The trigger api_keys_revoked tells every server process (migration 0014).
UPDATE api_keys SET revoked_at = now()
WHERE id = $1 AND revoked_at IS NULL
RETURNING id
