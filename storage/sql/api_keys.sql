-- name: insert_api_key
INSERT INTO api_keys (id, name, role, company_id, key_hash, key_prefix, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: api_key_by_hash
-- A key's current secret, or its previous one during the rotation's grace
-- period; never a revoked or expired key. valid_until: when it stops working.
SELECT id, name, role, company_id,
       CASE WHEN key_hash = $1 THEN expires_at
            ELSE LEAST(previous_valid_until, expires_at) END AS valid_until
FROM api_keys
WHERE (key_hash = $1 OR (previous_key_hash = $1 AND previous_valid_until > now()))
  AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > now())

-- name: revoke_api_key
-- The trigger api_keys_revoked tells every server process (migration 0014).
UPDATE api_keys SET revoked_at = now()
WHERE id = $1 AND revoked_at IS NULL
RETURNING id

-- name: api_key_by_id
SELECT id, name, role, company_id, created_at, expires_at, revoked_at, last_used_at,
       rotated_at, previous_valid_until
FROM api_keys WHERE id = $1
FOR UPDATE

-- name: list_api_keys
-- $1 NULL: every company's keys (and the operator keys).
SELECT id, name, role, company_id, created_at, expires_at, revoked_at, last_used_at,
       rotated_at, previous_valid_until
FROM api_keys
WHERE $1::uuid IS NULL OR company_id = $1
ORDER BY created_at, id

-- name: api_keys_after
-- A page forward on (created_at, id): every key ($1 NULL) or one company's, after ($2, $3)
-- when given, $4 rows.
SELECT id, name, role, company_id, created_at, expires_at, revoked_at, last_used_at,
       rotated_at, previous_valid_until
FROM api_keys
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
ORDER BY created_at, id
LIMIT $4

-- name: api_keys_before
-- A page backward: the $4 keys before ($2, $3) when given (else the last), newest first.
SELECT id, name, role, company_id, created_at, expires_at, revoked_at, last_used_at,
       rotated_at, previous_valid_until
FROM api_keys
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4

-- name: count_api_keys
SELECT count(*) FROM api_keys WHERE $1::uuid IS NULL OR company_id = $1

-- name: api_key_in_company
-- One key as listed (no lock), within a company when $2 is given.
SELECT id, name, role, company_id, created_at, expires_at, revoked_at, last_used_at,
       rotated_at, previous_valid_until
FROM api_keys
WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)

-- name: rotate_api_key
-- The trigger api_keys_rotated tells every server process (migration 0022).
UPDATE api_keys
SET previous_key_hash = key_hash, previous_valid_until = $4,
    key_hash = $2, key_prefix = $3, rotated_at = now()
WHERE id = $1 AND revoked_at IS NULL
RETURNING id, name, role, company_id, created_at, expires_at, revoked_at, last_used_at,
          rotated_at, previous_valid_until

-- name: record_api_keys_used
-- Batched: one statement for every key used since the last one.
UPDATE api_keys AS k SET last_used_at = GREATEST(k.last_used_at, u.at)
FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, at)
WHERE k.id = u.id
