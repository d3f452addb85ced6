-- name: claim_and_store_usage
-- The careful write: records given as one array per column (ord first, then
-- STAGING_COLUMNS' order). Ends without its final SELECT: storage.usage adds
-- the count or the rows (and, for a group commit, the audit CTE). Claims the
-- idempotency keys first (sorted, so concurrent batches lock keys in the same
-- order and cannot deadlock; by code point, the order the COPY path and a
-- batch stored in chunks take them in too); a record whose key was already
-- taken is not stored. Records without a key are always stored. Nothing else
-- is written: the rollup folder folds the stored records into the rollups
-- later (0032_rollup_folder.sql), so concurrent writes share no row.
WITH incoming AS (
    SELECT ord, id, company_id, metric_code, resource_type, ts, value, unit, measurement_type,
           reporting_interval, space_id, application_id, user_id, source, subscription_id,
           billing_period_start, billing_period_end, billable, billing_category,
           idempotency_key, product_code, properties::jsonb AS properties
    FROM unnest($1::integer[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                $6::timestamptz[], $7::numeric[], $8::text[], $9::text[], $10::text[],
                $11::uuid[], $12::uuid[], $13::uuid[], $14::text[], $15::uuid[],
                $16::timestamptz[], $17::timestamptz[], $18::boolean[], $19::text[],
                $20::text[], $21::text[], $22::text[])
         AS t(ord, id, company_id, metric_code, resource_type, ts, value, unit,
              measurement_type, reporting_interval, space_id, application_id, user_id,
              source, subscription_id, billing_period_start, billing_period_end, billable,
              billing_category, idempotency_key, product_code, properties)
), claimed AS (
    INSERT INTO usage_idempotency_keys (company_id, idempotency_key, record_id, metric_code, ts, value)
    SELECT company_id, idempotency_key, id, metric_code, ts, value
    FROM incoming
    WHERE idempotency_key IS NOT NULL
    ORDER BY company_id, idempotency_key COLLATE "C"
    ON CONFLICT (company_id, idempotency_key) DO NOTHING
    RETURNING record_id
), stored AS (
    INSERT INTO usage_records (
        id, company_id, metric_code, resource_type, ts, value, unit, measurement_type,
        reporting_interval, space_id, application_id, user_id, source, subscription_id,
        billing_period_start, billing_period_end, billable, billing_category, idempotency_key,
        product_code, properties)
    SELECT s.id, s.company_id, s.metric_code, s.resource_type, s.ts, s.value, s.unit,
           s.measurement_type, s.reporting_interval, s.space_id, s.application_id, s.user_id,
           s.source, s.subscription_id, s.billing_period_start, s.billing_period_end, s.billable,
           s.billing_category, s.idempotency_key, s.product_code, s.properties
    FROM incoming s
    WHERE s.idempotency_key IS NULL OR s.id IN (SELECT record_id FROM claimed)
    RETURNING *
)

-- name: replays
-- Of the given (ord, company, key, id), those whose key belongs to an earlier
-- record. Each key is looked up by the primary key (LATERAL ... LIMIT 1 keeps
-- the planner from hashing the whole key table for a handful of rows).
SELECT s.ord, k.record_id, k.metric_code, k.ts, k.value
FROM unnest($1::integer[], $2::uuid[], $3::text[], $4::uuid[])
     AS s(ord, company_id, idempotency_key, id)
CROSS JOIN LATERAL (
    SELECT record_id, metric_code, ts, value FROM usage_idempotency_keys k
    WHERE k.company_id = s.company_id AND k.idempotency_key = s.idempotency_key
    LIMIT 1
) k
WHERE k.record_id <> s.id

-- name: key_taken
-- Whether a company's idempotency key belongs to a committed record (a resent
-- batch's first key: it then goes the careful way at once).
SELECT EXISTS (
    SELECT 1 FROM usage_idempotency_keys WHERE company_id = $1 AND idempotency_key = $2
)

-- name: usage_record_by_id
SELECT * FROM usage_records WHERE id = $1 AND ts = $2

-- name: list_usage_records
-- Keyset pagination on (ts, id). Every filter is optional (NULL = any).
SELECT id, company_id, metric_code, resource_type, ts, value, unit, measurement_type,
       reporting_interval, space_id, application_id, user_id, source, subscription_id,
       billing_period_start, billing_period_end, billable, billing_category, idempotency_key,
       product_code, properties, recorded_at
FROM usage_records
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::text[] IS NULL OR metric_code = ANY($2))
  AND ($3::text IS NULL OR resource_type = $3)
  AND ($4::timestamptz IS NULL OR ts >= $4)
  AND ($5::timestamptz IS NULL OR ts < $5)
  AND ($6::uuid IS NULL OR space_id = $6)
  AND ($7::uuid IS NULL OR application_id = $7)
  AND ($8::uuid IS NULL OR user_id = $8)
  AND ($9::text IS NULL OR source = $9)
  AND ($10::boolean IS NULL OR billable = $10)
  AND ($11::timestamptz IS NULL OR (ts, id) > ($11, $12::uuid))
ORDER BY ts, id
LIMIT $13

-- name: usage_totals
-- Per company and metric: how many records and their sum, in [from, to).
SELECT company_id, metric_code, count(*) AS records, sum(value) AS total
FROM usage_records
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::timestamptz IS NULL OR ts >= $2)
  AND ($3::timestamptz IS NULL OR ts < $3)
GROUP BY company_id, metric_code
ORDER BY company_id, metric_code

-- name: audit_stored_records
-- A CTE appended to the group statement (after ``stored``): the audit rows of
-- the records it stores, given as arrays from $23 (record id first), written by
-- the same statement, so a record and its row commit together or not at all.
audited AS (
    INSERT INTO audit_log (at, api_key_id, role, company_id, action, outcome, details)
    SELECT a.at, a.api_key_id, a.role, a.company_id, a.action, a.outcome, a.details::jsonb
    FROM unnest($23::uuid[], $24::timestamptz[], $25::uuid[], $26::text[], $27::uuid[],
                $28::text[], $29::text[], $30::text[])
         AS a (record_id, at, api_key_id, role, company_id, action, outcome, details)
    JOIN stored s ON s.id = a.record_id
    RETURNING 1
)
