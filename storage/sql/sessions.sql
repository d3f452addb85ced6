-- name: insert_console_session
INSERT INTO console_sessions (id, api_key_id, token_hash, csrf_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: console_session_by_hash
-- A session of a key that is still valid (a revoked or expired key's sessions
-- end with it).
SELECT s.id, s.api_key_id, s.csrf_hash, s.expires_at, k.role, k.company_id
FROM console_sessions s
JOIN api_keys k ON k.id = s.api_key_id
WHERE s.token_hash = $1 AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > now())

-- name: delete_console_session
DELETE FROM console_sessions WHERE token_hash = $1
RETURNING id, api_key_id

-- name: delete_expired_console_sessions
-- Uses console_sessions_expires; sessions still valid are never touched.
DELETE FROM console_sessions WHERE expires_at <= $1

-- name: trim_console_sessions
-- A key keeps at most $2 sessions: its oldest beyond those are ended.
DELETE FROM console_sessions
WHERE api_key_id = $1
  AND id NOT IN (
      SELECT id FROM console_sessions WHERE api_key_id = $1
      ORDER BY created_at DESC, id DESC
      LIMIT $2
  )
