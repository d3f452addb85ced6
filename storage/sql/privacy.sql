-- name: lock_usage_for_erasure
-- Erasure re-keys raw records and every rollup level in one transaction.
-- Ingest, voids (records and their deltas), the rollup job and the folder
-- write these tables (the folder is held off first: storage.privacy);
-- holding them in SHARE ROW EXCLUSIVE mode makes either wait until the
-- erasure has committed, so no row of the user is moved between levels
-- while it is being re-keyed. Locked in the order retention takes them.
LOCK TABLE usage_records, usage_rollup_deltas, usage_rollup_hour, usage_rollup_day,
           usage_rollup_month IN SHARE ROW EXCLUSIVE MODE

-- name: erase_user_records
WITH moved AS (
    UPDATE usage_records SET user_id = $3 WHERE company_id = $1 AND user_id = $2 RETURNING 1
)
SELECT count(*) FROM moved

-- name: erase_user_deltas
WITH moved AS (
    UPDATE usage_rollup_deltas SET user_id = $3
    WHERE company_id = $1 AND user_id = $2 RETURNING 1
)
SELECT count(*) FROM moved

-- name: erase_user_rollup_hour
-- The tombstone is new, so re-keyed groups never meet an existing one.
WITH moved AS (
    UPDATE usage_rollup_hour SET user_id = $3 WHERE company_id = $1 AND user_id = $2 RETURNING 1
)
SELECT count(*) FROM moved

-- name: erase_user_rollup_day
WITH moved AS (
    UPDATE usage_rollup_day SET user_id = $3 WHERE company_id = $1 AND user_id = $2 RETURNING 1
)
SELECT count(*) FROM moved

-- name: erase_user_rollup_month
WITH moved AS (
    UPDATE usage_rollup_month SET user_id = $3 WHERE company_id = $1 AND user_id = $2 RETURNING 1
)
SELECT count(*) FROM moved

-- name: erase_user_corrections
-- Voided and corrected records keep a copy of the record (user_id as text).
WITH moved AS (
    UPDATE usage_corrections
    SET original = jsonb_set(original, '{user_id}', to_jsonb($3::uuid::text))
    WHERE company_id = $1 AND original ->> 'user_id' = $2::uuid::text
    RETURNING 1
)
SELECT count(*) FROM moved
