-- name: insert_company
INSERT INTO companies (id, external_key, name, late_arrival_days)
VALUES ($1, $2, $3, $4)
ON CONFLICT (external_key) DO NOTHING
RETURNING id, external_key, name, late_arrival_days, created_at

-- name: company_by_id
SELECT id, external_key, name, late_arrival_days, created_at FROM companies WHERE id = $1

-- name: companies_by_external_keys
SELECT id, external_key, name, late_arrival_days, created_at
FROM companies WHERE external_key = ANY($1::text[])

-- name: list_companies
-- $1: only this company (NULL = all); keyset pagination on external_key.
SELECT id, external_key, name, late_arrival_days, created_at
FROM companies
WHERE ($1::uuid IS NULL OR id = $1)
  AND ($2::text IS NULL OR external_key > $2)
ORDER BY external_key
LIMIT $3

-- name: update_company_late_arrival
UPDATE companies SET late_arrival_days = $2 WHERE id = $1
RETURNING id, external_key, name, late_arrival_days, created_at
