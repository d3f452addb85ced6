-- name: upsert_cost
-- A restated period replaces its amount; `replaced` tells the caller.
INSERT INTO cost_records AS c
    (id, product_code, granularity, period_start, period_end, amount, currency)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (product_code, granularity, period_start)
DO UPDATE SET amount = excluded.amount, currency = excluded.currency, recorded_at = now()
RETURNING id, product_code, granularity, period_start, period_end, amount, currency,
          recorded_at, (xmax <> 0) AS replaced

-- name: cost_record_by_id
SELECT id, product_code, granularity, period_start, period_end, amount, currency, recorded_at
FROM cost_records WHERE id = $1

-- name: costs_in_window
SELECT id, product_code, granularity, period_start, period_end, amount, currency, recorded_at
FROM cost_records
WHERE period_start >= $1 AND period_start < $2
  AND ($3::text[] IS NULL OR product_code = ANY($3::text[]))
ORDER BY period_start, product_code, granularity

-- name: company_keys
SELECT id, external_key FROM companies WHERE id = ANY($1::uuid[])

-- name: invoice_revenue
-- Invoiced revenue per company and billing period whose start is in [$1, $2).
-- A void invoice is no revenue; a credit note takes its amount off its
-- invoice's; credit applied (an earlier overpayment) is a settlement, not less revenue.
SELECT company_id, period_start, period_end, currency,
       sum(total - credited_amount + coalesce(
           (SELECT -sum(e.amount) FROM credit_entries e
            WHERE e.invoice_id = invoices.id AND e.source = 'APPLIED'), 0)) AS revenue,
       bool_and(status = 'FINALIZED') AS final
FROM invoices
WHERE period_start >= $1 AND period_start < $2 AND status <> 'VOID'
  AND ($3::uuid IS NULL OR company_id = $3)
GROUP BY company_id, period_start, period_end, currency
ORDER BY period_start, company_id
