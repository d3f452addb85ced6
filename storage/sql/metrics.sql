-- name: insert_metric
INSERT INTO metrics (code, name, resource_type, measurement_type, unit, aggregation,
                     reporting_interval, description, value_property)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (code) DO NOTHING
RETURNING code

-- name: all_metrics
SELECT code, name, resource_type, measurement_type, unit, aggregation, reporting_interval,
       description, value_property, archived_at
FROM metrics ORDER BY code

-- name: lock_metric
SELECT code, name, resource_type, measurement_type, unit, aggregation, reporting_interval,
       description, value_property, archived_at
FROM metrics WHERE code = $1 FOR UPDATE

-- name: metric_has_usage
-- Raw records may be gone to retention while rollups still hold their sums.
SELECT EXISTS (SELECT 1 FROM usage_records WHERE metric_code = $1)
    OR EXISTS (SELECT 1 FROM usage_rollup_deltas WHERE metric_code = $1)
    OR EXISTS (SELECT 1 FROM usage_rollup_hour WHERE metric_code = $1)
    OR EXISTS (SELECT 1 FROM usage_rollup_day WHERE metric_code = $1)
    OR EXISTS (SELECT 1 FROM usage_rollup_month WHERE metric_code = $1)

-- name: set_metric_value_property
UPDATE metrics SET value_property = $2 WHERE code = $1
