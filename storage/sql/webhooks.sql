-- name: insert_webhook_endpoint
INSERT INTO webhook_endpoints (id, company_id, url, events, secret)
VALUES ($1, $2, $3, $4, $5)
RETURNING *

-- name: webhook_endpoints_of
SELECT * FROM webhook_endpoints WHERE company_id = $1 ORDER BY created_at, id

-- name: webhook_endpoint_by_id
SELECT * FROM webhook_endpoints WHERE id = $1

-- name: disable_webhook_endpoint
-- Its pending deliveries end FAILED: a disabled endpoint is not written to.
WITH ended AS (
    UPDATE notification_outbox
    SET status = 'FAILED', last_error = 'the endpoint was disabled'
    WHERE webhook_endpoint_id = $1 AND status = 'PENDING'
)
UPDATE webhook_endpoints
SET enabled = false, disabled_at = coalesce(disabled_at, now())
WHERE id = $1
RETURNING *

-- name: delete_webhook_endpoint
DELETE FROM webhook_endpoints WHERE id = $1

-- name: webhook_subscribed
SELECT EXISTS (
    SELECT 1 FROM webhook_endpoints WHERE company_id = $1 AND enabled AND $2 = ANY (events)
)

-- name: webhook_companies_listening
SELECT DISTINCT company_id FROM webhook_endpoints WHERE enabled AND $1 = ANY (events)

-- name: raise_webhook_event
-- The event (unless this fact's event exists already) and one outbox row for
-- each of the company's enabled endpoints that listens for its type.
WITH event AS (
    INSERT INTO webhook_events (id, company_id, type, subject_id, body)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (company_id, type, subject_id) DO NOTHING
    RETURNING id, company_id, type, body
), queued AS (
    INSERT INTO notification_outbox (company_id, channel, recipient, subject, body,
                                     webhook_endpoint_id, webhook_event_id)
    SELECT event.company_id, 'WEBHOOK', e.url, event.type, event.body, e.id, event.id
    FROM event JOIN webhook_endpoints e
         ON e.company_id = event.company_id AND e.enabled AND event.type = ANY (e.events)
    RETURNING id
)
SELECT count(*) FROM queued

-- name: due_webhook_delivery
-- The next due delivery, locked for the caller's transaction (others skip it).
SELECT o.id, o.webhook_event_id, o.subject, o.webhook_endpoint_id, e.url, e.secret, o.body,
       o.attempts
FROM notification_outbox o
JOIN webhook_endpoints e ON e.company_id = o.company_id AND e.id = o.webhook_endpoint_id
WHERE o.status = 'PENDING' AND o.channel = 'WEBHOOK' AND o.next_attempt_at <= $1
ORDER BY o.next_attempt_at, o.id
LIMIT 1
FOR UPDATE OF o SKIP LOCKED

-- name: mark_webhook_delivered
UPDATE notification_outbox
SET status = 'DELIVERED', delivered_at = $2, attempts = attempts + 1, last_error = NULL,
    last_status_code = $3
WHERE id = $1 AND status = 'PENDING'

-- name: mark_webhook_attempt_failed
UPDATE notification_outbox
SET attempts = $2, status = $3, next_attempt_at = $4, last_error = $5, last_status_code = $6
WHERE id = $1

-- name: hold_webhook_endpoint
-- The endpoint's other due deliveries wait for its failed one's next try, so
-- a failing receiver costs one request per backoff, not one per event. Rows
-- another drainer holds are skipped: two drainers failing on one endpoint
-- never wait for each other.
UPDATE notification_outbox
SET next_attempt_at = $3
WHERE id IN (SELECT id FROM notification_outbox
             WHERE webhook_endpoint_id = $1 AND id <> $2 AND status = 'PENDING'
               AND next_attempt_at < $3
             FOR UPDATE SKIP LOCKED)

-- name: webhook_deliveries
SELECT o.id, o.webhook_event_id, o.subject, o.status, o.attempts, o.last_status_code,
       o.last_error, o.next_attempt_at, o.delivered_at, o.created_at
FROM notification_outbox o
WHERE o.webhook_endpoint_id = $1 AND ($2::bigint IS NULL OR o.id < $2)
ORDER BY o.id DESC
LIMIT $3
