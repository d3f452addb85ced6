-- name: job_lock
SELECT pg_try_advisory_lock(7300100, hashtext($1))

-- name: job_unlock
SELECT pg_advisory_unlock(7300100, hashtext($1))

-- name: claim_scheduled_run
-- The period's run, unless it succeeded already. Under the job's advisory
-- lock, a RUNNING row is a run that died with its process: it is taken over.
INSERT INTO job_runs (job, scheduled_for, trigger, outcome, host, pid)
VALUES ($1, $2, 'SCHEDULE', 'RUNNING', $3, $4)
ON CONFLICT (job, scheduled_for) WHERE trigger = 'SCHEDULE'
DO UPDATE SET started_at = clock_timestamp(), finished_at = NULL, outcome = 'RUNNING',
              rows = NULL, error = NULL, host = excluded.host, pid = excluded.pid
WHERE job_runs.outcome <> 'SUCCEEDED'
RETURNING id

-- name: start_manual_run
INSERT INTO job_runs (job, trigger, outcome, host, pid)
VALUES ($1, 'MANUAL', 'RUNNING', $2, $3)
RETURNING id

-- name: finish_run
UPDATE job_runs SET finished_at = clock_timestamp(), outcome = $2, rows = $3, error = $4
WHERE id = $1

-- name: list_job_runs
SELECT id, job, scheduled_for, trigger, started_at, finished_at, outcome, rows, error
FROM job_runs
WHERE ($1::text IS NULL OR job = $1) AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3
