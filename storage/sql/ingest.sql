-- name: create_usage_staging
-- Rows are staged here by COPY before one INSERT moves them into
-- usage_records (insert_usage_from_staging). The table is usage_records'
-- own columns (LIKE: one definition of a record's fields; its defaults for
-- the columns the write path leaves to the database) and ord, the record's
-- place in its request. ON COMMIT DELETE ROWS empties it at the end of each
-- transaction, so it never carries rows from one batch into the next. A
-- connection to a database not yet migrated (no usage_records) has none.
DO $$
BEGIN
    IF to_regclass('usage_records') IS NOT NULL THEN
        CREATE TEMP TABLE IF NOT EXISTS usage_staging (
            LIKE usage_records INCLUDING DEFAULTS,
            ord integer NOT NULL
        ) ON COMMIT DELETE ROWS;
    END IF;
END
$$

-- name: product_metric_codes
-- Each product's metric: a telemetry file names products, not metrics.
SELECT code, metric_code FROM products

-- name: clear_usage
-- Every usage record, key and rollup delta gone: a benchmark's fresh start
-- between two measures (bench/ingest.py). Nothing in the service calls it.
TRUNCATE usage_records, usage_idempotency_keys, usage_rollup_deltas, usage_rollup_hour,
         usage_rollup_day, usage_rollup_month
