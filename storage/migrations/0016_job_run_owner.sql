-- The PostgreSQL session that runs a job holds the job's advisory lock; its
-- backend pid, kept with the run, tells a RUNNING run whose owner is still
-- there (that session holds the lock) from one whose process died midway.
ALTER TABLE job_runs ADD COLUMN backend_pid integer;
