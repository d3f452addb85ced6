-- name: insert_report
INSERT INTO reports (id, company_id, kind, format, criteria, schedule_id, scheduled_for, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *

-- name: claim_report
-- A pending report, or one whose run died (RUNNING for over 10 minutes).
-- SKIP LOCKED: two processes never build the same report at once.
UPDATE reports SET status = 'RUNNING', started_at = clock_timestamp(), attempts = attempts + 1
WHERE id = (
    SELECT id FROM reports
    WHERE ($1::uuid IS NULL OR id = $1)
      AND (status = 'PENDING'
           OR (status = 'RUNNING' AND started_at < clock_timestamp() - interval '10 minutes'))
      AND attempts < 3
    ORDER BY created_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *

-- name: finish_report
UPDATE reports
SET status = 'SUCCEEDED', content = $2::bytea, size_bytes = octet_length($2::bytea), error = NULL,
    finished_at = clock_timestamp()
WHERE id = $1

-- name: fail_report
UPDATE reports
SET status = CASE WHEN attempts >= 3 OR $3 THEN 'FAILED' ELSE 'PENDING' END,
    error = $2, finished_at = clock_timestamp()
WHERE id = $1
RETURNING status

-- name: report_by_id
SELECT id, company_id, kind, format, criteria, status, attempts, error, size_bytes, schedule_id,
       scheduled_for, created_by, created_at, started_at, finished_at
FROM reports WHERE id = $1

-- name: report_content
SELECT company_id, format, status, content, created_at, kind FROM reports WHERE id = $1

-- name: list_reports
SELECT id, company_id, kind, format, criteria, status, attempts, error, size_bytes, schedule_id,
       scheduled_for, created_by, created_at, started_at, finished_at
FROM reports
WHERE ($1::boolean OR company_id = $2)
  AND ($3::uuid IS NULL OR schedule_id = $3)
  AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $6

-- name: insert_schedule
INSERT INTO report_schedules
    (id, company_id, name, cron, time_zone, criteria, format, destination, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING *

-- name: list_schedules
SELECT * FROM report_schedules
WHERE ($1::boolean OR company_id = $2)
ORDER BY created_at, id

-- name: schedules_after
-- A page forward on (created_at, id): every company's ($1) or one's ($2), after ($3, $4)
-- when given, $5 rows.
SELECT * FROM report_schedules
WHERE ($1::boolean OR company_id = $2)
  AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))
ORDER BY created_at, id
LIMIT $5

-- name: schedules_before
-- A page backward: the $5 rows before ($3, $4) when given (else the last), newest first.
SELECT * FROM report_schedules
WHERE ($1::boolean OR company_id = $2)
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $5

-- name: count_schedules
SELECT count(*) FROM report_schedules WHERE ($1::boolean OR company_id = $2)

-- name: schedule_by_id
SELECT * FROM report_schedules WHERE id = $1

-- name: set_schedule_active
UPDATE report_schedules SET active = $2 WHERE id = $1 RETURNING *

-- name: delete_schedule
DELETE FROM report_schedules WHERE id = $1

-- name: active_schedules
SELECT s.*, (SELECT max(scheduled_for) FROM report_schedule_runs r WHERE r.schedule_id = s.id)
            AS last_scheduled_for
FROM report_schedules s
WHERE s.active
ORDER BY s.created_at, s.id

-- name: claim_schedule_run
-- The one run of a schedule at a fire time: whoever inserts it makes its report.
-- Due for delivery from the pass that claims it ($4, the pass's clock).
INSERT INTO report_schedule_runs (schedule_id, scheduled_for, report_id, next_attempt_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
RETURNING report_id

-- name: undelivered_runs
-- Due deliveries (a failed one waits for its next_attempt_at), oldest try first.
SELECT r.schedule_id, r.scheduled_for, r.report_id, r.attempts, rep.status AS report_status
FROM report_schedule_runs r JOIN reports rep ON rep.id = r.report_id
WHERE r.status = 'PENDING' AND rep.status IN ('SUCCEEDED', 'FAILED') AND r.next_attempt_at <= $1
ORDER BY r.next_attempt_at, r.scheduled_for
LIMIT $2

-- name: finish_schedule_run
UPDATE report_schedule_runs
SET status = $3, error = $4, attempts = attempts + 1, next_attempt_at = $5,
    delivered_at = CASE WHEN $3 = 'DELIVERED' THEN clock_timestamp() END
WHERE schedule_id = $1 AND scheduled_for = $2 AND status = 'PENDING'

-- name: pending_reports_of
-- Reports of a company waiting or being built, counted under a per-company lock.
SELECT count(*) FROM reports
WHERE company_id IS NOT DISTINCT FROM $1 AND status IN ('PENDING', 'RUNNING')

-- name: schedule_runs
-- Each schedule's latest $2 runs, newest first ($1: the schedules). One statement
-- for a list of schedules; the LIMIT applies to each, along its primary key.
SELECT r.schedule_id, r.scheduled_for, r.report_id, r.status, r.attempts, r.error,
       r.created_at, r.delivered_at
FROM unnest($1::uuid[]) AS s (id)
CROSS JOIN LATERAL (
    SELECT * FROM report_schedule_runs
    WHERE schedule_id = s.id
    ORDER BY scheduled_for DESC
    LIMIT $2
) r
ORDER BY r.schedule_id, r.scheduled_for DESC

-- name: delete_report
DELETE FROM reports WHERE id = $1

-- name: lock_report_queue
SELECT pg_advisory_xact_lock($1, $2)
