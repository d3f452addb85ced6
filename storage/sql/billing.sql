-- name: insert_product
INSERT INTO products (code, name, metric_code) VALUES ($1, $2, $3)
ON CONFLICT (code) DO NOTHING
RETURNING code, name, metric_code, created_at, archived_at

-- name: products
SELECT code, name, metric_code, created_at, archived_at FROM products ORDER BY code

-- name: contracts
SELECT id, company_id, currency, start_date, end_date, billing_day, payment_terms_days,
       late_fee_percent_per_month, minimum_commitment, grace_hours, created_at, external_id
FROM contracts
WHERE ($1::uuid IS NULL OR company_id = $1) AND ($2::uuid IS NULL OR id = $2)
  AND ($3::text IS NULL OR external_id = $3)
ORDER BY created_at, id

-- name: contracts_after
-- A page forward on (created_at, id): of one company ($1) and external id ($2) when
-- given, after ($3, $4) when given, $5 rows.
SELECT id, company_id, currency, start_date, end_date, billing_day, payment_terms_days,
       late_fee_percent_per_month, minimum_commitment, grace_hours, created_at, external_id
FROM contracts
WHERE ($1::uuid IS NULL OR company_id = $1) AND ($2::text IS NULL OR external_id = $2)
  AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))
ORDER BY created_at, id
LIMIT $5

-- name: contracts_before
-- A page backward: the $5 rows before ($3, $4) when given (else the last), newest first.
SELECT id, company_id, currency, start_date, end_date, billing_day, payment_terms_days,
       late_fee_percent_per_month, minimum_commitment, grace_hours, created_at, external_id
FROM contracts
WHERE ($1::uuid IS NULL OR company_id = $1) AND ($2::text IS NULL OR external_id = $2)
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $5

-- name: count_contracts
SELECT count(*) FROM contracts
WHERE ($1::uuid IS NULL OR company_id = $1) AND ($2::text IS NULL OR external_id = $2)
-- name: contracts_by_ids
SELECT id, company_id, currency, start_date, end_date, billing_day, payment_terms_days,
       late_fee_percent_per_month, minimum_commitment, grace_hours, created_at, external_id
FROM contracts
WHERE id = ANY($1::uuid[])

-- name: contract_products
SELECT cp.contract_id, cp.product_code, p.metric_code, cp.price, cp.filters
FROM contract_products cp JOIN products p ON p.code = cp.product_code
WHERE cp.contract_id = ANY($1::uuid[])
ORDER BY cp.contract_id, cp.product_code

-- name: insert_contract
INSERT INTO contracts (id, company_id, currency, start_date, end_date, billing_day,
                       payment_terms_days, late_fee_percent_per_month, minimum_commitment,
                       grace_hours, external_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)

-- name: insert_contract_product
-- The contract's company comes from the contract ($1), written just before.
INSERT INTO contract_products (company_id, contract_id, product_code, price, filters)
SELECT c.company_id, c.id, $2, $3, $4 FROM contracts c WHERE c.id = $1

-- name: invoices_of_contract
SELECT * FROM invoices WHERE contract_id = $1 ORDER BY period_start

-- name: upsert_invoice
-- A draft is replaced by its recomputation; a finalized invoice is left as
-- it is (no row comes back then).
-- $15 is the contract version that priced it; $16 the number a finalized
-- invoice is given (NULL for a draft).
INSERT INTO invoices AS i (id, contract_id, company_id, period_start, period_end, status,
                           currency, subtotal, minimum_true_up, adjustments, total,
                           issue_date, due_date, lines, finalized_at, contract_version,
                           number)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
        CASE WHEN $6 = 'FINALIZED' THEN now() END, $15, $16)
ON CONFLICT (company_id, contract_id, period_start) DO UPDATE
SET status = excluded.status, subtotal = excluded.subtotal,
    minimum_true_up = excluded.minimum_true_up, adjustments = excluded.adjustments,
    total = excluded.total, issue_date = excluded.issue_date, due_date = excluded.due_date,
    lines = excluded.lines, updated_at = now(), finalized_at = excluded.finalized_at,
    contract_version = excluded.contract_version, number = excluded.number
