-- name: insert_threshold
INSERT INTO thresholds (id, company_id, metric_code, period, limit_value, levels)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING id

-- name: list_thresholds
-- A company's own thresholds, with the defaults when $2; every one for NULL.
SELECT * FROM thresholds
WHERE $1::uuid IS NULL OR company_id = $1 OR ($2 AND company_id IS NULL)
ORDER BY metric_code, company_id NULLS FIRST, period

-- name: thresholds_after
-- A page forward on (metric_code, id) of list_thresholds' rows, after ($3, $4) when
-- given, $5 rows.
SELECT * FROM thresholds
WHERE ($1::uuid IS NULL OR company_id = $1 OR ($2 AND company_id IS NULL))
  AND ($3::text IS NULL OR (metric_code, id) > ($3, $4::uuid))
ORDER BY metric_code, id
LIMIT $5

-- name: thresholds_before
-- A page backward: the $5 rows before ($3, $4) when given (else the last), nearest first.
SELECT * FROM thresholds
WHERE ($1::uuid IS NULL OR company_id = $1 OR ($2 AND company_id IS NULL))
  AND ($3::text IS NULL OR (metric_code, id) < ($3, $4::uuid))
ORDER BY metric_code DESC, id DESC
LIMIT $5

-- name: count_thresholds
SELECT count(*) FROM thresholds
WHERE $1::uuid IS NULL OR company_id = $1 OR ($2 AND company_id IS NULL)

-- name: threshold_by_id
SELECT * FROM thresholds WHERE id = $1

-- name: thresholds_by_ids
SELECT * FROM thresholds WHERE id = ANY($1::uuid[])

-- name: update_threshold
-- A threshold's metric, company and period stay; its limit and levels change.
UPDATE thresholds SET limit_value = $2, levels = $3 WHERE id = $1

-- name: all_thresholds
SELECT * FROM thresholds

-- name: watched_metrics
SELECT DISTINCT metric_code FROM thresholds

-- name: delete_threshold
DELETE FROM thresholds WHERE id = $1 RETURNING id

-- name: thresholds_for
SELECT * FROM thresholds WHERE metric_code = ANY($1::text[])

-- name: recipients_of
SELECT channel, role, address FROM notification_recipients WHERE company_id = $1
ORDER BY channel, role, address

-- name: clear_recipients
DELETE FROM notification_recipients WHERE company_id = $1 AND channel = $2 AND role = $3

-- name: add_recipient
INSERT INTO notification_recipients (company_id, channel, role, address) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING

-- name: insert_alert
INSERT INTO alerts (id, threshold_id, company_id, metric_code, period_start, period_end, level,
                    level_value, usage, limit_value, kind)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (threshold_id, company_id, period_start, level, kind) DO NOTHING
RETURNING id

-- name: announce_alert
-- Delivered at commit to every process listening on the channel ($1).
SELECT pg_notify($1, $2)

-- name: insert_notification
INSERT INTO notification_outbox (company_id, alert_id, channel, recipient, subject, body)
SELECT a.company_id, a.id, $2, $3, $4, $5 FROM alerts a WHERE a.id = $1
ON CONFLICT DO NOTHING

-- name: due_notifications
SELECT id, alert_id, channel, recipient, subject, body, attempts
FROM notification_outbox
WHERE status = 'PENDING' AND next_attempt_at <= $1 AND channel <> 'WEBHOOK'
ORDER BY next_attempt_at, id
LIMIT $2
FOR UPDATE SKIP LOCKED

-- name: mark_delivered
UPDATE notification_outbox
SET status = 'DELIVERED', delivered_at = $2, attempts = attempts + 1, last_error = NULL
WHERE id = $1 AND status = 'PENDING'

-- name: mark_attempt_failed
UPDATE notification_outbox
SET attempts = $2, status = $3, next_attempt_at = $4, last_error = $5
WHERE id = $1

-- name: list_alerts
SELECT * FROM alerts
WHERE ($1::uuid IS NULL OR company_id = $1)
  AND ($2::text IS NULL OR metric_code = $2)
  AND ($3::boolean IS NULL OR (acknowledged_at IS NOT NULL) = $3)
  AND ($4::timestamptz IS NULL OR (raised_at, id) < ($4, $5::uuid))
ORDER BY raised_at DESC, id DESC
LIMIT $6

-- name: alert_by_id
SELECT * FROM alerts WHERE id = $1

-- name: acknowledge_alert
UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, now()),
                  acknowledged_by = coalesce(acknowledged_by, $2)
WHERE id = $1
RETURNING *

-- name: list_deliveries
SELECT o.* FROM notification_outbox o
JOIN alerts a ON a.company_id = o.company_id AND a.id = o.alert_id
WHERE ($1::uuid IS NULL OR a.company_id = $1)
  AND ($2::text IS NULL OR o.status = $2)
  AND ($4::bigint IS NULL OR o.id < $4)
ORDER BY o.id DESC
LIMIT $3
