-- name: job_lock
SELECT pg_try_advisory_lock(7300100, hashtext($1))

-- name: job_unlock
SELECT pg_advisory_unlock(7300100, hashtext($1))

-- name: claim_scheduled_run
-- The period's run, unless it succeeded already. Under the job's advisory
-- lock, a RUNNING row is a run that died with its process: it is taken over.
INSERT INTO job_runs (job, scheduled_for, trigger, outcome, host, pid, backend_pid)
VALUES ($1, $2, 'SCHEDULE', 'RUNNING', $3, $4, pg_backend_pid())
ON CONFLICT (job, scheduled_for) WHERE trigger = 'SCHEDULE'
DO UPDATE SET started_at = clock_timestamp(), finished_at = NULL, outcome = 'RUNNING',
              rows = NULL, error = NULL, host = excluded.host, pid = excluded.pid,
              backend_pid = excluded.backend_pid
WHERE job_runs.outcome <> 'SUCCEEDED'
RETURNING id

-- name: start_manual_run
INSERT INTO job_runs (job, trigger, outcome, host, pid, backend_pid)
VALUES ($1, 'MANUAL', 'RUNNING', $2, $3, pg_backend_pid())
RETURNING id

-- name: finish_run
UPDATE job_runs SET finished_at = clock_timestamp(), outcome = $2, rows = $3, error = $4
WHERE id = $1

-- name: fail_abandoned_runs_of_job
-- Run by the holder of the job's advisory lock: any other RUNNING run of the
-- job lost its owner (process, connection or server) midway.
UPDATE job_runs SET finished_at = clock_timestamp(), outcome = 'FAILED', error = $2
WHERE job = $1 AND outcome = 'RUNNING'
RETURNING id

-- name: fail_orphaned_runs
-- RUNNING runs whose session no longer holds their job's advisory lock
-- (job_lock's keys; a lock on two int4 keys shows them as classid, objid and
-- objsubid 2): their process, its connection or the server died midway.
UPDATE job_runs r SET finished_at = clock_timestamp(), outcome = 'FAILED', error = $1
WHERE r.outcome = 'RUNNING'
  AND NOT EXISTS (
      SELECT 1
      FROM pg_locks l
      JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = 7300100 AND l.objid = hashtext(r.job)::oid AND l.objsubid = 2
        AND l.pid = r.backend_pid
        -- the same session, not a later one given the same pid (a role that
        -- cannot see another role's sessions reads NULL here)
        AND (a.backend_start IS NULL OR a.backend_start <= r.started_at)
  )
RETURNING r.id, r.job

-- name: failed_periods
-- Of the given (job, scheduled_for) periods, those whose run failed or died.
SELECT r.job, r.scheduled_for
FROM job_runs r
JOIN unnest($1::text[], $2::timestamptz[]) AS p(job, scheduled_for)
  ON r.job = p.job AND r.scheduled_for = p.scheduled_for
WHERE r.trigger = 'SCHEDULE' AND r.outcome = 'FAILED'
ORDER BY r.scheduled_for

-- name: list_job_runs
SELECT id, job, scheduled_for, trigger, started_at, finished_at, outcome, rows, error
FROM job_runs
WHERE ($1::text IS NULL OR job = $1) AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3
