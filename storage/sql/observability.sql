-- name: outbox_backlog
-- Per channel: notifications waiting for a try, and those that failed for good.
SELECT channel,
       count(*) FILTER (WHERE status = 'PENDING') AS pending,
       count(*) FILTER (WHERE status = 'FAILED') AS failed
FROM notification_outbox
GROUP BY channel

-- name: rollup_backlog
-- Deltas (of voids and corrections) not merged yet; hours waiting to be
-- recomputed; records not folded yet (by the xid index), and the age in
-- seconds of the oldest of them (the lowest transaction id's; 0 when none).
WITH w AS (SELECT folded_below FROM usage_rollup_watermark)
SELECT (SELECT count(*) FROM usage_rollup_deltas) AS deltas,
       (SELECT count(*) FROM usage_rollup_stale) AS stale,
       (SELECT count(*) FROM usage_records r, w WHERE r.xid >= w.folded_below) AS unfolded,
       coalesce(extract(epoch FROM clock_timestamp() - (
           SELECT r.recorded_at FROM usage_records r, w
           WHERE r.xid >= w.folded_below ORDER BY r.xid LIMIT 1)), 0)::float8 AS unfolded_age
