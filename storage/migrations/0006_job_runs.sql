-- Every run of a job: scheduled ones once per (job, scheduled_for), guarded
-- by an advisory lock per job so that several server processes run each
-- scheduled period once; manual runs (metergraph jobs run) as they come.
CREATE TABLE job_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job            text NOT NULL,
    scheduled_for  timestamptz,
    trigger        text NOT NULL CHECK (trigger IN ('SCHEDULE', 'MANUAL')),
    started_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at    timestamptz,
    outcome        text NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    rows           bigint,
    error          text,
    host           text NOT NULL,
    pid            integer NOT NULL,
    CHECK ((trigger = 'SCHEDULE') = (scheduled_for IS NOT NULL))
);
CREATE UNIQUE INDEX job_runs_period ON job_runs (job, scheduled_for) WHERE trigger = 'SCHEDULE';
CREATE INDEX job_runs_job ON job_runs (job, id);
