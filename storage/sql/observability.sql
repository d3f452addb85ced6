-- name: outbox_backlog
-- Per channel: notifications waiting for a try, and those that failed for good.
SELECT channel,
       count(*) FILTER (WHERE status = 'PENDING') AS pending,
       count(*) FILTER (WHERE status = 'FAILED') AS failed
FROM notification_outbox
GROUP BY channel

-- name: rollup_backlog
-- Deltas written by stores and not folded yet; hours waiting to be recomputed.
SELECT (SELECT count(*) FROM usage_rollup_deltas) AS deltas,
       (SELECT count(*) FROM usage_rollup_stale) AS stale
