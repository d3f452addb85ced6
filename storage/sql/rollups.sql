-- name: take_stale_hours
DELETE FROM usage_rollup_stale
RETURNING company_id, metric_code, bucket_start

-- name: clear_rollup_hour
DELETE FROM usage_rollup_hour WHERE company_id = $1 AND metric_code = $2 AND bucket_start = $3

-- name: clear_rollup_day
DELETE FROM usage_rollup_day WHERE company_id = $1 AND metric_code = $2 AND bucket_start = $3

-- name: clear_rollup_month
DELETE FROM usage_rollup_month WHERE company_id = $1 AND metric_code = $2 AND bucket_start = $3

-- name: fold_bounds
-- The next fold's range of transaction ids [low, high): low is the watermark,
-- high the oldest transaction still running (every one below it has ended),
-- or, when more than $1 records wait, the id of the ($1 + 1)-th record in id
-- order: whole transactions' records, at least the first transaction's (a
-- transaction that wrote more than $1 is folded whole).
WITH w AS (
    SELECT folded_below AS low, pg_snapshot_xmin(pg_current_snapshot()) AS xmin
    FROM usage_rollup_watermark
), waiting AS NOT MATERIALIZED (
    -- the bounds as values (not a join), so that each partition's xid index
    -- starts at the watermark rather than at the first record ever folded
    SELECT r.xid FROM usage_records r
    WHERE r.xid >= (SELECT low FROM w) AND r.xid < (SELECT xmin FROM w)
), firsts AS (
    SELECT (SELECT xid FROM waiting ORDER BY xid LIMIT 1) AS first,
           (SELECT xid FROM waiting ORDER BY xid OFFSET $1 LIMIT 1) AS nth
)
SELECT w.low,
       CASE WHEN w.xmin <= w.low THEN w.low
            WHEN f.nth IS NULL THEN w.xmin
            WHEN f.nth > f.first THEN f.nth
            ELSE coalesce((SELECT min(xid) FROM waiting WHERE xid > f.first), w.xmin)
       END AS high,
       f.nth IS NULL AS caught_up
FROM w, firsts f

-- name: rebuild_hour_from_raw
-- The hour [$3, $3 + 1 hour) of one company's metric, recomputed from the raw
-- records folded so far (the newer ones are still read as the raw tail; the
-- fold that takes them adds them to this hour).
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
  AND xid < (SELECT folded_below FROM usage_rollup_watermark)
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
-- A voided record that was folded (its transaction id $11 below the
-- watermark) leaves its rollups: a negative delta for SUM and COUNT, and a
-- stale mark so that its hour's MIN, MAX and LATEST come from raw records.
-- One not folded yet was only in the raw tail, which its delete left.
-- The caller holds off folds (storage.rollups.hold_off_folds).
WITH folded AS (
    SELECT 1 FROM usage_rollup_watermark WHERE $11::xid8 < folded_below
), delta AS (
    INSERT INTO usage_rollup_deltas (
        company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
        billing_category, billable, records, total)
    SELECT $1, $2, date_trunc('hour', $3::timestamptz, 'UTC'), $4, $5, $6, $7, $8, $9, -1,
           -$10::numeric
    FROM folded
)
INSERT INTO usage_rollup_stale (company_id, metric_code, bucket_start)
SELECT $1, $2, date_trunc('hour', $3::timestamptz, 'UTC') FROM folded

-- name: list_corrections
SELECT id, record_id, company_id, action, replaced_by, reason, api_key_id, at, original
FROM usage_corrections
WHERE record_id = $1 OR replaced_by = $1
ORDER BY id
