-- name: retention_rules
SELECT metric_code, raw_days, hour_days, day_days, month_days, raw_complete_from
FROM retention_rules

-- name: pending_before
-- Is anything of metric $1 before $2 not yet in the rollups?
SELECT EXISTS (
    SELECT 1 FROM usage_rollup_deltas WHERE metric_code = $1 AND bucket_start < $2
) OR EXISTS (
    SELECT 1 FROM usage_rollup_stale WHERE metric_code = $1 AND bucket_start < $2
)

-- name: mark_raw_complete_from
INSERT INTO retention_rules (metric_code, raw_days, hour_days, day_days, month_days,
                             raw_complete_from)
SELECT $1, raw_days, hour_days, day_days, month_days, $2
FROM retention_rules WHERE metric_code = '*'
ON CONFLICT (metric_code) DO UPDATE
SET raw_complete_from = greatest(retention_rules.raw_complete_from, excluded.raw_complete_from)

-- name: raw_complete_from
SELECT raw_complete_from FROM retention_rules WHERE metric_code = $1

-- name: delete_raw_batch
WITH doomed AS (
    SELECT ts, id FROM usage_records WHERE metric_code = $1 AND ts < $2 LIMIT $3
), gone AS (
    DELETE FROM usage_records r USING doomed d WHERE r.ts = d.ts AND r.id = d.id RETURNING 1
)
SELECT count(*) FROM gone

-- name: delete_hour_batch
WITH doomed AS (
    SELECT ctid FROM usage_rollup_hour WHERE metric_code = $1 AND bucket_start < $2 LIMIT $3
), gone AS (
    DELETE FROM usage_rollup_hour WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
)
SELECT count(*) FROM gone

-- name: delete_day_batch
WITH doomed AS (
    SELECT ctid FROM usage_rollup_day WHERE metric_code = $1 AND bucket_start < $2 LIMIT $3
), gone AS (
    DELETE FROM usage_rollup_day WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
)
SELECT count(*) FROM gone

-- name: delete_month_batch
WITH doomed AS (
    SELECT ctid FROM usage_rollup_month WHERE metric_code = $1 AND bucket_start < $2 LIMIT $3
), gone AS (
    DELETE FROM usage_rollup_month WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
)
SELECT count(*) FROM gone

-- name: usage_partitions
SELECT c.relname AS name
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = 'usage_records'
ORDER BY c.relname

-- name: lock_usage_records
-- The parent alone (ONLY): dropping a partition locks it before the partition.
LOCK TABLE ONLY usage_records IN ACCESS EXCLUSIVE MODE

-- name: raw_horizon
-- Raw records of metric $1 before this instant may be gone (see retention).
SELECT max(raw_complete_from) FROM retention_rules WHERE metric_code IN ($1, '*')

-- name: prune_job_runs
WITH gone AS (DELETE FROM job_runs WHERE started_at < $1 RETURNING 1)
SELECT count(*) FROM gone

-- name: prune_reports
WITH gone AS (DELETE FROM reports WHERE created_at < $1 RETURNING 1)
SELECT count(*) FROM gone

-- name: coverage_horizons
-- Per source, the latest instant before which retention may have removed
-- rows of the metrics $1 (every metric when NULL).
SELECT source, max(complete_from) AS complete_from FROM usage_coverage
WHERE $1::text[] IS NULL OR metric_code = ANY($1::text[])
GROUP BY source

-- name: mark_coverage
-- Source $2 of metric $1 may have lost rows before $3 (never moves back).
INSERT INTO usage_coverage (metric_code, source, complete_from) VALUES ($1, $2, $3)
ON CONFLICT (metric_code, source) DO UPDATE
SET complete_from = greatest(usage_coverage.complete_from, excluded.complete_from)

-- name: longest_late_window
-- The most days back any company may still send records (its partitions stay).
SELECT coalesce(max(late_arrival_days), 0) FROM companies

-- name: retention_metric_codes
-- Every metric retention looks at, in a stable order.
SELECT code FROM metrics ORDER BY code
