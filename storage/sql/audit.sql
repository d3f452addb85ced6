-- name: audit_page
-- Newest first: (at, id) descending, below the cursor ($7, $8) when there is
-- one. audit_log_at answers the window; audit_log_company_at one company's.
SELECT id, at, api_key_id, role, company_id, action, outcome, details
FROM audit_log
WHERE ($1::timestamptz IS NULL OR at >= $1)
  AND ($2::timestamptz IS NULL OR at < $2)
  AND ($3::text IS NULL OR action = $3)
  AND ($4::uuid IS NULL OR api_key_id = $4)
  AND ($5::uuid IS NULL OR company_id = $5)
  AND ($6::text IS NULL OR outcome = $6)
  AND ($7::timestamptz IS NULL OR (at, id) < ($7, $8::bigint))
ORDER BY at DESC, id DESC
LIMIT $9

-- name: audit_in_time_order
-- The export: [$1, $2) oldest first, after (at, id) = ($3, $4) when given.
SELECT id, at, api_key_id, role, company_id, action, outcome, details
FROM audit_log
WHERE at >= $1 AND at < $2
  AND ($3::timestamptz IS NULL OR (at, id) > ($3, $4::bigint))
ORDER BY at, id
LIMIT $5

-- name: count_audit_window
SELECT count(*) FROM audit_log WHERE at >= $1 AND at < $2

-- name: insert_audit_rows
-- One statement for any number of rows (a group commit's callers), so that
-- writing them inside a transaction costs one round trip.
INSERT INTO audit_log (at, api_key_id, role, company_id, action, outcome, details)
SELECT at, api_key_id, role, company_id, action, outcome, details::jsonb
FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[],
            $7::text[]) AS r (at, api_key_id, role, company_id, action, outcome, details)
