-- name: credit_available
-- The company's credit in one currency (credit_accounts: the ledger's running sum).
SELECT coalesce((SELECT balance FROM credit_accounts WHERE company_id = $1 AND currency = $2), 0)

-- name: companies_with_credit
SELECT company_id, currency FROM credit_accounts WHERE balance > 0

-- name: credit_balances
-- Each company's credit per currency ($1: the companies): the sum of its ledger entries.
SELECT company_id, currency, sum(amount) AS amount
FROM credit_entries
WHERE company_id = ANY($1::uuid[])
GROUP BY company_id, currency
ORDER BY company_id, currency

-- name: insert_credit_entry
INSERT INTO credit_entries (id, company_id, currency, amount, source, invoice_id, payment_id,
                            credit_note_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- name: apply_credit
-- The finalized invoice of contract $2 and period $3 spends $4 of its company's
-- credit; nothing when it has spent some already (a rerun).
INSERT INTO credit_entries (id, company_id, currency, amount, source, invoice_id)
SELECT $1, company_id, currency, -$4::numeric, 'APPLIED', id
FROM invoices
WHERE contract_id = $2 AND period_start = $3 AND status = 'FINALIZED'
ON CONFLICT (company_id, invoice_id) WHERE source = 'APPLIED' DO NOTHING
RETURNING id

-- name: lock_invoice
-- The invoice, held until the transaction ends (credit notes and voids one at a time).
SELECT * FROM invoices WHERE id = $1 FOR UPDATE

-- name: insert_credit_note
-- Records a credit note and settles its invoice in one statement: what it
-- took off, its payment state (PAID once nothing is owed) and, for a void, VOID.
WITH note AS (
    INSERT INTO credit_notes (id, invoice_id, company_id, currency, amount, reason, voids)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING invoice_id, amount, voids
)
UPDATE invoices i
SET credited_amount = i.credited_amount + note.amount,
    payment_status = CASE WHEN i.paid_amount + i.credited_amount + note.amount >= i.total
                          THEN 'PAID' ELSE i.payment_status END,
    status = CASE WHEN note.voids THEN 'VOID' ELSE i.status END,
    voided_at = CASE WHEN note.voids THEN now() ELSE i.voided_at END
FROM note
WHERE i.id = note.invoice_id
RETURNING i.*

-- name: credit_notes_of
SELECT id, invoice_id, company_id, currency, amount, reason, voids, created_at
FROM credit_notes
WHERE invoice_id = ANY($1::uuid[])
ORDER BY created_at, id

-- name: credit_note_in_company
SELECT id, invoice_id, company_id, currency, amount, reason, voids, created_at
FROM credit_notes
WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)

-- name: credit_entry_in_company
SELECT id, currency, amount, source, invoice_id, payment_id, credit_note_id, created_at
FROM credit_entries
WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)

-- name: credit_entries_of
-- Each company's latest $2 ledger entries, newest first ($1: the companies). One
-- statement for a page of companies; the LIMIT applies to each company, so a
-- long ledger is not read whole.
SELECT c.company_id, e.id, e.currency, e.amount, e.source, e.invoice_id, e.payment_id,
       e.credit_note_id, e.created_at
FROM unnest($1::uuid[]) AS c (company_id)
CROSS JOIN LATERAL (
    SELECT id, currency, amount, source, invoice_id, payment_id, credit_note_id, created_at
    FROM credit_entries
    WHERE company_id = c.company_id
    ORDER BY created_at DESC, id DESC
    LIMIT $2
) e
ORDER BY c.company_id, e.created_at DESC, e.id DESC
