-- name: retention_rules
-- Each rule in force: a metric's row that follows the default has the default's days.
SELECT r.metric_code, r.follows_default,
       CASE WHEN r.follows_default THEN d.raw_days ELSE r.raw_days END AS raw_days,
       CASE WHEN r.follows_default THEN d.hour_days ELSE r.hour_days END AS hour_days,
       CASE WHEN r.follows_default THEN d.day_days ELSE r.day_days END AS day_days,
       CASE WHEN r.follows_default THEN d.month_days ELSE r.month_days END AS month_days
FROM retention_rules r CROSS JOIN retention_rules d
WHERE d.metric_code = '*'
ORDER BY r.metric_code

-- name: set_retention_rule
-- The rule of metric $1 ('*': the default), keeping what the cleanup promised.
INSERT INTO retention_rules (metric_code, raw_days, hour_days, day_days, month_days)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (metric_code) DO UPDATE
SET raw_days = excluded.raw_days, hour_days = excluded.hour_days,
    day_days = excluded.day_days, month_days = excluded.month_days,
    follows_default = false

-- name: legal_holds
SELECT company_id, placed_at FROM legal_holds ORDER BY placed_at, company_id

-- name: place_legal_hold
-- A hold already in place keeps the instant it was placed.
WITH placed AS (
    INSERT INTO legal_holds (company_id) VALUES ($1)
    ON CONFLICT (company_id) DO NOTHING
    RETURNING company_id, placed_at
)
SELECT company_id, placed_at FROM placed
UNION ALL
SELECT company_id, placed_at FROM legal_holds WHERE company_id = $1

-- name: lift_legal_hold
WITH gone AS (DELETE FROM legal_holds WHERE company_id = $1 RETURNING 1)
SELECT count(*) FROM gone

-- name: lock_legal_holds
-- Until the partition drop commits, no hold may be placed (nor lifted).
LOCK TABLE legal_holds IN SHARE MODE

-- name: held_records_between
-- Does a company under legal hold have a raw record in [$1, $2)?
SELECT EXISTS (
    SELECT 1 FROM legal_holds h
    WHERE EXISTS (
        SELECT 1 FROM usage_records r
        WHERE r.company_id = h.company_id AND r.ts >= $1 AND r.ts < $2
    )
)

-- name: pending_before
-- Is anything of metric $1 before $2 not yet in the rollups (a delta, a
-- stale hour, a record not folded)?
SELECT EXISTS (
    SELECT 1 FROM usage_rollup_deltas WHERE metric_code = $1 AND bucket_start < $2
) OR EXISTS (
    SELECT 1 FROM usage_rollup_stale WHERE metric_code = $1 AND bucket_start < $2
) OR EXISTS (
    SELECT 1 FROM usage_records WHERE metric_code = $1 AND ts < $2
      AND xid >= (SELECT folded_below FROM usage_rollup_watermark)
)

-- name: mark_raw_complete_from
INSERT INTO retention_rules (metric_code, raw_days, hour_days, day_days, month_days,
                             raw_complete_from, follows_default)
SELECT $1, raw_days, hour_days, day_days, month_days, $2, true
FROM retention_rules WHERE metric_code = '*'
ON CONFLICT (metric_code) DO UPDATE
SET raw_complete_from = greatest(retention_rules.raw_complete_from, excluded.raw_complete_from)

-- name: raw_complete_from
SELECT raw_complete_from FROM retention_rules WHERE metric_code = $1

-- name: delete_raw_batch
-- Folded records only: one stored since the last fold (a late record) is in
-- no rollup yet and stays until a later run, after the folder has taken it.
WITH doomed AS (
    SELECT ts, id FROM usage_records r WHERE metric_code = $1 AND ts < $2
      AND xid < (SELECT folded_below FROM usage_rollup_watermark)
      AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.company_id = r.company_id)
    LIMIT $3
), gone AS (
    DELETE FROM usage_records r USING doomed d WHERE r.ts = d.ts AND r.id = d.id RETURNING 1
)
SELECT count(*) FROM gone

-- name: delete_hour_batch
WITH doomed AS (
    SELECT ctid FROM usage_rollup_hour u WHERE metric_code = $1 AND bucket_start < $2
      AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.company_id = u.company_id)
    LIMIT $3
), gone AS (
    DELETE FROM usage_rollup_hour WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
)
SELECT count(*) FROM gone

-- name: delete_day_batch
WITH doomed AS (
    SELECT ctid FROM usage_rollup_day u WHERE metric_code = $1 AND bucket_start < $2
      AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.company_id = u.company_id)
    LIMIT $3
), gone AS (
    DELETE FROM usage_rollup_day WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
)
SELECT count(*) FROM gone

-- name: delete_month_batch
WITH doomed AS (
    SELECT ctid FROM usage_rollup_month u WHERE metric_code = $1 AND bucket_start < $2
      AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.company_id = u.company_id)
    LIMIT $3
), gone AS (
    DELETE FROM usage_rollup_month WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
)
SELECT count(*) FROM gone

-- name: unfolded_records_between
-- Does a raw record in [$1, $2) wait to be folded into the rollups?
SELECT EXISTS (
    SELECT 1 FROM usage_records r
    WHERE r.ts >= $1 AND r.ts < $2
      AND r.xid >= (SELECT folded_below FROM usage_rollup_watermark)
)

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
