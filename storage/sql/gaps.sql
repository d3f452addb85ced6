-- name: missing_intervals
-- Intervals wholly inside [$3, $4) in which a company that reported metric
-- $1 in that window has no record. $5 is the date_trunc unit, $6 its length.
WITH slots AS (
    SELECT s AS slot
    FROM generate_series(
        date_trunc($5, $3::timestamptz, 'UTC'), $4::timestamptz, CAST($6::text AS interval)) AS s
    WHERE s >= $3 AND s + CAST($6::text AS interval) <= $4
), reporters AS (
    SELECT DISTINCT company_id FROM usage_records
    WHERE metric_code = $1 AND ts >= $3 AND ts < $4
      AND ($2::uuid IS NULL OR company_id = $2)
)
SELECT r.company_id, s.slot
FROM reporters r CROSS JOIN slots s
WHERE NOT EXISTS (
    SELECT 1 FROM usage_records u
    WHERE u.company_id = r.company_id AND u.metric_code = $1
      AND u.ts >= s.slot AND u.ts < s.slot + CAST($6::text AS interval))
ORDER BY r.company_id, s.slot
