-- A scheduled report's delivery is its own unit of work, like a notification:
-- a failed try waits before the next one (a growing, bounded backoff) and the
-- due ones are picked by this time, so one failing destination neither blocks
-- nor repeats the others.
ALTER TABLE report_schedule_runs
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX report_schedule_runs_due ON report_schedule_runs (next_attempt_at)
    WHERE status = 'PENDING';
