-- name: list_audit
SELECT id, at, api_key_id, role, company_id, action, outcome, details
FROM audit_log
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3

-- name: insert_audit_rows
-- One statement for any number of rows (a group commit's callers), so that
-- writing them inside a transaction costs one round trip.
INSERT INTO audit_log (at, api_key_id, role, company_id, action, outcome, details)
SELECT at, api_key_id, role, company_id, action, outcome, details::jsonb
FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[],
            $7::text[]) AS r (at, api_key_id, role, company_id, action, outcome, details)
