-- name: insert_audit
INSERT INTO audit_log (api_key_id, role, company_id, action, outcome, details)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: list_audit
SELECT id, at, api_key_id, role, company_id, action, outcome, details
FROM audit_log
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3
