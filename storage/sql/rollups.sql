-- name: merge_deltas
-- Moves every visible delta into the hourly, daily and monthly rollups in
-- one statement: a delta is either still pending or counted in all three.
WITH moved AS (
    DELETE FROM usage_rollup_deltas RETURNING *
), hourly AS (
    INSERT INTO usage_rollup_hour AS t (
        company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
        billing_category, billable, records, total, min_value, max_value,
        latest_ts, latest_id, latest_value)
    SELECT company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
           billing_category, billable, sum(records), sum(total), min(min_value), max(max_value),
           max(latest_ts),
           (array_agg(latest_id ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1],
           (array_agg(latest_value ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1]
    FROM moved
    GROUP BY company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
             billing_category, billable
    ON CONFLICT (company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
                 billing_category, billable)
    DO UPDATE SET
        records = t.records + excluded.records,
        total = t.total + excluded.total,
        min_value = least(t.min_value, excluded.min_value),
        max_value = greatest(t.max_value, excluded.max_value),
        latest_ts = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_ts ELSE t.latest_ts END,
        latest_id = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_id ELSE t.latest_id END,
        latest_value = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_value ELSE t.latest_value END
    RETURNING 1
), daily AS (
    INSERT INTO usage_rollup_day AS t (
        company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
        billing_category, billable, records, total, min_value, max_value,
        latest_ts, latest_id, latest_value)
    SELECT company_id, metric_code, date_trunc('day', bucket_start, 'UTC'), space_id,
           application_id, user_id, source, billing_category, billable, sum(records), sum(total),
           min(min_value), max(max_value), max(latest_ts),
           (array_agg(latest_id ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1],
           (array_agg(latest_value ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1]
    FROM moved
    GROUP BY company_id, metric_code, date_trunc('day', bucket_start, 'UTC'), space_id,
             application_id, user_id, source, billing_category, billable
    ON CONFLICT (company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
                 billing_category, billable)
    DO UPDATE SET
        records = t.records + excluded.records,
        total = t.total + excluded.total,
        min_value = least(t.min_value, excluded.min_value),
        max_value = greatest(t.max_value, excluded.max_value),
        latest_ts = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_ts ELSE t.latest_ts END,
        latest_id = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_id ELSE t.latest_id END,
        latest_value = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_value ELSE t.latest_value END
    RETURNING 1
), monthly AS (
    INSERT INTO usage_rollup_month AS t (
        company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
        billing_category, billable, records, total, min_value, max_value,
        latest_ts, latest_id, latest_value)
    SELECT company_id, metric_code, date_trunc('month', bucket_start, 'UTC'), space_id,
           application_id, user_id, source, billing_category, billable, sum(records), sum(total),
           min(min_value), max(max_value), max(latest_ts),
           (array_agg(latest_id ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1],
           (array_agg(latest_value ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1]
    FROM moved
    GROUP BY company_id, metric_code, date_trunc('month', bucket_start, 'UTC'), space_id,
             application_id, user_id, source, billing_category, billable
    ON CONFLICT (company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
                 billing_category, billable)
    DO UPDATE SET
        records = t.records + excluded.records,
        total = t.total + excluded.total,
        min_value = least(t.min_value, excluded.min_value),
        max_value = greatest(t.max_value, excluded.max_value),
        latest_ts = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_ts ELSE t.latest_ts END,
        latest_id = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_id ELSE t.latest_id END,
        latest_value = CASE WHEN excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL
                         OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))
                    THEN excluded.latest_value ELSE t.latest_value END
    RETURNING 1
)
SELECT count(*) FROM moved

-- name: take_stale_hours
DELETE FROM usage_rollup_stale
RETURNING company_id, metric_code, bucket_start

-- name: clear_rollup_hour
DELETE FROM usage_rollup_hour WHERE company_id = $1 AND metric_code = $2 AND bucket_start = $3

-- name: clear_rollup_day
DELETE FROM usage_rollup_day WHERE company_id = $1 AND metric_code = $2 AND bucket_start = $3

-- name: clear_rollup_month
DELETE FROM usage_rollup_month WHERE company_id = $1 AND metric_code = $2 AND bucket_start = $3

-- name: rebuild_hour_from_raw
-- The hour [$3, $3 + 1 hour) of one company's metric, recomputed from raw.
INSERT INTO usage_rollup_hour (
    company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
    billing_category, billable, records, total, min_value, max_value,
    latest_ts, latest_id, latest_value)
SELECT company_id, metric_code, $3, space_id, application_id, user_id, source,
       billing_category, billable, count(*), sum(value), min(value), max(value), max(ts),
       (array_agg(id ORDER BY ts DESC, id DESC))[1],
       (array_agg(value ORDER BY ts DESC, id DESC))[1]
FROM usage_records
WHERE company_id = $1 AND metric_code = $2 AND ts >= $3 AND ts < $3 + interval '1 hour'
GROUP BY company_id, metric_code, space_id, application_id, user_id, source,
         billing_category, billable

-- name: rebuild_day_from_hours
INSERT INTO usage_rollup_day (
    company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
    billing_category, billable, records, total, min_value, max_value,
    latest_ts, latest_id, latest_value)
SELECT company_id, metric_code, $3, space_id, application_id, user_id, source,
       billing_category, billable, sum(records), sum(total), min(min_value), max(max_value),
       max(latest_ts),
       (array_agg(latest_id ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1],
       (array_agg(latest_value ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1]
FROM usage_rollup_hour
WHERE company_id = $1 AND metric_code = $2
  AND bucket_start >= $3 AND bucket_start < $3 + interval '1 day' AND records > 0
GROUP BY company_id, metric_code, space_id, application_id, user_id, source,
         billing_category, billable

-- name: rebuild_month_from_days
INSERT INTO usage_rollup_month (
    company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
    billing_category, billable, records, total, min_value, max_value,
    latest_ts, latest_id, latest_value)
SELECT company_id, metric_code, $3, space_id, application_id, user_id, source,
       billing_category, billable, sum(records), sum(total), min(min_value), max(max_value),
       max(latest_ts),
       (array_agg(latest_id ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1],
       (array_agg(latest_value ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1]
FROM usage_rollup_day
WHERE company_id = $1 AND metric_code = $2
  AND bucket_start >= $3 AND bucket_start < $3 + interval '1 month' AND records > 0
GROUP BY company_id, metric_code, space_id, application_id, user_id, source,
         billing_category, billable

-- name: usage_record_for_correction
SELECT * FROM usage_records WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)

-- name: delete_usage_record
DELETE FROM usage_records WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)
RETURNING *

-- name: record_correction
INSERT INTO usage_corrections (record_id, company_id, action, replaced_by, reason, api_key_id, original)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, at

-- name: void_rollup_delta
-- A voided record leaves its rollups: a negative delta for SUM and COUNT, and
-- a stale mark so that its hour's MIN, MAX and LATEST come from raw records.
WITH delta AS (
    INSERT INTO usage_rollup_deltas (
        company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
        billing_category, billable, records, total)
    VALUES ($1, $2, date_trunc('hour', $3::timestamptz, 'UTC'), $4, $5, $6, $7, $8, $9, -1, -$10::numeric)
)
INSERT INTO usage_rollup_stale (company_id, metric_code, bucket_start)
VALUES ($1, $2, date_trunc('hour', $3::timestamptz, 'UTC'))

-- name: list_corrections
SELECT id, record_id, company_id, action, replaced_by, reason, api_key_id, at, original
FROM usage_corrections
WHERE record_id = $1 OR replaced_by = $1
ORDER BY id
