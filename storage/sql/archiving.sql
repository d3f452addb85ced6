-- name: archive_company
-- An archived company keeps the instant it was first archived.
UPDATE companies SET archived_at = coalesce(archived_at, now()) WHERE id = $1
RETURNING id

-- name: company_unpaid_invoices
-- A finalized invoice still owed (a void one is settled by its credit note).
SELECT coalesce(number, id::text) AS name FROM invoices
WHERE company_id = $1 AND status = 'FINALIZED' AND payment_status <> 'PAID'
ORDER BY period_start
LIMIT $2

-- name: company_active_contracts
-- A contract in force: not ended, or ending today or later (UTC).
SELECT coalesce(external_id, id::text) AS name FROM contracts
WHERE company_id = $1 AND (end_date IS NULL OR end_date >= (now() AT TIME ZONE 'UTC')::date)
ORDER BY start_date
LIMIT $2

-- name: archive_metric
UPDATE metrics SET archived_at = coalesce(archived_at, now()) WHERE code = $1
RETURNING code

-- name: metric_active_products
SELECT code AS name FROM products
WHERE metric_code = $1 AND archived_at IS NULL
ORDER BY code
LIMIT $2

-- name: metric_thresholds
SELECT coalesce(c.external_key, 'every company') || ' ' || t.period AS name
FROM thresholds t LEFT JOIN companies c ON c.id = t.company_id
WHERE t.metric_code = $1
ORDER BY c.external_key NULLS FIRST, t.period
LIMIT $2

-- name: update_metric
UPDATE metrics
SET name = $2, description = $3, unit = $4, resource_type = $5, measurement_type = $6,
    aggregation = $7
WHERE code = $1

-- name: lock_product
SELECT code, name, metric_code, created_at, archived_at FROM products WHERE code = $1 FOR UPDATE

-- name: archive_product
UPDATE products SET archived_at = coalesce(archived_at, now()) WHERE code = $1
RETURNING code, name, metric_code, created_at, archived_at

-- name: product_active_contracts
-- Version 1's products are contract_products; each amendment holds its whole set.
SELECT coalesce(c.external_id, c.id::text) AS name FROM contracts c
WHERE (c.end_date IS NULL OR c.end_date >= (now() AT TIME ZONE 'UTC')::date)
  AND (EXISTS (SELECT 1 FROM contract_products cp
               WHERE cp.contract_id = c.id AND cp.product_code = $1)
       OR EXISTS (SELECT 1 FROM contract_versions v
                  WHERE v.contract_id = c.id
                    AND v.products @> jsonb_build_array(jsonb_build_object('productCode', $1::text))))
ORDER BY c.start_date
LIMIT $2
