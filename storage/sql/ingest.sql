-- name: product_metric_codes
-- Each product's metric: a telemetry file names products, not metrics.
SELECT code, metric_code FROM products

-- name: clear_usage
-- Every usage record, key and rollup delta gone: a benchmark's fresh start
-- between two measures (bench/ingest.py). Nothing in the service calls it.
TRUNCATE usage_records, usage_idempotency_keys, usage_rollup_deltas, usage_rollup_hour,
         usage_rollup_day, usage_rollup_month
