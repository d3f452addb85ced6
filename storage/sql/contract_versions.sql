-- name: contract_amendments
SELECT contract_id, number, effective_from, payment_terms_days, late_fee_percent_per_month,
       minimum_commitment, products, created_at
FROM contract_versions
WHERE contract_id = ANY($1::uuid[])
ORDER BY contract_id, number

-- name: lock_contract
-- Amendments and ends of one contract take turns (the next number, the checks).
SELECT id FROM contracts WHERE id = $1 FOR UPDATE

-- name: touch_contract
-- An amendment rewrites the contract's row: an invoice run whose snapshot
-- predates it then fails to lock the row (a serialization failure) rather than
-- invoice with the terms before it.
UPDATE contracts SET end_date = end_date WHERE id = $1

-- name: lock_contract_for_invoicing
-- Held by an invoice run for the contract's transaction: amendments and ends wait.
SELECT c.end_date,
       coalesce((SELECT max(v.number) FROM contract_versions v WHERE v.contract_id = c.id), 1)
           AS latest
FROM contracts c WHERE c.id = $1 FOR SHARE

-- name: insert_contract_version
INSERT INTO contract_versions (company_id, contract_id, number, effective_from,
                               payment_terms_days, late_fee_percent_per_month,
                               minimum_commitment, products)
SELECT c.company_id, c.id, $2, $3, $4, $5, $6, $7 FROM contracts c WHERE c.id = $1
RETURNING created_at

-- name: finalized_until
-- The end of the contract's last finalized period (null: none finalized).
SELECT max(period_end) FROM invoices WHERE contract_id = $1 AND status = 'FINALIZED'

-- name: end_contract
UPDATE contracts SET end_date = $2 WHERE id = $1

-- name: contract_external_id_taken
SELECT EXISTS (SELECT 1 FROM contracts WHERE company_id = $1 AND external_id = $2)

-- name: drop_drafts_from
-- Drafts of periods that start at or after $2 (the contract's new end): no
-- such period is invoiced any more (finalized invoices are never touched).
DELETE FROM invoices WHERE contract_id = $1 AND status = 'DRAFT' AND period_start >= $2