WHERE i.status = 'DRAFT'
RETURNING status

-- name: list_invoices
SELECT * FROM invoices
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::uuid IS NULL OR contract_id = $2)
  AND ($3::text IS NULL OR status = $3)
  AND ($4::timestamptz IS NULL OR (period_start, id) > ($4, $5::uuid))
ORDER BY period_start, id
LIMIT $6

-- name: invoice_by_id
SELECT * FROM invoices WHERE id = $1

-- name: insert_payment
-- Records a payment and settles the invoice's payment state in one statement.
WITH paid AS (
    INSERT INTO payments (id, company_id, invoice_id, amount, paid_at)
    SELECT $1, company_id, id, $3, $4 FROM invoices WHERE id = $2
    RETURNING company_id, invoice_id, amount
)
UPDATE invoices i
SET paid_amount = i.paid_amount + paid.amount,
    payment_status = CASE WHEN i.paid_amount + paid.amount + i.credited_amount >= i.total
                          THEN 'PAID'
                          ELSE i.payment_status END
FROM paid
WHERE i.company_id = paid.company_id AND i.id = paid.invoice_id
RETURNING i.payment_status, i.paid_amount

-- name: mark_overdue
-- Finalized, unpaid invoices past their due date.
UPDATE invoices
SET payment_status = 'OVERDUE', overdue_since = (due_date + 1)::timestamp AT TIME ZONE 'UTC'
WHERE status = 'FINALIZED' AND payment_status = 'UNPAID'
  AND paid_amount + credited_amount < total
  AND due_date < ($1::timestamptz AT TIME ZONE 'UTC')::date
RETURNING id

-- name: payments_of_contract
SELECT p.invoice_id, p.amount, p.paid_at
FROM payments p JOIN invoices i ON i.company_id = p.company_id AND i.id = p.invoice_id
WHERE i.contract_id = $1
ORDER BY p.paid_at, p.id

-- name: record_invoice_run_error
-- Contract $1 failed at $5: one more attempt, with $6 the next after 1, 2, 4 ...
-- hours (at most $7 hours), without it at the next run.
INSERT INTO invoice_run_errors AS e (contract_id, company_id, code, message, attempts,
                                     first_failed_at, last_failed_at, next_attempt_at)
VALUES ($1, $2, $3, $4, 1, $5::timestamptz, $5::timestamptz,
        $5::timestamptz + CASE WHEN $6::boolean
            THEN least(interval '1 hour', make_interval(hours => $7::integer))
            ELSE interval '0' END)
ON CONFLICT (company_id, contract_id) DO UPDATE
SET code = excluded.code, message = excluded.message, attempts = e.attempts + 1,
    last_failed_at = excluded.last_failed_at,
    next_attempt_at = excluded.last_failed_at + CASE WHEN $6::boolean
        THEN least(interval '1 hour' * power(2, least(e.attempts, 20)),
                   make_interval(hours => $7::integer))
        ELSE interval '0' END
RETURNING attempts

-- name: invoice_retries_waiting
-- Contracts whose last failure's backoff has not passed by $1.
SELECT contract_id FROM invoice_run_errors WHERE next_attempt_at > $1

-- name: clear_invoice_run_error
DELETE FROM invoice_run_errors WHERE contract_id = $1

-- name: invoice_run_errors
SELECT contract_id, company_id, code, message, attempts, first_failed_at, last_failed_at,
       next_attempt_at
FROM invoice_run_errors ORDER BY last_failed_at DESC

-- name: take_invoice_number
-- The next number of issuer $1 in year $2. The counter row stays locked
-- until the finalizing transaction ends: concurrent finalizations wait in
-- turn, and a rollback gives the number back.
INSERT INTO invoice_number_counters AS c (prefix, year, last_number) VALUES ($1, $2, 1)
ON CONFLICT (prefix, year) DO UPDATE SET last_number = c.last_number + 1
RETURNING last_number
